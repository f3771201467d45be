#include "lake/predicate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace lake {
namespace {

std::string Field(const std::string& name, const std::string& type, const std::string& meta = "{}") {
  return R"({"name":")" + name + R"(","type":)" + type + R"(,"nullable":true,"metadata":)" +
         meta + "}";
}

Schema MakeSchema(const std::vector<std::string>& fields) {
  std::string json = R"({"type":"struct","fields":[)";
  for (size_t i = 0; i < fields.size(); ++i) json += (i ? "," : "") + fields[i];
  json += "]}";
  auto s = ParseSchema(json);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

const Schema& TestSchema() {
  static const Schema s = MakeSchema({
      Field("i", R"("integer")"), Field("l", R"("long")"), Field("d", "\"decimal(10,2)\""),
      Field("f", R"("float")"), Field("x", R"("double")"), Field("s", R"("string")"),
      Field("b", R"("boolean")"), Field("dt", R"("date")"), Field("ts", R"("timestamp")"),
      Field("tn", R"("timestamp_ntz")"), Field("bin", R"("binary")"),
      Field("st", R"({"type":"struct","fields":[)" + Field("a", R"("long")") + "," +
                      Field("b", R"({"type":"struct","fields":[)" + Field("c", R"("string")") +
                                     "]}") +
                      "]}"),
      Field("Mixed_Case", R"("long")"), Field("a.b", R"("long")"), Field("date", R"("date")"),
      // partition columns
      Field("p", R"("string")"), Field("pi", R"("integer")"), Field("pd", R"("date")"),
      Field("pts", R"("timestamp")"), Field("pb", R"("boolean")"), Field("pdec", "\"decimal(5,2)\""),
      Field("pdbl", R"("double")"), Field("pbin", R"("binary")"), Field("pl", R"("long")"),
  });
  return s;
}

const std::vector<std::string> kParts = {"p", "pi", "pd", "pts", "pb", "pdec", "pdbl", "pbin",
                                         "pl"};

std::string ParseErr(const std::string& where) {
  auto p = ParsePredicate(where, TestSchema());
  if (p.ok()) return "OK: " + (*p)->ToString();
  return p.status().message();
}

std::string Canon(const std::string& where) {
  auto p = ParsePredicate(where, TestSchema());
  if (!p.ok()) return "ERROR: " + p.status().message();
  return (*p)->ToString();
}

AddFile File(PartitionValues pv, std::string stats = "") {
  AddFile f;
  f.path = "part-0.parquet";
  f.partition_values = std::move(pv);
  f.stats = std::move(stats);
  return f;
}

SkipReason Eval(const std::string& where, const AddFile& f, const Schema& schema = TestSchema(),
                const std::vector<std::string>& parts = kParts, const std::string& mode = "none") {
  auto p = ParsePredicate(where, schema);
  EXPECT_TRUE(p.ok()) << where << ": " << p.status().ToString();
  if (!p.ok()) return SkipReason::kKept;
  auto pr = FilePruner::Make(*p, schema, parts, mode);
  EXPECT_TRUE(pr.ok()) << pr.status().ToString();
  return pr->Evaluate(f);
}

// Keep / skip shorthands.
constexpr SkipReason K = SkipReason::kKept;
constexpr SkipReason P = SkipReason::kPartition;
constexpr SkipReason S = SkipReason::kStats;

// ---- parser --------------------------------------------------------------------------------

TEST(PredicateParse, Precedence) {
  EXPECT_EQ(Canon("i = 1 OR l = 2 AND s = 'x'"), "((i = 1) OR ((l = 2) AND (s = 'x')))");
  EXPECT_EQ(Canon("(i = 1 OR l = 2) AND s = 'x'"), "(((i = 1) OR (l = 2)) AND (s = 'x'))");
  EXPECT_EQ(Canon("NOT i = 1 AND l = 2"), "((NOT (i = 1)) AND (l = 2))");
  EXPECT_EQ(Canon("NOT NOT i = 1"), "(NOT (NOT (i = 1)))");
  EXPECT_EQ(Canon("i = 1 AND l = 2 AND x = 3"), "((i = 1) AND (l = 2) AND (x = 3))");
  EXPECT_EQ(Canon("i BETWEEN 1 AND 5 AND l = 2"), "(((i >= 1) AND (i <= 5)) AND (l = 2))");
  EXPECT_EQ(Canon("i NOT BETWEEN 1 AND 5"), "(NOT ((i >= 1) AND (i <= 5)))");
  EXPECT_EQ(Canon("5 < i"), "(i > 5)");
  EXPECT_EQ(Canon("(i) = (1)"), "(i = 1)");
  EXPECT_EQ(Canon("((i = 1))"), "(i = 1)");
  EXPECT_EQ(Canon("b"), "(b = TRUE)");
  EXPECT_EQ(Canon("NOT b"), "(NOT (b = TRUE))");
  EXPECT_EQ(Canon("TRUE"), "TRUE");
}

TEST(PredicateParse, OperatorsAndLiterals) {
  EXPECT_EQ(Canon("i <> 1 AND i != 2 AND i <= 3 AND i >= -4 AND i < 5.50 AND i > 1e3"),
            "((i <> 1) AND (i <> 2) AND (i <= 3) AND (i >= -4) AND (i < 5.50) AND (i > 1e3))");
  EXPECT_EQ(Canon("s = 'it''s'"), "(s = 'it''s')");
  EXPECT_EQ(Canon("s IN ('a', 'b', NULL)"), "(s IN ('a', 'b', NULL))");
  EXPECT_EQ(Canon("s not in ('a')"), "(s NOT IN ('a'))");
  EXPECT_EQ(Canon("s IS NULL or s is not null"), "((s IS NULL) OR (s IS NOT NULL))");
  EXPECT_EQ(Canon("s LIKE 'ab%' AND s NOT LIKE 'c%'"), "((s LIKE 'ab%') AND (s NOT LIKE 'c%'))");
  EXPECT_EQ(Canon("dt = DATE '2024-01-31'"), "(dt = DATE '2024-01-31')");
  EXPECT_EQ(Canon("ts > TIMESTAMP '2024-01-01 10:11:12.5'"),
            "(ts > TIMESTAMP '2024-01-01 10:11:12.500000')");
  EXPECT_EQ(Canon("ts > timestamp '2024-01-01T10:11:12Z'"),
            "(ts > TIMESTAMP '2024-01-01 10:11:12.000000')");
  EXPECT_EQ(Canon("b = true AND b = FALSE AND i = NULL"),
            "((b = TRUE) AND (b = FALSE) AND (i = NULL))");
  EXPECT_EQ(Canon("x = .5"), "(x = 0.5)");
}

TEST(PredicateParse, Identifiers) {
  EXPECT_EQ(Canon("I = 1 AND \"L\" = 2"), "((i = 1) AND (l = 2))");
  EXPECT_EQ(Canon("mixed_case = 1"), "(Mixed_Case = 1)");
  EXPECT_EQ(Canon("st.a = 1 AND ST.B.C = 'x'"), "((st.a = 1) AND (st.b.c = 'x'))");
  EXPECT_EQ(Canon("\"st\".\"a\" = 1"), "(st.a = 1)");
  EXPECT_EQ(Canon("\"a.b\" = 1"), "(a.b = 1)");
  EXPECT_EQ(Canon("date = DATE '2024-01-01'"), "(date = DATE '2024-01-01')");
  EXPECT_EQ(Canon("\"date\" = '2024-01-01'"), "(date = '2024-01-01')");
  auto p = ParsePredicate("st.a = 1 AND x > 2 OR st.b.c = 'q'", TestSchema());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->ReferencedColumns(), (std::vector<std::string>{"st", "x"}));
}

TEST(PredicateParse, Errors) {
  EXPECT_EQ(ParseErr("nope = 1"), "predicate: unknown column 'nope'");
  EXPECT_EQ(ParseErr("st.zz = 1"), "predicate: column 'st' has no field 'zz'");
  EXPECT_EQ(ParseErr("i.zz = 1"), "predicate: column 'i' is not a struct; cannot access field 'zz'");
  EXPECT_EQ(ParseErr("i = 1 AND"),
            "predicate: at offset 9: expected a column, literal or '(' but found end of input");
  EXPECT_EQ(ParseErr("(i = 1"), "predicate: at offset 6: expected ')' but found end of input");
  EXPECT_EQ(ParseErr("i = 'abc"), "predicate: at offset 4: unterminated string literal");
  EXPECT_EQ(ParseErr("i + 1 = 2"), "predicate: at offset 2: unexpected '+' after a complete condition");
  EXPECT_EQ(ParseErr("abs(i) = 1"), "predicate: at offset 3: function calls are not supported ('abs(...)')");
  EXPECT_EQ(ParseErr("i = 1 = 2"), "predicate: at offset 6: unexpected '=' after a complete condition");
  EXPECT_EQ(ParseErr("i"), "predicate: at offset 0: column 'i' of type integer used as a condition; compare it to a value");
  EXPECT_EQ(ParseErr("i IS 1"), "predicate: at offset 5: expected NULL after IS but found number 1");
  EXPECT_EQ(ParseErr("i IN 1"), "predicate: at offset 5: expected '(' after IN but found number 1");
  EXPECT_EQ(ParseErr("dt = DATE '2024-13-01'"), "predicate: at offset 10: invalid DATE literal '2024-13-01' (want YYYY-MM-DD)");
  EXPECT_EQ(ParseErr(""), "predicate: empty condition");
  EXPECT_EQ(ParseErr("s LIKE 'a%' ESCAPE '!'"), "predicate: at offset 12: LIKE ... ESCAPE is not supported");
  EXPECT_EQ(ParseErr("i = 12abc"), "predicate: at offset 4: malformed number '12a'");
  EXPECT_EQ(ParseErr("and = 1"), "predicate: at offset 0: expected a column or literal but found keyword 'and' (quote it to use it as a column name)");
  EXPECT_EQ(ParseErr("(i = 1) = 2"), "predicate: at offset 0: expected a column or literal before the comparison but found a condition");
  EXPECT_EQ(ParseErr("i = `x`"), "predicate: at offset 4: expected a column, literal or '(' but found '`'");
  EXPECT_EQ(ParseErr("5"), "predicate: at offset 0: expected a condition but found the literal 5");
  for (const char* bad : {"i = 1;", "i = 1 AND AND i = 2", "i == ", "CAST(i AS INT) = 1", "i = -'a'",
                          "st = 1 OR", "\"\" = 1", "i IN ()", "i BETWEEN 1", "s LIKE s"}) {
    auto p = ParsePredicate(bad, TestSchema());
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message().find('\n'), std::string::npos);
  }
}

