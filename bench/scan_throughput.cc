// Benchmark 2 of issue 2: full and selective scans of a generated 10M-row, 100-file,
// partitioned table through lake's scan versus DuckDB read_parquet over the same files.
// Both sides run the same aggregate over the same columns, in the same process; medians of 5.
//
// Usage: scan_throughput [ROWS] [FILES] [PARTITIONS]
#include <filesystem>

#include "bench_util.h"
#include "lake/scan.h"
#include "lake/table.h"

using namespace lake;

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  int files = argc > 2 ? std::atoi(argv[2]) : 100;
  int parts = argc > 3 ? std::atoi(argv[3]) : 10;
  std::string dir = (std::filesystem::temp_directory_path() / "lake-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  double gen = bench::Seconds([&] { bench::GenerateEventsTable(dir, rows, files, parts); });
  auto table = Table::Open(dir);
  bench::Die(table.status(), "open");
  auto snap = (*table)->LatestSnapshot();
  bench::Die(snap.status(), "snapshot");
  std::printf("table: %lld rows, %zu files, %d partitions (generated in %.1f s)\n",
              static_cast<long long>(rows), (*snap)->files().size(), parts, gen);
  auto db = engine::SharedDatabase();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  const std::string agg =
      "SELECT count(*), sum(id), sum(user_id), sum(value), max(event_type), max(country), max(ts)";
  const std::string raw_src =
      "read_parquet(" + engine::QuoteString(dir + "/**/*.parquet") + ", hive_partitioning=true)";
  struct Case {
    const char* name;
    std::string where;
  };
  std::vector<Case> cases = {
      {"full scan", ""},
      {"selective (1 partition, id range)", "country = 'c003' AND id BETWEEN " +
                                                std::to_string(rows / 3) + " AND " +
                                                std::to_string(rows / 3 + rows / 50)},
  };
  for (const auto& c : cases) {
    std::string where = c.where.empty() ? "" : " WHERE " + c.where;
    std::vector<double> lake_t, raw_t;
    std::string lake_sum, raw_sum;
    for (int rep = 0; rep < 5; ++rep) {
      raw_t.push_back(bench::Seconds([&] {
        auto r = (*conn)->Query(agg + " FROM " + raw_src + where);
        bench::Die(r.status(), "raw scan");
        raw_sum = std::to_string(r->GetInt64(0, 0)) + "/" + std::to_string(r->GetDouble(1, 0));
      }));
      lake_t.push_back(bench::Seconds([&] {
        ScanOptions o;
        o.where = c.where;
        auto scan = Scan::Plan(*snap, o);
        bench::Die(scan.status(), "plan");
        auto sql = scan->ToSql(**conn);
        bench::Die(sql.status(), "sql");
        auto r = (*conn)->Query(agg + " FROM (" + *sql + ")");
        bench::Die(r.status(), "lake scan");
        lake_sum = std::to_string(r->GetInt64(0, 0)) + "/" + std::to_string(r->GetDouble(1, 0));
      }));
    }
    if (lake_sum != raw_sum) {
      std::fprintf(stderr, "MISMATCH in %s: lake %s, raw %s\n", c.name, lake_sum.c_str(),
                   raw_sum.c_str());
      return 1;
    }
    std::printf(
        "%-36s read_parquet median %.3f s   lake median %.3f s   ratio %.3fx (aim <= 1.05x)\n",
        c.name, bench::Median(raw_t), bench::Median(lake_t),
        bench::Median(lake_t) / bench::Median(raw_t));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
