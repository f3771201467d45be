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
#include "log/action_json.h"
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

  // 1. The actions as JSON lines, one top-level key (the column) per line.
  LAKE_ASSIGN_OR_RETURN(TempFile rows, TempFile::Create("lake-ckpt-", ".json"));
  {
    std::ofstream out(rows.path(), std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write temp file " + rows.path());
    auto line = [&](const char* column, auto&& body) {
      JsonWriter w;
      w.BeginObject().Key(column);
      body(w);
      w.EndObject();
      out << w.str() << '\n';
      ++info.num_actions;
    };
    if (v2) {
      line("checkpointMetadata", [&](JsonWriter& w) {
        w.BeginObject().Key("version").Int(snap.version()).Key("tags").BeginObject().EndObject();
        w.EndObject();
      });
    }
    line("protocol", [&](JsonWriter& w) { log::WriteProtocolJson(w, snap.protocol()); });
    line("metaData", [&](JsonWriter& w) { log::WriteMetadataJson(w, md); });
    for (const auto& entry : snap.app_transactions()) {
      const Txn& t = entry.second;  // a named reference: clang 14 cannot capture bindings
      if (txn_retention && t.last_updated && *t.last_updated < now - *txn_retention) continue;
      line("txn", [&](JsonWriter& w) { log::WriteTxnJson(w, t); });
      ++info.num_txns;
    }
    for (const auto& entry : snap.domain_metadata()) {
      const DomainMetadata& d = entry.second;
      if (d.removed) continue;
      line("domainMetadata", [&](JsonWriter& w) { log::WriteDomainMetadataJson(w, d); });
      ++info.num_domains;
    }
    for (const AddFile& f : snap.files()) {
      line("add", [&](JsonWriter& w) { log::WriteAddJson(w, f, json_stats); });
      ++info.num_add_files;
    }
    // Tombstones expire deletedFileRetentionDuration after their deletion (Spark: a missing
    // deletionTimestamp counts as 0, i.e. expired).
    for (const RemoveFile& r : snap.tombstones()) {
      if (r.deletion_timestamp.value_or(0) <= tombstone_cutoff) {
        ++info.num_expired_tombstones;
        continue;
      }
      line("remove", [&](JsonWriter& w) { log::WriteRemoveJson(w, r, /*checkpoint=*/true); });
      ++info.num_tombstones;
    }
    out.flush();
    if (!out) return Status::IOError("cannot write temp file " + rows.path());
  }

  // 2. JSON lines -> Parquet with the explicit checkpoint schema.
  LAKE_ASSIGN_OR_RETURN(TempFile parquet, TempFile::Create("lake-ckpt-", ".parquet"));
  std::string columns =
      "{txn: '" + std::string(kTxnType) + "', \"add\": '" + AddType(json_stats) + "', remove: '" +
      RemoveType() + "', metaData: '" + MetadataType() + "', protocol: '" + kProtocolType +
      "', domainMetadata: '" + kDomainType + "'" +
      (v2 ? std::string(", checkpointMetadata: '") + kCheckpointMetadataType + "'" : "") + "}";
  std::string select = "txn, \"add\", remove, metaData, protocol, domainMetadata";
  if (v2) select += ", checkpointMetadata";
  std::string sql =
      "COPY (SELECT " + select + " FROM read_json(" + engine::QuoteString(rows.path()) +
      ", format='newline_delimited', maximum_object_size=1073741824, columns=" + columns +
      ")) TO " + engine::QuoteString(parquet.path()) + " (FORMAT parquet, COMPRESSION snappy)";
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  auto copied = conn->Query(sql);
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
