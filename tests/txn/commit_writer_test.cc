// Commit serialization: round trip through log/action_parser, Spark's commitInfo shape, path
// encoding, and the protocol schema check.
#include "txn/commit_writer.h"

#include <gtest/gtest.h>

#include "log/action_parser.h"
#include "txn/commit_schema.h"
#include "txn_test_util.h"

namespace lake {
namespace {

using txn::SerializeAction;

bool DvEq(const HeapOptional<DeletionVectorDescriptor>& a,
          const HeapOptional<DeletionVectorDescriptor>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->storage_type == b->storage_type && a->path_or_inline_dv == b->path_or_inline_dv &&
         a->offset == b->offset && a->size_in_bytes == b->size_in_bytes &&
         a->cardinality == b->cardinality;
}

// Parses one serialized line back into an action, checking the schema on the way.
Action RoundTrip(const Action& a) {
  std::string line = SerializeAction(a);
  Status st = txn::ValidateActionLine(line);
  EXPECT_TRUE(st.ok()) << st.ToString() << "\n" << line;
  auto parsed = log::ParseCommitFileToActions(line + "\n", "x.json");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size(), 1u) << line;
  return parsed->at(0);
}

TEST(CommitWriterTest, AddRoundTrip) {
  AddFile a = testing::FakeAdd("f 1.parquet", "x y");
  a.path = EncodeDeltaPath("p=x y/f 1.parquet");
  a.partition_values.emplace_back("q", std::nullopt);
  a.mutable_extras().tags = R"({"INSERTION_TIME":"1767225600000000","k":"v \"q\""})";
  a.deletion_vector = DeletionVectorDescriptor{"u", "ab^-aqEH.-t@S}K{vb[*k^", 1, 36, 5};
  a.base_row_id = 42;
  a.mutable_extras().default_row_commit_version = 3;
  a.mutable_extras().clustering_provider = "liquid";
  a.data_change = false;
  EXPECT_EQ(a.path, "p=x%20y/f%201.parquet");
  Action back = RoundTrip(a);
  const AddFile& b = std::get<AddFile>(back);
  EXPECT_EQ(b.path, a.path);
  EXPECT_EQ(b.partition_values, a.partition_values);
  EXPECT_EQ(b.size, a.size);
  EXPECT_EQ(b.modification_time, a.modification_time);
  EXPECT_EQ(b.data_change, a.data_change);
  EXPECT_EQ(b.stats, a.stats);  // the JSON document, not an object: stats is a string field
  EXPECT_EQ(b.tags(), a.tags());
  EXPECT_TRUE(DvEq(b.deletion_vector, a.deletion_vector));
  EXPECT_EQ(b.base_row_id, a.base_row_id);
  EXPECT_EQ(b.default_row_commit_version(), a.default_row_commit_version());
  EXPECT_EQ(b.clustering_provider(), a.clustering_provider());
  // stats is written as a JSON string.
  EXPECT_NE(SerializeAction(a).find(R"("stats":"{\"numRecords\":10,)"), std::string::npos);
}

TEST(CommitWriterTest, RemoveRoundTrip) {
  AddFile a = testing::FakeAdd("f.parquet", "x");
  RemoveFile r = RemoveFor(a, 1767225600123);
  Action back = RoundTrip(r);
  const RemoveFile& b = std::get<RemoveFile>(back);
  EXPECT_EQ(b.path, r.path);
  EXPECT_EQ(b.deletion_timestamp, r.deletion_timestamp);
  EXPECT_EQ(b.data_change, r.data_change);
  EXPECT_TRUE(b.extended_file_metadata);
  EXPECT_EQ(b.partition_values, r.partition_values);
  EXPECT_EQ(b.size, r.size);
  EXPECT_EQ(b.stats, r.stats);
  // Minimal remove.
  RemoveFile m;
  m.path = "a.parquet";
  m.deletion_timestamp = 5;
  m.data_change = false;
  RemoveFile mb = std::get<RemoveFile>(RoundTrip(m));
  EXPECT_EQ(mb.path, "a.parquet");
  EXPECT_FALSE(mb.extended_file_metadata);
  EXPECT_FALSE(mb.size.has_value());
  EXPECT_FALSE(mb.data_change);
}

TEST(CommitWriterTest, MetadataProtocolTxnDomainRoundTrip) {
  Metadata m = testing::TestMetadata({{"delta.appendOnly", "false"}, {"k\"", "v\n"}});
  m.name = "events";
  m.format.options = {{"o", "1"}};
  Metadata mb = std::get<Metadata>(RoundTrip(m));
  EXPECT_EQ(mb.id, m.id);
  EXPECT_EQ(mb.name, m.name);
  EXPECT_EQ(mb.description, m.description);
  EXPECT_EQ(mb.format.provider, "parquet");
  EXPECT_EQ(mb.format.options, m.format.options);
  EXPECT_EQ(mb.schema_string, m.schema_string);
  EXPECT_EQ(mb.partition_columns, m.partition_columns);
  EXPECT_EQ(mb.configuration, m.configuration);
  EXPECT_EQ(mb.created_time, m.created_time);

  for (bool features : {false, true}) {
    Protocol p = testing::TestProtocol(features);
    Protocol pb = std::get<Protocol>(RoundTrip(p));
    EXPECT_EQ(pb.min_reader_version, p.min_reader_version);
    EXPECT_EQ(pb.min_writer_version, p.min_writer_version);
    EXPECT_EQ(pb.reader_features, p.reader_features);
    EXPECT_EQ(pb.writer_features, p.writer_features);
  }

  Txn t{"app-1", 7, 1767225600000};
  Txn tb = std::get<Txn>(RoundTrip(t));
  EXPECT_EQ(tb.app_id, t.app_id);
  EXPECT_EQ(tb.version, t.version);
  EXPECT_EQ(tb.last_updated, t.last_updated);

  DomainMetadata d{"delta.clustering", R"({"clusteringColumns":[["id"]]})", false};
  DomainMetadata db = std::get<DomainMetadata>(RoundTrip(d));
  EXPECT_EQ(db.domain, d.domain);
  EXPECT_EQ(db.configuration, d.configuration);
  EXPECT_EQ(db.removed, d.removed);
}

