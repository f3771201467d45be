#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "lake/catalog.h"
#include "sql/executor.h"
#include "test_util.h"

namespace lake::sql {
namespace {

class SqlExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("LAKE_HOME", dir_.path().c_str(), 1);
    setenv("LAKE_WAREHOUSE", (dir_.path() + "/warehouse").c_str(), 1);
    auto c = Catalog::Open("sqlite:" + dir_.path() + "/catalog.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto s = Session::Open(std::move(c).value(), {}, out_, msg_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(s).value();
  }
  void TearDown() override {
    unsetenv("LAKE_HOME");
    unsetenv("LAKE_WAREHOUSE");
  }
  // Runs `sql`, returns its output (and clears it).
  std::string Run(const std::string& sql) {
    out_.str("");
    msg_.str("");
    Status st = session_->ExecuteScript(sql);
    EXPECT_TRUE(st.ok()) << sql << ": " << st.ToString();
    return out_.str() + msg_.str();
  }
  Status RunStatus(const std::string& sql) {
    out_.str("");
    msg_.str("");
    return session_->ExecuteScript(sql);
  }
  void Events() {
    Run("CREATE NAMESPACE sales;"
        "CREATE TABLE sales.events (id BIGINT, day DATE, msg VARCHAR) USING DELTA "
        "PARTITIONED BY (day) COMMENT 'clicks' TBLPROPERTIES ('owner'='ana');"
        "INSERT INTO sales.events VALUES (1, DATE '2026-11-01', 'a'), (2, DATE '2026-11-02', 'b');"
        "INSERT INTO sales.events (msg, id, day) SELECT 'c', 3, DATE '2026-11-03'");
  }
  testing::TempDir dir_;
  std::ostringstream out_, msg_;
  std::unique_ptr<Session> session_;
};

TEST_F(SqlExecutorTest, Walkthrough) {
  Events();
  std::string o = Run("SELECT id, msg FROM sales.events WHERE day = DATE '2026-11-02'");
  EXPECT_NE(o.find("2  | b"), std::string::npos) << o;
  EXPECT_NE(o.find("(1 row)"), std::string::npos) << o;
  // Partition pruning: one of three files survives.
  auto rw = session_->RewriteQuery("SELECT * FROM sales.events WHERE day = DATE '2026-11-02'");
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  ASSERT_EQ(session_->last_pruning().size(), 1u);
  EXPECT_EQ(session_->last_pruning()[0].files_total, 3);
  EXPECT_EQ(session_->last_pruning()[0].files_after_stats, 1);
  // Time travel: version 1 has two rows, version 0 none.
  EXPECT_NE(Run("SELECT count(*) AS n FROM sales.events VERSION AS OF 1").find("\n2"),
            std::string::npos);
  EXPECT_NE(Run("SELECT count(*) AS n FROM sales.events VERSION AS OF 0").find("\n0"),
            std::string::npos);
  EXPECT_NE(Run("SELECT count(*) AS n FROM sales.events").find("\n3"), std::string::npos);
  EXPECT_NE(Run("SELECT count(*) AS n FROM sales.events TIMESTAMP AS OF '2999-01-01'").find("\n3"),
            std::string::npos);
  EXPECT_FALSE(RunStatus("SELECT * FROM sales.events TIMESTAMP AS OF '2000-01-01'").ok());
  EXPECT_FALSE(RunStatus("SELECT * FROM sales.events TIMESTAMP AS OF 'not a time'").ok());
  EXPECT_FALSE(RunStatus("SELECT * FROM sales.events VERSION AS OF 99").ok());
  // Joins and aliases.
  o =
      Run("SELECT a.id FROM sales.events a JOIN sales.events VERSION AS OF 1 b ON a.id = b.id "
          "ORDER BY 1");
  EXPECT_NE(o.find("(2 rows)"), std::string::npos) << o;
  o = Run("DESCRIBE HISTORY sales.events");
  EXPECT_NE(o.find("WRITE"), std::string::npos) << o;
  EXPECT_NE(o.find("CREATE TABLE"), std::string::npos) << o;
  EXPECT_NE(o.find("(3 rows)"), std::string::npos) << o;
  o = Run("DESCRIBE DETAIL sales.events");
  EXPECT_NE(o.find("owner=ana"), std::string::npos) << o;
  EXPECT_NE(o.find("clicks"), std::string::npos) << o;
  o = Run("DESCRIBE sales.events");
  EXPECT_NE(o.find("BIGINT"), std::string::npos) << o;
  o = Run("SHOW TABLES IN sales");
  EXPECT_NE(o.find("events"), std::string::npos) << o;
  // The catalog summary followed the commits.
  auto e = session_->catalog().GetTable("sales.events");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->summary.version, 2);
  EXPECT_EQ(e->summary.num_files, 3);
}

