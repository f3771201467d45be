// Segment discovery, replay and time travel over small tables written into a TempDir.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "engine/duckdb_engine.h"
#include "lake/table.h"
#include "log/log_segment.h"
#include "log/snapshot_builder.h"
#include "test_util.h"

namespace lake {
namespace {

using log::PadVersion;

const char* kProtocol = R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})";
const char* kMeta =
    R"({"metaData":{"id":"t1","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1}})";

std::string Add(const std::string& path, int64_t records = 1, const std::string& dv = "") {
  return R"({"add":{"path":")" + path +
         R"(","partitionValues":{},"size":100,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":)" +
         std::to_string(records) + R"(}")" + (dv.empty() ? "" : ",\"deletionVector\":" + dv) + "}}";
}
std::string Remove(const std::string& path, const std::string& dv = "") {
  return R"({"remove":{"path":")" + path + R"(","deletionTimestamp":5,"dataChange":true)" +
         (dv.empty() ? "" : ",\"deletionVector\":" + dv) + "}}";
}
std::string Dv(const std::string& id, int card) {
  return R"({"storageType":"u","pathOrInlineDv":")" + id +
         R"(","offset":1,"sizeInBytes":10,"cardinality":)" + std::to_string(card) + "}";
}
std::string CommitInfo(int64_t ts, const std::string& op, std::optional<int64_t> ict = {}) {
  return R"({"commitInfo":{"timestamp":)" + std::to_string(ts) + R"(,"operation":")" + op + "\"" +
         (ict ? ",\"inCommitTimestamp\":" + std::to_string(*ict) : "") + "}}";
}

class LogTest : public ::testing::Test {
 protected:
  void Commit(int64_t v, const std::vector<std::string>& lines, int64_t mtime_s = 0) {
    std::string data;
    for (auto& l : lines) data += l + "\n";
    std::string p = dir_.path() + "/_delta_log/" + PadVersion(v) + ".json";
    testing::WriteFile(p, data);
    if (mtime_s) SetMtime(p, mtime_s);
  }
  void File(const std::string& rel, const std::string& data) {
    testing::WriteFile(dir_.path() + "/" + rel, data);
  }
  void SetMtime(const std::string& p, int64_t secs) {
    std::filesystem::last_write_time(
        p, std::filesystem::file_time_type::clock::from_sys(
               std::chrono::system_clock::time_point(std::chrono::seconds(secs))));
  }
  std::shared_ptr<Table> Open() {
    auto t = Table::Open(dir_.path());
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return *t;
  }
  std::shared_ptr<const Snapshot> Latest() {
    auto s = Open()->LatestSnapshot();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : nullptr;
  }
  // A classic checkpoint at `version` holding protocol, metadata and adds `paths`.
  void WriteCheckpoint(const std::string& key, const std::vector<std::string>& paths,
                       bool struct_stats = false) {
    auto db = engine::SharedDatabase();
    ASSERT_TRUE(db.ok());
    auto conn = (*db)->Connect();
    ASSERT_TRUE(conn.ok());
    std::string add_type =
        "STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
        "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, "
        "stats_parsed STRUCT(numRecords BIGINT))";
    std::string sql =
        "COPY (SELECT NULL::" + add_type +
        " AS \"add\", {'minReaderVersion': 1, 'minWriterVersion': 2} AS protocol, "
        "NULL::STRUCT(id VARCHAR, schemaString VARCHAR, partitionColumns VARCHAR[], "
        "configuration MAP(VARCHAR, VARCHAR)) AS metaData "
        "UNION ALL SELECT NULL, NULL, {'id': 't1', 'schemaString': "
        "'{\"type\":\"struct\",\"fields\":[]}', 'partitionColumns': [], 'configuration': "
        "MAP {'delta.columnMapping.mode': 'none'}}";
    for (auto& p : paths) {
      sql += " UNION ALL SELECT {'path': '" + p +
             "', 'partitionValues': MAP {}, 'size': 100, 'modificationTime': 1, 'dataChange': "
             "false, 'stats': " +
             (struct_stats ? std::string("NULL") : "'{\"numRecords\":1}'") +
             ", 'stats_parsed': {'numRecords': 2}}, NULL, NULL";
    }
    sql += ") TO " + engine::QuoteString(dir_.path() + "/" + key) + " (FORMAT parquet)";
    std::filesystem::create_directories(std::filesystem::path(dir_.path() + "/" + key).parent_path());
    ASSERT_TRUE((*conn)->Execute(sql).ok()) << (*conn)->Execute(sql).ToString();
  }
  testing::TempDir dir_;
};

