// lake scan TABLE [--version N | --timestamp TS] [--columns a,b] [--where EXPR] [--limit N]
//                 [--format table|csv|jsonl|parquet] [--output FILE]
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "cli/cli_common.h"
#include "engine/duckdb_engine.h"
#include "lake/scan.h"

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
};

// Prints rows as an aligned text table (all cells rendered by DuckDB as VARCHAR).
void PrintTable(const engine::QueryResult& r, std::ostream& out) {
  size_t nc = r.column_count();
  std::vector<size_t> width(nc);
  auto cell = [&](size_t c, size_t row) -> std::string_view {
    return r.IsNull(c, row) ? std::string_view("NULL") : r.GetString(c, row);
  };
  for (size_t c = 0; c < nc; ++c) {
    width[c] = r.column_name(c).size();
    for (size_t row = 0; row < r.row_count(); ++row)
      width[c] = std::max(width[c], cell(c, row).size());
  }
  auto line = [&] {
    for (size_t c = 0; c < nc; ++c) out << (c ? "-+-" : "") << std::string(width[c], '-');
    out << "\n";
  };
  for (size_t c = 0; c < nc; ++c) {
    out << (c ? " | " : "") << r.column_name(c)
        << std::string(width[c] - r.column_name(c).size(), ' ');
  }
  out << "\n";
  line();
  for (size_t row = 0; row < r.row_count(); ++row) {
    for (size_t c = 0; c < nc; ++c) {
      std::string_view v = cell(c, row);
      out << (c ? " | " : "") << v << std::string(width[c] - v.size(), ' ');
    }
    out << "\n";
  }
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
  auto snap = OpenSnapshot(a.table, a.version, a.timestamp);
  ScanOptions opts;
  opts.columns = a.columns;
  opts.where = a.where;
  opts.limit = a.limit;
  Scan scan = OrDie(Scan::Plan(snap, opts));
  auto db = OrDie(engine::SharedDatabase());
  auto conn = OrDie(db->Connect());
  std::string sql = OrDie(scan.ToSql(*conn));

  if (a.format == "table") {
    auto r = OrDie(conn->Query("SELECT COLUMNS(*)::VARCHAR FROM (" + sql + ")"));
    if (a.output.empty()) {
      PrintTable(r, std::cout);
    } else {
      std::ofstream f(a.output);
      PrintTable(r, f);
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
  cmd->callback([a] { RunScan(*a); });
}

}  // namespace lake::cli
