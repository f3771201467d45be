#include <gtest/gtest.h>

#include "sql/parser.h"

namespace lake::sql {
namespace {

TEST(SqlSplit, QuotesCommentsAndEmptyStatements) {
  auto s =
      SplitStatements("SELECT 'a;b' AS \"x;y\"; -- c;d\n SELECT 2 /* ; */ ;;\n-- only a comment\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "SELECT 'a;b' AS \"x;y\"");
  EXPECT_EQ(s[1], "SELECT 2 /* ; */");
  EXPECT_TRUE(SplitStatements("  -- nothing\n").empty());
}

TEST(SqlSplit, IsComplete) {
  EXPECT_FALSE(IsComplete("SELECT 1"));
  EXPECT_TRUE(IsComplete("SELECT 1;"));
  EXPECT_TRUE(IsComplete("SELECT 1;  -- trailing comment"));
  EXPECT_FALSE(IsComplete("SELECT ';"));
  EXPECT_FALSE(IsComplete("SELECT 1 /* ; */"));
  EXPECT_TRUE(IsComplete("SELECT\n  1\n;"));
}

TEST(SqlTokenize, Errors) {
  EXPECT_FALSE(Tokenize("SELECT 'abc").ok());
  EXPECT_FALSE(Tokenize("SELECT \"abc").ok());
  EXPECT_FALSE(Tokenize("SELECT /* x").ok());
  auto t = Tokenize("a.b 'it''s' \"q\"\"i\" 1.5 <= x::int");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 10u);
  EXPECT_EQ((*t)[3].text, "it's");
  EXPECT_EQ((*t)[4].text, "q\"i");
  EXPECT_EQ((*t)[4].kind, Token::kQuotedIdent);
  EXPECT_EQ((*t)[6].text, "<=");
  EXPECT_EQ((*t)[8].text, "::");
}

TEST(SqlTableRefs, FromJoinCommaAndAliases) {
  std::string q =
      "SELECT * FROM s.a x JOIN \"S\".\"B\" AS y ON x.id = y.id, s.c WHERE x.k IN (SELECT k FROM "
      "s.d) AND s.a.col = 1";
  auto r = FindTableRefs(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].Name(), "s.a");
  EXPECT_EQ((*r)[0].alias, "x");
  EXPECT_EQ((*r)[1].Name(), "S.B");
  EXPECT_EQ((*r)[1].alias, "y");
  EXPECT_EQ((*r)[2].Name(), "s.c");
  EXPECT_EQ((*r)[2].alias, "");
  EXPECT_EQ((*r)[3].Name(), "s.d");
  EXPECT_EQ(q.substr((*r)[0].begin, (*r)[0].end - (*r)[0].begin), "s.a");
}

TEST(SqlTableRefs, IgnoresStringsCommentsFunctionsAndThreePartNames) {
  auto r = FindTableRefs(
      "SELECT 'FROM x.y' FROM read_parquet('a.parquet') -- FROM p.q\n"
      " JOIN db.s.t ON true JOIN /* FROM m.n */ plain ON true");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(SqlTableRefs, TimeTravel) {
  std::string q =
      "SELECT * FROM ns.t VERSION AS OF 3 a, ns.u TIMESTAMP AS OF '2026-11-01 10:00' "
      "JOIN ns.v FOR VERSION AS OF 0 ON true";
  auto r = FindTableRefs(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].version, 3);
  EXPECT_EQ((*r)[0].alias, "a");
  EXPECT_EQ(q.substr((*r)[0].begin, (*r)[0].end - (*r)[0].begin), "ns.t VERSION AS OF 3");
  EXPECT_EQ((*r)[1].timestamp, "2026-11-01 10:00");
  EXPECT_EQ((*r)[1].alias, "");
  EXPECT_EQ((*r)[2].version, 0);
  EXPECT_FALSE(FindTableRefs("SELECT * FROM ns.t VERSION AS OF 'x'").ok());
}

TEST(SqlTableRefs, Replace) {
  std::string q = "SELECT * FROM ns.t VERSION AS OF 1 WHERE x = 1";
  auto r = FindTableRefs(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReplaceRanges(q, *r, {"(SUB) AS t"}), "SELECT * FROM (SUB) AS t WHERE x = 1");
}

