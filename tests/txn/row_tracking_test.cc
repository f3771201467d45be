// Row tracking in the transaction layer (PROTOCOL.md "Writer Requirements for Row Tracking"):
// fresh baseRowId ranges above the high-water mark, defaultRowCommitVersion = the commit's
// version, the delta.rowTracking domain, re-assignment on conflict retries (threads and forked
// processes: no two files ever share a row id), suspension, and the precise refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "lake/transaction.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"
#include "test_util.h"
#include "txn/stress_writer.h"
#include "txn_test_util.h"

namespace lake {
namespace {

using testing::FakeAdd;
using testing::TempDir;

Protocol RowTrackingProtocol() {
  Protocol p;
  p.min_reader_version = 1;
  p.min_writer_version = 7;
  p.writer_features = std::vector<std::string>{"domainMetadata", "rowTracking"};
  return p;
}

std::shared_ptr<Table> CreateRowTrackingTable(const std::string& dir,
                                              std::map<std::string, std::string> conf = {
                                                  {"delta.enableRowTracking", "true"}}) {
  auto t = Table::OpenForCreate(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  auto txn = Transaction::Start(*t);
  EXPECT_TRUE(txn.ok()) << txn.status().ToString();
  (*txn)->SetProtocol(RowTrackingProtocol());
  (*txn)->SetMetadata(testing::TestMetadata(std::move(conf)));
  auto r = (*txn)->Commit();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return *t;
}

Result<CommitResult> Append(const std::shared_ptr<Table>& t, std::vector<AddFile> adds,
                            std::shared_ptr<const Snapshot> snap = nullptr) {
  auto txn = snap ? Transaction::Start(t, snap) : Transaction::Start(t);
  if (!txn.ok()) return txn.status();
  for (auto& a : adds) (*txn)->AddFile(std::move(a));
  return (*txn)->Commit();
}

// Every add ever committed to the table (all versions), with the version of its commit, and
// the delta.rowTracking domain configurations per version.
struct LogAdds {
  std::vector<std::pair<int64_t, AddFile>> adds;
  std::map<int64_t, std::string> hwm_domains;
};
LogAdds ReadLogAdds(const std::string& dir) {
  LogAdds out;
  auto store = NewLocalStore(dir, dir);
  auto listing = log::ListLog(*store);
  EXPECT_TRUE(listing.ok());
  for (const auto& c : listing->commits) {
    auto data = store->Get(c.key);
    EXPECT_TRUE(data.ok());
    auto actions = log::ParseCommitFileToActions(*data, c.key);
    EXPECT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (auto* ad = std::get_if<AddFile>(&a)) out.adds.emplace_back(c.version, *ad);
      if (auto* d = std::get_if<DomainMetadata>(&a); d && d->domain == "delta.rowTracking")
        out.hwm_domains[c.version] = d->configuration;
    }
  }
  return out;
}

// The row id ranges [base, base + numRecords) of all adds never overlap; returns the highest
// row id (-1 when none) and fails the test for an add without baseRowId / a wrong
// defaultRowCommitVersion.
int64_t ExpectDisjointRanges(const LogAdds& log) {
  std::vector<std::pair<int64_t, int64_t>> ranges;  // [lo, hi)
  for (const auto& [version, a] : log.adds) {
    EXPECT_TRUE(a.base_row_id.has_value()) << a.path;
    EXPECT_EQ(a.default_row_commit_version(), std::optional<int64_t>(version)) << a.path;
    if (!a.base_row_id) continue;
    int64_t n = *log::NumRecordsFromStats(a.stats);
    if (n > 0) ranges.emplace_back(*a.base_row_id, *a.base_row_id + n);
  }
  std::sort(ranges.begin(), ranges.end());
  int64_t max_id = -1;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(ranges[i].first, ranges[i - 1].second)
          << "row id ranges overlap: [" << ranges[i - 1].first << ", " << ranges[i - 1].second
          << ") and [" << ranges[i].first << ", " << ranges[i].second << ")";
    }
    max_id = std::max(max_id, ranges[i].second - 1);
  }
  return max_id;
}

