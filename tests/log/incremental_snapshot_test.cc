// Table::LatestSnapshot is incremental on a Table that already holds a snapshot: one LIST
// starting after the version it holds, and reads of the new commits only (store calls counted
// by a wrapping ObjectStore).
#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "lake/table.h"
#include "lake/transaction.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"
#include "test_util.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

// Forwards to `inner` and records every call as "<Op> <key>[ after=<start_after>]".
class CountingStore : public ObjectStore {
 public:
  explicit CountingStore(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  const std::string& root_uri() const override { return inner_->root_uri(); }
  Result<std::vector<ObjectMeta>> List(std::string_view prefix,
                                       std::string_view start_after) override {
    Record("List " + std::string(prefix) +
           (start_after.empty() ? "" : " after=" + std::string(start_after)));
    return inner_->List(prefix, start_after);
  }
  Result<std::string> Get(std::string_view key) override {
    Record("Get " + std::string(key));
    return inner_->Get(key);
  }
  Result<std::string> GetRange(std::string_view key, uint64_t o, uint64_t n) override {
    Record("GetRange " + std::string(key));
    return inner_->GetRange(key, o, n);
  }
  Result<ObjectMeta> Head(std::string_view key) override {
    Record("Head " + std::string(key));
    return inner_->Head(key);
  }
  Status Put(std::string_view key, std::string_view data) override {
    Record("Put " + std::string(key));
    return inner_->Put(key, data);
  }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    Record("PutIfAbsent " + std::string(key));
    return inner_->PutIfAbsent(key, data);
  }
  Status Delete(std::string_view key) override {
    Record("Delete " + std::string(key));
    return inner_->Delete(key);
  }
  Result<std::string> LocalPath(std::string_view key) override {
    if (!key.empty()) Record("LocalPath " + std::string(key));
    return inner_->LocalPath(key);
  }
  Result<std::string> LocalPathImmutable(std::string_view key, uint64_t size) override {
    Record("LocalPathImmutable " + std::string(key));
    return inner_->LocalPathImmutable(key, size);
  }

  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> l(mu_);
    return std::exchange(calls_, {});
  }

 private:
  void Record(std::string s) {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(std::move(s));
  }
  std::unique_ptr<ObjectStore> inner_;
  std::mutex mu_;
  std::vector<std::string> calls_;
};

void Append(const std::string& dir, const std::string& name) {
  auto t = Table::Open(dir);
  ASSERT_TRUE(t.ok());
  auto tx = Transaction::Start(*t);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  (*tx)->AddFile(testing::FakeAdd(name, "a"));
  auto r = (*tx)->Commit();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST(IncrementalSnapshot, SecondLatestSnapshotListsAfterItsVersionAndReadsOnlyNewCommits) {
  testing::TempDir dir;
  testing::CreateTestTable(dir.path());
  Append(dir.path(), "one.parquet");
  Append(dir.path(), "two.parquet");
  auto counting = std::make_shared<CountingStore>(NewLocalStore(dir.path(), dir.path()));
  auto table = Table::Open(counting);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto s2 = (*table)->LatestSnapshot();
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  EXPECT_EQ((*s2)->version(), 2);
  counting->Take();

  // No new commit: one LIST, nothing read, the same snapshot.
  auto same = (*table)->LatestSnapshot();
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), s2->get());
  EXPECT_EQ(counting->Take(), std::vector<std::string>{
                                  "List _delta_log/ after=_delta_log/00000000000000000002.json"});

  Append(dir.path(), "three.parquet");  // another writer (its own Table)
  auto s3 = (*table)->LatestSnapshot();
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ((*s3)->version(), 3);
  EXPECT_EQ((*s3)->files().size(), 3u);
  std::vector<std::string> calls = counting->Take();
  ASSERT_EQ(calls.size(), 2u) << ::testing::PrintToString(calls);
  EXPECT_EQ(calls[0], "List _delta_log/ after=_delta_log/00000000000000000002.json");
  EXPECT_EQ(calls[1], "LocalPathImmutable _delta_log/00000000000000000003.json");

  // The incremental snapshot equals a full load.
  auto fresh = Table::Open(dir.path());
  ASSERT_TRUE(fresh.ok());
  auto full = (*fresh)->LatestSnapshot();
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)->version(), (*s3)->version());
  EXPECT_EQ((*full)->files().size(), (*s3)->files().size());
  EXPECT_EQ((*full)->metadata().schema_string, (*s3)->metadata().schema_string);
  EXPECT_EQ((*full)->TotalRecords(), (*s3)->TotalRecords());
}

TEST(IncrementalSnapshot, UpdateOfAnOldSnapshotAppliesEveryNewerCommit) {
  testing::TempDir dir;
  testing::CreateTestTable(dir.path());
  auto table = Table::Open(dir.path());
  ASSERT_TRUE(table.ok());
  auto s0 = (*table)->LatestSnapshot();
  ASSERT_TRUE(s0.ok());
  for (int i = 0; i < 5; ++i) Append(dir.path(), "f" + std::to_string(i) + ".parquet");
  auto s5 = (*table)->Update(*s0);
  ASSERT_TRUE(s5.ok()) << s5.status().ToString();
  EXPECT_EQ((*s5)->version(), 5);
  EXPECT_EQ((*s5)->files().size(), 5u);
}