// ---- partition pruning ---------------------------------------------------------------------

TEST(PredicatePartition, StringAndNull) {
  AddFile a = File({{"p", "a"}}), nul = File({{"p", std::nullopt}}), empty = File({{"p", ""}}),
          missing = File({});
  EXPECT_EQ(Eval("p = 'a'", a), K);
  EXPECT_EQ(Eval("p = 'b'", a), P);
  EXPECT_EQ(Eval("p <> 'a'", a), P);
  EXPECT_EQ(Eval("p = 'b'", nul), P);
  EXPECT_EQ(Eval("p <> 'b'", nul), P);  // NULL <> 'b' is NULL
  EXPECT_EQ(Eval("p IS NULL", nul), K);
  EXPECT_EQ(Eval("p IS NULL", empty), K);
  EXPECT_EQ(Eval("p IS NULL", missing), K);
  EXPECT_EQ(Eval("p IS NULL", a), P);
  EXPECT_EQ(Eval("p IS NOT NULL", nul), P);
  EXPECT_EQ(Eval("NOT (p = 'b')", nul), P);
  EXPECT_EQ(Eval("NOT (p = 'b')", a), K);
  EXPECT_EQ(Eval("p IN ('x', 'a')", a), K);
  EXPECT_EQ(Eval("p IN ('x', 'y')", a), P);
  EXPECT_EQ(Eval("p NOT IN ('x', 'y')", a), K);
  EXPECT_EQ(Eval("p NOT IN ('x', 'a')", a), P);
  EXPECT_EQ(Eval("p NOT IN ('x', NULL)", a), P);  // never TRUE
  EXPECT_EQ(Eval("p IN ('a', NULL)", a), K);
  EXPECT_EQ(Eval("p < 'b' AND p >= 'a'", a), K);
  EXPECT_EQ(Eval("p > 'a'", a), P);
  EXPECT_EQ(Eval("p LIKE 'a%'", a), K);
  EXPECT_EQ(Eval("p LIKE 'ab%'", a), P);
  EXPECT_EQ(Eval("p NOT LIKE 'a%'", a), P);
  EXPECT_EQ(Eval("p LIKE '%a'", a), K);  // not a prefix pattern: unknown
  EXPECT_EQ(Eval("p LIKE 'a'", a), K);
  EXPECT_EQ(Eval("p LIKE 'b'", a), P);
  EXPECT_EQ(Eval("p = NULL", a), P);
  EXPECT_EQ(Eval("p IS NULL OR p = 'a'", nul), K);
}

