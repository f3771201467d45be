#include "log/checkpoint_writer.h"

#include "log/log_cleanup.h"
#include "util/percent_encoding.h"
#include "util/temp_file.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "engine/duckdb_engine.h"
#include "log/log_segment.h"
#include "log/retention.h"
#include "util/json_writer.h"
#include "util/system.h"

namespace lake {
namespace {

namespace sj = simdjson::ondemand;

// The checkpoint's column types, in Spark's field order (Delta 4.0 checkpoints as found in
// the conformance tables). DuckDB writes MAP as the 3-level key_value group and LIST as the
// 3-level list/element group, like parquet-mr.
constexpr const char* kDvType =
    "STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, "
    "sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)";
constexpr const char* kMapType = "MAP(VARCHAR, VARCHAR)";

std::string AddType(bool with_stats) {
  return std::string("STRUCT(path VARCHAR, partitionValues ") + kMapType +
         ", size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, tags " + kMapType +
         ", deletionVector " + kDvType +
         ", baseRowId BIGINT, defaultRowCommitVersion BIGINT, clusteringProvider VARCHAR" +
         (with_stats ? ", stats VARCHAR" : "") + ")";
}

std::string RemoveType() {
  return std::string(
             "STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
             "extendedFileMetadata BOOLEAN, partitionValues ") +
         kMapType + ", size BIGINT, deletionVector " + kDvType +
         ", baseRowId BIGINT, defaultRowCommitVersion BIGINT)";
}

std::string MetadataType() {
  return std::string(
             "STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider "
             "VARCHAR, options ") +
         kMapType + "), schemaString VARCHAR, partitionColumns VARCHAR[], configuration " +
         kMapType + ", createdTime BIGINT)";
}

constexpr const char* kTxnType = "STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)";
constexpr const char* kProtocolType =
    "STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], "
    "writerFeatures VARCHAR[])";
constexpr const char* kDomainType =
    "STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)";
constexpr const char* kCheckpointMetadataType =
    "STRUCT(version BIGINT, tags MAP(VARCHAR, VARCHAR))";

Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool HasWriterFeature(const Protocol& p, const std::string& f) {
  return p.writer_features && std::find(p.writer_features->begin(), p.writer_features->end(), f) !=
                                  p.writer_features->end();
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status Canon(sj::value v, const std::string& path,
             std::vector<std::pair<std::string, std::string>>* out, bool top) {
  auto bad = [] { return Status::Corruption("malformed JSON in checksum canonicalization"); };
  sj::json_type t;
  if (v.type().get(t)) return bad();
  switch (t) {
    case sj::json_type::object: {
      sj::object obj;
      if (v.get_object().get(obj)) return bad();
      std::vector<std::string> seen;
      for (auto fr : obj) {
        sj::field f;
        if (std::move(fr).get(f)) return bad();
        std::string_view key;
        if (f.unescaped_key().get(key)) return bad();
        if (top && key == "checksum") continue;
        std::string k(key);
        if (std::find(seen.begin(), seen.end(), k) != seen.end())
          return Status::Corruption("duplicate key '" + k + "' in JSON");
        seen.push_back(k);
        std::string seg = "\"" + PercentEncode(k) + "\"";
        LAKE_RETURN_IF_ERROR(Canon(f.value(), path.empty() ? seg : path + "+" + seg, out, false));
      }
      return Status::OK();
    }
    case sj::json_type::array: {
      sj::array arr;
      if (v.get_array().get(arr)) return bad();
      size_t i = 0;
      for (auto er : arr) {
        sj::value e;
        if (std::move(er).get(e)) return bad();
        std::string seg = std::to_string(i++);
        LAKE_RETURN_IF_ERROR(Canon(e, path.empty() ? seg : path + "+" + seg, out, false));
      }
      return Status::OK();
    }
    case sj::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return bad();
      out->emplace_back(path, "\"" + PercentEncode(s) + "\"");
      return Status::OK();
    }
    default:
      out->emplace_back(path, std::string(TrimWs(v.raw_json_token())));
      return Status::OK();
  }
}

// Filling the checkpoint's columns (types above; field indexes in their declaration order).
using engine::ColumnWriter;

enum CheckpointColumn : size_t {
  kTxnCol,
  kAddCol,
  kRemoveCol,
  kMetaDataCol,
  kProtocolCol,
  kDomainCol,
  kCheckpointMetadataCol,  // v2Checkpoint tables only
};

void SetOptInt64(ColumnWriter c, size_t row, const std::optional<int64_t>& v) {
  if (v) {
    c.SetInt64(row, *v);
  } else {
    c.SetNull(row);
  }
}

void SetOptString(ColumnWriter c, size_t row, const std::optional<std::string>& v) {
  if (v) {
    c.SetString(row, *v);
  } else {
    c.SetNull(row);
  }
}

void SetNonEmptyString(ColumnWriter c, size_t row, const std::string& v) {
  if (v.empty()) {
    c.SetNull(row);
  } else {
    c.SetString(row, v);
  }
}

void PutStrings(ColumnWriter c, size_t row, const std::vector<std::string>& v) {
  size_t i = c.StartList(row, v.size());
  for (const std::string& s : v) c.Entries().SetString(i++, s);
}

void PutMap(ColumnWriter c, size_t row, const PartitionValues& pv) {
  size_t i = c.StartList(row, pv.size());
  ColumnWriter keys = c.Entries().Field(0), values = c.Entries().Field(1);
  for (const auto& kv : pv) {
    keys.SetString(i, kv.first);
    SetOptString(values, i++, kv.second);
  }
}

void PutMap(ColumnWriter c, size_t row, const std::map<std::string, std::string>& m) {
  size_t i = c.StartList(row, m.size());
  ColumnWriter keys = c.Entries().Field(0), values = c.Entries().Field(1);
  for (const auto& kv : m) {
    keys.SetString(i, kv.first);
    values.SetString(i++, kv.second);
  }
}

// tags kept as JSON object text: a MAP of its members (string values unescaped, null as NULL,
// anything else as its JSON text); NULL when absent or not an object, as commits write it.
Status PutJsonObjectMap(ColumnWriter c, size_t row, const std::string& json) {
  std::string_view t = TrimWs(json);
  if (t.empty() || t.front() != '{') {
    c.SetNull(row);
    return Status::OK();
  }
  auto bad = [&] { return Status::Corruption("malformed tags JSON: " + json); };
  simdjson::padded_string padded(t);
  sj::parser parser;
  sj::document doc;
  sj::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return bad();
  std::vector<std::pair<std::string, std::optional<std::string>>> members;
  for (auto fr : obj) {
    sj::field f;
    std::string_view key;
    if (std::move(fr).get(f) || f.unescaped_key().get(key)) return bad();
    sj::value v = f.value();
    sj::json_type type;
    if (v.type().get(type)) return bad();
    std::optional<std::string> value;
    if (type == sj::json_type::string) {
      std::string_view sv;
      if (v.get_string().get(sv)) return bad();
      value = std::string(sv);
    } else if (type != sj::json_type::null) {
      std::string_view raw;  // a number, bool, object or array: its JSON text
      if (simdjson::to_json_string(v).get(raw)) return bad();
      value = std::string(TrimWs(raw));
    }
    members.emplace_back(std::string(key), std::move(value));
  }
  PutMap(c, row, PartitionValues(std::move(members)));
  return Status::OK();
}

void PutDeletionVector(ColumnWriter c, size_t row,
                       const HeapOptional<DeletionVectorDescriptor>& dv) {
  if (!dv) {
    c.SetNull(row);
    return;
  }
  c.Field(0).SetString(row, dv->storage_type);
  c.Field(1).SetString(row, dv->path_or_inline_dv);
  if (dv->offset) {
    c.Field(2).SetInt32(row, *dv->offset);
  } else {
    c.Field(2).SetNull(row);
  }
  c.Field(3).SetInt32(row, dv->size_in_bytes);
  c.Field(4).SetInt64(row, dv->cardinality);
  c.Field(5).SetNull(row);  // maxRowIndex: not kept (optional)
}

Status PutAdd(ColumnWriter c, size_t row, const AddFile& a, bool with_stats) {
  c.Field(0).SetString(row, a.path);
  PutMap(c.Field(1), row, a.partition_values);
  c.Field(2).SetInt64(row, a.size);
  c.Field(3).SetInt64(row, a.modification_time);
  c.Field(4).SetBool(row, a.data_change);
  LAKE_RETURN_IF_ERROR(PutJsonObjectMap(c.Field(5), row, a.tags()));
  PutDeletionVector(c.Field(6), row, a.deletion_vector);
  SetOptInt64(c.Field(7), row, a.base_row_id);
  SetOptInt64(c.Field(8), row, a.default_row_commit_version());
  SetNonEmptyString(c.Field(9), row, a.clustering_provider());
  if (with_stats) SetNonEmptyString(c.Field(10), row, a.stats);
  return Status::OK();
}

// As a commit's remove, less stats and tags (not checkpoint columns).
void PutRemove(ColumnWriter c, size_t row, const RemoveFile& r) {
  c.Field(0).SetString(row, r.path);
  SetOptInt64(c.Field(1), row, r.deletion_timestamp);
  c.Field(2).SetBool(row, r.data_change);
  c.Field(3).SetBool(row, r.extended_file_metadata);
  if (r.extended_file_metadata || !r.partition_values.empty()) {
    PutMap(c.Field(4), row, r.partition_values);
  } else {
    c.Field(4).SetNull(row);
  }
  SetOptInt64(c.Field(5), row, r.size);
  PutDeletionVector(c.Field(6), row, r.deletion_vector);
  SetOptInt64(c.Field(7), row, r.base_row_id);
  SetOptInt64(c.Field(8), row, r.default_row_commit_version);
}

void PutMetadata(ColumnWriter c, size_t row, const Metadata& m) {
  c.Field(0).SetString(row, m.id);
  SetOptString(c.Field(1), row, m.name);
  SetOptString(c.Field(2), row, m.description);
  c.Field(3).Field(0).SetString(row, m.format.provider);
  PutMap(c.Field(3).Field(1), row, m.format.options);
  c.Field(4).SetString(row, m.schema_string);
  PutStrings(c.Field(5), row, m.partition_columns);
  PutMap(c.Field(6), row, m.configuration);
  SetOptInt64(c.Field(7), row, m.created_time);
}

void PutProtocol(ColumnWriter c, size_t row, const Protocol& p) {
  c.Field(0).SetInt32(row, p.min_reader_version);
  c.Field(1).SetInt32(row, p.min_writer_version);
  for (size_t i : {size_t{2}, size_t{3}}) {
    const auto& features = i == 2 ? p.reader_features : p.writer_features;
    if (features) {
      PutStrings(c.Field(i), row, *features);
    } else {
      c.Field(i).SetNull(row);
    }
  }
}

// Rows into the appender, a chunk at a time; every other top-level column of a row is NULL.
class RowSink {
 public:
  explicit RowSink(engine::TableAppender& app) : app_(app) {}
  template <typename Fill>
  Status Row(size_t column, Fill&& fill) {
    for (size_t c = 0; c < app_.column_count(); ++c)
      if (c != column) app_.Column(c).SetNull(row_);
    LAKE_RETURN_IF_ERROR(fill(app_.Column(column), row_));
    ++rows_;
    if (++row_ == app_.capacity()) {
      LAKE_RETURN_IF_ERROR(app_.FlushChunk(row_));
      row_ = 0;
    }
    return Status::OK();
  }
  int64_t rows() const { return rows_; }  // rows added so far
  Status Finish() {
    LAKE_RETURN_IF_ERROR(app_.FlushChunk(row_));
    row_ = 0;
    return app_.Close();
  }

