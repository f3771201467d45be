// Enabling row tracking on a table that already has files (lake alter TABLE set-property
// delta.enableRowTracking=true): protocol upgrade, baseRowId backfill, then the property
// (PROTOCOL.md "Row Tracking", Enablement and "Row IDs"). Checked: disjoint ranges covering
// exactly the rows, the high-water mark, unchanged rows, deletion vectors kept, appends and
// OPTIMIZE afterwards, resuming an interrupted enablement, re-running, concurrent removes /
// re-adds / appends during the backfill, and the refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "lake/write.h"
#include "log/snapshot_builder.h"
#include "ops/alter_table.h"
#include "ops/optimize.h"
#include "table_test_util.h"
#include "test_util.h"
#include "txn/commit_writer.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using lake::testing::At;
using lake::testing::Conn;
using lake::testing::ExpectSameRows;
using lake::testing::StableRowIds;
using lake::testing::TempDir;

std::shared_ptr<Table> Open(const std::string& dir) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

std::string ScanSql(engine::Connection& c, const std::string& dir, int64_t version = -1) {
  return lake::testing::ScanSql(c, At(dir, version));
}

// `n` appends of 30 rows (ids i*1000 + 0..29) over partitions a, b, c: 3 files each.
void Appends(const std::string& dir, int n, int first = 0) {
  for (int i = first; i < first + n; ++i) {
    auto r = WriteBuilder(dir)
                 .Source({"", "SELECT (j + " + std::to_string(i * 1000) +
                                  ")::BIGINT AS id, 'v' || j AS s, ['a','b','c'][1 + j % 3] AS p "
                                  "FROM range(30) t(j)"})
                 .Mode(WriteMode::kAppend)
                 .PartitionBy({"p"})
                 .Execute();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// The ranges [baseRowId, baseRowId + numRecords) of the live files: none missing, none
// overlapping; returns the highest id (-1 when none).
int64_t ExpectDisjointLiveRanges(const Snapshot& snap) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const AddFile& f : snap.files()) {
    EXPECT_TRUE(f.base_row_id.has_value()) << f.path << " has no baseRowId";
    EXPECT_TRUE(f.default_row_commit_version().has_value()) << f.path;
    if (!f.base_row_id) continue;
    ranges.emplace_back(*f.base_row_id, *f.base_row_id + *log::NumRecordsFromStats(f.stats));
  }
  std::sort(ranges.begin(), ranges.end());
  int64_t max_id = -1;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(ranges[i].first, ranges[i - 1].second) << "row id ranges overlap";
    }
    max_id = std::max(max_id, ranges[i].second - 1);
  }
  return max_id;
}

// The operations of the commits after `after_version`, oldest first.
std::vector<std::string> OperationsSince(const std::string& dir, int64_t after_version) {
  auto hist = Open(dir)->History(1000);
  EXPECT_TRUE(hist.ok());
  std::vector<std::string> ops;
  if (!hist.ok()) return ops;
  for (const auto& h : *hist)
    if (h.version > after_version) ops.push_back(h.operation);
  std::reverse(ops.begin(), ops.end());
  return ops;
}

const std::map<std::string, std::string> kEnable = {{"delta.enableRowTracking", "true"}};

