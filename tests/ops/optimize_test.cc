// OPTIMIZE: bin-packing (partitioned, unpartitioned, --where), idempotence, time travel to the
// pre-optimize version, z-order tightness, conflicts with concurrent appends / deletes, and
// auto-compaction.
#include "ops/optimize.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "lake/write.h"
#include "log/snapshot_builder.h"
#include "ops/alter_table.h"
#include "scan/deletion_vector.h"
#include "scan/scan_sql.h"
#include "table_test_util.h"
#include "test_util.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using lake::testing::At;
using lake::testing::Conn;
using lake::testing::ExpectSameRows;
using lake::testing::StableRowIds;
using lake::testing::TempDir;

std::string ScanSql(engine::Connection& c, const std::string& dir, int64_t version = -1) {
  return lake::testing::ScanSql(c, At(dir, version));
}

std::shared_ptr<Table> Open(const std::string& dir) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

void Append(const std::string& dir, const std::string& query,
            std::vector<std::string> partition_by = {},
            std::map<std::string, std::string> props = {}, WriteResult* out = nullptr) {
  auto r = WriteBuilder(dir)
               .Source({"", query})
               .Mode(WriteMode::kAppend)
               .PartitionBy(std::move(partition_by))
               .Properties(std::move(props))
               .Execute();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  if (out) *out = *r;
}

// `n` appends of 30 rows each over partitions a, b, c (when partitioned).
void SmallAppends(const std::string& dir, int n, bool partitioned,
                  std::map<std::string, std::string> props = {}) {
  for (int i = 0; i < n; ++i) {
    std::string q = "SELECT (i + " + std::to_string(i * 1000) +
                    ")::BIGINT AS id, 'v' || i AS s, ['a','b','c'][1 + i % 3] AS p FROM range(30) t(i)";
    Append(dir, q, partitioned ? std::vector<std::string>{"p"} : std::vector<std::string>{}, props);
  }
}

TEST(Optimize, BinPacksPartitionedTableOnceAndKeepsRowsAndHistory) {
  TempDir dir;
  SmallAppends(dir.path(), 10, true);
  auto before = At(dir.path());
  ASSERT_EQ(before->files().size(), 30u);
  auto c = Conn();

  OptimizeOptions o;
  std::vector<std::string> lines;
  o.progress = [&](const std::string& m) { lines.push_back(m); };
  auto r = Optimize(Open(dir.path()), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, before->version() + 1);
  EXPECT_EQ(r->files_removed, 30);
  EXPECT_EQ(r->files_added, 3);
  EXPECT_EQ(r->partitions_optimized, 3);
  EXPECT_EQ(r->num_batches, 3);
  EXPECT_EQ(r->rows, 300);
  EXPECT_FALSE(lines.empty());
  auto after = At(dir.path());
  EXPECT_EQ(after->files().size(), 3u);
  for (const auto& f : after->files()) EXPECT_FALSE(f.data_change);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  // Time travel still reads the old (removed, not vacuumed) files.
  auto old_rows = c->Query("SELECT count(*) FROM (" + ScanSql(*c, dir.path(), before->version()) + ")");
  ASSERT_TRUE(old_rows.ok()) << old_rows.status().ToString();
  EXPECT_EQ(old_rows->GetInt64(0, 0), 300);
  // Every partition value stays with its rows.
  auto bad = c->Query("SELECT count(*) FROM (" + ScanSql(*c, dir.path()) +
                      ") WHERE p <> ['a','b','c'][1 + ((id % 1000) % 3)]");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->GetInt64(0, 0), 0);

  // commitInfo.
  auto hist = Open(dir.path())->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ((*hist)[0].operation, "OPTIMIZE");
  EXPECT_NE((*hist)[0].commit_info.find("\"numFilesRemoved\":\"30\""), std::string::npos)
      << (*hist)[0].commit_info;
  EXPECT_NE((*hist)[0].commit_info.find("zOrderBy"), std::string::npos);

  // Idempotent: nothing to do, nothing committed.
  auto again = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->version, -1);
  EXPECT_EQ(At(dir.path())->version(), after->version());
}

