// Multi-process stress: 8 forked writers x 50 acknowledged commits into one table, mixing
// blind appends (own partition and a shared one) with predicate overwrites (read p = 'x',
// remove the files of x it read, add one). Then the log is checked against what the writers
// were told: versions contiguous, every acknowledged commit present exactly once at its
// version, refused ones absent, no remove of a file that was not live, record counts agree.
#include <simdjson.h>
#include <chrono>
#include <filesystem>
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
#include "txn/stress_writer.h"
#include "txn_test_util.h"

namespace lake {
namespace {

constexpr int kWriters = 8;
constexpr int kCommitsPerWriter = 50;

// Checks the log of the table at `dir` against what the writers (output files acks-0..) were
// told: versions contiguous, every acknowledged commit present exactly once at its version,
// refused ones absent, no remove of a file that was not live, record counts agree.
void CheckLogAgainstWriters(const std::string& dir, int writers, int commits_per_writer,
                            double secs) {
  // What the writers were told.
  testing::WriterLogs told = testing::ReadWriterLogs(dir + "/acks-", writers);
  for (const std::string& line : told.error_lines) ADD_FAILURE() << line;
  for (const std::string& line : told.other_lines) ADD_FAILURE() << line;
  const std::map<std::string, int64_t>& acked = told.acked;  // tag -> version
  const std::set<std::string>& refused = told.refused;
  const int max_attempts = told.max_attempts;
  const long total_attempts = told.total_attempts;
  EXPECT_EQ(acked.size(), static_cast<size_t>(writers * commits_per_writer));

  // What the log says.
  auto store = NewLocalStore(dir, dir);
  auto listing = log::ListLog(*store);
  ASSERT_TRUE(listing.ok());
  const auto& commits = listing->commits;
  ASSERT_EQ(commits.size(), acked.size() + 1);
  std::map<std::string, int64_t> live;    // path -> numRecords
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
  auto table = Table::Open(dir);
  ASSERT_TRUE(table.ok());
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->version(), static_cast<int64_t>(acked.size()));
  EXPECT_EQ((*snap)->files().size(), live.size());
  EXPECT_EQ((*snap)->TotalRecords(), model);
  std::printf(
      "[stress] %d writers: %zu commits in %.2f s (%.0f commits/s), %zu refused "
      "(conflicts), attempts total %ld, max %d; %zu live files, %lld records\n",
      writers, acked.size(), secs, acked.size() / secs, refused.size(), total_attempts,
      max_attempts, live.size(), static_cast<long long>(model));
}

TEST(TxnStressTest, ForkedWritersSerializeCorrectly) {
  testing::TempDir dir;
  testing::CreateTestTable(dir.path());
  auto t0 = std::chrono::steady_clock::now();
  // Checkpoints (every 10 versions) are written inline, through the DuckDB instance the forked
  // child inherited; it runs them on the calling thread.
  auto pids = testing::ForkChildren(kWriters, [&](int i) {
    return testing::RunStressWriter(dir.path(), i, kCommitsPerWriter, 1000,
                                    dir.path() + "/acks-" + std::to_string(i));
  });
  for (int code : testing::WaitChildren(pids)) EXPECT_EQ(code, 0) << "writer exit " << code;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CheckLogAgainstWriters(dir.path(), kWriters, kCommitsPerWriter, secs);
}

// The same with checkpoints written by each writer's background thread, every 3 versions (so
// they are often superseded, and written while other processes commit): afterwards every
// checkpoint in the log holds exactly the table at its version, and _last_checkpoint names one.
TEST(TxnStressTest, ForkedWritersWithBackgroundCheckpoints) {
  constexpr int kBgWriters = 4, kBgCommits = 30;
  testing::TempDir dir;
  testing::CreateTestTable(dir.path(), {{"delta.checkpointInterval", "3"}});
  auto t0 = std::chrono::steady_clock::now();
  auto pids = testing::ForkChildren(kBgWriters, [&](int i) {
    return testing::RunStressWriter(dir.path(), i, kBgCommits, 2000,
                                    dir.path() + "/acks-" + std::to_string(i),
                                    /*background_checkpoints=*/true);
  });
  for (int code : testing::WaitChildren(pids)) EXPECT_EQ(code, 0) << "writer exit " << code;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CheckLogAgainstWriters(dir.path(), kBgWriters, kBgCommits, secs);

  auto store = NewLocalStore(dir.path(), dir.path());
  auto listing = log::ListLog(*store);
  ASSERT_TRUE(listing.ok());
  ASSERT_FALSE(listing->checkpoints.empty()) << "no checkpoint was written";
  auto hint = log::ReadLastCheckpointHint(*store);
  ASSERT_TRUE(hint.has_value());
  bool hint_exists = false;
  for (const auto& cp : listing->checkpoints) {
    hint_exists |= cp.version == *hint;
    // The checkpoint alone (a copy of the log holding it and the commits after it only)
    // gives the same files as replaying every commit.
    testing::TempDir alone;
    std::filesystem::create_directories(alone.path() + "/_delta_log");
    for (const auto& part : cp.parts)
      std::filesystem::copy_file(dir.path() + "/" + part.key, alone.path() + "/" + part.key);
    auto from_commits = Table::Open(dir.path());
    ASSERT_TRUE(from_commits.ok());
    auto want = (*from_commits)->SnapshotAtVersion(cp.version);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto from_checkpoint = Table::Open(alone.path());
    ASSERT_TRUE(from_checkpoint.ok());
    auto got = (*from_checkpoint)->LatestSnapshot();
    ASSERT_TRUE(got.ok()) << "checkpoint " << cp.version << ": " << got.status().ToString();
    EXPECT_EQ((*got)->version(), cp.version);
    std::set<std::string> a, b;
    for (const AddFile& f : (*got)->files()) a.insert(f.path);
    for (const AddFile& f : (*want)->files()) b.insert(f.path);
    EXPECT_EQ(a, b) << "checkpoint " << cp.version;
    EXPECT_EQ((*got)->TotalRecords(), (*want)->TotalRecords()) << "checkpoint " << cp.version;
  }
  EXPECT_TRUE(hint_exists) << "_last_checkpoint names version " << *hint;
  std::printf("[stress] %zu background checkpoints checked against replay; _last_checkpoint %lld\n",
              listing->checkpoints.size(), static_cast<long long>(*hint));
}

}  // namespace
}  // namespace lake
