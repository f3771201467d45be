// lake explain TABLE --where EXPR [--version N] [--json]
//
// Shows what a scan with this predicate would read: files and bytes in the snapshot, after
// partition pruning and after stats skipping, and why files were kept.
#include <chrono>
#include <iostream>

#include "cli/cli_common.h"
#include "lake/predicate.h"
#include "lake/scan.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void Explain(const std::string& table, std::optional<int64_t> version, const std::string& where,
             bool json) {
  auto t0 = std::chrono::steady_clock::now();
  auto snap = OpenSnapshot(table, version, std::nullopt);
  auto t1 = std::chrono::steady_clock::now();
  ScanOptions opts;
  opts.where = where;
  Scan scan = OrDie(Scan::Plan(snap, opts));
  auto t2 = std::chrono::steady_clock::now();
  const PruningStats& ps = scan.pruning();
  int64_t kept_without_stats = 0;
  for (const AddFile* f : scan.files()) {
    if (f->stats.empty()) ++kept_without_stats;
  }
  std::string normalized;
  if (!where.empty()) {
    auto pred = ParsePredicate(where, snap->schema());
    if (pred.ok()) normalized = (*pred)->ToString();
  }
  double load_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  double plan_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("version").Int(snap->version());
    w.Key("predicate").String(where);
    w.Key("normalized_predicate").String(normalized);
    w.Key("files_total").Int(ps.files_total).Key("bytes_total").Int(ps.bytes_total);
    w.Key("files_after_partition_pruning").Int(ps.files_after_partition);
    w.Key("bytes_after_partition_pruning").Int(ps.bytes_after_partition);
    w.Key("files_after_stats_skipping").Int(ps.files_after_stats);
    w.Key("bytes_after_stats_skipping").Int(ps.bytes_after_stats);
    w.Key("skipped_by_partition").Int(ps.files_total - ps.files_after_partition);
    w.Key("skipped_by_stats").Int(ps.files_after_partition - ps.files_after_stats);
    w.Key("kept_without_stats").Int(kept_without_stats);
    w.Key("pruning_note").String(ps.pruning_note);
    w.Key("snapshot_load_ms").Double(load_ms).Key("planning_ms").Double(plan_ms);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  auto pct = [](int64_t part, int64_t whole) {
    return whole == 0 ? std::string("-") : std::to_string(part * 100 / whole) + "%";
  };
  std::printf("table %s, version %lld\n", snap->table_uri().c_str(),
              static_cast<long long>(snap->version()));
  std::printf("predicate: %s\n", normalized.empty() ? where.c_str() : normalized.c_str());
  if (!ps.pruning_note.empty()) std::printf("note: %s\n", ps.pruning_note.c_str());
  std::printf("%-26s %12s %12s %8s\n", "stage", "files", "bytes", "kept");
  std::printf("%-26s %12lld %12s %8s\n", "snapshot", static_cast<long long>(ps.files_total),
              FormatBytes(ps.bytes_total).c_str(), "100%");
  std::printf("%-26s %12lld %12s %8s\n", "after partition pruning",
              static_cast<long long>(ps.files_after_partition),
              FormatBytes(ps.bytes_after_partition).c_str(),
              pct(ps.bytes_after_partition, ps.bytes_total).c_str());
  std::printf("%-26s %12lld %12s %8s\n", "after stats skipping",
              static_cast<long long>(ps.files_after_stats),
              FormatBytes(ps.bytes_after_stats).c_str(),
              pct(ps.bytes_after_stats, ps.bytes_total).c_str());
  std::printf(
      "skipped: %lld by partition values, %lld by statistics; kept %lld without statistics\n",
      static_cast<long long>(ps.files_total - ps.files_after_partition),
      static_cast<long long>(ps.files_after_partition - ps.files_after_stats),
      static_cast<long long>(kept_without_stats));
  std::printf("time: snapshot load %.1f ms, planning %.1f ms\n", load_ms, plan_ms);
}

}  // namespace

void RegisterExplain(CLI::App& app) {
  auto* cmd = app.add_subcommand("explain", "Show how a predicate prunes a table's files");
  auto table = std::make_shared<std::string>();
  auto version = std::make_shared<std::optional<int64_t>>();
  auto where = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("TABLE", *table, "Table path or URI")->required();
  cmd->add_option("--where", *where, "SQL predicate over the table's columns")->required();
  cmd->add_option("--version", *version, "Explain against this version (default: latest)");
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] { Explain(*table, *version, *where, *json); });
}

}  // namespace lake::cli
