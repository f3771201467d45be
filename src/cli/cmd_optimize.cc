// lake optimize TABLE [--where PARTITION_EXPR] [--target-size SIZE] [--min-file-size SIZE]
//                     [--zorder-by c1,c2,...] [--json]:
// compacts small files (bin-packing per partition) or z-orders them (src/ops/optimize.h).
#include <iostream>
#include <sstream>

#include "cli/cli_common.h"
#include "ops/optimize.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

struct OptimizeArgs {
  std::string table, where, target_size, min_file_size, zorder_by;
  bool json = false;
};

void RunOptimize(const OptimizeArgs& a) {
  OptimizeOptions opts;
  opts.where = a.where;
  if (!a.target_size.empty())
    opts.target_size = OrDie(ParseByteSize(a.target_size), "--target-size");
  if (!a.min_file_size.empty()) {
    if (a.min_file_size == "0")
      opts.min_file_size = 0;
    else
      opts.min_file_size = OrDie(ParseByteSize(a.min_file_size), "--min-file-size");
  }
  if (!a.zorder_by.empty()) {
    std::stringstream ss(a.zorder_by);
    std::string c;
    while (std::getline(ss, c, ',')) {
      while (!c.empty() && c.front() == ' ') c.erase(0, 1);
      while (!c.empty() && c.back() == ' ') c.pop_back();
      if (c.empty()) throw CliError{Status::InvalidArgument("--zorder-by: empty column name"), 2};
      opts.zorder_by.push_back(c);
    }
  }
  opts.progress = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
  auto table = OrDie(Table::Open(ResolveTable(a.table)));
  OptimizeResult r = OrDie(Optimize(table, opts));
  RefreshCatalogSummaries();
  if (a.json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("read_version").Int(r.read_version);
    if (r.version >= 0)
      w.Key("version").Int(r.version);
    else
      w.Key("version").Null();
    w.Key("target_size").Int(r.target_size);
    w.Key("min_file_size").Int(r.min_file_size);
    w.Key("zorder_by").BeginArray();
    for (const auto& c : r.zorder_by) w.String(c);
    w.EndArray();
    w.Key("total_considered_files").Int(r.total_considered_files);
    w.Key("total_files_skipped").Int(r.total_files_skipped);
    w.Key("partitions_optimized").Int(r.partitions_optimized);
    w.Key("num_batches").Int(r.num_batches);
    w.Key("files_removed").Int(r.files_removed);
    w.Key("bytes_removed").Int(r.bytes_removed);
    w.Key("files_added").Int(r.files_added);
    w.Key("bytes_added").Int(r.bytes_added);
    w.Key("rows").Int(r.rows);
    if (!r.metrics_json.empty()) w.Key("metrics").Raw(r.metrics_json);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  if (r.version < 0) {
    std::cout << "nothing to optimize at version " << r.read_version << " ("
              << r.total_considered_files << " files considered)\n";
    return;
  }
  std::cout << "optimized version " << r.read_version << " -> " << r.version << ": "
            << r.files_removed << " files (" << FormatBytes(r.bytes_removed) << ") rewritten into "
            << r.files_added << " (" << FormatBytes(r.bytes_added) << ") in "
            << r.partitions_optimized << " partition(s), " << r.rows << " rows"
            << (r.zorder_by.empty() ? "" : ", z-ordered") << "\n";
}

}  // namespace

void RegisterOptimize(CLI::App& app) {
  auto* cmd = app.add_subcommand("optimize",
                                 "Compact small files (bin-packing per partition) or z-order them");
  auto a = std::make_shared<OptimizeArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI")->required();
  cmd->add_option("--where", a->where,
                  "Only partitions matching this predicate over partition columns");
  cmd->add_option("--target-size", a->target_size,
                  "Target file size, e.g. 128mb (default: delta.targetFileSize, else 128mb)");
  cmd->add_option("--min-file-size", a->min_file_size,
                  "Files smaller than this are compacted (default: 0.75 x target)");
  cmd->add_option("--zorder-by", a->zorder_by, "Z-order by these data columns: c1,c2,...");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { RunOptimize(*a); });
}

}  // namespace lake::cli
