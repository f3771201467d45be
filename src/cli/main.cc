// lake: the command-line surface of the library. Each command lives in its own cmd_*.cc.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/cli_common.h"

int main(int argc, char** argv) {
  CLI::App app{"lake: ACID tables on Parquet (the Delta Lake protocol), powered by DuckDB"};
  app.require_subcommand(1);
  app.set_version_flag("--version-info", "lake 0.1.0 (DuckDB 1.4.4)");
  // Global: accepted before or after the subcommand.
  app.add_option("--catalog", lake::cli::CatalogUri(),
                 "Catalog URI: postgresql://..., sqlite:PATH or a file (default: $LAKE_CATALOG, "
                 "else $LAKE_HOME/catalog.db)");
  app.fallthrough();
  lake::cli::RegisterDescribe(app);
  lake::cli::RegisterHistory(app);
  lake::cli::RegisterFiles(app);
  lake::cli::RegisterExplain(app);
  lake::cli::RegisterScan(app);
  lake::cli::RegisterConformance(app);
  lake::cli::RegisterCheckpoint(app);
  lake::cli::RegisterVacuum(app);
  lake::cli::RegisterCatalog(app);
  lake::cli::RegisterStoreCopy(app);
  lake::cli::RegisterCreate(app);
  lake::cli::RegisterWrite(app);
  lake::cli::RegisterSql(app);
  lake::cli::RegisterAlter(app);
  lake::cli::RegisterOptimize(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "lake: error: %s (see 'lake --help')\n", e.what());
    return 2;
  } catch (const lake::cli::CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "lake: error: %s\n", lake::cli::OneLine(e.status.message()).c_str());
    return e.exit_code;
  }
  return 0;
}
