// Table::LatestSnapshot is incremental on a Table that already holds a snapshot: one LIST
// starting after the version it holds, and reads of the new commits only (store calls counted
// by a wrapping ObjectStore).
#include <mutex>

#include <gtest/gtest.h>

#include "lake/table.h"
#include "lake/transaction.h"
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

}  // namespace
}  // namespace lake
