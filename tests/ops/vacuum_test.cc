// Vacuum: what is deleted (lite vs full, orphans, hidden paths, DV files), what never is (files
// any retained version needs), retention refusal, VACUUM START/END commits, and a property test
// over random histories.
#include "ops/vacuum.h"

#include <gtest/gtest.h>
#include <sys/time.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "lake/transaction.h"
#include "log/log_segment.h"
#include "scan/deletion_vector.h"
#include "test_util.h"
#include "txn/commit_writer.h"
#include "txn/txn_test_util.h"

namespace lake::testing {
namespace {

constexpr int64_t kMin = 60 * 1000, kHour = 60 * kMin, kDay = 24 * kHour;
constexpr int64_t kT0 = 1700000000000;  // 2023-11-14

const char* kSchema =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})";

void SetMtime(const std::string& path, int64_t ms) {
  struct timeval tv[2];
  tv[0].tv_sec = ms / 1000;
  tv[0].tv_usec = (ms % 1000) * 1000;
  tv[1] = tv[0];
  ASSERT_EQ(utimes(path.c_str(), tv), 0) << path;
}

std::string Z85Encode16(const unsigned char* b) {
  static const char* kAlpha =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  std::string out;
  for (int i = 0; i < 16; i += 4) {
    uint32_t v =
        (uint32_t(b[i]) << 24) | (uint32_t(b[i + 1]) << 16) | (uint32_t(b[i + 2]) << 8) | b[i + 3];
    char g[5];
    for (int j = 4; j >= 0; --j) {
      g[j] = kAlpha[v % 85];
      v /= 85;
    }
    out.append(g, 5);
  }
  return out;
}

// A table on local disk with fake data files whose mtimes, and commit mtimes, are set to a
// fake timeline.
class FakeTable {
 public:
  FakeTable(bool partitioned, std::map<std::string, std::string> conf = {}, bool dvs = false,
            int64_t ts = kT0)
      : partitioned_(partitioned) {
    auto t = Table::OpenForCreate(dir_.path());
    EXPECT_TRUE(t.ok());
    table_ = *t;
    auto txn = Transaction::Start(table_);
    EXPECT_TRUE(txn.ok());
    Protocol p;
    p.min_reader_version = 1;
    p.min_writer_version = 2;
    if (dvs) {
      p.min_reader_version = 3;
      p.min_writer_version = 7;
      p.reader_features = std::vector<std::string>{"deletionVectors"};
      p.writer_features = std::vector<std::string>{"deletionVectors"};
    }
    Metadata m;
    m.id = "5f8c1a2e-0000-4000-8000-00000000000v";
    m.schema_string = kSchema;
    if (partitioned) m.partition_columns = {"p"};
    m.configuration = std::move(conf);
    (*txn)->SetProtocol(p);
    (*txn)->SetMetadata(m);
    (*txn)->SetOperation("CREATE TABLE");
    auto r = (*txn)->Commit();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    SetMtime(Path(txn::CommitKey(0)), ts);
    version_ts_.push_back(ts);
  }

  const std::string& dir() const { return dir_.path(); }
  std::shared_ptr<Table> table() const { return table_; }
  std::string Path(const std::string& key) const { return dir_.path() + "/" + key; }
  bool Exists(const std::string& key) const { return std::filesystem::exists(Path(key)); }

  // A new add with a real file on disk (written at `mtime`), in partition `part`.
  AddFile NewFile(const std::string& part, int64_t mtime, bool with_dv = false) {
    AddFile a;
    std::string name = "part-" + std::to_string(next_id_++) + ".parquet";
    a.path = partitioned_ ? "p=" + part + "/" + name : name;
    if (partitioned_) a.partition_values = {{"p", part}};
    std::string data(100 + next_id_ % 50, 'x');
    WriteFile(Path(a.path), data);
    SetMtime(Path(a.path), mtime);
    a.size = static_cast<int64_t>(data.size());
    a.modification_time = mtime;
    a.stats = R"({"numRecords":10})";
    if (with_dv) SetNewDv(&a, mtime);
    return a;
  }