TEST(PredicatePartition, Numbers) {
  AddFile f = File({{"pi", "42"}, {"pdec", "1.50"}, {"pdbl", "0.1"}, {"pl", "-9223372036854775808"}});
  EXPECT_EQ(Eval("pi = 42", f), K);
  EXPECT_EQ(Eval("pi = 42.0", f), K);
  EXPECT_EQ(Eval("pi = 42.5", f), P);
  EXPECT_EQ(Eval("pi > 41.99", f), K);
  EXPECT_EQ(Eval("pi < 42", f), P);
  EXPECT_EQ(Eval("pi <= 42", f), K);
  EXPECT_EQ(Eval("pi = '42'", f), K);
  EXPECT_EQ(Eval("pi = '43'", f), P);
  EXPECT_EQ(Eval("pi = 4.2e1", f), K);
  EXPECT_EQ(Eval("pi = 4.3e1", f), P);
  EXPECT_EQ(Eval("pi BETWEEN 40 AND 42", f), K);
  EXPECT_EQ(Eval("pi NOT BETWEEN 40 AND 42", f), P);
  EXPECT_EQ(Eval("pdec = 1.5", f), K);
  EXPECT_EQ(Eval("pdec = 1.500000000000000000001", f), P);
  EXPECT_EQ(Eval("pdec > 1.499999999999999999999", f), K);
  EXPECT_EQ(Eval("pdec < 2", f), K);
  EXPECT_EQ(Eval("pdec > 2", f), P);
  EXPECT_EQ(Eval("pdbl = 0.1", f), K);
  EXPECT_EQ(Eval("pdbl > 0.1", f), P);
  EXPECT_EQ(Eval("pdbl < 0.2", f), K);
  EXPECT_EQ(Eval("pl = -9223372036854775808", f), K);
  EXPECT_EQ(Eval("pl < -9223372036854775807", f), K);
  EXPECT_EQ(Eval("pl > -9223372036854775808", f), P);
  EXPECT_EQ(Eval("pl > -99999999999999999999", f), K);
  // NaN partition value: the engine orders NaN above everything and NaN = NaN.
  AddFile nan = File({{"pdbl", "NaN"}});
  EXPECT_EQ(Eval("pdbl > 1e300", nan), K);
  EXPECT_EQ(Eval("pdbl < 1e300", nan), P);
  EXPECT_EQ(Eval("pdbl = 'NaN'", nan), K);
  EXPECT_EQ(Eval("pdbl <> 'NaN'", nan), P);
  EXPECT_EQ(Eval("pdbl = 1", nan), P);
  // Unparseable value: conservative.
  EXPECT_EQ(Eval("pi = 1", File({{"pi", "garbage"}})), K);
}