TEST_F(SqlExecutorTest, OverwriteCtasDropAndErrors) {
  Events();
  Run("INSERT OVERWRITE sales.events REPLACE WHERE day = DATE '2026-11-01' "
      "SELECT 10, DATE '2026-11-01', 'z'");
  std::string o = Run("SELECT id FROM sales.events ORDER BY id");
  EXPECT_NE(o.find("10"), std::string::npos) << o;
  EXPECT_EQ(o.find("\n1 "), std::string::npos) << o;
  Run("CREATE TABLE sales.copy PARTITIONED BY (day) AS SELECT * FROM sales.events WHERE id > 2");
  o = Run("SELECT count(*) AS n FROM sales.copy");
  EXPECT_NE(o.find("\n2"), std::string::npos) << o;
  Run("INSERT OVERWRITE sales.copy SELECT * FROM sales.events VERSION AS OF 1");
  o = Run("SELECT count(*) AS n FROM sales.copy");
  EXPECT_NE(o.find("\n2"), std::string::npos) << o;

  // OPTIMIZE compacts through the library and leaves the rows as they were.
  std::string before = Run("SELECT count(*) AS n, sum(id) AS s FROM sales.events");
  o = Run("OPTIMIZE sales.events ZORDER BY (id)");
  EXPECT_NE(o.find("numFilesRemoved"), std::string::npos) << o;
  EXPECT_EQ(Run("SELECT count(*) AS n, sum(id) AS s FROM sales.events"), before);
  Status st = RunStatus("OPTIMIZE sales.events WHERE id > 1");
  EXPECT_FALSE(st.ok()) << "OPTIMIZE WHERE takes partition columns only";
  // ALTER TABLE runs the schema-evolution ops; old rows read a new column as NULL.
  Run("ALTER TABLE sales.events ADD COLUMNS (note VARCHAR COMMENT 'free, text')");
  EXPECT_EQ(Run("SELECT count(*) AS n FROM sales.events WHERE note IS NULL"),
            Run("SELECT count(*) AS n FROM sales.events"));
  Run("ALTER TABLE sales.events RENAME COLUMN note TO remark");
  EXPECT_NE(Run("DESCRIBE sales.events").find("remark"), std::string::npos);
  Run("ALTER TABLE sales.events SET TBLPROPERTIES ('owner' = 'tests')");
  EXPECT_NE(Run("DESCRIBE HISTORY sales.events").find("SET TBLPROPERTIES"), std::string::npos);
  st = RunStatus("ALTER TABLE sales.events ALTER COLUMN id TYPE INT");
  EXPECT_FALSE(st.ok()) << "narrowing must be refused";
  EXPECT_NE(st.message().find("id"), std::string::npos) << st.message();
  st = RunStatus("ALTER TABLE sales.events CLUSTER BY (id)");
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("not supported yet"), std::string::npos);
  EXPECT_FALSE(RunStatus("SELECT * FROM nope.t VERSION AS OF 1").ok());
  EXPECT_FALSE(RunStatus("INSERT INTO sales.events VALUES (1)").ok());
  EXPECT_FALSE(RunStatus("CREATE TABLE sales.bad (x INTERVAL)").ok());
  EXPECT_FALSE(session_->catalog().GetTable("sales.bad").ok());  // no half-created entry
  // A script stops at the first error.
  st = RunStatus("SELECT 1; SELECT * FROM nosuchtable; CREATE NAMESPACE never");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("statement 2"), std::string::npos) << st.message();
  EXPECT_FALSE(session_->catalog().ListNamespaces()->size() > 1);

  Run("VACUUM sales.events RETAIN 200 HOURS DRY RUN");
  st = RunStatus("VACUUM sales.events RETAIN 0 HOURS");
  EXPECT_NE(st.message().find("retentionDurationCheck.enabled = false"), std::string::npos)
      << st.message();
  std::string v =
      Run("SET spark.databricks.delta.retentionDurationCheck.enabled = false;"
          "VACUUM sales.events RETAIN 0 HOURS");
  EXPECT_NE(v.find("vacuum: deleted 1 file(s)"), std::string::npos) << v;  // the replaced file
  Run("DROP TABLE sales.copy PURGE");
  EXPECT_FALSE(session_->catalog().GetTable("sales.copy").ok());
  Run("DROP TABLE IF EXISTS sales.copy");
  EXPECT_FALSE(RunStatus("DROP TABLE sales.copy").ok());
}

TEST_F(SqlExecutorTest, DuckDBRelationsPassThrough) {
  Run("CREATE TEMP TABLE tt AS SELECT 42 AS x");
  std::string o = Run("SELECT x FROM tt");
  EXPECT_NE(o.find("42"), std::string::npos) << o;
  o = Run("SELECT count(*) > 0 AS ok FROM information_schema.tables");
  EXPECT_NE(o.find("true"), std::string::npos) << o;
}

}  // namespace
}  // namespace lake::sql
