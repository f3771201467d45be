// Tables on S3 (Ceph RGW via tests/s3/run_s3_tests.sh; skipped, loudly, without
// LAKE_TEST_S3_ENDPOINT): scans fetch exactly the pruned files into the cache, in parallel, and
// read the same rows as locally (relative and absolute s3:// paths, deletion vectors,
// checkpoints); incremental snapshots; 8 forked writers x 25 commits through Transaction;
// OPTIMIZE (bin-packing and z-order) reads through the cache, uploads and reads the same rows.
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <zlib.h>

#include <roaring/roaring64map.hh>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/transaction.h"
#include "lake/write.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "ops/optimize.h"
#include "s3/s3_test_env.h"
#include "scan/deletion_vector.h"
#include "storage/file_cache.h"
#include "storage/s3_store.h"
#include "test_util.h"
#include "txn/stress_writer.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using testing::GetEnv;

class S3Table : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::S3TestServerConfigured("S3 table test")) {
      GTEST_SKIP() << "LAKE_TEST_S3_ENDPOINT not set; run tests/s3/run_s3_tests.sh";
    }
    // Tables open their stores from the AWS_* environment, as the CLI does.
    testing::ExportS3TestEnvironment(home_.path());
    bucket_ = testing::S3TestBucket();
    prefix_ = testing::UniqueS3Prefix("tbl");
    auto c = s3::ConfigFromUri("s3://" + bucket_ + "/" + prefix_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Status st = s3::EnsureBucket(*c);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::string Uri(const std::string& name) const {
    return "s3://" + bucket_ + "/" + prefix_ + "/" + name;
  }

  // Copies every file of local directory `dir` to `uri`, rewriting nothing.
  static void Upload(const std::string& dir, const std::string& uri) {
    auto src = NewLocalStore(dir, dir);
    auto dst = OpenObjectStore(uri);
    ASSERT_TRUE(dst.ok()) << dst.status().ToString();
    auto objs = src->List("");
    ASSERT_TRUE(objs.ok());
    for (const auto& o : *objs) {
      auto data = src->Get(o.key);
      ASSERT_TRUE(data.ok());
      ASSERT_TRUE((*dst)->Put(o.key, *data).ok()) << o.key;
    }
  }

  std::string Conformance(const std::string& name) {
    std::string c = testing::ConformanceDir();
    if (c.empty()) return "";
    return c + "/tables/delta-golden/" + name;
  }

  testing::TempDir home_;
  std::string bucket_, prefix_;
};

// Sorted rows (all columns as VARCHAR, '|'-joined) of a scan.
std::vector<std::string> Rows(const std::string& uri, const std::string& where,
                              Scan* plan_out = nullptr, cache::CacheStats* fetch = nullptr) {
  std::vector<std::string> out;
  auto table = Table::Open(uri);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return out;
  auto snap = (*table)->LatestSnapshot();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return out;
  ScanOptions o;
  o.where = where;
  auto scan = Scan::Plan(*snap, o);
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  auto db = engine::SharedDatabase();
  auto conn = (*db)->Connect();
  cache::CacheStats before = cache::GetCacheStats();
  auto sql = scan->ToSql(**conn);
  EXPECT_TRUE(sql.ok()) << sql.status().ToString();
  if (!sql.ok()) return out;
  if (fetch) {
    cache::CacheStats after = cache::GetCacheStats();
    fetch->hits = after.hits - before.hits;
    fetch->misses = after.misses - before.misses;
    fetch->bytes_fetched = after.bytes_fetched - before.bytes_fetched;
  }
  auto r = (*conn)->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + *sql + ")");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return out;
  for (size_t row = 0; row < r->row_count(); ++row) {
    std::string line;
    for (size_t c = 0; c < r->column_count(); ++c) {
      line += r->IsNull(c, row) ? "NULL" : std::string(r->GetString(c, row));
      line += "|";
    }
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  if (plan_out) *plan_out = std::move(scan).value();
  return out;
}