TEST(PredicatePartition, DatesTimestampsBoolBinary) {
  AddFile f = File({{"pd", "2024-02-29"}, {"pts", "2024-01-01 10:00:00"}, {"pb", "true"},
                    {"pbin", "\x01\xc3\xbf"}});
  EXPECT_EQ(Eval("pd = DATE '2024-02-29'", f), K);
  EXPECT_EQ(Eval("pd = '2024-02-29'", f), K);
  EXPECT_EQ(Eval("pd > DATE '2024-02-29'", f), P);
  EXPECT_EQ(Eval("pd >= TIMESTAMP '2024-02-29 00:00:00'", f), K);
  EXPECT_EQ(Eval("pd > TIMESTAMP '2024-02-29 00:00:01'", f), P);
  EXPECT_EQ(Eval("pd BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'", f), K);
  EXPECT_EQ(Eval("pts = TIMESTAMP '2024-01-01 10:00:00'", f), K);
  EXPECT_EQ(Eval("pts = TIMESTAMP '2024-01-01 10:00:00.000001'", f), P);
  EXPECT_EQ(Eval("pts = '2024-01-01T10:00:00Z'", f), K);
  EXPECT_EQ(Eval("pts = TIMESTAMP '2024-01-01 12:00:00+02:00'", f), K);
  EXPECT_EQ(Eval("pts >= DATE '2024-01-02'", f), P);
  AddFile iso = File({{"pts", "2024-01-01T10:00:00.123456Z"}});
  EXPECT_EQ(Eval("pts = TIMESTAMP '2024-01-01 10:00:00.123456'", iso), K);
  EXPECT_EQ(Eval("pts < TIMESTAMP '2024-01-01 10:00:00.123456'", iso), P);
  EXPECT_EQ(Eval("pb", f), K);
  EXPECT_EQ(Eval("NOT pb", f), P);
  EXPECT_EQ(Eval("pb = FALSE", f), P);
  EXPECT_EQ(Eval("NOT pb", File({{"pb", std::nullopt}})), P);
  EXPECT_EQ(Eval("pb", File({{"pb", std::nullopt}})), P);
  EXPECT_EQ(Eval("pbin = '\x01\xff'", f), K);
  EXPECT_EQ(Eval("pbin = '\x01'", f), P);
}

