// Recursive-descent parser for the predicate SQL subset, and schema resolution.
#include <cmath>
#include <string>
#include <unordered_set>

#include "lake/predicate.h"
#include "scan/predicate_internal.h"

namespace lake {
namespace pred_internal {

// ---- rendering -----------------------------------------------------------------------------

const char* CmpOpName(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "=";
    case CmpOp::kNe: return "<>";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}

CmpOp FlipCmp(CmpOp op) {
  switch (op) {
    case CmpOp::kLt: return CmpOp::kGt;
    case CmpOp::kLe: return CmpOp::kGe;
    case CmpOp::kGt: return CmpOp::kLt;
    case CmpOp::kGe: return CmpOp::kLe;
    default: return op;
  }
}

CmpOp NegateCmp(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return CmpOp::kNe;
    case CmpOp::kNe: return CmpOp::kEq;
    case CmpOp::kLt: return CmpOp::kGe;
    case CmpOp::kLe: return CmpOp::kGt;
    case CmpOp::kGt: return CmpOp::kLe;
    case CmpOp::kGe: return CmpOp::kLt;
  }
  return op;
}

namespace {

std::string QuoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  out.push_back('\'');
  return out;
}

std::string FormatDate(int64_t days) {
  // Inverse of DaysFromCivil (civil_from_days).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
           static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string FormatTimestamp(int64_t micros) {
  int64_t days = micros >= 0 ? micros / 86400000000LL : -((-micros + 86399999999LL) / 86400000000LL);
  int64_t rem = micros - days * 86400000000LL;
  char buf[64];
  snprintf(buf, sizeof buf, " %02lld:%02lld:%02lld.%06lld", static_cast<long long>(rem / 3600000000LL),
           static_cast<long long>(rem / 60000000 % 60), static_cast<long long>(rem / 1000000 % 60),
           static_cast<long long>(rem % 1000000));
  return FormatDate(days) + buf;
}

}  // namespace

std::string Literal::ToString() const {
  switch (kind) {
    case Kind::kNull: return "NULL";
    case Kind::kBool: return b ? "TRUE" : "FALSE";
    case Kind::kExact: return ExactToString(m, scale);
    case Kind::kDouble: return s;
    case Kind::kString: return QuoteString(s);
    case Kind::kDate: return "DATE '" + FormatDate(i) + "'";
    case Kind::kTimestamp: return "TIMESTAMP '" + FormatTimestamp(i) + "'";
  }
  return "?";
}

std::string Operand::ToString() const { return is_column ? column.display : literal.ToString(); }

std::string Expr::ToString() const {
  switch (kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += kind == Kind::kAnd ? " AND " : " OR ";
        out += children[i]->ToString();
      }
      return out + ")";
    }
    case Kind::kNot: return "(NOT " + children[0]->ToString() + ")";
    case Kind::kConst: return constant.ToString();
    case Kind::kCmp:
      return "(" + lhs.ToString() + " " + CmpOpName(op) + " " + rhs.ToString() + ")";
    case Kind::kIn: {
      std::string out = "(" + lhs.ToString() + (negated ? " NOT IN (" : " IN (");
      for (size_t i = 0; i < list.size(); ++i) {
        if (i) out += ", ";
        out += list[i].ToString();
      }
      return out + "))";
    }
    case Kind::kIsNull:
      return "(" + lhs.ToString() + (negated ? " IS NOT NULL)" : " IS NULL)");
    case Kind::kLike:
      return "(" + lhs.ToString() + (negated ? " NOT LIKE " : " LIKE ") + QuoteString(pattern) +
             ")";
  }
  return "?";
}

// ---- tokenizer -----------------------------------------------------------------------------

