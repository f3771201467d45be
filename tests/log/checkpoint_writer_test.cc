// Checkpoint writing, _last_checkpoint, version checksums and log cleanup, over tables whose
// commits are written by hand (log-only: no data files are needed for snapshot checks).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/duckdb_engine.h"
#include "lake/table.h"
#include "log/checkpoint_writer.h"
#include "log/log_cleanup.h"
#include "log/log_segment.h"
#include "log/retention.h"
#include "log/version_checksum.h"
#include "test_util.h"

namespace lake {
namespace {

using log::PadVersion;
namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Q(const std::string& s) {  // JSON string literal (test data has no escapes)
  return "\"" + s + "\"";
}

std::string ProtocolLine(bool v2 = false) {
  if (v2) {
    return R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["v2Checkpoint","deletionVectors"],"writerFeatures":["v2Checkpoint","deletionVectors","domainMetadata"]}})";
  }
  return R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors","domainMetadata"]}})";
}

std::string MetaLine(const std::string& config_json = "{}", const std::string& id = "tid") {
  return R"({"metaData":{"id":")" + id +
         R"(","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],"configuration":)" +
         config_json + R"(,"createdTime":1700000000000}})";
}

std::string AddLine(const std::string& path, int64_t records, std::optional<std::string> part,
                    const std::string& extra = "") {
  return R"({"add":{"path":")" + path + R"(","partitionValues":{"p":)" +
         (part ? Q(*part) : "null") + R"(},"size":)" + std::to_string(100 + records) +
         R"(,"modificationTime":1700000000123,"dataChange":true,"stats":"{\"numRecords\":)" +
         std::to_string(records) +
         R"(,\"minValues\":{\"id\":1},\"maxValues\":{\"id\":9},\"nullCount\":{\"id\":0}}")" +
         extra + "}}";
}

std::string DvJson(const std::string& id, int card) {
  return R"({"storageType":"u","pathOrInlineDv":")" + id +
         R"(","offset":1,"sizeInBytes":36,"cardinality":)" + std::to_string(card) + "}";
}

std::string RemoveLine(const std::string& path, int64_t ts, std::optional<std::string> part,
                       const std::string& extra = "") {
  return R"({"remove":{"path":")" + path + R"(","deletionTimestamp":)" + std::to_string(ts) +
         R"(,"dataChange":true,"extendedFileMetadata":true,"partitionValues":{"p":)" +
         (part ? Q(*part) : "null") + R"(},"size":7)" + extra + "}}";
}

std::string TxnLine(const std::string& app, int64_t v, std::optional<int64_t> last = {}) {
  return R"({"txn":{"appId":")" + app + R"(","version":)" + std::to_string(v) +
         (last ? ",\"lastUpdated\":" + std::to_string(*last) : "") + "}}";
}

std::string DomainLine(const std::string& d, const std::string& conf, bool removed) {
  return R"({"domainMetadata":{"domain":")" + d + R"(","configuration":")" + conf +
         R"(","removed":)" + (removed ? "true" : "false") + "}}";
}

std::string CommitInfoLine(int64_t v) {
  return R"({"commitInfo":{"timestamp":)" + std::to_string(1700000000000 + v) +
         R"(,"operation":"WRITE"}})";
}

void SetMtimeMs(const std::string& path, int64_t ms) {
  struct timeval tv[2];
  tv[0].tv_sec = tv[1].tv_sec = ms / 1000;
  tv[0].tv_usec = tv[1].tv_usec = (ms % 1000) * 1000;
  ASSERT_EQ(utimes(path.c_str(), tv), 0) << path;
}

// Everything a snapshot says, in a canonical text form (order-independent collections sorted).
std::string Describe(const Snapshot& s) {
  std::ostringstream o;
  const Protocol& p = s.protocol();
  o << "version " << s.version() << " ts " << s.timestamp_ms() << "\n";
  o << "protocol " << p.min_reader_version << "/" << p.min_writer_version;
  for (auto& f : p.reader_features.value_or(std::vector<std::string>{})) o << " r:" << f;
  for (auto& f : p.writer_features.value_or(std::vector<std::string>{})) o << " w:" << f;
  const Metadata& m = s.metadata();
  o << "\nmetadata " << m.id << " " << m.name.value_or("-") << " " << m.description.value_or("-")
    << " " << m.format.provider << " " << m.schema_string << " " << m.created_time.value_or(-1);
  for (auto& [k, v] : m.format.options) o << " fo:" << k << "=" << v;
  for (auto& c : m.partition_columns) o << " pc:" << c;
  for (auto& [k, v] : m.configuration) o << " " << k << "=" << v;
  o << "\n";
  auto dv = [](const HeapOptional<DeletionVectorDescriptor>& d) {
    if (!d) return std::string("-");
    return d->storage_type + ":" + d->path_or_inline_dv + "@" +
           std::to_string(d->offset.value_or(-1)) + "/" + std::to_string(d->size_in_bytes) + "/" +
           std::to_string(d->cardinality);
  };
  auto pv = [](const PartitionValues& v) {
    std::string out;
    for (auto& [k, x] : v) out += k + "=" + x.value_or("<null>") + ";";
    return out;
  };
  std::vector<std::string> lines;
  for (const AddFile& f : s.files()) {
    lines.push_back("add " + f.path + " " + pv(f.partition_values) + " " + std::to_string(f.size) +
                    " " + std::to_string(f.modification_time) + " " +
                    std::to_string(f.data_change) + " " + f.stats + " " + f.tags() + " " +
                    dv(f.deletion_vector) + " " + std::to_string(f.base_row_id.value_or(-1)) + " " +
                    std::to_string(f.default_row_commit_version().value_or(-1)) + " " +
                    f.clustering_provider());
  }
  for (const RemoveFile& r : s.tombstones()) {
    // Checkpoints keep no stats/tags of tombstones (PROTOCOL.md "Checkpoints").
    lines.push_back("remove " + r.path + " " + std::to_string(r.deletion_timestamp.value_or(-1)) +
                    " " + std::to_string(r.data_change) + " " +
                    std::to_string(r.extended_file_metadata) + " " + pv(r.partition_values) + " " +
                    std::to_string(r.size.value_or(-1)) + " " + dv(r.deletion_vector));
  }
  for (auto& [app, t] : s.app_transactions())
    lines.push_back("txn " + app + " " + std::to_string(t.version) + " " +
                    std::to_string(t.last_updated.value_or(-1)));
  for (auto& [d, dm] : s.domain_metadata())
    lines.push_back("domain " + d + " " + dm.configuration + " " + std::to_string(dm.removed));
  std::sort(lines.begin(), lines.end());
  for (auto& l : lines) o << l << "\n";
  return o.str();
}

