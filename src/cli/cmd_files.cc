// lake files TABLE [--version N] [--where EXPR] [--json]
#include <iostream>

#include "cli/cli_common.h"
#include "lake/scan.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void Files(const std::string& table, std::optional<int64_t> version, const std::string& where,
           bool json) {
  auto snap = OpenSnapshot(table, version, std::nullopt);
  ScanOptions opts;
  opts.where = where;
  Scan scan = OrDie(Scan::Plan(snap, opts));
  const PruningStats& ps = scan.pruning();
  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("version").Int(snap->version());
    w.Key("files").BeginArray();
    for (const AddFile* f : scan.files()) {
      w.BeginObject();
      w.Key("path").String(f->path);
      w.Key("size").Int(f->size);
      w.Key("modificationTime").Int(f->modification_time);
      w.Key("partitionValues").BeginObject();
      for (const auto& [k, v] : f->partition_values) {
        w.Key(k);
        v ? w.String(*v) : w.Null();
      }
      w.EndObject();
      w.Key("stats").Raw(f->stats.empty() ? "null" : f->stats);
      w.Key("deletionVector");
      if (f->deletion_vector) {
        const auto& dv = *f->deletion_vector;
        w.BeginObject().Key("storageType").String(dv.storage_type);
        w.Key("pathOrInlineDv").String(dv.path_or_inline_dv);
        if (dv.offset) w.Key("offset").Int(*dv.offset);
        w.Key("sizeInBytes").Int(dv.size_in_bytes).Key("cardinality").Int(dv.cardinality);
        w.EndObject();
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
    w.Key("pruning").BeginObject();
    w.Key("files_total").Int(ps.files_total).Key("bytes_total").Int(ps.bytes_total);
    w.Key("files_after_partition_pruning").Int(ps.files_after_partition);
    w.Key("files_after_stats_skipping").Int(ps.files_after_stats);
    w.Key("bytes_after_stats_skipping").Int(ps.bytes_after_stats);
    if (!ps.pruning_note.empty()) w.Key("note").String(ps.pruning_note);
    w.EndObject();
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  for (const AddFile* f : scan.files()) {
    std::cout << f->path << "\t" << f->size;
    if (f->deletion_vector) std::cout << "\tdv:" << f->deletion_vector->cardinality;
    std::cout << "\n";
  }
  std::cerr << scan.files().size() << " of " << ps.files_total << " files ("
            << FormatBytes(ps.bytes_after_stats) << " of " << FormatBytes(ps.bytes_total) << ")";
  if (!where.empty()) {
    std::cerr << "; partition pruning kept " << ps.files_after_partition << ", stats skipping kept "
              << ps.files_after_stats;
    if (!ps.pruning_note.empty()) std::cerr << " (" << ps.pruning_note << ")";
  }
  std::cerr << "\n";
}

}  // namespace

void RegisterFiles(CLI::App& app) {
  auto* cmd = app.add_subcommand("files", "List the live data files (after pruning with --where)");
  auto table = std::make_shared<std::string>();
  auto version = std::make_shared<std::optional<int64_t>>();
  auto where = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("TABLE", *table, "Table path or URI, or a catalog name NS.TABLE")->required();
  cmd->add_option("--version", *version, "List files of this version (default: latest)");
  cmd->add_option("--where", *where, "Keep only files that may hold rows matching EXPR");
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] { Files(*table, *version, *where, *json); });
}

}  // namespace lake::cli