TEST(Optimize, UnpartitionedAndWhere) {
  TempDir dir;
  SmallAppends(dir.path(), 6, false);
  auto c = Conn();
  auto before = At(dir.path());
  // --where on a data column is refused; on an unpartitioned table too.
  OptimizeOptions w;
  w.where = "id > 3";
  auto bad = Optimize(Open(dir.path()), w);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("partition columns"), std::string::npos)
      << bad.status().ToString();
  auto r = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_removed, 6);
  EXPECT_EQ(r->files_added, 1);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));

  TempDir pdir;
  SmallAppends(pdir.path(), 4, true);
  OptimizeOptions o;
  o.where = "p = 'a'";
  auto rp = Optimize(Open(pdir.path()), o);
  ASSERT_TRUE(rp.ok()) << rp.status().ToString();
  EXPECT_EQ(rp->files_removed, 4);
  EXPECT_EQ(rp->files_added, 1);
  EXPECT_EQ(rp->total_considered_files, 4);
  EXPECT_EQ(At(pdir.path())->files().size(), 9u);  // a: 1, b: 4, c: 4
  OptimizeOptions dcol;
  dcol.where = "p = 'a' AND id > 3";
  auto bad2 = Optimize(Open(pdir.path()), dcol);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.status().message().find("'id' is a data column"), std::string::npos)
      << bad2.status().ToString();
}

// Files' [min, max] on x and y, from the Parquet data (exact).
std::vector<std::array<int64_t, 4>> Ranges(engine::Connection& c, const std::string& dir) {
  auto snap = At(dir);
  std::string list;
  for (const auto& f : snap->files())
    list += (list.empty() ? "" : ", ") + engine::QuoteString(dir + "/" + f.path);
  auto q = c.Query("SELECT min(x)::BIGINT, max(x)::BIGINT, min(y)::BIGINT, max(y)::BIGINT FROM "
                   "read_parquet([" + list + "], filename=true) GROUP BY filename");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  std::vector<std::array<int64_t, 4>> out;
  for (size_t i = 0; i < q->row_count(); ++i)
    out.push_back({q->GetInt64(0, i), q->GetInt64(1, i), q->GetInt64(2, i), q->GetInt64(3, i)});
  return out;
}

// Mean number of files a random point query (x = a AND y = b) must read, by min/max.
double FilesPerPoint(const std::vector<std::array<int64_t, 4>>& ranges) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> d(0, 9999);
  int64_t hits = 0;
  const int kPoints = 200;
  for (int i = 0; i < kPoints; ++i) {
    int64_t x = d(rng), y = d(rng);
    for (const auto& r : ranges) hits += (r[0] <= x && x <= r[1] && r[2] <= y && y <= r[3]);
  }
  return static_cast<double>(hits) / kPoints;
}

TEST(Optimize, ZOrderMakesFileRangesTight) {
  TempDir dir;
  for (int i = 0; i < 16; ++i) {
    Append(dir.path(), "SELECT (hash(i + " + std::to_string(i * 100000) + ") % 10000)::BIGINT AS x, "
           "(hash(i * 31 + " + std::to_string(i) + ") % 10000)::BIGINT AS y, i AS id, "
           "['a','b'][1 + i % 2] AS p FROM range(4000) t(i)", {"p"});
  }
  auto c = Conn();
  auto before = At(dir.path());
  double before_pp = FilesPerPoint(Ranges(*c, dir.path()));
  // Z-order by a partition column is refused.
  OptimizeOptions bad;
  bad.zorder_by = {"p"};
  auto rb = Optimize(Open(dir.path()), bad);
  ASSERT_FALSE(rb.ok());
  EXPECT_NE(rb.status().message().find("partition column"), std::string::npos);

  int64_t total = 0;
  for (const auto& f : before->files()) total += f.size;
  OptimizeOptions o;
  o.zorder_by = {"x", "y"};
  o.target_size = std::max<int64_t>(1, total / 32);  // ~16 files per partition
  auto r = Optimize(Open(dir.path()), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_removed, 32);
  EXPECT_GE(r->files_added, 24);
  auto ranges = Ranges(*c, dir.path());
  double after_pp = FilesPerPoint(ranges);
  // Before: every file spans the whole domain in both columns (16 per partition, 2 partitions
  // are not distinguished by the point query: 32). After: a handful.
  EXPECT_GT(before_pp, 30.0);
  EXPECT_LT(after_pp, before_pp / 4) << "after " << after_pp << " before " << before_pp;
  // Each z column alone is also much tighter than the full domain on average.
  double xw = 0;
  for (const auto& rr : ranges) xw += static_cast<double>(rr[1] - rr[0]);
  EXPECT_LT(xw / ranges.size(), 10000 * 0.75);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  auto hist = Open(dir.path())->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_NE((*hist)[0].commit_info.find(R"(\"x\",\"y\")"), std::string::npos)
      << (*hist)[0].commit_info;
  // Re-running with the same columns is a no-op; with other columns it rewrites.
  auto again = Optimize(Open(dir.path()), o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, -1);
}