TEST(CommitWriterTest, CommitInfoAsSparkWritesIt) {
  txn::CommitInfoFields ci;
  ci.in_commit_timestamp = 1767225600001;
  ci.timestamp = 1767225600000;
  ci.operation = "WRITE";
  ci.operation_parameters = R"({"mode":"Append","partitionBy":["p"],"n":3})";
  ci.operation_metrics = R"({"numFiles":1,"numOutputRows":"10"})";
  ci.read_version = 4;
  ci.isolation_level = "WriteSerializable";
  ci.is_blind_append = true;
  ci.txn_id = txn::NewUuid();
  auto line = txn::SerializeCommitInfo(ci);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line,
            R"({"commitInfo":{"inCommitTimestamp":1767225600001,"timestamp":1767225600000,)"
            R"("operation":"WRITE","operationParameters":{"mode":"Append","partitionBy":"[\"p\"]",)"
            R"("n":"3"},"readVersion":4,"isolationLevel":"WriteSerializable","isBlindAppend":true,)"
            R"("operationMetrics":{"numFiles":"1","numOutputRows":"10"},"engineInfo":"lake/0.1.0",)"
            R"("txnId":")" + ci.txn_id + R"("}})");
  EXPECT_TRUE(txn::ValidateActionLine(*line).ok());
  CommitInfo c = std::get<CommitInfo>(RoundTrip(CommitInfo{
      line->substr(14, line->size() - 15), std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(c.timestamp, 1767225600000);
  EXPECT_EQ(c.in_commit_timestamp, 1767225600001);
  EXPECT_EQ(c.operation, "WRITE");
  txn::CommitInfoFields bad_params;
  bad_params.operation_parameters = "[1]";
  EXPECT_FALSE(txn::SerializeCommitInfo(bad_params).ok());
  // UUID v4 shape.
  EXPECT_EQ(ci.txn_id.size(), 36u);
  EXPECT_EQ(ci.txn_id[14], '4');
}

TEST(CommitWriterTest, PathEncoding) {
  EXPECT_EQ(EncodeDeltaPath("p=a b/f.parquet"), "p=a%20b/f.parquet");
  EXPECT_EQ(EncodeDeltaPath("p=100%/x#y?.parquet"), "p=100%25/x%23y%3F.parquet");
  EXPECT_EQ(EncodeDeltaPath("p=\xc3\xa9/f"), "p=%C3%A9/f");
  EXPECT_EQ(EncodeDeltaPath("s3://bucket/p=1/f-00.snappy.parquet"),
            "s3://bucket/p=1/f-00.snappy.parquet");
  EXPECT_TRUE(txn::IsEncodedPath("p=a%20b/f.parquet"));
  EXPECT_FALSE(txn::IsEncodedPath("p=a b/f.parquet"));
  EXPECT_FALSE(txn::IsEncodedPath("p=100%/f"));
  EXPECT_FALSE(txn::IsEncodedPath("f%2"));
}

TEST(CommitWriterTest, SchemaCheckRejects) {
  auto bad = [](const std::string& line) {
    Status st = txn::ValidateActionLine(line);
    EXPECT_FALSE(st.ok()) << line;
    return st.message();
  };
  EXPECT_NE(bad(R"({"add":{"path":"a","size":1,"modificationTime":1,"dataChange":true}})")
                .find("partitionValues"),
            std::string::npos);
  bad(R"({"add":{"path":"a","partitionValues":{},"size":"1","modificationTime":1,"dataChange":true}})");
  bad(R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"stats":{"numRecords":1}}})");
  bad(R"({"add":{"path":"a b","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})");
  bad(R"({"remove":{"path":"a"}})");
  bad(R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7}})");
  bad(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2,"writerFeatures":[]}})");
  bad(R"({"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[1],"configuration":{}}})");
  bad(R"({"txn":{"appId":"a"}})");
  bad(R"({"domainMetadata":{"domain":"d","configuration":{},"removed":false}})");
  bad(R"({"add":{},"remove":{}})");
  bad(R"({"bogus":{}})");
  EXPECT_TRUE(txn::ValidateActionLine(
                  R"({"remove":{"path":"a","deletionTimestamp":1,"dataChange":true}})")
                  .ok());
  // Whole commits.
  std::string ci = R"({"commitInfo":{"timestamp":1}})";
  std::string add = SerializeAction(testing::FakeAdd("f", "x"));
  EXPECT_TRUE(txn::ValidateCommit(ci + "\n" + add + "\n").ok());
  EXPECT_FALSE(txn::ValidateCommit(add + "\n" + ci + "\n").ok());          // commitInfo not first
  EXPECT_FALSE(txn::ValidateCommit(ci + "\n" + add + "\n" + add + "\n").ok());  // added twice
  EXPECT_FALSE(txn::ValidateCommit(ci + "\n" + add).ok());                 // torn last line
}

}  // namespace
}  // namespace lake