TEST_F(LogTest, NoDeltaLog) {
  auto t = Table::Open(dir_.path());
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsNotFound());
  EXPECT_NE(t.status().message().find("not a Delta table: no _delta_log at"), std::string::npos);
}

TEST_F(LogTest, ReplayReAddAfterRemove) {
  Commit(0, {kProtocol, kMeta, Add("a"), Add("b")});
  Commit(1, {Remove("a")});
  Commit(2, {Add("a", 7)});
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version(), 2);
  EXPECT_EQ(s->files().size(), 2u);
  EXPECT_EQ(s->TotalRecords(), 8);
  EXPECT_EQ(s->TotalBytes(), 200);
  EXPECT_TRUE(s->tombstones().empty());
  auto v1 = Open()->SnapshotAtVersion(1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ((*v1)->files().size(), 1u);
  EXPECT_EQ((*v1)->tombstones().size(), 1u);
}

TEST_F(LogTest, DeletionVectorKeys) {
  Commit(0, {kProtocol, kMeta, Add("a", 10)});
  // Same path, new DV: the old (no DV) entry is removed and the new one added.
  Commit(1, {Remove("a"), Add("a", 10, Dv("dv1", 3))});
  Commit(2, {Remove("a", Dv("dv1", 3)), Add("a", 10, Dv("dv2", 4))});
  auto s = Latest();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->files().size(), 1u);
  EXPECT_EQ(s->files()[0].deletion_vector->path_or_inline_dv, "dv2");
  EXPECT_EQ(s->TotalRecords(), 6);
}

TEST_F(LogTest, PathCanonicalization) {
  Commit(0, {kProtocol, kMeta, Add("a%20b.parquet"), Add("/abs/x%23y"), Add("c.parquet")});
  Commit(1, {Remove("a b.parquet"), Remove("file:///abs/x%23y"),
             Remove("file:" + dir_.path() + "/c.parquet")});
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files().size(), 0u);
  EXPECT_EQ(log::CanonicalPath("file:/a/b%20c", ""), "/a/b c");
  EXPECT_EQ(log::CanonicalPath("file:///a/b", ""), "/a/b");
  EXPECT_EQ(log::CanonicalPath("/t/x/y", "/t"), "x/y");
}

TEST_F(LogTest, TxnDomainMetadataProtocolMetadataLatestWins) {
  Commit(0, {kProtocol, kMeta, R"({"txn":{"appId":"a","version":1}})",
             R"({"domainMetadata":{"domain":"d1","configuration":"x","removed":false}})",
             R"({"domainMetadata":{"domain":"d2","configuration":"y","removed":false}})"});
  Commit(1, {R"({"txn":{"appId":"a","version":2}})",
             R"({"domainMetadata":{"domain":"d1","configuration":"x","removed":true}})",
             R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})"});
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->app_transactions().at("a").version, 2);
  EXPECT_EQ(s->domain_metadata().count("d1"), 0u);
  EXPECT_EQ(s->domain_metadata().at("d2").configuration, "y");
  EXPECT_EQ(s->protocol().min_reader_version, 3);
  EXPECT_EQ(s->schema().fields.size(), 1u);
}

TEST_F(LogTest, ProtocolGate) {
  Commit(0, {R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["fancyNewThing"],"writerFeatures":["fancyNewThing"]}})", kMeta});
  auto s = Open()->LatestSnapshot();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("fancyNewThing"), std::string::npos);
}