TEST(Optimize, ConcurrentAppendCommitsButConcurrentDeleteConflicts) {
  TempDir dir;
  SmallAppends(dir.path(), 5, true);
  auto c = Conn();
  {
    OptimizeOptions o;
    o.before_commit = [&] {
      Append(dir.path(), "SELECT 99999::BIGINT AS id, 'new' AS s, 'a' AS p");
    };
    auto r = Optimize(Open(dir.path()), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto n = c->Query("SELECT count(*) FROM (" + ScanSql(*c, dir.path()) + ")");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->GetInt64(0, 0), 151);
    EXPECT_EQ(At(dir.path())->files().size(), 4u);  // 3 compacted + the concurrent append
  }
  SmallAppends(dir.path(), 3, true);
  {
    auto before_files = At(dir.path())->files().size();
    OptimizeOptions o;
    o.before_commit = [&] {
      auto w = WriteBuilder(dir.path())
                   .Source({"", "SELECT 1::BIGINT AS id, 'x' AS s, 'b' AS p"})
                   .Mode(WriteMode::kOverwrite)
                   .ReplaceWhere("p = 'b'")
                   .Execute();
      ASSERT_TRUE(w.ok()) << w.status().ToString();
    };
    auto r = Optimize(Open(dir.path()), o);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().code() == StatusCode::kConflict) << r.status().ToString();
    EXPECT_NE(r.status().message().find("ConcurrentDeleteRead"), std::string::npos)
        << r.status().ToString();
    (void)before_files;
    // The concurrent overwrite stands; the optimize left no new file behind.
    auto n = c->Query("SELECT count(*) FROM (" + ScanSql(*c, dir.path()) + ") WHERE p = 'b'");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->GetInt64(0, 0), 1);
    size_t parquet = 0;
    std::string listing;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      if (e.path().string().find("_delta_log") != std::string::npos) continue;  // checkpoints
      parquet += e.path().extension() == ".parquet";
      listing += e.path().string() + "\n";
    }
    // 15 (v1-5) + 4 (optimize 1 + append) + 9 (3 appends) + 1 (overwrite) data files.
    EXPECT_EQ(parquet, 15u + 4u + 9u + 1u) << listing;
  }
}

TEST(Optimize, AutoCompactionAfterWrites) {
  TempDir dir;
  std::map<std::string, std::string> props = {{"delta.autoOptimize.autoCompact", "true"},
                                              {"delta.autoOptimize.autoCompact.minNumFiles", "4"}};
  WriteResult w;
  for (int i = 0; i < 3; ++i) {
    Append(dir.path(), "SELECT " + std::to_string(i) + "::BIGINT AS id, 'x' AS s", {}, props, &w);
    EXPECT_EQ(w.auto_compact_version, -1) << w.auto_compact_warning;
  }
  EXPECT_EQ(At(dir.path())->files().size(), 3u);
  Append(dir.path(), "SELECT 3::BIGINT AS id, 'x' AS s", {}, props, &w);
  EXPECT_TRUE(w.auto_compact_warning.empty()) << w.auto_compact_warning;
  EXPECT_EQ(w.auto_compact_version, w.version + 1);
  EXPECT_EQ(At(dir.path())->files().size(), 1u);
  auto hist = Open(dir.path())->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ((*hist)[0].operation, "OPTIMIZE");
  EXPECT_NE((*hist)[0].commit_info.find("\"auto\":\"true\""), std::string::npos);
}

// Files with deletion vectors are rewritten even alone (the deleted rows stay deleted, the DV
// goes), on real tables from the shared conformance suite.
TEST(Optimize, RewritesFilesWithDeletionVectors) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  for (const char* name : {"delta-kernel-rs/table-with-dv-small",
                           "delta-golden/dv-partitioned-with-checkpoint"}) {
    SCOPED_TRACE(name);
    TempDir dir;
    std::filesystem::copy(conf + "/tables/" + name, dir.path(),
                          std::filesystem::copy_options::recursive);
    auto c = Conn();
    auto before = At(dir.path());
    size_t dvs = 0;
    for (const auto& f : before->files()) dvs += f.deletion_vector ? 1 : 0;
    ASSERT_GT(dvs, 0u);
    auto r = Optimize(Open(dir.path()), {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GE(r->files_removed, static_cast<int64_t>(dvs));
    auto after = At(dir.path());  // keep the snapshot alive while iterating its files
    for (const auto& f : after->files()) EXPECT_FALSE(f.deletion_vector) << f.path;
    ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
    auto again = Optimize(Open(dir.path()), {});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->version, -1);
  }
}

