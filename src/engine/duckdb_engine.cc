#include "engine/duckdb_engine.h"

#include <duckdb.h>

#include <algorithm>
#include <cassert>
#include <mutex>

namespace lake::engine {

// ---------------------------------------------------------------------------------------------
// QueryResult

struct QueryResult::Impl {
  std::vector<duckdb_data_chunk> chunks;
  std::vector<size_t> chunk_start;  // first row index of each chunk
  size_t rows = 0;
  std::vector<std::string> names;
  std::vector<duckdb_type> types;
  std::vector<ColumnKind> kinds;
  // Fetched chunks may point into string heaps the result owns, so the result lives as long
  // as the chunks do.
  duckdb_result result;
  bool has_result = false;

  ~Impl() {
    for (auto& c : chunks) duckdb_destroy_data_chunk(&c);
    if (has_result) duckdb_destroy_result(&result);
  }

  // Locates (chunk, row-in-chunk) for a global row.
  std::pair<size_t, size_t> Locate(size_t row) const {
    auto it = std::upper_bound(chunk_start.begin(), chunk_start.end(), row);
    size_t ci = static_cast<size_t>(it - chunk_start.begin()) - 1;
    return {ci, row - chunk_start[ci]};
  }
  duckdb_vector Vec(size_t col, size_t ci) const {
    return duckdb_data_chunk_get_vector(chunks[ci], col);
  }
};

QueryResult::QueryResult() : impl_(std::make_unique<Impl>()) {}
QueryResult::~QueryResult() = default;
QueryResult::QueryResult(QueryResult&&) noexcept = default;
QueryResult& QueryResult::operator=(QueryResult&&) noexcept = default;

size_t QueryResult::row_count() const { return impl_->rows; }
size_t QueryResult::column_count() const { return impl_->names.size(); }
const std::string& QueryResult::column_name(size_t col) const { return impl_->names[col]; }
ColumnKind QueryResult::column_kind(size_t col) const { return impl_->kinds[col]; }

bool QueryResult::IsNull(size_t col, size_t row) const {
  auto [ci, r] = impl_->Locate(row);
  uint64_t* validity = duckdb_vector_get_validity(impl_->Vec(col, ci));
  return validity != nullptr && !duckdb_validity_row_is_valid(validity, r);
}

std::string_view QueryResult::GetString(size_t col, size_t row) const {
  // Reading another type's cells as strings would interpret numbers as pointers.
  assert(impl_->kinds[col] == ColumnKind::kString || impl_->kinds[col] == ColumnKind::kBlob ||
         impl_->types[col] == DUCKDB_TYPE_ENUM);
  if (impl_->kinds[col] != ColumnKind::kString && impl_->kinds[col] != ColumnKind::kBlob) return {};
  auto [ci, r] = impl_->Locate(row);
  auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(impl_->Vec(col, ci)));
  duckdb_string_t& s = data[r];
  uint32_t len = duckdb_string_t_length(s);
  const char* p = duckdb_string_t_data(&s);
  return std::string_view(p, len);
}

int64_t QueryResult::GetInt64(size_t col, size_t row) const {
  auto [ci, r] = impl_->Locate(row);
  void* data = duckdb_vector_get_data(impl_->Vec(col, ci));
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_BOOLEAN:
      return static_cast<bool*>(data)[r] ? 1 : 0;
    case DUCKDB_TYPE_TINYINT:
      return static_cast<int8_t*>(data)[r];
    case DUCKDB_TYPE_SMALLINT:
      return static_cast<int16_t*>(data)[r];
    case DUCKDB_TYPE_INTEGER:
      return static_cast<int32_t*>(data)[r];
    case DUCKDB_TYPE_BIGINT:
      return static_cast<int64_t*>(data)[r];
    case DUCKDB_TYPE_UTINYINT:
      return static_cast<uint8_t*>(data)[r];
    case DUCKDB_TYPE_USMALLINT:
      return static_cast<uint16_t*>(data)[r];
    case DUCKDB_TYPE_UINTEGER:
      return static_cast<uint32_t*>(data)[r];
    case DUCKDB_TYPE_UBIGINT:
      return static_cast<int64_t>(static_cast<uint64_t*>(data)[r]);
    case DUCKDB_TYPE_HUGEINT: {
      duckdb_hugeint h = static_cast<duckdb_hugeint*>(data)[r];
      return static_cast<int64_t>(h.lower);  // callers CAST first when values may not fit
    }
    case DUCKDB_TYPE_DATE:
      return static_cast<int32_t*>(data)[r];
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return static_cast<int64_t*>(data)[r];
    default:
      return 0;
  }
}