TEST(RowTrackingBackfill, EnablesOnPartitionedTableThenAppendAndOptimizeKeepIds) {
  TempDir dir;
  Appends(dir.path(), 4);
  auto c = Conn();
  auto before = At(dir.path());
  ASSERT_EQ(before->files().size(), 12u);
  ASSERT_FALSE(before->protocol().HasWriterFeature("rowTracking"));
  std::set<std::string> paths;
  for (const AddFile& f : before->files()) paths.insert(f.path);

  std::map<std::string, std::string> props = kEnable;
  props["owner"] = "team-a";
  auto r = SetProperties(dir.path(), props);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, before->version() + 3) << r->summary;
  EXPECT_NE(r->summary.find("12 files"), std::string::npos) << r->summary;
  EXPECT_EQ(
      OperationsSince(dir.path(), before->version()),
      (std::vector<std::string>{"UPGRADE PROTOCOL", "ROW TRACKING BACKFILL", "SET TBLPROPERTIES"}));
  auto after = At(dir.path());
  const Protocol& p = after->protocol();
  EXPECT_EQ(p.min_writer_version, 7);
  EXPECT_TRUE(p.HasWriterFeature("rowTracking"));
  EXPECT_TRUE(p.HasWriterFeature("domainMetadata"));
  // The legacy (1,2) features are kept as table features.
  EXPECT_TRUE(p.HasWriterFeature("appendOnly"));
  EXPECT_TRUE(p.HasWriterFeature("invariants"));
  const auto& conf = after->metadata().configuration;
  EXPECT_EQ(conf.at("delta.enableRowTracking"), "true");
  EXPECT_EQ(conf.at("owner"), "team-a");
  EXPECT_EQ(conf.at("delta.rowTracking.materializedRowIdColumnName").rfind("_row-id-col-", 0), 0u);
  EXPECT_EQ(conf.at("delta.rowTracking.materializedRowCommitVersionColumnName")
                .rfind("_row-commit-version-col-", 0),
            0u);
  // The same files (re-added, not rewritten), each with a range; together exactly 0..119.
  std::set<std::string> paths_after;
  for (const AddFile& f : after->files()) {
    paths_after.insert(f.path);
    EXPECT_FALSE(f.data_change) << f.path;
    EXPECT_EQ(f.default_row_commit_version(), std::optional<int64_t>(before->version() + 2));
  }
  EXPECT_EQ(paths_after, paths);
  EXPECT_EQ(ExpectDisjointLiveRanges(*after), 119);
  EXPECT_EQ(*RowIdHighWaterMark(*after), 119);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  auto ids = StableRowIds(*c, dir.path(), *after, "id");
  ASSERT_EQ(ids.size(), 120u);
  std::set<int64_t> distinct;
  for (const auto& [k, v] : ids) {
    distinct.insert(v.first);
    EXPECT_EQ(v.second, before->version() + 2) << "id " << k;
  }
  EXPECT_EQ(distinct.size(), 120u);
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), after->version() + 1);

  // Re-running changes nothing.
  auto again = SetProperties(dir.path(), kEnable);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->version, after->version());
  EXPECT_EQ(At(dir.path())->version(), after->version());

  // An append gets ids above the mark, at its own version.
  Appends(dir.path(), 1, 7);
  auto appended = At(dir.path());
  EXPECT_EQ(ExpectDisjointLiveRanges(*appended), 149);
  EXPECT_EQ(*RowIdHighWaterMark(*appended), 149);
  auto ids1 = StableRowIds(*c, dir.path(), *appended, "id");
  ASSERT_EQ(ids1.size(), 150u);
  for (int64_t j = 0; j < 30; ++j) {
    EXPECT_GE(ids1[7000 + j].first, 120);
    EXPECT_EQ(ids1[7000 + j].second, appended->version());
  }
  {
    auto hist = Open(dir.path())->History(1);
    ASSERT_TRUE(hist.ok());
    EXPECT_NE((*hist)[0].commit_info.find(R"("delta.rowTracking.preserved":"true")"),
              std::string::npos)
        << (*hist)[0].commit_info;
  }

  // OPTIMIZE rewrites the files and keeps every row's stable id and commit version.
  auto o = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->files_removed, 15);
  auto optimized = At(dir.path());
  EXPECT_EQ(StableRowIds(*c, dir.path(), *optimized, "id"), ids1);
  EXPECT_EQ(*RowIdHighWaterMark(*optimized), 149 + 150);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), appended->version()));
}