// The rewritten files of a column-mapped table: Parquet columns named by physical names with
// the schema's field ids, statistics and partition values keyed by physical names.
void ExpectPhysicalLayout(engine::Connection& c, const std::string& dir) {
  auto snap = At(dir);
  const std::string mode = snap->column_mapping_mode();
  ASSERT_TRUE(mode == "name" || mode == "id") << mode;
  const auto& parts = snap->metadata().partition_columns;
  for (const AddFile& f : snap->files()) {
    SCOPED_TRACE(f.path);
    auto q = c.Query("SELECT name, field_id FROM parquet_schema(" +
                     engine::QuoteString(dir + "/" + f.path) + ")");
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    std::map<std::string, std::optional<int64_t>> cols;
    for (size_t i = 0; i < q->row_count(); ++i) {
      cols[std::string(q->GetString(0, i))] =
          q->IsNull(1, i) ? std::nullopt : std::optional<int64_t>(q->GetInt64(1, i));
    }
    for (const StructField& field : snap->schema().fields) {
      const std::string& phys = field.PhysicalName(mode);
      bool is_part = std::find(parts.begin(), parts.end(), field.name) != parts.end();
      if (is_part) {
        ASSERT_EQ(f.partition_values.size(), 1u);
        EXPECT_EQ(f.partition_values[0].first, phys);
        continue;
      }
      ASSERT_TRUE(cols.count(phys)) << "no Parquet column " << phys;
      EXPECT_EQ(cols[phys], field.field_id) << phys;
      EXPECT_NE(f.stats.find("\"" + phys + "\""), std::string::npos) << f.stats;
      if (phys != field.name) {
        EXPECT_FALSE(cols.count(field.name)) << "logical name in the file: " << field.name;
        EXPECT_EQ(f.stats.find("\"" + field.name + "\""), std::string::npos) << f.stats;
      }
    }
  }
}