// A table written commit by commit into `dir` (and, as the reference, into `plain`: the same
// commits with the same mtimes and never a checkpoint).
class Builder {
 public:
  std::string dir, plain;
  void Commit(int64_t v, const std::vector<std::string>& lines,
              std::optional<int64_t> mtime_ms = {}) {
    std::string data;
    for (auto& l : lines) data += l + "\n";
    if (!mtime_ms) mtime_ms = NowMs();  // both copies get the same version timestamp
    for (const std::string& d : {dir, plain}) {
      if (d.empty()) continue;
      std::string p = d + "/_delta_log/" + PadVersion(v) + ".json";
      testing::WriteFile(p, data);
      SetMtimeMs(p, *mtime_ms);
    }
  }
};

std::shared_ptr<Table> OpenTable(const std::string& dir) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : nullptr;
}

std::string DescribeAt(const std::string& dir, int64_t v) {
  auto t = OpenTable(dir);
  if (!t) return "<no table>";
  auto s = t->SnapshotAtVersion(v);
  if (!s.ok()) return "<error: " + s.status().ToString() + ">";
  return Describe(**s);
}

std::shared_ptr<const Snapshot> SnapAt(const std::string& dir, int64_t v) {
  auto s = OpenTable(dir)->SnapshotAtVersion(v);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : nullptr;
}

// parquet_schema() of a file as "path type converted repetition" rows (root excluded).
// DuckDB annotates INT32/INT64 with INT_32/INT_64 where parquet-mr leaves them plain: the same
// logical type (signed integer of the physical width), so that annotation is normalized away.
std::vector<std::string> SchemaPaths(const std::string& file) {
  auto db = engine::SharedDatabase();
  EXPECT_TRUE(db.ok());
  auto conn = (*db)->Connect();
  auto r = (*conn)->Query(
      "SELECT name, coalesce(type, ''), coalesce(converted_type, ''), "
      "coalesce(repetition_type, ''), coalesce(num_children, 0)::BIGINT FROM parquet_schema(" +
      engine::QuoteString(file) + ")");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  std::vector<std::pair<std::string, int64_t>> stack;  // (path, children left)
  for (size_t i = 0; i < r->row_count(); ++i) {
    std::string name(r->GetString(0, i)), type(r->GetString(1, i)), conv(r->GetString(2, i)),
        rep(r->GetString(3, i));
    int64_t children = r->GetInt64(4, i);
    if (i == 0) {  // root: spark_schema / duckdb_schema
      stack.emplace_back("", children);
      continue;
    }
    while (!stack.empty() && stack.back().second == 0) stack.pop_back();
    std::string path = stack.back().first.empty() ? name : stack.back().first + "." + name;
    --stack.back().second;
    if ((type == "INT32" && conv == "INT_32") || (type == "INT64" && conv == "INT_64")) conv = "";
    out.push_back(path + " " + type + " " + conv + " " + rep);
    if (children > 0) stack.emplace_back(path, children);
  }
  return out;
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    b_.dir = dir_.path();
    b_.plain = plain_.path();
  }
  testing::TempDir dir_, plain_;
  Builder b_;
};