std::string Hwm(int64_t n) { return R"({"rowIdHighWaterMark":)" + std::to_string(n) + "}"; }

TEST(RowTrackingTxn, AppendsGetContiguousRangesCommitVersionsAndTheHighWaterMark) {
  TempDir dir;
  auto t = CreateRowTrackingTable(dir.path());
  auto s0 = t->LatestSnapshot();
  ASSERT_TRUE(s0.ok());
  EXPECT_EQ(*RowIdHighWaterMark(**s0), -1);
  // v1: 10 + 5 rows; v2: 7 rows and an empty file; v3: 1 row.
  ASSERT_TRUE(Append(t, {FakeAdd("a.parquet", "x", 10), FakeAdd("b.parquet", "y", 5)}).ok());
  ASSERT_TRUE(Append(t, {FakeAdd("c.parquet", "x", 7), FakeAdd("e.parquet", "x", 0)}).ok());
  auto r3 = Append(t, {FakeAdd("d.parquet", "y", 1)});
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  ASSERT_TRUE(r3->snapshot);

  std::map<std::string, std::pair<int64_t, int64_t>> got;  // file -> (baseRowId, drcv)
  for (const AddFile& f : r3->snapshot->files())
    got[f.path] = {f.base_row_id.value_or(-100), f.default_row_commit_version().value_or(-100)};
  std::map<std::string, std::pair<int64_t, int64_t>> want = {{"p=x/a.parquet", {0, 1}},
                                                             {"p=y/b.parquet", {10, 1}},
                                                             {"p=x/c.parquet", {15, 2}},
                                                             {"p=x/e.parquet", {22, 2}},
                                                             {"p=y/d.parquet", {22, 3}}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(*RowIdHighWaterMark(*r3->snapshot), 22);
  LogAdds log = ReadLogAdds(dir.path());
  EXPECT_EQ(ExpectDisjointRanges(log), 22);
  std::map<int64_t, std::string> want_domains = {{1, Hwm(14)}, {2, Hwm(21)}, {3, Hwm(22)}};
  EXPECT_EQ(log.hwm_domains, want_domains);
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), 4);
  // delta.enableRowTracking: commitInfo says whether copied rows kept their ids (none copied).
  auto hist = t->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_NE((*hist)[0].commit_info.find(R"("tags":{"delta.rowTracking.preserved":"true"})"),
            std::string::npos)
      << (*hist)[0].commit_info;
  auto txn = Transaction::Start(t);
  ASSERT_TRUE(txn.ok());
  (*txn)->AddFile(FakeAdd("copied.parquet", "x", 2));
  (*txn)->SetRowTrackingPreserved(false);
  ASSERT_TRUE((*txn)->Commit().ok());
  hist = t->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_NE((*hist)[0].commit_info.find(R"("delta.rowTracking.preserved":"false")"),
            std::string::npos)
      << (*hist)[0].commit_info;
}

TEST(RowTrackingTxn, ALostRaceReassignsIdsAndVersionAgainstTheWinner) {
  TempDir dir;
  auto t = CreateRowTrackingTable(dir.path());
  auto s0 = t->LatestSnapshot();
  ASSERT_TRUE(s0.ok());
  // Both start at version 0; the winner takes ids 0..9 at version 1.
  auto loser = Transaction::Start(t, *s0);
  ASSERT_TRUE(loser.ok());
  (*loser)->AddFile(FakeAdd("loser.parquet", "x", 4));
  ASSERT_TRUE(Append(t, {FakeAdd("winner.parquet", "y", 10)}, *s0).ok());
  auto r = (*loser)->Commit();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->attempts, 2);
  const AddFile* mine = nullptr;
  for (const AddFile& f : r->snapshot->files())
    if (f.path == "p=x/loser.parquet") mine = &f;
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->base_row_id, std::optional<int64_t>(10)) << "not re-assigned above the winner";
  EXPECT_EQ(mine->default_row_commit_version(), std::optional<int64_t>(2));
  EXPECT_EQ(*RowIdHighWaterMark(*r->snapshot), 13);
  EXPECT_EQ(ExpectDisjointRanges(ReadLogAdds(dir.path())), 13);
}

