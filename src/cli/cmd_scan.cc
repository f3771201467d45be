// lake scan TABLE [--version N | --timestamp TS] [--columns a,b] [--where EXPR] [--limit N]
//                 [--format table|csv|jsonl|parquet] [--output FILE]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/cli_common.h"
#include "engine/duckdb_engine.h"
#include "engine/print_table.h"
#include "lake/scan.h"
#include "storage/file_cache.h"

namespace lake::cli {
namespace {

struct ScanArgs {
  std::string table;
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
  std::vector<std::string> columns;
  std::string where;
  std::optional<int64_t> limit;
  std::string format = "table";
  std::string output;
  bool stats = false;
};

// --stats: planning and cache counters on stderr (stdout stays the rows).
void PrintStats(const Scan& scan, const cache::CacheStats& before, double fetch_ms) {
  const PruningStats& p = scan.pruning();
  std::fprintf(stderr, "scan: %lld of %lld files (%s of %s) after pruning\n",
               static_cast<long long>(p.files_after_stats), static_cast<long long>(p.files_total),
               FormatBytes(p.bytes_after_stats).c_str(), FormatBytes(p.bytes_total).c_str());
  if (scan.snapshot().store().LocalPath("").ok()) {
    std::fprintf(stderr, "cache: local store, no cache (files read in place)\n");
    return;
  }
  cache::CacheStats s = cache::GetCacheStats();
  uint64_t hits = s.hits - before.hits, misses = s.misses - before.misses;
  uint64_t lookups = hits + misses;
  std::fprintf(stderr,
               "cache: %llu hits, %llu misses (hit rate %.1f%%), %s fetched, %s from cache, "
               "scan prepared (files fetched, DVs loaded) in %.1f ms\n",
               static_cast<unsigned long long>(hits), static_cast<unsigned long long>(misses),
               lookups ? 100.0 * static_cast<double>(hits) / static_cast<double>(lookups) : 100.0,
               FormatBytes(static_cast<int64_t>(s.bytes_fetched - before.bytes_fetched)).c_str(),
               FormatBytes(static_cast<int64_t>(s.bytes_hit - before.bytes_hit)).c_str(), fetch_ms);
}

void RunScan(const ScanArgs& a) {
  static const std::vector<std::string> kFormats = {"table", "csv", "jsonl", "parquet"};
  if (std::find(kFormats.begin(), kFormats.end(), a.format) == kFormats.end()) {
    throw CliError{Status::InvalidArgument("unknown --format '" + a.format +
                                           "' (use table, csv, jsonl or parquet)"),
                   2};
  }
  if (a.format == "parquet" && a.output.empty()) {
    throw CliError{Status::InvalidArgument("--format parquet needs --output FILE"), 2};
  }
  if (a.limit && *a.limit < 0) throw CliError{Status::InvalidArgument("--limit must be >= 0"), 2};
  // Counted from before the snapshot load: commit and checkpoint files go through the cache too.
  cache::CacheStats before = cache::GetCacheStats();
  auto snap = OpenSnapshot(a.table, a.version, a.timestamp);
  ScanOptions opts;
  opts.columns = a.columns;
  opts.where = a.where;
  opts.limit = a.limit;
  Scan scan = OrDie(Scan::Plan(snap, opts));
  auto db = OrDie(engine::SharedDatabase());
  auto conn = OrDie(db->Connect());
  auto t0 = std::chrono::steady_clock::now();
  std::string sql = OrDie(scan.ToSql(*conn));
  double fetch_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (a.stats) PrintStats(scan, before, fetch_ms);

  if (a.format == "table") {
    auto r = OrDie(conn->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + sql + ")"));
    if (a.output.empty()) {
      engine::PrintTable(r, std::cout);
    } else {
      std::ofstream f(a.output);
      engine::PrintTable(r, f);
      if (!f) throw CliError{Status::IOError("cannot write '" + a.output + "'")};
    }
    return;
  }
  std::string target = a.output.empty() ? "/dev/stdout" : a.output;
  std::string options = a.format == "csv"     ? "FORMAT csv, HEADER true"
                        : a.format == "jsonl" ? "FORMAT json"
                                              : "FORMAT parquet, COMPRESSION zstd";
  std::cout.flush();
  OrDie(
      conn->Execute("COPY (" + sql + ") TO " + engine::QuoteString(target) + " (" + options + ")"),
      "cannot write " +
          (a.output.empty() ? std::string("to standard output") : "'" + a.output + "'"));
}

}  // namespace

void RegisterScan(CLI::App& app) {
  auto* cmd = app.add_subcommand("scan", "Read a table's rows (with pruning and data skipping)");
  auto a = std::make_shared<ScanArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI, or a catalog name NS.TABLE")->required();
  auto* v = cmd->add_option("--version", a->version, "Read this version");
  auto* t = cmd->add_option("--timestamp", a->timestamp,
                            "Read the version current at this time ('2026-11-01 10:00')");
  v->excludes(t);
  cmd->add_option("--columns", a->columns, "Columns to return (comma separated)")->delimiter(',');
  cmd->add_option("--where", a->where, "SQL predicate over the table's columns");
  cmd->add_option("--limit", a->limit, "Return at most N rows");
  cmd->add_option("--format", a->format, "table, csv, jsonl or parquet (default table)");
  cmd->add_option("--output", a->output, "Write to FILE instead of standard output");
  cmd->add_flag("--stats", a->stats,
                "Print pruning and cache statistics (hit rate, bytes fetched) on stderr");
  cmd->callback([a] { RunScan(*a); });
}

}  // namespace lake::cli