// A 25-commit history touching every action kind the checkpoint carries.
void Write25(Builder& b, int64_t now) {
  b.Commit(0, {CommitInfoLine(0), ProtocolLine(), MetaLine(R"({"delta.checkpointInterval":"100"})"),
               AddLine("p=a/f0.parquet", 10, "a"), AddLine("f-null.parquet", 3, std::nullopt)});
  for (int v = 1; v < 25; ++v) {
    std::vector<std::string> lines{CommitInfoLine(v)};
    std::string part = v % 2 ? "a" : "b";
    lines.push_back(AddLine("p=" + part + "/f" + std::to_string(v) + ".parquet", v, part,
                            v % 5 == 0
                                ? R"(,"tags":{"INSERTION_TIME":"123","k":"v"},"baseRowId":)" +
                                      std::to_string(v * 100) + R"(,"defaultRowCommitVersion":)" +
                                      std::to_string(v)
                                : ""));
    if (v % 3 == 0) {  // remove an earlier file (recent deletion: the tombstone is kept)
      std::string old = v - 2 == 0 ? "a" : ((v - 2) % 2 ? "a" : "b");
      lines.push_back(
          RemoveLine("p=" + old + "/f" + std::to_string(v - 2) + ".parquet", now - 1000, old));
    }
    if (v == 7) {  // a DV on f1
      lines.push_back(RemoveLine("p=a/f1.parquet", now - 500, "a"));
      lines.push_back(
          AddLine("p=a/f1.parquet", 1, "a", ",\"deletionVector\":" + DvJson("dv-one", 1)));
    }
    if (v == 4 || v == 18) lines.push_back(TxnLine("app-1", v, now));
    if (v == 9) lines.push_back(TxnLine("app-2", 3));
    if (v == 6) lines.push_back(DomainLine("d1", "{\\\"x\\\":1}", false));
    if (v == 8) lines.push_back(DomainLine("d2", "c2", false));
    if (v == 15) lines.push_back(DomainLine("d2", "", true));
    if (v == 12)
      lines.push_back(MetaLine(R"({"delta.checkpointInterval":"100","delta.appendOnly":"false"})"));
    b.Commit(v, lines);
  }
}

TEST_F(CheckpointTest, ReconstructsIdenticallyWithAndWithoutCheckpoint) {
  int64_t now = NowMs();
  Write25(b_, now);
  auto s20 = SnapAt(dir_.path(), 20);
  ASSERT_TRUE(s20);
  auto info = WriteCheckpoint(*s20);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->version, 20);
  EXPECT_EQ(info->num_add_files, static_cast<int64_t>(s20->files().size()));
  EXPECT_EQ(info->num_tombstones, static_cast<int64_t>(s20->tombstones().size()));
  EXPECT_EQ(info->num_txns, 2);
  EXPECT_EQ(info->num_domains, 1);
  EXPECT_EQ(info->num_actions,
            2 + info->num_add_files + info->num_tombstones + info->num_txns + info->num_domains);
  EXPECT_GT(info->num_tombstones, 0);
  ASSERT_TRUE(fs::exists(dir_.path() + "/_delta_log/" + PadVersion(20) + ".checkpoint.parquet"));
  EXPECT_EQ(info->size_in_bytes,
            static_cast<int64_t>(fs::file_size(dir_.path() + "/_delta_log/" + PadVersion(20) +
                                               ".checkpoint.parquet")));

  // _last_checkpoint names it, with a valid checksum.
  std::ifstream in(dir_.path() + "/_delta_log/_last_checkpoint");
  std::string last((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(last.find("\"version\":20"), std::string::npos) << last;
  EXPECT_NE(last.find("\"size\":" + std::to_string(info->num_actions)), std::string::npos) << last;
  EXPECT_NE(last.find("\"numOfAddFiles\":" + std::to_string(info->num_add_files)),
            std::string::npos);
  EXPECT_NE(last.find("\"sizeInBytes\":" + std::to_string(info->size_in_bytes)), std::string::npos);
  auto table = OpenTable(dir_.path());
  EXPECT_EQ(log::ReadLastCheckpointHint(*table->store()), 20);
  auto sum = JsonChecksum(last);
  ASSERT_TRUE(sum.ok());
  EXPECT_NE(last.find("\"checksum\":\"" + *sum + "\""), std::string::npos) << last;

  // The reader now starts from the checkpoint; every version from 20 on is the same.
  auto seg = log::BuildLogSegment(*table->store(), std::nullopt);
  ASSERT_TRUE(seg.ok());
  ASSERT_TRUE(seg->checkpoint.has_value());
  EXPECT_EQ(seg->checkpoint->version, 20);
  EXPECT_EQ(seg->commits.size(), 4u);
  for (int v = 0; v < 25; ++v) {
    std::string want = DescribeAt(plain_.path(), v);
    ASSERT_EQ(want.find("<error"), std::string::npos) << want;
    EXPECT_EQ(DescribeAt(dir_.path(), v), want) << "version " << v;
  }
  // Without commits 0..19 the table still opens at 20..24, and not before.
  for (int v = 0; v < 20; ++v) fs::remove(dir_.path() + "/_delta_log/" + PadVersion(v) + ".json");
  for (int v = 20; v < 25; ++v)
    EXPECT_EQ(DescribeAt(dir_.path(), v), DescribeAt(plain_.path(), v)) << "version " << v;
  auto latest = OpenTable(dir_.path())->LatestSnapshot();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ((*latest)->version(), 24);
  EXPECT_EQ((*latest)->TotalRecords(),
            (*OpenTable(plain_.path())->LatestSnapshot())->TotalRecords());
  auto v19 = OpenTable(dir_.path())->SnapshotAtVersion(19);
  EXPECT_FALSE(v19.ok());
  EXPECT_TRUE(v19.status().IsNotFound()) << v19.status().ToString();
  // The checkpoint alone is also enough (commit 20 deleted too).
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(20) + ".json");
  std::string a = DescribeAt(dir_.path(), 24), want = DescribeAt(plain_.path(), 24);
  EXPECT_EQ(a, want);
}