TEST_F(LogTest, MissingProtocolOrMetadata) {
  Commit(0, {kMeta, Add("a")});
  auto s = Open()->LatestSnapshot();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no protocol action found"), std::string::npos);
  Commit(0, {kProtocol, Add("a")});
  s = Open()->LatestSnapshot();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no metaData action found"), std::string::npos);
}

TEST_F(LogTest, GapIsCorruption) {
  Commit(0, {kProtocol, kMeta});
  Commit(1, {Add("a")});
  Commit(3, {Add("b")});
  auto s = Open()->LatestSnapshot();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
  EXPECT_NE(s.status().message().find("missing version 2"), std::string::npos);
  // Versions before the gap are still readable.
  EXPECT_TRUE(Open()->SnapshotAtVersion(1).ok());
  auto v9 = Open()->SnapshotAtVersion(9);
  EXPECT_TRUE(!v9.ok() && v9.status().IsNotFound());
}

TEST_F(LogTest, MalformedCommitNamesFileAndLine) {
  Commit(0, {kProtocol, kMeta, "{broken"});
  auto s = Open()->LatestSnapshot();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("00000000000000000000.json:3:"), std::string::npos)
      << s.status().message();
}

TEST_F(LogTest, FileNameParsing) {
  log::ParsedLogName p;
  EXPECT_TRUE(log::ParseLogFileName("00000000000000000007.json", &p));
  EXPECT_EQ(p.version, 7);
  EXPECT_TRUE(log::ParseLogFileName("00000000000000000010.checkpoint.0000000002.0000000003.parquet", &p));
  EXPECT_EQ(p.type, log::ParsedLogName::Type::kMultiPartCheckpoint);
  EXPECT_EQ(p.part, 2);
  EXPECT_EQ(p.num_parts, 3);
  EXPECT_TRUE(log::ParseLogFileName("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json", &p));
  EXPECT_EQ(p.type, log::ParsedLogName::Type::kV2Checkpoint);
  EXPECT_TRUE(p.json);
  EXPECT_FALSE(log::ParseLogFileName("00000000000000000010.crc", &p));
  EXPECT_FALSE(log::ParseLogFileName("00000000000000000001.00000000000000000004.compacted.json", &p));
  EXPECT_FALSE(log::ParseLogFileName("_last_checkpoint", &p));
  EXPECT_FALSE(log::ParseLogFileName("7.json", &p));
}

TEST_F(LogTest, CheckpointAndCleanedUpEarlyCommits) {
  WriteCheckpoint("_delta_log/" + PadVersion(5) + ".checkpoint.parquet", {"a", "b", "c"});
  Commit(6, {Remove("b")});
  Commit(7, {Add("d")});
  File("_delta_log/_last_checkpoint", R"({"version":5,"size":5})");
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version(), 7);
  EXPECT_EQ(s->files().size(), 3u);
  EXPECT_EQ(s->TotalRecords(), 3);
  auto v5 = Open()->SnapshotAtVersion(5);
  ASSERT_TRUE(v5.ok()) << v5.status().ToString();
  EXPECT_EQ((*v5)->files().size(), 3u);
  auto v3 = Open()->SnapshotAtVersion(3);
  ASSERT_FALSE(v3.ok());
  EXPECT_TRUE(v3.status().IsNotFound()) << v3.status().ToString();
}

// Checkpoint actions are only looked up among the keys newer commits decided (never added to
// the seen-set): a re-added or removed checkpoint file still resolves to the newest action.
TEST_F(LogTest, CheckpointFilesLoseToNewerCommits) {
  WriteCheckpoint("_delta_log/" + PadVersion(3) + ".checkpoint.parquet", {"a", "b", "c", "d"});
  Commit(4, {Remove("b"), Add("a", 7)});
  Commit(5, {Add("e", 2), Add("d", 9)});
  auto s = Latest();
  ASSERT_TRUE(s);
  std::map<std::string, int64_t> records;
  for (const AddFile& f : s->files()) {
    EXPECT_TRUE(records.emplace(f.path, *log::NumRecordsFromStats(f.stats)).second) << f.path;
  }
  EXPECT_EQ(records, (std::map<std::string, int64_t>{{"a", 7}, {"c", 1}, {"d", 9}, {"e", 2}}));
  // Without commits after it, every checkpoint file is live.
  auto v3 = Open()->SnapshotAtVersion(3);
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ((*v3)->files().size(), 4u);
}

