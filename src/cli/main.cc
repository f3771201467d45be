// lake: the command-line surface of the library. Each command lives in its own cmd_*.cc.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/cli_common.h"
#include "storage/store_overrides.h"

int main(int argc, char** argv) {
  CLI::App app{"lake: ACID tables on Parquet (the Delta Lake protocol), powered by DuckDB"};
  app.require_subcommand(1);
  app.set_version_flag("--version-info", "lake 0.1.0 (DuckDB 1.4.4)");
  // Global: accepted before or after the subcommand.
  app.add_option("--catalog", lake::cli::CatalogUri(),
                 "Catalog URI: postgresql://..., sqlite:PATH or a file (default: $LAKE_CATALOG, "
                 "else $LAKE_HOME/catalog.db)");
  // S3 settings for every s3:// location of this run (over AWS_* variables; a catalog table's
  // own s3.* properties still win for its location). Credentials only by environment or
  // catalog: a flag would show them in the process list.
  static lake::StoreSettings s3_flags;
  app.add_option("--s3-endpoint", s3_flags["s3.endpoint"],
                 "S3 endpoint URL, e.g. http://127.0.0.1:9000 (default: $AWS_ENDPOINT_URL, else AWS)");
  app.add_option("--s3-region", s3_flags["s3.region"], "S3 region (default: $AWS_REGION, else us-east-1)");
  app.add_option("--s3-addressing-style", s3_flags["s3.addressing-style"],
                 "path or virtual (default: path for a custom endpoint, virtual for AWS)")
      ->check(CLI::IsMember({"path", "virtual"}));
  app.parse_complete_callback([] {
    lake::StoreSettings given;
    for (const auto& [k, v] : s3_flags)
      if (!v.empty()) given.emplace(k, v);
    lake::SetStoreOverrides("s3://", given);
  });
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
