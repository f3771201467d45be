// Commit latency under contention: 1, 4 and 16 writer processes (fork) appending small
// commits (one fake add each) to one table on the local store. Each writer reuses the
// snapshot its last commit returned, as a streaming writer would. Prints p50/p95/p99 latency,
// commits/s, retries, the most attempts one commit needed, and failed (starved) commits;
// then, per writer count, the fairness spread: each writer's worst commit (attempts and wait),
// summarized as the min/median/max over the writers of those per-writer maxima.
//
// With "background", checkpoints go to the background writer
// (CommitOptions::checkpoint_in_background; each writer waits for its last one before exiting).
//
//   commit_latency [commits_per_run=400] [dir=$TMPDIR] [inline|background]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "lake/table.h"
#include "lake/transaction.h"

namespace {

using namespace lake;

struct Sample {
  int64_t micros;
  int32_t attempts;
  int32_t ok;
  int32_t writer;
  int32_t pad = 0;
};

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "commit_latency: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

void Writer(const std::string& dir, int id, int commits, int fd, const CommitOptions& options) {
  auto table = Table::Open(dir);
  Check(table.status(), "open");
  auto s = (*table)->LatestSnapshot();
  Check(s.status(), "snapshot");
  std::shared_ptr<const Snapshot> snap = *s;
  for (int n = 0; n < commits; ++n) {
    auto t0 = std::chrono::steady_clock::now();
    auto x = Transaction::Start(*table, snap);
    Check(x.status(), "start");
    AddFile a;
    a.path = "p=" + std::to_string(id % 4) + "/f-" + std::to_string(id) + "-" + std::to_string(n) +
             ".parquet";
    a.partition_values = {{"p", std::to_string(id % 4)}};
    a.size = 1024;
    a.modification_time = 1767225600000;
    a.stats = R"({"numRecords":100})";
    (*x)->AddFile(std::move(a));
    (*x)->SetOperation("WRITE", R"({"mode":"Append"})", R"({"numFiles":1,"numOutputRows":100})");
    auto r = (*x)->Commit(options);
    int64_t us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    Sample smp{us, r.ok() ? r->attempts : -1, r.ok() ? 1 : 0, id};
    if (r.ok()) {
      snap = r->snapshot;
    } else {
      std::fprintf(stderr, "writer %d: %s\n", id, r.status().ToString().c_str());
      auto fresh = (*table)->LatestSnapshot();
      Check(fresh.status(), "reload");
      snap = *fresh;
    }
    if (write(fd, &smp, sizeof smp) != sizeof smp) std::exit(2);
  }
  Check(WaitForBackgroundCheckpoints(), "background checkpoints");
}

double Pct(const std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 400;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = argc > 2 ? argv[2] : std::string(tmp ? tmp : "/tmp");
  CommitOptions options;
  options.checkpoint_in_background = argc > 3 && std::string(argv[3]) == "background";
  std::printf("%-8s %8s %9s %9s %9s %9s %10s %8s %8s %7s\n", "writers", "commits", "p50 ms",
              "p95 ms", "p99 ms", "max ms", "commits/s", "retries", "max att", "failed");
  for (int writers : {1, 4, 16}) {
    std::string dir =
        base + "/lake-commit-bench-" + std::to_string(getpid()) + "-" + std::to_string(writers);
    std::filesystem::remove_all(dir);
    bench::CreateLogOnlyTable(dir);
    int per = std::max(1, total / writers);
    int fds[2];
    if (pipe(fds) != 0) return 1;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<pid_t> pids;
    for (int i = 0; i < writers; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        Writer(dir, i, per, fds[1], options);
        _exit(0);
      }
      pids.push_back(pid);
    }
    close(fds[1]);
    std::vector<int64_t> lat;
    long retries = 0, failed = 0;
    int max_att = 0;
    std::vector<int> w_att(writers, 0);
    std::vector<int64_t> w_wait(writers, 0);
    Sample s;
    while (read(fds[0], &s, sizeof s) == sizeof s) {
      lat.push_back(s.micros);
      w_wait[s.writer] = std::max(w_wait[s.writer], s.micros);
      w_att[s.writer] = std::max(w_att[s.writer], s.attempts);
      if (!s.ok) {
        ++failed;
        continue;
      }
      retries += s.attempts - 1;
      max_att = std::max(max_att, s.attempts);
    }
    close(fds[0]);
    for (pid_t p : pids) waitpid(p, nullptr, 0);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(lat.begin(), lat.end());
    std::printf("%-8d %8zu %9.2f %9.2f %9.2f %9.2f %10.0f %8ld %8d %7ld\n", writers, lat.size(),
                Pct(lat, 0.5), Pct(lat, 0.95), Pct(lat, 0.99),
                lat.empty() ? 0 : lat.back() / 1000.0, (lat.size() - failed) / secs, retries,
                max_att, failed);
    std::sort(w_att.begin(), w_att.end());
    std::sort(w_wait.begin(), w_wait.end());
    std::printf(
        "         per-writer worst commit: attempts min %d / median %d / max %d; "
        "wait min %.1f / median %.1f / max %.1f ms\n",
        w_att.front(), w_att[w_att.size() / 2], w_att.back(), w_wait.front() / 1000.0,
        w_wait[w_wait.size() / 2] / 1000.0, w_wait.back() / 1000.0);
    std::fflush(stdout);
    std::filesystem::remove_all(dir);
  }
  return 0;
}
