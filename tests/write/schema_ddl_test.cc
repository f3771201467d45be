#include <gtest/gtest.h>

#include "lake/schema.h"
#include "lake/write.h"

namespace lake {
namespace {

TEST(SchemaDDL, ParsesTheIssueExample) {
  auto s = ParseSchemaDDL(
      "id BIGINT NOT NULL, ts TIMESTAMP, country VARCHAR, price DECIMAL(10,2), tags VARCHAR[], "
      "s STRUCT(a INT, b VARCHAR), m MAP(VARCHAR, INT)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 7u);
  EXPECT_EQ(s->fields[0].name, "id");
  EXPECT_EQ(s->fields[0].type->ToString(), "long");
  EXPECT_FALSE(s->fields[0].nullable);
  EXPECT_EQ(s->fields[1].type->ToString(), "timestamp_ntz");  // DuckDB TIMESTAMP: no time zone
  EXPECT_TRUE(s->fields[1].nullable);
  EXPECT_EQ(s->fields[2].type->ToString(), "string");
  EXPECT_EQ(s->fields[3].type->ToString(), "decimal(10,2)");
  EXPECT_EQ(s->fields[4].type->ToString(), "array<string>");
  EXPECT_EQ(s->fields[5].type->ToString(), "struct<a:integer,b:string>");
  EXPECT_EQ(s->fields[6].type->ToString(), "map<string,integer>");
}

TEST(SchemaDDL, TimestampSpellings) {
  auto s = ParseSchemaDDL(
      "a TIMESTAMPTZ, b TIMESTAMP WITH TIME ZONE, c TIMESTAMP WITHOUT TIME ZONE, d TIMESTAMP_NTZ, "
      "e DATETIME, f timestamp");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->fields[0].type->name, "timestamp");
  EXPECT_EQ(s->fields[1].type->name, "timestamp");
  EXPECT_EQ(s->fields[2].type->name, "timestamp_ntz");
  EXPECT_EQ(s->fields[3].type->name, "timestamp_ntz");
  EXPECT_EQ(s->fields[4].type->name, "timestamp_ntz");
  EXPECT_EQ(s->fields[5].type->name, "timestamp_ntz");
}

TEST(SchemaDDL, AllPrimitivesSparkSpellingsAndNesting) {
  auto s = ParseSchemaDDL(
      "a TINYINT, b SMALLINT, c INTEGER, d BIGINT, e FLOAT, f DOUBLE, g BOOLEAN, h BLOB, i DATE, "
      "j STRING, k LONG, l ARRAY<STRUCT<x: INT, y: ARRAY<STRING>>>, m MAP<STRING, DECIMAL(38,0)>, "
      "\"weird \"\"name\"\"\" INT, n STRUCT(p STRUCT(q DATE NOT NULL))[], o DECIMAL, u UBIGINT");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<std::string> want = {
      "byte", "short", "integer", "long", "float", "double", "boolean", "binary", "date",
      "string", "long", "array<struct<x:integer,y:array<string>>>", "map<string,decimal(38,0)>",
      "integer", "array<struct<p:struct<q:date>>>", "decimal(18,3)", "decimal(20,0)"};
  ASSERT_EQ(s->fields.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(s->fields[i].type->ToString(), want[i]) << i;
  EXPECT_EQ(s->fields[13].name, "weird \"name\"");
  EXPECT_FALSE(s->fields[14].type->element->fields[0].type->fields[0].nullable);
}

TEST(SchemaDDL, Refusals) {
  auto e1 = ParseSchemaDDL("a INT, A BIGINT");
  ASSERT_FALSE(e1.ok());
  EXPECT_NE(e1.status().message().find("duplicate column 'A'"), std::string::npos);
  auto e2 = ParseSchemaDDL("a FOO");
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.status().message().find("unknown type 'FOO'"), std::string::npos);
  auto e3 = ParseSchemaDDL("t TIME");
  ASSERT_FALSE(e3.ok());
  EXPECT_NE(e3.status().message().find("column 't'"), std::string::npos);
  auto e4 = ParseSchemaDDL("d DECIMAL(40,2)");
  ASSERT_FALSE(e4.ok());
  EXPECT_NE(e4.status().message().find("precision"), std::string::npos);
  EXPECT_FALSE(ParseSchemaDDL("a INT,").ok());
  EXPECT_FALSE(ParseSchemaDDL("").ok());
  EXPECT_FALSE(ParseSchemaDDL("s STRUCT(a INT").ok());
}

void ExpectSameSchema(const Schema& a, const Schema& b) {
  ASSERT_EQ(a.fields.size(), b.fields.size());
  for (size_t i = 0; i < a.fields.size(); ++i) {
    EXPECT_EQ(a.fields[i].name, b.fields[i].name);
    EXPECT_EQ(a.fields[i].type->ToString(), b.fields[i].type->ToString());
    EXPECT_EQ(a.fields[i].nullable, b.fields[i].nullable);
    EXPECT_EQ(a.fields[i].metadata, b.fields[i].metadata);
  }
}

TEST(SchemaJson, RoundTripsDdlSchemas) {
  auto s = ParseSchemaDDL(
      "id BIGINT NOT NULL COMMENT 'the key', ts TIMESTAMP, tz TIMESTAMPTZ, price DECIMAL(10,2), "
      "tags VARCHAR[], s STRUCT(a INT NOT NULL, b VARCHAR), m MAP(VARCHAR, STRUCT(x DOUBLE)), "
      "bin BLOB, \"quo\"\"te\" BOOLEAN");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string json = SchemaToJson(*s);
  auto back = ParseSchema(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << json;
  ExpectSameSchema(*s, *back);
  EXPECT_EQ(SchemaToJson(*back), json);
  EXPECT_NE(json.find(R"("metadata":{"comment":"the key"})"), std::string::npos) << json;
}

TEST(SchemaJson, RoundTripsProtocolExample) {
  // PROTOCOL.md "Schema Serialization Format" example, with containsNull/valueContainsNull.
  const char* json =
      R"({"type":"struct","fields":[{"name":"a","type":"integer","nullable":false,"metadata":{}},)"
      R"({"name":"b","type":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,"metadata":{}}]},"nullable":true,"metadata":{}},)"
      R"({"name":"c","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}},)"
      R"({"name":"e","type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,"metadata":{}}]},"containsNull":true},"nullable":true,"metadata":{}},)"
      R"({"name":"f","type":{"type":"map","keyType":"string","valueType":"string","valueContainsNull":true},"nullable":true,"metadata":{"delta.columnMapping.id":5}}]})";
  auto s = ParseSchema(json);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(SchemaToJson(*s), json);
}

