// Issue 4 benchmark 1: planning a point predicate over a synthetic log of 1,000,000 files in
// 1,000 partitions. Reports files evaluated per second for partition pruning and for stats
// skipping (Scan::Plan, i.e. what `lake explain` / `lake scan` run), plus the snapshot load.
//
// Usage: planning [FILES] [PARTITIONS]
#include <filesystem>

#include "bench_util.h"
#include "lake/scan.h"
#include "lake/table.h"

using namespace lake;

int main(int argc, char** argv) {
  int64_t files = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  int64_t parts = argc > 2 ? std::atoll(argv[2]) : 1'000;
  std::string dir = (std::filesystem::temp_directory_path() / "lake-plan-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  auto store = NewLocalStore(dir, dir);
  // One commit: protocol, metadata, then one add per file. File i holds ids
  // [i*1000, i*1000+999] and belongs to partition i % parts.
  std::string log;
  log.reserve(static_cast<size_t>(files) * 330);
  log += R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
         "\n";
  log +=
      R"({"metaData":{"id":"bench","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"name\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},{\"name\":\"part\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["part"],"configuration":{},"createdTime":0}})"
      "\n";
  char buf[512];
  for (int64_t i = 0; i < files; ++i) {
    int64_t p = i % parts;
    std::snprintf(
        buf, sizeof buf,
        R"({"add":{"path":"part=p%04lld/f-%08lld.parquet","partitionValues":{"part":"p%04lld"},"size":1048576,"modificationTime":1767225600000,"dataChange":true,"stats":"{\"numRecords\":1000,\"minValues\":{\"id\":%lld,\"name\":\"a%08lld\"},\"maxValues\":{\"id\":%lld,\"name\":\"z%08lld\"},\"nullCount\":{\"id\":0,\"name\":0}}"}})"
        "\n",
        static_cast<long long>(p), static_cast<long long>(i), static_cast<long long>(p),
        static_cast<long long>(i * 1000), static_cast<long long>(i),
        static_cast<long long>(i * 1000 + 999), static_cast<long long>(i));
    log += buf;
  }
  bench::Die(store->PutIfAbsent("_delta_log/00000000000000000000.json", log), "write log");
  std::printf("synthetic log: %lld files, %lld partitions, %.1f MB of JSON\n",
              static_cast<long long>(files), static_cast<long long>(parts), log.size() / 1048576.0);
  std::string().swap(log);

  std::shared_ptr<const Snapshot> snap;
  std::vector<double> load;
  for (int rep = 0; rep < 3; ++rep) {
    load.push_back(bench::Seconds([&] {
      auto t = Table::Open(dir);
      bench::Die(t.status(), "open");
      auto s = (*t)->LatestSnapshot();
      bench::Die(s.status(), "snapshot");
      snap = *s;
    }));
  }
  std::printf("snapshot load: median %.3f s (%.2f M files/s)\n", bench::Median(load),
              files / bench::Median(load) / 1e6);
  struct Case {
    const char* name;
    std::string where;
    int64_t expect_kept;
  };
  int64_t target = files / 2 + 7;
  std::snprintf(buf, sizeof buf, "p%04lld", static_cast<long long>(target % parts));
  std::string target_part = buf;
  std::vector<Case> cases = {
      {"partition point predicate", "part = 'p0042'", files / parts},
      {"data-column point predicate (stats)", "id = " + std::to_string(target * 1000 + 5), 1},
      {"both", "part = '" + target_part + "' AND id = " + std::to_string(target * 1000 + 5), 1},
  };
  for (const auto& c : cases) {
    std::vector<double> t;
    int64_t kept = 0;
    for (int rep = 0; rep < 5; ++rep) {
      t.push_back(bench::Seconds([&] {
        ScanOptions o;
        o.where = c.where;
        auto scan = Scan::Plan(snap, o);
        bench::Die(scan.status(), "plan");
        kept = static_cast<int64_t>(scan->files().size());
      }));
    }
    if (kept != c.expect_kept) {
      std::fprintf(stderr, "MISMATCH %s: kept %lld, expected %lld\n", c.name,
                   static_cast<long long>(kept), static_cast<long long>(c.expect_kept));
      return 1;
    }
    std::printf("%-38s kept %7lld of %lld files, median %.3f s = %.2f M files evaluated/s\n",
                c.name, static_cast<long long>(kept), static_cast<long long>(files),
                bench::Median(t), files / bench::Median(t) / 1e6);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