 private:
  engine::TableAppender& app_;
  size_t row_ = 0;  // in the chunk being filled
  int64_t rows_ = 0;
};

}  // namespace

Result<std::string> CanonicalizeJsonForChecksum(std::string_view json) {
  simdjson::padded_string padded(json);
  sj::parser parser;
  sj::document doc;
  if (parser.iterate(padded).get(doc)) return Status::Corruption("malformed JSON");
  sj::value root;
  if (doc.get_value().get(root)) return Status::Corruption("malformed JSON");
  std::vector<std::pair<std::string, std::string>> pairs;
  LAKE_RETURN_IF_ERROR(Canon(root, "", &pairs, true));
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) out += ",";
    out += pairs[i].first + "=" + pairs[i].second;
  }
  return out;
}

Result<std::string> JsonChecksum(std::string_view json) {
  LAKE_ASSIGN_OR_RETURN(std::string canon, CanonicalizeJsonForChecksum(json));
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  LAKE_ASSIGN_OR_RETURN(auto r, conn->Query("SELECT md5(" + engine::QuoteString(canon) + ")"));
  if (r.row_count() != 1) return Status::Internal("md5 returned no row");
  return std::string(r.GetString(0, 0));
}

Result<std::string> LastCheckpointJson(const CheckpointInfo& info) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version").Int(info.version);
  w.Key("size").Int(info.num_actions);
  w.Key("sizeInBytes").Int(info.size_in_bytes);
  w.Key("numOfAddFiles").Int(info.num_add_files);
  w.EndObject();
  std::string body = w.Take();
  LAKE_ASSIGN_OR_RETURN(std::string sum, JsonChecksum(body));
  body.pop_back();  // '}'
  body += ",\"checksum\":\"" + sum + "\"}";
  return body;
}