TEST(PredicatePartition, MixedWithDataColumns) {
  AddFile f = File({{"p", "a"}});
  EXPECT_EQ(Eval("p = 'b' AND i = 1", f), P);
  EXPECT_EQ(Eval("p = 'b' OR i = 1", f), K);
  EXPECT_EQ(Eval("NOT (p = 'a' OR i = 1)", f), P);
  EXPECT_EQ(Eval("NOT (p = 'a' AND i = 1)", f), K);
  // Partition columns match case-insensitively and go through column mapping.
  Schema mapped = MakeSchema(
      {Field("Part", R"("string")", R"({"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-1"})"),
       Field("v", R"("long")", R"({"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-2"})")});
  AddFile m = File({{"col-1", "x"}}, R"({"numRecords":3,"minValues":{"col-2":5},"maxValues":{"col-2":9},"nullCount":{"col-2":0}})");
  EXPECT_EQ(Eval("part = 'x'", m, mapped, {"part"}, "name"), K);
  EXPECT_EQ(Eval("part = 'y'", m, mapped, {"part"}, "name"), P);
  EXPECT_EQ(Eval("part = 'y'", m, mapped, {"part"}, "id"), P);
  EXPECT_EQ(Eval("v = 4", m, mapped, {"part"}, "name"), S);
  EXPECT_EQ(Eval("v = 5", m, mapped, {"part"}, "name"), K);
  // With mode none, the logical names are looked up: nothing found -> conservative.
  EXPECT_EQ(Eval("v = 4", m, mapped, {"part"}, "none"), K);
  EXPECT_EQ(Eval("part = 'x'", m, mapped, {"part"}, "none"), P);  // missing = NULL
}

// ---- stats skipping ------------------------------------------------------------------------

std::string Stats(const std::string& min, const std::string& max, const std::string& nulls,
                  int64_t n = 10, const std::string& extra = "") {
  return R"({"numRecords":)" + std::to_string(n) + extra + R"(,"minValues":{)" + min +
         R"(},"maxValues":{)" + max + R"(},"nullCount":{)" + nulls + "}}";
}

TEST(PredicateStats, Integers) {
  AddFile f = File({}, Stats(R"("i":10,"l":-5)", R"("i":20,"l":5)", R"("i":0,"l":2)"));
  EXPECT_EQ(Eval("i = 10", f), K);
  EXPECT_EQ(Eval("i = 9", f), S);
  EXPECT_EQ(Eval("i = 21", f), S);
  EXPECT_EQ(Eval("i = 15.5", f), K);
  EXPECT_EQ(Eval("i = 20.5", f), S);
  EXPECT_EQ(Eval("i < 10", f), S);
  EXPECT_EQ(Eval("i <= 10", f), K);
  EXPECT_EQ(Eval("i > 20", f), S);
  EXPECT_EQ(Eval("i >= 20", f), K);
  EXPECT_EQ(Eval("i > 19.99", f), K);
  EXPECT_EQ(Eval("i >= 20.01", f), S);
  EXPECT_EQ(Eval("i <> 15", f), K);
  EXPECT_EQ(Eval("i IN (1, 2, 30)", f), S);
  EXPECT_EQ(Eval("i IN (1, 2, 13)", f), K);
  EXPECT_EQ(Eval("i NOT IN (10, 20)", f), K);
  EXPECT_EQ(Eval("i BETWEEN 21 AND 30", f), S);
  EXPECT_EQ(Eval("i NOT BETWEEN 0 AND 30", f), S);
  EXPECT_EQ(Eval("i NOT BETWEEN 11 AND 30", f), K);
  EXPECT_EQ(Eval("i IS NULL", f), S);
  EXPECT_EQ(Eval("i IS NOT NULL", f), K);
  EXPECT_EQ(Eval("l IS NULL", f), K);
  EXPECT_EQ(Eval("i = 2.1e1", f), S);
  EXPECT_EQ(Eval("i = 2.0e1", f), K);
  EXPECT_EQ(Eval("NOT (i < 30)", f), S);
  EXPECT_EQ(Eval("NOT (i < 15)", f), K);
  EXPECT_EQ(Eval("i = 100 OR l = 100", f), S);
  EXPECT_EQ(Eval("i = 100 OR l = 0", f), K);
  EXPECT_EQ(Eval("i = 15 AND l = 100", f), S);
  // Point file: <> and NOT IN can prune.
  AddFile pt = File({}, Stats(R"("i":7)", R"("i":7)", R"("i":0)"));
  EXPECT_EQ(Eval("i <> 7", pt), S);
  EXPECT_EQ(Eval("i NOT IN (6, 7)", pt), S);
  EXPECT_EQ(Eval("i NOT IN (6, 8)", pt), K);
}

