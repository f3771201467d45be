// Issue 3, write path: snapshot load after 10,000 small append commits made through
// lake::Transaction (one writer, default options: each commit's snapshot feeds the next
// transaction, and Commit writes a checkpoint every delta.checkpointInterval = 10 versions).
//
// Reports the commit phase (commits/s; latency p50/p95/p99, split into commits that wrote a
// checkpoint and those that did not, first and last 1,000 commits) and then, median of 5:
//   lake:     Table::Open + LatestSnapshot (reads _last_checkpoint, the newest checkpoint and
//             the commits after it, replays them)
//   baseline: DuckDB materializing every row of the newest checkpoint Parquet (read_parquet,
//             SELECT *) plus the JSON commits after it (read_text): the bytes any reader must
//             at least read and decode.
//
// With "background", commits hand their checkpoints to the background writer
// (CommitOptions::checkpoint_in_background); the wait for the last one is reported apart.
//
//   snapshot_after_commits [commits=10000] [dir=$TMPDIR] [inline|background]
#include <unistd.h>

#include <filesystem>

#include "bench_util.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "log/log_segment.h"

using namespace lake;

namespace {

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

void PrintLatency(const char* what, const std::vector<double>& ms) {
  std::printf("  %-34s n=%5zu  p50 %6.2f  p95 %6.2f  p99 %6.2f  max %7.2f ms\n", what, ms.size(),
              Pct(ms, 0.5), Pct(ms, 0.95), Pct(ms, 0.99), Pct(ms, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = argc > 2 ? argv[2] : std::string(tmp ? tmp : "/tmp");
  std::string dir = base + "/lake-snapshot-after-commits-" + std::to_string(getpid());
  CommitOptions commit_options;
  commit_options.checkpoint_in_background = argc > 3 && std::string(argv[3]) == "background";
  std::filesystem::remove_all(dir);

  // --- the commits ---------------------------------------------------------------------------
  std::shared_ptr<Table> table = bench::CreateLogOnlyTable(dir);
  auto first = table->LatestSnapshot();
  bench::Die(first.status(), "snapshot");
  std::shared_ptr<const Snapshot> snap = *first;
  std::vector<double> all, with_cp, without_cp, first_k, last_k;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= n; ++i) {
    auto c0 = std::chrono::steady_clock::now();
    auto x = Transaction::Start(table, snap);
    bench::Die(x.status(), "start");
    AddFile a;
    a.path = "p=" + std::to_string(i % 8) + "/part-" + std::to_string(i) + ".parquet";
    a.partition_values = {{"p", std::to_string(i % 8)}};
    a.size = 4096;
    a.modification_time = 1767225600000;
    a.stats = R"({"numRecords":100,"minValues":{"id":)" + std::to_string(i * 100) +
              R"(},"maxValues":{"id":)" + std::to_string(i * 100 + 99) +
              R"(},"nullCount":{"id":0}})";
    (*x)->AddFile(std::move(a));
    (*x)->SetOperation("WRITE", R"({"mode":"Append"})", R"({"numFiles":1,"numOutputRows":100})");
    auto r = (*x)->Commit(commit_options);
    bench::Die(r.status(), "commit");
    if (!r->post_commit_warning.empty())
      std::fprintf(stderr, "warning: %s\n", r->post_commit_warning.c_str());
    snap = r->snapshot;
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count();
    all.push_back(ms);
    (r->version % 10 == 0 ? with_cp : without_cp).push_back(ms);
    if (i <= 1000) first_k.push_back(ms);
    if (i > n - 1000) last_k.push_back(ms);
  }
  double commit_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double drain_secs =
      bench::Seconds([&] { bench::Die(WaitForBackgroundCheckpoints(), "background checkpoints"); });
  if (commit_options.checkpoint_in_background)
    std::printf("checkpoints in the background; waiting for the last took %.1f ms\n",
                drain_secs * 1e3);
  std::printf("%d commits in %.1f s = %.0f commits/s (version %lld, %zu live files)\n", n,
              commit_secs, n / commit_secs, static_cast<long long>(snap->version()),
              snap->files().size());
  PrintLatency("all commits", all);
  PrintLatency("commits at checkpoint versions", with_cp);
  PrintLatency("other commits", without_cp);
  PrintLatency("first 1,000 commits", first_k);
  PrintLatency("last 1,000 commits", last_k);

  // --- the load ------------------------------------------------------------------------------
  auto store = NewLocalStore(dir, dir);
  auto listing = log::ListLog(*store);
  bench::Die(listing.status(), "list");
  int64_t cp_version = -1;
  std::string cp_key;
  for (const auto& c : listing->checkpoints) {
    if (c.version > cp_version) {
      cp_version = c.version;
      cp_key = c.parts.empty() ? "" : c.parts[0].key;
    }
  }
  std::vector<std::string> tail_files;
  for (const auto& c : listing->commits)
    if (c.version > cp_version) tail_files.push_back(dir + "/" + c.key);
  std::printf("newest checkpoint: version %lld (%s), %zu commits after it\n",
              static_cast<long long>(cp_version), cp_key.c_str(), tail_files.size());

  std::vector<double> lake_t, base_t;
  size_t files = 0;
  for (int rep = 0; rep < 5; ++rep) {
    lake_t.push_back(bench::Seconds([&] {
      auto t = Table::Open(dir);
      bench::Die(t.status(), "open");
      auto s = (*t)->LatestSnapshot();
      bench::Die(s.status(), "load");
      files = (*s)->files().size();
    }));
  }
  auto db = engine::Database::Open();
  bench::Die(db.status(), "duckdb");
  auto conn = (*db)->Connect();
  bench::Die(conn.status(), "connect");
  std::string text_list = "[";
  for (size_t i = 0; i < tail_files.size(); ++i)
    text_list += (i ? ", " : "") + engine::QuoteString(tail_files[i]);
  text_list += "]";
  size_t rows = 0;
  for (int rep = 0; rep < 5; ++rep) {
    base_t.push_back(bench::Seconds([&] {
      auto cp = (*conn)->Query("SELECT * FROM read_parquet(" +
                               engine::QuoteString(dir + "/" + cp_key) + ")");
      bench::Die(cp.status(), "read_parquet");
      rows = cp->row_count();
      if (!tail_files.empty()) {
        auto js = (*conn)->Query("SELECT * FROM read_text(" + text_list + ")");
        bench::Die(js.status(), "read_text");
        rows += js->row_count();
      }
    }));
  }
  double l = bench::Median(lake_t), b = bench::Median(base_t);
  std::printf("lake Table::Open + LatestSnapshot: %.2f ms (%zu live files)\n", l * 1e3, files);
  std::printf("baseline read_parquet(checkpoint) + read_text(tail): %.2f ms (%zu rows)\n", b * 1e3,
              rows);
  std::printf("ratio: %.2fx\n", l / b);
  std::filesystem::remove_all(dir);
  return 0;
}