// An enablement interrupted after the protocol upgrade (and an append that got ids from its
// writer): re-running backfills only the files without ids, in batches, and keeps the others.
TEST(RowTrackingBackfill, ResumesAfterUpgradeInBatchesAndKeepsAssignedIds) {
  TempDir dir;
  Appends(dir.path(), 3);
  {
    auto t = Open(dir.path());
    auto txn = Transaction::Start(t);
    ASSERT_TRUE(txn.ok());
    Protocol p = (*txn)->read_snapshot()->protocol();
    alter::AddFeature(&p, "domainMetadata", false);
    alter::AddFeature(&p, "rowTracking", false);
    (*txn)->SetProtocol(p);
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  Appends(dir.path(), 1, 5);  // 3 files with ids 0..29
  auto mid = At(dir.path());
  std::map<std::string, int64_t> assigned;
  for (const AddFile& f : mid->files())
    if (f.base_row_id) assigned[f.path] = *f.base_row_id;
  ASSERT_EQ(assigned.size(), 3u);
  EXPECT_EQ(*RowIdHighWaterMark(*mid), 29);
  auto c = Conn();

  RowTrackingEnableOptions o;
  o.max_files_per_commit = 4;  // 9 files without ids: 3 backfill commits
  auto r = SetProperties(dir.path(), kEnable, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(OperationsSince(dir.path(), mid->version()),
            (std::vector<std::string>{"ROW TRACKING BACKFILL", "ROW TRACKING BACKFILL",
                                      "ROW TRACKING BACKFILL", "SET TBLPROPERTIES"}));
  auto after = At(dir.path());
  EXPECT_EQ(ExpectDisjointLiveRanges(*after), 119);
  EXPECT_EQ(*RowIdHighWaterMark(*after), 119);
  for (const AddFile& f : after->files()) {
    if (assigned.count(f.path)) {
      EXPECT_EQ(f.base_row_id, std::optional<int64_t>(assigned[f.path])) << f.path;
      EXPECT_EQ(f.default_row_commit_version(), std::optional<int64_t>(mid->version()));
    }
  }
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), mid->version()));
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after, "id").size(), 120u);
}

// A file with a deletion vector keeps it: the re-add has the same (path, DV) key, so it
// replaces the add; ids are baseRowId + physical position, deleted rows included in the range.
TEST(RowTrackingBackfill, KeepsDeletionVectors) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  TempDir dir;
  testing::CopyWritableTable(conf + "/tables/delta-kernel-rs/table-with-dv-small", dir.path());
  auto before = At(dir.path());
  ASSERT_EQ(before->files().size(), 1u);
  ASSERT_TRUE(before->files()[0].deletion_vector);
  const std::string dv_id = before->files()[0].deletion_vector->UniqueId();
  auto r = SetProperties(dir.path(), kEnable);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto after = At(dir.path());
  ASSERT_EQ(after->files().size(), 1u);
  const AddFile& f = after->files()[0];
  ASSERT_TRUE(f.deletion_vector);
  EXPECT_EQ(f.deletion_vector->UniqueId(), dv_id);
  EXPECT_EQ(f.base_row_id, std::optional<int64_t>(0));
  EXPECT_EQ(*RowIdHighWaterMark(*after), 9);  // 10 physical rows, 2 deleted
  EXPECT_TRUE(after->protocol().HasWriterFeature("deletionVectors"));
  auto c = Conn();
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  auto ids = StableRowIds(*c, dir.path(), *after, "value");
  EXPECT_EQ(ids.size(), 8u);
  for (const auto& [k, v] : ids) EXPECT_EQ(v.second, before->version() + 2);
}

