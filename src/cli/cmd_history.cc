// lake history TABLE [--limit N] [--json]
#include <iostream>

#include "cli/cli_common.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void History(const std::string& table_uri, size_t limit, bool json) {
  auto table = OrDie(Table::Open(ResolveTable(table_uri)));
  auto commits = OrDie(table->History(limit));
  if (json) {
    JsonWriter w;
    w.BeginArray();
    for (const auto& c : commits) {
      w.BeginObject();
      w.Key("version").Int(c.version);
      w.Key("timestamp_ms").Int(c.timestamp_ms);
      w.Key("operation").String(c.operation);
      w.Key("commitInfo").Raw(c.commit_info.empty() ? "null" : c.commit_info);
      w.EndObject();
    }
    w.EndArray();
    std::cout << w.str() << "\n";
    return;
  }
  std::printf("%-8s  %-27s  %s\n", "version", "timestamp", "operation");
  for (const auto& c : commits) {
    std::printf("%-8lld  %-27s  %s\n", static_cast<long long>(c.version),
                FormatTimestampMs(c.timestamp_ms).c_str(),
                c.operation.empty() ? "-" : c.operation.c_str());
  }
}

}  // namespace

void RegisterHistory(CLI::App& app) {
  auto* cmd = app.add_subcommand("history", "List the table's commits, newest first");
  auto table = std::make_shared<std::string>();
  auto limit = std::make_shared<size_t>(0);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("TABLE", *table, "Table path or URI, or a catalog name NS.TABLE")->required();
  cmd->add_option("--limit", *limit, "Show at most N commits (default: all retained)");
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] { History(*table, *limit, *json); });
}

}  // namespace lake::cli
