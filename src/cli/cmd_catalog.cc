// lake catalog ...: the metadata catalog (namespaces, named tables, properties, summaries).
#include <iostream>

#include "cli/cli_common.h"
#include "storage/store_overrides.h"
#include "lake/catalog.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void PrintSummary(const TableSummary& s) {
  if (s.version < 0) {
    std::cout << "no Delta table yet (reserved)";
  } else {
    std::cout << "v" << s.version << ", " << s.num_files << " files, " << FormatBytes(s.size_bytes);
  }
}

void WriteEntry(JsonWriter& w, const TableEntry& e) {
  w.BeginObject();
  w.Key("name").String(e.name.ToString());
  w.Key("location").String(e.location);
  w.Key("managed").Bool(e.managed);
  w.Key("comment").String(e.comment);
  w.Key("created_ms").Int(e.created_ms);
  w.Key("properties").BeginObject();
  for (const auto& [k, v] : e.properties) w.Key(k).String(MaskSecret(k, v));
  w.EndObject();
  w.Key("summary").BeginObject();
  w.Key("version").Int(e.summary.version);
  w.Key("schema").Raw(e.summary.schema_json.empty() ? "null" : e.summary.schema_json);
  w.Key("partition_columns").BeginArray();
  for (const auto& c : e.summary.partition_columns) w.String(c);
  w.EndArray();
  w.Key("num_files").Int(e.summary.num_files);
  w.Key("size_bytes").Int(e.summary.size_bytes);
  w.Key("refreshed_ms").Int(e.summary.refreshed_ms);
  w.EndObject();
  w.EndObject();
}

std::string Pad(const std::string& s, size_t n) {
  return s.size() >= n ? s + " " : s + std::string(n - s.size(), ' ');
}

void ListTables(const std::string& ns, bool json) {
  auto cat = OpenCatalog();
  auto tables = OrDie(cat->ListTables(ns));
  if (json) {
    JsonWriter w;
    w.BeginArray();
    for (const auto& e : tables) WriteEntry(w, e);
    w.EndArray();
    std::cout << w.str() << "\n";
    return;
  }
  size_t width = 5;
  for (const auto& e : tables) width = std::max(width, e.name.ToString().size());
  for (const auto& e : tables) {
    std::cout << Pad(e.name.ToString(), width + 1);
    PrintSummary(e.summary);
    std::cout << "  " << e.location << "\n";
  }
}

void DescribeEntry(const std::string& name, bool json) {
  auto cat = OpenCatalog();
  TableEntry e = OrDie(cat->GetTable(name));
  if (json) {
    JsonWriter w;
    WriteEntry(w, e);
    std::cout << w.str() << "\n";
    return;
  }
  std::cout << "name:        " << e.name.ToString() << "\n";
  std::cout << "location:    " << e.location << (e.managed ? " (managed)" : "") << "\n";
  if (!e.comment.empty()) std::cout << "comment:     " << e.comment << "\n";
  std::cout << "created:     " << FormatTimestampMs(e.created_ms) << "\n";
  for (const auto& [k, v] : e.properties)
    std::cout << "property:    " << k << " = " << MaskSecret(k, v) << "\n";
  std::cout << "cached:      ";
  PrintSummary(e.summary);
  if (e.summary.refreshed_ms)
    std::cout << " (as of " << FormatTimestampMs(e.summary.refreshed_ms) << ")";
  std::cout << "\n";
  if (e.summary.version < 0) return;
  // The log is the source of truth: describe it.
  std::cout << "--- from the log ---\n";
  std::cout.flush();
  DescribeTable(e.location);
}

}  // namespace

