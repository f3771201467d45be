// lake write TABLE (--from SOURCE | --query SQL) [--mode append|overwrite|error|ignore]
//                  [--replace-where EXPR] [--txn-app-id ID --txn-version N]
//                  [--partition-by c1,c2] [--property k=v ...] [--optimize-write] [--json]
//                  [--quiet]
#include <chrono>
#include <iostream>

#include "cli/cli_common.h"
#include "lake/write.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

struct WriteArgs {
  std::string table, from, query, mode, replace_where, txn_app_id;
  std::optional<int64_t> txn_version;
  std::vector<std::string> partition_by, properties;
  std::string bad_rows;
  bool json = false, quiet = false, merge_schema = false, overwrite_schema = false;
  bool optimize_write = false;
};

void RunWrite(const WriteArgs& a) {
  if (a.from.empty() && a.query.empty())
    throw CliError{Status::InvalidArgument("give the rows with --from SOURCE or --query SQL"), 2};
  if (a.txn_app_id.empty() != !a.txn_version.has_value())
    throw CliError{Status::InvalidArgument("--txn-app-id and --txn-version go together"), 2};
  // --replace-where implies overwrite; otherwise the default is append.
  WriteMode mode = a.mode.empty()
                       ? (a.replace_where.empty() ? WriteMode::kAppend : WriteMode::kOverwrite)
                       : OrDie(ParseWriteMode(a.mode));
  auto t0 = std::chrono::steady_clock::now();
  WriteBuilder b(ResolveTable(a.table));
  b.Source({a.from, a.query}).Mode(mode).PartitionBy(a.partition_by);
  b.Properties(ParseProperties(a.properties));
  b.MergeSchema(a.merge_schema).OverwriteSchema(a.overwrite_schema);
  b.OptimizeWrite(a.optimize_write);
  if (!a.bad_rows.empty() && a.bad_rows != "refuse") {
    if (a.bad_rows.rfind("quarantine:", 0) != 0 || a.bad_rows.size() == 11)
      throw CliError{Status::InvalidArgument("--bad-rows takes refuse or quarantine:TABLE"), 2};
    b.QuarantineBadRows(ResolveTable(a.bad_rows.substr(11)));
  }
  if (!a.replace_where.empty()) b.ReplaceWhere(a.replace_where);
  if (!a.txn_app_id.empty()) b.AppTransaction(a.txn_app_id, *a.txn_version);
  if (!a.quiet) {
    b.OnProgress([t0](const std::string& msg) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "lake: [%6.2fs] %s\n", s, msg.c_str());
    });
  }
  WriteResult r = OrDie(b.Execute());
  RefreshCatalogSummaries();
  if (!r.warning.empty()) std::fprintf(stderr, "lake: warning: %s\n", r.warning.c_str());
  if (!r.auto_compact_warning.empty())
    std::fprintf(stderr, "lake: warning: %s\n", r.auto_compact_warning.c_str());
  if (a.json) {
    JsonWriter w;
    w.BeginObject().Key("version").Int(r.version).Key("skipped").Bool(r.skipped);
    w.Key("created").Bool(r.created).Key("rows").Int(r.rows_written);
    w.Key("files_added").Int(r.files_added).Key("bytes_added").Int(r.bytes_added);
    w.Key("files_removed").Int(r.files_removed).Key("rows_rewritten").Int(r.rows_rewritten);
    w.Key("attempts").Int(r.attempts).Key("rows_quarantined").Int(r.rows_quarantined);
    if (r.auto_compact_version >= 0) w.Key("auto_compact_version").Int(r.auto_compact_version);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  if (r.skipped) {
    std::printf("nothing written: %s\n", mode == WriteMode::kIgnore
                                             ? "the table exists (mode ignore)"
                                             : "this txn version was already committed");
    return;
  }
  std::printf("committed version %lld: %lld rows in %lld file(s) (%s)",
              static_cast<long long>(r.version), static_cast<long long>(r.rows_written),
              static_cast<long long>(r.files_added), FormatBytes(r.bytes_added).c_str());
  if (r.files_removed)
    std::printf(", removed %lld file(s)", static_cast<long long>(r.files_removed));
  if (r.rows_quarantined)
    std::printf(", quarantined %lld bad row(s) (quarantine version %lld)",
                static_cast<long long>(r.rows_quarantined),
                static_cast<long long>(r.quarantine_version));
  if (r.rows_rewritten) std::printf(", kept %lld rows", static_cast<long long>(r.rows_rewritten));
  if (r.auto_compact_version >= 0)
    std::printf("; auto-compacted at version %lld", static_cast<long long>(r.auto_compact_version));
  std::printf("\n");
}

}  // namespace

void RegisterWrite(CLI::App& app) {
  auto* cmd = app.add_subcommand("write", "Write rows into a table (creating it if needed)");
  auto a = std::make_shared<WriteArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI")->required();
  cmd->add_option("--from", a->from, "CSV / JSON-lines / Parquet file or glob");
  cmd->add_option("--query", a->query,
                  "DuckDB SELECT producing the rows (with --from: over `source`)");
  cmd->add_option(
      "--mode", a->mode,
      "append | overwrite | error | ignore (default append; overwrite with --replace-where)");
  cmd->add_option("--replace-where", a->replace_where,
                  "Overwrite only the rows matching this predicate (every new row must match)");
  cmd->add_option("--txn-app-id", a->txn_app_id, "Idempotent write: application id");
  cmd->add_option("--txn-version", a->txn_version, "Idempotent write: version for the app id");
  cmd->add_option("--partition-by", a->partition_by, "Partition columns (new tables)")
      ->delimiter(',');
  cmd->add_option("--property", a->properties, "Table property KEY=VALUE (new tables)");
  cmd->add_option("--bad-rows", a->bad_rows,
                  "refuse (default: commit nothing when a row breaks a rule) | quarantine:TABLE "
                  "(commit the good rows, append the bad ones with the broken rule to TABLE)");
  cmd->add_flag("--merge-schema", a->merge_schema,
                "Add source columns the table lacks (and widen types where allowed)");
  cmd->add_flag("--overwrite-schema", a->overwrite_schema,
                "With --mode overwrite: replace the table schema with the source's");
  cmd->add_flag("--optimize-write", a->optimize_write,
                "Files of about the target size per partition (as the table property "
                "delta.autoOptimize.optimizeWrite=true); see docs/WRITE.md");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->add_flag("--quiet", a->quiet, "No progress lines on stderr");
  cmd->callback([a] { RunWrite(*a); });
}

}  // namespace lake::cli
