// Catalog-coordinated commits (include/lake/commit_coordinator.h).
#include "lake/commit_coordinator.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "catalog/sql_db.h"
#include "lake/catalog.h"
#include "util/system.h"

namespace lake {
namespace {

std::string RandomOwner() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                          static_cast<uint64_t>(NowMs()) ^
                                          (static_cast<uint64_t>(getpid()) << 32)};
  // The pid keeps owners of forked children (which copy the RNG state) distinct.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d-%016llx%016llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()));
  return buf;
}

void SleepMs(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

class SqlCommitCoordinator : public CommitCoordinator {
 public:
  explicit SqlCommitCoordinator(std::unique_ptr<catalog::SqlDb> db) : db_(std::move(db)) {}

  Status Init() {
    std::lock_guard<std::mutex> l(mu_);
    Status st;
    for (int i = 0; i < 50; ++i) {
      // As the catalog's own migrations: in a write transaction under the migration lock, so
      // that processes creating the table at once take turns. (PostgreSQL's CREATE TABLE IF
      // NOT EXISTS is not safe against a concurrent one: "type ... already exists".)
      st = db_->Begin(true);
      if (st.ok()) st = db_->LockForMigration();
      if (st.ok()) {
        st = db_->Exec(
            "CREATE TABLE IF NOT EXISTS lake_commit_claims_v2 (table_location TEXT NOT NULL, "
            "object_key TEXT NOT NULL, owner TEXT NOT NULL, claimed_ms BIGINT NOT NULL, "
            "commit_data TEXT NOT NULL, PRIMARY KEY (table_location, object_key))");
      }
      if (st.ok()) st = db_->Commit();
      if (!st.ok()) db_->Rollback();
      // SQLite reports busy past its timeout, PostgreSQL a serialization failure: try again.
      if (st.ok() || !(catalog::IsRetry(st) || st.IsAlreadyExists())) break;
      SleepMs(10 + i);
    }
    return st.WithContext("creating the commit claims table");
  }

  Status Claim(const std::string& loc, const std::string& key, const std::string& owner,
               const std::string& data) override {
    return Retrying([&] {
      return db_->Exec(
          "INSERT INTO lake_commit_claims_v2 (table_location, object_key, owner, claimed_ms, "
          "commit_data) VALUES (?, ?, ?, ?, ?)",
          {loc, key, owner, std::to_string(NowMs()), data});
    });
  }

  Status Release(const std::string& loc, const std::string& key,
                 const std::string& owner) override {
    return Retrying([&] {
      return db_->Exec(
          "DELETE FROM lake_commit_claims_v2 WHERE table_location = ? AND object_key = ? AND "
          "owner = ?",
          {loc, key, owner});
    });
  }

  Result<std::optional<ClaimInfo>> Get(const std::string& loc, const std::string& key) override {
    std::optional<ClaimInfo> out;
    Status st = Retrying([&]() -> Status {
      auto rows = db_->Query(
          "SELECT owner, claimed_ms, commit_data FROM lake_commit_claims_v2 WHERE "
          "table_location = ? AND object_key = ?",
          {loc, key});
      if (!rows.ok()) return rows.status();
      out.reset();
      if (!rows->empty()) {
        ClaimInfo c;
        c.owner = (*rows)[0][0].value_or("");
        c.claimed_ms = std::strtoll((*rows)[0][1].value_or("0").c_str(), nullptr, 10);
        c.data = (*rows)[0][2].value_or("");
        out = c;
      }
      return Status::OK();
    });
    if (!st.ok()) return st;
    return out;
  }

 private:
  template <typename F>
  Status Retrying(F&& f) {
    std::lock_guard<std::mutex> l(mu_);
    Status st;
    for (int i = 0; i < 200; ++i) {
      st = f();
      if (!catalog::IsRetry(st)) return st;
      SleepMs(1 + (i % 20));
    }
    return st;
  }

  std::mutex mu_;
  std::unique_ptr<catalog::SqlDb> db_;
};

class CoordinatedStore : public ObjectStore {
 public:
  CoordinatedStore(std::unique_ptr<ObjectStore> inner, std::shared_ptr<CommitCoordinator> c,
                   CoordinatedStoreOptions o)
      : inner_(std::move(inner)), coord_(std::move(c)), o_(o) {}

  const std::string& root_uri() const override { return inner_->root_uri(); }
  Result<std::vector<ObjectMeta>> List(std::string_view prefix,
                                       std::string_view start_after) override {
    return inner_->List(prefix, start_after);
  }
  Result<std::string> Get(std::string_view key) override { return inner_->Get(key); }
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return inner_->GetRange(key, offset, length);
  }
  Result<ObjectMeta> Head(std::string_view key) override { return inner_->Head(key); }
  Status Put(std::string_view key, std::string_view data) override {
    return inner_->Put(key, data);
  }
  Status PutFile(std::string_view key, const std::string& local_path) override {
    return inner_->PutFile(key, local_path);
  }
  Status Delete(std::string_view key) override { return inner_->Delete(key); }
  Result<std::string> LocalPath(std::string_view key) override { return inner_->LocalPath(key); }
  Result<std::string> LocalPathImmutable(std::string_view key, uint64_t size) override {
    return inner_->LocalPathImmutable(key, size);
  }
  bool is_local() const override { return inner_->is_local(); }

  // See the header: the claim decides the version's bytes once and for all, so every PUT of
  // the key - ours, a late one of ours after a stall, a loser completing it - writes the same
  // bytes, and a stale writer can never replace a later commit.
  Status PutIfAbsent(std::string_view key_view, std::string_view data_view) override {
    const std::string key(key_view);
    const std::string data(data_view);
    const std::string& loc = inner_->root_uri();
    const std::string owner = RandomOwner();
    while (true) {
      LAKE_ASSIGN_OR_RETURN(bool exists, Exists(key));
      if (exists) return AlreadyExists(key);
      Status claimed = coord_->Claim(loc, key, owner, data);
      if (claimed.ok()) break;
      if (!claimed.IsAlreadyExists()) return claimed.WithContext("claiming " + key);
      // Decided already. For our own bytes (a retry of ours after an error: the commit bytes
      // carry a unique txnId) we write them; otherwise wait for the winner's object, and
      // complete the winner's commit ourselves when it does not appear within the lease.
      LAKE_ASSIGN_OR_RETURN(auto claim, coord_->Get(loc, key));
      if (claim && claim->data == data) return WriteDecided(loc, key, claim->owner, data);
      LAKE_ASSIGN_OR_RETURN(bool appeared, WaitOrComplete(loc, key));
      if (appeared) return AlreadyExists(key);
      // The claim went away (its winner found a foreign object there): try again.
    }
    // Ours. A writer that bypasses the coordinator may have written it meanwhile; a loser may
    // have completed our commit already (we stalled for longer than the lease).
    auto got = inner_->Get(key);
    if (got.ok()) {
      if (*got == data) return Release(loc, key, owner);
      (void)coord_->Release(loc, key, owner);
      return AlreadyExists(key);
    }
    if (!got.status().IsNotFound()) return Undecided(key, got.status());
    if (o_.before_put) o_.before_put(key);
    return WriteDecided(loc, key, owner, data);
  }

 private:
  // PUTs the decided bytes of `key`; on success drops the claim (the object now answers every
  // later put-if-absent; the commit bytes need not stay in the database).
  Status WriteDecided(const std::string& loc, const std::string& key, const std::string& owner,
                      const std::string& data) {
    Status put = inner_->Put(key, data);
    if (!put.ok()) {
      // The PUT may have landed (a lost response); if not, the claim stays and the next writer
      // of this version completes it after the lease: either way the outcome is not a failure
      // we may report as "not committed".
      auto got = inner_->Get(key);
      if (!(got.ok() && *got == data)) return Undecided(key, put);
    }
    return Release(loc, key, owner);
  }
  Status Release(const std::string& loc, const std::string& key, const std::string& owner) {
    (void)coord_->Release(loc, key, owner);  // a row left behind only costs space
    return Status::OK();
  }
  Status Undecided(const std::string& key, const Status& cause) const {
    return Status::IOError(cause.message() + " (" + key +
                           " is decided in the commit coordinator but not written yet: the "
                           "next writer of this version completes it)");
  }
  Result<bool> Exists(const std::string& key) {
    auto h = inner_->Head(key);
    if (h.ok()) return true;
    if (h.status().IsNotFound()) return false;
    return h.status();
  }
  Status AlreadyExists(const std::string& key) const {
    return Status::AlreadyExists("'" + key + "' already exists");
  }
  // True once the claimed object exists (written by its winner, or here: a claim older than
  // the lease whose object is missing is completed with the claim's bytes); false when the
  // claim is gone.
  Result<bool> WaitOrComplete(const std::string& loc, const std::string& key) {
    while (true) {
      LAKE_ASSIGN_OR_RETURN(bool exists, Exists(key));
      if (exists) return true;
      LAKE_ASSIGN_OR_RETURN(auto claim, coord_->Get(loc, key));
      if (!claim) {
        LAKE_ASSIGN_OR_RETURN(bool now, Exists(key));
        return now;
      }
      if (NowMs() - claim->claimed_ms > o_.lease_ms) {
        LAKE_ASSIGN_OR_RETURN(bool now, Exists(key));
        if (now) return true;
        Status put = inner_->Put(key, claim->data);
        if (!put.ok()) return put.WithContext("completing the stalled commit " + key);
        return true;
      }
      SleepMs(o_.poll_interval_ms);
    }
  }

  std::unique_ptr<ObjectStore> inner_;
  std::shared_ptr<CommitCoordinator> coord_;
  CoordinatedStoreOptions o_;
};

}  // namespace

