#include "scan/scan_sql.h"

#include "util/percent_encoding.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "lake/object_store.h"

namespace lake::scan {

using engine::QuoteIdent;
using engine::QuoteString;

namespace {

// ---------------------------------------------------------------------------------------------
// Parquet column metadata (top-level columns of each data file), cached by local path + size.

struct FileColumn {
  std::string name;
  std::string signature;  // physical + logical types of the column's whole subtree
  std::optional<int64_t> field_id;
  bool naive_timestamp = false;  // INT96 or TIMESTAMP(isAdjustedToUTC=false)
};

struct FileSchema {
  int64_t size = -1;
  std::vector<FileColumn> columns;
  const FileColumn* Find(const std::string& n) const {
    for (const auto& c : columns)
      if (c.name == n) return &c;
    return nullptr;
  }
  const FileColumn* FindId(int64_t id) const {
    for (const auto& c : columns)
      if (c.field_id && *c.field_id == id) return &c;
    return nullptr;
  }
};

std::mutex g_cache_mu;
std::unordered_map<std::string, std::shared_ptr<const FileSchema>>& Cache() {
  static auto* c = new std::unordered_map<std::string, std::shared_ptr<const FileSchema>>();
  return *c;
}
constexpr size_t kMaxCacheEntries = 1 << 20;

std::string SqlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += QuoteString(items[i]);
  }
  return out + "]";
}