TEST_F(S3Table, ScanFetchesExactlyThePrunedFilesOnceAndReadsTheSameRows) {
  std::string local = Conformance("data-reader-partition-values");
  if (local.empty()) GTEST_SKIP() << "no ../shared/conformance";
  Upload(local, Uri("pv"));
  for (std::string where : {"", "as_int = 1"}) {
    SCOPED_TRACE("where: " + where);
    Scan plan = *Scan::Plan(*(*Table::Open(local))->LatestSnapshot(), ScanOptions{{}, where, {}});
    size_t want_files = plan.files().size();
    std::vector<std::string> expected = Rows(local, where);
    ASSERT_FALSE(expected.empty());
    cache::CacheStats cold, warm;
    Scan s3plan = plan;
    EXPECT_EQ(Rows(Uri("pv"), where, &s3plan, &cold), expected);
    EXPECT_EQ(s3plan.files().size(), want_files);
    // Cold for the unpruned scan; the pruned one finds its files cached by the first.
    if (where.empty()) {
      EXPECT_EQ(cold.misses, want_files) << "one download per pruned file";
      EXPECT_EQ(cold.hits, 0u);
    } else {
      EXPECT_EQ(cold.hits + cold.misses, want_files);
      EXPECT_LT(want_files, (*(*Table::Open(local))->LatestSnapshot())->files().size());
    }
    EXPECT_EQ(Rows(Uri("pv"), where, nullptr, &warm), expected);
    EXPECT_EQ(warm.hits, want_files) << "second scan: all from the cache";
    EXPECT_EQ(warm.misses, 0u);
  }
}

TEST_F(S3Table, AbsoluteS3PathsInAddActionsResolveToTheirBucketAndKey) {
  std::string local = Conformance("data-reader-partition-values");
  if (local.empty()) GTEST_SKIP() << "no ../shared/conformance";
  std::vector<std::string> expected = Rows(local, "");
  // The data at "data/" of this prefix; the log (elsewhere) names it by absolute URIs.
  Upload(local, Uri("abs-data"));
  auto store = OpenObjectStore(Uri("abs"));
  ASSERT_TRUE(store.ok());
  std::ifstream in(local + "/_delta_log/00000000000000000000.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str(), out;
  std::string needle = "\"path\":\"";
  size_t pos = 0, n = 0;
  while (true) {
    size_t at = log.find(needle, pos);
    if (at == std::string::npos) break;
    out += log.substr(pos, at + needle.size() - pos) + Uri("abs-data") + "/";
    pos = at + needle.size();
    ++n;
  }
  out += log.substr(pos);
  ASSERT_GT(n, 0u);
  ASSERT_TRUE((*store)->Put("_delta_log/00000000000000000000.json", out).ok());
  EXPECT_EQ(Rows(Uri("abs"), ""), expected);
}

TEST_F(S3Table, DeletionVectorsAndCheckpointsOnS3) {
  std::string local = Conformance("dv-partitioned-with-checkpoint");
  if (local.empty()) GTEST_SKIP() << "no ../shared/conformance";
  Upload(local, Uri("dv"));
  std::vector<std::string> expected = Rows(local, "");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(Rows(Uri("dv"), ""), expected);
}

// A DV file holding one DV of `rows` at offset 1 ([version 1][size BE][bitmap][crc BE]).
std::string DvFile(const std::vector<uint64_t>& rows, std::string* dv) {
  Roaring64Map map;
  for (uint64_t r : rows) map.add(r);
  std::vector<char> buf(map.getSizeInBytes(true));
  size_t n = map.write(buf.data(), true);
  dv->clear();
  for (int i = 0; i < 4; ++i) dv->push_back(static_cast<char>(kDeletionVectorMagic >> (8 * i)));
  dv->append(buf.data(), n);
  auto be32 = [](std::string& s, uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
  };
  std::string file(1, '\1');
  be32(file, static_cast<uint32_t>(dv->size()));
  file += *dv;
  be32(file,
       static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(dv->data()),
                                   static_cast<uInt>(dv->size()))));
  return file;
}