TEST(SqlPushdown, SimpleWhere) {
  auto pd = [](const std::string& q) {
    auto t = Tokenize(q);
    return PushdownPredicate(q, *t);
  };
  EXPECT_EQ(pd("SELECT * FROM ns.t WHERE day = '2026-11-01' AND n > 2 ORDER BY n LIMIT 3"),
            "day = '2026-11-01' AND n > 2");
  EXPECT_EQ(pd("SELECT count(*) FROM ns.t WHERE (a = 1 OR b = 2) GROUP BY c"), "(a = 1 OR b = 2)");
  EXPECT_EQ(pd("SELECT * FROM ns.t"), "");
  EXPECT_EQ(pd("SELECT * FROM ns.t x WHERE x.a = 1"), "");
  EXPECT_EQ(pd("SELECT * FROM ns.t WHERE a IN (SELECT 1)"), "");
  EXPECT_EQ(pd("SELECT * FROM ns.t WHERE a = 1 UNION SELECT * FROM ns.u"), "");
}

TEST(SqlParse, CreateTable) {
  auto s = ParseStatement(
      "CREATE TABLE IF NOT EXISTS sales.events (id BIGINT, day DATE, msg STRING) USING DELTA "
      "PARTITIONED BY (day) COMMENT 'the events' TBLPROPERTIES ('a'='1', 'delta.appendOnly' = "
      "'true') LOCATION '/tmp/x'");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->kind, Kind::kCreateTable);
  EXPECT_TRUE(s->if_not_exists);
  EXPECT_EQ(s->table, "sales.events");
  EXPECT_EQ(s->columns_ddl, "id BIGINT, day DATE, msg STRING");
  EXPECT_EQ(s->partition_by, std::vector<std::string>{"day"});
  EXPECT_EQ(s->comment, "the events");
  EXPECT_EQ(s->location, "/tmp/x");
  EXPECT_EQ(s->properties.size(), 2u);
  EXPECT_EQ(s->properties.at("delta.appendOnly"), "true");

  auto ctas = ParseStatement("CREATE TABLE a.b PARTITIONED BY (d) AS SELECT 1 AS x, 2 AS d");
  ASSERT_TRUE(ctas.ok());
  EXPECT_EQ(ctas->kind, Kind::kCreateTableAs);
  EXPECT_EQ(ctas->query, "SELECT 1 AS x, 2 AS d");
  EXPECT_FALSE(ParseStatement("CREATE TABLE a.b USING parquet AS SELECT 1").ok());
  EXPECT_FALSE(ParseStatement("CREATE TABLE nonamespace (x INT)").ok());
  EXPECT_FALSE(ParseStatement("CREATE TABLE a.b").ok());
}

TEST(SqlParse, Insert) {
  auto s = ParseStatement("INSERT INTO a.b (x, y) VALUES (1, 2)");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, Kind::kInsert);
  EXPECT_FALSE(s->overwrite);
  EXPECT_EQ(s->insert_columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(s->query, "VALUES (1, 2)");
  auto o =
      ParseStatement("INSERT OVERWRITE a.b REPLACE WHERE day = '2026-01-01' SELECT * FROM c.d");
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->overwrite);
  EXPECT_EQ(o->replace_where, "day = '2026-01-01'");
  EXPECT_EQ(o->query, "SELECT * FROM c.d");
  auto p = ParseStatement("INSERT INTO a.b (SELECT 1)");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->insert_columns.empty());
  EXPECT_EQ(p->query, "(SELECT 1)");
}

