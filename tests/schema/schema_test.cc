#include <gtest/gtest.h>

#include "lake/schema.h"

namespace lake {
namespace {

TEST(Schema, ParsesPrimitivesNestedAndMetadata) {
  const char* json = R"J({"type":"struct","fields":[
    {"name":"id","type":"long","nullable":false,"metadata":{}},
    {"name":"price","type":"decimal(10, 2)","nullable":true,"metadata":{"comment":"usd"}},
    {"name":"tags","type":{"type":"array","elementType":"string","containsNull":false},"nullable":true,"metadata":{}},
    {"name":"attrs","type":{"type":"map","keyType":"string","valueType":"integer","valueContainsNull":true},"nullable":true,"metadata":{}},
    {"name":"s","type":{"type":"struct","fields":[{"name":"a","type":"timestamp_ntz","nullable":true,"metadata":{"delta.columnMapping.id":7,"delta.columnMapping.physicalName":"col-abc"}}]},"nullable":true,"metadata":{}}
  ]})J";
  auto s = ParseSchema(json);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 5u);
  EXPECT_FALSE(s->fields[0].nullable);
  EXPECT_EQ(s->fields[1].type->kind, DataType::Kind::kDecimal);
  EXPECT_EQ(s->fields[1].type->precision, 10);
  EXPECT_EQ(s->fields[1].type->scale, 2);
  EXPECT_EQ(s->fields[2].type->ToString(), "array<string>");
  EXPECT_FALSE(s->fields[2].type->contains_null);
  EXPECT_EQ(s->fields[3].type->ToString(), "map<string,integer>");
  const StructField& a = s->fields[4].type->fields[0];
  EXPECT_EQ(a.physical_name.value_or(""), "col-abc");
  EXPECT_EQ(a.field_id.value_or(0), 7);
  EXPECT_EQ(a.PhysicalName("name"), "col-abc");
  EXPECT_EQ(a.PhysicalName("none"), "a");
  EXPECT_EQ(*DuckDBType(*s->fields[4].type), "STRUCT(\"a\" TIMESTAMP)");
  EXPECT_EQ(*DuckDBType(*s->fields[3].type), "MAP(VARCHAR, INTEGER)");
  EXPECT_EQ(*DuckDBType(*s->fields[1].type), "DECIMAL(10,2)");
  EXPECT_EQ(s->FindCaseInsensitive("PRICE"), &s->fields[1]);
  EXPECT_EQ(s->Find("PRICE"), nullptr);
}

TEST(Schema, RejectsUnknownTypeNamingTheField) {
  auto s = ParseSchema(
      R"J({"type":"struct","fields":[{"name":"x","type":{"type":"struct","fields":[{"name":"y","type":"interval","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]})J");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("x.y"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("interval"), std::string::npos);
}

TEST(Schema, RejectsMalformedJsonAndBadDecimal) {
  EXPECT_EQ(ParseSchema("{not json").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseSchema(R"J({"type":"struct"})J").status().code(), StatusCode::kCorruption);
  auto d = ParseSchema(
      R"J({"type":"struct","fields":[{"name":"d","type":"decimal(40,2)","nullable":true,"metadata":{}}]})J");
  EXPECT_EQ(d.status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(
      ParseSchema(R"J({"type":"struct","fields":[{"name":"d","type":"decimal(x)"}]})J").ok());
}

}  // namespace
}  // namespace lake
