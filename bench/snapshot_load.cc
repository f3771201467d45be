// Benchmark 1 of issue 2: snapshot load of the 300k-add-file log versus a bare simdjson parse of
// the same bytes, and the loader's peak RSS against the log's size. One run, medians of 5.
//
// Usage: snapshot_load [CONFORMANCE_DIR]   (default ../shared/conformance)
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "bench_util.h"
#include "lake/table.h"

using namespace lake;

int main(int argc, char** argv) {
  std::string conf = argc > 1 ? argv[1] : "../shared/conformance";
  std::string archive = conf + "/tables/delta-kernel-rs/300k-add-files-100-col-partitioned.tar.zst";
  if (!std::filesystem::exists(archive)) {
    std::fprintf(stderr, "snapshot_load: SKIPPED, %s not found\n", archive.c_str());
    return 0;
  }
  std::string tmp = (std::filesystem::temp_directory_path() / "lake-bench-XXXXXX").string();
  if (!mkdtemp(tmp.data())) return 1;
  std::string cmd = "tar -I zstd -xf '" + archive + "' -C '" + tmp + "'";
  if (std::system(cmd.c_str()) != 0) return 1;
  std::string root;
  for (auto& e : std::filesystem::recursive_directory_iterator(tmp)) {
    if (e.is_directory() && e.path().filename() == "_delta_log") root = e.path().parent_path();
  }
  // The bytes of every commit file, read once (both sides parse from memory).
  auto store = NewLocalStore(root, root);
  auto listing = store->List("_delta_log/");
  bench::Die(listing.status(), "list");
  std::vector<std::string> commits;
  size_t log_bytes = 0;
  for (auto& m : *listing) {
    if (!m.key.ends_with(".json")) continue;
    commits.push_back(*store->Get(m.key));
    log_bytes += commits.back().size();
  }
  // Baseline: a full simdjson DOM parse of every line (what any reader must at least do).
  std::vector<double> base;
  size_t docs = 0;
  for (int rep = 0; rep < 5; ++rep) {
    docs = 0;
    base.push_back(bench::Seconds([&] {
      simdjson::dom::parser parser;
      for (const auto& c : commits) {
        size_t start = 0;
        while (start < c.size()) {
          size_t end = c.find('\n', start);
          if (end == std::string::npos) end = c.size();
          if (end > start) {
            simdjson::dom::element el;
            if (parser.parse(c.data() + start, end - start).get(el) == simdjson::SUCCESS) ++docs;
          }
          start = end + 1;
        }
      }
    }));
  }
  std::vector<double> load;
  size_t files = 0;
  for (int rep = 0; rep < 5; ++rep) {
    load.push_back(bench::Seconds([&] {
      auto t = Table::Open(root);
      bench::Die(t.status(), "open");
      auto s = (*t)->LatestSnapshot();
      bench::Die(s.status(), "snapshot");
      files = (*s)->files().size();
    }));
  }
  // Peak RSS of a process that only loads the snapshot, over its RSS before loading.
  int pfd[2];
  if (pipe(pfd) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<std::string>().swap(commits);
    long before = bench::MaxRssKb();
    auto t = Table::Open(root);
    auto s = (*t)->LatestSnapshot();
    long after = bench::MaxRssKb();
    long vals[2] = {before, after};
    (void)!write(pfd[1], vals, sizeof vals);
    _exit(s.ok() ? 0 : 1);
  }
  long vals[2] = {0, 0};
  (void)!read(pfd[0], vals, sizeof vals);
  waitpid(pid, nullptr, 0);
  double mb = 1024.0 * 1024.0;
  std::printf("log: %zu commit files, %.1f MB, %zu JSON lines; snapshot: %zu live files\n",
              commits.size(), log_bytes / mb, docs, files);
  std::printf("bare simdjson DOM parse: median %.3f s\n", bench::Median(base));
  std::printf("lake snapshot load:      median %.3f s   ratio %.2fx (aim <= 2x)\n",
              bench::Median(load), bench::Median(load) / bench::Median(base));
  std::printf(
      "peak RSS growth while loading: %.1f MB = %.2fx the log size (aim <= 2x); "
      "process peak %.1f MB\n",
      (vals[1] - vals[0]) / 1024.0, (vals[1] - vals[0]) * 1024.0 / log_bytes, vals[1] / 1024.0);
  std::filesystem::remove_all(tmp);
  return 0;
}