TEST_F(LogTest, StructStatsFromCheckpoint) {
  WriteCheckpoint("_delta_log/" + PadVersion(0) + ".checkpoint.parquet", {"a"}, true);
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->TotalRecords(), 2);
}

// Checkpoint stats_parsed timestamps come out in Delta's JSON stats form, whatever DuckDB's
// own rendering; strings that merely look like timestamps are left alone.
TEST_F(LogTest, CheckpointStructStatsTimestampsAreIso) {
  auto db = engine::SharedDatabase();
  ASSERT_TRUE(db.ok());
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  std::string vals =
      "STRUCT(ts TIMESTAMP WITH TIME ZONE, ntz TIMESTAMP, s VARCHAR, nested STRUCT(t TIMESTAMP WITH TIME ZONE))";
  std::string add_type =
      "STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
      "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, "
      "stats_parsed STRUCT(numRecords BIGINT, minValues " + vals + ", maxValues " + vals +
      ", nullCount STRUCT(ts BIGINT)))";
  std::string sql =
      "COPY (SELECT NULL::" + add_type +
      " AS \"add\", {'minReaderVersion': 1, 'minWriterVersion': 2} AS protocol, "
      "NULL::STRUCT(id VARCHAR, schemaString VARCHAR, partitionColumns VARCHAR[], "
      "configuration MAP(VARCHAR, VARCHAR)) AS metaData "
      "UNION ALL SELECT NULL, NULL, {'id': 't1', 'schemaString': "
      "'{\"type\":\"struct\",\"fields\":[]}', 'partitionColumns': [], 'configuration': "
      "MAP {}} "
      "UNION ALL SELECT {'path': 'a', 'partitionValues': MAP {}, 'size': 1, "
      "'modificationTime': 1, 'dataChange': false, 'stats': NULL, 'stats_parsed': "
      "{'numRecords': 2, 'minValues': {'ts': TIMESTAMPTZ '2021-01-01 00:00:00+00', "
      "'ntz': TIMESTAMP '2021-01-02 03:04:05.678', 's': '2021-01-01 00:00:00', "
      "'nested': {'t': TIMESTAMPTZ '2020-12-31 23:00:00-02'}}, "
      "'maxValues': {'ts': TIMESTAMPTZ '2021-06-01 12:00:00.5+00', 'ntz': NULL, 's': 'z', "
      "'nested': NULL}, 'nullCount': {'ts': 0}}}, NULL, NULL"
      ") TO " + engine::QuoteString(dir_.path() + "/_delta_log/" + PadVersion(0) + ".checkpoint.parquet") +
      " (FORMAT parquet)";
  std::filesystem::create_directories(dir_.path() + "/_delta_log");
  auto st = (*conn)->Execute(sql);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto s = Latest();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->files().size(), 1u);
  const std::string& stats = s->files()[0].stats;
  EXPECT_NE(stats.find(R"("ts":"2021-01-01T00:00:00.000Z")"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("ntz":"2021-01-02T03:04:05.678")"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("s":"2021-01-01 00:00:00")"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("t":"2021-01-01T01:00:00.000Z")"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("ts":"2021-06-01T12:00:00.500Z")"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("numRecords":2)"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("nullCount":{"ts":0})"), std::string::npos) << stats;
  EXPECT_EQ(s->TotalRecords(), 2);
}

TEST_F(LogTest, CorruptOrStaleLastCheckpointIsOnlyAHint) {
  Commit(0, {kProtocol, kMeta, Add("a")});
  Commit(1, {Add("b")});
  for (const char* hint : {"garbage{", R"({"version":99})", R"({"version":0})", ""}) {
    File("_delta_log/_last_checkpoint", hint);
    auto s = Latest();
    ASSERT_TRUE(s) << hint;
    EXPECT_EQ(s->version(), 1);
    EXPECT_EQ(s->files().size(), 2u);
  }
}

