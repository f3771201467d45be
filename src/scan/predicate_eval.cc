// FilePruner: compiles a Predicate to negation normal form over typed leaves, and evaluates it
// per file against partition values (exactly) and statistics (conservatively).
//
// Every leaf is evaluated against an interval of the values a file may hold in the leaf's
// comparison domain: a partition value is the point [v, v]; statistics give [min, max] (string
// max possibly a truncated prefix, timestamps widened by a millisecond) plus null counts. A
// leaf answers "may some row make me TRUE?"; AND/OR combine these answers, which is sound in
// three-valued logic because negations were pushed down to the leaves first (NOT (x < 1) is
// x >= 1, NOT (x IN (..)) is x NOT IN (..), both also NULL when x is NULL).
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "lake/predicate.h"
#include "scan/predicate_internal.h"

namespace lake {
namespace pred_internal {
namespace {

enum class TypeClass {
  kInt, kDecimal, kFloat, kDouble, kString, kBinary, kBool, kDate, kTimestamp, kOther
};

TypeClass ClassOf(const DataType& t) {
  if (t.kind == DataType::Kind::kDecimal) return TypeClass::kDecimal;
  if (t.kind != DataType::Kind::kPrimitive) return TypeClass::kOther;
  const std::string& n = t.name;
  if (n == "long" || n == "integer" || n == "short" || n == "byte") return TypeClass::kInt;
  if (n == "float") return TypeClass::kFloat;
  if (n == "double") return TypeClass::kDouble;
  if (n == "string") return TypeClass::kString;
  if (n == "binary") return TypeClass::kBinary;
  if (n == "boolean") return TypeClass::kBool;
  if (n == "date") return TypeClass::kDate;
  if (n == "timestamp" || n == "timestamp_ntz") return TypeClass::kTimestamp;
  return TypeClass::kOther;
}

// Comparison domains. kInt64 holds booleans (0/1), dates (days) and timestamps (micros).
enum class Domain { kExact, kDouble, kString, kInt64 };

struct Scalar {
  int128 m = 0;
  int scale = 0;
  double d = 0;
  int64_t i = 0;
  std::string s;
};

// Three-way comparison in a domain; nullopt = cannot tell. Doubles use the engine's total
// order: NaN is larger than everything and equal to itself; -0 == 0.
std::optional<int> Cmp(Domain dom, const Scalar& a, const Scalar& b) {
  switch (dom) {
    case Domain::kExact: return CompareExact(a.m, a.scale, b.m, b.scale);
    case Domain::kDouble: {
      bool an = std::isnan(a.d), bn = std::isnan(b.d);
      if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
      return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
    }
    case Domain::kString: {
      int c = a.s.compare(b.s);  // byte-wise (char_traits<char> compares as unsigned char)
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Domain::kInt64: return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  return std::nullopt;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

enum class LeafOp {
  kUnknown, kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kIsNull, kIsNotNull, kStartsWith,
  kNotStartsWith
};

struct Col {
  std::string display;
  TypeClass cls = TypeClass::kOther;
  bool is_partition = false;
  std::string partition_key;  // physical name in partitionValues
  int stats_slot = -1;        // index into the per-file raw stats; -1 = no stats used
};

struct Leaf {
  LeafOp op = LeafOp::kUnknown;
  int col = -1;
  Domain dom = Domain::kExact;
  std::vector<Scalar> values;  // non-null literals (1 for comparisons, n for IN)
  bool list_has_null = false;  // IN list contains NULL
  bool approx = false;         // column converted to double: widen by an ulp
  bool date_to_ts = false;     // date column compared in the timestamp domain
  bool nan_satisfies = false;  // a NaN row would make this leaf TRUE
};

enum class NKind { kAnd, kOr, kTrue, kFalse, kLeaf };  // kFalse also stands for NULL

struct NNode {
  NKind kind = NKind::kTrue;
  int leaf = -1;
  std::vector<int> kids;
};

struct TrieNode {
  std::string name;
  int slot = -1;
  std::vector<int> kids;
};

// What we know of one column's values in a file.
struct Bounds {
  bool has_lo = false, has_hi = false;
  Scalar lo, hi;
  bool hi_is_prefix = false;     // hi is a possibly truncated prefix of the real max string
  bool all_null = false;         // every row is NULL in this column
  bool no_null = false;          // no row is NULL in this column
  bool maybe_unseen_nan = false; // the bounds may ignore NaN rows
};

// Raw per-column stats of one file, pointing into simdjson's buffers.
struct RawStat {
  enum Kind : uint8_t { kMissing, kNumber, kString, kBool };
  Kind min_kind = kMissing, max_kind = kMissing;
  std::string_view min_text, max_text;
  bool min_bool = false, max_bool = false;
  bool has_null_count = false;
  int64_t null_count = 0;
};

}  // namespace

struct Compiled {
  std::shared_ptr<const Predicate> pred;
  std::vector<Col> cols;
  std::vector<Leaf> leaves;
  std::vector<NNode> nodes;
  int root = -1;
  bool uses_stats = false;
  bool has_partition_leaf = false;
  std::vector<TrieNode> trie;  // trie[0] is the root
  int num_slots = 0;
};

namespace {

// ---- compile -------------------------------------------------------------------------------

class Compiler {
 public:
  Compiler(Compiled* c, const Schema& schema, const std::vector<std::string>& partition_columns,
           const std::string& mode)
      : c_(c), schema_(schema), parts_(partition_columns), mode_(mode) {
    c_->trie.push_back(TrieNode{});
  }

  Result<int> Compile(const Expr& e, bool neg) {
    switch (e.kind) {
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        bool is_and = (e.kind == Expr::Kind::kAnd) != neg;
        NNode n;
        n.kind = is_and ? NKind::kAnd : NKind::kOr;
        for (const auto& k : e.children) {
          LAKE_ASSIGN_OR_RETURN(int idx, Compile(*k, neg));
          n.kids.push_back(idx);
        }
        return Add(std::move(n));
      }
      case Expr::Kind::kNot: return Compile(*e.children[0], !neg);
      case Expr::Kind::kConst:
        if (e.constant.kind == Literal::Kind::kNull) return Const(false);
        return Const(e.constant.b != neg);
      case Expr::Kind::kCmp: return CompileCmp(e, neg);
      case Expr::Kind::kIn: return CompileIn(e, neg);
      case Expr::Kind::kIsNull: {
        bool is_null = e.negated == neg;  // IS NULL xor negations
        if (!e.lhs.is_column) {
          return Const((e.lhs.literal.kind == Literal::Kind::kNull) == is_null);
        }
        Leaf leaf;
        leaf.op = is_null ? LeafOp::kIsNull : LeafOp::kIsNotNull;
        LAKE_ASSIGN_OR_RETURN(leaf.col, ColumnIndex(e.lhs.column));
        if (c_->cols[leaf.col].cls == TypeClass::kOther) return Unknown();
        return AddLeaf(std::move(leaf));
      }
      case Expr::Kind::kLike: return CompileLike(e, neg);
    }
    return Status::Internal("predicate: bad expression kind");
  }

 private:
  int Add(NNode n) {
    c_->nodes.push_back(std::move(n));
    return static_cast<int>(c_->nodes.size()) - 1;
  }
  int Const(bool v) {
    NNode n;
    n.kind = v ? NKind::kTrue : NKind::kFalse;
    return Add(std::move(n));
  }
  // A leaf we cannot reason about: "may be true" whatever the file.
  int Unknown() { return Const(true); }
  int AddLeaf(Leaf leaf) {
    const Col& col = c_->cols[leaf.col];
    if (col.is_partition) c_->has_partition_leaf = true;
    if (col.stats_slot >= 0) c_->uses_stats = true;
    if (leaf.dom == Domain::kDouble && (col.cls == TypeClass::kFloat || col.cls == TypeClass::kDouble)) {
      leaf.nan_satisfies = NanSatisfies(leaf);
    }
    c_->leaves.push_back(std::move(leaf));
    NNode n;
    n.kind = NKind::kLeaf;
    n.leaf = static_cast<int>(c_->leaves.size()) - 1;
    return Add(std::move(n));
  }

  static bool NanSatisfies(const Leaf& leaf) {
    Scalar nan;
    nan.d = std::numeric_limits<double>::quiet_NaN();
    auto cmp = [&](size_t k) { return *Cmp(Domain::kDouble, nan, leaf.values[k]); };
    switch (leaf.op) {
      case LeafOp::kEq: return cmp(0) == 0;
      case LeafOp::kNe: return cmp(0) != 0;
      case LeafOp::kLt: return cmp(0) < 0;
      case LeafOp::kLe: return cmp(0) <= 0;
      case LeafOp::kGt: return cmp(0) > 0;
      case LeafOp::kGe: return cmp(0) >= 0;
      case LeafOp::kIn:
        for (size_t k = 0; k < leaf.values.size(); ++k) {
          if (cmp(k) == 0) return true;
        }
        return false;
      case LeafOp::kNotIn:
        if (leaf.list_has_null) return false;
        for (size_t k = 0; k < leaf.values.size(); ++k) {
          if (cmp(k) == 0) return false;
        }
        return true;
      default: return false;
    }
  }

  Result<int> ColumnIndex(const ColumnRef& ref) {
    for (size_t i = 0; i < c_->cols.size(); ++i) {
      if (c_->cols[i].display == ref.display) return static_cast<int>(i);
    }
    Col col;
    col.display = ref.display;
    col.cls = ClassOf(*ref.type);
    // Walk the schema for physical names.
    const std::vector<StructField>* fields = &schema_.fields;
    std::vector<std::string> phys;
    const StructField* top = nullptr;
    for (size_t k = 0; k < ref.path.size(); ++k) {
      int idx = ref.path[k];
      if (idx < 0 || static_cast<size_t>(idx) >= fields->size()) {
        return Status::InvalidArgument("predicate: column '" + ref.display +
                                       "' does not match the scan schema");
      }
      const StructField& f = (*fields)[idx];
      if (k == 0) top = &f;
      phys.push_back(f.PhysicalName(mode_));
      if (k + 1 < ref.path.size()) {
        if (!f.type || !f.type->IsStruct()) {
          return Status::InvalidArgument("predicate: column '" + ref.display +
                                         "' does not match the scan schema");
        }
        fields = &f.type->fields;
      }
    }
    if (ref.path.size() == 1) {
      for (const auto& p : parts_) {
        if (EqualsIgnoreCase(p, top->name)) {
          col.is_partition = true;
          col.partition_key = top->PhysicalName(mode_);
        }
      }
    }
    if (!col.is_partition && col.cls != TypeClass::kOther && col.cls != TypeClass::kBinary) {
      // Insert the physical path into the stats trie.
      int node = 0;
      for (const auto& name : phys) {
        int next = -1;
        for (int kid : c_->trie[node].kids) {
          if (c_->trie[kid].name == name) next = kid;
        }
        if (next < 0) {
          c_->trie.push_back(TrieNode{name, -1, {}});
          next = static_cast<int>(c_->trie.size()) - 1;
          c_->trie[node].kids.push_back(next);
        }
        node = next;
      }
      if (c_->trie[node].slot < 0) c_->trie[node].slot = c_->num_slots++;
      col.stats_slot = c_->trie[node].slot;
    }
    c_->cols.push_back(std::move(col));
    return static_cast<int>(c_->cols.size()) - 1;
  }

  // Converts a non-null literal for comparison with a column of class `cls`: sets the domain
  // and the flags of `leaf` (first literal) or checks they agree (later IN elements).
  bool Coerce(TypeClass cls, const Literal& lit, Leaf* leaf, bool first, Scalar* out) {
    Domain dom;
    bool approx = false, date_to_ts = false;
    using K = Literal::Kind;
    switch (cls) {
      case TypeClass::kInt:
      case TypeClass::kDecimal:
        if (lit.kind == K::kExact) {
          dom = Domain::kExact;
          out->m = lit.m;
          out->scale = lit.scale;
        } else if (lit.kind == K::kDouble) {
          dom = Domain::kDouble;
          approx = true;
          out->d = lit.d;
        } else if (lit.kind == K::kString) {
          // DuckDB casts the string to the column type; only accept exact fits.
          if (!ParseExact(lit.s, &out->m, &out->scale)) return false;
          if (cls == TypeClass::kInt && out->scale != 0) return false;
          dom = Domain::kExact;
        } else {
          return false;
        }
        break;
      case TypeClass::kFloat:
      case TypeClass::kDouble:
        dom = Domain::kDouble;
        if (lit.kind == K::kExact || lit.kind == K::kDouble || lit.kind == K::kString) {
          auto d = ParseDouble(lit.s);
          if (!d) return false;
          out->d = *d;
        } else {
          return false;
        }
        break;
      case TypeClass::kString:
      case TypeClass::kBinary:
        if (lit.kind != K::kString) return false;
        dom = Domain::kString;
        out->s = lit.s;
        break;
      case TypeClass::kBool:
        dom = Domain::kInt64;
        if (lit.kind == K::kBool) {
          out->i = lit.b ? 1 : 0;
        } else if (lit.kind == K::kString && (EqualsIgnoreCase(lit.s, "true") ||
                                              EqualsIgnoreCase(lit.s, "false"))) {
          out->i = EqualsIgnoreCase(lit.s, "true") ? 1 : 0;
        } else {
          return false;
        }
        break;
      case TypeClass::kDate:
        dom = Domain::kInt64;
        if (lit.kind == K::kDate) {
          out->i = lit.i;
        } else if (lit.kind == K::kTimestamp) {
          out->i = lit.i;
          date_to_ts = true;
        } else if (lit.kind == K::kString) {
          auto d = ParseDate(lit.s);
          if (!d) return false;
          out->i = *d;
        } else {
          return false;
        }
        break;
      case TypeClass::kTimestamp:
        dom = Domain::kInt64;
        if (lit.kind == K::kTimestamp) {
          out->i = lit.i;
        } else if (lit.kind == K::kDate) {
          out->i = lit.i * 86400000000LL;
        } else if (lit.kind == K::kString) {
          auto t = ParseTimestamp(lit.s);
          if (!t) return false;
          out->i = *t;
        } else {
          return false;
        }
        break;
      default:
        return false;
    }
    if (first) {
      leaf->dom = dom;
      leaf->approx = approx;
      leaf->date_to_ts = date_to_ts;
      return true;
    }
    if (leaf->dom != dom || leaf->approx != approx) return false;
    if (leaf->date_to_ts != date_to_ts) {
      // Mixed DATE and TIMESTAMP literals against a date column: move all to micros.
      if (cls != TypeClass::kDate) return false;
      if (!leaf->date_to_ts) {
        for (auto& v : leaf->values) v.i *= 86400000000LL;
        leaf->date_to_ts = true;
      } else {
        out->i *= 86400000000LL;
      }
    }
    return true;
  }

  Result<int> CompileCmp(const Expr& e, bool neg) {
    CmpOp op = neg ? NegateCmp(e.op) : e.op;
    if (!e.lhs.is_column) {
      // literal op literal (column op literal is normalized to have the column on the left).
      if (e.rhs.is_column) return Unknown();
      return FoldConst(e.lhs.literal, op, e.rhs.literal);
    }
    if (e.rhs.is_column) return Unknown();
    if (e.rhs.literal.kind == Literal::Kind::kNull) return Const(false);  // NULL: never TRUE
    LAKE_ASSIGN_OR_RETURN(int ci, ColumnIndex(e.lhs.column));
    Leaf leaf;
    leaf.col = ci;
    Scalar v;
    if (!Coerce(c_->cols[ci].cls, e.rhs.literal, &leaf, true, &v)) return Unknown();
    leaf.values.push_back(std::move(v));
    switch (op) {
      case CmpOp::kEq: leaf.op = LeafOp::kEq; break;
      case CmpOp::kNe: leaf.op = LeafOp::kNe; break;
      case CmpOp::kLt: leaf.op = LeafOp::kLt; break;
      case CmpOp::kLe: leaf.op = LeafOp::kLe; break;
      case CmpOp::kGt: leaf.op = LeafOp::kGt; break;
      case CmpOp::kGe: leaf.op = LeafOp::kGe; break;
    }
    return AddLeaf(std::move(leaf));
  }

  int FoldConst(const Literal& a, CmpOp op, const Literal& b) {
    using K = Literal::Kind;
    if (a.kind == K::kNull || b.kind == K::kNull) return Const(false);
    std::optional<int> c;
    if (a.kind == K::kExact && b.kind == K::kExact) {
      c = CompareExact(a.m, a.scale, b.m, b.scale);
    } else if (a.kind == K::kString && b.kind == K::kString) {
      int r = a.s.compare(b.s);
      c = r < 0 ? -1 : (r > 0 ? 1 : 0);
    } else if (a.kind == K::kBool && b.kind == K::kBool) {
      c = static_cast<int>(a.b) - static_cast<int>(b.b);
    } else if ((a.kind == K::kDate && b.kind == K::kDate) ||
               (a.kind == K::kTimestamp && b.kind == K::kTimestamp)) {
      c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    }
    if (!c) return Unknown();
    bool r = false;
    switch (op) {
      case CmpOp::kEq: r = *c == 0; break;
      case CmpOp::kNe: r = *c != 0; break;
      case CmpOp::kLt: r = *c < 0; break;
      case CmpOp::kLe: r = *c <= 0; break;
      case CmpOp::kGt: r = *c > 0; break;
      case CmpOp::kGe: r = *c >= 0; break;
    }
    return Const(r);
  }

  Result<int> CompileIn(const Expr& e, bool neg) {
    bool is_in = e.negated == neg;
    if (!e.lhs.is_column) return Unknown();
    LAKE_ASSIGN_OR_RETURN(int ci, ColumnIndex(e.lhs.column));
    Leaf leaf;
    leaf.col = ci;
    leaf.op = is_in ? LeafOp::kIn : LeafOp::kNotIn;
    bool first = true;
    for (const Operand& o : e.list) {
      if (o.is_column) return Unknown();
      if (o.literal.kind == Literal::Kind::kNull) {
        leaf.list_has_null = true;
        continue;
      }
      Scalar v;
      if (!Coerce(c_->cols[ci].cls, o.literal, &leaf, first, &v)) return Unknown();
      first = false;
      leaf.values.push_back(std::move(v));
    }
    if (leaf.values.empty()) return Const(false);  // x IN (NULL): never TRUE; NOT IN too
    if (!is_in && leaf.list_has_null) return Const(false);
    return AddLeaf(std::move(leaf));
  }

  Result<int> CompileLike(const Expr& e, bool neg) {
    bool positive = e.negated == neg;
    if (!e.lhs.is_column) return Unknown();
    LAKE_ASSIGN_OR_RETURN(int ci, ColumnIndex(e.lhs.column));
    if (c_->cols[ci].cls != TypeClass::kString) return Unknown();
    const std::string& p = e.pattern;
    size_t wild = p.find_first_of("%_\\");
    Leaf leaf;
    leaf.col = ci;
    leaf.dom = Domain::kString;
    Scalar v;
    if (wild == std::string::npos) {
      // No wildcard: plain equality.
      v.s = p;
      leaf.op = positive ? LeafOp::kEq : LeafOp::kNe;
    } else if (p[wild] == '%' && p.find_first_not_of('%', wild) == std::string::npos) {
      v.s = p.substr(0, wild);
      leaf.op = positive ? LeafOp::kStartsWith : LeafOp::kNotStartsWith;
    } else {
      return Unknown();
    }
    leaf.values.push_back(std::move(v));
    return AddLeaf(std::move(leaf));
  }

  Compiled* c_;
  const Schema& schema_;
  const std::vector<std::string>& parts_;
  std::string mode_;
};

// ---- evaluation ----------------------------------------------------------------------------

// Provably every value is above L (> when strict, >= otherwise).
bool AllAbove(Domain dom, const Bounds& b, const Scalar& l, bool strict) {
  if (!b.has_lo) return false;
  auto c = Cmp(dom, b.lo, l);
  if (!c) return false;
  return strict ? *c > 0 : *c >= 0;
}

// Provably every value is below L (< when strict, <= otherwise).
bool AllBelow(Domain dom, const Bounds& b, const Scalar& l, bool strict) {
  if (!b.has_hi) return false;
  if (b.hi_is_prefix) {
    // Values are <= hi or start with hi: all below L iff L exceeds every hi-prefixed string.
    return l.s > b.hi.s && !StartsWith(l.s, b.hi.s);
  }
  auto c = Cmp(dom, b.hi, l);
  if (!c) return false;
  return strict ? *c < 0 : *c <= 0;
}

bool IsPoint(Domain dom, const Bounds& b) {
  if (!b.has_lo || !b.has_hi || b.hi_is_prefix) return false;
  auto c = Cmp(dom, b.lo, b.hi);
  return c && *c == 0;
}

bool MayEqual(Domain dom, const Bounds& b, const Scalar& l) {
  return !AllBelow(dom, b, l, true) && !AllAbove(dom, b, l, true);
}

// May some row make the leaf TRUE?
bool LeafMayBeTrue(const Leaf& leaf, const Bounds& b) {
  if (leaf.op == LeafOp::kIsNull) return !b.no_null;
  if (b.all_null) return false;  // every other leaf is NULL (never TRUE) on a NULL value
  if (leaf.op == LeafOp::kIsNotNull) return true;
  if (b.maybe_unseen_nan && leaf.nan_satisfies) return true;
  const Domain dom = leaf.dom;
  const Scalar& l0 = leaf.values.empty() ? Scalar() : leaf.values[0];
  switch (leaf.op) {
    case LeafOp::kUnknown: return true;
    case LeafOp::kEq: return MayEqual(dom, b, l0);
    case LeafOp::kNe: {
      if (!IsPoint(dom, b)) return true;
      auto c = Cmp(dom, b.lo, l0);
      return !(c && *c == 0);
    }
    case LeafOp::kLt: return !AllAbove(dom, b, l0, false);
    case LeafOp::kLe: return !AllAbove(dom, b, l0, true);
    case LeafOp::kGt: return !AllBelow(dom, b, l0, false);
    case LeafOp::kGe: return !AllBelow(dom, b, l0, true);
    case LeafOp::kIn:
      for (const auto& v : leaf.values) {
        if (MayEqual(dom, b, v)) return true;
      }
      return false;
    case LeafOp::kNotIn: {
      if (leaf.list_has_null) return false;
      if (!IsPoint(dom, b)) return true;
      for (const auto& v : leaf.values) {
        auto c = Cmp(dom, b.lo, v);
        if (c && *c == 0) return false;
      }
      return true;
    }
    case LeafOp::kStartsWith: {
      const std::string& q = l0.s;
      if (b.has_lo && b.lo.s > q && !StartsWith(b.lo.s, q)) return false;
      if (AllBelow(dom, b, l0, true)) return false;
      return true;
    }
    case LeafOp::kNotStartsWith: {
      const std::string& q = l0.s;
      if (b.has_lo && b.has_hi && StartsWith(b.lo.s, q) && StartsWith(b.hi.s, q)) return false;
      return true;
    }
    default: return true;
  }
}

// Binary partition values are strings of code points U+0000..U+00FF, one per byte.
bool DecodeBinary(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
      unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      if (cp > 0xFF) return false;
      out->push_back(static_cast<char>(cp));
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

double NextDown(double d) { return std::nextafter(d, -std::numeric_limits<double>::infinity()); }
double NextUp(double d) { return std::nextafter(d, std::numeric_limits<double>::infinity()); }

// Converts a column value (partition text, or stats number/string text) into the leaf's
// domain. `is_max`/`is_min` ask for widening when the conversion is approximate.
enum class Side { kPoint, kMin, kMax };

bool ConvertText(const Col& col, const Leaf& leaf, std::string_view text, bool from_stats,
                 Scalar* out) {
  switch (col.cls) {
    case TypeClass::kInt:
    case TypeClass::kDecimal: {
      int128 m;
      int sc;
      bool ok = from_stats ? ParseExactWithExponent(text, &m, &sc) : ParseExact(text, &m, &sc);
      if (!ok) return false;
      if (leaf.dom == Domain::kExact) {
        out->m = m;
        out->scale = sc;
      } else {
        out->d = ExactToDouble(m, sc);
      }
      return true;
    }
    case TypeClass::kFloat: {
      auto f = ParseFloat(text);
      if (!f) return false;
      out->d = *f;
      return true;
    }
    case TypeClass::kDouble: {
      auto d = ParseDouble(text);
      if (!d) return false;
      out->d = *d;
      return true;
    }
    case TypeClass::kString:
      out->s.assign(text.data(), text.size());
      return true;
    case TypeClass::kBinary:
      if (from_stats) return false;
      return DecodeBinary(text, &out->s);
    case TypeClass::kBool:
      if (EqualsIgnoreCase(text, "true")) {
        out->i = 1;
      } else if (EqualsIgnoreCase(text, "false")) {
        out->i = 0;
      } else {
        return false;
      }
      return true;
    case TypeClass::kDate: {
      auto d = ParseDate(text);
      if (!d) {
        // Some writers put a timestamp-looking text; take its day.
        return false;
      }
      out->i = leaf.date_to_ts ? *d * 86400000000LL : *d;
      return true;
    }
    case TypeClass::kTimestamp: {
      auto t = ParseTimestamp(text);
      if (!t) return false;
      out->i = *t;
      return true;
    }
    default: return false;
  }
}

// Widens a converted bound so that it stays a bound whatever rounding the engine applies.
void Widen(const Col& col, const Leaf& leaf, Side side, Scalar* v, bool from_stats) {
  if (leaf.dom == Domain::kDouble) {
    if (std::isnan(v->d)) return;
    if (col.cls == TypeClass::kFloat) {
      float f = static_cast<float>(v->d);
      v->d = side == Side::kMin ? std::nextafter(f, -std::numeric_limits<float>::infinity())
                                : std::nextafter(f, std::numeric_limits<float>::infinity());
    } else if (leaf.approx) {
      v->d = side == Side::kMin ? NextDown(v->d) : NextUp(v->d);
    }
  } else if (from_stats && col.cls == TypeClass::kTimestamp) {
    // Stats timestamps are truncated to milliseconds.
    v->i += side == Side::kMin ? -1000 : 1000;
  }
}

bool NeedsPointWidening(const Col& col, const Leaf& leaf) {
  return leaf.dom == Domain::kDouble && (col.cls == TypeClass::kFloat || leaf.approx);
}

bool PartitionBounds(const Col& col, const Leaf& leaf, const AddFile& f, Bounds* b) {
  const std::optional<std::string>* val = nullptr;
  for (const auto& kv : f.partition_values) {
    if (kv.first == col.partition_key) {
      val = &kv.second;
      break;
    }
  }
  if (val == nullptr || !val->has_value() || (*val)->empty()) {
    b->all_null = true;
    return true;
  }
  b->no_null = true;
  if (!ConvertText(col, leaf, **val, false, &b->lo)) return false;
  if (NeedsPointWidening(col, leaf) && !std::isnan(b->lo.d)) {
    b->hi = b->lo;
    Widen(col, leaf, Side::kMin, &b->lo, false);
    Widen(col, leaf, Side::kMax, &b->hi, false);
  } else {
    b->hi = b->lo;
  }
  b->has_lo = b->has_hi = true;
  return true;
}

struct FileStats {
  bool ok = false;
  bool has_num_records = false;
  int64_t num_records = 0;
  std::vector<RawStat> cols;
};

bool ConvertStat(const Col& col, const Leaf& leaf, RawStat::Kind kind, std::string_view text,
                 bool bval, Side side, Scalar* out) {
  switch (kind) {
    case RawStat::kMissing: return false;
    case RawStat::kBool:
      if (col.cls != TypeClass::kBool) return false;
      out->i = bval ? 1 : 0;
      return true;
    case RawStat::kNumber:
      if (col.cls != TypeClass::kInt && col.cls != TypeClass::kDecimal &&
          col.cls != TypeClass::kFloat && col.cls != TypeClass::kDouble) {
        return false;
      }
      break;
    case RawStat::kString:
      // Strings for string/date/timestamp; "NaN"/"Infinity" spellings for floating point.
      if (col.cls == TypeClass::kInt || col.cls == TypeClass::kDecimal ||
          col.cls == TypeClass::kBool) {
        return false;
      }
      break;
  }
  if (!ConvertText(col, leaf, text, true, out)) return false;
  if (leaf.dom == Domain::kDouble && std::isnan(out->d)) return false;  // no information
  Widen(col, leaf, side, out, true);
  return true;
}

void StatsBounds(const Col& col, const Leaf& leaf, const FileStats& fs, Bounds* b) {
  const RawStat& rs = fs.cols[col.stats_slot];
  if (rs.has_null_count) {
    b->no_null = rs.null_count == 0;
    b->all_null = fs.has_num_records && rs.null_count == fs.num_records;
  }
  if (b->all_null) return;
  b->has_lo = ConvertStat(col, leaf, rs.min_kind, rs.min_text, rs.min_bool, Side::kMin, &b->lo);
  b->has_hi = ConvertStat(col, leaf, rs.max_kind, rs.max_text, rs.max_bool, Side::kMax, &b->hi);
  b->hi_is_prefix = col.cls == TypeClass::kString;
  b->maybe_unseen_nan = col.cls == TypeClass::kFloat || col.cls == TypeClass::kDouble;
}

// mode: 0 = partition only (stats leaves unknown), 1 = partition + stats.
bool NodeMayBeTrue(const Compiled& c, int idx, const AddFile& f, const FileStats* fs) {
  const NNode& n = c.nodes[idx];
  switch (n.kind) {
    case NKind::kTrue: return true;
    case NKind::kFalse: return false;
    case NKind::kAnd:
      for (int k : n.kids) {
        if (!NodeMayBeTrue(c, k, f, fs)) return false;
      }
      return true;
    case NKind::kOr:
      for (int k : n.kids) {
        if (NodeMayBeTrue(c, k, f, fs)) return true;
      }
      return false;
    case NKind::kLeaf: {
      const Leaf& leaf = c.leaves[n.leaf];
      const Col& col = c.cols[leaf.col];
      Bounds b;
      if (col.is_partition) {
        if (!PartitionBounds(col, leaf, f, &b)) return true;
      } else if (col.stats_slot >= 0 && fs != nullptr && fs->ok) {
        StatsBounds(col, leaf, *fs, &b);
      } else {
        return true;
      }
      return LeafMayBeTrue(leaf, b);
    }
  }
  return true;
}

// ---- stats JSON ----------------------------------------------------------------------------

namespace od = simdjson::ondemand;

enum class Which { kMin, kMax, kNullCount };

bool WalkStats(const Compiled& c, int trie_node, od::value v, Which which, FileStats* fs) {
  od::object obj;
  if (v.get_object().get(obj)) return false;
  for (auto field_res : obj) {
    od::field field;
    if (std::move(field_res).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    int match = -1;
    for (int kid : c.trie[trie_node].kids) {
      if (c.trie[kid].name == key) {
        match = kid;
        break;
      }
    }
    if (match < 0) continue;  // unconsumed values are skipped by the iterator
    const TrieNode& tn = c.trie[match];
    od::value fv = field.value();
    od::json_type type;
    if (fv.type().get(type)) return false;
    if (tn.slot >= 0 && type != od::json_type::object) {
      RawStat& rs = fs->cols[tn.slot];
      if (which == Which::kNullCount) {
        int64_t n;
        if (type == od::json_type::number && !fv.get_int64().get(n)) {
          rs.has_null_count = true;
          rs.null_count = n;
        }
        continue;
      }
      RawStat::Kind kind = RawStat::kMissing;
      std::string_view text;
      bool bval = false;
      switch (type) {
        case od::json_type::number:
          kind = RawStat::kNumber;
          text = fv.raw_json_token();
          while (!text.empty() && (text.back() == ' ' || text.back() == '\n' ||
                                   text.back() == '\t' || text.back() == '\r')) {
            text.remove_suffix(1);
          }
          break;
        case od::json_type::string:
          if (fv.get_string().get(text)) return false;
          kind = RawStat::kString;
          break;
        case od::json_type::boolean:
          if (fv.get_bool().get(bval)) return false;
          kind = RawStat::kBool;
          break;
        default: break;
      }
      if (which == Which::kMin) {
        rs.min_kind = kind;
        rs.min_text = text;
        rs.min_bool = bval;
      } else {
        rs.max_kind = kind;
        rs.max_text = text;
        rs.max_bool = bval;
      }
    } else if (!tn.kids.empty() && type == od::json_type::object) {
      if (!WalkStats(c, match, fv, which, fs)) return false;
    }
  }
  return true;
}

struct ThreadState {
  od::parser parser;
  std::string buf;
  FileStats fs;
};

bool ParseStats(const Compiled& c, const std::string& json, ThreadState* ts) {
  FileStats& fs = ts->fs;
  fs.ok = false;
  fs.has_num_records = false;
  fs.cols.assign(static_cast<size_t>(c.num_slots), RawStat{});
  ts->buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  ts->buf.assign(json);
  simdjson::padded_string_view in(ts->buf.data(), ts->buf.size(), ts->buf.capacity());
  od::document doc;
  if (ts->parser.iterate(in).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field_res : obj) {
    od::field field;
    if (std::move(field_res).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "numRecords") {
      int64_t n;
      if (!field.value().get_int64().get(n)) {
        fs.has_num_records = true;
        fs.num_records = n;
      }
    } else if (key == "minValues" || key == "maxValues" || key == "nullCount") {
      Which w = key == "minValues" ? Which::kMin
                                   : (key == "maxValues" ? Which::kMax : Which::kNullCount);
      od::value v = field.value();
      od::json_type type;
      if (v.type().get(type)) return false;
      if (type != od::json_type::object) continue;
      if (!WalkStats(c, 0, v, w, &fs)) return false;
    }
  }
  fs.ok = true;
  return true;
}

}  // namespace
}  // namespace pred_internal

using pred_internal::Compiled;

FilePruner::FilePruner(std::unique_ptr<Compiled> c) : c_(std::move(c)) {}
FilePruner::FilePruner(FilePruner&&) noexcept = default;
FilePruner& FilePruner::operator=(FilePruner&&) noexcept = default;
FilePruner::~FilePruner() = default;

bool FilePruner::UsesStats() const { return c_->uses_stats; }

Result<FilePruner> FilePruner::Make(std::shared_ptr<const Predicate> pred, const Schema& schema,
                                    const std::vector<std::string>& partition_columns,
                                    const std::string& mapping_mode) {
  if (!pred) return Status::InvalidArgument("predicate: null predicate");
  auto c = std::make_unique<Compiled>();
  c->pred = pred;
  std::string mode = mapping_mode.empty() ? "none" : mapping_mode;
  pred_internal::Compiler comp(c.get(), schema, partition_columns, mode);
  LAKE_ASSIGN_OR_RETURN(c->root, comp.Compile(pred->root(), false));
  return FilePruner(std::move(c));
}

SkipReason FilePruner::Evaluate(const AddFile& file) const {
  using namespace pred_internal;
  const Compiled& c = *c_;
  if (!NodeMayBeTrue(c, c.root, file, nullptr)) {
    return SkipReason::kPartition;  // decided by partition values (and constants) alone
  }
  if (!c.uses_stats || file.stats.empty()) return SkipReason::kKept;
  thread_local ThreadState ts;
  if (!ParseStats(c, file.stats, &ts)) return SkipReason::kKept;
  if (ts.fs.has_num_records && ts.fs.num_records == 0) return SkipReason::kStats;
  if (!NodeMayBeTrue(c, c.root, file, &ts.fs)) return SkipReason::kStats;
  return SkipReason::kKept;
}

}  // namespace lake
