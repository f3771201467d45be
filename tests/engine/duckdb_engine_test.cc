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

TEST(DuckDBEngine, TableAppenderLoadsNestedRowsOverSeveralChunks) {
  auto db = Database::Open();
  ASSERT_TRUE(db.ok());
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->Execute("CREATE TEMP TABLE t (id BIGINT, s STRUCT(a INTEGER, b VARCHAR, "
                            "inner_s STRUCT(x BOOLEAN)), m MAP(VARCHAR, VARCHAR), l VARCHAR[])")
                  .ok());
  auto app = (*conn)->OpenAppender("t");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  TableAppender& a = **app;
  ASSERT_EQ(a.column_count(), 4u);
  const size_t n = a.capacity() * 2 + 77;  // three chunks, lists growing within each
  size_t row = 0;
  for (size_t i = 0; i < n; ++i) {
    a.Column(0).SetInt64(row, static_cast<int64_t>(i));
    ColumnWriter s = a.Column(1);
    if (i % 5 == 0) {
      s.SetNull(row);  // the whole struct, fields included
    } else {
      s.Field(0).SetInt32(row, static_cast<int32_t>(i * 2));
      if (i % 3 == 0) {
        s.Field(1).SetNull(row);
      } else {
        s.Field(1).SetString(row, "a string longer than twelve bytes #" + std::to_string(i));
      }
      s.Field(2).Field(0).SetBool(row, i % 2 == 0);
    }
    ColumnWriter m = a.Column(2);
    size_t k = m.StartList(row, i % 4);  // 0..3 entries, value NULL for the 2nd
    for (size_t j = 0; j < i % 4; ++j, ++k) {
      m.Entries().Field(0).SetString(k, "k" + std::to_string(j));
      if (j == 1) {
        m.Entries().Field(1).SetNull(k);
      } else {
        m.Entries().Field(1).SetString(k, std::to_string(i * 10 + j));
      }
    }
    if (i % 7 == 0) {
      a.Column(3).SetNull(row);
    } else {
      size_t e = a.Column(3).StartList(row, 1);
      a.Column(3).Entries().SetString(e, "e" + std::to_string(i));
    }
    if (++row == a.capacity()) {
      ASSERT_TRUE(a.FlushChunk(row).ok());
      row = 0;
    }
  }
  ASSERT_TRUE(a.FlushChunk(row).ok());
  ASSERT_TRUE(a.Close().ok());
  // Every cell, recomputed in SQL from id, matches.
  auto r = (*conn)->Query(R"(
    SELECT count(*) AS n, count(*) FILTER (WHERE NOT (
      (s IS NULL) = (id % 5 = 0)
      AND (id % 5 = 0 OR (s.a = id * 2
           AND (s.b IS NULL) = (id % 3 = 0)
           AND (id % 3 = 0 OR s.b = 'a string longer than twelve bytes #' || id)
           AND s.inner_s.x = (id % 2 = 0)))
      AND (id % 5 <> 0 OR (s.a IS NULL AND s.b IS NULL AND s.inner_s IS NULL))
      AND cardinality(m) = id % 4
      AND (id % 4 < 1 OR m['k0'] = (id * 10)::VARCHAR)
      AND (id % 4 < 2 OR (m['k1'] IS NULL AND map_contains(m, 'k1')))
      AND (id % 4 < 3 OR m['k2'] = (id * 10 + 2)::VARCHAR)
      AND (l IS NULL) = (id % 7 = 0)
      AND (id % 7 = 0 OR l = ['e' || id])
    )) AS wrong, count(DISTINCT id) AS ids FROM t)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt64(0, 0), static_cast<int64_t>(n));
  EXPECT_EQ(r->GetInt64(1, 0), 0);
  EXPECT_EQ(r->GetInt64(2, 0), static_cast<int64_t>(n));
  // Too many rows for a chunk is an error, not an overflow.
  auto b = (*conn)->OpenAppender("t");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE((*b)->FlushChunk((*b)->capacity() + 1).ok());
  EXPECT_FALSE((*conn)->OpenAppender("no_such_table").ok());
}

TEST(Quote, EscapesQuotes) {
  EXPECT_EQ(QuoteString("it's"), "'it''s'");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace lake::engine
