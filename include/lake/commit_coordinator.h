// Catalog-coordinated commits, for object stores that do not enforce conditional writes.
//
// The Delta log's commit primitive is put-if-absent of _delta_log/<version>.json. S3 stores
// that ignore "If-None-Match: *" (older MinIO/Ceph, some appliances) would let two writers both
// "win" a version; S3Store detects that with a probe and refuses to write (object_store.h).
// Opting in with LAKE_COMMIT_COORDINATOR=catalog replaces the store's put-if-absent by a claim
// in a SQL database (the lake catalog's: $LAKE_CATALOG or $LAKE_HOME/catalog.db; PostgreSQL for
// writers on several hosts; LAKE_COMMIT_COORDINATOR_DB overrides it):
//
//   table lake_commit_claims (table_location, object_key) primary key, owner, claimed_ms
//
// CoordinatedStore::PutIfAbsent(key, data):
//   1. HEAD key: present -> AlreadyExists.
//   2. INSERT the claim (table root URI, key, random owner). The primary key serialises
//      writers: exactly one INSERT per key succeeds. A loser waits (polling HEAD) until the
//      winner's object is visible, then answers AlreadyExists - so, as with a real
//      conditional PUT, a loser can read the winning commit right away. If the claim
//      disappears (the winner failed and released it) the loser tries again; if it stays
//      unfulfilled for longer than the lease (the winner died between INSERT and PUT), the
//      claim is broken (DELETE ... WHERE owner = <the one seen>) and the key is tried again.
//   3. HEAD again (an object written by a writer that does not use the coordinator), then
//      an unconditional PUT. On failure the object is checked (an ambiguous PUT that landed
//      with our bytes is success) and otherwise the claim is released.
// Readers are unchanged (they never look at the claims).
//
// Trade-offs (docs/S3.md): every writer of the table must use the same coordinator database
// (a writer without it can still overwrite a commit); the database is a dependency on the
// commit path (not on reads); a writer that stalls between its claim and its PUT for longer
// than the lease (default 30 s, LAKE_COMMIT_LEASE_MS) can have its claim broken and then
// overwrite the next claimant's commit - S3 offers no fencing token. Claims are one small row
// per commit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lake/object_store.h"
#include "lake/status.h"

namespace lake {

class CommitCoordinator {
 public:
  virtual ~CommitCoordinator() = default;
  struct ClaimInfo {
    std::string owner;
    int64_t claimed_ms = 0;
  };
  // OK: `owner` now holds (table_location, key). AlreadyExists: someone holds it.
  virtual Status Claim(const std::string& table_location, const std::string& key,
                       const std::string& owner) = 0;
  // Drops the claim when `owner` holds it (a failed write; a broken stale claim).
  virtual Status Release(const std::string& table_location, const std::string& key,
                         const std::string& owner) = 0;
  // The current claim, nullopt when there is none.
  virtual Result<std::optional<ClaimInfo>> Get(const std::string& table_location,
                                               const std::string& key) = 0;
};

// The SQL coordinator over a catalog database URI (as Catalog::Open: postgresql://..., sqlite:
// PATH or a file path; "" = $LAKE_COMMIT_COORDINATOR_DB, else Catalog::DefaultUri()). Creates
// its table when missing. One connection; safe from many threads (serialised).
Result<std::shared_ptr<CommitCoordinator>> OpenCatalogCommitCoordinator(const std::string& uri = "");

struct CoordinatedStoreOptions {
  int64_t lease_ms = 30000;      // claims older than this whose object is missing are broken
  int64_t poll_interval_ms = 20;  // a loser's HEAD polling while the winner writes
};

// `inner` with PutIfAbsent (and the staged variants) done through `coordinator`; everything
// else is forwarded.
std::unique_ptr<ObjectStore> NewCoordinatedStore(std::unique_ptr<ObjectStore> inner,
                                                 std::shared_ptr<CommitCoordinator> coordinator,
                                                 CoordinatedStoreOptions options = {});

// When LAKE_COMMIT_COORDINATOR=catalog, wraps `store` (remote stores only; local ones have an
// atomic link()); "" or "none" returns it unchanged; another value is InvalidArgument.
Result<std::unique_ptr<ObjectStore>> MaybeCoordinate(std::unique_ptr<ObjectStore> store);

}  // namespace lake