TEST(PredicateStats, NullsAndMissing) {
  AddFile allnull = File({}, Stats("", "", R"("i":10)"));
  EXPECT_EQ(Eval("i = 1", allnull), S);
  EXPECT_EQ(Eval("i <> 1", allnull), S);
  EXPECT_EQ(Eval("i IS NOT NULL", allnull), S);
  EXPECT_EQ(Eval("i IS NULL", allnull), K);
  EXPECT_EQ(Eval("NOT (i = 1)", allnull), S);
  EXPECT_EQ(Eval("i IN (1, NULL)", allnull), S);
  AddFile nostats = File({});
  EXPECT_EQ(Eval("i = 1", nostats), K);
  AddFile nocol = File({}, Stats(R"("l":1)", R"("l":1)", R"("l":0)"));
  EXPECT_EQ(Eval("i = 1", nocol), K);
  EXPECT_EQ(Eval("i IS NULL", nocol), K);
  EXPECT_EQ(Eval("i IS NOT NULL", nocol), K);
  AddFile onlymin = File({}, R"({"numRecords":5,"minValues":{"i":10}})");
  EXPECT_EQ(Eval("i < 10", onlymin), S);
  EXPECT_EQ(Eval("i > 100", onlymin), K);
  AddFile nullmin = File({}, R"({"numRecords":5,"minValues":{"i":null},"maxValues":{"i":null},"nullCount":{"i":2}})");
  EXPECT_EQ(Eval("i = 1", nullmin), K);
  EXPECT_EQ(Eval("i = 1", File({}, "{not json")), K);
  EXPECT_EQ(Eval("i = 1", File({}, R"({"numRecords":0})")), S);
  EXPECT_EQ(Eval("i = NULL", File({})), P);  // constant: never TRUE
  // Wide bounds (deletion vectors): min/max still bound; nullCount only at 0 / numRecords.
  AddFile wide = File({}, Stats(R"("i":10)", R"("i":20)", R"("i":3)", 10, R"(,"tightBounds":false)"));
  EXPECT_EQ(Eval("i = 5", wide), S);
  EXPECT_EQ(Eval("i IS NULL", wide), K);
  EXPECT_EQ(Eval("i IS NOT NULL", wide), K);
  AddFile wide0 = File({}, Stats(R"("i":10)", R"("i":20)", R"("i":0)", 10, R"(,"tightBounds":false)"));
  EXPECT_EQ(Eval("i IS NULL", wide0), S);
  AddFile wideall = File({}, Stats("", "", R"("i":10)", 10, R"(,"tightBounds":false)"));
  EXPECT_EQ(Eval("i IS NOT NULL", wideall), S);
  EXPECT_EQ(Eval("i > 0", wideall), S);
}

TEST(PredicateStats, DecimalAndDouble) {
  AddFile f = File({}, Stats(R"("d":1.25,"x":-1.5,"f":0.1)", R"("d":99.99,"x":2.5,"f":0.3)",
                             R"("d":0,"x":0,"f":0)"));
  EXPECT_EQ(Eval("d = 1.25", f), K);
  EXPECT_EQ(Eval("d < 1.25", f), S);
  EXPECT_EQ(Eval("d < 1.2500000000000000001", f), K);
  EXPECT_EQ(Eval("d > 99.99", f), S);
  EXPECT_EQ(Eval("d > 99.989999999999", f), K);
  EXPECT_EQ(Eval("d > 100", f), S);
  EXPECT_EQ(Eval("d = 1e2", f), S);
  EXPECT_EQ(Eval("d = 99.99e0", f), K);
  EXPECT_EQ(Eval("x < -1.5", f), S);
  EXPECT_EQ(Eval("x <= -1.5", f), K);
  EXPECT_EQ(Eval("x = 3", f), S);
  EXPECT_EQ(Eval("x IN (3, 4)", f), S);
  // Rows holding NaN are invisible to some writers' min/max, and NaN > everything:
  EXPECT_EQ(Eval("x > 3", f), K);
  EXPECT_EQ(Eval("x >= 3", f), K);
  EXPECT_EQ(Eval("x <> 0", f), K);
  EXPECT_EQ(Eval("NOT (x <= 3)", f), K);
  // A NaN max or min carries no information.
  AddFile nan = File({}, R"({"numRecords":5,"minValues":{"x":"NaN"},"maxValues":{"x":"NaN"},"nullCount":{"x":0}})");
  EXPECT_EQ(Eval("x < 0", nan), K);
  // Floats: stats are float values; comparisons must not lose the rounding.
  EXPECT_EQ(Eval("f > 0.3", f), K);
  EXPECT_EQ(Eval("f < 0.1", f), K);
  EXPECT_EQ(Eval("f < 0.09", f), S);
  EXPECT_EQ(Eval("f = 0.5", f), S);
}

