#include "txn/commit_writer.h"

#include <simdjson.h>

#include <random>
#include <variant>

#include "log/log_segment.h"
#include "util/json_writer.h"

namespace lake::txn {
namespace {

void WritePartitionValues(JsonWriter& w, const PartitionValues& pv) {
  w.BeginObject();
  for (const auto& [k, v] : pv) {
    w.Key(k);
    if (v) {
      w.String(*v);
    } else {
      w.Null();
    }
  }
  w.EndObject();
}

void WriteStringMap(JsonWriter& w, const std::map<std::string, std::string>& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) w.Key(k).String(v);
  w.EndObject();
}

void WriteDv(JsonWriter& w, const DeletionVectorDescriptor& dv) {
  w.BeginObject();
  w.Key("storageType").String(dv.storage_type);
  w.Key("pathOrInlineDv").String(dv.path_or_inline_dv);
  if (dv.offset) w.Key("offset").Int(*dv.offset);
  w.Key("sizeInBytes").Int(dv.size_in_bytes);
  w.Key("cardinality").Int(dv.cardinality);
  w.EndObject();
}

void WriteAdd(JsonWriter& w, const AddFile& a) {
  w.Key("add").BeginObject();
  w.Key("path").String(a.path);
  w.Key("partitionValues");
  WritePartitionValues(w, a.partition_values);
  w.Key("size").Int(a.size);
  w.Key("modificationTime").Int(a.modification_time);
  w.Key("dataChange").Bool(a.data_change);
  if (!a.stats.empty()) w.Key("stats").String(a.stats);  // a JSON document in a string
  if (!a.tags().empty()) w.Key("tags").Raw(a.tags());
  if (a.deletion_vector) {
    w.Key("deletionVector");
    WriteDv(w, *a.deletion_vector);
  }
  if (a.base_row_id) w.Key("baseRowId").Int(*a.base_row_id);
  if (a.default_row_commit_version())
    w.Key("defaultRowCommitVersion").Int(*a.default_row_commit_version());
  if (!a.clustering_provider().empty()) {
    w.Key("clusteringProvider").String(a.clustering_provider());
  }
  w.EndObject();
}

void WriteRemove(JsonWriter& w, const RemoveFile& r) {
  w.Key("remove").BeginObject();
  w.Key("path").String(r.path);
  if (r.deletion_timestamp) w.Key("deletionTimestamp").Int(*r.deletion_timestamp);
  w.Key("dataChange").Bool(r.data_change);
  w.Key("extendedFileMetadata").Bool(r.extended_file_metadata);
  if (r.extended_file_metadata || !r.partition_values.empty()) {
    w.Key("partitionValues");
    WritePartitionValues(w, r.partition_values);
  }
  if (r.size) w.Key("size").Int(*r.size);
  if (!r.stats.empty()) w.Key("stats").String(r.stats);
  if (!r.tags.empty()) w.Key("tags").Raw(r.tags);
  if (r.deletion_vector) {
    w.Key("deletionVector");
    WriteDv(w, *r.deletion_vector);
  }
  if (r.base_row_id) w.Key("baseRowId").Int(*r.base_row_id);
  if (r.default_row_commit_version)
    w.Key("defaultRowCommitVersion").Int(*r.default_row_commit_version);
  w.EndObject();
}

void WriteCdc(JsonWriter& w, const AddCdcFile& c) {
  w.Key("cdc").BeginObject();
  w.Key("path").String(c.path);
  w.Key("partitionValues");
  WritePartitionValues(w, c.partition_values);
  w.Key("size").Int(c.size);
  w.Key("dataChange").Bool(c.data_change);
  if (!c.tags.empty()) w.Key("tags").Raw(c.tags);
  w.EndObject();
}

void WriteMetadata(JsonWriter& w, const Metadata& m) {
  w.Key("metaData").BeginObject();
  w.Key("id").String(m.id);
  if (m.name) w.Key("name").String(*m.name);
  if (m.description) w.Key("description").String(*m.description);
  w.Key("format").BeginObject().Key("provider").String(m.format.provider).Key("options");
  WriteStringMap(w, m.format.options);
  w.EndObject();
  w.Key("schemaString").String(m.schema_string);
  w.Key("partitionColumns").BeginArray();
  for (const auto& c : m.partition_columns) w.String(c);
  w.EndArray();
  w.Key("configuration");
  WriteStringMap(w, m.configuration);
  if (m.created_time) w.Key("createdTime").Int(*m.created_time);
  w.EndObject();
}

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& v) {
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

void WriteProtocol(JsonWriter& w, const Protocol& p) {
  w.Key("protocol").BeginObject();
  w.Key("minReaderVersion").Int(p.min_reader_version);
  w.Key("minWriterVersion").Int(p.min_writer_version);
  if (p.reader_features) {
    w.Key("readerFeatures");
    WriteStringArray(w, *p.reader_features);
  }
  if (p.writer_features) {
    w.Key("writerFeatures");
    WriteStringArray(w, *p.writer_features);
  }
  w.EndObject();
}

void WriteTxn(JsonWriter& w, const Txn& t) {
  w.Key("txn").BeginObject();
  w.Key("appId").String(t.app_id);
  w.Key("version").Int(t.version);
  if (t.last_updated) w.Key("lastUpdated").Int(*t.last_updated);
  w.EndObject();
}

void WriteDomainMetadata(JsonWriter& w, const DomainMetadata& d) {
  w.Key("domainMetadata").BeginObject();
  w.Key("domain").String(d.domain);
  w.Key("configuration").String(d.configuration);
  w.Key("removed").Bool(d.removed);
  w.EndObject();
}

bool IsUriChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    // RFC 2396 unreserved marks, plus the reserved characters legal in a path segment.
    case '-': case '_': case '.': case '!': case '~': case '*': case '\'': case '(': case ')':
    case '/': case ':': case '@': case '&': case '=': case '+': case '$': case ',':
      return true;
    default:
      return false;
  }
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string EncodePath(std::string_view raw) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (IsUriChar(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool IsEncodedPath(std::string_view path) {
  if (path.empty()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      if (i + 2 >= path.size()) return false;
      if (!IsHex(path[i + 1]) || !IsHex(path[i + 2])) return false;
      i += 2;
      continue;
    }
    // '#' and '?' would start a fragment/query; absolute URIs ("s3://b/k") pass as URI chars.
    if (!IsUriChar(c)) return false;
  }
  return true;
}

Result<std::string> StringifyObjectValues(std::string_view json_object) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json_object.data(), json_object.size()).get(doc) || !doc.is_object()) {
    return Status::InvalidArgument("not a JSON object: " + std::string(json_object));
  }
  JsonWriter w;
  w.BeginObject();
  simdjson::dom::object obj = doc.get_object().value_unsafe();
  for (auto [key, value] : obj) {
    w.Key(key);
    if (value.is_string()) {
      w.String(value.get_string().value_unsafe());
    } else {
      w.String(simdjson::minify(value));
    }
  }
  w.EndObject();
  return w.Take();
}

