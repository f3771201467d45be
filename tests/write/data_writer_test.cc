#include "write/data_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/write.h"
#include "table_test_util.h"
#include "test_util.h"
#include "util/json_writer.h"

namespace lake::write {
namespace {

namespace fs = std::filesystem;
using lake::testing::TempDir;
using lake::testing::Conn;

Schema Ddl(const std::string& ddl) {
  auto s = ParseSchemaDDL(ddl);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

int CountParquetFiles(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

// Test fixture only: commits `adds` as version 0 of a table (the product commits through
// lake::Transaction).
void CommitFixture(const std::string& dir, const Schema& schema,
                   const std::vector<std::string>& parts, const std::vector<AddFile>& adds) {
  auto proto = MinimumProtocol(schema, {});
  ASSERT_TRUE(proto.ok());
  std::string log;
  JsonWriter p;
  p.BeginObject().Key("protocol").BeginObject();
  p.Key("minReaderVersion").Int(proto->min_reader_version);
  p.Key("minWriterVersion").Int(proto->min_writer_version);
  if (proto->reader_features) {
    p.Key("readerFeatures").BeginArray();
    for (auto& f : *proto->reader_features) p.String(f);
    p.EndArray();
  }
  if (proto->writer_features) {
    p.Key("writerFeatures").BeginArray();
    for (auto& f : *proto->writer_features) p.String(f);
    p.EndArray();
  }
  p.EndObject().EndObject();
  log += p.str() + "\n";
  JsonWriter m;
  m.BeginObject().Key("metaData").BeginObject().Key("id").String("test");
  m.Key("format").BeginObject().Key("provider").String("parquet").Key("options").BeginObject()
      .EndObject().EndObject();
  m.Key("schemaString").String(SchemaToJson(schema));
  m.Key("partitionColumns").BeginArray();
  for (auto& c : parts) m.String(c);
  m.EndArray().Key("configuration").BeginObject().EndObject().EndObject().EndObject();
  log += m.str() + "\n";
  for (const auto& a : adds) {
    JsonWriter w;
    w.BeginObject().Key("add").BeginObject().Key("path").String(a.path);
    w.Key("partitionValues").BeginObject();
    for (const auto& [k, v] : a.partition_values) {
      w.Key(k);
      if (v) w.String(*v); else w.Null();
    }
    w.EndObject().Key("size").Int(a.size).Key("modificationTime").Int(a.modification_time);
    w.Key("dataChange").Bool(true).Key("stats").String(a.stats).EndObject().EndObject();
    log += w.str() + "\n";
  }
  lake::testing::WriteFile(dir + "/_delta_log/00000000000000000000.json", log);
}

TEST(PartitionEscaping, HiveRules) {
  EXPECT_EQ(EscapePartitionValue("abc"), "abc");
  EXPECT_EQ(EscapePartitionValue("a/b"), "a%2Fb");
  EXPECT_EQ(EscapePartitionValue("a=b:c"), "a%3Db%3Ac");
  EXPECT_EQ(EscapePartitionValue("100%"), "100%25");
  EXPECT_EQ(EscapePartitionValue("sp ace"), "sp ace");  // spaces stay (Hive on POSIX)
  EXPECT_EQ(EscapePartitionValue("x\ny#{[]}^?*'\"\\"), "x%0Ay%23%7B%5B%5D}%5E%3F%2A%27%22%5C");
  EXPECT_EQ(EscapePartitionValue("é"), "é");
  // The AddFile path is then URI-encoded: % of the escape is encoded again.
  EXPECT_EQ(EncodePath("p=a%3Ab c/part-1.parquet"), "p=a%253Ab%20c/part-1.parquet");
  EXPECT_EQ(EncodePath("p=é/x"), "p=%C3%A9/x");
}

TEST(StatsTruncation, PrefixAndRoundedUpMax) {
  std::string s40(40, 'a');
  EXPECT_EQ(TruncateStatsMin(s40), std::string(32, 'a'));
  EXPECT_EQ(TruncateStatsMax(s40).value(), std::string(31, 'a') + "b");
  EXPECT_EQ(TruncateStatsMin("short"), "short");
  EXPECT_EQ(TruncateStatsMax("short").value(), "short");
  // Code points, not bytes: 40 'é' (2 bytes each) -> 32 'é'.
  std::string e;
  for (int i = 0; i < 40; ++i) e += "é";
  std::string e32;
  for (int i = 0; i < 32; ++i) e32 += "é";
  EXPECT_EQ(TruncateStatsMin(e), e32);
  std::string e31;
  for (int i = 0; i < 31; ++i) e31 += "é";
  EXPECT_EQ(TruncateStatsMax(e).value(), e31 + "ê");
  EXPECT_GT(TruncateStatsMax(e).value(), e);  // byte order: still an upper bound
  // The last code point at U+10FFFF: carry into the previous one.
  std::string top = std::string(31, 'a') + "\xF4\x8F\xBF\xBF" + "zzz";
  EXPECT_EQ(TruncateStatsMax(top).value(), std::string(30, 'a') + "b");
  std::string all_top;
  for (int i = 0; i < 33; ++i) all_top += "\xF4\x8F\xBF\xBF";
  EXPECT_FALSE(TruncateStatsMax(all_top).has_value());
}

TEST(StatsColumns, NumIndexedAndExplicitColumns) {
  Schema s = Ddl("a INT, p VARCHAR, s STRUCT(x INT, y STRUCT(z INT)), b INT, c INT");
  auto all = StatsColumns(s, {"p"}, {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);  // a, s.x, s.y.z, b, c (p is a partition column)
  EXPECT_EQ((*all)[2], std::vector<std::string>({"s", "y", "z"}));
  auto two = StatsColumns(s, {"p"}, {{"delta.dataSkippingNumIndexedCols", "2"}});
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1], std::vector<std::string>({"s", "x"}));
  auto named = StatsColumns(s, {"p"}, {{"delta.dataSkippingStatsColumns", "c, S.y"}});
  ASSERT_TRUE(named.ok());
  ASSERT_EQ(named->size(), 2u);
  EXPECT_EQ((*named)[0], std::vector<std::string>({"s", "y", "z"}));
  EXPECT_EQ((*named)[1], std::vector<std::string>({"c"}));
  EXPECT_FALSE(StatsColumns(s, {}, {{"delta.dataSkippingStatsColumns", "nope"}}).ok());
}

struct Written {
  Result<DataWriteResult> r;
};

Result<DataWriteResult> Write(engine::Connection& c, const std::string& dir, const Schema& schema,
                              const std::string& sql, std::vector<std::string> parts = {},
                              std::map<std::string, std::string> conf = {},
                              std::string pred = "") {
  DataWriteOptions o;
  o.source_sql = sql;
  o.schema = &schema;
  o.partition_columns = std::move(parts);
  o.configuration = std::move(conf);
  o.table_root_local = dir;
  o.require_predicate = std::move(pred);
  return WriteDataFiles(c, o);
}

TEST(DataWriter, RefusesBadValuesNamingTheColumnAndWritesNothing) {
  TempDir dir;
  auto c = Conn();
  Schema s = Ddl("id BIGINT NOT NULL, price DECIMAL(10,2), name VARCHAR");
  auto bad = Write(*c, dir.path(), s,
                   "SELECT * FROM (VALUES (1, '1.5', 'a'), (2, 'abc', 'b'), (3, 'x', 'c')) "
                   "t(id, price, name)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "2 rows break the table's rules; nothing was written (column 'price': cast to "
            "DECIMAL(10,2) (source type VARCHAR): 2). Examples:\n"
            "  {'id': 2, 'price': abc, 'name': b} violates column 'price': cast to DECIMAL(10,2) "
            "(source type VARCHAR)\n"
            "  {'id': 3, 'price': x, 'name': c} violates column 'price': cast to DECIMAL(10,2) "
            "(source type VARCHAR)")
      << bad.status().message();
  auto nulls = Write(*c, dir.path(), s,
                     "SELECT * FROM (VALUES (NULL, 1.5, 'a'), (NULL, 2, 'b'), (NULL, 3, 'c'), "
                     "(4, 4, 'd')) t(id, price, name)");
  ASSERT_FALSE(nulls.ok());
  EXPECT_NE(nulls.status().message().find(
                "3 rows break the table's rules; nothing was written (column 'id': NOT NULL: 3)"),
            std::string::npos)
      << nulls.status().message();
  auto missing = Write(*c, dir.path(), s, "SELECT 2.5 AS price, 'x' AS name");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "column 'id' is NOT NULL but missing from the source (source columns: price, name)");
  auto extra = Write(*c, dir.path(), s, "SELECT 1 AS id, 2.5 AS price, 'x' AS name, 3 AS extra");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().message(), "source column 'extra' is not in the table schema");
  auto pred = Write(*c, dir.path(), s,
                    "SELECT i AS id, 1.0 AS price, 'n' AS name FROM range(10) t(i)", {}, {},
                    "id < 5");
  ASSERT_FALSE(pred.ok());
  EXPECT_NE(pred.status().message().find("5 rows of the source do not satisfy"),
            std::string::npos);
  EXPECT_EQ(CountParquetFiles(dir.path()), 0);
  // Case-insensitive names and castable values are fine.
  // Case-insensitive names, castable values, and a missing nullable column (NULL) are fine.
  auto ok = Write(*c, dir.path(), s, "SELECT 7 AS ID, '2.50' AS Price");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->rows, 1);
  ASSERT_EQ(ok->files.size(), 1u);
  EXPECT_EQ(CountParquetFiles(dir.path()), 1);  // no staging left behind
}

