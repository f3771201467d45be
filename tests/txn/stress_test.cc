// Multi-process stress: 8 forked writers x 50 acknowledged commits into one table, mixing
// blind appends (own partition and a shared one) with predicate overwrites (read p = 'x',
// remove the files of x it read, add one). Then the log is checked against what the writers
// were told: versions contiguous, every acknowledged commit present exactly once at its
// version, refused ones absent, no remove of a file that was not live, record counts agree.
#include <simdjson.h>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "lake/transaction.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"
#include "test_util.h"
#include "txn_test_util.h"
#include "txn/stress_writer.h"

namespace lake {
namespace {

constexpr int kWriters = 8;
constexpr int kCommitsPerWriter = 50;

TEST(TxnStressTest, ForkedWritersSerializeCorrectly) {
  testing::TempDir dir;
  testing::CreateTestTable(dir.path());
  auto t0 = std::chrono::steady_clock::now();
  // The writers never touch DuckDB, so a plain fork is enough.
  auto pids = testing::ForkChildren(kWriters, [&](int i) {
    return testing::RunStressWriter(dir.path(), i, kCommitsPerWriter, 1000,
                                    dir.path() + "/acks-" + std::to_string(i));
  });
  for (int code : testing::WaitChildren(pids)) EXPECT_EQ(code, 0) << "writer exit " << code;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // What the writers were told.
  testing::WriterLogs told = testing::ReadWriterLogs(dir.path() + "/acks-", kWriters);
  for (const std::string& line : told.error_lines) ADD_FAILURE() << line;
  for (const std::string& line : told.other_lines) ADD_FAILURE() << line;
  const std::map<std::string, int64_t>& acked = told.acked;  // tag -> version
  const std::set<std::string>& refused = told.refused;
  const int max_attempts = told.max_attempts;
  const long total_attempts = told.total_attempts;
  EXPECT_EQ(acked.size(), static_cast<size_t>(kWriters * kCommitsPerWriter));

  // What the log says.
  auto store = NewLocalStore(dir.path(), dir.path());
  auto listing = log::ListLog(*store);
  ASSERT_TRUE(listing.ok());
  const auto& commits = listing->commits;
  ASSERT_EQ(commits.size(), acked.size() + 1);
  std::map<std::string, int64_t> live;  // path -> numRecords
  std::map<std::string, int64_t> in_log;  // tag -> version
  for (size_t i = 0; i < commits.size(); ++i) {
    ASSERT_EQ(commits[i].version, static_cast<int64_t>(i)) << "versions not contiguous";
    auto data = store->Get(commits[i].key);
    ASSERT_TRUE(data.ok());
    ASSERT_TRUE(txn::ValidateCommit(*data).ok()) << commits[i].key;
    auto actions = log::ParseCommitFileToActions(*data, commits[i].key);
    ASSERT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a); ci && i > 0) {
        std::string tag = testing::UserMetadataOf(*ci);
        EXPECT_TRUE(in_log.emplace(tag, commits[i].version).second) << "twice: " << tag;
      } else if (auto* r = std::get_if<RemoveFile>(&a)) {
        // Serializability: only files live at this version are removed (no lost update).
        EXPECT_EQ(live.erase(r->path), 1u) << "v" << i << " removes non-live " << r->path;
      } else if (auto* ad = std::get_if<AddFile>(&a)) {
        EXPECT_TRUE(live.emplace(ad->path, *log::NumRecordsFromStats(ad->stats)).second);
      }
    }
  }
  EXPECT_EQ(in_log, acked);
  for (const auto& tag : refused) EXPECT_EQ(in_log.count(tag), 0u) << tag;
  int64_t model = 0;
  for (const auto& [p, n] : live) model += n;
  auto table = Table::Open(dir.path());
  ASSERT_TRUE(table.ok());
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->version(), static_cast<int64_t>(acked.size()));
  EXPECT_EQ((*snap)->files().size(), live.size());
  EXPECT_EQ((*snap)->TotalRecords(), model);
  std::printf("[stress] %d writers: %zu commits in %.2f s (%.0f commits/s), %zu refused "
              "(conflicts), attempts total %ld, max %d; %zu live files, %lld records\n",
              kWriters, acked.size(), secs, acked.size() / secs, refused.size(), total_attempts,
              max_attempts, live.size(), static_cast<long long>(model));
}

}  // namespace
}  // namespace lake