TEST_F(CheckpointTest, EveryFieldSurvivesALargeCheckpoint) {
  // More actions than one DuckDB chunk holds (2,048), with every optional field both set and
  // absent, so that values land in several chunks and nested lists grow within each.
  int64_t now = NowMs();
  b_.Commit(
      0,
      {CommitInfoLine(0), ProtocolLine(),
       R"({"metaData":{"id":"tid","name":"events","description":"all the events","format":{"provider":"parquet","options":{"o1":"v1"}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],"configuration":{"delta.checkpointInterval":"100000"},"createdTime":1700000000000}})"});
  std::vector<std::string> lines{CommitInfoLine(1)};
  for (int i = 0; i < 5000; ++i) {
    std::string extra;
    if (i % 4 == 1) extra += R"(,"tags":{"INSERTION_TIME":")" + std::to_string(i) + R"(","k":"v"})";
    if (i % 6 == 2) extra += ",\"deletionVector\":" + DvJson("dv" + std::to_string(i), i % 9 + 1);
    if (i % 10 == 3)
      extra +=
          R"(,"deletionVector":{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{S","sizeInBytes":40,"cardinality":2})";
    if (i % 5 == 4)
      extra += R"(,"baseRowId":)" + std::to_string(i * 1000) + R"(,"defaultRowCommitVersion":1)";
    if (i % 7 == 5) extra += R"(,"clusteringProvider":"liquid")";
    std::optional<std::string> part;
    if (i % 11) part = "v" + std::to_string(i % 13);
    std::string line = AddLine("p=x/f" + std::to_string(i) + ".parquet", i, part, extra);
    if (i % 8 == 7) {  // no stats
      size_t at = line.find(R"(,"stats":)");
      size_t end = line.find(R"(}}")", at);
      ASSERT_NE(end, std::string::npos);
      line = line.substr(0, at) + line.substr(end + 3);
    }
    lines.push_back(line);
  }
  // Tombstones with and without extended file metadata.
  lines.push_back(RemoveLine("p=x/gone1.parquet", now - 1000, std::nullopt));
  lines.push_back(R"({"remove":{"path":"gone2.parquet","deletionTimestamp":)" +
                  std::to_string(now - 2000) + R"(,"dataChange":false}})");
  for (int i = 0; i < 30; ++i)
    lines.push_back(
        TxnLine("app-" + std::to_string(i), i, i % 2 ? std::optional<int64_t>(now) : std::nullopt));
  lines.push_back(DomainLine("d1", "{\\\"x\\\":1}", false));
  b_.Commit(1, lines);
  auto before = SnapAt(dir_.path(), 1);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->files().size(), 5000u);
  auto info = WriteCheckpoint(*before);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_actions, 2 + 5000 + 2 + 30 + 1);
  std::string want = Describe(*before);
  // Without commit 0 only the checkpoint can give version 1 (commit 1 stays: its timestamp).
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(0) + ".json");
  std::string got = DescribeAt(dir_.path(), 1);
  EXPECT_EQ(got, want);
  if (got != want) {  // the first differing line, for the failure message
    std::istringstream a(got), b(want);
    std::string la, lb;
    while (std::getline(a, la) && std::getline(b, lb))
      if (la != lb) {
        ADD_FAILURE() << "checkpoint: " << la << "\nexpected:   " << lb;
        break;
      }
  }
}

TEST_F(CheckpointTest, WriteStatsAsJsonFalseLeavesTheStatsColumnOut) {
  // PROTOCOL.md "Checkpoints": with delta.checkpoint.writeStatsAsJson=false the add column has
  // no stats field; every other field is still written.
  b_.Commit(0, {CommitInfoLine(0), ProtocolLine(),
                MetaLine(R"({"delta.checkpoint.writeStatsAsJson":"false"})"),
                AddLine("p=a/f0.parquet", 10, "a", R"(,"tags":{"k":"v"},"baseRowId":7)"),
                AddLine("f1.parquet", 3, std::nullopt)});
  auto snap = SnapAt(dir_.path(), 0);
  ASSERT_TRUE(snap);
  auto info = WriteCheckpoint(*snap);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  std::vector<std::string> cols = SchemaPaths(dir_.path() + "/" + info->key);
  auto has = [&](const std::string& prefix) {
    return std::any_of(cols.begin(), cols.end(),
                       [&](const std::string& c) { return c.rfind(prefix, 0) == 0; });
  };
  EXPECT_FALSE(has("add.stats ")) << "stats column written";
  EXPECT_TRUE(has("add.baseRowId ")) << "the fields after stats's slot are missing";
  EXPECT_TRUE(has("add.tags."));
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(0) + ".json");
  auto from_checkpoint = OpenTable(dir_.path())->LatestSnapshot();
  ASSERT_TRUE(from_checkpoint.ok()) << from_checkpoint.status().ToString();
  ASSERT_EQ((*from_checkpoint)->files().size(), 2u);
  for (const AddFile& f : (*from_checkpoint)->files()) {
    EXPECT_TRUE(f.stats.empty()) << f.path << ": " << f.stats;
    if (f.path == "p=a/f0.parquet") {
      EXPECT_EQ(f.base_row_id.value_or(-1), 7);
      EXPECT_NE(f.tags().find("\"k\""), std::string::npos) << f.tags();
    }
  }
}