namespace {

enum class Tok {
  kEnd, kIdent, kQuotedIdent, kString, kNumber, kLParen, kRParen, kComma, kDot, kMinus,
  kEq, kNe, kLt, kLe, kGt, kGe, kOther
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier (unquoted, unescaped), string contents, number text
  size_t offset = 0;
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigitC(char c) { return c >= '0' && c <= '9'; }

Status Err(size_t offset, const std::string& what) {
  return Status::InvalidArgument("predicate: at offset " + std::to_string(offset) + ": " + what);
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      t.kind = Tok::kEnd;
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (IsIdentStart(c)) {
      size_t j = i;
      while (j < s.size() && IsIdentChar(s[j])) ++j;
      t.kind = Tok::kIdent;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (c == '"' || c == '\'') {
      char q = c;
      size_t j = i + 1;
      std::string text;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == q) {
          if (j + 1 < s.size() && s[j + 1] == q) {
            text.push_back(q);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        text.push_back(s[j++]);
      }
      if (!closed) {
        return Err(i, q == '"' ? "unterminated quoted identifier" : "unterminated string literal");
      }
      if (q == '"' && text.empty()) return Err(i, "empty quoted identifier");
      t.kind = q == '"' ? Tok::kQuotedIdent : Tok::kString;
      t.text = std::move(text);
      i = j;
    } else if (IsDigitC(c) || (c == '.' && i + 1 < s.size() && IsDigitC(s[i + 1]))) {
      size_t j = i;
      while (j < s.size() && IsDigitC(s[j])) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && IsDigitC(s[j])) ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && IsDigitC(s[k])) {
          while (k < s.size() && IsDigitC(s[k])) ++k;
          j = k;
        } else {
          return Err(i, "malformed number '" + std::string(s.substr(i, k - i)) + "'");
        }
      }
      if (j < s.size() && IsIdentStart(s[j])) {
        return Err(i, "malformed number '" + std::string(s.substr(i, j + 1 - i)) + "'");
      }
      t.kind = Tok::kNumber;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else {
      auto two = s.substr(i, 2);
      if (two == "<>" || two == "!=") {
        t.kind = Tok::kNe;
        i += 2;
      } else if (two == "<=") {
        t.kind = Tok::kLe;
        i += 2;
      } else if (two == ">=") {
        t.kind = Tok::kGe;
        i += 2;
      } else if (two == "==") {
        t.kind = Tok::kEq;
        i += 2;
      } else {
        switch (c) {
          case '(': t.kind = Tok::kLParen; break;
          case ')': t.kind = Tok::kRParen; break;
          case ',': t.kind = Tok::kComma; break;
          case '.': t.kind = Tok::kDot; break;
          case '-': t.kind = Tok::kMinus; break;
          case '=': t.kind = Tok::kEq; break;
          case '<': t.kind = Tok::kLt; break;
          case '>': t.kind = Tok::kGt; break;
          default: t.kind = Tok::kOther; break;
        }
        t.text = std::string(1, c);
        ++i;
      }
    }
    out.push_back(std::move(t));
  }
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of input";
    case Tok::kIdent: return "'" + t.text + "'";
    case Tok::kQuotedIdent: return "\"" + t.text + "\"";
    case Tok::kString: return "string '" + t.text + "'";
    case Tok::kNumber: return "number " + t.text;
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kComma: return "','";
    case Tok::kDot: return "'.'";
    case Tok::kMinus: return "'-'";
    case Tok::kEq: return "'='";
    case Tok::kNe: return "'<>'";
    case Tok::kLt: return "'<'";
    case Tok::kLe: return "'<='";
    case Tok::kGt: return "'>'";
    case Tok::kGe: return "'>='";
    case Tok::kOther: return "'" + t.text + "'";
  }
  return "?";
}

const char* const kReserved[] = {"and", "or", "not", "in", "between", "is", "null", "like",
                                 "true", "false"};

std::string TypeName(const DataType& t) {
  switch (t.kind) {
    case DataType::Kind::kPrimitive: return t.name;
    case DataType::Kind::kDecimal:
      return "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case DataType::Kind::kStruct: return "struct";
    case DataType::Kind::kArray: return "array";
    case DataType::Kind::kMap: return "map";
  }
  return "?";
}

bool IsReserved(const std::string& w) {
  for (const char* k : kReserved) {
    if (EqualsIgnoreCase(w, k)) return true;
  }
  return false;
}

// ---- parser --------------------------------------------------------------------------------

using ExprPtr = std::shared_ptr<const Expr>;