TEST_F(S3Table, AbsolutePathDeletionVectorsInsideAndOutsideTheTable) {
  auto table_store = OpenObjectStore(Uri("pdv"));
  ASSERT_TRUE(table_store.ok());
  std::string dv;
  std::string file = DvFile({2, 3, 70000}, &dv);
  ASSERT_TRUE((*table_store)->Put("dvs/inside.bin", file).ok());
  auto other = OpenObjectStore(Uri("elsewhere"));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Put("outside%.bin", file).ok());
  for (std::string uri : {Uri("pdv") + "/dvs/inside.bin", Uri("elsewhere") + "/outside%25.bin"}) {
    SCOPED_TRACE(uri);
    DeletionVectorDescriptor d;
    d.storage_type = "p";
    d.path_or_inline_dv = uri;
    d.offset = 1;
    d.size_in_bytes = static_cast<int32_t>(dv.size());
    d.cardinality = 3;
    auto rows = LoadDeletedRows(**table_store, d);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(*rows, (std::vector<uint64_t>{2, 3, 70000}));
  }
}

TEST_F(S3Table, IncrementalLatestSnapshotOnS3) {
  testing::CreateTestTable(Uri("inc"));
  auto table = Table::Open(Uri("inc"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto s0 = (*table)->LatestSnapshot();
  ASSERT_TRUE(s0.ok()) << s0.status().ToString();
  {
    auto other = Table::Open(Uri("inc"));
    auto tx = Transaction::Start(*other);
    ASSERT_TRUE(tx.ok());
    (*tx)->AddFile(testing::FakeAdd("a.parquet", "a"));
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto s1 = (*table)->LatestSnapshot();
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ((*s1)->version(), 1);
  EXPECT_EQ((*s1)->files().size(), 1u);
}

// Checkpoints written by the background worker while the main thread keeps committing through
// the same S3Store (its handle pool shared by both threads).
TEST_F(S3Table, BackgroundCheckpointsOnS3) {
  testing::CreateTestTable(Uri("bg"), {{"delta.checkpointInterval", "4"}});
  auto table = Table::Open(Uri("bg"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  CommitOptions options;
  options.checkpoint_in_background = true;
  for (int i = 1; i <= 13; ++i) {
    auto tx = Transaction::Start(*table);
    ASSERT_TRUE(tx.ok());
    (*tx)->AddFile(testing::FakeAdd("f" + std::to_string(i) + ".parquet", i % 2 ? "a" : "b", i));
    auto r = (*tx)->Commit(options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_TRUE(WaitForBackgroundCheckpoints().ok());
  auto store = (*table)->store();
  EXPECT_TRUE(store->Head("_delta_log/00000000000000000012.checkpoint.parquet").ok());
  auto hint = store->Get("_delta_log/_last_checkpoint");
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  EXPECT_NE(hint->find("\"version\":12"), std::string::npos) << *hint;
  // A fresh reader starts from that checkpoint and sees every commit.
  auto fresh = Table::Open(Uri("bg"));
  ASSERT_TRUE(fresh.ok());
  auto snap = (*fresh)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 13);
  EXPECT_EQ((*snap)->files().size(), 13u);
  EXPECT_EQ((*snap)->TotalRecords(), 13 * 14 / 2);
}

// ---- 8 forked writers x 25 commits on S3 ----------------------------------------------------

constexpr int kWriters = 8;
constexpr int kCommitsPerWriter = 25;

TEST_F(S3Table, ForkedWritersCommitExactlyOnceWithContiguousVersions) {
  std::string uri = Uri("stress");
  // No checkpoints: they are written through DuckDB, which is not usable in a child forked
  // from a process that already started its threads (earlier tests scan).
  testing::CreateTestTable(uri, {{"delta.checkpointInterval", "100000"}});
  testing::TempDir acks;
  auto t0 = std::chrono::steady_clock::now();
  // The writers never touch DuckDB (each opens a fresh S3 store), so a plain fork is enough.
  auto pids = testing::ForkChildren(kWriters, [&](int i) {
    return testing::RunStressWriter(uri, i, kCommitsPerWriter, 2000,
                                    acks.path() + "/acks-" + std::to_string(i));
  });
  for (int code : testing::WaitChildren(pids)) EXPECT_EQ(code, 0) << "writer exit " << code;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  testing::WriterLogs told = testing::ReadWriterLogs(acks.path() + "/acks-", kWriters);
  for (const std::string& line : told.error_lines) ADD_FAILURE() << line;
  for (const std::string& line : told.other_lines) ADD_FAILURE() << line;
  const std::map<std::string, int64_t>& acked = told.acked;
  const std::set<std::string>& refused = told.refused;
  const long total_attempts = told.total_attempts;
  const int max_attempts = told.max_attempts;
  EXPECT_EQ(acked.size(), static_cast<size_t>(kWriters * kCommitsPerWriter));
  auto store = OpenObjectStore(uri);
  ASSERT_TRUE(store.ok());
  auto listing = log::ListLog(**store);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  const auto& commits = listing->commits;
  ASSERT_EQ(commits.size(), acked.size() + 1);
  std::map<std::string, int64_t> in_log;
  std::set<std::string> live;
  for (size_t i = 0; i < commits.size(); ++i) {
    ASSERT_EQ(commits[i].version, static_cast<int64_t>(i)) << "versions not contiguous";
    auto data = (*store)->Get(commits[i].key);
    ASSERT_TRUE(data.ok());
    auto actions = log::ParseCommitFileToActions(*data, commits[i].key);
    ASSERT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a); ci && i > 0) {
        EXPECT_TRUE(in_log.emplace(testing::UserMetadataOf(*ci), commits[i].version).second);
      } else if (auto* r = std::get_if<RemoveFile>(&a)) {
        EXPECT_EQ(live.erase(r->path), 1u) << "v" << i << " removes non-live " << r->path;
      } else if (auto* ad = std::get_if<AddFile>(&a)) {
        EXPECT_TRUE(live.insert(ad->path).second);
      }
    }
  }
  EXPECT_EQ(in_log, acked) << "every acknowledged commit exactly once, at its version";
  for (const auto& tag : refused) EXPECT_EQ(in_log.count(tag), 0u) << tag;
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), static_cast<int64_t>(acked.size()));
  EXPECT_EQ((*snap)->files().size(), live.size());
  std::printf(
      "[s3 stress] %d writers: %zu commits in %.2f s (%.0f commits/s), %zu refused "
      "(conflicts), put-if-absent attempts total %ld, max %d\n",
      kWriters, acked.size(), secs, acked.size() / secs, refused.size(), total_attempts,
      max_attempts);
}

using testing::DataObjectKeys;

TEST_F(S3Table, OptimizeAndZOrderOnS3KeepTheRows) {
  std::string uri = Uri("optimize");
  for (int w = 0; w < 4; ++w) {
    WriteBuilder b(uri);
    b.Source({.path = "",
              .query = "SELECT range AS id, (range * 7919) % 1000 AS u, 'k' || (range % 2) "
                       "AS k FROM range(" +
                       std::to_string(w * 100) + ", " + std::to_string(w * 100 + 100) + ")"});
    if (w == 0) b.PartitionBy({"k"});
    auto r = b.Execute();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::vector<std::string> before = Rows(uri, "");
  ASSERT_EQ(before.size(), 400u);
  std::set<std::string> objects_before = DataObjectKeys(uri);
  ASSERT_EQ(objects_before.size(), 8u);

  // Bin-packing from a cold cache: every input is downloaded, the outputs are uploaded.
  testing::TempDir cold;
  setenv("LAKE_HOME", cold.path().c_str(), 1);
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->LatestSnapshot().ok());  // the log files' downloads are not counted
  cache::CacheStats c0 = cache::GetCacheStats();
  auto r = Optimize(*table, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 4);
  EXPECT_EQ(r->files_removed, 8);
  EXPECT_EQ(r->files_added, 2);
  EXPECT_EQ(r->rows, 400);
  cache::CacheStats c1 = cache::GetCacheStats();
  // (Besides the 8 inputs, the commit's conflict check may fetch a log file or two.)
  EXPECT_GE(c1.misses - c0.misses, 8u) << "the inputs come through the file cache";
  EXPECT_LE(c1.misses - c0.misses, 10u);
  std::set<std::string> objects_after = DataObjectKeys(uri);
  EXPECT_EQ(objects_after.size(), 10u) << "2 new objects uploaded, the old ones kept for vacuum";
  for (const auto& k : objects_before) EXPECT_TRUE(objects_after.count(k)) << k;
  // A scan right after reads the uploads from the cache (no download) and the same rows.
  cache::CacheStats fetched;
  EXPECT_EQ(Rows(uri, "", nullptr, &fetched), before);
  EXPECT_EQ(fetched.misses, 0u) << "the uploaded files were entered into the cache";
  EXPECT_EQ(fetched.hits, 2u);
  std::error_code ec;
  auto it = std::filesystem::directory_iterator(cold.path() + "/tmp", ec);
  EXPECT_TRUE(ec || it == std::filesystem::directory_iterator()) << "staging left behind";
  setenv("LAKE_HOME", home_.path().c_str(), 1);

  // Another append (each partition then holds 2 files), z-order by two data columns, and the
  // same rows again.
  {
    WriteBuilder b(uri);
    b.Source({.path = "",
              .query = "SELECT range AS id, (range * 7919) % 1000 AS u, 'k' || "
                       "(range % 2) AS k FROM range(400, 500)"});
    auto w = b.Execute();
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(w->version, 5);
  }
  before = Rows(uri, "");
  ASSERT_EQ(before.size(), 500u);
  OptimizeOptions z;
  z.zorder_by = {"u", "id"};
  auto table2 = Table::Open(uri);
  ASSERT_TRUE(table2.ok());
  auto rz = Optimize(*table2, z);
  ASSERT_TRUE(rz.ok()) << rz.status().ToString();
  EXPECT_EQ(rz->version, 6);
  EXPECT_EQ(rz->files_removed, 4);
  EXPECT_EQ(rz->rows, 500);
  EXPECT_EQ(Rows(uri, ""), before);
  EXPECT_EQ(
      Rows(uri, "u < 100 AND k = 'k1'").size(),
      static_cast<size_t>(std::count_if(before.begin(), before.end(), [](const std::string& l) {
        size_t a = l.find('|'), b = l.find('|', a + 1);
        return std::stoi(l.substr(a + 1, b - a - 1)) < 100 && l.find("|k1|") != std::string::npos;
      })));
  // Two OPTIMIZE commits on top of the writes.
  auto t3 = Table::Open(uri);
  ASSERT_TRUE(t3.ok());
  auto snap = (*t3)->LatestSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->version(), 6);
}

