// lake describe TABLE [--version N] [--json]
#include <iostream>

#include "cli/cli_common.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void WriteFeatures(JsonWriter& w, const std::optional<std::vector<std::string>>& f) {
  if (!f) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (const auto& s : *f) w.String(s);
  w.EndArray();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

void PrintField(const StructField& f, int indent) {
  std::cout << std::string(indent, ' ') << f.name << ": " << f.type->ToString()
            << (f.nullable ? "" : " NOT NULL") << "\n";
  if (f.type->IsStruct()) {
    for (const auto& c : f.type->fields) PrintField(c, indent + 2);
  }
}

}  // namespace

void DescribeTable(const std::string& table, std::optional<int64_t> version, bool json) {
  auto snap = OpenSnapshot(table, version, std::nullopt);
  const Metadata& md = snap->metadata();
  const Protocol& p = snap->protocol();
  std::optional<int64_t> records = snap->TotalRecords();
  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("table").String(snap->table_uri());
    w.Key("version").Int(snap->version());
    w.Key("timestamp_ms").Int(snap->timestamp_ms());
    w.Key("id").String(md.id);
    w.Key("name");
    md.name ? w.String(*md.name) : w.Null();
    w.Key("description");
    md.description ? w.String(*md.description) : w.Null();
    w.Key("protocol").BeginObject();
    w.Key("minReaderVersion").Int(p.min_reader_version);
    w.Key("minWriterVersion").Int(p.min_writer_version);
    w.Key("readerFeatures");
    WriteFeatures(w, p.reader_features);
    w.Key("writerFeatures");
    WriteFeatures(w, p.writer_features);
    w.EndObject();
    w.Key("schema").Raw(md.schema_string.empty() ? "null" : md.schema_string);
    w.Key("partition_columns").BeginArray();
    for (const auto& c : md.partition_columns) w.String(c);
    w.EndArray();
    w.Key("properties").BeginObject();
    for (const auto& [k, v] : md.configuration) w.Key(k).String(v);
    w.EndObject();
    w.Key("column_mapping_mode").String(snap->column_mapping_mode());
    w.Key("num_files").Int(static_cast<int64_t>(snap->files().size()));
    w.Key("size_bytes").Int(snap->TotalBytes());
    w.Key("num_records");
    records ? w.Int(*records) : w.Null();
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  std::cout << "table:       " << snap->table_uri() << "\n";
  std::cout << "version:     " << snap->version() << " (" << FormatTimestampMs(snap->timestamp_ms())
            << ")\n";
  if (md.name) std::cout << "name:        " << *md.name << "\n";
  if (md.description) std::cout << "description: " << *md.description << "\n";
  std::cout << "id:          " << md.id << "\n";
  std::cout << "protocol:    reader " << p.min_reader_version << ", writer "
            << p.min_writer_version;
  if (p.reader_features) std::cout << "; reader features: " << Join(*p.reader_features);
  if (p.writer_features) std::cout << "; writer features: " << Join(*p.writer_features);
  std::cout << "\n";
  std::cout << "partitioned: "
            << (md.partition_columns.empty() ? "no" : "by " + Join(md.partition_columns)) << "\n";
  std::cout << "files:       " << snap->files().size() << " (" << FormatBytes(snap->TotalBytes())
            << ")\n";
  std::cout << "records:     " << (records ? std::to_string(*records) : "unknown (no stats)")
            << "\n";
  if (snap->column_mapping_mode() != "none") {
    std::cout << "column mapping: " << snap->column_mapping_mode() << "\n";
  }
  std::cout << "schema:\n";
  for (const auto& f : snap->schema().fields) PrintField(f, 2);
  if (!md.configuration.empty()) {
    std::cout << "properties:\n";
    for (const auto& [k, v] : md.configuration) std::cout << "  " << k << " = " << v << "\n";
  }
}

void RegisterDescribe(CLI::App& app) {
  auto* cmd = app.add_subcommand("describe", "Show a table's version, protocol, schema and size");
  auto table = std::make_shared<std::string>();
  auto version = std::make_shared<std::optional<int64_t>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("TABLE", *table, "Table path or URI, or a catalog name NS.TABLE")->required();
  cmd->add_option("--version", *version, "Describe this version (default: latest)");
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] { DescribeTable(*table, *version, *json); });
}

}  // namespace lake::cli