TEST(PredicateStats, Strings) {
  AddFile f = File({}, Stats(R"("s":"apple")", R"("s":"melon")", R"("s":0)"));
  EXPECT_EQ(Eval("s = 'apple'", f), K);
  EXPECT_EQ(Eval("s = 'aardvark'", f), S);
  EXPECT_EQ(Eval("s < 'apple'", f), S);
  EXPECT_EQ(Eval("s <= 'apple'", f), K);
  // The max may be a truncated prefix: values like 'melonzzz' may exist.
  EXPECT_EQ(Eval("s = 'melonade'", f), K);
  EXPECT_EQ(Eval("s > 'melon'", f), K);
  EXPECT_EQ(Eval("s >= 'melonzzz'", f), K);
  EXPECT_EQ(Eval("s > 'meloo'", f), S);
  EXPECT_EQ(Eval("s = 'zebra'", f), S);
  EXPECT_EQ(Eval("s >= 'mem'", f), S);
  EXPECT_EQ(Eval("s LIKE 'b%'", f), K);
  EXPECT_EQ(Eval("s LIKE 'a%'", f), K);
  EXPECT_EQ(Eval("s LIKE 'aa%'", f), S);
  EXPECT_EQ(Eval("s LIKE 'melonx%'", f), K);
  EXPECT_EQ(Eval("s LIKE 'mez%'", f), S);
  EXPECT_EQ(Eval("s LIKE 'm_%'", f), K);
  EXPECT_EQ(Eval("s NOT LIKE 'a%'", f), K);
  AddFile same = File({}, Stats(R"("s":"abc1")", R"("s":"abc9")", R"("s":0)"));
  EXPECT_EQ(Eval("s NOT LIKE 'abc%'", same), S);
  EXPECT_EQ(Eval("s LIKE 'abc%'", same), K);
  EXPECT_EQ(Eval("s <> 'abc1'", same), K);
  // Byte-wise (UTF-8) order.
  AddFile u = File({}, Stats(R"("s":"a")", R"("s":"\u00e9")", R"("s":0)"));
  EXPECT_EQ(Eval("s = 'z'", u), K);
  EXPECT_EQ(Eval("s = '\xf0\x9f\x98\x80'", u), S);  // above every 'é'-prefixed string
  AddFile v = File({}, Stats(R"("s":"\u00e9")", R"("s":"\u00ea")", R"("s":0)"));
  EXPECT_EQ(Eval("s = 'z'", v), S);
  EXPECT_EQ(Eval("s = 1", f), K);  // string vs number: not understood, no pruning
}

TEST(PredicateStats, DatesTimestampsBooleans) {
  AddFile f = File({}, Stats(
      R"("dt":"2024-01-10","ts":"2024-01-01T10:00:00.000Z","tn":"2024-01-01T10:00:00.000","b":false)",
      R"("dt":"2024-01-20","ts":"2024-01-01T12:00:00.123+01:00","tn":"2024-01-01T11:00:00.123","b":false)",
      R"("dt":0,"ts":0,"tn":0,"b":0)"));
  EXPECT_EQ(Eval("dt = DATE '2024-01-09'", f), S);
  EXPECT_EQ(Eval("dt = DATE '2024-01-10'", f), K);
  EXPECT_EQ(Eval("dt > '2024-01-20'", f), S);
  EXPECT_EQ(Eval("dt >= TIMESTAMP '2024-01-20 00:00:00'", f), K);
  EXPECT_EQ(Eval("dt > TIMESTAMP '2024-01-20 00:00:00'", f), S);
  // max ts is 11:00:00.123 UTC, truncated to ms: rows up to 11:00:00.123999 may exist.
  EXPECT_EQ(Eval("ts > TIMESTAMP '2024-01-01 11:00:00.123'", f), K);
  EXPECT_EQ(Eval("ts > TIMESTAMP '2024-01-01 11:00:00.123999'", f), K);
  EXPECT_EQ(Eval("ts > TIMESTAMP '2024-01-01 11:00:00.125'", f), S);
  EXPECT_EQ(Eval("ts < TIMESTAMP '2024-01-01 09:59:59'", f), S);
  EXPECT_EQ(Eval("ts = DATE '2024-01-01'", f), S);
  EXPECT_EQ(Eval("ts >= DATE '2024-01-01'", f), K);
  EXPECT_EQ(Eval("tn > TIMESTAMP '2024-01-01 11:00:00.1235'", f), K);
  EXPECT_EQ(Eval("tn > TIMESTAMP '2024-01-01 11:00:00.125'", f), S);
  EXPECT_EQ(Eval("b", f), S);
  EXPECT_EQ(Eval("NOT b", f), K);
  EXPECT_EQ(Eval("b = false", f), K);
}

