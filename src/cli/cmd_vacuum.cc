// lake vacuum TABLE [--retain DURATION] [--dry-run] [--lite|--full] [--force] [--json]:
// deletes files no version within the retention window needs (src/ops/vacuum.h).
#include <chrono>
#include <iostream>

#include "cli/cli_common.h"
#include "ops/vacuum.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

struct VacuumArgs {
  std::string table;
  std::string retain;
  bool dry_run = false, lite = false, full = false, force = false, json = false;
  int parallelism = 8;
};

void RunVacuum(const VacuumArgs& a) {
  if (a.lite && a.full)
    throw CliError{Status::InvalidArgument("give --lite or --full, not both"), 2};
  VacuumOptions opts;
  if (!a.retain.empty()) opts.retention_ms = OrDie(ParseRetentionDuration(a.retain), "--retain");
  opts.mode = a.lite ? VacuumMode::kLite : VacuumMode::kFull;
  opts.dry_run = a.dry_run;
  opts.force = a.force;
  opts.parallelism = a.parallelism;
  // Progress on stderr, at most every 2 s, for deletes that take a while.
  auto last = std::chrono::steady_clock::now();
  const auto begin = last;
  opts.progress = [&last, begin](int64_t done, int64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (done == total && now - begin < std::chrono::seconds(2)) return;
    if (done != total && now - last < std::chrono::seconds(2)) return;
    last = now;
    std::fprintf(stderr, "vacuum: deleted %lld of %lld files\n", static_cast<long long>(done),
                 static_cast<long long>(total));
  };
  auto table = OrDie(Table::Open(ResolveTable(a.table)));
  VacuumResult r = OrDie(Vacuum(table, opts));
  RefreshCatalogSummaries();
  if (!r.warning.empty()) std::fprintf(stderr, "lake: warning: %s\n", r.warning.c_str());

  if (a.json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("dry_run").Bool(r.dry_run);
    w.Key("mode").String(r.mode == VacuumMode::kLite ? "lite" : "full");
    w.Key("version").Int(r.table_version);
    w.Key("retention_ms").Int(r.retention_ms);
    w.Key("table_retention_ms").Int(r.table_retention_ms);
    w.Key("cutoff_ms").Int(r.cutoff_ms);
    w.Key("oldest_retained_version").Int(r.oldest_retained_version);
    w.Key("files_needed").Int(r.files_needed);
    w.Key("files_scanned").Int(r.files_scanned);
    w.Key("num_files").Int(static_cast<int64_t>(r.files.size()));
    w.Key("bytes").Int(r.bytes);
    w.Key("files").BeginArray();
    for (const auto& f : r.files) {
      w.BeginObject().Key("path").String(f.key).Key("size").Int(f.size).EndObject();
    }
    w.EndArray();
    if (r.start_version >= 0) w.Key("start_version").Int(r.start_version);
    if (r.end_version >= 0) w.Key("end_version").Int(r.end_version);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  std::cout << "vacuum " << (r.mode == VacuumMode::kLite ? "(lite)" : "(full)") << " of version "
            << r.table_version << ": retention " << FormatDurationMs(r.retention_ms) << ", cutoff "
            << FormatTimestampMs(r.cutoff_ms) << ", versions from " << r.oldest_retained_version
            << " retained\n";
  if (r.dry_run) {
    for (const auto& f : r.files) std::cout << "  " << f.key << "\n";
    std::cout << "dry run: would delete " << r.files.size() << " files (" << FormatBytes(r.bytes)
              << ")\n";
  } else {
    std::cout << "deleted " << r.files.size() << " files (" << FormatBytes(r.bytes) << ")";
    if (r.start_version >= 0)
      std::cout << "; VACUUM START at version " << r.start_version
                << (r.end_version >= 0 ? ", VACUUM END at version " + std::to_string(r.end_version)
                                       : std::string());
    std::cout << "\n";
  }
}

}  // namespace

void RegisterVacuum(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "vacuum", "Delete files that no version within the retention window references");
  auto a = std::make_shared<VacuumArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI")->required();
  cmd->add_option("--retain", a->retain,
                  "Retention window, e.g. 168h, 7d, 'interval 1 week' (default: the table's "
                  "delta.deletedFileRetentionDuration, 1 week unless set)");
  cmd->add_flag("--dry-run", a->dry_run, "List what would be deleted; delete nothing");
  cmd->add_flag("--lite", a->lite, "Use the log only: delete expired tombstones, no listing");
  cmd->add_flag("--full", a->full,
                "List the table's storage: also delete orphaned files (default)");
  cmd->add_flag("--force", a->force,
                "Allow a window shorter than delta.deletedFileRetentionDuration");
  cmd->add_option("--parallelism", a->parallelism, "Concurrent deletes (default 8)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { RunVacuum(*a); });
}

}  // namespace lake::cli
