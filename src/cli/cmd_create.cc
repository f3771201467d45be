// lake create TABLE (--schema "DDL" | --from FILE | --query SQL) [--partition-by c1,c2]
//                   [--property k=v ...] [--comment TEXT] [--json]
#include <iostream>

#include "cli/cli_common.h"
#include "lake/write.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

struct CreateArgs {
  std::string table, schema, from, query, comment;
  std::vector<std::string> partition_by, properties;
  bool json = false;
};

void RunCreate(const CreateArgs& a) {
  int given = !a.schema.empty() + (!a.from.empty() || !a.query.empty());
  if (given != 1) {
    throw CliError{Status::InvalidArgument(
                       "give the schema with exactly one of --schema, or --from / --query"),
                   2};
  }
  auto props = ParseProperties(a.properties);
  Schema schema = a.schema.empty() ? OrDie(SchemaFromSource({a.from, a.query}), "source schema")
                                   : OrDie(ParseSchemaDDL(a.schema));
  auto r = OrDie(CreateTable(a.table, schema, a.partition_by, props, a.comment));
  const Protocol& p = r.protocol;
  if (a.json) {
    JsonWriter w;
    w.BeginObject().Key("table").String(a.table).Key("version").Int(r.version);
    w.Key("id").String(r.table_id);
    w.Key("minReaderVersion").Int(p.min_reader_version);
    w.Key("minWriterVersion").Int(p.min_writer_version);
    w.Key("schemaString").String(SchemaToJson(schema));
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  std::string features;
  if (p.writer_features) {
    for (const auto& f : *p.writer_features) features += (features.empty() ? " [" : ", ") + f;
    features += "]";
  }
  std::printf("created %s (version %lld, protocol %d/%d%s, %zu columns)\n", a.table.c_str(),
              static_cast<long long>(r.version), p.min_reader_version, p.min_writer_version,
              features.c_str(), schema.fields.size());
}

}  // namespace

std::map<std::string, std::string> ParseProperties(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CliError{Status::InvalidArgument("--property '" + kv + "' is not KEY=VALUE"), 2};
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

void RegisterCreate(CLI::App& app) {
  auto* cmd = app.add_subcommand("create", "Create an empty table");
  auto a = std::make_shared<CreateArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI")->required();
  cmd->add_option("--schema", a->schema,
                  "Columns in DuckDB DDL: \"id BIGINT NOT NULL, ts TIMESTAMPTZ, tags VARCHAR[]\" "
                  "(TIMESTAMP = timestamp_ntz, TIMESTAMPTZ = timestamp)");
  cmd->add_option("--from", a->from, "Take the schema of a CSV / JSON-lines / Parquet file (or glob)");
  cmd->add_option("--query", a->query, "Take the schema of a DuckDB query (with --from: over `source`)");
  cmd->add_option("--partition-by", a->partition_by, "Partition columns")->delimiter(',');
  cmd->add_option("--property", a->properties, "Table property KEY=VALUE (repeatable)");
  cmd->add_option("--comment", a->comment, "Table description");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { RunCreate(*a); });
}

}  // namespace lake::cli