  // Gives `a` a new 'u' deletion vector in a new file (under a random prefix every other time).
  void SetNewDv(AddFile* a, int64_t mtime) {
    unsigned char uuid[16];
    for (int i = 0; i < 16; ++i)
      uuid[i] = static_cast<unsigned char>((next_id_ * 37 + i * 11) & 0xff);
    uuid[0] = static_cast<unsigned char>(next_id_ & 0xff);
    uuid[1] = static_cast<unsigned char>((next_id_ >> 8) & 0xff);
    ++next_id_;
    DeletionVectorDescriptor dv;
    dv.storage_type = "u";
    dv.path_or_inline_dv = (next_id_ % 2 ? "ab" : "") + Z85Encode16(uuid);
    dv.offset = 1;
    dv.size_in_bytes = 10;
    dv.cardinality = 1;
    auto key = DeletionVectorRelativePath(dv);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    WriteFile(Path(*key), "dv-bytes");
    SetMtime(Path(*key), mtime);
    a->deletion_vector = dv;
  }

  // Commits at fake time `ts` (the commit file's mtime).
  int64_t Commit(const std::vector<AddFile>& adds, const std::vector<RemoveFile>& removes,
                 int64_t ts, const std::string& op = "WRITE") {
    auto txn = Transaction::Start(table_);
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    for (const auto& a : adds) (*txn)->AddFile(a);
    for (const auto& r : removes) (*txn)->RemoveFile(r);
    (*txn)->SetOperation(op);
    auto r = (*txn)->Commit();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    SetMtime(Path(txn::CommitKey(r->version)), ts);
    version_ts_.push_back(ts);
    return r->version;
  }

  // A file nobody committed.
  std::string Orphan(const std::string& key, int64_t mtime) {
    WriteFile(Path(key), "orphan");
    SetMtime(Path(key), mtime);
    return key;
  }

  const std::vector<int64_t>& version_ts() const { return version_ts_; }

 private:
  TempDir dir_;
  std::shared_ptr<Table> table_;
  bool partitioned_;
  int next_id_ = 1;
  std::vector<int64_t> version_ts_;
};

VacuumOptions Opts(int64_t now, VacuumMode mode = VacuumMode::kFull, bool dry_run = false) {
  VacuumOptions o;
  o.now_ms = now;
  o.mode = mode;
  o.dry_run = dry_run;
  return o;
}

std::set<std::string> Keys(const VacuumResult& r) {
  std::set<std::string> s;
  for (const auto& f : r.files) s.insert(f.key);
  return s;
}

int64_t LatestVersion(const std::shared_ptr<Table>& t) {
  auto s = t->LatestSnapshot();
  EXPECT_TRUE(s.ok());
  return (*s)->version();
}