// Reads (once) the top-level column list of each file.
Result<std::vector<std::shared_ptr<const FileSchema>>> LoadFileSchemas(
    engine::Connection& conn, const std::vector<std::string>& paths,
    const std::vector<int64_t>& sizes) {
  std::vector<std::shared_ptr<const FileSchema>> out(paths.size());
  std::vector<std::string> missing;
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    for (size_t i = 0; i < paths.size(); ++i) {
      auto it = Cache().find(paths[i]);
      if (it != Cache().end() &&
          (sizes[i] <= 0 || it->second->size <= 0 || it->second->size == sizes[i])) {
        out[i] = it->second;
      } else {
        missing.push_back(paths[i]);
      }
    }
  }
  if (missing.empty()) return out;
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());

  LAKE_ASSIGN_OR_RETURN(
      engine::QueryResult r,
      conn.Query("SELECT file_name, name, CAST(type AS VARCHAR), CAST(num_children AS BIGINT), "
                 "CAST(converted_type AS VARCHAR), CAST(scale AS VARCHAR), "
                 "CAST(precision AS VARCHAR), CAST(field_id AS BIGINT), "
                 "CAST(logical_type AS VARCHAR) FROM parquet_schema(" +
                 SqlList(missing) + ")"));
  std::map<std::string, std::shared_ptr<FileSchema>> parsed;
  std::map<std::string, std::vector<int64_t>> stacks;
  auto str = [&](size_t c, size_t row) {
    return r.IsNull(c, row) ? std::string() : std::string(r.GetString(c, row));
  };
  for (size_t row = 0; row < r.row_count(); ++row) {
    std::string file = str(0, row);
    auto& fs = parsed[file];
    auto& stack = stacks[file];
    int64_t children = r.IsNull(3, row) ? 0 : r.GetInt64(3, row);
    if (!fs) {  // the root of this file's schema
      fs = std::make_shared<FileSchema>();
      if (children > 0) stack.push_back(children);
      continue;
    }
    if (stack.empty()) continue;  // malformed; ignore trailing rows
    size_t depth = stack.size();
    --stack.back();
    std::string sig = str(2, row) + "/" + str(4, row) + "/" + str(5, row) + "/" + str(6, row) +
                      "/" + str(8, row) + "/" + std::to_string(children);
    if (depth == 1) {
      FileColumn c;
      c.name = str(1, row);
      if (!r.IsNull(7, row)) c.field_id = r.GetInt64(7, row);
      std::string type = str(2, row), logical = str(8, row);
      // Legacy TIMESTAMP_MILLIS/MICROS converted types (no logical type) are UTC-adjusted.
      c.naive_timestamp =
          type == "INT96" || (logical.rfind("TimestampType(", 0) == 0 &&
                              logical.find("isAdjustedToUTC=0") != std::string::npos);
      c.signature = sig;
      fs->columns.push_back(std::move(c));
    } else if (!fs->columns.empty()) {
      fs->columns.back().signature += ";" + sig;
    }
    if (children > 0) stack.push_back(children);
    while (!stack.empty() && stack.back() == 0) stack.pop_back();
  }
  std::lock_guard<std::mutex> lock(g_cache_mu);
  if (Cache().size() + parsed.size() > kMaxCacheEntries) Cache().clear();
  std::map<std::string, int64_t> size_of;
  for (size_t i = 0; i < paths.size(); ++i) size_of[paths[i]] = sizes[i];
  for (auto& [file, fs] : parsed) {
    fs->size = size_of.count(file) ? size_of[file] : -1;
    Cache()[file] = fs;
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (out[i]) continue;
    auto it = parsed.find(paths[i]);
    if (it == parsed.end()) {
      return Status::IOError("cannot read the Parquet schema of data file '" + paths[i] + "'");
    }
    out[i] = it->second;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Column expressions

bool NeedsRebuild(const DataType& t, const std::string& mode) {
  switch (t.kind) {
    case DataType::Kind::kStruct:
      for (const auto& f : t.fields) {
        if (f.PhysicalName(mode) != f.name || NeedsRebuild(*f.type, mode)) return true;
      }
      return false;
    case DataType::Kind::kArray:
      return NeedsRebuild(*t.element, mode);
    case DataType::Kind::kMap:
      return NeedsRebuild(*t.key, mode) || NeedsRebuild(*t.value, mode);
    default:
      return false;
  }
}

// Renames nested fields from physical to logical names (only called when NeedsRebuild).
std::string Rebuild(const std::string& src, const DataType& t, const std::string& mode, int depth) {
  switch (t.kind) {
    case DataType::Kind::kStruct: {
      std::string out = "CASE WHEN (" + src + ") IS NULL THEN NULL ELSE struct_pack(";
      for (size_t i = 0; i < t.fields.size(); ++i) {
        const auto& f = t.fields[i];
        if (i) out += ", ";
        std::string child =
            "struct_extract(" + src + ", " + QuoteString(f.PhysicalName(mode)) + ")";
        out += QuoteIdent(f.name) + " := " +
               (NeedsRebuild(*f.type, mode) ? Rebuild(child, *f.type, mode, depth + 1) : child);
      }
      return out + ") END";
    }
    case DataType::Kind::kArray: {
      if (!NeedsRebuild(*t.element, mode)) return src;
      std::string v = "__lake_x" + std::to_string(depth);
      return "list_transform(" + src + ", lambda " + v + ": " +
             Rebuild(v, *t.element, mode, depth + 1) + ")";
    }
    case DataType::Kind::kMap: {
      std::string v = "__lake_e" + std::to_string(depth);
      std::string k = v + ".key", val = v + ".value";
      if (NeedsRebuild(*t.key, mode)) k = Rebuild(k, *t.key, mode, depth + 1);
      if (NeedsRebuild(*t.value, mode)) val = Rebuild(val, *t.value, mode, depth + 1);
      return "map_from_entries(list_transform(map_entries(" + src + "), lambda " + v +
             ": struct_pack(key := " + k + ", value := " + val + ")))";
    }
    default:
      return src;
  }
}

// The output expression of a data column read from Parquet column `src`.
Result<std::string> DataColumnSql(const std::string& src, const DataType& t,
                                  const std::string& mode, bool naive_timestamp) {
  if (t.kind == DataType::Kind::kPrimitive && t.name == "variant") {
    // DuckDB 1.4 has no VARIANT: pass through what the Parquet reader produces.
    return src;
  }
  LAKE_ASSIGN_OR_RETURN(std::string duck, DuckDBType(t));
  if (t.kind == DataType::Kind::kPrimitive && t.name == "void") return "CAST(NULL AS " + duck + ")";
  std::string e = src;
  if (NeedsRebuild(t, mode)) e = Rebuild(src, t, mode, 0);
  if (t.kind == DataType::Kind::kPrimitive && t.name == "timestamp" && naive_timestamp) {
    // INT96 / non-UTC-adjusted timestamps: Delta's timestamp is UTC.
    e = "timezone('UTC', CAST(" + e + " AS TIMESTAMP))";
  }
  return "CAST(" + e + " AS " + duck + ")";
}

std::string ToHex(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// A partition value, normalised to a string that `PartitionCast` turns into the column type;
// nullopt = NULL.
std::optional<std::string> NormalizePartitionValue(const DataType& t,
                                                   const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  if (t.kind == DataType::Kind::kPrimitive) {
    if (v->empty() && t.name != "string") return std::nullopt;
    if (t.name == "void") return std::nullopt;
    if (t.name == "binary") return ToHex(*v);
    if (t.name == "timestamp") {
      // 'YYYY-MM-DD HH:MM:SS[.f]' (UTC) or ISO8601 with 'T' and 'Z' / an offset.
      std::string s = *v;
      bool has_zone = s.size() > 10 && s.find_first_of("Zz+-", 10) != std::string::npos;
      if (!has_zone) s += "+00";
      return s;
    }
    if (t.name == "timestamp_ntz") {
      std::string s = *v;
      if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
      return s;
    }
  }
  return *v;
}

Result<std::string> PartitionCast(const DataType& t, const std::string& varchar_sql) {
  LAKE_ASSIGN_OR_RETURN(std::string duck, DuckDBType(t));
  if (t.kind == DataType::Kind::kPrimitive) {
    if (t.name == "string") return varchar_sql;
    if (t.name == "binary") return "from_hex(" + varchar_sql + ")";
    if (t.name == "void") return "CAST(NULL AS " + duck + ")";
  } else if (t.kind != DataType::Kind::kDecimal) {
    return Status::Unsupported("partition column of type " + t.ToString());
  }
  return "CAST(" + varchar_sql + " AS " + duck + ")";
}

std::atomic<uint64_t> g_temp_counter{0};

struct OutColumn {
  const StructField* field;
  bool is_partition = false;
  std::string physical;  // Parquet / partitionValues key
  std::string duck_type;
};

struct FileEntry {
  const AddFile* add;
  std::string local;
  std::vector<std::optional<std::string>> part;  // normalised partition values
  std::shared_ptr<const FileSchema> schema;
};

// A balanced CASE over file_index ranges: ranges[i] = (first file index, value sql).
std::string CaseTree(const std::vector<std::pair<size_t, std::string>>& ranges, size_t lo,
                     size_t hi) {
  if (hi - lo == 1) return ranges[lo].second;
  size_t mid = lo + (hi - lo) / 2;
  return "CASE WHEN file_index < " + std::to_string(ranges[mid].first) + " THEN " +
         CaseTree(ranges, lo, mid) + " ELSE " + CaseTree(ranges, mid, hi) + " END";
}

// One read_parquet over `files` with the output columns; "" when files is empty.
Result<std::string> UnitSql(engine::Connection& conn, const ScanInput& in,
                            const std::vector<OutColumn>& cols, std::vector<FileEntry> files,
                            bool with_dv, const DeletedRowsLoader& loader) {
  if (files.empty()) return std::string();
  std::stable_sort(files.begin(), files.end(),
                   [](const FileEntry& a, const FileEntry& b) { return a.part < b.part; });
  uint64_t id = g_temp_counter.fetch_add(1);
  std::string prefix = "__lake_scan_" + std::to_string(id);

  bool union_by_name = false;
  std::vector<std::string> exprs;
  std::vector<std::string> part_cols_for_table;  // (big partition maps) column defs
  std::vector<size_t> part_index_of_col(cols.size(), SIZE_MAX);
  std::vector<const OutColumn*> part_cols;
  for (size_t ci = 0; ci < cols.size(); ++ci) {
    if (cols[ci].is_partition) {
      part_index_of_col[ci] = part_cols.size();
      part_cols.push_back(&cols[ci]);
    }
  }
  // The position of each partition column in FileEntry::part is its index in
  // in.partition_columns; map output partition columns to it.
  auto part_pos = [&](const OutColumn& c) -> size_t {
    for (size_t i = 0; i < in.partition_columns.size(); ++i)
      if (in.partition_columns[i] == c.field->name) return i;
    return SIZE_MAX;
  };

  // Decide per partition column: CASE tree or temp table.
  bool use_table = false;
  std::vector<std::vector<std::pair<size_t, std::string>>> ranges(part_cols.size());
  for (size_t pi = 0; pi < part_cols.size(); ++pi) {
    size_t pos = part_pos(*part_cols[pi]);
    auto& rs = ranges[pi];
    for (size_t fi = 0; fi < files.size(); ++fi) {
      const auto& v = files[fi].part[pos];
      std::string lit = v ? *v : std::string("\x01NULL");
      if (!rs.empty() && rs.back().second == lit) continue;
      rs.emplace_back(fi, lit);
    }
    if (rs.size() > kMaxCaseRanges) use_table = true;
  }
  std::string part_table;
  if (use_table && !part_cols.empty()) {
    part_table = prefix + "_pv";
    std::string values;
    for (size_t fi = 0; fi < files.size(); ++fi) {
      values += fi ? ", (" : "(";
      values += std::to_string(fi);
      for (const OutColumn* pc : part_cols) {
        const auto& v = files[fi].part[part_pos(*pc)];
        values += ", " + (v ? QuoteString(*v) : std::string("NULL"));
      }
      values += ")";
    }
    std::string select = "CAST(c0 AS UBIGINT) AS fi";
    for (size_t pi = 0; pi < part_cols.size(); ++pi) {
      std::string c = "c" + std::to_string(pi + 1);
      LAKE_ASSIGN_OR_RETURN(
          std::string e, PartitionCast(*part_cols[pi]->field->type, "CAST(" + c + " AS VARCHAR)"));
      select += ", " + e + " AS " + c;
    }
    std::string names = "c0";
    for (size_t pi = 0; pi < part_cols.size(); ++pi) names += ", c" + std::to_string(pi + 1);
    LAKE_RETURN_IF_ERROR(conn.Execute("CREATE TEMP TABLE " + part_table + " AS SELECT " + select +
                                      " FROM (VALUES " + values + ") v(" + names + ")"));
  }

  for (size_t ci = 0; ci < cols.size(); ++ci) {
    const OutColumn& c = cols[ci];
    const DataType& t = *c.field->type;
    std::string e;
    if (c.is_partition) {
      size_t pi = part_index_of_col[ci];
      if (!part_table.empty()) {
        e = "__lake_pv.c" + std::to_string(pi + 1);
      } else {
        std::vector<std::pair<size_t, std::string>> sql_ranges;
        for (auto& [start, lit] : ranges[pi]) {
          std::string v;
          if (lit == "\x01NULL") {
            v = "CAST(NULL AS " + c.duck_type + ")";
          } else {
            LAKE_ASSIGN_OR_RETURN(v, PartitionCast(t, QuoteString(lit)));
          }
          sql_ranges.emplace_back(start, std::move(v));
        }
        e = CaseTree(sql_ranges, 0, sql_ranges.size());
      }
    } else {
      // Which Parquet column holds it, in how many files, and do they agree on its type?
      std::string pname = c.physical;
      if (in.mapping_mode == "id" && c.field->field_id) {
        const FileColumn* fc = files[0].schema->FindId(*c.field->field_id);
        if (fc) pname = fc->name;
      }
      size_t present = 0;
      bool naive = false, differ = false;
      const FileColumn* first = nullptr;
      for (const auto& f : files) {
        const FileColumn* fc = f.schema->Find(pname);
        if (!fc) continue;
        ++present;
        if (!first) {
          first = fc;
          naive = fc->naive_timestamp;
        } else if (fc->signature != first->signature) {
          differ = true;
        }
      }
      if (present == 0) {
        e = "CAST(NULL AS " + c.duck_type + ")";
      } else {
        if (present != files.size() || differ) union_by_name = true;
        LAKE_ASSIGN_OR_RETURN(
            e, DataColumnSql("__lake_t." + QuoteIdent(pname), t, in.mapping_mode, naive));
      }
    }
    exprs.push_back(e + " AS " + QuoteIdent(c.field->name));
  }

  if (in.row_tracking) {
    // Stable row ids / commit versions (PROTOCOL.md "Reader Requirements for Row Tracking"):
    // the materialized column where present and not null, else the default generated value of
    // the row's file (a CASE over file_index: one leaf per file).
    auto per_file = [&](auto value_of) {
      std::vector<std::pair<size_t, std::string>> leaves;
      for (size_t fi = 0; fi < files.size(); ++fi) {
        std::optional<int64_t> v = value_of(*files[fi].add);
        leaves.emplace_back(fi, v ? std::to_string(*v) + "::BIGINT" : "NULL::BIGINT");
      }
      return CaseTree(leaves, 0, leaves.size());
    };
    auto materialized = [&](const std::string& col, const std::string& fallback) {
      size_t present = 0;
      for (const auto& f : files) present += f.schema->Find(col) != nullptr;
      if (present == 0) return fallback;
      if (present != files.size()) union_by_name = true;
      return "COALESCE(CAST(__lake_t." + QuoteIdent(col) + " AS BIGINT), " + fallback + ")";
    };
    std::string base = per_file([](const AddFile& a) { return a.base_row_id; });
    std::string drcv = per_file([](const AddFile& a) { return a.default_row_commit_version(); });
    exprs.push_back(materialized(in.row_tracking->row_id,
                                 "(" + base + " + CAST(__lake_t.file_row_number AS BIGINT))") +
                    " AS " + QuoteIdent(in.row_tracking->row_id));
    exprs.push_back(materialized(in.row_tracking->row_commit_version, drcv) + " AS " +
                    QuoteIdent(in.row_tracking->row_commit_version));
  }

  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const auto& f : files) paths.push_back(f.local);
  std::string sql = "SELECT ";
  if (exprs.empty()) sql += "1 AS __lake_dummy";  // unreachable: callers always select columns
  for (size_t i = 0; i < exprs.size(); ++i) sql += (i ? ", " : "") + exprs[i];
  sql += " FROM read_parquet(" + SqlList(paths);
  if (union_by_name) sql += ", union_by_name = true";
  sql += ") AS __lake_t";
  if (!part_table.empty()) {
    sql += " JOIN " + part_table + " AS __lake_pv ON __lake_t.file_index = __lake_pv.fi";
  }
  if (with_dv) {
    std::string dv_table = prefix + "_dv";
    LAKE_RETURN_IF_ERROR(conn.Execute("CREATE TEMP TABLE " + dv_table + "(fi UBIGINT, r BIGINT)"));
    std::vector<std::vector<int64_t>> rows;
    for (size_t fi = 0; fi < files.size(); ++fi) {
      if (!loader) return Status::InvalidArgument("deletion vectors present but no loader");
      auto deleted = loader(*files[fi].add);
      if (!deleted.ok()) {
        return deleted.status().WithContext("deletion vector of '" + files[fi].add->path + "'");
      }
      for (uint64_t r : *deleted) {
        rows.push_back({static_cast<int64_t>(fi), static_cast<int64_t>(r)});
      }
    }
    LAKE_RETURN_IF_ERROR(conn.AppendInt64Rows(dv_table, rows));
    sql += " ANTI JOIN " + dv_table + " AS __lake_dv ON __lake_t.file_index = __lake_dv.fi" +
           " AND __lake_t.file_row_number = __lake_dv.r";
  }
  return sql;
}

}  // namespace