// Concurrent commits between the backfill's snapshot and its commit: a remove of a file it
// re-adds and a re-add of one (another backfill) conflict, and the backfill starts over from the
// newest snapshot; an append does not (its writer gave its file ids above the mark).
TEST(RowTrackingBackfill, ConcurrentRemoveAndReaddConflictAppendRebases) {
  for (const char* what : {"remove", "readd", "append"}) {
    SCOPED_TRACE(what);
    TempDir dir;
    Appends(dir.path(), 2);  // 6 files, 60 rows
    std::string victim;
    std::optional<int64_t> victim_id;
    int calls = 0;
    RowTrackingEnableOptions o;
    o.before_backfill_commit = [&] {
      if (calls++ > 0) return;
      if (std::string(what) == "append") return Appends(dir.path(), 1, 9);
      auto t = Open(dir.path());
      auto txn = Transaction::Start(t);
      ASSERT_TRUE(txn.ok());
      const AddFile& f = (*txn)->read_snapshot()->files()[0];
      victim = f.path;
      if (std::string(what) == "remove") {
        (*txn)->RemoveFile(RemoveFor(f, 1767225600000));
      } else {
        AddFile a = f;
        a.data_change = false;
        (*txn)->AddFile(a);
      }
      auto cr = (*txn)->Commit();
      ASSERT_TRUE(cr.ok()) << cr.status().ToString();
      for (const AddFile& g : cr->snapshot->files())
        if (g.path == victim) victim_id = g.base_row_id;
    };
    auto r = SetProperties(dir.path(), kEnable, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto after = At(dir.path());
    EXPECT_EQ(after->metadata().configuration.at("delta.enableRowTracking"), "true");
    int64_t max_id = ExpectDisjointLiveRanges(*after);
    EXPECT_EQ(max_id, *RowIdHighWaterMark(*after));
    auto c = Conn();
    auto ids = StableRowIds(*c, dir.path(), *after, "id");
    std::set<int64_t> distinct;
    for (const auto& [k, v] : ids) distinct.insert(v.first);
    EXPECT_EQ(distinct.size(), ids.size());
    if (std::string(what) == "remove") {
      EXPECT_EQ(calls, 2) << "the backfill did not retry";
      EXPECT_EQ(after->files().size(), 5u);
      for (const AddFile& f : after->files()) EXPECT_NE(f.path, victim);
      EXPECT_EQ(ids.size(), 50u);
    } else if (std::string(what) == "readd") {
      EXPECT_EQ(calls, 2) << "the backfill did not retry";
      ASSERT_TRUE(victim_id.has_value());
      for (const AddFile& f : after->files()) {
        if (f.path == victim) {
          EXPECT_EQ(f.base_row_id, victim_id) << "the concurrent ids were replaced";
        }
      }
      EXPECT_EQ(ids.size(), 60u);
    } else {
      EXPECT_EQ(calls, 1) << "a concurrent append failed the backfill";
      EXPECT_EQ(after->files().size(), 9u);
      EXPECT_EQ(ids.size(), 90u);
      EXPECT_EQ(max_id, 89);
    }
  }
}

// A backfill that keeps losing gives up after max_conflicts with a Conflict; the table stays
// valid (feature supported, property not set) and a later run completes.
TEST(RowTrackingBackfill, GivesUpAfterMaxConflictsAndALaterRunCompletes) {
  TempDir dir;
  Appends(dir.path(), 3);
  RowTrackingEnableOptions o;
  o.max_conflicts = 3;
  int calls = 0;
  o.before_backfill_commit = [&] {
    ++calls;
    auto t = Open(dir.path());
    auto txn = Transaction::Start(t);
    ASSERT_TRUE(txn.ok());
    (*txn)->RemoveFile(RemoveFor((*txn)->read_snapshot()->files()[0], 1767225600000));
    ASSERT_TRUE((*txn)->Commit().ok());
  };
  auto r = SetProperties(dir.path(), kEnable, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  EXPECT_EQ(calls, 3);
  auto mid = At(dir.path());
  EXPECT_TRUE(mid->protocol().HasWriterFeature("rowTracking"));
  EXPECT_EQ(mid->metadata().configuration.count("delta.enableRowTracking"), 0u);
  EXPECT_EQ(mid->files().size(), 6u);
  auto done = SetProperties(dir.path(), kEnable);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  auto after = At(dir.path());
  EXPECT_EQ(ExpectDisjointLiveRanges(*after), 59);
  EXPECT_EQ(OperationsSince(dir.path(), mid->version()),
            (std::vector<std::string>{"ROW TRACKING BACKFILL", "SET TBLPROPERTIES"}));
}

// A writer that ignores the rowTracking feature (a raw commit: an add without baseRowId) just
// before the final commit: the property is not set in a version with a file without baseRowId
// (PROTOCOL.md "Row IDs"); the final commit conflicts, that file is backfilled, then it lands.
TEST(RowTrackingBackfill, FileWithoutIdBeforeTheFinalCommitIsBackfilledFirst) {
  TempDir dir;
  auto t = testing::CreateTestTable(dir.path());
  {
    auto txn = Transaction::Start(t);
    ASSERT_TRUE(txn.ok());
    (*txn)->AddFile(testing::FakeAdd("a.parquet", "x", 10));
    (*txn)->AddFile(testing::FakeAdd("b.parquet", "y", 5));
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  int calls = 0;
  RowTrackingEnableOptions o;
  o.before_final_commit = [&] {
    if (calls++ > 0) return;
    int64_t v = At(dir.path())->version() + 1;
    char name[32];
    std::snprintf(name, sizeof(name), "%020lld.json", static_cast<long long>(v));
    AddFile third = testing::FakeAdd("c.parquet", "x", 7);
    testing::WriteFile(dir.path() + "/_delta_log/" + name,
                       R"({"commitInfo":{"timestamp":1767225600000,"operation":"WRITE"}})"
                       "\n" +
                           txn::SerializeAction(third) + "\n");
  };
  auto r = SetProperties(dir.path(), kEnable, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(OperationsSince(dir.path(), 1),
            (std::vector<std::string>{"UPGRADE PROTOCOL", "ROW TRACKING BACKFILL", "WRITE",
                                      "ROW TRACKING BACKFILL", "SET TBLPROPERTIES"}));
  auto after = At(dir.path());
  ASSERT_EQ(after->files().size(), 3u);
  EXPECT_EQ(ExpectDisjointLiveRanges(*after), 21);
  EXPECT_EQ(*RowIdHighWaterMark(*after), 21);
  for (const AddFile& f : after->files()) {
    if (f.path == "p=x/c.parquet") {
      EXPECT_EQ(f.base_row_id, std::optional<int64_t>(15));
    }
  }
}

// Refused before any commit: a file without numRecords, delta.rowTrackingSuspended=true, and a
// property the final commit would refuse.
TEST(RowTrackingBackfill, RefusesFilesWithoutNumRecordsAndSuspension) {
  TempDir dir;
  auto t = testing::CreateTestTable(dir.path());
  {
    auto txn = Transaction::Start(t);
    ASSERT_TRUE(txn.ok());
    (*txn)->AddFile(testing::FakeAdd("a.parquet", "x", 10));
    AddFile no_stats = testing::FakeAdd("b.parquet", "y", 5);
    no_stats.stats.clear();
    (*txn)->AddFile(no_stats);
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto r = SetProperties(dir.path(), kEnable);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'p=y/b.parquet' has no numRecords"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(At(dir.path())->version(), 1);

  TempDir dir2;
  auto t2 = testing::CreateTestTable(dir2.path(), {{"delta.rowTrackingSuspended", "true"}});
  {
    auto txn = Transaction::Start(t2);
    ASSERT_TRUE(txn.ok());
    (*txn)->AddFile(testing::FakeAdd("a.parquet", "x", 10));
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto s = SetProperties(dir2.path(), kEnable);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("delta.rowTrackingSuspended"), std::string::npos)
      << s.status().ToString();
  EXPECT_EQ(At(dir2.path())->version(), 1);

  // A property the final commit would refuse is refused before the protocol upgrade.
  TempDir dir3;
  Appends(dir3.path(), 1);
  auto bad = SetProperties(dir3.path(), {{"delta.enableRowTracking", "true"},
                                         {"delta.rowTracking.materializedRowIdColumnName", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("managed by row tracking"), std::string::npos)
      << bad.status().ToString();
  EXPECT_EQ(At(dir3.path())->version(), 0);
}

}  // namespace
}  // namespace lake