// Column mapping (name and id): OPTIMIZE keeps the physical layout, so the table still reads
// the same; on a table lake created and on copies of other engines' tables.
TEST(Optimize, ColumnMappedTablesKeepPhysicalNamesFieldIdsAndRows) {
  auto c = Conn();
  {
    SCOPED_TRACE("created with mode name");
    TempDir dir;
    auto schema = ParseSchemaDDL("id BIGINT, s STRUCT(a INT, b VARCHAR), p VARCHAR");
    ASSERT_TRUE(schema.ok());
    auto created = CreateTable(dir.path(), *schema, {"p"}, {{"delta.columnMapping.mode", "name"}});
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    for (int k = 0; k < 4; ++k) {
      Append(dir.path(), "SELECT (i + " + std::to_string(k * 100) +
                             ")::BIGINT AS id, {'a': i::INT, "
                             "'b': 'x' || i} AS s, ['a','b'][1 + i % 2] AS p FROM range(10) t(i)");
    }
    // Renamed columns keep their physical names ('id', 's'): the rewritten files must too.
    ASSERT_TRUE(RenameColumn(dir.path(), "id", "ident").ok());
    ASSERT_TRUE(RenameColumn(dir.path(), "s", "st").ok());
    Append(dir.path(), "SELECT 1000::BIGINT AS ident, {'a': 1, 'b': 'y'} AS st, 'a' AS p");
    auto before = At(dir.path());
    ASSERT_EQ(before->files().size(), 9u);
    auto r = Optimize(Open(dir.path()), {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->files_removed, 9);
    EXPECT_EQ(r->files_added, 2);
    ExpectPhysicalLayout(*c, dir.path());
    ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
    // Pruning on the rewritten files' physically keyed stats still works.
    ScanOptions so;
    so.where = "ident > 1000";
    auto plan = Scan::Plan(At(dir.path()), so);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->pruning().files_total, 2);
    EXPECT_EQ(plan->pruning().files_after_stats, 0) << plan->pruning().pruning_note;
  }
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  // Other engines' column-mapped tables (no data files of their own): appended to by lake,
  // then optimized.
  for (const char* name :
       {"delta-kernel-rs/partition_cm__name", "delta-kernel-rs/partition_cm__id"}) {
    SCOPED_TRACE(name);
    TempDir dir;
    std::filesystem::copy(conf + "/tables/" + name, dir.path(),
                          std::filesystem::copy_options::recursive);
    for (int k = 0; k < 3; ++k) {
      Append(dir.path(), "SELECT (i + " + std::to_string(k * 10) +
                             ")::INT AS value, "
                             "['x','y'][1 + i % 2] AS category FROM range(10) t(i)");
    }
    auto before = At(dir.path());
    auto r = Optimize(Open(dir.path()), {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->files_removed, 6);
    EXPECT_EQ(r->files_added, 2);
    ExpectPhysicalLayout(*c, dir.path());
    ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
    auto n = c->Query("SELECT count(*), sum(value) FROM (" + ScanSql(*c, dir.path()) + ")");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->GetInt64(0, 0), 30);
    EXPECT_EQ(n->GetInt64(1, 0), 435);
  }
  // Spark's table with column mapping and deletion vectors (its own data files).
  {
    SCOPED_TRACE("delta-golden/dv-with-columnmapping");
    TempDir dir;
    std::filesystem::copy(conf + "/tables/delta-golden/dv-with-columnmapping", dir.path(),
                          std::filesystem::copy_options::recursive);
    auto before = At(dir.path());
    auto r = Optimize(Open(dir.path()), {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GT(r->files_removed, 0);
    ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  }
}

// --- row tracking -------------------------------------------------------------------------------

// The highest id of the default generated ranges of the live files (baseRowId + numRecords - 1).
int64_t MaxFreshRowId(const Snapshot& snap) {
  int64_t m = -1;
  for (const AddFile& f : snap.files())
    m = std::max(m, f.base_row_id.value_or(-1) + *log::NumRecordsFromStats(f.stats) - 1);
  return m;
}

// A table created with delta.enableRowTracking=true: appends get fresh ranges; OPTIMIZE (twice,
// the second time over files that already hold materialized values, and once z-ordered) keeps
// every row's stable id and commit version, gives the new files fresh ranges above the mark,
// and scans still return the user's columns only.
TEST(Optimize, RowTrackingKeepsStableRowIdsAndCommitVersions) {
  TempDir dir;
  SmallAppends(dir.path(), 4, true, {{"delta.enableRowTracking", "true"}});
  auto c = Conn();
  auto before = At(dir.path());
  ASSERT_TRUE(before->protocol().HasWriterFeature("rowTracking"));
  ASSERT_TRUE(before->protocol().HasWriterFeature("domainMetadata"));
  const auto& conf = before->metadata().configuration;
  ASSERT_EQ(conf.count("delta.rowTracking.materializedRowIdColumnName"), 1u);
  EXPECT_EQ(conf.at("delta.rowTracking.materializedRowIdColumnName").rfind("_row-id-col-", 0), 0u);
  EXPECT_EQ(conf.at("delta.rowTracking.materializedRowCommitVersionColumnName")
                .rfind("_row-commit-version-col-", 0),
            0u);
  auto ids0 = StableRowIds(*c, dir.path(), *before, "id");
  ASSERT_EQ(ids0.size(), 120u);
  // Appends: ids 0..119, each append's rows at its own version (0 = the create+first append).
  std::set<int64_t> all_ids;
  for (const auto& [k, v] : ids0) all_ids.insert(v.first);
  EXPECT_EQ(all_ids.size(), 120u);
  EXPECT_EQ(*all_ids.begin(), 0);
  EXPECT_EQ(*all_ids.rbegin(), 119);
  EXPECT_EQ(*RowIdHighWaterMark(*before), 119);
  for (const auto& [k, v] : ids0) EXPECT_EQ(v.second, k / 1000) << "id " << k;

  auto r = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_added, 3);
  auto after = At(dir.path());
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after, "id"), ids0);
  for (const AddFile& f : after->files()) {
    EXPECT_GT(*f.base_row_id, 119) << "a rewritten file reuses old fresh ids";
    EXPECT_EQ(f.default_row_commit_version(), std::optional<int64_t>(r->version));
  }
  EXPECT_EQ(*RowIdHighWaterMark(*after), 119 + 120);
  EXPECT_EQ(MaxFreshRowId(*after), 119 + 120);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
  auto cols = c->Query("SELECT * FROM (" + ScanSql(*c, dir.path()) + ") LIMIT 1");
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->column_count(), 3u) << "the hidden materialized columns leak into scans";
  auto hist = Open(dir.path())->History(1);
  ASSERT_TRUE(hist.ok());
  EXPECT_NE((*hist)[0].commit_info.find(R"("tags":{"delta.rowTracking.preserved":"true"})"),
            std::string::npos)
      << (*hist)[0].commit_info;

  // More rows, then OPTIMIZE again (rewrites files with materialized values), then z-order.
  Append(dir.path(),
         "SELECT (5000 + i)::BIGINT AS id, 'w' AS s, ['a','b','c'][1 + i % 3] AS p "
         "FROM range(30) t(i)",
         {"p"});
  auto mid = At(dir.path());
  auto ids1 = StableRowIds(*c, dir.path(), *mid, "id");
  ASSERT_EQ(ids1.size(), 150u);
  for (int64_t i = 0; i < 30; ++i)
    EXPECT_EQ(ids1[5000 + i].second, mid->version()) << "the append's rows are at its version";
  auto r2 = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  auto after2 = At(dir.path());
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after2, "id"), ids1);
  Append(dir.path(),
         "SELECT (6000 + i)::BIGINT AS id, 'z' AS s, ['a','b','c'][1 + i % 3] AS p "
         "FROM range(30) t(i)",
         {"p"});
  auto ids2 = StableRowIds(*c, dir.path(), *At(dir.path()), "id");
  ASSERT_EQ(ids2.size(), 180u);
  OptimizeOptions z;
  z.zorder_by = {"id"};
  auto r3 = Optimize(Open(dir.path()), z);
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_EQ(r3->files_removed, 6);
  auto after3 = At(dir.path());
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after3, "id"), ids2);
  EXPECT_GT(*RowIdHighWaterMark(*after3), *RowIdHighWaterMark(*after2));
  EXPECT_EQ(MaxFreshRowId(*after3), *RowIdHighWaterMark(*after3));
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), after3->version() + 1);
}

