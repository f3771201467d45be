#include "write/data_writer.h"

#include "util/utf8.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "lake/transaction.h"
#include "lake/write.h"
#include "txn/commit_writer.h"
#include "util/ascii.h"
#include "util/json_writer.h"
#include "util/percent_encoding.h"
#include "write/rules.h"

namespace lake::write {
namespace fs = std::filesystem;
using engine::QuoteIdent;
using engine::QuoteString;

namespace {

std::string RandomUuid() { return txn::NewUuid(); }

// Type strings compared loosely: DESCRIBE prints STRUCT(a INTEGER), DuckDBType STRUCT("a" INTEGER).
std::string NormType(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c == '"' || std::isspace(static_cast<unsigned char>(c))) continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

int IntRank(const std::string& norm) {
  if (norm == "TINYINT") return 1;
  if (norm == "SMALLINT" || norm == "UTINYINT") return 2;
  if (norm == "INTEGER" || norm == "USMALLINT") return 3;
  if (norm == "BIGINT" || norm == "UINTEGER") return 4;
  return 0;
}

// A cast that can never fail or lose information.
bool SafeCast(const std::string& src_norm, const std::string& dst_norm) {
  if (src_norm == dst_norm) return true;
  int s = IntRank(src_norm), d = IntRank(dst_norm);
  if (s && d && s <= d && !(src_norm[0] == 'U' && s == d)) return true;
  if (src_norm == "FLOAT" && dst_norm == "DOUBLE") return true;
  return false;
}

std::string Shorten(std::string_view s, size_t n = 60) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

std::string HexDecode(std::string_view hex) {
  std::string out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return 0;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1])));
  return out;
}

// UTF-8 code point boundaries.
size_t Utf8Len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}


uint32_t DecodeUtf8(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
  switch (s.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                    (b(3) & 0x3F);
  }
}