TEST(SqlParse, OtherStatements) {
  auto v = ParseStatement("VACUUM a.b RETAIN 0 HOURS DRY RUN");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->kind, Kind::kVacuum);
  EXPECT_EQ(v->retain_hours, 0.0);
  EXPECT_TRUE(v->dry_run);
  EXPECT_EQ(ParseStatement("DESCRIBE HISTORY a.b LIMIT 2")->limit, 2);
  EXPECT_EQ(ParseStatement("describe history a.b")->kind, Kind::kDescribeHistory);
  EXPECT_EQ(ParseStatement("DESCRIBE DETAIL a.b")->kind, Kind::kDescribeDetail);
  EXPECT_EQ(ParseStatement("DESCRIBE a.b")->kind, Kind::kDescribe);
  EXPECT_EQ(ParseStatement("DESCRIBE SELECT 1")->kind, Kind::kQuery);
  EXPECT_EQ(ParseStatement("SHOW TABLES IN sales")->ns, "sales");
  EXPECT_EQ(ParseStatement("SHOW SCHEMAS")->kind, Kind::kShowNamespaces);
  EXPECT_EQ(ParseStatement("CREATE SCHEMA IF NOT EXISTS x")->kind, Kind::kCreateNamespace);
  auto d = ParseStatement("DROP TABLE IF EXISTS a.b PURGE");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->if_exists && d->purge);
  auto opt = ParseStatement("OPTIMIZE a.b WHERE day = DATE '2026-11-01' ZORDER BY (x, \"Y\")");
  ASSERT_TRUE(opt.ok()) << opt.status().ToString();
  EXPECT_EQ(opt->kind, Kind::kOptimize);
  EXPECT_EQ(opt->table, "a.b");
  EXPECT_EQ(opt->where, "day = DATE '2026-11-01'");
  EXPECT_EQ(opt->zorder_by, (std::vector<std::string>{"x", "Y"}));
  EXPECT_EQ(ParseStatement("OPTIMIZE a.b")->kind, Kind::kOptimize);
  EXPECT_FALSE(ParseStatement("OPTIMIZE a.b ZORDER BY (x").ok());
  EXPECT_FALSE(ParseStatement("OPTIMIZE a.b WHERE").ok());
  auto add = ParseStatement("ALTER TABLE a.b ADD COLUMNS (c INT COMMENT 'x, y', d DECIMAL(10, 2))");
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  EXPECT_EQ(add->kind, Kind::kAlterTable);
  EXPECT_EQ(add->alter_action, "add_columns");
  EXPECT_EQ(add->alter_items,
            (std::vector<std::string>{"c INT COMMENT 'x, y'", "d DECIMAL(10, 2)"}));
  EXPECT_EQ(ParseStatement("ALTER TABLE a.b ADD COLUMN c INT")->alter_items,
            (std::vector<std::string>{"c INT"}));
  auto ren = ParseStatement("ALTER TABLE a.b RENAME COLUMN c TO e");
  EXPECT_EQ(ren->alter_action, "rename_column");
  EXPECT_EQ(ren->alter_name, "c");
  EXPECT_EQ(ren->alter_arg, "e");
  EXPECT_EQ(ParseStatement("ALTER TABLE a.b ALTER COLUMN c TYPE BIGINT")->alter_arg, "BIGINT");
  auto chk = ParseStatement("ALTER TABLE a.b ADD CONSTRAINT pos CHECK (c > 0)");
  EXPECT_EQ(chk->alter_action, "add_constraint");
  EXPECT_EQ(chk->alter_arg, "c > 0");
  EXPECT_EQ(ParseStatement("ALTER TABLE a.b SET TBLPROPERTIES ('k' = 'v')")->properties.at("k"),
            "v");
  EXPECT_EQ(ParseStatement("ALTER TABLE a.b UNSET TBLPROPERTIES ('k')")->alter_items,
            (std::vector<std::string>{"k"}));
  EXPECT_EQ(ParseStatement("ALTER TABLE a.b CLUSTER BY (x)")->kind, Kind::kUnsupported);
  EXPECT_EQ(ParseStatement("ALTER VIEW v AS SELECT 1")->kind, Kind::kUnsupported);
  EXPECT_EQ(ParseStatement("COPY t TO 'x'")->kind, Kind::kUnsupported);
  EXPECT_EQ(ParseStatement("-- c\nSELECT 1")->kind, Kind::kQuery);
  EXPECT_FALSE(ParseStatement("VACUUM a.b RETAIN x HOURS").ok());
}

}  // namespace
}  // namespace lake::sql