TEST(VacuumTest, UnpartitionedDryRunLiteAndFull) {
  FakeTable t(/*partitioned=*/false);
  AddFile a = t.NewFile("", kT0 + kHour), b = t.NewFile("", kT0 + kHour);
  t.Commit({a, b}, {}, kT0 + kHour);
  t.Commit({}, {RemoveFor(a, kT0 + 2 * kHour)}, kT0 + 2 * kHour, "DELETE");
  std::string orphan = t.Orphan("part-orphan.parquet", kT0);
  std::string young = t.Orphan("part-young.parquet", kT0 + 9 * kDay);
  const int64_t now = kT0 + 10 * kDay;  // default retention 7 days: cutoff kT0 + 3 days
  const int64_t v = LatestVersion(t.table());

  auto dry = Vacuum(t.table(), Opts(now, VacuumMode::kFull, true));
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(Keys(*dry), (std::set<std::string>{a.path, orphan}));
  EXPECT_EQ(dry->bytes, a.size + 6);
  EXPECT_EQ(dry->retention_ms, 7 * kDay);
  EXPECT_EQ(dry->oldest_retained_version, 2);
  EXPECT_TRUE(t.Exists(a.path) && t.Exists(orphan));
  EXPECT_EQ(LatestVersion(t.table()), v) << "a dry run commits nothing";

  auto lite_dry = Vacuum(t.table(), Opts(now, VacuumMode::kLite, true));
  ASSERT_TRUE(lite_dry.ok()) << lite_dry.status().ToString();
  EXPECT_EQ(Keys(*lite_dry), (std::set<std::string>{a.path})) << "lite never sees orphans";

  auto full = Vacuum(t.table(), Opts(now));
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(Keys(*full), (std::set<std::string>{a.path, orphan}));
  EXPECT_FALSE(t.Exists(a.path));
  EXPECT_FALSE(t.Exists(orphan));
  EXPECT_TRUE(t.Exists(b.path));
  EXPECT_TRUE(t.Exists(young)) << "younger than the window";
  EXPECT_TRUE(t.Exists(txn::CommitKey(0)));
  EXPECT_EQ(full->start_version, v + 1);
  EXPECT_EQ(full->end_version, v + 2);
  auto hist = t.table()->History(2);
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ((*hist)[0].operation, "VACUUM END");
  EXPECT_NE((*hist)[0].commit_info.find(R"("numDeletedFiles":"2")"), std::string::npos)
      << (*hist)[0].commit_info;
  EXPECT_NE((*hist)[0].commit_info.find(R"("status":"COMPLETED")"), std::string::npos);
  EXPECT_EQ((*hist)[1].operation, "VACUUM START");
  EXPECT_NE((*hist)[1].commit_info.find(R"("numFilesToDelete":"2")"), std::string::npos)
      << (*hist)[1].commit_info;
  EXPECT_NE(
      (*hist)[1].commit_info.find(R"("sizeOfDataToDelete":")" + std::to_string(a.size + 6) + "\""),
      std::string::npos);
  EXPECT_EQ(ValidateAllCommits(t.dir()), v + 3);

  // Nothing left: a second run deletes nothing.
  auto again = Vacuum(t.table(), Opts(now + kDay));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->files.empty());
}

TEST(VacuumTest, PartitionedSkipsHiddenPathsButNotPartitionDirs) {
  FakeTable t(/*partitioned=*/true);
  AddFile a = t.NewFile("a", kT0), b = t.NewFile("_x", kT0), c = t.NewFile("b", kT0);
  t.Commit({a, b, c}, {}, kT0);
  t.Commit({}, {RemoveFor(b, kT0 + kHour)}, kT0 + kHour);
  const int64_t old = kT0 - kDay;
  std::vector<std::string> hidden = {
      t.Orphan("_tmp/part-1.parquet", old),
      t.Orphan(".hidden/part-2.parquet", old),
      t.Orphan("p=a/_SUCCESS", old),
      t.Orphan("p=a/.part-3.parquet.crc", old),
      t.Orphan("_delta_index/idx.bin", old),
      t.Orphan("_delta_log/notes.txt", old),
      t.Orphan("metadata/v1.metadata.json", old),
      t.Orphan("p=a/_started_123", old),
  };
  std::vector<std::string> orphans = {
      t.Orphan("p=_x/part-orphan.parquet", old),
      t.Orphan("p=a/part-orphan.parquet", old),
      t.Orphan("_change_data/cdc-1.parquet", old),
      t.Orphan("deletion_vector_0c6cbaaf-5e04-4c9d-8959-1088814f58ef.bin", old),
  };
  auto r = Vacuum(t.table(), Opts(kT0 + 30 * kDay));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::set<std::string> want(orphans.begin(), orphans.end());
  want.insert(b.path);
  EXPECT_EQ(Keys(*r), want);
  for (const auto& h : hidden) EXPECT_TRUE(t.Exists(h)) << h;
  for (const auto& o : want) EXPECT_FALSE(t.Exists(o)) << o;
  EXPECT_TRUE(t.Exists(a.path) && t.Exists(c.path));
}