// An OPTIMIZE whose commit fails (a concurrent overwrite removed its input files: Conflict)
// deletes the files it uploaded and commits nothing.
TEST_F(S3Table, OptimizeWhoseCommitConflictsDeletesItsUploads) {
  std::string uri = Uri("optimize-conflict");
  for (int w = 0; w < 3; ++w) {
    WriteBuilder b(uri);
    b.Source({.path = "",
              .query = "SELECT range AS id FROM range(" + std::to_string(w * 10) + ", " +
                       std::to_string(w * 10 + 10) + ")"});
    auto r = b.Execute();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_EQ(DataObjectKeys(uri).size(), 3u);
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  OptimizeOptions o;
  std::set<std::string> with_overwrite;
  o.before_commit = [&] {
    WriteBuilder b(uri);
    b.Source({.path = "", .query = "SELECT 100 AS id"}).Mode(WriteMode::kOverwrite);
    auto r = b.Execute();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    with_overwrite = DataObjectKeys(uri);  // 3 + the overwrite's file + optimize's upload
  };
  auto r = Optimize(*table, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict) << r.status().ToString();
  EXPECT_EQ(with_overwrite.size(), 5u) << "the compacted file was uploaded before the commit";
  EXPECT_EQ(DataObjectKeys(uri).size(), 4u) << "and deleted after the failed commit";
  EXPECT_EQ(Rows(uri, ""), std::vector<std::string>{"100|"});
}
}  // namespace
}  // namespace lake