// Random histories: after every commit, the snapshot a long-lived Table brings up to date
// incrementally (SnapshotBuilder::Apply over its previous snapshot) equals a full load by a
// fresh Table. Histories mix adds, removes, re-adds, deletion-vector updates, the same file
// spelled differently (percent-encoded, absolute file: URI), txn and domain changes.
std::string StateOf(const Snapshot& s) {
  std::vector<std::string> files, tombs;
  for (const AddFile& f : s.files()) {
    files.push_back(log::CanonicalPath(f.path, "") + "|" +
                    (f.deletion_vector ? f.deletion_vector->UniqueId() : "") + "|" +
                    std::to_string(f.size));
  }
  for (const RemoveFile& r : s.tombstones()) {
    tombs.push_back(log::CanonicalPath(r.path, "") + "|" +
                    (r.deletion_vector ? r.deletion_vector->UniqueId() : ""));
  }
  std::sort(files.begin(), files.end());
  std::sort(tombs.begin(), tombs.end());
  std::string out = "v" + std::to_string(s.version()) + "\nfiles:";
  for (auto& f : files) out += " " + f;
  out += "\ntombstones:";
  for (auto& t : tombs) out += " " + t;
  for (const auto& [id, t] : s.app_transactions())
    out += "\ntxn " + id + "=" + std::to_string(t.version);
  for (const auto& [d, m] : s.domain_metadata()) out += "\ndomain " + d + "=" + m.configuration;
  return out;
}

TEST(IncrementalSnapshot, RandomHistoriesMatchAFullLoad) {
  for (int seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::TempDir dir;
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto spell = [&](int i) {  // one file, three spellings
      std::string rel = "p=x/f " + std::to_string(i) + ".parquet";
      switch (pick(3)) {
        case 0:
          return std::string("p=x/f%20") + std::to_string(i) + ".parquet";
        case 1:
          return "file://" + dir.path() + "/" + rel;
        default:
          return rel;
      }
    };
    auto add = [&](int i, int64_t size, const std::string& dv) {
      return R"({"add":{"path":")" + spell(i) + R"(","partitionValues":{},"size":)" +
             std::to_string(size) + R"(,"modificationTime":1,"dataChange":true)" +
             (dv.empty() ? ""
                         : R"(,"deletionVector":{"storageType":"u","pathOrInlineDv":")" + dv +
                               R"(","offset":1,"sizeInBytes":10,"cardinality":1})") +
             "}}";
    };
    auto remove = [&](int i, const std::string& dv) {
      return R"({"remove":{"path":")" + spell(i) + R"(","deletionTimestamp":)" +
             std::to_string(4102444800000LL) + R"(,"dataChange":true)" +
             (dv.empty() ? ""
                         : R"(,"deletionVector":{"storageType":"u","pathOrInlineDv":")" + dv +
                               R"(","offset":1,"sizeInBytes":10,"cardinality":1})") +
             "}}";
    };
    std::map<int, std::string> live;  // file -> current dv ("" none): to make valid removes
    testing::WriteFile(
        dir.path() + "/_delta_log/" + log::PadVersion(0) + ".json",
        std::string(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})") + "\n" +
            R"({"metaData":{"id":"r","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{},"createdTime":1}})" +
            "\n");
    auto held = Table::Open(dir.path());
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE((*held)->LatestSnapshot().ok());
    for (int v = 1; v <= 40; ++v) {
      std::string lines;
      std::set<int> touched;  // a commit touches a file at most once
      for (int n = 1 + pick(6); n > 0; --n) {
        int i = pick(25);
        if (!touched.insert(i).second) continue;
        auto it = live.find(i);
        int what = pick(4);
        if (it == live.end()) {
          lines += add(i, v * 100 + i, "") + "\n";
          live[i] = "";
        } else if (what == 0) {
          lines += remove(i, it->second) + "\n";
          live.erase(it);
        } else if (what == 1) {  // a new deletion vector: remove the old key, add the new
          std::string dv = "dv" + std::to_string(v) + "x" + std::to_string(i);
          lines += remove(i, it->second) + "\n" + add(i, v * 100 + i, dv) + "\n";
          it->second = dv;
        } else if (what == 2 && it->second.empty()) {  // re-add the same key (e.g. a restore)
          lines += add(i, v * 1000 + i, "") + "\n";
        }
      }
      if (pick(5) == 0)
        lines += R"({"txn":{"appId":"app)" + std::to_string(pick(3)) + R"(","version":)" +
                 std::to_string(v) + "}}\n";
      if (pick(7) == 0) {
        lines += R"({"domainMetadata":{"domain":"d)" + std::to_string(pick(2)) +
                 R"(","configuration":"c)" + std::to_string(v) + R"(","removed":)" +
                 (pick(3) == 0 ? "true" : "false") + "}}\n";
      }
      lines += R"({"commitInfo":{"timestamp":)" + std::to_string(1000 + v) + "}}\n";
      testing::WriteFile(dir.path() + "/_delta_log/" + log::PadVersion(v) + ".json", lines);
      auto inc = (*held)->LatestSnapshot();
      ASSERT_TRUE(inc.ok()) << inc.status().ToString();
      auto fresh = Table::Open(dir.path());
      ASSERT_TRUE(fresh.ok());
      auto full = (*fresh)->LatestSnapshot();
      ASSERT_TRUE(full.ok()) << full.status().ToString();
      ASSERT_EQ(StateOf(**inc), StateOf(**full)) << "version " << v;
    }
  }
}

}  // namespace
}  // namespace lake