Result<std::string> SerializeCommitInfo(const CommitInfoFields& ci) {
  LAKE_ASSIGN_OR_RETURN(std::string params, StringifyObjectValues(ci.operation_parameters));
  LAKE_ASSIGN_OR_RETURN(std::string metrics, StringifyObjectValues(ci.operation_metrics));
  JsonWriter w;
  w.BeginObject().Key("commitInfo").BeginObject();
  if (ci.in_commit_timestamp) w.Key("inCommitTimestamp").Int(*ci.in_commit_timestamp);
  w.Key("timestamp").Int(ci.timestamp);
  w.Key("operation").String(ci.operation);
  w.Key("operationParameters").Raw(params);
  if (ci.read_version) w.Key("readVersion").Int(*ci.read_version);
  if (!ci.isolation_level.empty()) w.Key("isolationLevel").String(ci.isolation_level);
  w.Key("isBlindAppend").Bool(ci.is_blind_append);
  w.Key("operationMetrics").Raw(metrics);
  if (!ci.user_metadata.empty()) w.Key("userMetadata").String(ci.user_metadata);
  w.Key("engineInfo").String(ci.engine_info);
  w.Key("txnId").String(ci.txn_id);
  w.EndObject().EndObject();
  return w.Take();
}

std::string SerializeAction(const Action& action) {
  if (const auto* ci = std::get_if<CommitInfo>(&action)) {
    return "{\"commitInfo\":" + ci->json + "}";
  }
  JsonWriter w;
  w.BeginObject();
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, AddFile>) WriteAdd(w, a);
        else if constexpr (std::is_same_v<T, RemoveFile>) WriteRemove(w, a);
        else if constexpr (std::is_same_v<T, AddCdcFile>) WriteCdc(w, a);
        else if constexpr (std::is_same_v<T, Metadata>) WriteMetadata(w, a);
        else if constexpr (std::is_same_v<T, Protocol>) WriteProtocol(w, a);
        else if constexpr (std::is_same_v<T, Txn>) WriteTxn(w, a);
        else if constexpr (std::is_same_v<T, DomainMetadata>) WriteDomainMetadata(w, a);
        else if constexpr (std::is_same_v<T, CheckpointMetadata>) {
          w.Key("checkpointMetadata").BeginObject().Key("version").Int(a.version);
          if (!a.tags.empty()) w.Key("tags").Raw(a.tags);
          w.EndObject();
        } else if constexpr (std::is_same_v<T, Sidecar>) {
          w.Key("sidecar").BeginObject().Key("path").String(a.path);
          w.Key("sizeInBytes").Int(a.size_in_bytes).Key("modificationTime").Int(a.modification_time);
          if (!a.tags.empty()) w.Key("tags").Raw(a.tags);
          w.EndObject();
        }
      },
      action);
  w.EndObject();
  return w.Take();
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string CommitKey(int64_t version) {
  return std::string(log::kLogDir) + log::PadVersion(version) + ".json";
}

}  // namespace lake::txn
