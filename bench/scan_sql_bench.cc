// BuildScanSql vs raw read_parquet over the same files.
//
//   big:   10M rows in 100 files, 10 partitions (partition column p integer)
//   small: 1M rows in 10,000 files, 100 partitions
// Each iteration plans (BuildScanSql, warm metadata cache) and runs the query, consuming the
// result inside DuckDB (count/sum over all output columns) or materialising a selective result.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "engine/duckdb_engine.h"
#include "scan/scan_sql.h"

namespace {

using namespace lake;
using lake::scan::BuildScanSql;
using lake::scan::ScanInput;

struct Dataset {
  std::string root;
  std::vector<AddFile> adds;
  std::vector<std::string> paths;
};

std::unique_ptr<engine::Connection> g_conn;
Schema g_schema;
std::map<std::string, Dataset> g_data;

void Check(const Status& st) {
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.ToString().c_str());
    std::exit(1);
  }
}

Dataset& Data(const std::string& name) {
  auto it = g_data.find(name);
  if (it != g_data.end()) return it->second;
  Dataset d;
  d.root = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
           "/lake-scan-bench-" + name;
  bool big = name == "big";
  int files = big ? 100 : 10000, rows = big ? 100000 : 100, parts = big ? 10 : 100;
  bool exists = std::filesystem::exists(d.root + "/done");
  for (int f = 0; f < files; ++f) {
    int p = f % parts;
    std::string rel = "p=" + std::to_string(p) + "/f" + std::to_string(f) + ".parquet";
    std::string path = d.root + "/" + rel;
    if (!exists) {
      std::filesystem::create_directories(d.root + "/p=" + std::to_string(p));
      Check(g_conn->Execute("COPY (SELECT (i + " + std::to_string(f * rows) +
                            ")::BIGINT AS id, (i * 0.5)::DOUBLE AS v, 'str' || (i % 1000) AS s, "
                            "(i % 7)::INTEGER AS k FROM range(" + std::to_string(rows) +
                            ") t(i)) TO '" + path + "' (FORMAT parquet)"));
    }
    AddFile a;
    a.path = rel;
    a.partition_values = {{"p", std::to_string(p)}};
    a.size = static_cast<int64_t>(std::filesystem::file_size(path));
    d.adds.push_back(a);
    d.paths.push_back(path);
  }
  if (!exists) Check(g_conn->Execute("COPY (SELECT 1) TO '" + d.root + "/done' (FORMAT csv)"));
  return g_data[name] = std::move(d);
}

std::string RawList(const Dataset& d) {
  std::string l = "[";
  for (size_t i = 0; i < d.paths.size(); ++i) l += (i ? ", '" : "'") + d.paths[i] + "'";
  return l + "]";
}

void RunQuery(benchmark::State& state, const std::string& sql) {
  auto r = g_conn->Query(sql);
  if (!r.ok()) {
    state.SkipWithError(r.status().ToString().c_str());
    return;
  }
  benchmark::DoNotOptimize(r->row_count());
}

std::string Wrap(const std::string& q, bool full, bool raw) {
  if (full) {
    return "SELECT count(*), sum(id), sum(v), max(s), sum(k)" +
           std::string(raw ? "" : ", sum(p)") + " FROM (" + q + ")";
  }
  return q;  // selective: the query carries its WHERE
}

void BM_Lake(benchmark::State& state, const std::string& name, bool full, bool cold) {
  Dataset& d = Data(name);
  ScanInput in;
  in.table_root_local = d.root;
  in.schema = &g_schema;
  in.partition_columns = {"p"};
  for (const auto& a : d.adds) in.files.push_back(&a);
  if (!full) in.where = name == "big" ? "id BETWEEN 5000000 AND 5001000" : "id BETWEEN 500000 AND 501000";
  for (auto _ : state) {
    if (cold) lake::scan::ClearFileSchemaCache();
    auto sql = BuildScanSql(*g_conn, in, nullptr);
    if (!sql.ok()) {
      state.SkipWithError(sql.status().ToString().c_str());
      return;
    }
    if (std::getenv("LAKE_BENCH_PRINT_SQL")) fprintf(stderr, "%s\n", sql->c_str());
    RunQuery(state, Wrap(*sql, full, false));
  }
}

void BM_BuildOnly(benchmark::State& state, const std::string& name) {
  Dataset& d = Data(name);
  ScanInput in;
  in.table_root_local = d.root;
  in.schema = &g_schema;
  in.partition_columns = {"p"};
  for (const auto& a : d.adds) in.files.push_back(&a);
  for (auto _ : state) {
    auto sql = BuildScanSql(*g_conn, in, nullptr);
    benchmark::DoNotOptimize(sql.ok());
  }
}

void BM_Raw(benchmark::State& state, const std::string& name, bool full) {
  Dataset& d = Data(name);
  std::string q = "SELECT * FROM read_parquet(" + RawList(d) + ")";
  if (!full) {
    q += name == "big" ? " WHERE id BETWEEN 5000000 AND 5001000" : " WHERE id BETWEEN 500000 AND 501000";
  }
  for (auto _ : state) RunQuery(state, Wrap(q, full, true));
}

}  // namespace

int main(int argc, char** argv) {
  auto db = engine::Database::Open();
  Check(db.status());
  auto c = (*db)->Connect();
  Check(c.status());
  g_conn = std::move(*c);
  auto s = ParseSchema(
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"v","type":"double","nullable":true,"metadata":{}},)"
      R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"k","type":"integer","nullable":true,"metadata":{}},)"
      R"({"name":"p","type":"integer","nullable":true,"metadata":{}}]})");
  Check(s.status());
  g_schema = *s;
  for (std::string name : {"big", "small"}) {
    for (bool full : {true, false}) {
      std::string suffix = name + (full ? "/full" : "/selective");
      benchmark::RegisterBenchmark(("raw/" + suffix).c_str(), BM_Raw, name, full)
          ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
      benchmark::RegisterBenchmark(("lake/" + suffix).c_str(), BM_Lake, name, full, false)
          ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
      benchmark::RegisterBenchmark(("lake_cold_schema_cache/" + suffix).c_str(), BM_Lake, name,
                                   full, true)
          ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
    }
  }
  for (std::string name : {"big", "small"}) {
    benchmark::RegisterBenchmark(("build_sql_only/" + name).c_str(), BM_BuildOnly, name)
        ->Unit(benchmark::kMicrosecond)->MinTime(3.0);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  g_conn.reset();
  return 0;
}