// Spark/delta-rs' row-tracking table (baseRowId 0..9, high-water mark 9, materialized column
// names set) with its 'liquid' feature removed: it reads, accepts an append (ids from 10), and
// OPTIMIZE keeps each row's stable id and commit version.
TEST(Optimize, RowTrackingConformanceTableAppendAndOptimize) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  TempDir dir;
  testing::CopyWritableTable(conf + "/tables/delta-rs/table_with_liquid_clustering", dir.path());
  // As is, the table is refused for its 'liquid' writer feature, not for row tracking.
  auto refused = WriteBuilder(dir.path())
                     .Source({"", "SELECT 100::BIGINT AS id"})
                     .Mode(WriteMode::kAppend)
                     .Execute();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("liquid"), std::string::npos)
      << refused.status().ToString();
  const std::string log0 = dir.path() + "/_delta_log/00000000000000000000.json";
  std::ifstream in(log0);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  size_t at = text.find(",\"liquid\"");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, std::string(",\"liquid\"").size());
  testing::WriteFile(log0, text);

  auto c = Conn();
  auto v0 = At(dir.path());
  EXPECT_EQ(*RowIdHighWaterMark(*v0), 9);
  Append(dir.path(), "SELECT (100 + i)::BIGINT AS id FROM range(5) t(i)");
  auto v1 = At(dir.path());
  auto ids = StableRowIds(*c, dir.path(), *v1, "id");
  std::map<int64_t, std::pair<int64_t, int64_t>> want;
  for (int64_t i = 0; i < 10; ++i) want[i] = {i, 0};
  for (int64_t i = 0; i < 5; ++i) want[100 + i] = {10 + i, 1};
  EXPECT_EQ(ids, want);
  EXPECT_EQ(*RowIdHighWaterMark(*v1), 14);

  auto r = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_removed, 11);
  auto v2 = At(dir.path());
  EXPECT_EQ(StableRowIds(*c, dir.path(), *v2, "id"), want);
  EXPECT_EQ(*RowIdHighWaterMark(*v2), 14 + 15);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), v1->version()));
}

