#include "cli/cli_common.h"

#include <cstdio>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

#include "engine/duckdb_engine.h"

namespace lake::cli {

Result<int64_t> ParseUserTimestamp(const std::string& text) {
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && text.size() > 8) return static_cast<int64_t>(std::stoll(text));
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  auto r = conn->Query("SELECT epoch_ms(CAST(" + engine::QuoteString(text) + " AS TIMESTAMPTZ))");
  if (!r.ok() || r->row_count() != 1 || r->IsNull(0, 0)) {
    return Status::InvalidArgument("cannot parse timestamp '" + text +
                                   "' (use e.g. '2026-11-01 10:00:00' or epoch milliseconds)");
  }
  return r->GetInt64(0, 0);
}

std::string& CatalogUri() {
  static std::string uri;
  return uri;
}

std::unique_ptr<Catalog> OpenCatalog() { return OrDie(Catalog::Open(CatalogUri()), "catalog"); }

namespace {
// Catalog names this run resolved (see RefreshCatalogSummaries).
std::vector<std::string>& ResolvedNames() {
  static std::vector<std::string> names;
  return names;
}
// Tables this run addressed by path or URI: a catalog entry at the same location is refreshed
// too, so that a commit made by path does not leave the cached summary stale until a sync.
std::vector<std::string>& ResolvedLocations() {
  static std::vector<std::string> locations;
  return locations;
}

// The form in which locations are compared: absolute, normalised local paths (file:// and
// trailing slashes dropped); URIs as given, without a trailing slash.
std::string ComparableLocation(std::string loc) {
  if (loc.rfind("file://", 0) == 0) loc = loc.substr(7);
  while (loc.size() > 1 && loc.back() == '/') loc.pop_back();
  if (loc.find("://") != std::string::npos) return loc;
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(loc, ec), ec);
  return ec ? loc : p.string();
}
}  // namespace

void RefreshCatalogSummaries() {
  if (ResolvedNames().empty() && ResolvedLocations().empty()) return;
  std::vector<std::string> names = std::move(ResolvedNames());
  std::vector<std::string> locations = std::move(ResolvedLocations());
  ResolvedNames().clear();
  ResolvedLocations().clear();
  auto cat = Catalog::OpenExisting(CatalogUri());
  if (!cat.ok()) return;  // no catalog: nothing cached to refresh
  if (!locations.empty()) {
    auto tables = (*cat)->ListTables("");
    if (tables.ok()) {
      for (const auto& loc : locations) {
        std::string want = ComparableLocation(loc);
        for (const auto& t : *tables) {
          if (ComparableLocation(t.location) == want) names.push_back(t.name.ToString());
        }
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& name : names) {
    auto r = (*cat)->Refresh(name);
    if (!r.ok()) {
      std::fprintf(stderr, "lake: warning: catalog summary of %s not refreshed: %s\n", name.c_str(),
                   r.status().message().c_str());
    }
  }
}

std::string ResolveTable(const std::string& table) {
  std::error_code ec;
  if (table.find("://") != std::string::npos || std::filesystem::exists(table, ec)) {
    ResolvedLocations().push_back(table);
    return table;
  }
  if (!ParseTableName(table).ok()) return table;
  auto cat = Catalog::OpenExisting(CatalogUri());
  if (!cat.ok()) {
    if (cat.status().IsNotFound()) return table;  // no catalog yet: a path that does not exist
    throw CliError{cat.status().WithContext("catalog")};
  }
  auto loc = (*cat)->ResolveLocation(table);
  if (loc.ok()) {
    ResolvedNames().push_back(table);
    return *loc;
  }
  if (!loc.status().IsNotFound()) throw CliError{loc.status().WithContext("catalog")};
  throw CliError{
      Status::NotFound("'" + table + "' is neither a table path nor a table in the catalog")};
}

std::shared_ptr<const Snapshot> OpenSnapshot(const std::string& table_uri,
                                             std::optional<int64_t> version,
                                             std::optional<std::string> timestamp) {
  if (version && timestamp) {
    throw CliError{Status::InvalidArgument("give --version or --timestamp, not both"), 2};
  }
  auto table = OrDie(Table::Open(ResolveTable(table_uri)));
  if (version) return OrDie(table->SnapshotAtVersion(*version));
  if (timestamp) {
    int64_t ms = OrDie(ParseUserTimestamp(*timestamp));
    return OrDie(table->SnapshotAtTimestamp(ms));
  }
  return OrDie(table->LatestSnapshot());
}

std::string FormatTimestampMs(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%03d UTC", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string FormatBytes(int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string OneLine(const std::string& msg) {
  std::string flat;
  for (char c : msg) {
    if (c == '\n' || c == '\r') {
      if (!flat.empty() && flat.back() != ' ') flat.push_back(' ');
    } else {
      flat.push_back(c);
    }
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return flat;
}

}  // namespace lake::cli