double QueryResult::GetDouble(size_t col, size_t row) const {
  auto [ci, r] = impl_->Locate(row);
  void* data = duckdb_vector_get_data(impl_->Vec(col, ci));
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_FLOAT:
      return static_cast<float*>(data)[r];
    case DUCKDB_TYPE_DOUBLE:
      return static_cast<double*>(data)[r];
    case DUCKDB_TYPE_HUGEINT: {
      duckdb_hugeint h = static_cast<duckdb_hugeint*>(data)[r];
      return static_cast<double>(h.upper) * 18446744073709551616.0 + static_cast<double>(h.lower);
    }
    default:
      return static_cast<double>(GetInt64(col, row));
  }
}

bool QueryResult::GetBool(size_t col, size_t row) const { return GetInt64(col, row) != 0; }

// ---------------------------------------------------------------------------------------------
// Connection

struct Connection::Impl {
  std::shared_ptr<Database> db;  // keeps the database alive
  duckdb_connection conn = nullptr;
  ~Impl() {
    if (conn) duckdb_disconnect(&conn);
  }
};

Connection::~Connection() = default;

namespace {

ColumnKind KindOf(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
      return ColumnKind::kBool;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_HUGEINT:
      return ColumnKind::kInt;
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
      return ColumnKind::kUInt;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
      return ColumnKind::kDouble;
    case DUCKDB_TYPE_VARCHAR:
      return ColumnKind::kString;
    case DUCKDB_TYPE_BLOB:
      return ColumnKind::kBlob;
    case DUCKDB_TYPE_DATE:
      return ColumnKind::kDate;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return ColumnKind::kTimestamp;
    default:
      return ColumnKind::kOther;
  }
}

}  // namespace

Status Connection::Execute(std::string_view sql) {
  std::string q(sql);
  duckdb_result res;
  if (duckdb_query(impl_->conn, q.c_str(), &res) == DuckDBError) {
    std::string err = duckdb_result_error(&res) ? duckdb_result_error(&res) : "unknown error";
    duckdb_destroy_result(&res);
    return Status::IOError("DuckDB: " + err);
  }
  duckdb_destroy_result(&res);
  return Status::OK();
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  std::string q(sql);
  duckdb_result res;
  if (duckdb_query(impl_->conn, q.c_str(), &res) == DuckDBError) {
    std::string err = duckdb_result_error(&res) ? duckdb_result_error(&res) : "unknown error";
    duckdb_destroy_result(&res);
    return Status::IOError("DuckDB: " + err);
  }
  QueryResult out;
  auto& im = *out.impl_;
  idx_t ncols = duckdb_column_count(&res);
  for (idx_t c = 0; c < ncols; ++c) {
    im.names.emplace_back(duckdb_column_name(&res, c));
    duckdb_logical_type lt = duckdb_column_logical_type(&res, c);
    im.types.push_back(duckdb_get_type_id(lt));
    im.kinds.push_back(KindOf(im.types.back()));
    duckdb_destroy_logical_type(&lt);
  }
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
    if (chunk == nullptr) break;
    idx_t n = duckdb_data_chunk_get_size(chunk);
    if (n == 0) {
      duckdb_destroy_data_chunk(&chunk);
      continue;
    }
    im.chunk_start.push_back(im.rows);
    im.chunks.push_back(chunk);
    im.rows += n;
  }
  im.result = res;
  im.has_result = true;
  return out;
}