// Splits into code points (as byte ranges).
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = std::min(Utf8Len(static_cast<unsigned char>(s[i])), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// A leaf column of the data files, for statistics.
struct Leaf {
  std::vector<std::string> path;  // logical names
  std::string parquet_path;       // physical names joined with ", " (parquet_metadata)
  const DataType* type = nullptr;
};

void CollectLeaves(const std::vector<StructField>& fields, std::vector<std::string> prefix,
                   std::string phys_prefix, std::vector<Leaf>* out) {
  for (const auto& f : fields) {
    auto path = prefix;
    path.push_back(f.name);
    std::string phys = phys_prefix.empty() ? f.name : phys_prefix + ", " + f.name;
    if (f.type->IsStruct()) {
      CollectLeaves(f.type->fields, path, phys, out);
    } else {
      out->push_back(Leaf{path, phys, f.type.get()});
    }
  }
}

std::string PathKey(const std::vector<std::string>& p) {
  std::string k;
  for (const auto& s : p) k += AsciiLower(s) + '\x1f';
  return k;
}

// Splits "a, `b.c`, s.x" into name paths.
Result<std::vector<std::vector<std::string>>> ParseColumnList(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> cur;
  std::string part;
  bool quoted = false, any = false;
  auto finish_part = [&]() {
    std::string t = part;
    if (!any) {
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
      size_t b = 0;
      while (b < t.size() && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
      t = t.substr(b);
    }
    cur.push_back(t);
    part.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '`') {
        if (i + 1 < text.size() && text[i + 1] == '`') {
          part.push_back('`');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        part.push_back(c);
      }
    } else if (c == '`') {
      quoted = true;
      any = true;
      part.clear();
    } else if (c == '.') {
      finish_part();
    } else if (c == ',') {
      finish_part();
      out.push_back(cur);
      cur.clear();
    } else if (!(any && std::isspace(static_cast<unsigned char>(c)))) {
      part.push_back(c);
    }
  }
  if (quoted) return Status::InvalidArgument("delta.dataSkippingStatsColumns: unterminated '`'");
  finish_part();
  out.push_back(cur);
  std::vector<std::vector<std::string>> cleaned;
  for (auto& p : out) {
    if (p.size() == 1 && p[0].empty()) continue;
    cleaned.push_back(p);
  }
  return cleaned;
}

const StructField* FindField(const std::vector<StructField>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (AsciiLower(f.name) == AsciiLower(name)) return &f;
  return nullptr;
}

// The JSON text of one statistic, or "" when it should be omitted.
enum class StatKind { kNone, kNumber, kFloat, kString, kText32 };

StatKind StatKindOf(const DataType& t) {
  if (t.kind == DataType::Kind::kDecimal) return StatKind::kNumber;
  if (t.kind != DataType::Kind::kPrimitive) return StatKind::kNone;
  const std::string& n = t.name;
  if (n == "long" || n == "integer" || n == "short" || n == "byte") return StatKind::kNumber;
  if (n == "float" || n == "double") return StatKind::kFloat;
  if (n == "date" || n == "timestamp" || n == "timestamp_ntz") return StatKind::kString;
  if (n == "string") return StatKind::kText32;
  return StatKind::kNone;  // boolean, binary, variant, ...: null counts only
}

// SQL over parquet_metadata rows (column `v` VARCHAR) producing the formatted aggregate.
Result<std::string> StatAggSql(const DataType& t, const std::string& agg, const std::string& col) {
  LAKE_ASSIGN_OR_RETURN(std::string duck, DuckDBType(t));
  std::string typed = agg + "(TRY_CAST(" + col + " AS " + duck + "))";
  if (t.kind == DataType::Kind::kPrimitive) {
    if (t.name == "date") return "strftime(" + typed + ", '%Y-%m-%d')";
    if (t.name == "timestamp") return "strftime(" + typed + ", '%Y-%m-%dT%H:%M:%S.%gZ')";
    if (t.name == "timestamp_ntz") return "strftime(" + typed + ", '%Y-%m-%dT%H:%M:%S.%g')";
    if (t.name == "string") return agg + "(" + col + ")";
  }
  return "CAST(" + typed + " AS VARCHAR)";
}

std::optional<std::string> StatJson(StatKind kind, std::string_view v, bool is_max) {
  switch (kind) {
    case StatKind::kNone:
      return std::nullopt;
    case StatKind::kNumber:
      return std::string(v);
    case StatKind::kFloat: {
      std::string s;
      if (v == "inf") {
        AppendJsonString(&s, "Infinity");
      } else if (v == "-inf") {
        AppendJsonString(&s, "-Infinity");
      } else if (v == "nan" || v == "-nan") {
        return std::nullopt;
      } else {
        return std::string(v);
      }
      return s;
    }
    case StatKind::kString: {
      std::string s;
      AppendJsonString(&s, v);
      return s;
    }
    case StatKind::kText32: {
      std::string s;
      if (is_max) {
        auto t = TruncateStatsMax(v);
        if (!t) return std::nullopt;
        AppendJsonString(&s, *t);
      } else {
        AppendJsonString(&s, TruncateStatsMin(v));
      }
      return s;
    }
  }
  return std::nullopt;
}

struct LeafStats {
  std::optional<int64_t> null_count;
  std::optional<std::string> min, max;  // JSON text
};

// Emits {"a": .., "s": {"x": ..}} for one statistic over the schema tree; "" when empty.
std::string NestedStats(const std::vector<StructField>& fields, const std::vector<std::string>& prefix,
                        const std::map<std::string, LeafStats>& stats, int which) {
  JsonWriter w;
  w.BeginObject();
  bool any = false;
  for (const auto& f : fields) {
    auto path = prefix;
    path.push_back(f.name);
    if (f.type->IsStruct()) {
      std::string sub = NestedStats(f.type->fields, path, stats, which);
      if (!sub.empty()) {
        w.Key(f.name).Raw(sub);
        any = true;
      }
      continue;
    }
    auto it = stats.find(PathKey(path));
    if (it == stats.end()) continue;
    const LeafStats& s = it->second;
    if (which == 0 && s.min) {
      w.Key(f.name).Raw(*s.min);
      any = true;
    } else if (which == 1 && s.max) {
      w.Key(f.name).Raw(*s.max);
      any = true;
    } else if (which == 2 && s.null_count) {
      w.Key(f.name).Int(*s.null_count);
      any = true;
    }
  }
  w.EndObject();
  return any ? w.Take() : std::string();
}

std::string SerializedToDirToken(const std::optional<std::string>& v) {
  return v ? EscapePartitionValue(*v) : std::string("__HIVE_DEFAULT_PARTITION__");
}

void Progress(const DataWriteOptions& o, const std::string& msg) {
  if (o.progress) o.progress(msg);
}

struct SourceColumn {
  std::string name, type;
};

Result<std::vector<SourceColumn>> DescribeSource(engine::Connection& conn, const std::string& sql) {
  auto r = conn.Query("DESCRIBE (" + sql + ")");
  if (!r.ok()) return r.status().WithContext("reading the source");
  std::vector<SourceColumn> cols;
  for (size_t i = 0; i < r->row_count(); ++i) {
    cols.push_back({std::string(r->GetString(0, i)), std::string(r->GetString(1, i))});
  }
  return cols;
}

// Column mapping: the expression writing logical value `e` (of Delta type t, already cast to
// the table's logical DuckDB type) under physical field names.
bool NeedsPhysicalRename(const DataType& t, const std::string& mode) {
  switch (t.kind) {
    case DataType::Kind::kStruct:
      for (const auto& f : t.fields)
        if (f.PhysicalName(mode) != f.name || NeedsPhysicalRename(*f.type, mode)) return true;
      return false;
    case DataType::Kind::kArray:
      return NeedsPhysicalRename(*t.element, mode);
    case DataType::Kind::kMap:
      return NeedsPhysicalRename(*t.key, mode) || NeedsPhysicalRename(*t.value, mode);
    default:
      return false;
  }
}

Result<std::string> PhysicalExpr(const std::string& e, const DataType& t, const std::string& mode,
                                 int depth) {
  if (!NeedsPhysicalRename(t, mode)) return e;
  if (t.kind == DataType::Kind::kStruct) {
    std::string pack;
    for (const auto& f : t.fields) {
      LAKE_ASSIGN_OR_RETURN(std::string sub,
                            PhysicalExpr("struct_extract(" + e + ", " + QuoteString(f.name) + ")",
                                         *f.type, mode, depth + 1));
      pack += (pack.empty() ? "" : ", ") + QuoteIdent(f.PhysicalName(mode)) + " := " + sub;
    }
    return "(CASE WHEN (" + e + ") IS NULL THEN NULL ELSE struct_pack(" + pack + ") END)";
  }
  if (t.kind == DataType::Kind::kArray) {
    std::string v = "__lake_x" + std::to_string(depth);
    LAKE_ASSIGN_OR_RETURN(std::string sub, PhysicalExpr(v, *t.element, mode, depth + 1));
    return "list_transform(" + e + ", " + v + " -> " + sub + ")";
  }
  return Status::Unsupported("writing maps with struct keys or values to a column-mapped table");
}

// A copy of the fields with physical names (for statistics keyed by physical names).
std::vector<StructField> PhysicalFields(const std::vector<StructField>& fields,
                                        const std::string& mode) {
  std::vector<StructField> out = fields;
  for (auto& f : out) {
    f.name = f.PhysicalName(mode);
    if (f.type->IsStruct()) {
      auto t = std::make_shared<DataType>(*f.type);
      t->fields = PhysicalFields(t->fields, mode);
      f.type = t;
    }
  }
  return out;
}

// Logical name path -> physical name path.
std::vector<std::string> PhysicalPath(const std::vector<StructField>& fields,
                                      const std::vector<std::string>& path,
                                      const std::string& mode) {
  std::vector<std::string> out;
  const std::vector<StructField>* level = &fields;
  for (const auto& p : path) {
    const StructField* f = level ? FindField(*level, p) : nullptr;
    if (!f) {
      out.push_back(p);
      level = nullptr;
      continue;
    }
    out.push_back(f->PhysicalName(mode));
    level = f->type->IsStruct() ? &f->type->fields : nullptr;
  }
  return out;
}

// DuckDB COPY FIELD_IDS value for a field: 7, or {__duckdb_field_id: 7, child: ...}.
std::string FieldIdsOf(const StructField& f, const std::string& mode) {
  std::string own = f.field_id ? std::to_string(*f.field_id) : "";
  if (!f.type->IsStruct()) return own;
  std::string body = own.empty() ? "" : "__duckdb_field_id: " + own;
  for (const auto& c : f.type->fields) {
    std::string sub = FieldIdsOf(c, mode);
    if (sub.empty()) continue;
    body += (body.empty() ? "" : ", ") + QuoteIdent(c.PhysicalName(mode)) + ": " + sub;
  }
  return body.empty() ? "" : "{" + body + "}";
}

}  // namespace