TEST(PredicateStats, NestedAndMapping) {
  AddFile f = File({}, R"({"numRecords":4,"minValues":{"st":{"a":1,"b":{"c":"k"}}},"maxValues":{"st":{"a":3,"b":{"c":"m"}}},"nullCount":{"st":{"a":0,"b":{"c":4}}}})");
  EXPECT_EQ(Eval("st.a = 4", f), S);
  EXPECT_EQ(Eval("st.a = 2", f), K);
  EXPECT_EQ(Eval("st.b.c = 'l'", f), S);  // all null
  EXPECT_EQ(Eval("st.b.c IS NULL", f), K);
  EXPECT_EQ(Eval("st.a IS NULL", f), S);
  EXPECT_EQ(Eval("st IS NULL", f), K);  // struct column itself: unknown
  Schema mapped = MakeSchema({Field(
      "st",
      R"({"type":"struct","fields":[)" +
          Field("a", R"("long")", R"({"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-a"})") + "]}",
      R"({"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-st"})")});
  AddFile m = File({}, R"({"numRecords":4,"minValues":{"col-st":{"col-a":1}},"maxValues":{"col-st":{"col-a":3}},"nullCount":{"col-st":{"col-a":0}}})");
  EXPECT_EQ(Eval("st.a = 4", m, mapped, {}, "name"), S);
  EXPECT_EQ(Eval("st.a = 3", m, mapped, {}, "name"), K);
  EXPECT_EQ(Eval("ST.A > 3", m, mapped, {}, "id"), S);
  EXPECT_EQ(Eval("st.a = 4", m, mapped, {}, "none"), K);
}

TEST(PredicateStats, UnknownShapesStayConservative) {
  AddFile f = File({}, Stats(R"("i":10,"l":1)", R"("i":20,"l":2)", R"("i":0,"l":0)"));
  EXPECT_EQ(Eval("i = l", f), K);
  EXPECT_EQ(Eval("NOT (i = l)", f), K);
  EXPECT_EQ(Eval("1 = 2", f), P);
  EXPECT_EQ(Eval("1 = 1 AND i = 5", f), S);
  EXPECT_EQ(Eval("st.b.c LIKE '%x'", f), K);
  EXPECT_EQ(Eval("i = DATE '2024-01-01'", f), K);
  EXPECT_EQ(Eval("i = 'abc'", f), K);
  EXPECT_EQ(Eval("bin = 'a'", f), K);
  // Wrong JSON types in stats: ignored.
  AddFile bad = File({}, R"({"numRecords":3,"minValues":{"i":"10"},"maxValues":{"i":[1]},"nullCount":{"i":"x"}})");
  EXPECT_EQ(Eval("i = 1", bad), K);
  EXPECT_EQ(Eval("i IS NULL", bad), K);
}

TEST(Predicate, ThreeValuedTruthTables) {
  // Three files where x is TRUE-ish, FALSE-ish, NULL for "p = 'a'": p='a', p='b', p NULL.
  const AddFile t = File({{"p", "a"}, {"pi", "1"}}), fl = File({{"p", "b"}, {"pi", "1"}}),
                n = File({{"p", std::nullopt}, {"pi", "1"}});
  // A := p = 'a' ; B := pi = 1 (TRUE) / pi = 2 (FALSE) / pi = NULL (NULL)
  struct Case { const char* b; int truth; };  // 1 true, 0 false, -1 null
  const Case bs[] = {{"pi = 1", 1}, {"pi = 2", 0}, {"pi = NULL", -1}};
  struct FCase { const AddFile* f; int truth; };
  const FCase as[] = {{&t, 1}, {&fl, 0}, {&n, -1}};
  auto and3 = [](int a, int b) { return (a == 0 || b == 0) ? 0 : ((a == 1 && b == 1) ? 1 : -1); };
  auto or3 = [](int a, int b) { return (a == 1 || b == 1) ? 1 : ((a == 0 && b == 0) ? 0 : -1); };
  auto not3 = [](int a) { return a == -1 ? -1 : 1 - a; };
  for (const auto& a : as) {
    for (const auto& b : bs) {
      std::string B = b.b;
      auto expect = [&](const std::string& sql, int truth) {
        EXPECT_EQ(Eval(sql, *a.f), truth == 1 ? K : P) << sql << " on p=" << a.truth;
      };
      expect("p = 'a' AND " + B, and3(a.truth, b.truth));
      expect("p = 'a' OR " + B, or3(a.truth, b.truth));
      expect("NOT (p = 'a' AND " + B + ")", not3(and3(a.truth, b.truth)));
      expect("NOT (p = 'a' OR " + B + ")", not3(or3(a.truth, b.truth)));
      expect("NOT (p = 'a') OR NOT (" + B + ")", or3(not3(a.truth), not3(b.truth)));
      expect("NOT NOT (p = 'a')", a.truth);
      expect("NOT (p = 'a')", not3(a.truth));
    }
  }
}

}  // namespace
}  // namespace lake
