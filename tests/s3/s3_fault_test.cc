// Fault injection between S3Store and RGW (tests/s3/fault_proxy.h; run by
// tests/s3/run_s3_tests.sh, skipped without LAKE_TEST_S3_ENDPOINT): dropped connections,
// delays, 500/503/429, and responses cut after the request was applied upstream (the
// ambiguous commit). Whatever happens, the table afterwards has contiguous versions, every
// acknowledged commit exactly once at its version, nothing refused in it, no commit twice (a
// retried PUT must not commit twice), and reads back the rows that were acknowledged.
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/transaction.h"
#include "lake/write.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "s3/fault_proxy.h"
#include "storage/file_cache.h"
#include "storage/s3_store.h"
#include "s3/s3_test_env.h"
#include "test_util.h"
#include "txn/stress_writer.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using testing::FaultProxy;

using testing::GetEnv;
class S3Fault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::S3TestServerConfigured("S3 fault test")) {
      GTEST_SKIP() << "LAKE_TEST_S3_ENDPOINT not set; run tests/s3/run_s3_tests.sh";
    }
    testing::ExportS3TestEnvironment(home_.path());
    setenv("LAKE_S3_MAX_ATTEMPTS", "10", 1);
    bucket_ = testing::S3TestBucket();
    prefix_ = testing::UniqueS3Prefix("fault");
    std::mt19937_64 rng{std::random_device{}()};
    auto c = s3::ConfigFromUri("s3://" + bucket_ + "/" + prefix_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(s3::EnsureBucket(*c).ok());
    FaultProxy::Options o;
    ASSERT_TRUE(testing::SplitHttpEndpoint(GetEnv("LAKE_TEST_S3_ENDPOINT"), &o.upstream_host,
                                           &o.upstream_port))
        << GetEnv("LAKE_TEST_S3_ENDPOINT");
    o.seed = seed_ = rng();
    o.delay_ms = 50;
    proxy_ = std::make_unique<FaultProxy>(o);
    ASSERT_TRUE(proxy_->ok());
    // Everything below goes through the proxy.
    setenv("AWS_ENDPOINT_URL", proxy_->endpoint().c_str(), 1);
  }
  void TearDown() override {
    if (proxy_) {
      auto c = proxy_->counts();
      std::printf("[fault proxy] seed %llu, %llu requests:", static_cast<unsigned long long>(seed_),
                  static_cast<unsigned long long>(proxy_->requests()));
      for (int i = 0; i < FaultProxy::kNumFaults; ++i)
        std::printf(" %s=%llu", FaultProxy::Name(static_cast<FaultProxy::Fault>(i)),
                    static_cast<unsigned long long>(c[i]));
      std::printf("\n");
    }
    proxy_.reset();
    unsetenv("LAKE_S3_MAX_ATTEMPTS");
    setenv("AWS_ENDPOINT_URL", GetEnv("LAKE_TEST_S3_ENDPOINT").c_str(), 1);
  }

  // Random faults: ~18% of requests fail or are delayed in some way.
  std::unique_ptr<FaultProxy> RandomProxy() {
    FaultProxy::Options o;
    testing::SplitHttpEndpoint(GetEnv("LAKE_TEST_S3_ENDPOINT"), &o.upstream_host, &o.upstream_port);
    o.seed = seed_;
    o.delay_ms = 50;
    o.p[FaultProxy::kDrop] = 0.02;
    o.p[FaultProxy::kDelay] = 0.03;
    o.p[FaultProxy::k500] = 0.02;
    o.p[FaultProxy::k503] = 0.02;
    o.p[FaultProxy::k429] = 0.02;
    o.p[FaultProxy::kCutAfter] = 0.05;
    o.p[FaultProxy::kCutMid] = 0.02;
    return std::make_unique<FaultProxy>(o);
  }
  void UseProxy(std::unique_ptr<FaultProxy> p) {
    proxy_ = std::move(p);
    ASSERT_TRUE(proxy_->ok());
    setenv("AWS_ENDPOINT_URL", proxy_->endpoint().c_str(), 1);
  }

  std::string Uri(const std::string& name) const {
    return "s3://" + bucket_ + "/" + prefix_ + "/" + name;
  }

  testing::TempDir home_;
  std::string bucket_, prefix_;
  uint64_t seed_ = 0;
  std::unique_ptr<FaultProxy> proxy_;
};