TEST_F(CheckpointTest, SchemaMatchesSpark) {
  std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "needs ../shared/conformance";
  // Delta 4.0 (parquet-mr 1.15) checkpoint.
  std::string spark = conf +
                      "/tables/delta-rs/spark-shredded-variant-preview-delta/_delta_log/"
                      "00000000000000000002.checkpoint.parquet";
  ASSERT_TRUE(fs::exists(spark));
  int64_t now = NowMs();
  Write25(b_, now);
  auto info = WriteCheckpoint(*SnapAt(dir_.path(), 24));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  std::vector<std::string> ours = SchemaPaths(dir_.path() + "/" + info->key);
  std::vector<std::string> theirs = SchemaPaths(spark);
  ASSERT_GT(theirs.size(), 60u);
  EXPECT_EQ(ours, theirs);
  for (size_t i = 0; i < std::max(ours.size(), theirs.size()); ++i) {
    std::string a = i < ours.size() ? ours[i] : "<none>",
                b = i < theirs.size() ? theirs[i] : "<none>";
    if (a != b) {
      ADD_FAILURE() << "first difference at column " << i << ": ours '" << a << "', Spark '" << b
                    << "'";
      break;
    }
  }
  // Older Spark checkpoints (Delta 2.x/3.x) have a subset of these columns: every one of
  // their column paths exists in ours with the same types.
  for (const char* older :
       {"/tables/delta-golden/checkpoint/_delta_log/00000000000000000010.checkpoint.parquet",
        "/tables/delta-kernel-java/basic-dv-with-checkpoint/_delta_log/"
        "00000000000000000040.checkpoint.parquet"}) {
    for (const std::string& col : SchemaPaths(conf + older)) {
      EXPECT_NE(std::find(ours.begin(), ours.end(), col), ours.end()) << col << " of " << older;
    }
  }
}

TEST_F(CheckpointTest, SparkReadsAsUs_OurReaderReadsSparkStyleValues) {
  // Values written into the Parquet columns are what Spark writes: maps as maps, the DV
  // struct, nulls for absent optional fields.
  int64_t now = NowMs();
  Write25(b_, now);
  auto info = WriteCheckpoint(*SnapAt(dir_.path(), 24));
  ASSERT_TRUE(info.ok());
  auto db = engine::SharedDatabase();
  auto conn = (*db)->Connect();
  std::string f = engine::QuoteString(dir_.path() + "/" + info->key);
  auto r = (*conn)->Query(
      "SELECT \"add\".partitionValues['p'], \"add\".tags['k'], \"add\".deletionVector.cardinality, "
      "\"add\".baseRowId, \"add\".stats FROM read_parquet(" +
      f +
      ") WHERE \"add\".path = 'p=a/f5.parquet' OR \"add\".path = 'p=a/f1.parquet' ORDER BY "
      "\"add\".path");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->row_count(), 2u);
  EXPECT_EQ(r->GetString(0, 0), "a");
  EXPECT_TRUE(r->IsNull(1, 0));
  EXPECT_EQ(r->GetInt64(2, 0), 1);
  EXPECT_EQ(r->GetString(1, 1), "v");
  EXPECT_EQ(r->GetInt64(3, 1), 500);
  EXPECT_TRUE(r->IsNull(2, 1));
  EXPECT_NE(std::string(r->GetString(4, 1)).find("\"numRecords\":5"), std::string::npos);
  auto m = (*conn)->Query(
      "SELECT metaData.partitionColumns[1], metaData.configuration['delta.appendOnly'], "
      "protocol.readerFeatures[1], metaData.format.provider FROM read_parquet(" +
      f + ") WHERE metaData IS NOT NULL OR protocol IS NOT NULL ORDER BY metaData NULLS LAST");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->row_count(), 2u);
  EXPECT_EQ(m->GetString(0, 0), "p");
  EXPECT_EQ(m->GetString(1, 0), "false");
  EXPECT_EQ(m->GetString(3, 0), "parquet");
  EXPECT_EQ(m->GetString(2, 1), "deletionVectors");
  // No partial file or temp file is left in _delta_log.
  for (auto& e : fs::directory_iterator(dir_.path() + "/_delta_log")) {
    std::string n = e.path().filename().string();
    EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
  }
}

TEST_F(CheckpointTest, ExpiresTombstonesAndTransactions) {
  int64_t now = NowMs();
  b_.plain.clear();
  b_.Commit(
      0,
      {ProtocolLine(),
       MetaLine(
           R"({"delta.deletedFileRetentionDuration":"interval 2 days","delta.setTransactionRetentionDuration":"interval 1 days"})"),
       AddLine("a", 1, "x"), AddLine("b", 1, "x"), AddLine("c", 1, "x")});
  b_.Commit(
      1, {RemoveLine("a", now - 3 * log::kMsPerDay, "x"),
          RemoveLine("b", now - log::kMsPerDay, "x"), TxnLine("old", 1, now - 2 * log::kMsPerDay),
          TxnLine("new", 2, now - 1000), TxnLine("undated", 3)});
  auto info = WriteCheckpoint(*SnapAt(dir_.path(), 1), CheckpointOptions{now, true});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_tombstones, 1);
  EXPECT_EQ(info->num_expired_tombstones, 1);
  EXPECT_EQ(info->num_txns, 2);
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(0) + ".json");
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(1) + ".json");
  auto s = SnapAt(dir_.path(), 1);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->tombstones().size(), 1u);
  EXPECT_EQ(s->tombstones()[0].path, "b");
  EXPECT_EQ(s->files().size(), 1u);
  EXPECT_EQ(s->app_transactions().count("old"), 0u);
  EXPECT_EQ(s->app_transactions().count("new"), 1u);
  EXPECT_EQ(s->app_transactions().count("undated"), 1u);
}