int64_t CheckpointInterval(const Metadata& metadata) {
  auto it = metadata.configuration.find("delta.checkpointInterval");
  if (it == metadata.configuration.end()) return 10;
  try {
    size_t used = 0;
    long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v > 0) return v;
  } catch (...) {
  }
  return 10;
}

bool ShouldCheckpoint(int64_t version, int64_t interval) {
  return version > 0 && interval > 0 && version % interval == 0;
}

Result<CheckpointInfo> WriteCheckpoint(const Snapshot& snap, const CheckpointOptions& options) {
  const int64_t now = options.now_ms.value_or(NowMs());
  const Metadata& md = snap.metadata();
  CheckpointInfo info;
  info.version = snap.version();
  info.key = std::string(log::kLogDir) + log::PadVersion(snap.version()) + ".checkpoint.parquet";
  const std::string what =
      "checkpoint of " + snap.table_uri() + " at version " + std::to_string(snap.version());

  auto conf = [&](const char* k) -> std::string {
    auto it = md.configuration.find(k);
    return it == md.configuration.end() ? "" : it->second;
  };
  // PROTOCOL.md "Checkpoints": stats as JSON unless delta.checkpoint.writeStatsAsJson=false.
  const bool json_stats = conf("delta.checkpoint.writeStatsAsJson") != "false";
  const bool v2 = HasWriterFeature(snap.protocol(), "v2Checkpoint");
  const int64_t tombstone_cutoff = now - log::DeletedFileRetentionMs(md);
  const std::optional<int64_t> txn_retention = log::SetTransactionRetentionMs(md);

  // 1. The actions, typed, into a temp table: one row per action, one non-null top-level
  //    column (the action's kind) per row.
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  std::string create =
      "CREATE TEMP TABLE lake_checkpoint_rows (txn " + std::string(kTxnType) + ", \"add\" " +
      AddType(json_stats) + ", remove " + RemoveType() + ", metaData " + MetadataType() +
      ", protocol " + kProtocolType + ", domainMetadata " + kDomainType +
      (v2 ? std::string(", checkpointMetadata ") + kCheckpointMetadataType : "") + ")";
  LAKE_RETURN_IF_ERROR(conn->Execute(create).WithContext("cannot write " + what));
  {
    LAKE_ASSIGN_OR_RETURN(auto app, conn->OpenAppender("lake_checkpoint_rows"));
    RowSink sink(*app);
    if (v2) {
      LAKE_RETURN_IF_ERROR(sink.Row(kCheckpointMetadataCol, [&](ColumnWriter c, size_t r) {
        c.Field(0).SetInt64(r, snap.version());
        c.Field(1).StartList(r, 0);  // tags: {}
        return Status::OK();
      }));
    }
    LAKE_RETURN_IF_ERROR(sink.Row(kProtocolCol, [&](ColumnWriter c, size_t r) {
      PutProtocol(c, r, snap.protocol());
      return Status::OK();
    }));
    LAKE_RETURN_IF_ERROR(sink.Row(kMetaDataCol, [&](ColumnWriter c, size_t r) {
      PutMetadata(c, r, md);
      return Status::OK();
    }));
    for (const auto& entry : snap.app_transactions()) {
      const Txn& t = entry.second;  // a named reference: clang 14 cannot capture bindings
      if (txn_retention && t.last_updated && *t.last_updated < now - *txn_retention) continue;
      LAKE_RETURN_IF_ERROR(sink.Row(kTxnCol, [&](ColumnWriter c, size_t r) {
        c.Field(0).SetString(r, t.app_id);
        c.Field(1).SetInt64(r, t.version);
        SetOptInt64(c.Field(2), r, t.last_updated);
        return Status::OK();
      }));
      ++info.num_txns;
    }
    for (const auto& entry : snap.domain_metadata()) {
      const DomainMetadata& d = entry.second;
      if (d.removed) continue;
      LAKE_RETURN_IF_ERROR(sink.Row(kDomainCol, [&](ColumnWriter c, size_t r) {
        c.Field(0).SetString(r, d.domain);
        c.Field(1).SetString(r, d.configuration);
        c.Field(2).SetBool(r, d.removed);
        return Status::OK();
      }));
      ++info.num_domains;
    }
    for (const AddFile& f : snap.files()) {
      LAKE_RETURN_IF_ERROR(
          sink.Row(kAddCol, [&](ColumnWriter c, size_t r) { return PutAdd(c, r, f, json_stats); }));
      ++info.num_add_files;
    }
    // Tombstones expire deletedFileRetentionDuration after their deletion (Spark: a missing
    // deletionTimestamp counts as 0, i.e. expired).
    for (const RemoveFile& rm : snap.tombstones()) {
      if (rm.deletion_timestamp.value_or(0) <= tombstone_cutoff) {
        ++info.num_expired_tombstones;
        continue;
      }
      LAKE_RETURN_IF_ERROR(sink.Row(kRemoveCol, [&](ColumnWriter c, size_t r) {
        PutRemove(c, r, rm);
        return Status::OK();
      }));
      ++info.num_tombstones;
    }
    LAKE_RETURN_IF_ERROR(sink.Finish().WithContext("cannot write " + what));
    info.num_actions = sink.rows();
  }

  // 2. The rows -> Parquet, in Spark's column order.
  LAKE_ASSIGN_OR_RETURN(TempFile parquet, TempFile::Create("lake-ckpt-", ".parquet"));
  std::string sql = "COPY lake_checkpoint_rows TO " + engine::QuoteString(parquet.path()) +
                    " (FORMAT parquet, COMPRESSION snappy)";
  auto copied = conn->Query(sql);
  (void)conn->Execute("DROP TABLE lake_checkpoint_rows");
  if (!copied.ok())
    return Status::Internal("cannot write " + what + ": " + copied.status().message());
  if (copied->row_count() == 1 && copied->GetInt64(0, 0) != info.num_actions) {
    return Status::Internal("cannot write " + what + ": wrote " +
                            std::to_string(copied->GetInt64(0, 0)) + " of " +
                            std::to_string(info.num_actions) + " actions");
  }

  // 3. Upload atomically, then the hint.
  LAKE_ASSIGN_OR_RETURN(std::string bytes, ReadLocalFile(parquet.path()));
  info.size_in_bytes = static_cast<int64_t>(bytes.size());
  LAKE_RETURN_IF_ERROR(snap.store().Put(info.key, bytes).WithContext("cannot write " + what));
  if (options.write_last_checkpoint) {
    std::optional<int64_t> hint = log::ReadLastCheckpointHint(snap.store());
    if (!hint || *hint <= info.version) {
      LAKE_ASSIGN_OR_RETURN(std::string last, LastCheckpointJson(info));
      LAKE_RETURN_IF_ERROR(snap.store()
                               .Put(std::string(log::kLogDir) + "_last_checkpoint", last)
                               .WithContext("cannot write _last_checkpoint"));
    }
  }
  return info;
}