std::string UserMetadata(const CommitInfo& ci) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view s;
  if (p.parse(ci.json).get(doc) || doc["userMetadata"].get_string().get(s)) return "";
  return std::string(s);
}

// The invariants of a table after concurrent commits: versions 0..N contiguous, commit i (> 0)
// carries a tag in userMetadata, every acknowledged tag exactly once at its version, refused
// tags absent, no tag twice, `maybe` tags (an error whose outcome is unknown) at most once.
void CheckLog(const std::string& uri, const std::map<std::string, int64_t>& acked,
              const std::set<std::string>& refused, const std::set<std::string>& maybe) {
  auto store = OpenObjectStore(uri);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto listing = log::ListLog(**store);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  const auto& commits = listing->commits;
  std::map<std::string, int64_t> in_log;
  for (size_t i = 0; i < commits.size(); ++i) {
    ASSERT_EQ(commits[i].version, static_cast<int64_t>(i)) << "versions not contiguous";
    if (i == 0) continue;
    auto data = (*store)->Get(commits[i].key);
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    auto actions = log::ParseCommitFileToActions(*data, commits[i].key);
    ASSERT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a)) {
        EXPECT_TRUE(in_log.emplace(UserMetadata(*ci), commits[i].version).second)
            << "commit " << UserMetadata(*ci) << " twice (v" << i << ")";
      }
    }
  }
  std::map<std::string, int64_t> acked_in_log;
  for (const auto& [tag, v] : in_log) {
    if (maybe.count(tag)) continue;
    acked_in_log.emplace(tag, v);
  }
  EXPECT_EQ(acked_in_log, acked) << "every acknowledged commit exactly once, at its version";
  for (const auto& tag : refused) EXPECT_EQ(in_log.count(tag), 0u) << tag;
  EXPECT_EQ(commits.size(), in_log.size() + 1);
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), static_cast<int64_t>(commits.size()) - 1);
}

TEST_F(S3Fault, CommitWhoseResponseIsLostAfterItLandedIsAcknowledgedOnce) {
  std::string uri = Uri("ambiguous");
  testing::CreateTestTable(uri, {{"delta.checkpointInterval", "100000"}});
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  std::map<std::string, int64_t> acked;
  for (int v = 1; v <= 3; ++v) {
    char key[64];
    std::snprintf(key, sizeof key, "_delta_log/%020d.json", v);
    // v1: the PUT lands, its response is lost; v2: the same twice; v3: half a response.
    proxy_->ForceNext(v == 3 ? FaultProxy::kCutMid : FaultProxy::kCutAfter, "PUT", key);
    if (v == 2) proxy_->ForceNext(FaultProxy::kCutAfter, "PUT", key);
    auto tx = Transaction::Start(*table);
    ASSERT_TRUE(tx.ok());
    std::string tag = "c" + std::to_string(v);
    (*tx)->AddFile(testing::FakeAdd("f-" + tag + ".parquet", "x", 5));
    (*tx)->SetUserMetadata(tag);
    auto r = (*tx)->Commit();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->version, v);
    EXPECT_EQ(r->attempts, 1) << "the ambiguous PUT is resolved, not lost as a race";
    acked[tag] = v;
  }
  auto c = proxy_->counts();
  EXPECT_EQ(c[FaultProxy::kCutAfter], 3u);
  EXPECT_EQ(c[FaultProxy::kCutMid], 1u);
  CheckLog(uri, acked, {}, {});
}

constexpr int kWriters = 4;
constexpr int kCommitsPerWriter = 10;