TEST_F(CheckpointTest, V2CheckpointTableGetsCheckpointMetadata) {
  b_.plain.clear();
  b_.Commit(0, {ProtocolLine(true), MetaLine(), AddLine("a", 4, "x")});
  auto info = WriteCheckpoint(*SnapAt(dir_.path(), 0));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_actions, 4);
  auto db = engine::SharedDatabase();
  auto conn = (*db)->Connect();
  auto r = (*conn)->Query("SELECT checkpointMetadata.version FROM read_parquet(" +
                          engine::QuoteString(dir_.path() + "/" + info->key) +
                          ") WHERE checkpointMetadata IS NOT NULL");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->row_count(), 1u);
  EXPECT_EQ(r->GetInt64(0, 0), 0);
  fs::remove(dir_.path() + "/_delta_log/" + PadVersion(0) + ".json");
  auto s = SnapAt(dir_.path(), 0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->TotalRecords(), 4);
}

TEST(CheckpointPolicy, ShouldCheckpointAndInterval) {
  EXPECT_FALSE(ShouldCheckpoint(0, 10));
  EXPECT_TRUE(ShouldCheckpoint(10, 10));
  EXPECT_FALSE(ShouldCheckpoint(11, 10));
  EXPECT_TRUE(ShouldCheckpoint(3, 1));
  EXPECT_FALSE(ShouldCheckpoint(3, 0));
  Metadata m;
  EXPECT_EQ(CheckpointInterval(m), 10);
  m.configuration["delta.checkpointInterval"] = "5";
  EXPECT_EQ(CheckpointInterval(m), 5);
  m.configuration["delta.checkpointInterval"] = "x";
  EXPECT_EQ(CheckpointInterval(m), 10);
  m.configuration["delta.checkpointInterval"] = "-3";
  EXPECT_EQ(CheckpointInterval(m), 10);
}

TEST(Retention, ParseIntervalMs) {
  EXPECT_EQ(log::ParseIntervalMs("interval 7 days"), 7 * log::kMsPerDay);
  EXPECT_EQ(log::ParseIntervalMs("interval 1 week"), 7 * log::kMsPerDay);
  EXPECT_EQ(log::ParseIntervalMs("30 days"), 30 * log::kMsPerDay);
  EXPECT_EQ(log::ParseIntervalMs("INTERVAL 2 HOURS 30 minutes"), 150 * 60 * 1000);
  EXPECT_EQ(log::ParseIntervalMs("interval 1000 milliseconds"), 1000);
  EXPECT_FALSE(log::ParseIntervalMs("interval 1 month").has_value());
  EXPECT_FALSE(log::ParseIntervalMs("forever").has_value());
  EXPECT_FALSE(log::ParseIntervalMs("interval").has_value());
  Metadata m;
  EXPECT_EQ(log::LogRetentionMs(m), 30 * log::kMsPerDay);
  EXPECT_EQ(log::DeletedFileRetentionMs(m), 7 * log::kMsPerDay);
  EXPECT_FALSE(log::SetTransactionRetentionMs(m).has_value());
}

