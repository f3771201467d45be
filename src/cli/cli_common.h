// Shared helpers of the lake CLI commands.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/catalog.h"
#include "lake/status.h"
#include "lake/table.h"

namespace lake::cli {

// Thrown by command bodies: main prints "lake: error: <message>" and exits with `exit_code`.
struct CliError {
  Status status;
  int exit_code = 1;
};

// Returns the value or throws CliError with the status, prefixed by `what` when non-empty.
template <typename T>
T OrDie(Result<T> r, const std::string& what = "") {
  if (!r.ok()) throw CliError{what.empty() ? r.status() : r.status().WithContext(what)};
  return std::move(r).value();
}
inline void OrDie(const Status& st, const std::string& what = "") {
  if (!st.ok()) throw CliError{what.empty() ? st : st.WithContext(what)};
}

// Parses a user timestamp ("2026-11-01 10:00", ISO 8601, a date, or epoch milliseconds) to
// epoch milliseconds (UTC unless the text carries an offset).
Result<int64_t> ParseUserTimestamp(const std::string& text);

// The global --catalog option ("" = $LAKE_CATALOG, else $LAKE_HOME/catalog.db).
std::string& CatalogUri();
// Opens (creating if needed) the catalog, or throws CliError.
std::unique_ptr<Catalog> OpenCatalog();
// A TABLE argument: paths and URIs first; when `table` is not an existing path, has no URI
// scheme and looks like NS.TABLE, the location of that catalog table if the catalog (which is
// never created here) has it. Otherwise `table` unchanged.
std::string ResolveTable(const std::string& table);
// After a command committed: refreshes the cached catalog summary of every table this run
// addressed by catalog name (a failure is a warning; the commit stands).
void RefreshCatalogSummaries();

// Opens TABLE (see ResolveTable) and the snapshot selected by --version / --timestamp (latest
// otherwise).
std::shared_ptr<const Snapshot> OpenSnapshot(const std::string& table_uri,
                                             std::optional<int64_t> version,
                                             std::optional<std::string> timestamp);

// "2026-11-25 12:00:00.123 UTC" for epoch milliseconds.
std::string FormatTimestampMs(int64_t ms);
// "1.5 MB"
std::string FormatBytes(int64_t bytes);
// `msg` on one line: line breaks become single spaces, trailing spaces go (errors are printed
// as one line; engine messages can span several).
std::string OneLine(const std::string& msg);

// `lake describe` on a table path or URI.
void DescribeTable(const std::string& table, std::optional<int64_t> version = std::nullopt,
                   bool json = false);

void RegisterDescribe(CLI::App& app);
void RegisterCatalog(CLI::App& app);
void RegisterHistory(CLI::App& app);
void RegisterFiles(CLI::App& app);
void RegisterScan(CLI::App& app);
void RegisterConformance(CLI::App& app);
void RegisterExplain(CLI::App& app);
void RegisterCheckpoint(CLI::App& app);
void RegisterVacuum(CLI::App& app);
void RegisterStoreCopy(CLI::App& app);
void RegisterCreate(CLI::App& app);
void RegisterWrite(CLI::App& app);
void RegisterSql(CLI::App& app);
void RegisterAlter(CLI::App& app);
void RegisterOptimize(CLI::App& app);

// "k=v" list -> map (CliError on a malformed entry).
std::map<std::string, std::string> ParseProperties(const std::vector<std::string>& kvs);

}  // namespace lake::cli