// A forked writer: "ack <version> <tag>" / "refused <tag>" / "error <tag> ...".
int Writer(const std::string& uri, int id, const std::string& out_path) {
  std::ofstream out(out_path);
  auto table = Table::Open(uri);
  if (!table.ok()) {
    out << "open " << table.status().ToString() << "\n";
    return 2;
  }
  std::mt19937 rng(5000 + id);
  int acked = 0;
  for (int n = 0; acked < kCommitsPerWriter && n < 6 * kCommitsPerWriter; ++n) {
    auto snap = (*table)->LatestSnapshot();
    if (!snap.ok()) {
      out << "snapshot " << snap.status().ToString() << "\n";
      continue;
    }
    auto tx = Transaction::Start(*table, *snap);
    if (!tx.ok()) return 4;
    Transaction& x = **tx;
    std::string tag = "w" + std::to_string(id) + "-" + std::to_string(n);
    std::string part = "p" + std::to_string(std::uniform_int_distribution<int>(0, 2)(rng));
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
      // A delete of the partition's files: conflicts with concurrent writes to it.
      x.ReadPredicate("p = '" + part + "'");
      for (const AddFile& f : (*snap)->files()) {
        if (f.partition_values[0].second == part) {
          x.ReadFile(f);
          x.RemoveFile(RemoveFor(f, 1767225600000));
        }
      }
    }
    x.AddFile(testing::FakeAdd("f-" + tag + ".parquet", part, 5));
    x.SetUserMetadata(tag);
    auto r = x.Commit();
    if (r.ok()) {
      out << "ack " << r->version << " " << tag << "\n";
      ++acked;
    } else if (r.status().code() == StatusCode::kConflict) {
      out << "refused " << tag << "\n";
    } else {
      out << "error " << tag << " " << r.status().ToString() << "\n";
    }
    out.flush();
  }
  return 0;
}

TEST_F(S3Fault, ForkedWritersThroughRandomFaultsLoseAndDuplicateNothing) {
  std::string uri = Uri("forked");
  testing::CreateTestTable(uri, {{"delta.checkpointInterval", "100000"}});
  UseProxy(RandomProxy());
  testing::TempDir acks;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int i = 0; i < kWriters; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(Writer(uri, i, acks.path() + "/acks-" + std::to_string(i)));
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  testing::WriterLogs told = testing::ReadWriterLogs(acks.path() + "/acks-", kWriters);
  for (const std::string& line : told.error_lines)
    std::printf("[fault] writer error (outcome unknown): %s\n", line.c_str());
  for (const std::string& line : told.other_lines)
    std::printf("[fault] writer: %s\n", line.c_str());
  const std::map<std::string, int64_t>& acked = told.acked;
  const std::set<std::string>& refused = told.refused;
  const std::set<std::string>& maybe = told.errors;
  EXPECT_GE(acked.size(), static_cast<size_t>(kWriters * kCommitsPerWriter) * 9 / 10);
  EXPECT_LE(maybe.size(), 2u) << "retries should absorb nearly all injected faults";
  // Verify without faults.
  proxy_->SetRandom(false);
  CheckLog(uri, acked, refused, maybe);
  std::printf("[fault] %d writers: %zu acknowledged, %zu refused, %zu unknown in %.1f s\n",
              kWriters, acked.size(), refused.size(), maybe.size(), secs);
}

