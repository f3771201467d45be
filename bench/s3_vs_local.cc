// S3 versus local: commit latency (p50/p95 of single-writer blind appends) and scan throughput
// of a generated events table on S3 with a cold cache, a warm cache, and locally. Runs only
// against an S3 endpoint: LAKE_TEST_S3_ENDPOINT (and LAKE_TEST_S3_ACCESS_KEY / _SECRET_KEY /
// _REGION / _BUCKET), as tests/s3/run_s3_tests.sh exports them; otherwise it says so and exits 0.
//
// Usage: s3_vs_local [ROWS] [FILES] [PARTITIONS] [COMMITS]
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "bench_util.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "storage/file_cache.h"
#include "storage/s3_store.h"

using namespace lake;

namespace {

std::string Env(const char* n) {
  const char* v = std::getenv(n);
  return v ? v : "";
}

double Pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Commit latencies (ms) of `n` blind appends by one writer to a new table at `uri`.
std::vector<double> CommitLatencies(const std::string& uri, int n) {
  auto t = bench::CreateLogOnlyTable(uri, {{"delta.checkpointInterval", "1000000"}});
  auto snap = t->LatestSnapshot();
  bench::Die(snap.status(), "snapshot");
  std::shared_ptr<const Snapshot> s = *snap;
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto x = Transaction::Start(t, s);
    bench::Die(x.status(), "start");
    AddFile a;
    a.path = "p=a/f-" + std::to_string(i) + ".parquet";
    a.partition_values = {{"p", "a"}};
    a.size = 1000;
    a.modification_time = 1767225600000;
    a.data_change = true;
    a.stats = R"({"numRecords":10})";
    (*x)->AddFile(std::move(a));
    Result<CommitResult> r = Status::Internal("not run");
    ms.push_back(1000 * bench::Seconds([&] { r = (*x)->Commit(); }));
    bench::Die(r.status(), "commit");
    s = r->snapshot;
  }
  return ms;
}

// Loading the latest snapshot of `uri` (a table of many small commits, no checkpoint): a fresh
// Table replaying the log, versus a Table that holds the previous version and reads only the
// one new commit. Medians of `reps` (ms).
std::pair<double, double> SnapshotLoads(const std::string& uri, int reps) {
  std::vector<double> full, inc;
  auto writer = Table::Open(uri);
  bench::Die(writer.status(), "open");
  for (int i = 0; i < reps; ++i) {
    std::shared_ptr<Table> reader;
    full.push_back(1000 * bench::Seconds([&] {
                     auto t = Table::Open(uri);
                     bench::Die(t.status(), "open");
                     bench::Die((*t)->LatestSnapshot().status(), "snapshot");
                     reader = *t;
                   }));
    auto tx = Transaction::Start(*writer);
    bench::Die(tx.status(), "start");
    AddFile a;
    a.path = "p=a/s-" + std::to_string(i) + ".parquet";
    a.partition_values = {{"p", "a"}};
    a.size = 1000;
    a.data_change = true;
    (*tx)->AddFile(std::move(a));
    bench::Die((*tx)->Commit().status(), "commit");
    inc.push_back(1000 *
                  bench::Seconds([&] { bench::Die(reader->LatestSnapshot().status(), "update"); }));
  }
  return {bench::Median(full), bench::Median(inc)};
}

struct ScanTiming {
  double seconds;
  double snapshot_s = 0, prepare_s = 0, query_s = 0;  // Table::Open + LatestSnapshot; Plan + ToSql
  cache::CacheStats stats;
};

