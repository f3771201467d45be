#include "log/action_parser.h"

#include <gtest/gtest.h>

namespace lake::log {
namespace {

std::vector<Action> Parse(const std::string& text) {
  auto r = ParseCommitFileToActions(text, "_delta_log/00000000000000000003.json");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Action>{};
}

TEST(ActionParser, AllActionTypes) {
  std::string text =
      R"({"commitInfo":{"timestamp":1700000000000,"inCommitTimestamp":1700000000123,"operation":"WRITE","operationParameters":{"mode":"Append"}}})"
      "\n"
      R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors","domainMetadata"]}})"
      "\n"
      R"({"metaData":{"id":"abc","name":"t","format":{"provider":"parquet","options":{"k":"v"}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["p"],"configuration":{"delta.enableDeletionVectors":"true"},"createdTime":123}})"
      "\n"
      R"({"add":{"path":"p=1/a%20b.parquet","partitionValues":{"p":"1","q":null},"size":10,"modificationTime":20,"dataChange":true,"stats":"{\"numRecords\":5}","tags":{"INSERTION_TIME":"1"},"deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":2},"baseRowId":7,"defaultRowCommitVersion":3,"clusteringProvider":"liquid"}})"
      "\n"
      R"({"remove":{"path":"x.parquet","deletionTimestamp":99,"dataChange":true,"extendedFileMetadata":true,"partitionValues":{"p":null},"size":12}})"
      "\n"
      R"({"cdc":{"path":"_change_data/c.parquet","partitionValues":{},"size":3,"dataChange":false}})"
      "\n"
      R"({"txn":{"appId":"app","version":4,"lastUpdated":5}})"
      "\n"
      R"({"domainMetadata":{"domain":"delta.rowTracking","configuration":"{\"a\":1}","removed":false}})"
      "\n"
      R"({"checkpointMetadata":{"version":9,"tags":{"x":"y"}}})"
      "\n"
      R"({"sidecar":{"path":"s.parquet","sizeInBytes":11,"modificationTime":12}})"
      "\n";
  auto actions = Parse(text);
  ASSERT_EQ(actions.size(), 10u);
  auto& ci = std::get<CommitInfo>(actions[0]);
  EXPECT_EQ(ci.timestamp, 1700000000000);
  EXPECT_EQ(ci.in_commit_timestamp, 1700000000123);
  EXPECT_EQ(ci.operation, "WRITE");
  EXPECT_NE(ci.json.find("operationParameters"), std::string::npos);
  EXPECT_EQ(ci.json.front(), '{');
  auto& p = std::get<Protocol>(actions[1]);
  EXPECT_EQ(p.min_reader_version, 3);
  EXPECT_TRUE(p.HasReaderFeature("deletionVectors"));
  EXPECT_TRUE(p.HasWriterFeature("domainMetadata"));
  auto& m = std::get<Metadata>(actions[2]);
  EXPECT_EQ(m.id, "abc");
  EXPECT_EQ(m.name, "t");
  EXPECT_EQ(m.format.options.at("k"), "v");
  EXPECT_EQ(m.schema_string, R"({"type":"struct","fields":[]})");
  EXPECT_EQ(m.partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(m.configuration.at("delta.enableDeletionVectors"), "true");
  EXPECT_EQ(m.created_time, 123);
  auto& a = std::get<AddFile>(actions[3]);
  EXPECT_EQ(a.path, "p=1/a%20b.parquet");
  ASSERT_EQ(a.partition_values.size(), 2u);
  EXPECT_EQ(a.partition_values[0].second, "1");
  EXPECT_FALSE(a.partition_values[1].second.has_value());
  EXPECT_EQ(a.size, 10);
  EXPECT_EQ(a.stats, R"({"numRecords":5})");
  EXPECT_EQ(a.tags(), R"({"INSERTION_TIME":"1"})");
  ASSERT_TRUE(a.deletion_vector);
  EXPECT_EQ(a.deletion_vector->UniqueId(), "uab^-aqEH.-t@S}K{vb[*k^@4");
  EXPECT_EQ(a.deletion_vector->cardinality, 2);
  EXPECT_EQ(a.base_row_id, 7);
  EXPECT_EQ(a.default_row_commit_version(), 3);
  EXPECT_EQ(a.clustering_provider(), "liquid");
  auto& r = std::get<RemoveFile>(actions[4]);
  EXPECT_EQ(r.deletion_timestamp, 99);
  EXPECT_TRUE(r.extended_file_metadata);
  EXPECT_EQ(r.size, 12);
  EXPECT_EQ(std::get<AddCdcFile>(actions[5]).size, 3);
  EXPECT_EQ(std::get<Txn>(actions[6]).version, 4);
  EXPECT_EQ(std::get<Txn>(actions[6]).last_updated, 5);
  EXPECT_EQ(std::get<DomainMetadata>(actions[7]).configuration, R"({"a":1})");
  EXPECT_EQ(std::get<CheckpointMetadata>(actions[8]).version, 9);
  EXPECT_EQ(std::get<Sidecar>(actions[9]).size_in_bytes, 11);
}