TEST_F(S3Fault, WritesAndScansThroughRandomFaultsReadTheAcknowledgedRows) {
  std::string uri = Uri("rows");
  UseProxy(RandomProxy());
  int64_t expect_rows = 0, expect_sum = 0;
  int64_t version = -1;
  for (int w = 0; w < 6; ++w) {
    int64_t lo = w * 1000, n = 200 + 50 * w;
    WriteBuilder b(uri);
    b.Source({.path = "", .query = "SELECT range AS id, 'k' || (range % 3) AS k FROM range(" +
                                       std::to_string(lo) + ", " + std::to_string(lo + n) + ")"});
    if (w == 0) b.PartitionBy({"k"});
    auto r = b.Execute();
    ASSERT_TRUE(r.ok()) << "write " << w << ": " << r.status().ToString();
    EXPECT_EQ(r->version, version + 1);
    version = r->version;
    expect_rows += n;
    for (int64_t i = lo; i < lo + n; ++i) expect_sum += i;
  }
  // Scan from a cold cache (every data file downloaded through the faults) and a warm one.
  testing::TempDir cold;
  for (int round = 0; round < 2; ++round) {
    if (round == 0) setenv("LAKE_HOME", cold.path().c_str(), 1);
    auto table = Table::Open(uri);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    auto snap = (*table)->LatestSnapshot();
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_EQ((*snap)->version(), version);
    auto scan = Scan::Plan(*snap, ScanOptions{});
    ASSERT_TRUE(scan.ok());
    auto db = engine::SharedDatabase();
    auto conn = (*db)->Connect();
    cache::CacheStats before = cache::GetCacheStats();
    auto sql = scan->ToSql(**conn);
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    cache::CacheStats after = cache::GetCacheStats();
    if (round == 0) {
      EXPECT_EQ(after.misses - before.misses, scan->files().size()) << "cold: all downloaded";
    } else {
      EXPECT_EQ(after.misses - before.misses, 0u) << "the writes filled the cache";
      EXPECT_EQ(after.hits - before.hits, scan->files().size());
    }
    auto res = (*conn)->Query("SELECT count(*)::VARCHAR, sum(id)::VARCHAR FROM (" + *sql + ")");
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    ASSERT_EQ(res->row_count(), 1u);
    EXPECT_EQ(std::string(res->GetString(0, 0)), std::to_string(expect_rows));
    EXPECT_EQ(std::string(res->GetString(1, 0)), std::to_string(expect_sum));
    setenv("LAKE_HOME", home_.path().c_str(), 1);
  }
  proxy_->SetRandom(false);
  auto store = OpenObjectStore(uri);
  ASSERT_TRUE(store.ok());
  auto listing = log::ListLog(**store);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->commits.size(), static_cast<size_t>(version + 1));
  for (size_t i = 0; i < listing->commits.size(); ++i)
    EXPECT_EQ(listing->commits[i].version, static_cast<int64_t>(i));
}

using testing::DataObjectKeys;