// ------------------------------------------------------------------------------------------------

std::string EscapePartitionValue(std::string_view v) {
  static const std::string kSpecial = "\"#%'*/:=?\\{[]^";
  std::string out;
  for (char ch : v) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || kSpecial.find(ch) != std::string::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string EncodePath(std::string_view p) { return EncodeDeltaPath(p); }

std::string TruncateStatsMin(std::string_view s, size_t max_chars) {
  auto cps = CodePoints(s);
  if (cps.size() <= max_chars) return std::string(s);
  std::string out;
  for (size_t i = 0; i < max_chars; ++i) out.append(cps[i]);
  return out;
}

std::optional<std::string> TruncateStatsMax(std::string_view s, size_t max_chars) {
  auto cps = CodePoints(s);
  if (cps.size() <= max_chars) return std::string(s);
  cps.resize(max_chars);
  // Increment the last code point that can be incremented; drop the ones after it.
  while (!cps.empty()) {
    uint32_t cp = DecodeUtf8(cps.back());
    cps.pop_back();
    if (cp >= 0x10FFFF) continue;
    uint32_t next = cp + 1;
    if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;  // skip surrogates
    std::string out;
    for (auto c : cps) out.append(c);
    AppendUtf8(&out, next);
    return out;
  }
  return std::nullopt;
}

Result<std::string> PartitionValueSerializeSql(const DataType& type, const std::string& expr) {
  if (type.kind == DataType::Kind::kDecimal) return "CAST(" + expr + " AS VARCHAR)";
  if (type.kind != DataType::Kind::kPrimitive) {
    return Status::InvalidArgument("partition columns must be of a primitive type, not " +
                                   type.ToString());
  }
  const std::string& n = type.name;
  if (n == "string") return expr;
  if (n == "long" || n == "integer" || n == "short" || n == "byte" || n == "float" ||
      n == "double") {
    return "CAST(" + expr + " AS VARCHAR)";
  }
  if (n == "boolean") {
    return "CASE WHEN " + expr + " THEN 'true' WHEN NOT " + expr + " THEN 'false' END";
  }
  if (n == "date") return "strftime(" + expr + ", '%Y-%m-%d')";
  if (n == "timestamp") return "strftime(" + expr + ", '%Y-%m-%dT%H:%M:%S.%fZ')";
  if (n == "timestamp_ntz") return "strftime(" + expr + ", '%Y-%m-%d %H:%M:%S.%f')";
  return Status::InvalidArgument("cannot partition by a column of type " + n);
}

Result<std::vector<std::vector<std::string>>> StatsColumns(
    const Schema& schema, const std::vector<std::string>& partition_columns,
    const std::map<std::string, std::string>& configuration) {
  std::vector<StructField> data_fields;
  for (const auto& f : schema.fields) {
    bool is_part = false;
    for (const auto& p : partition_columns) is_part |= AsciiLower(p) == AsciiLower(f.name);
    if (!is_part) data_fields.push_back(f);
  }
  std::vector<Leaf> leaves;
  CollectLeaves(data_fields, {}, "", &leaves);
  std::vector<std::vector<std::string>> out;
  auto it = configuration.find("delta.dataSkippingStatsColumns");
  if (it != configuration.end() && !it->second.empty()) {
    LAKE_ASSIGN_OR_RETURN(auto wanted, ParseColumnList(it->second));
    std::set<std::string> keys;
    for (const auto& w : wanted) {
      // Resolve against the schema (a struct selects all its leaves).
      const std::vector<StructField>* level = &schema.fields;
      const StructField* f = nullptr;
      std::vector<std::string> resolved;
      for (const auto& part : w) {
        f = level ? FindField(*level, part) : nullptr;
        if (!f) {
          std::string joined;
          for (const auto& p : w) joined += (joined.empty() ? "" : ".") + p;
          return Status::InvalidArgument("delta.dataSkippingStatsColumns: unknown column '" +
                                         joined + "'");
        }
        resolved.push_back(f->name);
        level = f->type->IsStruct() ? &f->type->fields : nullptr;
      }
      keys.insert(PathKey(resolved));
    }
    for (const auto& l : leaves) {
      // A leaf is selected when it or one of its ancestors was named.
      for (size_t n = 1; n <= l.path.size(); ++n) {
        if (keys.count(PathKey({l.path.begin(), l.path.begin() + n}))) {
          out.push_back(l.path);
          break;
        }
      }
    }
    return out;
  }
  int64_t n = 32;
  auto nit = configuration.find("delta.dataSkippingNumIndexedCols");
  if (nit != configuration.end()) {
    try {
      n = std::stoll(nit->second);
    } catch (...) {
      return Status::InvalidArgument("delta.dataSkippingNumIndexedCols must be an integer, not '" +
                                     nit->second + "'");
    }
    if (n < -1) return Status::InvalidArgument("delta.dataSkippingNumIndexedCols must be >= -1");
  }
  for (const auto& l : leaves) {
    if (n >= 0 && static_cast<int64_t>(out.size()) >= n) break;
    out.push_back(l.path);
  }
  return out;
}

Result<Codec> CodecFor(const std::map<std::string, std::string>& configuration) {
  std::string c = "zstd";
  auto it = configuration.find("delta.parquet.compression.codec");
  if (it != configuration.end()) c = AsciiLower(it->second);
  if (c == "zstd") return Codec{"zstd", "zstd"};
  if (c == "snappy") return Codec{"snappy", "snappy"};
  if (c == "gzip") return Codec{"gzip", "gz"};
  if (c == "lz4" || c == "lz4_raw") return Codec{"lz4_raw", "lz4"};
  if (c == "brotli") return Codec{"brotli", "br"};
  if (c == "uncompressed" || c == "none") return Codec{"uncompressed", ""};
  return Status::InvalidArgument("delta.parquet.compression.codec: unknown codec '" + c +
                                 "' (zstd, snappy, gzip, lz4, brotli, uncompressed)");
}

Result<int64_t> TargetFileSize(const std::map<std::string, std::string>& configuration) {
  auto it = configuration.find("delta.targetFileSize");
  if (it == configuration.end()) return int64_t{128} << 20;
  std::string v = AsciiLower(it->second);
  int64_t mult = 1;
  auto ends = [&](const char* suf) {
    size_t n = std::strlen(suf);
    if (v.size() > n && v.compare(v.size() - n, n, suf) == 0) {
      v.resize(v.size() - n);
      return true;
    }
    return false;
  };
  if (ends("kb") || ends("k")) mult = 1 << 10;
  else if (ends("mb") || ends("m")) mult = 1 << 20;
  else if (ends("gb") || ends("g")) mult = 1 << 30;
  else ends("b");
  try {
    size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used != v.size() || n <= 0) throw 0;
    return n * mult;
  } catch (...) {
    return Status::InvalidArgument("delta.targetFileSize: '" + it->second +
                                   "' is not a size (bytes, or with kb/mb/gb)");
  }
}