Result<std::shared_ptr<CommitCoordinator>> OpenCatalogCommitCoordinator(const std::string& uri_in) {
  std::string uri = uri_in;
  if (uri.empty()) uri = Getenv("LAKE_COMMIT_COORDINATOR_DB");
  if (uri.empty()) uri = Catalog::DefaultUri();
  std::unique_ptr<catalog::SqlDb> db;
  if (uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0) {
    LAKE_ASSIGN_OR_RETURN(db, catalog::OpenPostgres(uri));
  } else {
    std::string path = uri.rfind("sqlite:", 0) == 0 ? uri.substr(7) : uri;
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    if (path.find("://") != std::string::npos) {
      return Status::InvalidArgument("unsupported commit coordinator database URI (use "
                                     "postgresql://..., sqlite:PATH or a file path)");
    }
    LAKE_ASSIGN_OR_RETURN(db, catalog::OpenSqlite(path, false));
  }
  auto c = std::make_shared<SqlCommitCoordinator>(std::move(db));
  LAKE_RETURN_IF_ERROR(c->Init());
  return std::shared_ptr<CommitCoordinator>(std::move(c));
}

std::unique_ptr<ObjectStore> NewCoordinatedStore(std::unique_ptr<ObjectStore> inner,
                                                 std::shared_ptr<CommitCoordinator> coordinator,
                                                 CoordinatedStoreOptions options) {
  return std::make_unique<CoordinatedStore>(std::move(inner), std::move(coordinator), options);
}

Result<std::unique_ptr<ObjectStore>> MaybeCoordinate(std::unique_ptr<ObjectStore> store) {
  std::string mode = Getenv("LAKE_COMMIT_COORDINATOR");
  if (mode.empty() || mode == "none") return store;
  if (mode != "catalog") {
    return Status::InvalidArgument("LAKE_COMMIT_COORDINATOR='" + mode +
                                   "': expected 'catalog' or 'none'");
  }
  if (store->is_local()) return store;
  LAKE_ASSIGN_OR_RETURN(auto coord, OpenCatalogCommitCoordinator(""));
  CoordinatedStoreOptions o;
  std::string lease = Getenv("LAKE_COMMIT_LEASE_MS");
  if (!lease.empty()) o.lease_ms = std::max<int64_t>(1, std::strtoll(lease.c_str(), nullptr, 10));
  return NewCoordinatedStore(std::move(store), std::move(coord), o);
}

}  // namespace lake