Connection::Progress Connection::QueryProgress() {
  duckdb_query_progress_type p = duckdb_query_progress(impl_->conn);
  return Progress{p.percentage, p.rows_processed, p.total_rows_to_process};
}

void Connection::Interrupt() { duckdb_interrupt(impl_->conn); }

Status Connection::EnableProgressTracking() {
  // Track progress without DuckDB printing its own bar, from the first millisecond.
  return Execute(
      "SET enable_progress_bar = true; SET enable_progress_bar_print = false; "
      "SET progress_bar_time = 0");
}

Status Connection::AppendInt64Rows(const std::string& table,
                                   const std::vector<std::vector<int64_t>>& rows) {
  duckdb_appender app;
  if (duckdb_appender_create(impl_->conn, nullptr, table.c_str(), &app) == DuckDBError) {
    std::string err = duckdb_appender_error(app) ? duckdb_appender_error(app) : "unknown";
    duckdb_appender_destroy(&app);
    return Status::IOError("DuckDB appender for '" + table + "': " + err);
  }
  for (const auto& row : rows) {
    for (int64_t v : row) duckdb_append_int64(app, v);
    if (duckdb_appender_end_row(app) == DuckDBError) {
      std::string err = duckdb_appender_error(app) ? duckdb_appender_error(app) : "unknown";
      duckdb_appender_destroy(&app);
      return Status::IOError("DuckDB append to '" + table + "': " + err);
    }
  }
  if (duckdb_appender_destroy(&app) == DuckDBError) {
    return Status::IOError("DuckDB appender flush for '" + table + "' failed");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// TableAppender / ColumnWriter

struct ColumnWriter::Node {
  duckdb_vector vec = nullptr;
  duckdb_type type = DUCKDB_TYPE_INVALID;
  std::vector<Node> children;  // STRUCT fields, or the one entries vector of a LIST / MAP
  // Cached for vectors outside any list (their buffers never move while the chunk is
  // filled); null for list entries, whose buffers grow, so they are looked up per call.
  uint64_t* validity = nullptr;
  void* data = nullptr;

  uint64_t* Validity() const {
    if (validity) return validity;
    duckdb_vector_ensure_validity_writable(vec);
    return duckdb_vector_get_validity(vec);
  }
  void* Data() const { return data ? data : duckdb_vector_get_data(vec); }
};

namespace {

bool IsList(duckdb_type t) { return t == DUCKDB_TYPE_LIST || t == DUCKDB_TYPE_MAP; }

// The vector tree of one column. Child vector handles stay valid when a list's entries grow
// (DuckDB resizes the same child Vector objects), so the tree is built once per chunk.
ColumnWriter::Node BuildNode(duckdb_vector vec, bool in_list) {
  ColumnWriter::Node n;
  n.vec = vec;
  duckdb_logical_type t = duckdb_vector_get_column_type(vec);
  n.type = duckdb_get_type_id(t);
  if (!in_list) {
    duckdb_vector_ensure_validity_writable(vec);
    n.validity = duckdb_vector_get_validity(vec);
    n.data = duckdb_vector_get_data(vec);
  }
  if (n.type == DUCKDB_TYPE_STRUCT) {
    idx_t count = duckdb_struct_type_child_count(t);
    for (idx_t i = 0; i < count; ++i)
      n.children.push_back(BuildNode(duckdb_struct_vector_get_child(vec, i), in_list));
  } else if (IsList(n.type)) {
    n.children.push_back(BuildNode(duckdb_list_vector_get_child(vec), true));
  }
  duckdb_destroy_logical_type(&t);
  return n;
}

void SetNullAt(const ColumnWriter::Node& n, size_t row) {
  n.Validity()[row / 64] &= ~(uint64_t{1} << (row % 64));
  if (n.type == DUCKDB_TYPE_STRUCT) {
    for (const auto& c : n.children) SetNullAt(c, row);
  } else if (IsList(n.type)) {
    static_cast<duckdb_list_entry*>(n.Data())[row] = {duckdb_list_vector_get_size(n.vec), 0};
  }
}

template <typename T>
void SetFixed(const ColumnWriter::Node& n, size_t row, T v) {
  static_cast<T*>(n.Data())[row] = v;
}

}  // namespace

void ColumnWriter::SetNull(size_t row) const { SetNullAt(*node_, row); }

void ColumnWriter::SetString(size_t row, std::string_view v) const {
  assert(node_->type == DUCKDB_TYPE_VARCHAR);
  duckdb_vector_assign_string_element_len(node_->vec, row, v.data(), v.size());
}

void ColumnWriter::SetInt64(size_t row, int64_t v) const {
  assert(node_->type == DUCKDB_TYPE_BIGINT);
  SetFixed<int64_t>(*node_, row, v);
}

void ColumnWriter::SetInt32(size_t row, int32_t v) const {
  assert(node_->type == DUCKDB_TYPE_INTEGER);
  SetFixed<int32_t>(*node_, row, v);
}

void ColumnWriter::SetBool(size_t row, bool v) const {
  assert(node_->type == DUCKDB_TYPE_BOOLEAN);
  SetFixed<bool>(*node_, row, v);
}

ColumnWriter ColumnWriter::Field(size_t i) const {
  assert(node_->type == DUCKDB_TYPE_STRUCT && i < node_->children.size());
  return ColumnWriter(&node_->children[i]);
}

ColumnWriter ColumnWriter::Entries() const {
  assert(IsList(node_->type) && node_->children.size() == 1);
  return ColumnWriter(&node_->children[0]);
}

size_t ColumnWriter::StartList(size_t row, size_t n) const {
  assert(IsList(node_->type));
  idx_t first = duckdb_list_vector_get_size(node_->vec);
  duckdb_list_vector_reserve(node_->vec, first + n);
  duckdb_list_vector_set_size(node_->vec, first + n);
  static_cast<duckdb_list_entry*>(node_->Data())[row] = {first, n};
  return first;
}

struct TableAppender::Impl {
  std::string table;
  duckdb_appender app = nullptr;
  std::vector<duckdb_logical_type> types;
  duckdb_data_chunk chunk = nullptr;
  std::vector<ColumnWriter::Node> columns;

  ~Impl() {
    if (chunk) duckdb_destroy_data_chunk(&chunk);
    for (auto& t : types) duckdb_destroy_logical_type(&t);
    if (app) duckdb_appender_destroy(&app);
  }
  void NewChunk() {
    if (chunk) duckdb_destroy_data_chunk(&chunk);
    chunk = duckdb_create_data_chunk(types.data(), types.size());
    columns.clear();
    for (idx_t i = 0; i < types.size(); ++i)
      columns.push_back(BuildNode(duckdb_data_chunk_get_vector(chunk, i), false));
  }
  Status Error(const std::string& what) const {
    const char* e = app ? duckdb_appender_error(app) : nullptr;
    return Status::IOError("DuckDB " + what + " '" + table + "': " + (e ? e : "unknown error"));
  }
};

TableAppender::~TableAppender() = default;
size_t TableAppender::capacity() const { return duckdb_vector_size(); }
size_t TableAppender::column_count() const { return impl_->columns.size(); }
ColumnWriter TableAppender::Column(size_t i) const { return ColumnWriter(&impl_->columns.at(i)); }

Status TableAppender::FlushChunk(size_t rows) {
  if (rows > capacity())
    return Status::InvalidArgument("chunk holds at most " + std::to_string(capacity()) + " rows");
  if (rows > 0) {
    duckdb_data_chunk_set_size(impl_->chunk, rows);
    if (duckdb_append_data_chunk(impl_->app, impl_->chunk) == DuckDBError)
      return impl_->Error("append to");
  }
  impl_->NewChunk();
  return Status::OK();
}

Status TableAppender::Close() {
  if (!impl_->app) return Status::OK();
  Status st = duckdb_appender_close(impl_->app) == DuckDBError ? impl_->Error("appender flush for")
                                                               : Status::OK();
  duckdb_appender_destroy(&impl_->app);
  impl_->app = nullptr;
  return st;
}

Result<std::unique_ptr<TableAppender>> Connection::OpenAppender(const std::string& table) {
  std::unique_ptr<TableAppender> a(new TableAppender());
  a->impl_ = std::make_unique<TableAppender::Impl>();
  auto& im = *a->impl_;
  im.table = table;
  if (duckdb_appender_create(impl_->conn, nullptr, table.c_str(), &im.app) == DuckDBError) {
    Status st = im.Error("appender for");
    duckdb_appender_destroy(&im.app);
    im.app = nullptr;
    return st;
  }
  idx_t n = duckdb_appender_column_count(im.app);
  for (idx_t i = 0; i < n; ++i) im.types.push_back(duckdb_appender_column_type(im.app, i));
  im.NewChunk();
  return a;
}

// ---------------------------------------------------------------------------------------------
// Database

struct Database::Impl {
  duckdb_database db = nullptr;
  ~Impl() {
    if (db) duckdb_close(&db);
  }
};

Database::~Database() = default;

Result<std::shared_ptr<Database>> Database::Open() {
  std::shared_ptr<Database> d(new Database());
  d->impl_ = std::make_unique<Impl>();
  duckdb_config config;
  if (duckdb_create_config(&config) == DuckDBError) return Status::Internal("DuckDB config");
  // Extensions are built in; never try to download one at run time.
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "true");
  char* err = nullptr;
  if (duckdb_open_ext(nullptr, &d->impl_->db, config, &err) == DuckDBError) {
    std::string msg = err ? err : "unknown error";
    if (err) duckdb_free(err);
    duckdb_destroy_config(&config);
    return Status::Internal("cannot open DuckDB: " + msg);
  }
  duckdb_destroy_config(&config);
  // Delta timestamps are UTC instants; render and convert them in UTC, not the host's zone.
  // (A config option cannot set this: ICU, which owns the setting, loads after the config.)
  duckdb_connection c;
  if (duckdb_connect(d->impl_->db, &c) == DuckDBError) return Status::Internal("DuckDB connect");
  duckdb_result res;
  bool ok = duckdb_query(c, "SET GLOBAL TimeZone = 'UTC'", &res) != DuckDBError;
  std::string tz_err = ok ? "" : (duckdb_result_error(&res) ? duckdb_result_error(&res) : "");
  duckdb_destroy_result(&res);
  duckdb_disconnect(&c);
  if (!ok) return Status::Internal("cannot set DuckDB time zone to UTC: " + tz_err);
  return d;
}

Result<std::unique_ptr<Connection>> Database::Connect() {
  std::unique_ptr<Connection> c(new Connection());
  c->impl_ = std::make_unique<Connection::Impl>();
  if (duckdb_connect(impl_->db, &c->impl_->conn) == DuckDBError) {
    return Status::Internal("cannot connect to DuckDB");
  }
  return c;
}

Result<std::shared_ptr<Database>> SharedDatabase() {
  static std::mutex mu;
  static std::shared_ptr<Database> db;
  std::lock_guard<std::mutex> lock(mu);
  if (!db) {
    LAKE_ASSIGN_OR_RETURN(db, Database::Open());
  }
  return db;
}

namespace {
// `s` between `q`s, each `q` inside doubled (SQL string literals and quoted identifiers).
std::string QuoteWith(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    out.push_back(c);
    if (c == q) out.push_back(q);
  }
  out.push_back(q);
  return out;
}
}  // namespace

std::string QuoteString(std::string_view s) { return QuoteWith(s, '\''); }

std::string QuoteIdent(std::string_view s) { return QuoteWith(s, '"'); }

}  // namespace lake::engine