TEST_F(CheckpointTest, WriteCheckpointIfDueIsIdempotentAndNeverThrows) {
  b_.plain.clear();
  b_.Commit(
      0, {ProtocolLine(), MetaLine(R"({"delta.checkpointInterval":"5"})"), AddLine("f0", 1, "x")});
  auto table = OpenTable(dir_.path());
  EXPECT_TRUE(WriteCheckpointIfDue(table, 0).ok());
  for (int v = 1; v <= 12; ++v) {
    b_.Commit(v, {AddLine("f" + std::to_string(v), 1, "x")});
    Status st = WriteCheckpointIfDue(table, v);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  std::vector<int64_t> cps;
  for (auto& e : fs::directory_iterator(dir_.path() + "/_delta_log")) {
    log::ParsedLogName p;
    if (log::ParseLogFileName(e.path().filename().string(), &p) &&
        p.type == log::ParsedLogName::Type::kClassicCheckpoint)
      cps.push_back(p.version);
  }
  std::sort(cps.begin(), cps.end());
  EXPECT_EQ(cps, (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(log::ReadLastCheckpointHint(*table->store()), 10);
  // Idempotent: the existing checkpoint is not rewritten.
  std::string key = dir_.path() + "/_delta_log/" + PadVersion(10) + ".checkpoint.parquet";
  SetMtimeMs(key, 1000);
  EXPECT_TRUE(WriteCheckpointIfDue(table, 10).ok());
  struct stat st;
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1);
  // An older checkpoint does not move _last_checkpoint back.
  auto info = WriteCheckpoint(*SnapAt(dir_.path(), 5));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(log::ReadLastCheckpointHint(*table->store()), 10);
  // Failures are reported, not thrown: a version that does not exist, a corrupt commit.
  EXPECT_FALSE(WriteCheckpointIfDue(table, 15).ok());
  b_.Commit(13, {"{not json"});
  b_.Commit(14, {AddLine("f14", 1, "x")});
  b_.Commit(15, {AddLine("f15", 1, "x")});
  Status bad = WriteCheckpointIfDue(table, 15);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("checkpoint not written"), std::string::npos) << bad.ToString();
  EXPECT_FALSE(WriteCheckpointIfDue(nullptr, 15).ok());
}

TEST(LastCheckpoint, ChecksumMatchesSpecAndSpark) {
  // PROTOCOL.md "JSON checksum" example.
  std::string json =
      R"({"k0":"'v 0'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], {"k4": "v4", "k5": ["v5", "v6", "v7"]}]}})";
  auto canon = CanonicalizeJsonForChecksum(json);
  ASSERT_TRUE(canon.ok()) << canon.status().ToString();
  EXPECT_EQ(
      *canon,
      R"("k0"="%27v%200%27","k1"+"k2"=2,"k1"+"k3"+0="v3","k1"+"k3"+1+0=1,"k1"+"k3"+1+1=2,"k1"+"k3"+2+"k4"="v4","k1"+"k3"+2+"k5"+0="v5","k1"+"k3"+2+"k5"+1="v6","k1"+"k3"+2+"k5"+2="v7")");
  auto sum = JsonChecksum(json);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, "6a92d155a59bf2eecbd4b4ec7fd1f875");
  EXPECT_FALSE(CanonicalizeJsonForChecksum(R"({"a":1,"a":2})").ok());
  // A _last_checkpoint written by Spark (with checkpointSchema) verifies.
  std::string conf = testing::ConformanceDir();
  if (conf.empty()) GTEST_SKIP() << "needs ../shared/conformance";
  std::ifstream in(
      conf + "/tables/delta-kernel-java/basic-dv-with-checkpoint/_delta_log/_last_checkpoint");
  std::string spark((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(spark.empty());
  auto s2 = JsonChecksum(spark);
  ASSERT_TRUE(s2.ok());
  EXPECT_NE(spark.find("\"checksum\":\"" + *s2 + "\""), std::string::npos) << *s2;
}

TEST_F(CheckpointTest, VersionChecksumRoundTripAndValidation) {
  int64_t now = NowMs();
  Write25(b_, now);
  auto s = SnapAt(dir_.path(), 24);
  ASSERT_TRUE(s);
  EXPECT_TRUE(ValidateVersionChecksum(*s).ok());  // none yet
  ASSERT_TRUE(WriteVersionChecksum(*s).ok());
  std::string crc = dir_.path() + "/_delta_log/" + PadVersion(24) + ".crc";
  ASSERT_TRUE(fs::exists(crc));
  auto parsed = ReadVersionChecksum(s->store(), 24);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ((*parsed)->num_files, static_cast<int64_t>(s->files().size()));
  EXPECT_EQ((*parsed)->table_size_bytes, s->TotalBytes());
  EXPECT_EQ((*parsed)->metadata->id, "tid");
  EXPECT_EQ((*parsed)->protocol->min_writer_version, 7);
  EXPECT_EQ((*parsed)->num_set_transactions, 2);
  EXPECT_EQ((*parsed)->num_domains, 1);
  EXPECT_TRUE(ValidateVersionChecksum(*s).ok()) << ValidateVersionChecksum(*s).ToString();
  // Never overwritten.
  ASSERT_TRUE(WriteVersionChecksum(*s, {true}).ok());
  std::ifstream in(crc);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("allFiles"), std::string::npos);
  // A .crc that disagrees is reported on validation; reading the table ignores it.
  std::string other = dir_.path() + "/_delta_log/" + PadVersion(23) + ".crc";
  testing::WriteFile(other, R"({"tableSizeBytes":1,"numFiles":1,"numMetadata":1,"numProtocol":1})");
  auto s23 = SnapAt(dir_.path(), 23);
  ASSERT_TRUE(s23);
  Status st = ValidateVersionChecksum(*s23);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("tableSizeBytes"), std::string::npos) << st.ToString();
  testing::WriteFile(other, "garbage");
  EXPECT_TRUE(SnapAt(dir_.path(), 23) != nullptr);
  EXPECT_FALSE(ValidateVersionChecksum(*s23).ok());
  // allFiles on request.
  std::string with_files = VersionChecksumJson(*s, {true});
  EXPECT_NE(with_files.find("\"allFiles\":[{\"path\""), std::string::npos);
}

