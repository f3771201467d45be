// Issue 3, write path: the cost of writing one classic checkpoint (WriteCheckpoint: the
// snapshot's actions to Parquet, one atomic Put, _last_checkpoint), the part of a commit that
// every delta.checkpointInterval-th version pays.
//
// A table with `files` live files (one commit of that many adds, each with a partition value
// and a stats string, as lake's own writes produce) and `removes` tombstones; then, median of 7:
//   lake:     WriteCheckpoint(snapshot) of that version
//   baseline: DuckDB rewriting the same checkpoint Parquet from itself
//             (COPY (SELECT * FROM read_parquet(checkpoint)) TO ... (FORMAT parquet)): the
//             cost of encoding those rows as Parquet once they are already columnar.
//
//   checkpoint_write [files=10000] [dir=$TMPDIR]
#include <unistd.h>

#include <filesystem>

#include "bench_util.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "log/checkpoint_writer.h"

using namespace lake;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = argc > 2 ? argv[2] : std::string(tmp ? tmp : "/tmp");
  std::string dir = base + "/lake-checkpoint-write-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);

  // Checkpoints only when asked.
  auto table = bench::CreateLogOnlyTable(dir, {{"delta.checkpointInterval", "1000000"}});
  auto x = Transaction::Start(table);
  bench::Die(x.status(), "start");
  for (int i = 0; i < n; ++i) {
    AddFile a;
    a.path = "p=" + std::to_string(i % 8) + "/part-" + std::to_string(i) + "-c000.zstd.parquet";
    a.partition_values = {{"p", std::to_string(i % 8)}};
    a.size = 4096 + i;
    a.modification_time = 1767225600000 + i;
    a.stats = R"({"numRecords":100,"minValues":{"id":)" + std::to_string(i * 100) +
              R"(},"maxValues":{"id":)" + std::to_string(i * 100 + 99) +
              R"(},"nullCount":{"id":0}})";
    (*x)->AddFile(std::move(a));
  }
  auto r = (*x)->Commit();
  bench::Die(r.status(), "commit");
  std::shared_ptr<const Snapshot> snap = r->snapshot;

  std::vector<double> lake_t, base_t;
  CheckpointInfo info;
  for (int rep = 0; rep < 7; ++rep) {
    lake_t.push_back(bench::Seconds([&] {
      auto w = WriteCheckpoint(*snap);
      bench::Die(w.status(), "checkpoint");
      info = *w;
    }));
  }
  auto db = engine::Database::Open();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  std::string src = dir + "/" + info.key, dst = dir + "/baseline.parquet";
  for (int rep = 0; rep < 7; ++rep) {
    base_t.push_back(bench::Seconds([&] {
      bench::Die((*conn)->Execute("COPY (SELECT * FROM read_parquet(" + engine::QuoteString(src) +
                                  ")) TO " + engine::QuoteString(dst) +
                                  " (FORMAT parquet, COMPRESSION snappy)"),
                 "baseline copy");
    }));
  }
  double l = bench::Median(lake_t), b = bench::Median(base_t);
  std::printf("checkpoint of %lld actions (%lld adds), %lld bytes\n",
              static_cast<long long>(info.num_actions), static_cast<long long>(info.num_add_files),
              static_cast<long long>(info.size_in_bytes));
  std::printf("lake WriteCheckpoint: %.2f ms (median of 7)\n", l * 1e3);
  std::printf("baseline DuckDB parquet->parquet rewrite: %.2f ms (median of 7)\n", b * 1e3);
  std::printf("ratio: %.2fx\n", l / b);
  std::filesystem::remove_all(dir);
  return 0;
}