TEST(MinimumProtocol, LowestVersions) {
  auto plain = ParseSchemaDDL("a INT, t TIMESTAMPTZ");
  auto p = MinimumProtocol(*plain, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->min_reader_version, 1);
  EXPECT_EQ(p->min_writer_version, 2);
  EXPECT_FALSE(p->reader_features.has_value());

  auto cdf = MinimumProtocol(*plain, {{"delta.enableChangeDataFeed", "true"}});
  ASSERT_TRUE(cdf.ok());
  EXPECT_EQ(cdf->min_writer_version, 4);

  auto ntz = ParseSchemaDDL("a INT, s STRUCT(t TIMESTAMP)");
  auto q = MinimumProtocol(*ntz, {{"delta.appendOnly", "true"}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->min_reader_version, 3);
  EXPECT_EQ(q->min_writer_version, 7);
  EXPECT_EQ(*q->reader_features, std::vector<std::string>({"timestampNtz"}));
  EXPECT_EQ(*q->writer_features, std::vector<std::string>({"appendOnly", "timestampNtz"}));

  auto ict = MinimumProtocol(*plain, {{"delta.enableInCommitTimestamps", "true"}});
  ASSERT_TRUE(ict.ok());
  EXPECT_EQ(ict->min_reader_version, 1);
  EXPECT_EQ(ict->min_writer_version, 7);

  EXPECT_FALSE(MinimumProtocol(*plain, {{"delta.columnMapping.mode", "name"}}).ok());
  EXPECT_FALSE(MinimumProtocol(*plain, {{"delta.feature.madeUp", "supported"}}).ok());
}

}  // namespace
}  // namespace lake