void RegisterCatalog(CLI::App& app) {
  auto* cat = app.add_subcommand(
      "catalog",
      "The metadata catalog: namespaces and named tables (--catalog URI or $LAKE_CATALOG; default "
      "$LAKE_HOME/catalog.db)");
  cat->require_subcommand(1);

  {
    auto* c = cat->add_subcommand("create-namespace", "Create a namespace");
    auto ns = std::make_shared<std::string>();
    auto ine = std::make_shared<bool>(false);
    c->add_option("NS", *ns, "Namespace name")->required();
    c->add_flag("--if-not-exists", *ine, "No error when it exists");
    c->callback([=] { OrDie(OpenCatalog()->CreateNamespace(*ns, *ine)); });
  }
  {
    auto* c =
        cat->add_subcommand("drop-namespace", "Drop a namespace (refused when it has tables)");
    auto ns = std::make_shared<std::string>();
    auto cascade = std::make_shared<bool>(false);
    c->add_option("NS", *ns, "Namespace name")->required();
    c->add_flag("--cascade", *cascade, "Also drop its tables' catalog entries (never their data)");
    c->callback([=] { OrDie(OpenCatalog()->DropNamespace(*ns, *cascade)); });
  }
  {
    auto* c = cat->add_subcommand("namespaces", "List namespaces");
    auto json = std::make_shared<bool>(false);
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      auto list = OrDie(OpenCatalog()->ListNamespaces());
      if (*json) {
        JsonWriter w;
        w.BeginArray();
        for (const auto& n : list) {
          w.BeginObject().Key("name").String(n.name).Key("tables").Int(n.num_tables);
          w.Key("created_ms").Int(n.created_ms).EndObject();
        }
        w.EndArray();
        std::cout << w.str() << "\n";
        return;
      }
      for (const auto& n : list) {
        std::cout << n.name << " (" << n.num_tables << (n.num_tables == 1 ? " table" : " tables")
                  << ")\n";
      }
    });
  }
  {
    auto* c = cat->add_subcommand(
        "create-table",
        "Name a location: an existing Delta table, or an empty location reserved for a table to be "
        "created there (default: $warehouse/NS/TABLE)");
    auto name = std::make_shared<std::string>();
    auto opts = std::make_shared<CreateTableOptions>();
    auto props = std::make_shared<std::vector<std::string>>();
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_option("--location", opts->location, "Path or URI (default: under the warehouse)");
    c->add_option("--comment", opts->comment, "Table comment");
    c->add_option("--property", *props, "k=v (repeatable)");
    c->callback([=] {
      for (const auto& p : *props) {
        size_t eq = p.find('=');
        if (eq == std::string::npos || eq == 0) {
          throw CliError{Status::InvalidArgument("--property wants k=v, got '" + p + "'"), 2};
        }
        opts->properties[p.substr(0, eq)] = p.substr(eq + 1);
      }
      TableEntry e = OrDie(OpenCatalog()->CreateTable(*name, *opts));
      std::cout << "created " << e.name.ToString() << " at " << e.location << " (";
      PrintSummary(e.summary);
      std::cout << ")\n";
    });
  }
  {
    auto* c = cat->add_subcommand("register", "Register an existing Delta table under a name");
    auto name = std::make_shared<std::string>();
    auto loc = std::make_shared<std::string>();
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_option("LOCATION", *loc, "Table path or URI")->required();
    c->callback([=] {
      TableEntry e = OrDie(OpenCatalog()->RegisterTable(*name, *loc));
      std::cout << "registered " << e.name.ToString() << " at " << e.location << " (";
      PrintSummary(e.summary);
      std::cout << ")\n";
    });
  }
  {
    auto* c = cat->add_subcommand("drop-table", "Drop a table's catalog entry");
    auto name = std::make_shared<std::string>();
    auto purge = std::make_shared<bool>(false);
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_flag("--purge", *purge, "Also delete every file under the table's location");
    c->callback([=] { OrDie(OpenCatalog()->DropTable(*name, *purge)); });
  }
  {
    auto* c = cat->add_subcommand("rename", "Rename a table (its data does not move)");
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    c->add_option("FROM", *from, "NS.TABLE")->required();
    c->add_option("TO", *to, "NS.TABLE")->required();
    c->callback([=] { OrDie(OpenCatalog()->RenameTable(*from, *to)); });
  }
  {
    auto* c = cat->add_subcommand("tables", "List tables with their cached summaries");
    auto ns = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    c->add_option("NS", *ns, "Only this namespace");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] { ListTables(*ns, *json); });
  }
  {
    auto* c = cat->add_subcommand("describe",
                                  "A table's catalog entry, then its log (as 'lake describe')");
    auto name = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_flag("--json", *json, "The catalog entry as JSON");
    c->callback([=] { DescribeEntry(*name, *json); });
  }
  {
    auto* c = cat->add_subcommand("set-property", "Set table properties (catalog only)");
    auto name = std::make_shared<std::string>();
    auto kvs = std::make_shared<std::vector<std::string>>();
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_option("KV", *kvs, "k=v (k= with nothing after '=' unsets k)")->required();
    c->callback([=] {
      auto catalog = OpenCatalog();
      for (const auto& p : *kvs) {
        size_t eq = p.find('=');
        if (eq == std::string::npos || eq == 0) {
          throw CliError{Status::InvalidArgument("expected k=v, got '" + p + "'"), 2};
        }
        if (eq + 1 == p.size()) {
          OrDie(catalog->UnsetProperty(*name, p.substr(0, eq)));
        } else {
          OrDie(catalog->SetProperty(*name, p.substr(0, eq), p.substr(eq + 1)));
        }
      }
    });
  }
  {
    auto* c = cat->add_subcommand("comment", "Set a table's comment ('' clears it)");
    auto name = std::make_shared<std::string>();
    auto text = std::make_shared<std::string>();
    c->add_option("NAME", *name, "NS.TABLE")->required();
    c->add_option("TEXT", *text, "The comment")->required();
    c->callback([=] { OrDie(OpenCatalog()->SetComment(*name, *text)); });
  }
  {
    auto* c = cat->add_subcommand(
        "sync", "Reload cached summaries from the tables' logs (all, one namespace or one table)");
    auto scope = std::make_shared<std::string>();
    c->add_option("SCOPE", *scope, "NS or NS.TABLE (default: every table)");
    c->callback([=] {
      SyncResult r = OrDie(OpenCatalog()->Sync(*scope));
      std::cout << "sync: " << r.refreshed << " refreshed, " << r.unchanged << " unchanged, "
                << r.errors.size() << " failed\n";
      for (const auto& e : r.errors) std::cerr << "lake: warning: " << e << "\n";
      if (!r.errors.empty()) {
        throw CliError{Status::IOError(std::to_string(r.errors.size()) +
                                       " table(s) could not be synced (see above)")};
      }
    });
  }
}

}  // namespace lake::cli