// Property: random histories with random checkpoints and commit times; after cleanup, every
// version whose timestamp is within the retention still opens and equals its pre-cleanup
// snapshot (and the checkpoint-free reference).
TEST(LogCleanup, RandomHistoriesKeepEveryRetainedVersion) {
  std::mt19937_64 rng(20261125);
  const int64_t now = NowMs();
  int total_deleted = 0, runs_with_deletions = 0, versions_checked = 0;
  for (int iter = 0; iter < 12; ++iter) {
    testing::TempDir dir, plain;
    Builder b{dir.path(), plain.path()};
    int n = 5 + static_cast<int>(rng() % 26);
    int retention_days = 2 + static_cast<int>(rng() % 10);
    // Commit times: ascending from ~n*1.5 days ago, with occasional equal or out-of-order
    // (clock skew) mtimes.
    std::vector<int64_t> ts(n);
    int64_t t = now - static_cast<int64_t>(n) * 36 * 3600 * 1000;
    for (int v = 0; v < n; ++v) {
      t += static_cast<int64_t>(rng() % (3 * log::kMsPerDay));
      ts[v] = (rng() % 8 == 0 && v > 0) ? ts[v - 1] - static_cast<int64_t>(rng() % 3600000) : t;
      if (ts[v] > now) ts[v] = now;
    }
    std::vector<std::string> live;
    int next_file = 0;
    for (int v = 0; v < n; ++v) {
      std::vector<std::string> lines{CommitInfoLine(v)};
      if (v == 0) {
        lines.push_back(ProtocolLine());
        lines.push_back(MetaLine(R"({"delta.logRetentionDuration":"interval )" +
                                 std::to_string(retention_days) + R"( days"})"));
      }
      int adds = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < adds; ++i) {
        std::string p = "f" + std::to_string(next_file++) + ".parquet";
        lines.push_back(AddLine(p, 1 + static_cast<int64_t>(rng() % 50), "k"));
        live.push_back(p);
      }
      if (live.size() > static_cast<size_t>(adds) + 1 && rng() % 2) {
        size_t i = rng() % (live.size() - adds);
        lines.push_back(RemoveLine(live[i], now, "k"));
        live.erase(live.begin() + static_cast<long>(i));
      }
      if (rng() % 4 == 0) lines.push_back(TxnLine("app" + std::to_string(rng() % 2), v));
      if (rng() % 5 == 0)
        lines.push_back(
            DomainLine("dom" + std::to_string(rng() % 2), "c" + std::to_string(v), rng() % 3 == 0));
      b.Commit(v, lines, ts[v]);
      if (v > 0 && rng() % 4 == 0) {
        auto s = SnapAt(dir.path(), v);
        ASSERT_TRUE(s);
        auto info = WriteCheckpoint(*s);
        ASSERT_TRUE(info.ok()) << info.status().ToString();
        SetMtimeMs(dir.path() + "/" + info->key, ts[v]);
        if (rng() % 2) {
          ASSERT_TRUE(WriteVersionChecksum(*s).ok());
        }
      }
    }
    std::vector<std::string> before(n);
    for (int v = 0; v < n; ++v) before[v] = DescribeAt(dir.path(), v);
    auto table = OpenTable(dir.path());
    auto res = CleanupExpiredLogs(table, now);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    total_deleted += static_cast<int>(res->deleted.size());
    if (!res->deleted.empty()) ++runs_with_deletions;
    const int64_t exact_cutoff = now - retention_days * log::kMsPerDay;
    EXPECT_LE(res->cutoff_ms, exact_cutoff);
    for (const std::string& k : res->deleted) {
      int64_t v = std::stoll(k.substr(log::kLogDir.size(), 20));
      EXPECT_LT(v, res->cutoff_checkpoint_version) << k;
    }
    for (int v = 0; v < n; ++v) {
      if (ts[v] < exact_cutoff) continue;  // expired: may be gone
      ++versions_checked;
      std::string after = DescribeAt(dir.path(), v);
      EXPECT_EQ(after, before[v]) << "iteration " << iter << " version " << v << " cutoff cp "
                                  << res->cutoff_checkpoint_version;
      EXPECT_EQ(after, DescribeAt(plain.path(), v)) << "iteration " << iter << " version " << v;
    }
    auto latest = OpenTable(dir.path())->LatestSnapshot();
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    EXPECT_EQ((*latest)->version(), n - 1);
    // Idempotent.
    auto again = CleanupExpiredLogs(OpenTable(dir.path()), now);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->deleted.empty());
  }
  EXPECT_GT(runs_with_deletions, 2);
  EXPECT_GT(total_deleted, 10);
  EXPECT_GT(versions_checked, 30);
  std::cout << "[cleanup property] deleted " << total_deleted << " files in " << runs_with_deletions
            << " of 12 histories; " << versions_checked << " retained versions verified\n";
}

TEST(LogCleanup, KeepsEverythingWithoutAnOldEnoughCheckpoint) {
  testing::TempDir dir;
  Builder b{dir.path(), ""};
  int64_t now = NowMs();
  int64_t old = now - 100 * log::kMsPerDay;
  b.Commit(0, {ProtocolLine(), MetaLine(), AddLine("a", 1, "x")}, old);
  b.Commit(1, {AddLine("b", 1, "x")}, old + 1000);
  b.Commit(2, {AddLine("c", 1, "x")}, now - 1000);
  // Versions 0 and 1 are expired (cutoffCommit = 1) but the only checkpoint is at 2, newer
  // than the cutoffCommit: nothing may be deleted.
  auto s = SnapAt(dir.path(), 2);
  ASSERT_TRUE(WriteCheckpoint(*s).ok());
  auto res = CleanupExpiredLogs(OpenTable(dir.path()), now);
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->deleted.empty());
  EXPECT_EQ(res->cutoff_checkpoint_version, -1);
  // delta.enableExpiredLogCleanup=false disables cleanup.
  b.Commit(3, {MetaLine(R"({"delta.enableExpiredLogCleanup":"false"})")}, now);
  auto s1 = SnapAt(dir.path(), 1);
  ASSERT_TRUE(WriteCheckpoint(*s1).ok());
  SetMtimeMs(dir.path() + "/_delta_log/" + PadVersion(1) + ".checkpoint.parquet", old + 1000);
  res = CleanupExpiredLogs(OpenTable(dir.path()), now);
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->deleted.empty());
  b.Commit(4, {MetaLine()}, now);
  res = CleanupExpiredLogs(OpenTable(dir.path()), now);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->cutoff_checkpoint_version, 1);
  ASSERT_EQ(res->deleted.size(), 1u);
  EXPECT_EQ(res->deleted[0], "_delta_log/" + PadVersion(0) + ".json");
  EXPECT_TRUE(OpenTable(dir.path())->SnapshotAtVersion(1).ok());
}

}  // namespace
}  // namespace lake
