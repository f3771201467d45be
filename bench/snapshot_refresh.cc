// Snapshot load from a large checkpoint, and incremental refresh after one small commit.
//
// Builds a table whose log is one Parquet checkpoint of N live files (default 100,000; adds
// with partition values and JSON stats, written by lake's checkpoint writer), then, median of 5:
//   baseline: DuckDB materializing every row of the checkpoint (SELECT * FROM read_parquet)
//   load:     Table::Open + LatestSnapshot (reads the checkpoint)
//   refresh:  LatestSnapshot on a Table that holds version v, after one commit (1 add,
//             1 remove) lands: SnapshotBuilder::Apply over the held snapshot
//
//   snapshot_refresh [files=100000] [dir=$TMPDIR]
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bench_util.h"
#include "engine/duckdb_engine.h"
#include "lake/table.h"
#include "log/checkpoint_writer.h"
#include "log/log_segment.h"

using namespace lake;

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
  std::string base = argc > 2 ? argv[2] : std::filesystem::temp_directory_path().string();
  std::string dir = base + "/lake-bench-refresh-" + std::to_string(getpid());
  std::filesystem::create_directories(dir + "/_delta_log");
  {
    std::ofstream out(dir + "/_delta_log/" + log::PadVersion(0) + ".json");
    out << R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
        << "\n"
        << R"({"metaData":{"id":"bench","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],"configuration":{},"createdTime":1}})"
        << "\n";
    for (int64_t i = 0; i < n; ++i) {
      out << R"({"add":{"path":"p=)" << i % 100 << "/part-" << i
          << R"(.parquet","partitionValues":{"p":")" << i % 100 << R"("},"size":)" << 1000 + i
          << R"(,"modificationTime":1700000000000,"dataChange":true,"stats":"{\"numRecords\":10,\"minValues\":{\"id\":)"
          << i * 10 << R"(},\"maxValues\":{\"id\":)" << i * 10 + 9
          << R"(},\"nullCount\":{\"id\":0}}"}})"
          << "\n";
    }
  }
  {
    auto t = Table::Open(dir);
    bench::Die(t.status(), "open");
    auto s = (*t)->LatestSnapshot();
    bench::Die(s.status(), "snapshot");
    bench::Die(WriteCheckpoint(**s).status(), "checkpoint");
  }
  std::filesystem::remove(dir + "/_delta_log/" + log::PadVersion(0) + ".json");
  std::string ckpt = dir + "/_delta_log/" + log::PadVersion(0) + ".checkpoint.parquet";

  auto db = engine::SharedDatabase();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  std::vector<double> baseline, load, refresh;
  for (int rep = 0; rep < 5; ++rep) {
    baseline.push_back(bench::Seconds([&] {
      auto r = (*conn)->Query("SELECT * FROM read_parquet(" + engine::QuoteString(ckpt) + ")");
      bench::Die(r.status(), "read_parquet");
    }));
  }
  std::shared_ptr<Table> held;
  for (int rep = 0; rep < 5; ++rep) {
    load.push_back(bench::Seconds([&] {
      auto t = Table::Open(dir);
      bench::Die(t.status(), "open");
      bench::Die((*t)->LatestSnapshot().status(), "snapshot");
      held = *t;
    }));
  }
  size_t files = 0;
  for (int rep = 0; rep < 5; ++rep) {
    int64_t v = rep + 1;
    std::ofstream(dir + "/_delta_log/" + log::PadVersion(v) + ".json")
        << R"({"add":{"path":"new-)" << v
        << R"(.parquet","partitionValues":{"p":"1"},"size":1,"modificationTime":1,"dataChange":true}})"
        << "\n"
        << R"({"remove":{"path":"p=1/part-)" << 100 * v + 1
        << R"(.parquet","deletionTimestamp":1,"dataChange":true}})"
        << "\n";
    refresh.push_back(bench::Seconds([&] {
      auto s = held->LatestSnapshot();
      bench::Die(s.status(), "refresh");
      files = (*s)->files().size();
    }));
  }
  std::printf("checkpoint of %lld files (%.1f MB); after the refreshes %zu live files\n",
              static_cast<long long>(n), std::filesystem::file_size(ckpt) / 1e6, files);
  double b = bench::Median(baseline), l = bench::Median(load), r = bench::Median(refresh);
  std::printf("baseline read_parquet(checkpoint) SELECT *: median %.1f ms\n", b * 1e3);
  std::printf("lake load (Table::Open + LatestSnapshot):   median %.1f ms   ratio %.2fx\n", l * 1e3,
              l / b);
  std::printf("lake refresh after one commit:              median %.1f ms   (%.1f%% of a load)\n",
              r * 1e3, 100 * r / l);
  std::filesystem::remove_all(dir);
}