TEST_F(S3Fault, FailedUploadDeletesTheUploadedFilesAndCommitsNothing) {
  std::string uri = Uri("failed-upload");
  WriteBuilder create(uri);
  create.Source({.path = "", .query = "SELECT range AS id, 'k' || (range % 3) AS k FROM range(30)"})
      .PartitionBy({"k"});
  auto c = create.Execute();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::set<std::string> before = DataObjectKeys(uri);
  EXPECT_EQ(before.size(), 3u);
  // One of the three uploads of the next write fails for good (one attempt per request).
  setenv("LAKE_S3_MAX_ATTEMPTS", "1", 1);
  proxy_->ForceNext(FaultProxy::k503, "PUT", ".parquet");
  WriteBuilder append(uri);
  append.Source({.path = "", .query = "SELECT range AS id, 'k' || (range % 3) AS k FROM range(30, 60)"});
  auto r = append.Execute();
  setenv("LAKE_S3_MAX_ATTEMPTS", "10", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("uploading data files"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(DataObjectKeys(uri), before) << "the uploaded files are deleted again";
  auto table = Table::Open(uri);
  ASSERT_TRUE(table.ok());
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->version(), 0);
  // And the staging directory is gone.
  std::error_code ec;
  auto it = std::filesystem::directory_iterator(home_.path() + "/tmp", ec);
  EXPECT_TRUE(ec || it == std::filesystem::directory_iterator()) << "staging left behind";
}

// count(*) and sum(id) of the latest version of `uri`.
std::pair<int64_t, int64_t> CountAndSum(const std::string& uri) {
  auto table = Table::Open(uri);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return {-1, -1};
  auto snap = (*table)->LatestSnapshot();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return {-1, -1};
  auto scan = Scan::Plan(*snap, ScanOptions{});
  EXPECT_TRUE(scan.ok());
  auto db = engine::SharedDatabase();
  auto conn = (*db)->Connect();
  auto sql = scan->ToSql(**conn);
  EXPECT_TRUE(sql.ok()) << sql.status().ToString();
  if (!sql.ok()) return {-1, -1};
  auto res =
      (*conn)->Query("SELECT count(*)::BIGINT, coalesce(sum(id), 0)::BIGINT FROM (" + *sql + ")");
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  if (!res.ok()) return {-1, -1};
  return {res->GetInt64(0, 0), res->GetInt64(1, 0)};
}

// The ambiguous commit through the whole write path (WriteBuilder -> Transaction -> S3Store),
// with one attempt per request so that S3Store's own retry cannot hide it: (1) the commit PUT
// lands and its response is lost -> the transaction reads the commit back, finds its bytes and
// reports success; (2) the same, and the read-back fails too -> the outcome is unknown: the
// write fails with an IOError but keeps its data files, and the commit (which did land) reads
// every row.
TEST_F(S3Fault, WriteWhoseCommitResponseIsLostCommitsOnceAndKeepsItsDataFiles) {
  std::string uri = Uri("ambiguous-write");
  auto write = [&](int64_t lo) {
    WriteBuilder b(uri);
    b.Source({.path = "",
              .query = "SELECT range AS id, 'k' || (range % 2) AS k FROM range(" +
                       std::to_string(lo) + ", " + std::to_string(lo + 50) + ")"});
    if (lo == 0) b.PartitionBy({"k"});
    return b.Execute();
  };
  auto c = write(0);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  setenv("LAKE_S3_MAX_ATTEMPTS", "1", 1);

  proxy_->ForceNext(FaultProxy::kCutAfter, "PUT", "_delta_log/00000000000000000001.json");
  auto r1 = write(50);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->version, 1);
  EXPECT_NE(r1->warning.find("read back"), std::string::npos) << r1->warning;

  std::set<std::string> before = DataObjectKeys(uri);
  proxy_->ForceNext(FaultProxy::kCutAfter, "PUT", "_delta_log/00000000000000000002.json");
  proxy_->ForceNext(FaultProxy::k503, "GET", "_delta_log/00000000000000000002.json");
  auto r2 = write(100);
  setenv("LAKE_S3_MAX_ATTEMPTS", "10", 1);
  ASSERT_FALSE(r2.ok()) << "the outcome cannot be known";
  EXPECT_TRUE(CommitOutcomeUnknown(r2.status())) << r2.status().ToString();
  EXPECT_NE(r2.status().message().find("outcome is unknown"), std::string::npos)
      << r2.status().ToString();
  std::set<std::string> after = DataObjectKeys(uri);
  EXPECT_EQ(after.size(), before.size() + 2) << "the data files of the write are kept";

  auto c2 = proxy_->counts();
  EXPECT_EQ(c2[FaultProxy::kCutAfter], 2u);
  EXPECT_EQ(c2[FaultProxy::k503], 1u);
  // Exactly one commit per write, versions 0..2, and every row of the three writes readable.
  auto store = OpenObjectStore(uri);
  ASSERT_TRUE(store.ok());
  auto listing = log::ListLog(**store);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->commits.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(listing->commits[i].version, static_cast<int64_t>(i));
  EXPECT_EQ(CountAndSum(uri), std::make_pair(int64_t{150}, int64_t{149 * 150 / 2}));
}

