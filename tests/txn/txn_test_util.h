// Helpers for the transaction tests: a small partitioned table, fake data files, action
// equality, and a check of every commit file of a table against the protocol schema.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lake/object_store.h"
#include "lake/table.h"
#include "lake/transaction.h"
#include "log/log_segment.h"
#include "txn/commit_schema.h"

namespace lake::testing {

// id BIGINT, p STRING (partition column).
inline const char* kTxnSchema =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})";

inline Metadata TestMetadata(std::map<std::string, std::string> conf = {}) {
  Metadata m;
  m.id = "5f8c1a2e-0000-4000-8000-000000000001";
  m.schema_string = kTxnSchema;
  m.partition_columns = {"p"};
  m.configuration = std::move(conf);
  m.created_time = 1767225600000;
  return m;
}

inline Protocol TestProtocol(bool features = false) {
  Protocol p;
  p.min_reader_version = 1;
  p.min_writer_version = 2;
  if (features) {
    p.min_reader_version = 3;
    p.min_writer_version = 7;
    p.reader_features = std::vector<std::string>{};
    p.writer_features = std::vector<std::string>{"inCommitTimestamp", "domainMetadata"};
  }
  return p;
}

// A fake data file in partition p=`part` with `n` records, ids [min_id, min_id+n).
inline AddFile FakeAdd(const std::string& name, const std::string& part, int64_t n = 10,
                       int64_t min_id = 0) {
  AddFile a;
  a.path = "p=" + part + "/" + name;
  a.partition_values = {{"p", part}};
  a.size = 1000 + n;
  a.modification_time = 1767225600000;
  a.data_change = true;
  a.stats = R"({"numRecords":)" + std::to_string(n) + R"(,"minValues":{"id":)" +
            std::to_string(min_id) + R"(},"maxValues":{"id":)" + std::to_string(min_id + n - 1) +
            R"(},"nullCount":{"id":0}})";
  return a;
}

// Creates the table (version 0) at `dir`.
inline std::shared_ptr<Table> CreateTestTable(const std::string& dir,
                                              std::map<std::string, std::string> conf = {},
                                              bool features = false) {
  auto t = Table::OpenForCreate(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  auto txn = Transaction::Start(*t);
  EXPECT_TRUE(txn.ok()) << txn.status().ToString();
  (*txn)->SetProtocol(TestProtocol(features));
  (*txn)->SetMetadata(TestMetadata(std::move(conf)));
  (*txn)->SetOperation("CREATE TABLE", R"({"partitionBy":["p"]})");
  auto r = (*txn)->Commit();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 0);
  return *t;
}

// Every commit file of the table passes txn::ValidateCommit; returns how many were checked.
inline int ValidateAllCommits(const std::string& dir) {
  auto store = NewLocalStore(dir, dir);
  auto listing = log::ListLog(*store);
  EXPECT_TRUE(listing.ok());
  int n = 0;
  for (const auto& f : listing->commits) {
    auto data = store->Get(f.key);
    EXPECT_TRUE(data.ok());
    Status st = txn::ValidateCommit(*data);
    EXPECT_TRUE(st.ok()) << f.key << ": " << st.ToString();
    ++n;
  }
  return n;
}

}  // namespace lake::testing
