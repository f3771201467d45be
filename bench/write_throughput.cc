// Write throughput: `lake write` (lake::WriteBuilder: DESCRIBE, validation when needed, COPY,
// file moves, footer statistics, commit) versus DuckDB's plain COPY ... TO parquet of the same
// rows from the same source, in the same process. Medians of REPS runs, each into a fresh
// directory. Cases: unpartitioned / partitioned, and a table with a NOT NULL column (which
// costs lake a validation pass over the source).
//
// Usage: write_throughput [ROWS] [REPS]
#include <filesystem>

#include "bench_util.h"
#include "lake/write.h"

using namespace lake;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 5'000'000;
  int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string dir = (fs::temp_directory_path() / "lake-wbench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  auto db = engine::SharedDatabase();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  auto& c = **conn;

  // The source: one Parquet file of events (as `lake write --from events.parquet`).
  std::string src = dir + "/source.parquet";
  std::string gen =
      "SELECT i AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i % 31536000) AS ts, "
      "(i * 7919) % 1000000 AS user_id, ['click','view','buy','scroll','share'][1 + i % 5] AS "
      "event_type, (i % 1000) / 10.0 AS value, 'c' || lpad((i % 10)::VARCHAR, 3, '0') AS country "
      "FROM range(" + std::to_string(rows) + ") t(i)";
  double gen_s = bench::Seconds([&] {
    bench::Die(c.Execute("COPY (" + gen + ") TO " + engine::QuoteString(src) +
                         " (FORMAT parquet, COMPRESSION zstd)"),
               "generate source");
  });
  std::printf("source: %lld rows, %.1f MB Parquet (generated in %.1f s); %d runs each, medians\n",
              static_cast<long long>(rows), fs::file_size(src) / 1e6, gen_s, reps);
  std::string read = "SELECT * FROM read_parquet(" + engine::QuoteString(src) + ")";

  struct Case {
    const char* name;
    bool partitioned;
    bool not_null;
  };
  std::vector<Case> cases = {{"unpartitioned", false, false},
                             {"partitioned by country (10)", true, false},
                             {"unpartitioned, id NOT NULL (validation pass)", false, true}};
  std::printf("%-46s %12s %12s %8s\n", "case", "duckdb COPY", "lake write", "ratio");
  int run = 0;
  for (const auto& cs : cases) {
    std::vector<double> duck, lake_s;
    for (int r = 0; r < reps; ++r) {
      std::string out = dir + "/duck" + std::to_string(run);
      duck.push_back(bench::Seconds([&] {
        bench::Die(c.Execute("COPY (" + read + ") TO " + engine::QuoteString(out) +
                             " (FORMAT parquet, COMPRESSION zstd" +
                             (cs.partitioned ? ", PARTITION_BY (country)" : ", FILE_SIZE_BYTES 134217728") +
                             ")"),
                   "duckdb copy");
      }));
      fs::remove_all(out);
      std::string table = dir + "/lake" + std::to_string(run++);
      if (cs.not_null) {
        auto schema = ParseSchemaDDL(
            "id BIGINT NOT NULL, ts TIMESTAMPTZ, user_id BIGINT, event_type VARCHAR, value "
            "DOUBLE, country VARCHAR");
        bench::Die(schema.status(), "schema");
        bench::Die(CreateTable(table, *schema, {}).status(), "create");
      }
      lake_s.push_back(bench::Seconds([&] {
        WriteBuilder b(table);
        b.Source({src, ""}).Mode(WriteMode::kAppend);
        if (cs.partitioned) b.PartitionBy({"country"});
        auto res = b.Execute();
        bench::Die(res.status(), "lake write");
        if (res->rows_written != rows) {
          std::fprintf(stderr, "lake wrote %lld rows\n", static_cast<long long>(res->rows_written));
          std::exit(1);
        }
      }));
      fs::remove_all(table);
    }
    double d = bench::Median(duck), l = bench::Median(lake_s);
    std::printf("%-46s %10.3f s %10.3f s %7.2fx\n", cs.name, d, l, d / l);
    std::fflush(stdout);
  }
  std::printf("ratio = DuckDB time / lake time (>= 0.9 is the target; 1.0 = parity)\n");
  fs::remove_all(dir);
  return 0;
}