void ClearFileSchemaCache() {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  Cache().clear();
}

Result<std::string> DataFileLocalPath(const std::string& table_root_local,
                                      const std::string& path) {
  if (path.rfind("file:", 0) == 0) return LocalPathFromUri(path);
  if (path.find("://") != std::string::npos) {
    return Status::Unsupported("data file on an unsupported storage: '" + path + "'");
  }
  std::string decoded = PercentDecode(path);
  if (!decoded.empty() && decoded[0] == '/') return decoded;
  std::string root = table_root_local;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root + "/" + decoded;
}

Result<std::string> PartitionValueSql(const DataType& type,
                                      const std::optional<std::string>& value) {
  auto norm = NormalizePartitionValue(type, value);
  if (!norm) {
    LAKE_ASSIGN_OR_RETURN(std::string duck, DuckDBType(type));
    return "CAST(NULL AS " + duck + ")";
  }
  return PartitionCast(type, QuoteString(*norm));
}

Result<std::string> BuildScanSql(engine::Connection& conn, const ScanInput& in,
                                 DeletedRowsLoader loader) {
  if (in.schema == nullptr) return Status::InvalidArgument("scan without a schema");
  const std::string mode = in.mapping_mode.empty() ? "none" : in.mapping_mode;
  if (mode != "none" && mode != "name" && mode != "id") {
    return Status::Unsupported("column mapping mode '" + mode + "'");
  }
  ScanInput input = in;
  input.mapping_mode = mode;

  // Output columns.
  std::vector<const StructField*> fields;
  if (in.columns.empty()) {
    for (const auto& f : in.schema->fields) fields.push_back(&f);
  } else {
    for (const auto& name : in.columns) {
      const StructField* f = in.schema->Find(name);
      if (!f) f = in.schema->FindCaseInsensitive(name);
      if (!f) return Status::InvalidArgument("no column '" + name + "' in the table schema");
      fields.push_back(f);
    }
  }
  if (fields.empty()) return Status::InvalidArgument("the table has no columns");
  std::vector<OutColumn> cols;
  for (const StructField* f : fields) {
    OutColumn c;
    c.field = f;
    c.physical = f->PhysicalName(mode);
    for (const auto& p : in.partition_columns)
      if (p == f->name) c.is_partition = true;
    LAKE_ASSIGN_OR_RETURN(c.duck_type, DuckDBType(*f->type));
    cols.push_back(std::move(c));
  }

  // Files: local paths, normalised partition values, Parquet schemas.
  std::vector<const StructField*> part_fields;
  for (const auto& p : in.partition_columns) {
    const StructField* f = in.schema->Find(p);
    if (!f) return Status::Corruption("partition column '" + p + "' is not in the schema");
    part_fields.push_back(f);
  }
  std::vector<FileEntry> entries;
  std::vector<std::string> paths;
  std::vector<int64_t> sizes;
  if (!in.local_paths.empty() && in.local_paths.size() != in.files.size()) {
    return Status::InvalidArgument("scan input: " + std::to_string(in.local_paths.size()) +
                                   " local paths for " + std::to_string(in.files.size()) +
                                   " files");
  }
  for (size_t fi = 0; fi < in.files.size(); ++fi) {
    const AddFile* a = in.files[fi];
    FileEntry e;
    e.add = a;
    if (in.local_paths.empty()) {
      LAKE_ASSIGN_OR_RETURN(e.local, DataFileLocalPath(in.table_root_local, a->path));
    } else {
      e.local = in.local_paths[fi];
    }
    for (const StructField* pf : part_fields) {
      const std::string& key = pf->PhysicalName(mode);
      const std::optional<std::string>* v = nullptr;
      for (const auto& [k, val] : a->partition_values)
        if (k == key) v = &val;
      e.part.push_back(v ? NormalizePartitionValue(*pf->type, *v) : std::nullopt);
    }
    paths.push_back(e.local);
    sizes.push_back(a->size);
    entries.push_back(std::move(e));
  }
  bool needs_data = in.row_tracking.has_value();  // the materialized columns may be present
  for (const auto& c : cols) needs_data |= !c.is_partition;
  if (!entries.empty()) {
    // Partition-only projections still need the files' row counts, but not their columns.
    std::vector<std::shared_ptr<const FileSchema>> schemas;
    if (needs_data) {
      LAKE_ASSIGN_OR_RETURN(schemas, LoadFileSchemas(conn, paths, sizes));
    } else {
      schemas.assign(entries.size(), std::make_shared<FileSchema>());
    }
    for (size_t i = 0; i < entries.size(); ++i) entries[i].schema = schemas[i];
  }

  std::vector<FileEntry> plain, with_dv;
  for (auto& e : entries) (e.add->deletion_vector ? with_dv : plain).push_back(std::move(e));
  std::vector<std::string> units;
  LAKE_ASSIGN_OR_RETURN(std::string u1,
                        UnitSql(conn, input, cols, std::move(plain), false, loader));
  if (!u1.empty()) units.push_back(std::move(u1));
  LAKE_ASSIGN_OR_RETURN(std::string u2,
                        UnitSql(conn, input, cols, std::move(with_dv), true, loader));
  if (!u2.empty()) units.push_back(std::move(u2));

  std::string body;
  if (units.empty()) {
    body = "SELECT ";
    for (size_t i = 0; i < cols.size(); ++i) {
      body += (i ? ", " : "") + std::string("CAST(NULL AS ") + cols[i].duck_type + ") AS " +
              QuoteIdent(cols[i].field->name);
    }
    if (in.row_tracking) {
      body += ", NULL::BIGINT AS " + QuoteIdent(in.row_tracking->row_id) + ", NULL::BIGINT AS " +
              QuoteIdent(in.row_tracking->row_commit_version);
    }
    body += " WHERE false";
  } else {
    for (size_t i = 0; i < units.size(); ++i) body += (i ? " UNION ALL " : "") + units[i];
  }
  if (in.where.empty() && !in.limit) return body;
  std::string sql = "SELECT * FROM (" + body + ") AS __lake_scan";
  if (!in.where.empty()) sql += " WHERE (" + in.where + ")";
  if (in.limit) sql += " LIMIT " + std::to_string(std::max<int64_t>(0, *in.limit));
  return sql;
}

}  // namespace lake::scan