TEST_F(LogTest, IncompleteMultiPartCheckpointIgnored) {
  Commit(0, {kProtocol, kMeta, Add("a")});
  Commit(1, {Add("b")});
  // Only part 1 of 2 exists (and is garbage): it must not be used.
  File("_delta_log/" + PadVersion(1) + ".checkpoint.0000000001.0000000002.parquet", "junk");
  File("_delta_log/_last_checkpoint", R"({"version":1,"parts":2})");
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files().size(), 2u);
}

TEST_F(LogTest, MultiPartCheckpoint) {
  WriteCheckpoint("_delta_log/" + PadVersion(2) + ".checkpoint.0000000001.0000000002.parquet", {"a"});
  WriteCheckpoint("_delta_log/" + PadVersion(2) + ".checkpoint.0000000002.0000000002.parquet", {"b"});
  Commit(3, {Add("c")});
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files().size(), 3u);
}

TEST_F(LogTest, V2JsonCheckpointWithSidecar) {
  Commit(0, {kProtocol, kMeta, Add("a")});
  // The sidecar: a Parquet file of add actions (reuse the checkpoint writer; its
  // protocol/metaData rows are harmless duplicates).
  WriteCheckpoint("_delta_log/_sidecars/s1.parquet", {"x", "y"});
  File("_delta_log/" + PadVersion(1) + ".checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json",
       std::string(R"({"checkpointMetadata":{"version":1}})") + "\n" + kProtocol + "\n" + kMeta +
           "\n" + R"({"sidecar":{"path":"s1.parquet","sizeInBytes":1,"modificationTime":1}})" + "\n");
  Commit(2, {Remove("x")});
  std::filesystem::remove(dir_.path() + "/_delta_log/" + PadVersion(0) + ".json");
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version(), 2);
  EXPECT_EQ(s->files().size(), 1u);
  EXPECT_EQ(s->files()[0].path, "y");
}

TEST_F(LogTest, TimeTravelAndHistory) {
  Commit(0, {CommitInfo(1000, "CREATE TABLE"), kProtocol, kMeta, Add("a")}, 1000000);
  Commit(1, {CommitInfo(2000, "WRITE"), Add("b")}, 2000000);
  Commit(2, {CommitInfo(3000, "DELETE"), Remove("a")}, 3000000);
  auto t = Open();
  auto s = t->SnapshotAtTimestamp(2500000 * 1000LL);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->version(), 1);
  EXPECT_EQ((*s)->timestamp_ms(), 2000000 * 1000LL);
  auto before = t->SnapshotAtTimestamp(10);
  EXPECT_FALSE(before.ok());
  auto h = t->History();
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].version, 2);
  EXPECT_EQ((*h)[0].operation, "DELETE");
  EXPECT_EQ((*h)[2].operation, "CREATE TABLE");
  auto h1 = t->History(1);
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(h1->size(), 1u);
}

TEST_F(LogTest, InCommitTimestamps) {
  std::string meta = kMeta;
  meta.replace(meta.find("\"configuration\":{}"), 18,
               R"("configuration":{"delta.enableInCommitTimestamps":"true"})");
  // File mtimes disagree with the ICTs; the ICTs win.
  Commit(0, {CommitInfo(1, "CREATE", 500), kProtocol, meta, Add("a")}, 3000000);
  Commit(1, {CommitInfo(2, "WRITE", 700), Add("b")}, 1000000);
  auto t = Open();
  auto s = t->SnapshotAtTimestamp(600);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->version(), 0);
  EXPECT_EQ((*s)->timestamp_ms(), 500);
  auto latest = t->LatestSnapshot();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->timestamp_ms(), 700);
}

