#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/duckdb_engine.h"
#include "engine/print_table.h"

#include <sstream>

namespace lake::engine {
namespace {

TEST(DuckDBEngine, QueryReturnsTypedCells) {
  auto db = Database::Open();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  auto r = (*conn)->Query(
      "SELECT i::BIGINT AS i, 'v' || i AS s, i / 2 AS d, i % 2 = 0 AS b, "
      "CASE WHEN i = 3 THEN NULL ELSE i END AS n FROM range(5000) t(i)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->row_count(), 5000u) << "rows span several chunks";
  ASSERT_EQ(r->column_count(), 5u);
  EXPECT_EQ(r->column_name(1), "s");
  EXPECT_EQ(r->column_kind(0), ColumnKind::kInt);
  EXPECT_EQ(r->column_kind(1), ColumnKind::kString);
  EXPECT_EQ(r->GetInt64(0, 4321), 4321);
  EXPECT_EQ(r->GetString(1, 4321), "v4321");
  EXPECT_DOUBLE_EQ(r->GetDouble(2, 3), 1.5);
  EXPECT_TRUE(r->GetBool(3, 4));
  EXPECT_TRUE(r->IsNull(4, 3));
  EXPECT_FALSE(r->IsNull(4, 4));
}

TEST(DuckDBEngine, ErrorsCarryDuckDBMessage) {
  auto db = Database::Open();
  auto conn = (*db)->Connect();
  auto r = (*conn)->Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no_such_table"), std::string::npos);
}

// The shell's Ctrl-C: Interrupt from another thread stops a long query, and neither that nor
// an interrupt of an idle connection spoils the next query.
TEST(DuckDBEngine, InterruptStopsTheRunningQueryOnly) {
  auto db = Database::Open();
  auto conn = (*db)->Connect();
  Connection& c = **conn;
  c.Interrupt();  // idle
  auto one = c.Query("SELECT 1");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  Status st;
  std::atomic<bool> done{false};
  std::thread runner([&] {
    st = c.Execute("SELECT sum(i) FROM range(1000000000000) t(i)");
    done = true;
  });
  // Repeated: an interrupt that lands before the query starts is dropped (as above).
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.Interrupt();
  }
  runner.join();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nterrupt"), std::string::npos) << st.ToString();
  auto two = c.Query("SELECT 2");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->GetInt64(0, 0), 2);
}

TEST(PrintTable, AlignsColumnsAndShowsNulls) {
  auto db = Database::Open();
  auto conn = (*db)->Connect();
  auto r = (*conn)->Query(
      "SELECT COLUMNS(*)::VARCHAR FROM (VALUES (1, 'a'), (22, NULL)) t(id, longer_name)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::ostringstream plain, counted;
  PrintTable(*r, plain);
  PrintTable(*r, counted, /*row_count=*/true);
  EXPECT_EQ(plain.str(),
            "id | longer_name\n"
            "---+------------\n"
            "1  | a          \n"
            "22 | NULL       \n");
  EXPECT_EQ(counted.str(), plain.str() + "(2 rows)\n");
}

TEST(DuckDBEngine, AppenderLoadsRows) {
  auto db = Database::Open();
  auto conn = (*db)->Connect();
  ASSERT_TRUE((*conn)->Execute("CREATE TEMP TABLE t(a BIGINT, b BIGINT)").ok());
  ASSERT_TRUE((*conn)->AppendInt64Rows("t", {{1, 2}, {3, 4}}).ok());
  auto r = (*conn)->Query("SELECT sum(a), sum(b) FROM t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetDouble(0, 0), 4);
  EXPECT_EQ(r->GetDouble(1, 0), 6);
}

TEST(Quote, EscapesQuotes) {
  EXPECT_EQ(QuoteString("it's"), "'it''s'");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace lake::engine