TEST(VacuumTest, FullDeletesStaleCrashLeftovers) {
  // What a SIGKILLed writer leaves: a data writer's _lake_staging-<uuid> folder (nested
  // partition folders) and the store's half-written temp files in _delta_log.
  FakeTable t(/*partitioned=*/true);
  AddFile a = t.NewFile("a", kT0);
  t.Commit({a}, {}, kT0);
  const int64_t now = kT0 + 30 * kDay;
  const int64_t old = now - 8 * kDay, young = now - kDay;
  std::vector<std::string> stale = {
      t.Orphan("_lake_staging-1111/p=a/data_0.parquet", old),
      t.Orphan("_lake_staging-1111/p=b/data_0.parquet", old),
      t.Orphan("_lake_staging-2222/data_0.parquet", old),
      t.Orphan("_delta_log/.00000000000000000010.checkpoint.parquet.tmp.77.0.123", old),
      t.Orphan("_delta_log/.00000000000000000011.json.tmp.77.1.456", old),
      t.Orphan("_delta_log/._last_checkpoint.tmp.77.2.789", old),
  };
  std::vector<std::string> kept = {
      t.Orphan("_lake_staging-3333/data_0.parquet", young),  // a writer may still be running
      t.Orphan("_delta_log/.00000000000000000012.json.tmp.78.0.1", young),
      t.Orphan("_delta_log/.hidden_notes", old),
      t.Orphan("_lake_staging_notes/x.parquet", old),
      t.Orphan("p=a/_lake_staging-4444/data_0.parquet", old),
  };
  auto dry = Vacuum(t.table(), Opts(now, VacuumMode::kFull, true));
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(Keys(*dry), std::set<std::string>(stale.begin(), stale.end()));
  auto r = Vacuum(t.table(), Opts(now));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Keys(*r), std::set<std::string>(stale.begin(), stale.end()));
  for (const auto& k : stale) EXPECT_FALSE(t.Exists(k)) << k;
  for (const auto& k : kept) EXPECT_TRUE(t.Exists(k)) << k;
  EXPECT_FALSE(std::filesystem::exists(t.Path("_lake_staging-1111"))) << "emptied folders go";
  EXPECT_FALSE(std::filesystem::exists(t.Path("_lake_staging-2222")));
  EXPECT_TRUE(t.Exists(a.path));
  auto lite = Vacuum(t.table(), Opts(now + 30 * kDay, VacuumMode::kLite, true));
  ASSERT_TRUE(lite.ok());
  EXPECT_TRUE(Keys(*lite).empty()) << "lite mode does not list storage";
}

TEST(VacuumTest, RetentionRefusalAndForce) {
  FakeTable t(false);
  AddFile a = t.NewFile("", kT0);
  t.Commit({a}, {}, kT0);
  t.Commit({}, {RemoveFor(a, kT0)}, kT0);
  VacuumOptions o = Opts(kT0 + kHour);
  o.retention_ms = 0;
  auto refused = Vacuum(t.table(), o);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().code() == StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos);
  EXPECT_NE(refused.status().message().find("delta.deletedFileRetentionDuration (168 hours)"),
            std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(t.Exists(a.path));
  o.force = true;
  auto forced = Vacuum(t.table(), o);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(Keys(*forced), std::set<std::string>{a.path});
  EXPECT_FALSE(t.Exists(a.path));

  // A table whose own retention is short needs no --force for a window at least as long.
  FakeTable s(false, {{"delta.deletedFileRetentionDuration", "interval 1 hour"}});
  VacuumOptions o2 = Opts(kT0 + kDay);
  o2.retention_ms = 2 * kHour;
  EXPECT_TRUE(Vacuum(s.table(), o2).ok());
  o2.retention_ms = kMin;
  EXPECT_FALSE(Vacuum(s.table(), o2).ok());
  auto dflt = Vacuum(s.table(), Opts(kT0 + kDay));
  ASSERT_TRUE(dflt.ok());
  EXPECT_EQ(dflt->retention_ms, kHour);
}

