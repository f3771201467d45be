// Internals shared by the predicate parser (predicate_parse.cc), the value codecs
// (predicate_values.cc) and the file pruner (predicate_eval.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/schema.h"

namespace lake::pred_internal {

using int128 = __int128;

// A literal as written in the SQL text.
struct Literal {
  enum class Kind { kNull, kBool, kExact, kDouble, kString, kDate, kTimestamp };
  Kind kind = Kind::kNull;
  bool b = false;       // kBool
  int128 m = 0;         // kExact: value = m / 10^scale
  int scale = 0;        // kExact
  double d = 0;         // kDouble
  int64_t i = 0;        // kDate: days since epoch; kTimestamp: microseconds since epoch (UTC)
  std::string s;        // kString; for numbers the literal text (with sign)

  std::string ToString() const;
};

struct ColumnRef {
  std::vector<int> path;      // field indices from the top-level struct down
  std::string display;        // schema spelling, dotted ("s.a")
  DataTypePtr type;
};

struct Operand {
  bool is_column = false;
  ColumnRef column;
  Literal literal;
  std::string ToString() const;
};

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };
const char* CmpOpName(CmpOp op);
CmpOp FlipCmp(CmpOp op);    // a op b  <=>  b Flip(op) a
CmpOp NegateCmp(CmpOp op);  // NOT (a op b)  <=>  a Negate(op) b   (also under 3VL)

struct Expr {
  enum class Kind { kAnd, kOr, kNot, kConst, kCmp, kIn, kIsNull, kLike };
  Kind kind = Kind::kConst;
  std::vector<std::shared_ptr<const Expr>> children;  // kAnd, kOr (2+), kNot (1)
  Literal constant;                                   // kConst: kBool or kNull
  CmpOp op = CmpOp::kEq;                              // kCmp
  Operand lhs, rhs;                                   // kCmp: lhs op rhs; others use lhs
  std::vector<Operand> list;                          // kIn
  bool negated = false;                               // kIn (NOT IN), kIsNull (IS NOT), kLike
  std::string pattern;                                // kLike

  std::string ToString() const;
};

// ---- value codecs (predicate_values.cc) ----------------------------------------------------

// Days since 1970-01-01 for a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// "YYYY-MM-DD" (optionally signed/longer year). Trailing text is an error.
std::optional<int64_t> ParseDate(std::string_view s);

// "YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][Z|(+|-)HH[:MM]]" -> microseconds since epoch, UTC.
// A date alone is midnight. Without an offset the text is taken as UTC.
std::optional<int64_t> ParseTimestamp(std::string_view s);

// Exact decimal text "[-+]digits[.digits]" (no exponent) -> m, scale. Fails when more than 38
// significant digits.
bool ParseExact(std::string_view s, int128* m, int* scale);

// A JSON/SQL number possibly with exponent "1.5e3": exact when it denotes a value with at most
// 38 digits (converted to m, scale >= 0); false otherwise.
bool ParseExactWithExponent(std::string_view s, int128* m, int* scale);

// strtod/strtof on a string_view (accepts NaN/Infinity spellings). nullopt on garbage.
std::optional<double> ParseDouble(std::string_view s);
std::optional<float> ParseFloat(std::string_view s);

// -1/0/1, or nullopt when the comparison overflowed (unknown).
std::optional<int> CompareExact(int128 am, int as, int128 bm, int bs);

// m / 10^scale as a double (not necessarily correctly rounded: callers widen by an ulp).
double ExactToDouble(int128 m, int scale);

std::string Int128ToString(int128 v);
std::string ExactToString(int128 m, int scale);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace lake::pred_internal
