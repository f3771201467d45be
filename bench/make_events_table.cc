// Generates the synthetic events table used by the benchmarks and the setup demo.
// Usage: make_events_table DIR [ROWS] [FILES] [PARTITIONS]
#include <filesystem>

#include "bench_util.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_events_table DIR [ROWS] [FILES] [PARTITIONS]\n");
    return 2;
  }
  std::string dir = argv[1];
  int64_t rows = argc > 2 ? std::atoll(argv[2]) : 100000;
  int files = argc > 3 ? std::atoi(argv[3]) : 20;
  int parts = argc > 4 ? std::atoi(argv[4]) : 5;
  if (std::filesystem::exists(dir + "/_delta_log")) {
    std::fprintf(stderr, "make_events_table: %s already holds a Delta table\n", dir.c_str());
    return 1;
  }
  std::filesystem::create_directories(dir);
  lake::bench::GenerateEventsTable(dir, rows, files, parts);
  std::printf("wrote %lld rows in ~%d files over %d partitions to %s\n",
              static_cast<long long>(rows), files, parts, dir.c_str());
  return 0;
}
