// lake alter TABLE ACTION ARGS...
//   add-column "name TYPE [NOT NULL] [COMMENT '...']" [--after COL]   (nested: "s.x INT")
//   rename-column OLD NEW | drop-column NAME | change-type COL TYPE
//   set-property K=V ... | unset-property K ... | comment TEXT | comment-column COL TEXT
#include <iostream>

#include "cli/cli_common.h"
#include "ops/alter_table.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

struct AlterArgs {
  std::string table, action, after;
  std::vector<std::string> args;
  bool json = false;
};

void Need(const AlterArgs& a, size_t n, const char* usage) {
  if (a.args.size() != n)
    throw CliError{Status::InvalidArgument("usage: lake alter TABLE " + a.action + " " + usage), 2};
}

void RunAlter(const AlterArgs& a) {
  std::string uri = ResolveTable(a.table);
  Result<AlterResult> r = Status::InvalidArgument("");
  if (a.action == "add-column") {
    Need(a, 1, "\"name TYPE [NOT NULL] [COMMENT '...']\" [--after COL]");
    r = AddColumn(uri, a.args[0], a.after);
  } else if (a.action == "rename-column") {
    Need(a, 2, "OLD NEW");
    r = RenameColumn(uri, a.args[0], a.args[1]);
  } else if (a.action == "drop-column") {
    Need(a, 1, "NAME");
    r = DropColumn(uri, a.args[0]);
  } else if (a.action == "change-type") {
    Need(a, 2, "COLUMN NEW_TYPE");
    r = ChangeColumnType(uri, a.args[0], a.args[1]);
  } else if (a.action == "set-property") {
    if (a.args.empty()) Need(a, 1, "KEY=VALUE ...");
    r = SetProperties(uri, ParseProperties(a.args));
  } else if (a.action == "unset-property") {
    if (a.args.empty()) Need(a, 1, "KEY ...");
    r = UnsetProperties(uri, a.args);
  } else if (a.action == "comment") {
    Need(a, 1, "TEXT");
    r = SetTableComment(uri, a.args[0]);
  } else if (a.action == "comment-column") {
    Need(a, 2, "COLUMN TEXT");
    r = SetColumnComment(uri, a.args[0], a.args[1]);
  } else if (a.action == "set-default") {
    Need(a, 2, "COLUMN \"SQL expression\" (\"\" removes it)");
    r = SetColumnDefault(uri, a.args[0], a.args[1]);
  } else if (a.action == "add-constraint") {
    Need(a, 2, "NAME \"SQL expression\"");
    r = AddConstraint(uri, a.args[0], a.args[1]);
  } else if (a.action == "drop-constraint") {
    Need(a, 1, "NAME");
    r = DropConstraint(uri, a.args[0]);
  } else {
    throw CliError{Status::InvalidArgument(
                       "unknown alter action '" + a.action +
                       "' (add-column, rename-column, drop-column, change-type, set-property, "
                       "unset-property, comment, comment-column, set-default, add-constraint, "
                       "drop-constraint)"),
                   2};
  }
  AlterResult res = OrDie(std::move(r), a.action);
  RefreshCatalogSummaries();
  if (a.json) {
    JsonWriter w;
    w.BeginObject().Key("version").Int(res.version).Key("summary").String(res.summary).EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  std::printf("committed version %lld: %s\n", static_cast<long long>(res.version),
              res.summary.c_str());
}

}  // namespace

void RegisterAlter(CLI::App& app) {
  auto* cmd = app.add_subcommand("alter", "Change a table's schema or properties (metadata only)");
  auto a = std::make_shared<AlterArgs>();
  cmd->add_option("TABLE", a->table, "Table path or URI")->required();
  cmd->add_option("ACTION", a->action,
                  "add-column | rename-column | drop-column | change-type | set-property | "
                  "unset-property | comment | comment-column | set-default | add-constraint | "
                  "drop-constraint")
      ->required();
  cmd->add_option("ARGS", a->args, "Arguments of the action");
  cmd->add_option("--after", a->after, "add-column: place the column after this one");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { RunAlter(*a); });
}

}  // namespace lake::cli