// A parsed operand-or-condition: either a value (column / literal) or a boolean expression.
struct Node {
  bool is_value = false;
  Operand value;
  ExprPtr cond;
  size_t offset = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> toks, const Schema& schema)
      : t_(std::move(toks)), schema_(schema) {}

  Result<ExprPtr> ParseAll() {
    LAKE_ASSIGN_OR_RETURN(Node n, ParseOr());
    if (Peek().kind != Tok::kEnd) {
      return Err(Peek().offset, "unexpected " + Describe(Peek()) + " after a complete condition");
    }
    return AsCondition(std::move(n));
  }

  std::vector<std::string> referenced;

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  const Token& Next() { return t_[std::min(pos_++, t_.size() - 1)]; }
  bool IsKw(const Token& t, const char* kw) const {
    return t.kind == Tok::kIdent && EqualsIgnoreCase(t.text, kw);
  }
  bool AcceptKw(const char* kw) {
    if (IsKw(Peek(), kw)) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Expect(Tok kind, const char* what) {
    if (Peek().kind != kind) {
      return Err(Peek().offset, std::string("expected ") + what + " but found " + Describe(Peek()));
    }
    ++pos_;
    return Status::OK();
  }

  static ExprPtr MakeBool(Expr::Kind kind, std::vector<ExprPtr> kids) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->children = std::move(kids);
    return e;
  }

  static Node CondNode(ExprPtr e, size_t offset) {
    Node n;
    n.cond = std::move(e);
    n.offset = offset;
    return n;
  }

  // OR / AND chains: a single element keeps its value-ness (for "(x) = 1").
  Result<Node> ParseOr() {
    LAKE_ASSIGN_OR_RETURN(Node first, ParseAnd());
    if (!IsKw(Peek(), "or")) return first;
    size_t off = first.offset;
    LAKE_ASSIGN_OR_RETURN(ExprPtr c, AsCondition(std::move(first)));
    std::vector<ExprPtr> kids{c};
    while (AcceptKw("or")) {
      LAKE_ASSIGN_OR_RETURN(Node n, ParseAnd());
      LAKE_ASSIGN_OR_RETURN(ExprPtr e, AsCondition(std::move(n)));
      kids.push_back(e);
    }
    return CondNode(MakeBool(Expr::Kind::kOr, std::move(kids)), off);
  }

  Result<Node> ParseAnd() {
    LAKE_ASSIGN_OR_RETURN(Node first, ParseNot());
    if (!IsKw(Peek(), "and")) return first;
    size_t off = first.offset;
    LAKE_ASSIGN_OR_RETURN(ExprPtr c, AsCondition(std::move(first)));
    std::vector<ExprPtr> kids{c};
    while (AcceptKw("and")) {
      LAKE_ASSIGN_OR_RETURN(Node n, ParseNot());
      LAKE_ASSIGN_OR_RETURN(ExprPtr e, AsCondition(std::move(n)));
      kids.push_back(e);
    }
    return CondNode(MakeBool(Expr::Kind::kAnd, std::move(kids)), off);
  }

  Result<Node> ParseNot() {
    size_t off = Peek().offset;
    if (AcceptKw("not")) {
      LAKE_ASSIGN_OR_RETURN(Node n, ParseNot());
      LAKE_ASSIGN_OR_RETURN(ExprPtr e, AsCondition(std::move(n)));
      return CondNode(MakeBool(Expr::Kind::kNot, {e}), off);
    }
    return ParsePredicateExpr();
  }

  // A node used as a condition.
  Result<ExprPtr> AsCondition(Node n) {
    if (!n.is_value) return n.cond;
    const Operand& v = n.value;
    if (!v.is_column) {
      if (v.literal.kind == Literal::Kind::kBool || v.literal.kind == Literal::Kind::kNull) {
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kConst;
        e->constant = v.literal;
        return ExprPtr(e);
      }
      return Err(n.offset, "expected a condition but found the literal " + v.literal.ToString());
    }
    const DataType& t = *v.column.type;
    if (t.kind != DataType::Kind::kPrimitive || t.name != "boolean") {
      return Err(n.offset, "column '" + v.column.display + "' of type " + TypeName(t) +
                               " used as a condition; compare it to a value");
    }
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kCmp;
    e->op = CmpOp::kEq;
    e->lhs = v;
    e->rhs.literal.kind = Literal::Kind::kBool;
    e->rhs.literal.b = true;
    return ExprPtr(e);
  }

  Result<Operand> AsValue(Node n, const char* context) {
    if (n.is_value) return n.value;
    return Err(n.offset, std::string("expected a column or literal ") + context +
                             " but found a condition");
  }

  bool SuffixFollows() const {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kEq: case Tok::kNe: case Tok::kLt: case Tok::kLe: case Tok::kGt: case Tok::kGe:
        return true;
      default: break;
    }
    if (IsKw(t, "is") || IsKw(t, "in") || IsKw(t, "between") || IsKw(t, "like")) return true;
    return IsKw(t, "not") &&
           (IsKw(Peek(1), "in") || IsKw(Peek(1), "between") || IsKw(Peek(1), "like"));
  }

  Result<Node> ParsePredicateExpr() {
    LAKE_ASSIGN_OR_RETURN(Node left, ParseOperand());
    if (!SuffixFollows()) return left;
    size_t off = left.offset;
    LAKE_ASSIGN_OR_RETURN(ExprPtr e, ParseSuffix(std::move(left)));
    return CondNode(std::move(e), off);
  }

  Result<ExprPtr> ParseSuffix(Node left) {
    const Token& t = Peek();
    CmpOp op;
    bool is_cmp = true;
    switch (t.kind) {
      case Tok::kEq: op = CmpOp::kEq; break;
      case Tok::kNe: op = CmpOp::kNe; break;
      case Tok::kLt: op = CmpOp::kLt; break;
      case Tok::kLe: op = CmpOp::kLe; break;
      case Tok::kGt: op = CmpOp::kGt; break;
      case Tok::kGe: op = CmpOp::kGe; break;
      default: is_cmp = false; op = CmpOp::kEq; break;
    }
    if (is_cmp) {
      ++pos_;
      LAKE_ASSIGN_OR_RETURN(Operand l, AsValue(std::move(left), "before the comparison"));
      LAKE_ASSIGN_OR_RETURN(Node right, ParseOperand());
      LAKE_ASSIGN_OR_RETURN(Operand r, AsValue(std::move(right), "after the comparison"));
      return MakeCmp(std::move(l), op, std::move(r));
    }
    if (IsKw(t, "is")) {
      ++pos_;
      bool neg = AcceptKw("not");
      if (!AcceptKw("null")) {
        return Err(Peek().offset, "expected NULL after IS" + std::string(neg ? " NOT" : "") +
                                      " but found " + Describe(Peek()));
      }
      LAKE_ASSIGN_OR_RETURN(Operand l, AsValue(std::move(left), "before IS NULL"));
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kIsNull;
      e->lhs = std::move(l);
      e->negated = neg;
      return ExprPtr(e);
    }
    bool neg = false;
    if (IsKw(t, "not") && (IsKw(Peek(1), "in") || IsKw(Peek(1), "between") ||
                           IsKw(Peek(1), "like"))) {
      neg = true;
      ++pos_;
    }
    if (AcceptKw("in")) {
      LAKE_ASSIGN_OR_RETURN(Operand l, AsValue(std::move(left), "before IN"));
      LAKE_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after IN"));
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kIn;
      e->lhs = std::move(l);
      e->negated = neg;
      while (true) {
        LAKE_ASSIGN_OR_RETURN(Node item, ParseOperand());
        LAKE_ASSIGN_OR_RETURN(Operand v, AsValue(std::move(item), "in the IN list"));
        e->list.push_back(std::move(v));
        if (Peek().kind == Tok::kComma) {
          ++pos_;
          continue;
        }
        LAKE_RETURN_IF_ERROR(Expect(Tok::kRParen, "',' or ')' in the IN list"));
        break;
      }
      return ExprPtr(e);
    }
    if (AcceptKw("between")) {
      LAKE_ASSIGN_OR_RETURN(Operand l, AsValue(std::move(left), "before BETWEEN"));
      LAKE_ASSIGN_OR_RETURN(Node lo_n, ParseOperand());
      LAKE_ASSIGN_OR_RETURN(Operand lo, AsValue(std::move(lo_n), "after BETWEEN"));
      if (!AcceptKw("and")) {
        return Err(Peek().offset, "expected AND in BETWEEN but found " + Describe(Peek()));
      }
      LAKE_ASSIGN_OR_RETURN(Node hi_n, ParseOperand());
      LAKE_ASSIGN_OR_RETURN(Operand hi, AsValue(std::move(hi_n), "after BETWEEN ... AND"));
      LAKE_ASSIGN_OR_RETURN(ExprPtr ge, MakeCmp(l, CmpOp::kGe, std::move(lo)));
      LAKE_ASSIGN_OR_RETURN(ExprPtr le, MakeCmp(l, CmpOp::kLe, std::move(hi)));
      ExprPtr both = MakeBool(Expr::Kind::kAnd, {ge, le});
      return neg ? MakeBool(Expr::Kind::kNot, {both}) : both;
    }
    if (AcceptKw("like")) {
      LAKE_ASSIGN_OR_RETURN(Operand l, AsValue(std::move(left), "before LIKE"));
      if (Peek().kind != Tok::kString) {
        return Err(Peek().offset, "expected a string pattern after LIKE but found " +
                                      Describe(Peek()));
      }
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kLike;
      e->lhs = std::move(l);
      e->pattern = Next().text;
      e->negated = neg;
      if (IsKw(Peek(), "escape")) return Err(Peek().offset, "LIKE ... ESCAPE is not supported");
      return ExprPtr(e);
    }
    return Status::Internal("predicate: unexpected parser state");
  }

  Result<ExprPtr> MakeCmp(Operand l, CmpOp op, Operand r) {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kCmp;
    if (!l.is_column && r.is_column) {
      std::swap(l, r);
      op = FlipCmp(op);
    }
    e->op = op;
    e->lhs = std::move(l);
    e->rhs = std::move(r);
    return ExprPtr(e);
  }

  Result<Node> ParseOperand() {
    const Token& t = Peek();
    Node n;
    n.offset = t.offset;
    switch (t.kind) {
      case Tok::kLParen: {
        ++pos_;
        // Either a parenthesized condition or a parenthesized operand.
        LAKE_ASSIGN_OR_RETURN(Node inner, ParseOr());
        LAKE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
        inner.offset = n.offset;
        return inner;
      }
      case Tok::kMinus: {
        ++pos_;
        if (Peek().kind != Tok::kNumber) {
          return Err(Peek().offset, "expected a number after '-' but found " + Describe(Peek()));
        }
        LAKE_ASSIGN_OR_RETURN(Literal lit, NumberLiteral(Next(), true));
        n.is_value = true;
        n.value.literal = std::move(lit);
        return n;
      }
      case Tok::kNumber: {
        LAKE_ASSIGN_OR_RETURN(Literal lit, NumberLiteral(Next(), false));
        n.is_value = true;
        n.value.literal = std::move(lit);
        return n;
      }
      case Tok::kString: {
        n.is_value = true;
        n.value.literal.kind = Literal::Kind::kString;
        n.value.literal.s = Next().text;
        return n;
      }
      case Tok::kIdent: {
        if (IsKw(t, "true") || IsKw(t, "false")) {
          n.is_value = true;
          n.value.literal.kind = Literal::Kind::kBool;
          n.value.literal.b = IsKw(t, "true");
          ++pos_;
          return n;
        }
        if (IsKw(t, "null")) {
          ++pos_;
          n.is_value = true;
          n.value.literal.kind = Literal::Kind::kNull;
          return n;
        }
        if ((IsKw(t, "date") || IsKw(t, "timestamp")) && Peek(1).kind == Tok::kString) {
          bool is_date = IsKw(t, "date");
          ++pos_;
          const Token& s = Next();
          n.is_value = true;
          if (is_date) {
            auto d = ParseDate(s.text);
            if (!d) return Err(s.offset, "invalid DATE literal '" + s.text + "' (want YYYY-MM-DD)");
            n.value.literal.kind = Literal::Kind::kDate;
            n.value.literal.i = *d;
          } else {
            auto ts = ParseTimestamp(s.text);
            if (!ts) {
              return Err(s.offset, "invalid TIMESTAMP literal '" + s.text +
                                       "' (want YYYY-MM-DD HH:MM:SS[.ffffff])");
            }
            n.value.literal.kind = Literal::Kind::kTimestamp;
            n.value.literal.i = *ts;
          }
          return n;
        }
        if (IsReserved(t.text)) {
          return Err(t.offset, "expected a column or literal but found keyword " +
                                   Describe(t) + " (quote it to use it as a column name)");
        }
        return ColumnOperand();
      }
      case Tok::kQuotedIdent:
        return ColumnOperand();
      default:
        return Err(t.offset, "expected a column, literal or '(' but found " + Describe(t));
    }
  }

  Result<Literal> NumberLiteral(const Token& t, bool negative) {
    Literal lit;
    std::string text = (negative ? "-" : "") + t.text;
    lit.s = text;
    if (text.find_first_of("eE") != std::string::npos) {
      auto d = ParseDouble(text);
      if (!d || !std::isfinite(*d)) return Err(t.offset, "invalid number " + text);
      lit.kind = Literal::Kind::kDouble;
      lit.d = *d;
      return lit;
    }
    if (!ParseExact(text, &lit.m, &lit.scale)) {
      return Err(t.offset, "number " + text + " has more than 38 digits");
    }
    lit.kind = Literal::Kind::kExact;
    return lit;
  }

  Result<Node> ColumnOperand() {
    size_t off = Peek().offset;
    std::vector<std::pair<std::string, bool>> parts;  // name, quoted
    while (true) {
      const Token& t = Next();
      if (t.kind == Tok::kIdent) {
        parts.emplace_back(t.text, false);
      } else if (t.kind == Tok::kQuotedIdent) {
        parts.emplace_back(t.text, true);
      } else {
        return Err(t.offset, "expected a field name after '.' but found " + Describe(t));
      }
      if (Peek().kind == Tok::kDot) {
        ++pos_;
        continue;
      }
      break;
    }
    if (Peek().kind == Tok::kLParen) {
      return Err(Peek().offset, "function calls are not supported ('" + parts.back().first +
                                    "(...)')");
    }
    // Resolve.
    Node n;
    n.offset = off;
    n.is_value = true;
    ColumnRef& ref = n.value.column;
    n.value.is_column = true;
    const std::vector<StructField>* fields = &schema_.fields;
    std::string display;
    for (size_t k = 0; k < parts.size(); ++k) {
      const std::string& name = parts[k].first;
      int found = -1;
      for (size_t f = 0; f < fields->size(); ++f) {
        if ((*fields)[f].name == name) {
          found = static_cast<int>(f);
          break;
        }
      }
      if (found < 0) {
        for (size_t f = 0; f < fields->size(); ++f) {
          if (EqualsIgnoreCase((*fields)[f].name, name)) {
            found = static_cast<int>(f);
            break;
          }
        }
      }
      if (found < 0) {
        if (k == 0) return Status::InvalidArgument("predicate: unknown column '" + name + "'");
        return Status::InvalidArgument("predicate: column '" + display + "' has no field '" +
                                       name + "'");
      }
      const StructField& field = (*fields)[found];
      ref.path.push_back(found);
      display += (k ? "." : "") + field.name;
      if (k == 0) {
        bool seen = false;
        for (const auto& r : referenced) seen = seen || r == field.name;
        if (!seen) referenced.push_back(field.name);
      }
      if (k + 1 < parts.size()) {
        if (!field.type || !field.type->IsStruct()) {
          return Status::InvalidArgument("predicate: column '" + display +
                                         "' is not a struct; cannot access field '" +
                                         parts[k + 1].first + "'");
        }
        fields = &field.type->fields;
      } else {
        ref.type = field.type;
      }
    }
    if (!ref.type) return Status::InvalidArgument("predicate: column '" + display + "' has no type");
    ref.display = display;
    return n;
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  const Schema& schema_;
};

}  // namespace
}  // namespace pred_internal

std::string Predicate::ToString() const { return root_->ToString(); }

const char* SkipReasonName(SkipReason r) {
  switch (r) {
    case SkipReason::kKept: return "kept";
    case SkipReason::kPartition: return "partition";
    case SkipReason::kStats: return "stats";
  }
  return "?";
}

Result<std::shared_ptr<const Predicate>> ParsePredicate(std::string_view where_sql,
                                                        const Schema& schema) {
  using namespace pred_internal;
  LAKE_ASSIGN_OR_RETURN(std::vector<Token> toks, Tokenize(where_sql));
  if (toks.size() == 1) return Status::InvalidArgument("predicate: empty condition");
  Parser p(std::move(toks), schema);
  LAKE_ASSIGN_OR_RETURN(std::shared_ptr<const Expr> root, p.ParseAll());
  return std::make_shared<const Predicate>(std::move(root), std::move(p.referenced));
}

}  // namespace lake