// PutFile streams a file larger than several parts from disk (5 MiB parts, 2 in flight: the
// memory bound is by construction, see S3Store::MultipartPut) and it round-trips byte-exact,
// also through the cache it fills; a part that fails for good aborts the upload: no object and
// no multipart upload left on the server.
TEST_F(S3Fault, StreamingMultipartUploadRoundTripsAndAbortsOnAFailedPart) {
  setenv("LAKE_S3_PART_SIZE", "5242880", 1);
  struct Unset {
    ~Unset() { unsetenv("LAKE_S3_PART_SIZE"); }
  } unset;
  testing::TempDir dir;
  std::string path = dir.path() + "/big.bin";
  std::string data(17 * (1 << 20) + 4321, '\0');  // 4 parts, the last one short
  std::mt19937_64 rng(11);
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  {
    std::ofstream out(path, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  std::string uri = Uri("multipart");
  auto store = OpenObjectStore(uri);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status st = (*store)->PutFile("big.bin", path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto head = (*store)->Head("big.bin");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, data.size());
  auto got = (*store)->Get("big.bin");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data) << "the uploaded object differs from the file";
  auto cached = (*store)->LocalPathImmutable("big.bin", data.size());
  ASSERT_TRUE(cached.ok());
  {
    std::ifstream in(*cached, std::ios::binary);
    std::string c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(c == data) << "the cache entry differs from the file";
  }

  setenv("LAKE_S3_MAX_ATTEMPTS", "1", 1);
  auto once = OpenObjectStore(uri);
  setenv("LAKE_S3_MAX_ATTEMPTS", "10", 1);
  ASSERT_TRUE(once.ok());
  proxy_->ForceNext(FaultProxy::k503, "PUT", "partNumber=3&");
  st = (*once)->PutFile("failed.bin", path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("uploading part 3"), std::string::npos) << st.ToString();
  EXPECT_TRUE((*store)->Head("failed.bin").status().IsNotFound()) << "no object";
  auto config = s3::ConfigFromUri(uri);
  ASSERT_TRUE(config.ok());
  auto pending = s3::PendingMultipartUploads(*config, "");
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_TRUE(pending->empty()) << "the failed upload was aborted; first left: "
                                << (pending->empty() ? "" : pending->front());
  EXPECT_EQ(proxy_->counts()[FaultProxy::k503], 1u);
}

// Keep-alive: S3Store reuses pooled connections; a server closes idle ones. Both the
// connection that died while idle in the pool and the one the server closes just as the next
// request is sent on it must be retried on a fresh connection without the caller seeing an
// error - here with one attempt per request, so S3Store's own retry loop cannot hide a failure.
TEST_F(S3Fault, PooledConnectionsClosedByTheServerAreRetriedTransparently) {
  FaultProxy::Options o;
  ASSERT_TRUE(
      testing::SplitHttpEndpoint(GetEnv("LAKE_TEST_S3_ENDPOINT"), &o.upstream_host, &o.upstream_port));
  o.keep_alive = true;
  o.idle_close_ms = 300;
  UseProxy(std::make_unique<FaultProxy>(o));
  setenv("LAKE_S3_MAX_ATTEMPTS", "1", 1);
  auto store = OpenObjectStore(Uri("keepalive"));
  setenv("LAKE_S3_MAX_ATTEMPTS", "10", 1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ObjectStore& s = **store;
  ASSERT_TRUE(s.Put("a", "one").ok());
  auto a = s.Get("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, "one");
  EXPECT_GT(proxy_->reused_requests(), 0u) << "connections are reused";

  // Idle in the pool for longer than the server keeps them.
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  EXPECT_GE(proxy_->idle_closes(), 1u);
  EXPECT_TRUE(s.Put("b", "two").ok());
  a = s.Get("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, "one");

  // Closed by the server as the request arrives on the pooled connection (never applied).
  const uint64_t before = proxy_->reused_closes();
  proxy_->CloseNextReused(1);
  Status put = s.Put("c", "three");
  EXPECT_TRUE(put.ok()) << put.ToString();
  proxy_->CloseNextReused(1);
  auto got = s.Get("c");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "three");
  proxy_->CloseNextReused(1);
  Status pia = s.PutIfAbsent("_delta_log/00000000000000000000.json", "{}");
  EXPECT_TRUE(pia.ok()) << pia.ToString();
  proxy_->CloseNextReused(1);
  auto head = s.Head("_delta_log/00000000000000000000.json");
  EXPECT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(proxy_->reused_closes() - before, 4u) << "every forced close happened";
  std::printf("[keep-alive] %llu connections for %llu requests, %llu idle closes\n",
              static_cast<unsigned long long>(proxy_->connections()),
              static_cast<unsigned long long>(proxy_->requests()),
              static_cast<unsigned long long>(proxy_->idle_closes()));
}
}  // namespace
}  // namespace lake