TEST(VacuumTest, TimeTravelBeforeRewriteReadsUntilWindowPasses) {
  FakeTable t(true);
  AddFile a = t.NewFile("a", kT0 + kHour), b = t.NewFile("a", kT0 + kHour);
  t.Commit({a, b}, {}, kT0 + kHour);
  const int64_t rewrite = kT0 + 2 * kDay;
  AddFile c = t.NewFile("a", rewrite);
  t.Commit({c}, {RemoveFor(a, rewrite, false), RemoveFor(b, rewrite, false)}, rewrite, "OPTIMIZE");
  auto files_exist = [&](int64_t v) {
    auto s = t.table()->SnapshotAtVersion(v);
    EXPECT_TRUE(s.ok());
    for (const auto& f : (*s)->files())
      if (!t.Exists(f.path)) return false;
    return true;
  };
  // A day later, and just before the window passes: version 1 is still readable.
  for (int64_t now : {rewrite + kDay, rewrite + 7 * kDay - kMin}) {
    for (VacuumMode m : {VacuumMode::kLite, VacuumMode::kFull}) {
      auto r = Vacuum(t.table(), Opts(now, m));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_TRUE(r->files.empty());
      EXPECT_LE(r->oldest_retained_version, 1);
      EXPECT_TRUE(files_exist(1));
    }
  }
  // Once version 2 is current at the cutoff, version 1's files go.
  auto r = Vacuum(t.table(), Opts(rewrite + 7 * kDay + kMin, VacuumMode::kLite));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Keys(*r), (std::set<std::string>{a.path, b.path}));
  EXPECT_FALSE(files_exist(1));
  EXPECT_TRUE(files_exist(2));
}

TEST(VacuumTest, DeletionVectorFiles) {
  FakeTable t(false, {}, /*dvs=*/true);
  AddFile a = t.NewFile("", kT0, /*with_dv=*/true);
  AddFile b = t.NewFile("", kT0);
  t.Commit({a, b}, {}, kT0);
  // Two DV updates of a: its first two DV files become garbage, the data file never.
  std::vector<std::string> old_dvs;
  for (int i = 1; i <= 2; ++i) {
    old_dvs.push_back(*DeletionVectorRelativePath(*a.deletion_vector));
    AddFile a2 = a;
    t.SetNewDv(&a2, kT0 + i * kHour);
    t.Commit({a2}, {RemoveFor(a, kT0 + i * kHour)}, kT0 + i * kHour, "DELETE");
    a = a2;
  }
  std::string live_dv = *DeletionVectorRelativePath(*a.deletion_vector);
  for (VacuumMode m : {VacuumMode::kLite, VacuumMode::kFull}) {
    auto r = Vacuum(t.table(), Opts(kT0 + 20 * kDay, m, /*dry_run=*/true));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Keys(*r), std::set<std::string>(old_dvs.begin(), old_dvs.end()));
  }
  auto r = Vacuum(t.table(), Opts(kT0 + 20 * kDay));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(t.Exists(a.path) && t.Exists(live_dv) && t.Exists(b.path));
  for (const auto& d : old_dvs) EXPECT_FALSE(t.Exists(d));
}

TEST(VacuumTest, LiteSkipsMissingFilesAndReAddedFiles) {
  FakeTable t(false);
  AddFile a = t.NewFile("", kT0), b = t.NewFile("", kT0);
  t.Commit({a, b}, {}, kT0);
  t.Commit({}, {RemoveFor(a, kT0), RemoveFor(b, kT0)}, kT0 + kMin);
  t.Commit({a}, {}, kT0 + 2 * kMin, "RESTORE");  // a is live again
  std::filesystem::remove(t.Path(b.path));       // b already gone
  auto r = Vacuum(t.table(), Opts(kT0 + 30 * kDay, VacuumMode::kLite));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->files.empty());
  EXPECT_TRUE(t.Exists(a.path));
}