simdjson::dom::element ParseJson(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(s).get(e), simdjson::SUCCESS) << s;
  return e;
}

TEST(DataWriter, StatsMatchDuckDBAggregates) {
  TempDir dir;
  auto c = Conn();
  Schema s = Ddl(
      "id BIGINT, v DOUBLE, dec DECIMAL(12,3), s VARCHAR, ts TIMESTAMPTZ, ntz TIMESTAMP, d DATE, "
      "st STRUCT(a INT, b VARCHAR), arr INT[], flag BOOLEAN, p VARCHAR");
  std::string src =
      "SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 END AS v, (i * 1.001)::DECIMAL(12,3) AS dec, "
      "CASE WHEN i % 5 = 0 THEN NULL ELSE repeat(chr(97 + (i % 26)::INT), 40) || i END AS s, "
      "TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_microseconds(i * 1234567) AS ts, "
      "TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 999) AS ntz, DATE '2000-01-01' + i::INT AS d, "
      "CASE WHEN i % 11 = 0 THEN NULL ELSE {'a': i::INT, 'b': 'b' || i} END AS st, [i::INT] AS arr, "
      "i % 2 = 0 AS flag, 'p' || (i % 3) AS p FROM range(1000) t(i)";
  auto r = Write(*c, dir.path(), s, src, {"p"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->files.size(), 3u);
  EXPECT_EQ(r->rows, 1000);
  simdjson::dom::parser parser;
  for (const auto& f : r->files) {
    ASSERT_EQ(f.partition_values.size(), 1u);
    std::string p = *f.partition_values[0].second;
    EXPECT_EQ(f.path.rfind("p=" + p + "/part-", 0), 0u) << f.path;
    EXPECT_NE(f.path.find(".c000.zstd.parquet"), std::string::npos) << f.path;
    auto agg = c->Query(
        "SELECT count(*), min(id), max(id), min(v)::VARCHAR, max(v)::VARCHAR, count(*) FILTER (v IS NULL), "
        "min(dec)::VARCHAR, max(dec)::VARCHAR, min(s), max(s), count(*) FILTER (s IS NULL), "
        "strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%gZ'), strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%gZ'), "
        "strftime(min(ntz), '%Y-%m-%dT%H:%M:%S.%g'), strftime(max(ntz), '%Y-%m-%dT%H:%M:%S.%g'), "
        "min(d)::VARCHAR, max(d)::VARCHAR, min(st.a), max(st.a), count(*) FILTER (st.a IS NULL), "
        "min(st.b), max(st.b) FROM (" + src + ") WHERE p = '" + p + "'");
    ASSERT_TRUE(agg.ok()) << agg.status().ToString();
    auto st = ParseJson(parser, f.stats);
    EXPECT_EQ(int64_t(st["numRecords"]), agg->GetInt64(0, 0));
    auto mn = st["minValues"], mx = st["maxValues"], nc = st["nullCount"];
    EXPECT_EQ(int64_t(mn["id"]), agg->GetInt64(1, 0));
    EXPECT_EQ(int64_t(mx["id"]), agg->GetInt64(2, 0));
    EXPECT_DOUBLE_EQ(double(mn["v"]), std::stod(std::string(agg->GetString(3, 0))));
    EXPECT_DOUBLE_EQ(double(mx["v"]), std::stod(std::string(agg->GetString(4, 0))));
    EXPECT_EQ(int64_t(nc["v"]), agg->GetInt64(5, 0));
    // Decimals are JSON numbers with the column's scale.
    EXPECT_NE(f.stats.find("\"dec\":" + std::string(agg->GetString(6, 0))), std::string::npos);
    EXPECT_NE(f.stats.find("\"dec\":" + std::string(agg->GetString(7, 0))), std::string::npos);
    std::string smin(agg->GetString(8, 0)), smax(agg->GetString(9, 0));
    EXPECT_EQ(std::string_view(mn["s"]), TruncateStatsMin(smin));
    EXPECT_EQ(std::string_view(mx["s"]), TruncateStatsMax(smax).value());
    EXPECT_EQ(std::string_view(mx["s"]).size(), 32u);
    EXPECT_EQ(int64_t(nc["s"]), agg->GetInt64(10, 0));
    EXPECT_EQ(std::string_view(mn["ts"]), agg->GetString(11, 0));
    EXPECT_EQ(std::string_view(mx["ts"]), agg->GetString(12, 0));
    EXPECT_EQ(std::string_view(mn["ntz"]), agg->GetString(13, 0));
    EXPECT_EQ(std::string_view(mx["ntz"]), agg->GetString(14, 0));
    EXPECT_EQ(std::string_view(mn["d"]), agg->GetString(15, 0));
    EXPECT_EQ(std::string_view(mx["d"]), agg->GetString(16, 0));
    EXPECT_EQ(int64_t(mn["st"]["a"]), agg->GetInt64(17, 0));
    EXPECT_EQ(int64_t(mx["st"]["a"]), agg->GetInt64(18, 0));
    EXPECT_EQ(int64_t(nc["st"]["a"]), agg->GetInt64(19, 0));
    EXPECT_EQ(std::string_view(mn["st"]["b"]), agg->GetString(20, 0));
    EXPECT_EQ(std::string_view(mx["st"]["b"]), agg->GetString(21, 0));
    EXPECT_EQ(int64_t(nc["flag"]), 0);
    // No min/max for booleans and arrays; no stats at all for arrays; none for partitions.
    EXPECT_EQ(mn["flag"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(nc["arr"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(nc["p"].error(), simdjson::NO_SUCH_FIELD);
  }
}

TEST(DataWriter, HonoursNumIndexedColsCodecAndFileSize) {
  TempDir dir;
  auto c = Conn();
  Schema s = Ddl("a BIGINT, b BIGINT, c VARCHAR");
  auto r = Write(*c, dir.path(), s,
                 "SELECT i AS a, i * 2 AS b, md5(i::VARCHAR) AS c FROM range(200000) t(i)", {},
                 {{"delta.dataSkippingNumIndexedCols", "1"},
                  {"delta.parquet.compression.codec", "snappy"},
                  {"delta.targetFileSize", "1mb"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->files.size(), 1u);
  int64_t rows = 0;
  simdjson::dom::parser parser;
  for (const auto& f : r->files) {
    EXPECT_NE(f.path.find(".c000.snappy.parquet"), std::string::npos);
    EXPECT_EQ(f.path.find('/'), std::string::npos);  // unpartitioned: table root
    auto st = ParseJson(parser, f.stats);
    rows += int64_t(st["numRecords"]);
    EXPECT_EQ(st["minValues"]["a"].error(), simdjson::SUCCESS);
    EXPECT_EQ(st["minValues"]["b"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(st["nullCount"]["c"].error(), simdjson::NO_SUCH_FIELD);
  }
  EXPECT_EQ(rows, 200000);
}

TEST(DataWriter, PartitionValuesEscapedAndSerialized) {
  TempDir dir;
  auto c = Conn();
  Schema s = Ddl("id INT, p VARCHAR, d DATE, t TIMESTAMPTZ, n DECIMAL(5,2), b BOOLEAN");
  auto r = Write(*c, dir.path(), s,
                 "SELECT * FROM (VALUES (1, 'a/b=c:d', DATE '2024-01-02', TIMESTAMPTZ "
                 "'2024-01-02 03:04:05.123456+00', 1.50, true), (2, NULL, NULL, NULL, NULL, NULL), "
                 "(3, '', DATE '2024-01-02', TIMESTAMPTZ '2024-01-02 03:04:05.123456+00', -2.00, "
                 "false), (4, 'NULL', DATE '2024-01-02', NULL, 1.50, true), (5, '100% é', NULL, "
                 "NULL, NULL, NULL)) v(id, p, d, t, n, b)",
                 {"p", "d", "t", "n", "b"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->files.size(), 5u);
  std::map<std::string, AddFile> by_path;
  for (const auto& f : r->files) {
    std::string dirpart = f.path.substr(0, f.path.rfind('/'));
    by_path[dirpart] = f;
  }
  auto it = by_path.find(
      "p=a%252Fb%253Dc%253Ad/d=2024-01-02/t=2024-01-02T03%253A04%253A05.123456Z/n=1.50/b=true");
  ASSERT_NE(it, by_path.end()) << by_path.begin()->first;
  EXPECT_EQ(*it->second.partition_values[0].second, "a/b=c:d");
  EXPECT_EQ(*it->second.partition_values[2].second, "2024-01-02T03:04:05.123456Z");
  // NULL and '' are both the null partition; the string 'NULL' is a value.
  int nulls = 0;
  for (const auto& f : r->files) {
    if (!f.partition_values[0].second) {
      ++nulls;
      EXPECT_EQ(f.path.rfind("p=__HIVE_DEFAULT_PARTITION__/", 0), 0u);
    }
  }
  EXPECT_EQ(nulls, 2);
  EXPECT_NE(by_path.find("p=NULL/d=2024-01-02/t=__HIVE_DEFAULT_PARTITION__/n=1.50/b=true"),
            by_path.end());
  EXPECT_NE(by_path.find("p=100%2525%20%C3%A9/d=__HIVE_DEFAULT_PARTITION__/t=__HIVE_DEFAULT_PARTITION__/"
                         "n=__HIVE_DEFAULT_PARTITION__/b=__HIVE_DEFAULT_PARTITION__"),
            by_path.end());
  // Every path resolves to a file on disk.
  for (const auto& f : r->files) {
    std::string rel;
    for (size_t i = 0; i < f.path.size(); ++i) {
      if (f.path[i] == '%') {
        rel.push_back(static_cast<char>(std::stoi(f.path.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        rel.push_back(f.path[i]);
      }
    }
    EXPECT_TRUE(fs::exists(dir.path() + "/" + rel)) << rel;
  }
}

// Writes every type (and partitions), commits the files as a test fixture, and reads the table
// back through lake::Scan: the rows must be exactly the source rows.
TEST(DataWriter, EveryTypeRoundTripsThroughScan) {
  TempDir dir;
  auto c = Conn();
  Schema s = Ddl(
      "id BIGINT NOT NULL, i32 INT, i16 SMALLINT, i8 TINYINT, f FLOAT, d DOUBLE, b BOOLEAN, "
      "s VARCHAR, dec DECIMAL(10,2), big DECIMAL(38,6), dt DATE, ts TIMESTAMPTZ, ntz TIMESTAMP, "
      "bin BLOB, st STRUCT(a BIGINT, b VARCHAR, c STRUCT(x DOUBLE, y DATE)), arr BIGINT[], "
      "mp MAP(VARCHAR, INT), nested STRUCT(l VARCHAR[], m MAP(INT, STRUCT(z BOOLEAN)))[], "
      "part VARCHAR, pdate DATE, pts TIMESTAMPTZ");
  std::string src =
      "SELECT i AS id, CASE WHEN i % 10 = 1 THEN NULL ELSE i::INT END AS i32, (i % 3000)::SMALLINT AS i16, "
      "(i % 100)::TINYINT AS i8, (i / 3)::FLOAT AS f, CASE WHEN i % 10 = 2 THEN NULL ELSE i / 7 END AS d, "
      "i % 2 = 0 AS b, CASE WHEN i % 10 = 3 THEN NULL ELSE 'str ' || i || ' ü ✓' END AS s, "
      "(i * 1.25)::DECIMAL(10,2) AS dec, (i * 1234567.000001)::DECIMAL(38,6) AS big, "
      "DATE '1999-12-31' + i::INT AS dt, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(i * 1000003) AS ts, "
      "TIMESTAMP '1970-01-01' + to_microseconds(i * 7) AS ntz, ('\\x00\\x01' || i::VARCHAR)::BLOB AS bin, "
      "CASE WHEN i % 10 = 4 THEN NULL ELSE {'a': i, 'b': 'b' || i, 'c': {'x': i / 2, 'y': DATE '2020-02-29'}} END AS st, "
      "[i, i + 1, NULL] AS arr, MAP {'k' || i: i::INT} AS mp, "
      "[{'l': ['x', NULL], 'm': MAP {i::INT: {'z': i % 3 = 0}}}] AS nested, "
      "CASE WHEN i % 4 = 0 THEN NULL ELSE 'p' || (i % 4) END AS part, DATE '2024-01-01' + (i % 2)::INT AS pdate, "
      "CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-05-06 07:08:09.5+00' END AS pts "
      "FROM range(500) t(i)";
  std::vector<std::string> parts = {"part", "pdate", "pts"};
  auto r = Write(*c, dir.path(), s, src, parts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 500);
  // Timestamps are INT64 microseconds; isAdjustedToUTC true for timestamp, false for ntz.
  auto pq = c->Query("SELECT name, type, logical_type FROM parquet_schema(" +
                     engine::QuoteString(dir.path() + "/**/*.parquet") +
                     ") WHERE name IN ('ts', 'ntz') GROUP BY ALL ORDER BY name");
  ASSERT_TRUE(pq.ok()) << pq.status().ToString();
  ASSERT_EQ(pq->row_count(), 2u);
  EXPECT_EQ(pq->GetString(1, 0), "INT64");
  EXPECT_NE(pq->GetString(2, 0).find("isAdjustedToUTC=0"), std::string::npos);
  EXPECT_NE(pq->GetString(2, 0).find("MICROS=MicroSeconds()"), std::string::npos);
  EXPECT_EQ(pq->GetString(1, 1), "INT64");
  EXPECT_NE(pq->GetString(2, 1).find("isAdjustedToUTC=1"), std::string::npos);
  EXPECT_NE(pq->GetString(2, 1).find("MICROS=MicroSeconds()"), std::string::npos);
  CommitFixture(dir.path(), s, parts, r->files);
  auto table = Table::Open(dir.path());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->protocol().min_reader_version, 3);  // timestamp_ntz
  auto plan = Scan::Plan(*snap, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto sql = plan->ToSql(*c);
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  for (const char* q : {"SELECT count(*) FROM ((%S) EXCEPT ALL (%T))",
                        "SELECT count(*) FROM ((%T) EXCEPT ALL (%S))"}) {
    std::string query = q;
    query.replace(query.find("%S"), 2, src);
    query.replace(query.find("%T"), 2, *sql);
    auto diff = c->Query(query);
    ASSERT_TRUE(diff.ok()) << diff.status().ToString();
    EXPECT_EQ(diff->GetInt64(0, 0), 0) << q;
  }
  auto n = c->Query("SELECT count(*) FROM (" + *sql + ")");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->GetInt64(0, 0), 500);
  // The stats drive data skipping: a narrow id range keeps only the files that hold it.
  ScanOptions narrow;
  narrow.where = "id = 3 AND part = 'p3'";
  auto pruned = Scan::Plan(*snap, narrow);
  ASSERT_TRUE(pruned.ok());
  EXPECT_LT(pruned->files().size(), r->files.size());
  EXPECT_GE(pruned->files().size(), 1u);
}

}  // namespace
}  // namespace lake::write