void DeleteDataFiles(const std::string& root, const std::vector<AddFile>& files) {
  for (const auto& f : files) {
    std::error_code ec;
    fs::remove(fs::path(root) / PercentDecode(f.path), ec);
  }
}

Result<DataWriteResult> WriteDataFiles(engine::Connection& conn, const DataWriteOptions& o) {
  const Schema& schema = *o.schema;
  std::string mode = "none";
  if (auto it = o.configuration.find("delta.columnMapping.mode"); it != o.configuration.end())
    mode = AsciiLower(it->second);
  if (mode != "none" && mode != "name" && mode != "id")
    return Status::Unsupported("column mapping mode '" + mode + "'");
  auto t0 = std::chrono::steady_clock::now();

  // 1. Match source columns to the table's.
  std::vector<std::string> src_expr(schema.fields.size());  // source column, quoted
  std::vector<bool> needs_check(schema.fields.size(), false);
  std::vector<std::string> duck_types(schema.fields.size());
  std::vector<std::string> src_types(schema.fields.size());
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    LAKE_ASSIGN_OR_RETURN(duck_types[i], DuckDBType(*schema.fields[i].type));
  }
  std::vector<bool> needs_cast(schema.fields.size(), true);
  if (o.trusted_source) {
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      src_expr[i] = QuoteIdent(schema.fields[i].name);
      needs_cast[i] = false;
    }
  } else {
    LAKE_ASSIGN_OR_RETURN(auto cols, DescribeSource(conn, o.source_sql));
    std::vector<bool> used(cols.size(), false);
    std::string missing;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      const auto& f = schema.fields[i];
      int found = -1;
      for (size_t c = 0; c < cols.size(); ++c) {
        if (AsciiLower(cols[c].name) == AsciiLower(f.name)) {
          if (found >= 0) {
            return Status::InvalidArgument("the source has two columns named '" + f.name +
                                           "' (names are case-insensitive)");
          }
          found = static_cast<int>(c);
        }
      }
      if (found < 0) {
        if (auto g = o.generated.find(f.name); g != o.generated.end()) {
          // A generated column the source lacks: computed from the source's columns.
          src_expr[i] = "(" + g->second + ")";
          src_types[i] = "generated";
          needs_check[i] = true;
          continue;
        }
        // A nullable column missing from the source is written as NULL (as Spark appends do).
        if (f.nullable) {
          src_expr[i] = "CAST(NULL AS " + duck_types[i] + ")";
          src_types[i] = duck_types[i];
          needs_cast[i] = false;
          continue;
        }
        missing += (missing.empty() ? "" : ", ") + ("'" + f.name + "'");
        continue;
      }
      used[found] = true;
      src_expr[i] = QuoteIdent(cols[found].name);
      src_types[i] = cols[found].type;
      std::string sn = NormType(cols[found].type), dn = NormType(duck_types[i]);
      needs_cast[i] = sn != dn;
      needs_check[i] = !SafeCast(sn, dn);
    }
    if (!missing.empty()) {
      std::string have;
      for (const auto& c : cols) have += (have.empty() ? "" : ", ") + c.name;
      bool many = missing.find(',') != std::string::npos;
      return Status::InvalidArgument("column" + std::string(many ? "s " : " ") + missing +
                                     (many ? " are" : " is") +
                                     " NOT NULL but missing from the source (source columns: " +
                                     have + ")");
    }
    for (size_t c = 0; c < cols.size(); ++c) {
      if (!used[c]) {
        return Status::InvalidArgument("source column '" + cols[c].name +
                                       "' is not in the table schema");
      }
    }
  }

  auto cast_expr = [&](size_t i) {
    return needs_cast[i] ? "CAST(" + src_expr[i] + " AS " + duck_types[i] + ")" : src_expr[i];
  };

  // 2. Row rules over the whole batch, before anything is written: values that do not cast to
  // their column's type, NULLs in NOT NULL fields (nested ones too), then the table's CHECK
  // constraints, invariants and generated columns. One pass when every row is good. A bad batch
  // is refused with the count per rule and up to 5 examples, or (with a quarantine sink) split:
  // the bad rows go to the sink, the good ones are written.
  std::string source_sql = o.source_sql;
  if (!o.trusted_source) {
    std::vector<RowRule> rules;
    std::string checked_columns;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      const std::string s = "\"__s" + std::to_string(i) + "\"";
      const std::string name = QuoteIdent(schema.fields[i].name);
      if (i) checked_columns += ", ";
      checked_columns += src_expr[i] + " AS " + s + ", ";
      checked_columns += (needs_check[i] ? "TRY_CAST(" + src_expr[i] + " AS " + duck_types[i] + ")"
                                         : cast_expr(i)) +
                         " AS " + name;
      if (needs_check[i]) {
        std::string from =
            src_types[i] == "generated" ? "generated value" : "source type " + src_types[i];
        rules.push_back(
            {"column '" + schema.fields[i].name + "': cast to " + duck_types[i] + " (" + from + ")",
             s + " IS NULL OR " + name + " IS NOT NULL"});
      }
    }
    AppendNotNullRules(schema, &rules);
    for (const auto& r : o.rules) rules.push_back(r);
    if (!rules.empty() || !o.require_predicate.empty()) {
      // One pass: rows per first rule broken, and (among the rows breaking none) the rows that
      // do not satisfy the replace-where predicate.
      Progress(o, "checking " + std::to_string(rules.size()) + " row rule(s)");
      std::string checked = CheckedRowsSql(source_sql, checked_columns, rules);
      std::string pred_fails = o.require_predicate.empty()
                                   ? "false"
                                   : "NOT coalesce((" + o.require_predicate + "), false)";
      std::string rule_only = CheckedRowsSql(source_sql, checked_columns, rules, false, pred_fails);
      auto r =
          conn.Query("SELECT __lake_rule, count(*), count(*) FILTER (WHERE __lake_extra) FROM (" +
                     rule_only + ") AS __c GROUP BY 1 ORDER BY 2 DESC, 1");
      if (!r.ok()) return r.status().WithContext("checking the rows");
      int64_t bad = 0, outside_predicate = 0;
      std::string by_rule;
      for (size_t k = 0; k < r->row_count(); ++k) {
        if (r->IsNull(0, k)) {
          outside_predicate = r->GetInt64(2, k);
          continue;
        }
        bad += r->GetInt64(1, k);
        by_rule += std::string(by_rule.empty() ? "" : "; ") + std::string(r->GetString(0, k)) +
                   ": " + std::to_string(r->GetInt64(1, k));
      }
      if (bad > 0 && !o.quarantine) {
        auto ex = conn.Query("SELECT CAST(__lake_src AS VARCHAR), __lake_rule FROM (" + checked +
                             ") AS __c WHERE __lake_rule IS NOT NULL LIMIT 5");
        std::string examples;
        if (ex.ok()) {
          for (size_t row = 0; row < ex->row_count(); ++row) {
            examples += "\n  " + Shorten(ex->GetString(0, row), 200) + " violates " +
                        std::string(ex->GetString(1, row));
          }
        }
        return Status::InvalidArgument(
            std::to_string(bad) + (bad == 1 ? " row breaks" : " rows break") +
            " the table's rules; nothing was written (" + by_rule + "). Examples:" + examples);
      }
      const int64_t n = outside_predicate;
      if (n > 0) {
        return Status::InvalidArgument(std::to_string(n) + (n == 1 ? " row" : " rows") +
                                       " of the source " + (n == 1 ? "does" : "do") +
                                       " not satisfy the replace-where predicate '" +
                                       o.require_predicate + "'");
      }
      if (bad > 0) {
        LAKE_RETURN_IF_ERROR(o.quarantine(BadRowsSql(checked), bad));
        source_sql = GoodRowsSql(checked);
      }
    }
  }

  // 3. COPY to a staging directory.
  LAKE_ASSIGN_OR_RETURN(Codec codec, CodecFor(o.configuration));
  LAKE_ASSIGN_OR_RETURN(int64_t target_size, TargetFileSize(o.configuration));
  std::vector<size_t> part_idx;
  for (const auto& p : o.partition_columns) {
    bool found = false;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      if (AsciiLower(schema.fields[i].name) == AsciiLower(p)) {
        part_idx.push_back(i);
        found = true;
      }
    }
    if (!found) return Status::InvalidArgument("partition column '" + p + "' is not in the schema");
  }
  auto is_part = [&](size_t i) {
    return std::find(part_idx.begin(), part_idx.end(), i) != part_idx.end();
  };
  std::string select, out_cols;  // out_cols: the data files' columns (physical names)
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    if (is_part(i)) continue;
    if (!select.empty()) select += ", ";
    LAKE_ASSIGN_OR_RETURN(std::string pe,
                          PhysicalExpr(cast_expr(i), *schema.fields[i].type, mode, 0));
    select += pe + " AS " + QuoteIdent(schema.fields[i].PhysicalName(mode));
    out_cols += (out_cols.empty() ? "" : ", ") + QuoteIdent(schema.fields[i].PhysicalName(mode));
  }
  if (select.empty()) {
    return Status::InvalidArgument("a table needs at least one column that is not a partition column");
  }
  if (!o.hidden_columns.empty() && !o.trusted_source)
    return Status::InvalidArgument("hidden columns need a trusted source");
  for (const auto& h : o.hidden_columns) select += ", " + QuoteIdent(h);
  if (!part_idx.empty()) {
    std::string key;
    for (size_t k = 0; k < part_idx.size(); ++k) {
      LAKE_ASSIGN_OR_RETURN(std::string ser, PartitionValueSerializeSql(
                                                 *schema.fields[part_idx[k]].type,
                                                 cast_expr(part_idx[k])));
      std::string tok = "(CASE WHEN (" + ser + ") IS NULL OR length(" + ser +
                        ") = 0 THEN 'n' ELSE 'v' || hex(" + ser + ") END)";
      key += (k ? " || '_' || " : "") + tok;
    }
    select += ", " + key + " AS __lake_part";
  }
  std::string staging_name = "_lake_staging-" + RandomUuid();
  fs::path staging = fs::path(o.table_root_local) / staging_name;
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) return Status::IOError("cannot create " + staging.string() + ": " + ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{staging};

  std::string field_ids;
  if (mode != "none") {
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      if (is_part(i)) continue;
      std::string ids = FieldIdsOf(schema.fields[i], mode);
      if (ids.empty()) continue;
      field_ids += (field_ids.empty() ? "" : ", ") + QuoteIdent(schema.fields[i].PhysicalName(mode)) +
                   ": " + ids;
    }
    if (!field_ids.empty()) field_ids = ", FIELD_IDS {" + field_ids + "}";
  }
  std::string tag = codec.file_tag.empty() ? "" : "." + codec.file_tag;
  const std::string common = "FORMAT parquet, COMPRESSION " + codec.duckdb + ", FILENAME_PATTERN " +
                             QuoteString("part-{uuid}.c000" + tag) + ", RETURN_STATS true" +
                             field_ids;
  const std::string file_size = ", FILE_SIZE_BYTES " + std::to_string(target_size);
  Progress(o, "writing Parquet");
  // Long COPYs report DuckDB's progress every few seconds, from a helper thread.
  std::atomic<bool> copy_done{false};
  std::thread watcher;
  if (o.progress && conn.EnableProgressTracking().ok()) {
    watcher = std::thread([&] {
      auto start = std::chrono::steady_clock::now();
      auto last = start;
      while (!copy_done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(5)) continue;
        last = now;
        auto p = conn.QueryProgress();
        if (copy_done.load()) break;
        char buf[96];
        // DuckDB 1.4 only tracks progress while its own (terminal) bar is printed, which we
        // cannot allow; then this is a heartbeat.
        double secs = std::chrono::duration<double>(now - start).count();
        if (p.percent > 0) {
          std::snprintf(buf, sizeof buf, "writing Parquet: %.0f%% (%.0f s)", p.percent, secs);
        } else {
          std::snprintf(buf, sizeof buf, "writing Parquet: still running (%.0f s)", secs);
        }
        Progress(o, buf);
      }
    });
  }
  // (file, rows) of every staged file, from RETURN_STATS.
  using Staged = std::vector<std::pair<std::string, int64_t>>;
  Staged staged_files;
  auto collect = [&](const engine::QueryResult& cr, Staged* into) {
    size_t c_file = 0, c_count = 1;
    for (size_t c = 0; c < cr.column_count(); ++c) {
      if (cr.column_name(c) == "filename") c_file = c;
      if (cr.column_name(c) == "count") c_count = c;
    }
    for (size_t row = 0; row < cr.row_count(); ++row)
      into->emplace_back(std::string(cr.GetString(c_file, row)), cr.GetInt64(c_count, row));
  };
  auto file_size_of = [](const std::string& path) -> Result<int64_t> {
    std::error_code e;
    auto n = fs::file_size(path, e);
    if (e) return Status::IOError("cannot stat " + path + ": " + e.message());
    return static_cast<int64_t>(n);
  };
  // A partition's files from FILE_SIZE_BYTES end with the rows left after the last cut,
  // possibly a handful. When that remainder (the smallest file) is under a quarter of the
  // target, it is folded into the next smallest file of the partition (one small extra COPY
  // of the two), so an optimized write leaves no slivers: files end between ~0.75x and ~1.75x
  // the target.
  auto fold_remainder = [&](Staged* files, size_t first) -> Status {
    if (files->size() - first < 2) return Status::OK();
    std::vector<std::pair<int64_t, size_t>> by_size;  // (bytes, index)
    for (size_t i = first; i < files->size(); ++i) {
      LAKE_ASSIGN_OR_RETURN(int64_t n, file_size_of((*files)[i].first));
      by_size.emplace_back(n, i);
    }
    std::sort(by_size.begin(), by_size.end());
    if (by_size[0].first >= target_size / 4) return Status::OK();
    const auto& a = (*files)[by_size[0].second];
    const auto& b = (*files)[by_size[1].second];
    fs::path merged =
        fs::path(a.first).parent_path() / ("part-" + RandomUuid() + ".c000" + tag + ".parquet");
    auto r = conn.Query("COPY (SELECT * FROM read_parquet([" + QuoteString(a.first) + ", " +
                        QuoteString(b.first) + "], hive_partitioning = false)) TO " +
                        QuoteString(merged.string()) + " (FORMAT parquet, COMPRESSION " +
                        codec.duckdb + field_ids + ")");
    if (!r.ok()) return r.status().WithContext("folding a remainder file");
    const int64_t rows = a.second + b.second;
    std::error_code e;
    fs::remove(a.first, e);
    fs::remove(b.first, e);
    size_t hi = std::max(by_size[0].second, by_size[1].second);
    size_t lo = std::min(by_size[0].second, by_size[1].second);
    files->erase(files->begin() + static_cast<std::ptrdiff_t>(hi));
    files->erase(files->begin() + static_cast<std::ptrdiff_t>(lo));
    files->emplace_back(merged.string(), rows);
    return Status::OK();
  };
  // Optimized write, after a partitioned COPY: a partition whose rows are not in ONE file of
  // at most 1.25 x the target (DuckDB 1.4 cannot rotate files of a partitioned COPY, and
  // past partitioned_write_max_open_files = 100 open partitions it splits them into small
  // files) is rewritten from its staged files. The common case (each partition in one file
  // under the target) costs nothing extra; only partitions that need it are written twice.
  auto resize_partitions = [&]() -> Status {
    const int64_t fits = target_size + target_size / 4;
    std::string restore;
    struct Restore {
      engine::Connection& c;
      const std::string& sql;
      ~Restore() {
        if (!sql.empty()) (void)c.Execute(sql);
      }
    } restore_order{conn, restore};
    // ROW_GROUP_SIZE_BYTES needs insertion order off; these rows have no order to keep.
    auto prev = conn.Query("SELECT current_setting('preserve_insertion_order')::VARCHAR");
    if (!prev.ok()) return prev.status();
    LAKE_RETURN_IF_ERROR(conn.Execute("SET preserve_insertion_order = false"));
    restore = "SET preserve_insertion_order = " + std::string(prev->GetString(0, 0));

    Staged out;                           // final files
    std::vector<std::string> stale;       // staged files rewritten (deleted at the end)
    std::map<std::string, Staged> split;  // partition key -> files to cut to size
    // Sorts files into: fine (kept), to merge (several files that fit one), to split.
    auto classify = [&](const Staged& files, Staged* to_merge) -> Status {
      std::map<std::string, std::vector<size_t>> by_dir;
      for (size_t i = 0; i < files.size(); ++i)
        by_dir[fs::path(files[i].first).parent_path().string()].push_back(i);
      for (const auto& [dir, idx] : by_dir) {
        int64_t total = 0;
        for (size_t i : idx) {
          LAKE_ASSIGN_OR_RETURN(int64_t n, file_size_of(files[i].first));
          total += n;
        }
        if (idx.size() == 1 && total <= fits) {
          out.push_back(files[idx[0]]);
          continue;
        }
        std::string key = fs::path(dir).filename().string();  // __lake_part=<key>
        for (size_t i : idx) {
          stale.push_back(files[i].first);
          if (to_merge && total <= fits) {
            to_merge->push_back(files[i]);
          } else {
            split[key].push_back(files[i]);
          }
        }
      }
      return Status::OK();
    };
    Staged to_merge;
    LAKE_RETURN_IF_ERROR(classify(staged_files, &to_merge));
    // Pass 1: partitions in several files that fit in one (many partitions, each small) are
    // merged by ONE partitioned COPY, its input sorted by partition so DuckDB's partitioned
    // writer sees each partition once and (almost always) writes one file for it.
    if (!to_merge.empty()) {
      std::string list;
      for (const auto& f : to_merge) list += (list.empty() ? "" : ", ") + QuoteString(f.first);
      auto r = conn.Query(
          "COPY (SELECT * EXCLUDE (__lake_src), regexp_extract(__lake_src, "
          "'__lake_part=([^/]+)/[^/]+$', 1) AS __lake_part FROM read_parquet([" +
          list +
          "], filename = '__lake_src', hive_partitioning = false) ORDER BY __lake_part) TO " +
          QuoteString((staging / "__lake_merged").string()) + " (" + common +
          ", PARTITION_BY (__lake_part))");
      if (!r.ok()) return r.status().WithContext("merging small partition files");
      Staged merged;
      collect(*r, &merged);
      // The few partitions a thread boundary still split go to pass 2.
      LAKE_RETURN_IF_ERROR(classify(merged, nullptr));
    }
    // Pass 2: each remaining partition cut by one COPY with FILE_SIZE_BYTES (row groups of at
    // most a quarter of the target, in DuckDB's uncompressed estimate: FILE_SIZE_BYTES is
    // checked between row groups, so files end within a row group of the target instead of
    // overshooting by up to 122,880 rows), its remainder folded.
    for (const auto& [key, files] : split) {
      std::string list;
      for (const auto& f : files) list += (list.empty() ? "" : ", ") + QuoteString(f.first);
      // Same partition folder name (the key), under another parent: COPY wants an empty
      // directory.
      fs::path dst = staging / "__lake_resized" / key;
      std::error_code mk;
      fs::create_directories(dst.parent_path(), mk);  // DuckDB creates only the last level
      if (mk)
        return Status::IOError("cannot create " + dst.parent_path().string() + ": " + mk.message());
      auto r = conn.Query("COPY (SELECT * FROM read_parquet([" + list +
                          "], hive_partitioning = false)) TO " + QuoteString(dst.string()) + " (" +
                          common + file_size + ", ROW_GROUP_SIZE_BYTES " +
                          std::to_string(std::max<int64_t>(target_size / 4, 1 << 16)) + ")");
      if (!r.ok()) return r.status().WithContext("resizing a partition's files");
      const size_t first = out.size();
      collect(*r, &out);
      LAKE_RETURN_IF_ERROR(fold_remainder(&out, first));
    }
    for (const auto& f : stale) {
      std::error_code e;
      fs::remove(f, e);
    }
    staged_files = std::move(out);
    return Status::OK();
  };
  Status copy_status = [&]() -> Status {
    // DuckDB 1.4 cannot rotate files of a partitioned COPY ("Can't combine FILE_SIZE_BYTES
    // and PARTITION_BY"): without an optimized write, delta.targetFileSize is not applied to
    // partitioned writes (at least one file per partition per write).
    auto r = conn.Query("COPY (SELECT " + select + " FROM (" + source_sql + ") AS __src) TO " +
                        QuoteString(staging.string()) + " (" + common +
                        (part_idx.empty() ? file_size : ", PARTITION_BY (__lake_part)") + ")");
    if (!r.ok()) return r.status();
    collect(*r, &staged_files);
    // Unpartitioned writes are cut at the target already.
    if (!o.optimize_write || part_idx.empty()) return Status::OK();
    return resize_partitions();
  }();
  copy_done.store(true);
  if (watcher.joinable()) watcher.join();
  if (!copy_status.ok()) return copy_status.WithContext("writing data files");

  // 4. Move files to their partition directories.
  DataWriteResult out;
  struct Written {
    std::string staged, rel;  // rel: relative to the table root (not encoded)
    int64_t rows;
    PartitionValues pv;
  };
  std::vector<Written> written;
  for (const auto& [staged_file, rows] : staged_files) {
    Written w;
    w.staged = staged_file;
    w.rows = rows;
    fs::path staged(w.staged);
    if (w.rows == 0) continue;  // never commit empty files
    std::string rel_dir;
    if (!part_idx.empty()) {
      std::string dir = staged.parent_path().filename().string();
      const std::string prefix = "__lake_part=";
      if (dir.rfind(prefix, 0) != 0) return Status::Internal("unexpected staged path " + w.staged);
      std::string key = dir.substr(prefix.size());
      size_t pos = 0;
      for (size_t k = 0; k < part_idx.size(); ++k) {
        size_t end = key.find('_', pos);
        if (end == std::string::npos) end = key.size();
        std::string tok = key.substr(pos, end - pos);
        pos = end + 1;
        std::optional<std::string> v;
        if (!tok.empty() && tok[0] == 'v') v = HexDecode(tok.substr(1));
        const StructField& f = schema.fields[part_idx[k]];
        w.pv.emplace_back(f.PhysicalName(mode), v);
        rel_dir += f.PhysicalName(mode) + "=" + SerializedToDirToken(v) + "/";
      }
    }
    w.rel = rel_dir + staged.filename().string();
    written.push_back(std::move(w));
  }
  std::vector<AddFile> moved;
  auto fail = [&](Status st) -> Status {
    DeleteDataFiles(o.table_root_local, moved);
    return st;
  };
  for (auto& w : written) {
    fs::path dst = fs::path(o.table_root_local) / w.rel;
    fs::create_directories(dst.parent_path(), ec);
    if (!ec) fs::rename(w.staged, dst, ec);
    if (ec) return fail(Status::IOError("cannot move " + w.staged + " to " + dst.string() + ": " +
                                        ec.message()));
    AddFile a;
    a.path = EncodePath(w.rel);
    a.partition_values = w.pv;
    struct stat st;
    if (::stat(dst.c_str(), &st) != 0) return fail(Status::IOError("cannot stat " + dst.string()));
    a.size = st.st_size;
    a.modification_time = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
                          st.st_mtim.tv_nsec / 1000000;
    a.data_change = true;
    moved.push_back(std::move(a));
    out.rows += w.rows;
    out.bytes += st.st_size;
  }
  Progress(o, "wrote " + std::to_string(moved.size()) + " file(s), " + std::to_string(out.rows) +
                  " rows, " + std::to_string(out.bytes) + " bytes");

  // 5. Statistics from the footers.
  std::vector<StructField> data_fields;
  for (size_t i = 0; i < schema.fields.size(); ++i)
    if (!is_part(i)) data_fields.push_back(schema.fields[i]);
  // Statistics are keyed by physical names (PROTOCOL.md "Column Mapping").
  data_fields = PhysicalFields(data_fields, mode);
  auto stats_cols = StatsColumns(schema, o.partition_columns, o.configuration);
  if (!stats_cols.ok()) return fail(stats_cols.status());
  std::vector<Leaf> leaves;
  CollectLeaves(data_fields, {}, "", &leaves);
  std::set<std::string> wanted;
  for (const auto& p : *stats_cols) wanted.insert(PathKey(PhysicalPath(schema.fields, p, mode)));
  std::vector<Leaf> stat_leaves;
  for (const auto& l : leaves) {
    if (!wanted.count(PathKey(l.path))) continue;
    if (l.type->kind == DataType::Kind::kArray || l.type->kind == DataType::Kind::kMap) continue;
    stat_leaves.push_back(l);
  }
  std::map<std::string, std::map<std::string, LeafStats>> per_file;  // rel path -> leaf -> stats
  if (!moved.empty() && !stat_leaves.empty()) {
    std::string list;
    std::map<std::string, std::string> local_to_rel;
    for (const auto& w : written) {
      std::string local = (fs::path(o.table_root_local) / w.rel).string();
      list += (list.empty() ? "" : ", ") + QuoteString(local);
      local_to_rel[local] = w.rel;
    }
    std::string meta = "__lake_meta_" + RandomUuid().substr(0, 8);
    auto st = conn.Execute("CREATE TEMP TABLE " + meta +
                           " AS SELECT file_name, path_in_schema, row_group_num_rows, "
                           "stats_null_count, stats_min_value, stats_max_value FROM "
                           "parquet_metadata([" + list + "])");
    if (!st.ok()) return fail(st.WithContext("reading Parquet footers"));
    std::string q;
    for (size_t i = 0; i < stat_leaves.size(); ++i) {
      const Leaf& l = stat_leaves[i];
      StatKind kind = StatKindOf(*l.type);
      std::string mn = "NULL", mx = "NULL";
      if (kind != StatKind::kNone) {
        auto a = StatAggSql(*l.type, "min", "stats_min_value");
        auto b = StatAggSql(*l.type, "max", "stats_max_value");
        if (!a.ok()) return fail(a.status());
        if (!b.ok()) return fail(b.status());
        mn = *a;
        mx = *b;
      }
      if (!q.empty()) q += " UNION ALL ";
      q += "SELECT file_name, " + std::to_string(i) +
           " AS leaf, sum(stats_null_count)::BIGINT AS nc, count(*) FILTER (WHERE "
           "stats_null_count IS NULL) AS nc_missing, count(*) FILTER (WHERE stats_min_value IS "
           "NULL AND coalesce(stats_null_count, -1) < row_group_num_rows) AS mm_missing, " +
           mn + " AS mn, " + mx + " AS mx FROM " + meta +
           " WHERE path_in_schema = " + QuoteString(l.parquet_path) + " GROUP BY file_name";
    }
    auto r = conn.Query(q);
    (void)conn.Execute("DROP TABLE IF EXISTS " + meta);
    if (!r.ok()) return fail(r.status().WithContext("collecting statistics"));
    for (size_t row = 0; row < r->row_count(); ++row) {
      std::string file(r->GetString(0, row));
      auto rel_it = local_to_rel.find(file);
      if (rel_it == local_to_rel.end()) continue;
      const Leaf& l = stat_leaves[static_cast<size_t>(r->GetInt64(1, row))];
      LeafStats s;
      if (!r->IsNull(2, row) && r->GetInt64(3, row) == 0) s.null_count = r->GetInt64(2, row);
      if (r->GetInt64(4, row) == 0) {
        StatKind kind = StatKindOf(*l.type);
        if (!r->IsNull(5, row)) s.min = StatJson(kind, r->GetString(5, row), false);
        if (!r->IsNull(6, row)) s.max = StatJson(kind, r->GetString(6, row), true);
      }
      per_file[rel_it->second][PathKey(l.path)] = s;
    }
  }
  for (size_t k = 0; k < moved.size(); ++k) {
    const auto& stats = per_file[written[k].rel];
    JsonWriter w;
    w.BeginObject().Key("numRecords").Int(written[k].rows);
    std::string mn = NestedStats(data_fields, {}, stats, 0);
    std::string mx = NestedStats(data_fields, {}, stats, 1);
    std::string nc = NestedStats(data_fields, {}, stats, 2);
    w.Key("minValues").Raw(mn.empty() ? "{}" : mn);
    w.Key("maxValues").Raw(mx.empty() ? "{}" : mx);
    w.Key("nullCount").Raw(nc.empty() ? "{}" : nc);
    w.EndObject();
    moved[k].stats = w.Take();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", secs);
  Progress(o, "data files ready in " + std::string(buf) + " s");
  out.files = std::move(moved);
  return out;
}

}  // namespace lake::write