// Deletion vectors on a row-tracking table (the kernel's DV table given rowTracking, baseRowId
// 50 and a mark of 59 by editing its log): OPTIMIZE drops the deleted rows and keeps the ids
// (50 + position) and commit version (0) of the others.
TEST(Optimize, RowTrackingWithDeletionVectorsKeepsIdsOfLiveRowsOnly) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  TempDir dir;
  testing::CopyWritableTable(conf + "/tables/delta-kernel-rs/table-with-dv-small", dir.path());
  for (const char* v : {"0", "1"}) {
    const std::string p = dir.path() + "/_delta_log/0000000000000000000" + v + ".json";
    std::ifstream in(p);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    auto replace = [&](const std::string& from, const std::string& to) {
      size_t at = text.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      text.replace(at, from.size(), to);
    };
    replace("{\"add\":{", "{\"add\":{\"baseRowId\":50,\"defaultRowCommitVersion\":0,");
    if (std::string(v) == "0") {
      replace("\"writerFeatures\":[\"deletionVectors\"]",
              "\"writerFeatures\":[\"deletionVectors\",\"domainMetadata\",\"rowTracking\"]");
      text +=
          "{\"domainMetadata\":{\"domain\":\"delta.rowTracking\",\"configuration\":"
          "\"{\\\"rowIdHighWaterMark\\\":59}\",\"removed\":false}}\n";
    }
    testing::WriteFile(p, text);
  }
  auto c = Conn();
  auto before = At(dir.path());
  ASSERT_EQ(*RowIdHighWaterMark(*before), 59);
  auto ids = StableRowIds(*c, dir.path(), *before, "value");
  ASSERT_EQ(ids.size(), 8u);  // 10 rows, 2 deleted by the DV
  for (const auto& [k, v] : ids) EXPECT_EQ(v.second, 0);
  auto r = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 8);
  auto after = At(dir.path());
  for (const AddFile& f : after->files()) EXPECT_FALSE(f.deletion_vector);
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after, "value"), ids);
  EXPECT_EQ(*RowIdHighWaterMark(*after), 59 + 8);
  ExpectSameRows(*c, ScanSql(*c, dir.path()), ScanSql(*c, dir.path(), before->version()));
}

// A table that only supports row tracking (delta.feature.rowTracking=supported, no materialized
// column names yet): OPTIMIZE names them in a metadata update of its own commit.
TEST(Optimize, RowTrackingNamesMaterializedColumnsWhenMissing) {
  TempDir dir;
  SmallAppends(dir.path(), 3, false, {{"delta.feature.rowTracking", "supported"}});
  auto c = Conn();
  auto before = At(dir.path());
  ASSERT_TRUE(before->protocol().HasWriterFeature("rowTracking"));
  EXPECT_EQ(before->metadata().configuration.count("delta.rowTracking.materializedRowIdColumnName"),
            0u);
  auto ids = StableRowIds(*c, dir.path(), *before, "id");
  ASSERT_EQ(ids.size(), 90u);
  auto r = Optimize(Open(dir.path()), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto after = At(dir.path());
  const auto& conf = after->metadata().configuration;
  ASSERT_EQ(conf.count("delta.rowTracking.materializedRowIdColumnName"), 1u);
  EXPECT_EQ(conf.at("delta.rowTracking.materializedRowIdColumnName").rfind("_row-id-col-", 0), 0u);
  EXPECT_EQ(conf.count("delta.targetFileSize"), 0u) << "optimize's working settings leaked";
  EXPECT_EQ(StableRowIds(*c, dir.path(), *after, "id"), ids);
}

// Other writer features lake cannot write are refused by name before anything is rewritten.
TEST(Optimize, UnknownWriterFeaturesAreRefusedPrecisely) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "SKIPPED: ../shared/conformance not found";
  TempDir dir;
  std::filesystem::copy(conf + "/tables/delta-rs/table_with_liquid_clustering", dir.path(),
                        std::filesystem::copy_options::recursive);
  auto r2 = Optimize(Open(dir.path()), {});
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("writer feature 'liquid'"), std::string::npos)
      << r2.status().ToString();
  size_t parquet = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
    parquet += e.path().extension() == ".parquet";
  EXPECT_EQ(parquet, 10u);
}

TEST(Optimize, ParseByteSize) {
  EXPECT_EQ(*ParseByteSize("128mb"), 128LL << 20);
  EXPECT_EQ(*ParseByteSize("1GB"), 1LL << 30);
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("3 parsecs").ok());
}

}  // namespace
}  // namespace lake