TEST(VacuumTest, SparesFilesReAddedByAConcurrentCommit) {
  FakeTable t(false);
  AddFile a = t.NewFile("", kT0), b = t.NewFile("", kT0);
  t.Commit({a, b}, {}, kT0);
  t.Commit({}, {RemoveFor(a, kT0), RemoveFor(b, kT0)}, kT0 + kMin);
  for (VacuumMode m : {VacuumMode::kLite, VacuumMode::kFull}) {
    VacuumOptions o = Opts(kT0 + 30 * kDay, m);
    o.after_planning = [&] {
      if (!t.Exists(a.path)) return;
      t.Commit({a}, {}, kT0 + 30 * kDay, "RESTORE");  // wins the race against VACUUM START
    };
    auto r = Vacuum(t.table(), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(t.Exists(a.path)) << "re-added concurrently: live in the latest version";
    if (m == VacuumMode::kLite) {
      EXPECT_EQ(Keys(*r), std::set<std::string>{b.path});
      EXPECT_EQ(r->start_version, 4) << "after the concurrent RESTORE (3)";
    }
  }
}

TEST(VacuumTest, RefusesProtocolWithUnsupportedFeatures) {
  TempDir dir;
  WriteFile(dir.path() + "/_delta_log/00000000000000000000.json",
            R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,)"
            R"("readerFeatures":["vacuumProtocolCheck"],)"
            R"("writerFeatures":["vacuumProtocolCheck","clustering"]}})"
            "\n"
            R"({"metaData":{"id":"x","format":{"provider":"parquet","options":{}},)"
            R"("schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],)"
            R"("configuration":{},"createdTime":1}})"
            "\n");
  auto table = Table::Open(dir.path());
  ASSERT_TRUE(table.ok());
  auto r = Vacuum(*table, Opts(kT0, VacuumMode::kFull, true));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == StatusCode::kUnsupported) << r.status().ToString();
  EXPECT_NE(r.status().message().find("clustering"), std::string::npos);
  EXPECT_NE(r.status().message().find("vacuumProtocolCheck"), std::string::npos);
}

TEST(VacuumTest, ParseRetentionDuration) {
  EXPECT_EQ(*ParseRetentionDuration("0h"), 0);
  EXPECT_EQ(*ParseRetentionDuration("168h"), 7 * kDay);
  EXPECT_EQ(*ParseRetentionDuration("7d"), 7 * kDay);
  EXPECT_EQ(*ParseRetentionDuration("1w"), 7 * kDay);
  EXPECT_EQ(*ParseRetentionDuration("90m"), 90 * kMin);
  EXPECT_EQ(*ParseRetentionDuration("1.5h"), 90 * kMin);
  EXPECT_EQ(*ParseRetentionDuration("interval 1 week"), 7 * kDay);
  EXPECT_EQ(*ParseRetentionDuration("36 hours"), 36 * kHour);
  EXPECT_FALSE(ParseRetentionDuration("").ok());
  EXPECT_FALSE(ParseRetentionDuration("12").ok());
  EXPECT_FALSE(ParseRetentionDuration("-1h").ok());
  EXPECT_FALSE(ParseRetentionDuration("1 month").ok());
  EXPECT_EQ(FormatDurationMs(7 * kDay), "168 hours");
  EXPECT_EQ(FormatDurationMs(0), "0 ms");
}