TEST(ActionParser, NullsUnknownKeysBlankLines) {
  std::string text =
      "\n  \r\n"
      R"({"someFutureAction":{"x":[1,2,{"y":null}]}})"
      "\n"
      R"({"add":{"path":"a","partitionValues":null,"size":1,"modificationTime":2,"dataChange":true,"stats":null,"tags":null,"deletionVector":null,"baseRowId":null,"newField":{"z":1}}})"
      "\r\n"
      R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2,"readerFeatures":null}})";
  auto actions = Parse(text);
  ASSERT_EQ(actions.size(), 2u);
  auto& a = std::get<AddFile>(actions[0]);
  EXPECT_TRUE(a.partition_values.empty());
  EXPECT_EQ(a.stats, "");
  EXPECT_FALSE(a.deletion_vector);
  EXPECT_FALSE(a.base_row_id);
  EXPECT_FALSE(std::get<Protocol>(actions[1]).reader_features);
}

TEST(ActionParser, EmptyFile) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("\n\n").empty());
}

TEST(ActionParser, CheckpointStyleRows) {
  // What DuckDB's to_json renders for checkpoint rows: stats null, stats_parsed a struct.
  auto actions = Parse(
      R"({"add":{"path":"a","partitionValues":{"p":"1"},"size":1,"modificationTime":2,"dataChange":false,"stats":null,"stats_parsed":{"numRecords":3,"minValues":{"c":1}},"partitionValues_parsed":{"p":1},"tags":null,"deletionVector":{"storageType":"i","pathOrInlineDv":"abc","offset":null,"sizeInBytes":4,"cardinality":1}}})");
  ASSERT_EQ(actions.size(), 1u);
  auto& a = std::get<AddFile>(actions[0]);
  EXPECT_EQ(a.stats, R"({"numRecords":3,"minValues":{"c":1}})");
  EXPECT_EQ(a.deletion_vector->UniqueId(), "iabc");
}

TEST(ActionParser, MalformedLineNamesFileAndLine) {
  std::string text = "{\"txn\":{\"appId\":\"a\",\"version\":1}}\n\n{\"add\":{\"path\":\"x\",\n";
  auto r = ParseCommitFileToActions(text, "_delta_log/00000000000000000003.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("_delta_log/00000000000000000003.json:3:"),
            std::string::npos)
      << r.status().message();
}

TEST(ActionParser, MalformedVariants) {
  for (const char* bad : {"[1,2]", "nope", "{\"add\":{\"path\":1}}", "{\"add\":{\"size\":1}}",
                          "{\"add\":{\"path\":\"a\"}} trailing", "{\"add\":[]}",
                          "{\"protocol\":{\"minReaderVersion\":\"x\"}}", "{\"a\":1"}) {
    auto r = ParseCommitFileToActions(bad, "f.json");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << bad;
      EXPECT_NE(r.status().message().find("f.json:1:"), std::string::npos) << bad;
    }
  }
}

TEST(ActionParser, SingleLineApi) {
  struct V : ActionVisitor {
    int adds = 0;
    Status OnAdd(AddFile&) override {
      ++adds;
      return Status::OK();
    }
  } v;
  EXPECT_TRUE(ParseActionLine(R"({"add":{"path":"a"}})", v).ok());
  EXPECT_TRUE(ParseActionLine("   ", v).ok());
  EXPECT_FALSE(ParseActionLine("{", v).ok());
  EXPECT_EQ(v.adds, 1);
}

}  // namespace
}  // namespace lake::log