TEST(RowTrackingTxn, RecommittedAddsKeepTheirIdsAndSuspensionAssignsNone) {
  TempDir dir;
  auto t = CreateRowTrackingTable(dir.path());
  AddFile kept = FakeAdd("kept.parquet", "x", 3);
  kept.base_row_id = 100;
  kept.mutable_extras().default_row_commit_version = 0;
  auto r = Append(t, {kept, FakeAdd("new.parquet", "x", 2)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const AddFile& f : r->snapshot->files()) {
    if (f.path == "p=x/kept.parquet") {
      EXPECT_EQ(f.base_row_id, std::optional<int64_t>(100));
      EXPECT_EQ(f.default_row_commit_version(), std::optional<int64_t>(0));
    } else {
      EXPECT_EQ(f.base_row_id, std::optional<int64_t>(0));
      EXPECT_EQ(f.default_row_commit_version(), std::optional<int64_t>(1));
    }
  }

  TempDir dir2;
  auto t2 = CreateRowTrackingTable(dir2.path(), {{"delta.rowTrackingSuspended", "true"}});
  AddFile no_stats = FakeAdd("s.parquet", "x", 3);
  no_stats.stats.clear();  // suspended: numRecords is not needed either
  auto r2 = Append(t2, {no_stats});
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  for (const AddFile& f : r2->snapshot->files()) {
    EXPECT_FALSE(f.base_row_id.has_value());
    EXPECT_FALSE(f.default_row_commit_version().has_value());
  }
  EXPECT_TRUE(ReadLogAdds(dir2.path()).hwm_domains.empty());
}

TEST(RowTrackingTxn, RefusesAddsWithoutNumRecordsAndAUserSetHighWaterMark) {
  TempDir dir;
  auto t = CreateRowTrackingTable(dir.path());
  AddFile a = FakeAdd("a.parquet", "x", 3);
  a.stats = R"({"minValues":{"id":0}})";
  auto r = Append(t, {a});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("numRecords"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("p=x/a.parquet"), std::string::npos);

  auto txn = Transaction::Start(t);
  ASSERT_TRUE(txn.ok());
  (*txn)->AddFile(FakeAdd("b.parquet", "x", 3));
  (*txn)->SetDomainMetadata({"delta.rowTracking", Hwm(1000), false});
  auto r2 = (*txn)->Commit();
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("managed by the transaction"), std::string::npos)
      << r2.status().ToString();
  auto s = t->LatestSnapshot();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->version(), 0) << "nothing may have been committed";
}

// Past a checkpoint (delta.checkpointInterval=3): a fresh load reads the mark and each file's
// baseRowId / defaultRowCommitVersion back from the checkpoint, and the next append continues
// above the mark.
TEST(RowTrackingTxn, TheMarkAndIdsSurviveCheckpoints) {
  TempDir dir;
  auto t = CreateRowTrackingTable(
      dir.path(), {{"delta.enableRowTracking", "true"}, {"delta.checkpointInterval", "3"}});
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(Append(t, {FakeAdd("f" + std::to_string(i) + ".parquet", "x", 10)}).ok());
  ASSERT_TRUE(std::filesystem::exists(dir.path() +
                                      "/_delta_log/00000000000000000003.checkpoint.parquet"));
  auto fresh = Table::Open(dir.path());
  ASSERT_TRUE(fresh.ok());
  auto s = (*fresh)->LatestSnapshot();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*RowIdHighWaterMark(**s), 39);
  std::map<std::string, std::pair<int64_t, int64_t>> got;
  for (const AddFile& f : (*s)->files())
    got[f.path] = {f.base_row_id.value_or(-1), f.default_row_commit_version().value_or(-1)};
  std::map<std::string, std::pair<int64_t, int64_t>> want = {{"p=x/f0.parquet", {0, 1}},
                                                             {"p=x/f1.parquet", {10, 2}},
                                                             {"p=x/f2.parquet", {20, 3}},
                                                             {"p=x/f3.parquet", {30, 4}}};
  EXPECT_EQ(got, want);
  // Only the checkpoint and what follows it (commits 0..3 gone): the mark still comes back.
  for (int v = 0; v <= 3; ++v)
    std::filesystem::remove(dir.path() + "/_delta_log/0000000000000000000" + std::to_string(v) +
                            ".json");
  auto r = Append(*fresh, {FakeAdd("g.parquet", "y", 5)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const AddFile& f : r->snapshot->files())
    if (f.path == "p=y/g.parquet") {
      EXPECT_EQ(f.base_row_id, std::optional<int64_t>(40));
    }
  EXPECT_EQ(*RowIdHighWaterMark(*r->snapshot), 44);
}