// Random histories: appends, deletes, rewrites, restores of removed files and DV updates, with
// random deletionTimestamps, commit mtimes (occasionally skewed) and orphans; a random window
// and mode. After vacuum: every retained version (as time travel defines version timestamps)
// still has all its files and DV files; nothing hidden was touched; exactly the expected files
// were deleted.
TEST(VacuumTest, PropertyRandomHistories) {
  for (int seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    auto rnd = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    const bool partitioned = rnd(0, 1);
    // Histories span months of fake commit times: keep every commit file, so each version
    // vacuum must protect stays reconstructable (log cleanup has its own tests).
    FakeTable t(partitioned, {{"delta.enableExpiredLogCleanup", "false"}}, /*dvs=*/true);
    const std::vector<std::string> parts = {"a", "b", "_c"};
    std::vector<AddFile> live, removed;
    std::vector<std::pair<std::string, int64_t>> remove_keys;  // key, deletionTimestamp
    std::set<std::string> created;                             // data and DV keys
    auto note = [&](const AddFile& a) {
      created.insert(a.path);
      if (a.deletion_vector) created.insert(*DeletionVectorRelativePath(*a.deletion_vector));
    };
    auto take = [&](size_t i) {
      AddFile a = live[i];
      live.erase(live.begin() + static_cast<long>(i));
      return a;
    };
    int64_t ts = kT0;
    const int commits = static_cast<int>(rnd(3, 25));
    for (int c = 0; c < commits; ++c) {
      ts += rnd(kMin, 2 * kDay);
      int64_t commit_ts = rnd(0, 9) == 0 ? ts - rnd(0, 3 * kDay) : ts;  // skewed mtime
      std::vector<AddFile> adds;
      std::vector<RemoveFile> rms;
      auto remove = [&](const AddFile& a) {
        int64_t del = ts - rnd(0, 1) * rnd(0, 3 * kDay);
        rms.push_back(RemoveFor(a, del));
        remove_keys.emplace_back(a.path, del);
        if (a.deletion_vector)
          remove_keys.emplace_back(*DeletionVectorRelativePath(*a.deletion_vector), del);
        removed.push_back(a);
      };
      int op = static_cast<int>(rnd(0, 4));
      if (live.empty()) op = 0;
      if (op == 0) {  // append
        for (int64_t k = rnd(1, 3); k > 0; --k) {
          adds.push_back(t.NewFile(parts[rnd(0, 2)], ts - rnd(0, kHour), rnd(0, 3) == 0));
          note(adds.back());
        }
      } else if (op == 1) {  // delete
        remove(take(static_cast<size_t>(rnd(0, static_cast<int64_t>(live.size()) - 1))));
      } else if (op == 2) {  // rewrite (optimize-like)
        for (int64_t k = std::min<int64_t>(rnd(1, 3), live.size()); k > 0; --k)
          remove(take(static_cast<size_t>(rnd(0, static_cast<int64_t>(live.size()) - 1))));
        adds.push_back(t.NewFile(parts[rnd(0, 2)], ts - rnd(0, kHour)));
        note(adds.back());
      } else if (op == 3 && !removed.empty()) {  // restore a removed file (same path)
        AddFile a = removed[static_cast<size_t>(rnd(0, static_cast<int64_t>(removed.size()) - 1))];
        bool dup = false;
        for (const auto& l : live) dup |= l.path == a.path;
        if (!dup) adds.push_back(a);
      } else {  // DV update of a live file
        size_t i = static_cast<size_t>(rnd(0, static_cast<int64_t>(live.size()) - 1));
        AddFile a = take(i);
        remove(a);
        t.SetNewDv(&a, ts - rnd(0, kHour));
        note(a);
        adds.push_back(a);
      }
      for (const auto& a : adds) live.push_back(a);
      t.Commit(adds, rms, commit_ts);
    }
    // Orphans, visible and hidden.
    std::set<std::string> orphans, hidden;
    for (int64_t k = rnd(0, 6); k > 0; --k) {
      std::string dir = partitioned ? "p=" + parts[rnd(0, 2)] + "/" : "";
      orphans.insert(
          t.Orphan(dir + "orphan-" + std::to_string(k) + ".parquet", rnd(kT0 - kDay, ts + kDay)));
    }
    hidden.insert(t.Orphan("_tmp/x.parquet", kT0 - kDay));
    hidden.insert(t.Orphan(".x.parquet.crc", kT0 - kDay));

    const int64_t now = ts + rnd(0, 10 * kDay);
    VacuumOptions opts = Opts(now, rnd(0, 1) ? VacuumMode::kLite : VacuumMode::kFull);
    opts.retention_ms = rnd(0, 1) ? rnd(0, 10 * kDay) : rnd(0, 12) * kHour;
    opts.force = true;
    opts.parallelism = static_cast<int>(rnd(1, 4));
    const int64_t cutoff = now - *opts.retention_ms;

    // Retained versions, with time travel's timestamps: mtimes made strictly increasing from
    // the earliest reconstructable version (the oldest checkpoint, else 0).
    const int64_t n = LatestVersion(t.table());
    auto listing = log::ListLog(*t.table()->store());
    ASSERT_TRUE(listing.ok());
    int64_t first = listing->checkpoints.empty() ? 0 : listing->checkpoints.front().version;
    int64_t vcut = -1, prev = INT64_MIN;
    for (int64_t v = first; v <= n; ++v) {
      int64_t tv = t.version_ts()[static_cast<size_t>(v)];
      if (prev != INT64_MIN) tv = std::max(tv, prev + 1);
      prev = tv;
      if (tv <= cutoff) vcut = v;
    }
    // When the cutoff predates what time travel reaches, every reconstructable version counts.
    const int64_t oldest = vcut >= 0 ? vcut : 0;
    std::map<int64_t, std::set<std::string>> needed_by;  // version -> keys
    std::set<std::string> needed;
    for (int64_t v = 0; v <= n; ++v) {
      auto s = t.table()->SnapshotAtVersion(v);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      for (const auto& f : (*s)->files()) {
        needed_by[v].insert(f.path);
        if (f.deletion_vector) needed_by[v].insert(*DeletionVectorRelativePath(*f.deletion_vector));
      }
      if (v >= oldest) needed.insert(needed_by[v].begin(), needed_by[v].end());
    }
    std::set<std::string> expected;
    std::set<std::string> removed_late;
    for (const auto& [k, del] : remove_keys)
      if (del >= cutoff) removed_late.insert(k);
    auto mtime_ms = [&](const std::string& key) {
      auto h = t.table()->store()->Head(key);
      return h.ok() ? h->mtime_ms : INT64_MAX;
    };
    if (opts.mode == VacuumMode::kFull) {
      for (const auto& k : created)
        if (!needed.count(k) && !removed_late.count(k) && mtime_ms(k) < cutoff) expected.insert(k);
      for (const auto& k : orphans)
        if (mtime_ms(k) < cutoff) expected.insert(k);
    } else {
      for (const auto& [k, del] : remove_keys)
        if (del < cutoff && !needed.count(k) && !removed_late.count(k)) expected.insert(k);
    }

    auto r = Vacuum(t.table(), opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->oldest_retained_version, oldest);
    EXPECT_EQ(Keys(*r), expected) << "mode " << (opts.mode == VacuumMode::kLite ? "lite" : "full")
                                  << " cutoff " << cutoff << " oldest " << oldest;
    for (int64_t v = oldest; v <= n; ++v)
      for (const auto& k : needed_by[v]) EXPECT_TRUE(t.Exists(k)) << "version " << v << ": " << k;
    for (const auto& k : needed_by[n]) EXPECT_TRUE(t.Exists(k)) << k;
    for (const auto& k : hidden) EXPECT_TRUE(t.Exists(k)) << k;
    for (const auto& k : expected) EXPECT_FALSE(t.Exists(k)) << k;
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace lake::testing
