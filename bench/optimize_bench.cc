// Issue 4 benchmarks 2 and 3: OPTIMIZE.
//  2. Small files: an events table of FILES (default 10,000) small files in 10 partitions; a
//     typical query's time (whole-table aggregate, one-partition aggregate) before and after
//     bin-packing OPTIMIZE.
//  3. Z-order: an events table whose files each span the whole user_id domain; a query on a
//     user_id range and an event_type: fraction of files skipped and time, before and after
//     OPTIMIZE --zorder-by user_id,event_type.
// Medians of 5 query runs (one process run).
//
// Usage: optimize_bench [FILES] [ZROWS]
#include <filesystem>

#include "bench_util.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "ops/optimize.h"

using namespace lake;

namespace {

struct QueryTime {
  double seconds = 0;
  int64_t files_read = 0, files_total = 0;
  int64_t rows = 0;
};

// Median of 5: plan (Scan::Plan over a snapshot loaded once, untimed: the log replay is the
// same work before and after, bar OPTIMIZE's tombstones until the next checkpoint) + scan SQL +
// DuckDB execution, each on a fresh connection.
QueryTime TimeQuery(const std::string& dir, const std::string& where, const std::string& outer,
                    const std::string& suffix = "") {
  auto db = engine::SharedDatabase();
  bench::Die(db.status(), "db");
  auto t = Table::Open(dir);
  bench::Die(t.status(), "open");
  auto snap = (*t)->LatestSnapshot();
  bench::Die(snap.status(), "snapshot");
  QueryTime qt;
  std::vector<double> ts;
  for (int rep = 0; rep < 5; ++rep) {
    auto conn = (*db)->Connect();  // a fresh connection: no temp tables carried over
    bench::Die(conn.status(), "connect");
    ts.push_back(bench::Seconds([&] {
      ScanOptions o;
      o.where = where;
      auto plan = Scan::Plan(*snap, o);
      bench::Die(plan.status(), "plan");
      auto sql = plan->ToSql(**conn);
      bench::Die(sql.status(), "sql");
      auto r = (*conn)->Query(outer + " FROM (" + *sql + ") " + suffix);
      bench::Die(r.status(), "query");
      qt.files_read = static_cast<int64_t>(plan->files().size());
      qt.files_total = plan->pruning().files_total;
      qt.rows = r->row_count();
    }));
  }
  qt.seconds = bench::Median(ts);
  return qt;
}

void Report(const char* name, const QueryTime& b, const QueryTime& a) {
  std::printf("%-44s before %.3f s (%lld/%lld files)  after %.3f s (%lld/%lld files)  = %.1fx\n",
              name, b.seconds, static_cast<long long>(b.files_read),
              static_cast<long long>(b.files_total), a.seconds,
              static_cast<long long>(a.files_read), static_cast<long long>(a.files_total),
              b.seconds / a.seconds);
}

OptimizeResult RunOptimize(const std::string& dir, OptimizeOptions o, double* secs) {
  OptimizeResult res;
  *secs = bench::Seconds([&] {
    auto t = Table::Open(dir);
    bench::Die(t.status(), "open");
    auto r = Optimize(*t, o);
    bench::Die(r.status(), "optimize");
    res = *r;
  });
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  int files = argc > 1 ? std::atoi(argv[1]) : 10'000;
  int64_t zrows = argc > 2 ? std::atoll(argv[2]) : 4'000'000;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  namespace fs = std::filesystem;
  // --- 2. small files -------------------------------------------------------------------------
  {
    std::string dir = (fs::temp_directory_path() / "lake-optsmall-XXXXXX").string();
    if (!mkdtemp(dir.data())) return 1;
    int64_t rows = static_cast<int64_t>(files) * 200;
    double gen = bench::Seconds([&] { bench::GenerateEventsTable(dir, rows, files, 10); });
    std::printf("small files: %lld rows in %d files, 10 partitions (generated in %.1f s)\n",
                static_cast<long long>(rows), files, gen);
    const std::string agg = "SELECT event_type, count(*), sum(value)";
    auto b1 = TimeQuery(dir, "", agg, "GROUP BY 1");
    auto b2 = TimeQuery(dir, "country = 'c003'", agg, "GROUP BY 1");
    auto b3 = TimeQuery(dir, "user_id BETWEEN 1000 AND 1999", "SELECT count(*), max(ts)");
    double secs = 0;
    auto r = RunOptimize(dir, {}, &secs);
    std::printf("OPTIMIZE: %lld files (%.1f MB) -> %lld files (%.1f MB) in %.1f s\n",
                static_cast<long long>(r.files_removed), r.bytes_removed / 1048576.0,
                static_cast<long long>(r.files_added), r.bytes_added / 1048576.0, secs);
    auto a1 = TimeQuery(dir, "", agg, "GROUP BY 1");
    auto a2 = TimeQuery(dir, "country = 'c003'", agg, "GROUP BY 1");
    auto a3 = TimeQuery(dir, "user_id BETWEEN 1000 AND 1999", "SELECT count(*), max(ts)");
    Report("whole-table aggregate GROUP BY event_type", b1, a1);
    Report("one partition (country = 'c003')", b2, a2);
    Report("user_id range, whole table", b3, a3);
    double again = 0;
    auto r2 = RunOptimize(dir, {}, &again);
    std::printf("second OPTIMIZE: version %lld (nothing to do) in %.2f s\n",
                static_cast<long long>(r2.version), again);
    fs::remove_all(dir);
  }
  // --- 3. z-order -----------------------------------------------------------------------------
  {
    std::string dir = (fs::temp_directory_path() / "lake-optz-XXXXXX").string();
    if (!mkdtemp(dir.data())) return 1;
    const int zfiles = 200;
    double gen = bench::Seconds([&] { bench::GenerateEventsTable(dir, zrows, zfiles, 1); });
    int64_t bytes = 0;
    {
      auto t = Table::Open(dir);
      bench::Die(t.status(), "open");
      auto s = (*t)->LatestSnapshot();
      bench::Die(s.status(), "snapshot");
      bytes = (*s)->TotalBytes();
    }
    std::printf("z-order: %lld rows in %d files, 1 partition, %.1f MB (generated in %.1f s)\n",
                static_cast<long long>(zrows), zfiles, bytes / 1048576.0, gen);
    const std::string where = "user_id BETWEEN 250000 AND 269999 AND event_type = 'buy'";
    const std::string q = "SELECT count(*), sum(value), min(ts), max(ts)";
    auto b = TimeQuery(dir, where, q);
    OptimizeOptions o;
    o.zorder_by = {"user_id", "event_type"};
    o.target_size = std::max<int64_t>(1, bytes / 100);
    double secs = 0;
    auto r = RunOptimize(dir, o, &secs);
    std::printf("OPTIMIZE ZORDER BY (user_id, event_type): %lld files -> %lld files in %.1f s\n",
                static_cast<long long>(r.files_removed), static_cast<long long>(r.files_added),
                secs);
    auto a = TimeQuery(dir, where, q);
    Report("user_id range (2%) AND event_type = 'buy'", b, a);
    std::printf("files skipped: before %.1f%%, after %.1f%%\n",
                100.0 * (b.files_total - b.files_read) / b.files_total,
                100.0 * (a.files_total - a.files_read) / a.files_total);
    fs::remove_all(dir);
  }
  return 0;
}