// Threads racing blind appends: every lost race re-assigns, so the ranges of all committed
// files are disjoint and the high-water mark is the total row count - 1.
TEST(RowTrackingTxn, ConcurrentThreadsNeverShareRowIds) {
  TempDir dir;
  auto t = CreateRowTrackingTable(dir.path());
  constexpr int kThreads = 6, kCommits = 15;
  std::atomic<int> failures{0}, retried{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kCommits; ++k) {
        const std::string name = "t" + std::to_string(i) + "-" + std::to_string(k);
        auto r = Append(t, {FakeAdd(name + "a.parquet", "x", 1 + (i + k) % 5),
                            FakeAdd(name + "b.parquet", "y", 3)});
        if (!r.ok())
          ++failures;
        else if (r->attempts > 1)
          ++retried;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  LogAdds log = ReadLogAdds(dir.path());
  ASSERT_EQ(log.adds.size(), static_cast<size_t>(kThreads * kCommits * 2));
  int64_t rows = 0;
  for (const auto& [v, a] : log.adds) rows += *log::NumRecordsFromStats(a.stats);
  EXPECT_EQ(ExpectDisjointRanges(log), rows - 1);
  auto s = t->LatestSnapshot();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*RowIdHighWaterMark(**s), rows - 1);
  std::cout << "[ row tracking threads: " << retried.load() << " of " << kThreads * kCommits
            << " commits retried after a lost race ]\n";
}

// Forked stress writers (appends and conflicting overwrites, tests/txn/stress_writer) on a
// row-tracking table: over the whole log no two adds ever share a row id, every add carries
// its commit's version, and the mark in each commit is the highest id assigned so far.
TEST(RowTrackingTxn, ForkedStressWritersNeverShareRowIds) {
  TempDir dir;
  CreateRowTrackingTable(dir.path());
  constexpr int kWriters = 4, kCommits = 15;
  auto pids = testing::ForkChildren(kWriters, [&](int i) {
    return testing::RunStressWriter(dir.path(), i, kCommits, 77,
                                    dir.path() + "/acks-" + std::to_string(i));
  });
  for (int code : testing::WaitChildren(pids)) EXPECT_EQ(code, 0) << "writer exit " << code;
  testing::WriterLogs told = testing::ReadWriterLogs(dir.path() + "/acks-", kWriters);
  for (const std::string& line : told.error_lines) ADD_FAILURE() << line;
  EXPECT_EQ(told.acked.size(), static_cast<size_t>(kWriters * kCommits));
  EXPECT_GT(told.total_attempts, static_cast<long>(told.acked.size()))
      << "no race was lost: the test proves nothing about retries";
  LogAdds log = ReadLogAdds(dir.path());
  int64_t max_id = ExpectDisjointRanges(log);
  int64_t mark = -1;
  for (const auto& [v, conf] : log.hwm_domains) {
    auto n = std::stoll(conf.substr(conf.find(':') + 1));
    EXPECT_GT(n, mark) << "the mark went backwards at version " << v;
    mark = n;
  }
  EXPECT_EQ(mark, max_id);
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), kWriters * kCommits + 1);
}

}  // namespace
}  // namespace lake