// Delta's time-travel timestamps: mtimes adjusted to be strictly increasing
// (ts[i] = max(mtime[i], ts[i-1] + 1 ms)), then the newest version with ts <= t.
TEST_F(LogTest, TimeTravelAdjustsNonMonotonicMtimes) {
  Commit(0, {CommitInfo(1, "CREATE"), kProtocol, kMeta, Add("a")}, 1000);
  Commit(1, {CommitInfo(2, "WRITE"), Add("b")}, 500);  // clock skew: older than v0
  Commit(2, {CommitInfo(3, "WRITE"), Add("c")}, 900);  // still older than v0
  Commit(3, {CommitInfo(4, "WRITE"), Add("d")}, 3000);
  auto t = Open();
  auto version_at = [&](int64_t ts) -> int64_t {
    auto s = t->SnapshotAtTimestamp(ts);
    return s.ok() ? (*s)->version() : -1;
  };
  EXPECT_EQ(version_at(1000000), 0);      // v0 at 1000000
  EXPECT_EQ(version_at(1000001), 1);      // v1 adjusted to 1000001
  EXPECT_EQ(version_at(1000002), 2);      // v2 adjusted to 1000002
  EXPECT_EQ(version_at(2999999), 2);
  EXPECT_EQ(version_at(3000000), 3);
  EXPECT_EQ(version_at(INT64_MAX), 3);
  // v1's raw mtime (500 s) is <= t, but its adjusted timestamp is not: before the earliest.
  auto before = t->SnapshotAtTimestamp(600000);
  ASSERT_FALSE(before.ok());
  EXPECT_NE(before.status().message().find("before the earliest"), std::string::npos)
      << before.status().ToString();
}

// In-commit timestamps from the enablement version on (binary searched by reading only the
// probed commits), adjusted mtimes before it.
TEST_F(LogTest, TimeTravelInCommitTimestampsFromEnablementVersion) {
  std::string meta = kMeta;
  meta.replace(meta.find("\"configuration\":{}"), 18,
               R"("configuration":{"delta.enableInCommitTimestamps":"true","delta.inCommitTimestampEnablementVersion":"3"})");
  Commit(0, {CommitInfo(1, "CREATE"), kProtocol, kMeta, Add("a")}, 100);
  Commit(1, {CommitInfo(2, "WRITE"), Add("b")}, 50);  // adjusted to 100001
  Commit(2, {CommitInfo(3, "WRITE"), Add("c")}, 200);
  Commit(3, {CommitInfo(4, "SET TBLPROPERTIES", 300000), meta}, 9000);
  for (int v = 4; v < 20; ++v) {
    // ICTs 300000 + 1000 * (v - 3); mtimes deliberately unrelated.
    Commit(v, {CommitInfo(v, "WRITE", 300000 + 1000 * (v - 3)), Add("f" + std::to_string(v))},
           1000 - v);
  }
  auto t = Open();
  auto version_at = [&](int64_t ts) -> int64_t {
    auto s = t->SnapshotAtTimestamp(ts);
    return s.ok() ? (*s)->version() : -1;
  };
  EXPECT_EQ(version_at(99999), -1);
  EXPECT_EQ(version_at(100000), 0);
  EXPECT_EQ(version_at(100001), 1);
  EXPECT_EQ(version_at(250000), 2);
  EXPECT_EQ(version_at(299999), 2);
  EXPECT_EQ(version_at(300000), 3);
  for (int v = 4; v < 20; ++v) {
    EXPECT_EQ(version_at(300000 + 1000 * (v - 3)), v) << v;
    EXPECT_EQ(version_at(300000 + 1000 * (v - 3) + 999), v) << v;
  }
  EXPECT_EQ(version_at(INT64_MAX), 19);
}

TEST_F(LogTest, ColumnMappingMode) {
  std::string meta = kMeta;
  meta.replace(meta.find("\"configuration\":{}"), 18,
               R"("configuration":{"delta.columnMapping.mode":"name"})");
  Commit(0, {R"({"protocol":{"minReaderVersion":2,"minWriterVersion":5}})", meta});
  auto s = Latest();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->column_mapping_mode(), "name");
}

}  // namespace
}  // namespace lake
