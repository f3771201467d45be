// Helpers shared by the benchmark programs: timing, medians, RSS, and a generator for a
// partitioned events table (Parquet written by DuckDB, the Delta log written here).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/duckdb_engine.h"
#include "lake/object_store.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "util/json_writer.h"

namespace lake::bench {

inline double Seconds(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline long MaxRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

inline void Die(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "bench: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

// Creates (version 0) the log-only table the commit benchmarks use: (id long, p string)
// partitioned by p, protocol 1/2, `conf` as its configuration.
inline std::shared_ptr<Table> CreateLogOnlyTable(const std::string& uri,
                                                 std::map<std::string, std::string> conf = {}) {
  auto t = Table::OpenForCreate(uri);
  Die(t.status(), "open for create");
  auto x = Transaction::Start(*t);
  Die(x.status(), "start");
  Protocol p;
  p.min_reader_version = 1;
  p.min_writer_version = 2;
  Metadata m;
  m.id = "00000000-0000-4000-8000-00000000be7c";
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})";
  m.partition_columns = {"p"};
  m.configuration = std::move(conf);
  (*x)->SetProtocol(p);
  (*x)->SetMetadata(m);
  Die((*x)->Commit().status(), "create");
  return *t;
}

// Writes `rows` rows of an events table (id BIGINT, ts TIMESTAMP, user_id BIGINT, event_type
// VARCHAR, value DOUBLE, country VARCHAR partition column) into `dir` as `files` Parquet files
// spread over `partitions` countries, and commits them as version 0 of a Delta table with
// per-file stats (computed by DuckDB over the written files).
inline void GenerateEventsTable(const std::string& dir, int64_t rows, int files, int partitions) {
  auto db = engine::Database::Open();
  Die(db.status(), "open duckdb");
  auto conn = (*db)->Connect();
  Die(conn.status(), "connect");
  auto& c = **conn;
  // Rows arrive in id order (as events arrive in time order): each file holds one contiguous id
  // range, and files are dealt round-robin to the partitions.
  std::string file_no = "(i * " + std::to_string(files) + " // " + std::to_string(rows) + ")";
  std::string gen =
      "SELECT i AS id, TIMESTAMP '2026-01-01' + to_seconds(i % 31536000) AS ts, "
      "(i * 7919) % 1000000 AS user_id, ['click','view','buy','scroll','share'][1 + i % 5] AS "
      "event_type, (i % 1000) / 10.0 AS value, 'c' || lpad((" +
      file_no + " % " + std::to_string(partitions) + ")::VARCHAR, 3, '0') AS country, " + file_no +
      " // " + std::to_string(partitions) + " AS bucket FROM range(" + std::to_string(rows) +
      ") t(i)";
  Die(c.Execute("COPY (" + gen + ") TO " + engine::QuoteString(dir) +
                " (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (country, bucket), "
                "FILENAME_PATTERN 'part-{uuid}', OVERWRITE_OR_IGNORE true)"),
      "write parquet");
  auto st = c.Query(
      "SELECT replace(filename, " + engine::QuoteString(dir + "/") +
      ", '') AS path, any_value(country) AS country, count(*)::BIGINT, min(id)::BIGINT, "
      "max(id)::BIGINT, strftime(min(ts), '%Y-%m-%dT%H:%M:%S.000Z'), "
      "strftime(max(ts), '%Y-%m-%dT%H:%M:%S.000Z'), min(user_id)::BIGINT, max(user_id)::BIGINT, "
      "min(event_type), max(event_type), min(value), max(value) FROM read_parquet(" +
      engine::QuoteString(dir + "/**/*.parquet") +
      ", filename=true, hive_partitioning=true) GROUP BY filename ORDER BY filename");
  Die(st.status(), "collect stats");
  const auto& r = *st;
  std::string log;
  log += R"({"commitInfo":{"timestamp":)" + std::to_string(time(nullptr) * 1000LL) +
         R"(,"operation":"WRITE","operationParameters":{"mode":"ErrorIfExists"},)"
         R"("engineInfo":"lake bench generator"}})"
         "\n";
  log += R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
         "\n";
  const char* schema =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"ts","type":"timestamp_ntz","nullable":true,"metadata":{}},)"
      R"({"name":"user_id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"event_type","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"value","type":"double","nullable":true,"metadata":{}},)"
      R"({"name":"country","type":"string","nullable":true,"metadata":{}}]})";
  JsonWriter md;
  md.BeginObject().Key("metaData").BeginObject();
  md.Key("id").String("00000000-0000-0000-0000-00000000beef");
  md.Key("format")
      .BeginObject()
      .Key("provider")
      .String("parquet")
      .Key("options")
      .BeginObject()
      .EndObject()
      .EndObject();
  md.Key("schemaString").String(schema);
  md.Key("partitionColumns").BeginArray().String("country").EndArray();
  md.Key("configuration").BeginObject().EndObject();
  md.Key("createdTime").Int(1767225600000);
  md.EndObject().EndObject();
  log += md.str() + "\n";
  auto store = NewLocalStore(dir, dir);
  for (size_t i = 0; i < r.row_count(); ++i) {
    std::string path(r.GetString(0, i));
    auto head = store->Head(path);
    Die(head.status(), "stat data file");
    JsonWriter s;
    s.BeginObject().Key("numRecords").Int(r.GetInt64(2, i));
    s.Key("minValues")
        .BeginObject()
        .Key("id")
        .Int(r.GetInt64(3, i))
        .Key("ts")
        .String(r.GetString(5, i));
    s.Key("user_id").Int(r.GetInt64(7, i)).Key("event_type").String(r.GetString(9, i));
    s.Key("value").Double(r.GetDouble(11, i)).EndObject();
    s.Key("maxValues")
        .BeginObject()
        .Key("id")
        .Int(r.GetInt64(4, i))
        .Key("ts")
        .String(r.GetString(6, i));
    s.Key("user_id").Int(r.GetInt64(8, i)).Key("event_type").String(r.GetString(10, i));
    s.Key("value").Double(r.GetDouble(12, i)).EndObject();
    s.Key("nullCount").BeginObject().Key("id").Int(0).Key("ts").Int(0).Key("user_id").Int(0);
    s.Key("event_type").Int(0).Key("value").Int(0).EndObject().EndObject();
    JsonWriter a;
    a.BeginObject().Key("add").BeginObject().Key("path").String(path);
    a.Key("partitionValues").BeginObject().Key("country").String(r.GetString(1, i)).EndObject();
    a.Key("size").Int(static_cast<int64_t>(head->size)).Key("modificationTime").Int(head->mtime_ms);
    a.Key("dataChange").Bool(true).Key("stats").String(s.str()).EndObject().EndObject();
    log += a.str() + "\n";
  }
  Die(store->PutIfAbsent("_delta_log/00000000000000000000.json", log), "commit");
}

}  // namespace lake::bench