ScanTiming TimedScan(const std::string& uri, const std::string& where, const std::string& agg) {
  auto db = engine::SharedDatabase();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  cache::CacheStats before = cache::GetCacheStats();
  ScanTiming out{};
  out.seconds = bench::Seconds([&] {
    std::shared_ptr<const Snapshot> snap;
    out.snapshot_s = bench::Seconds([&] {
      auto table = Table::Open(uri);
      bench::Die(table.status(), "open");
      auto s = (*table)->LatestSnapshot();
      bench::Die(s.status(), "snapshot");
      snap = *s;
    });
    std::string sql;
    out.prepare_s = bench::Seconds([&] {
      ScanOptions o;
      o.where = where;
      auto scan = Scan::Plan(snap, o);
      bench::Die(scan.status(), "plan");
      auto q = scan->ToSql(**conn);
      bench::Die(q.status(), "sql");
      sql = *q;
    });
    out.query_s = bench::Seconds([&] {
      auto r = (*conn)->Query(agg + " FROM (" + sql + ")");
      bench::Die(r.status(), "scan");
    });
  });
  cache::CacheStats after = cache::GetCacheStats();
  out.stats.hits = after.hits - before.hits;
  out.stats.misses = after.misses - before.misses;
  out.stats.bytes_fetched = after.bytes_fetched - before.bytes_fetched;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (Env("LAKE_TEST_S3_ENDPOINT").empty()) {
    std::printf(
        "s3_vs_local: LAKE_TEST_S3_ENDPOINT not set (run under tests/s3/run_s3_tests.sh "
        "or scripts/ceph-rgw); nothing measured\n");
    return 0;
  }
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 2'000'000;
  int files = argc > 2 ? std::atoi(argv[2]) : 40;
  int parts = argc > 3 ? std::atoi(argv[3]) : 10;
  int commits = argc > 4 ? std::atoi(argv[4]) : 100;
  setenv("AWS_ENDPOINT_URL", Env("LAKE_TEST_S3_ENDPOINT").c_str(), 1);
  setenv("AWS_ACCESS_KEY_ID", Env("LAKE_TEST_S3_ACCESS_KEY").c_str(), 1);
  setenv("AWS_SECRET_ACCESS_KEY", Env("LAKE_TEST_S3_SECRET_KEY").c_str(), 1);
  if (!Env("LAKE_TEST_S3_REGION").empty())
    setenv("AWS_REGION", Env("LAKE_TEST_S3_REGION").c_str(), 1);
  std::string tmp = (std::filesystem::temp_directory_path() / "lake-s3bench-XXXXXX").string();
  if (!mkdtemp(tmp.data())) return 1;
  std::string cache_dir = tmp + "/home";
  setenv("LAKE_HOME", cache_dir.c_str(), 1);
  std::string bucket =
      Env("LAKE_TEST_S3_BUCKET").empty() ? "lake-bench" : Env("LAKE_TEST_S3_BUCKET");
  std::string base = "s3://" + bucket + "/bench-" + std::to_string(getpid());
  auto cfg = s3::ConfigFromUri(base);
  bench::Die(cfg.status(), "s3 config");
  bench::Die(s3::EnsureBucket(*cfg), "bucket");

  // 1. Commit latency.
  auto local_ms = CommitLatencies(tmp + "/commits", commits);
  auto s3_ms = CommitLatencies(base + "/commits", commits);
  std::printf(
      "commit latency (%d single-writer appends): local p50 %.2f ms p95 %.2f ms | "
      "S3 p50 %.2f ms p95 %.2f ms\n",
      commits, Pct(local_ms, 0.5), Pct(local_ms, 0.95), Pct(s3_ms, 0.5), Pct(s3_ms, 0.95));

  // 1b. Snapshot loads of those tables.
  auto [lf, li] = SnapshotLoads(tmp + "/commits", 5);
  auto [sf, si] = SnapshotLoads(base + "/commits", 5);
  std::printf(
      "latest snapshot of a %d-commit log (no checkpoint): local full %.2f ms, "
      "incremental %.2f ms | S3 full %.2f ms (commits via the cache), incremental "
      "%.2f ms\n",
      commits + 1, lf, li, sf, si);

  // 2. Scans.
  std::string dir = tmp + "/events";
  double gen = bench::Seconds([&] { bench::GenerateEventsTable(dir, rows, files, parts); });
  uint64_t bytes = 0;
  {
    auto src = NewLocalStore(dir, dir);
    auto dst = OpenObjectStore(base + "/events");
    bench::Die(dst.status(), "store");
    auto objs = src->List("");
    bench::Die(objs.status(), "list");
    double up = bench::Seconds([&] {
      for (const auto& o : *objs) {
        auto d = src->Get(o.key);
        bench::Die(d.status(), "get");
        bytes += d->size();
        bench::Die((*dst)->Put(o.key, *d), "put");
      }
    });
    std::printf(
        "table: %lld rows, %d files, %d partitions, %.1f MB (generated in %.1f s, "
        "uploaded in %.1f s)\n",
        static_cast<long long>(rows), files, parts, static_cast<double>(bytes) / 1e6, gen, up);
  }
  const std::string agg =
      "SELECT count(*), sum(id), sum(user_id), sum(value), max(event_type), max(country), max(ts)";
  struct Case {
    const char* name;
    std::string where;
  };
  std::vector<Case> cases = {{"full scan", ""}, {"selective (1 partition)", "country = 'c003'"}};
  for (const auto& c : cases) {
    std::vector<double> local_t, warm_t, cold_t;
    cache::CacheStats cold_stats{};
    ScanTiming last_local{}, last_warm{}, last_cold{};
    for (int rep = 0; rep < 3; ++rep) {
      last_local = TimedScan(dir, c.where, agg);
      local_t.push_back(last_local.seconds);
      std::filesystem::remove_all(cache_dir + "/cache");  // cold: an empty cache
      last_cold = TimedScan(base + "/events", c.where, agg);
      cold_t.push_back(last_cold.seconds);
      cold_stats = last_cold.stats;
      last_warm = TimedScan(base + "/events", c.where, agg);
      warm_t.push_back(last_warm.seconds);
    }
    double l = bench::Median(local_t), w = bench::Median(warm_t), k = bench::Median(cold_t);
    std::printf(
        "%-24s local %.3f s | S3 warm cache %.3f s (%.2fx) | S3 cold cache %.3f s "
        "(%.2fx, %llu files / %.1f MB fetched, %.0f MB/s)\n",
        c.name, l, w, w / l, k, k / l, static_cast<unsigned long long>(cold_stats.misses),
        static_cast<double>(cold_stats.bytes_fetched) / 1e6,
        static_cast<double>(cold_stats.bytes_fetched) / 1e6 / k);
    for (auto [name, t] : {std::pair<const char*, ScanTiming*>{"local", &last_local},
                           {"S3 warm", &last_warm},
                           {"S3 cold", &last_cold}}) {
      std::printf("    %-8s open+snapshot %.1f ms, plan+fetch+sql %.1f ms, query %.1f ms\n", name,
                  1000 * t->snapshot_s, 1000 * t->prepare_s, 1000 * t->query_s);
    }
  }
  std::filesystem::remove_all(tmp);
  return 0;
}