Status WriteCheckpointIfDue(const std::shared_ptr<Table>& table, int64_t committed_version,
                            std::shared_ptr<const Snapshot> snapshot) noexcept {
  try {
    if (!table) return Status::InvalidArgument("no table");
    if (committed_version <= 0) return Status::OK();
    if (snapshot && snapshot->version() != committed_version) snapshot = nullptr;
    if (!snapshot) {
      auto snap = table->SnapshotAtVersion(committed_version);
      if (!snap.ok()) return snap.status().WithContext("checkpoint not written");
      snapshot = *snap;
    }
    if (!ShouldCheckpoint(committed_version, CheckpointInterval(snapshot->metadata()))) {
      return Status::OK();
    }
    std::string key =
        std::string(log::kLogDir) + log::PadVersion(committed_version) + ".checkpoint.parquet";
    if (table->store()->Head(key).ok()) return Status::OK();  // already checkpointed
    auto info = WriteCheckpoint(*snapshot);
    if (!info.ok()) return info.status().WithContext("checkpoint not written");
    // As Spark: a new checkpoint is when expired log files can go (PROTOCOL.md "Metadata
    // Cleanup"; delta.logRetentionDuration, off with delta.enableExpiredLogCleanup=false).
    auto cleaned = CleanupExpiredLogs(table, NowMs());
    if (!cleaned.ok()) return cleaned.status().WithContext("expired log cleanup failed");
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("checkpoint not written: ") + e.what());
  } catch (...) {
    return Status::Internal("checkpoint not written: unknown error");
  }
}

}  // namespace lake
