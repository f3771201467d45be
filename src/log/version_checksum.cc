#include "log/version_checksum.h"

#include <simdjson.h>

#include "log/action_json.h"
#include "log/action_parser.h"
#include "log/log_segment.h"
#include "util/json_writer.h"

namespace lake {
namespace {

std::string CrcKey(int64_t version) {
  return std::string(log::kLogDir) + log::PadVersion(version) + ".crc";
}

bool IctEnabled(const Metadata& m) {
  auto it = m.configuration.find("delta.enableInCommitTimestamps");
  return it != m.configuration.end() && it->second == "true";
}

// Collects the metaData / protocol of a single wrapped action line.
class OneAction : public log::ActionVisitor {
 public:
  std::optional<Metadata> metadata;
  std::optional<Protocol> protocol;
  Status OnMetadata(Metadata& m) override {
    metadata = std::move(m);
    return Status::OK();
  }
  Status OnProtocol(Protocol& p) override {
    protocol = std::move(p);
    return Status::OK();
  }
};

}  // namespace

std::string VersionChecksumJson(const Snapshot& snap, const VersionChecksumOptions& options) {
  JsonWriter w;
  w.BeginObject();
  w.Key("tableSizeBytes").Int(snap.TotalBytes());
  w.Key("numFiles").Int(static_cast<int64_t>(snap.files().size()));
  w.Key("numMetadata").Int(1);
  w.Key("numProtocol").Int(1);
  if (IctEnabled(snap.metadata())) w.Key("inCommitTimestampOpt").Int(snap.timestamp_ms());
  w.Key("setTransactions").BeginArray();
  for (const auto& [app, t] : snap.app_transactions()) log::WriteTxnJson(w, t);
  w.EndArray();
  w.Key("domainMetadata").BeginArray();
  for (const auto& [d, dm] : snap.domain_metadata())
    if (!dm.removed) log::WriteDomainMetadataJson(w, dm);
  w.EndArray();
  w.Key("metadata");
  log::WriteMetadataJson(w, snap.metadata());
  w.Key("protocol");
  log::WriteProtocolJson(w, snap.protocol());
  int64_t dvs = 0, deleted = 0;
  for (const AddFile& f : snap.files()) {
    if (!f.deletion_vector) continue;
    ++dvs;
    deleted += f.deletion_vector->cardinality;
  }
  w.Key("numDeletedRecordsOpt").Int(deleted);
  w.Key("numDeletionVectorsOpt").Int(dvs);
  if (options.include_all_files) {
    w.Key("allFiles").BeginArray();
    for (const AddFile& f : snap.files()) log::WriteAddJson(w, f);
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

Status WriteVersionChecksum(const Snapshot& snap, const VersionChecksumOptions& options) {
  Status st = snap.store().PutIfAbsent(CrcKey(snap.version()), VersionChecksumJson(snap, options));
  if (st.IsAlreadyExists()) return Status::OK();
  return st.WithContext("cannot write the version checksum of version " +
                        std::to_string(snap.version()));
}

Result<std::optional<VersionChecksum>> ReadVersionChecksum(ObjectStore& store, int64_t version) {
  std::string key = CrcKey(version);
  auto data = store.Get(key);
  if (!data.ok()) {
    if (data.status().IsNotFound()) return std::optional<VersionChecksum>();
    return data.status();
  }
  namespace sj = simdjson::ondemand;
  simdjson::padded_string padded(*data);
  sj::parser parser;
  sj::document doc;
  sj::object obj;
  auto bad = [&](const std::string& why) { return Status::Corruption(key + ": " + why); };
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return bad("not a JSON object");
  VersionChecksum c;
  for (auto fr : obj) {
    sj::field f;
    std::string_view k;
    if (std::move(fr).get(f) || f.unescaped_key().get(k)) return bad("malformed JSON");
    sj::value v = f.value();
    auto int_field = [&](int64_t* out) -> Status {
      if (v.get_int64().get(*out)) return bad(std::string(k) + " is not an integer");
      return Status::OK();
    };
    auto action = [&](const char* name) -> Status {
      std::string_view raw;
      sj::object o;
      if (v.get_object().get(o) || o.raw_json().get(raw)) return bad(std::string(k) + " is not an object");
      OneAction one;
      Status st = log::ParseActionLine("{\"" + std::string(name) + "\":" + std::string(raw) + "}", one);
      if (!st.ok()) return bad("malformed " + std::string(k) + ": " + st.message());
      if (one.metadata) c.metadata = std::move(one.metadata);
      if (one.protocol) c.protocol = std::move(one.protocol);
      return Status::OK();
    };
    auto count = [&](std::optional<int64_t>* out) -> Status {
      sj::array a;
      if (v.get_array().get(a)) return bad(std::string(k) + " is not an array");
      size_t n = 0;
      if (a.count_elements().get(n)) return bad("malformed " + std::string(k));
      *out = static_cast<int64_t>(n);
      return Status::OK();
    };
    if (k == "tableSizeBytes") LAKE_RETURN_IF_ERROR(int_field(&c.table_size_bytes));
    else if (k == "numFiles") LAKE_RETURN_IF_ERROR(int_field(&c.num_files));
    else if (k == "numMetadata") LAKE_RETURN_IF_ERROR(int_field(&c.num_metadata));
    else if (k == "numProtocol") LAKE_RETURN_IF_ERROR(int_field(&c.num_protocol));
    else if (k == "inCommitTimestampOpt") {
      int64_t ts;
      LAKE_RETURN_IF_ERROR(int_field(&ts));
      c.in_commit_timestamp = ts;
    } else if (k == "metadata") LAKE_RETURN_IF_ERROR(action("metaData"));
    else if (k == "protocol") LAKE_RETURN_IF_ERROR(action("protocol"));
    else if (k == "setTransactions") LAKE_RETURN_IF_ERROR(count(&c.num_set_transactions));
    else if (k == "domainMetadata") LAKE_RETURN_IF_ERROR(count(&c.num_domains));
  }
  if (c.table_size_bytes < 0 || c.num_files < 0) return bad("tableSizeBytes or numFiles missing");
  return std::optional<VersionChecksum>(std::move(c));
}

Status ValidateVersionChecksum(const Snapshot& snap) {
  LAKE_ASSIGN_OR_RETURN(std::optional<VersionChecksum> crc,
                        ReadVersionChecksum(snap.store(), snap.version()));
  if (!crc) return Status::OK();
  std::string where = "version checksum of version " + std::to_string(snap.version()) + " of " +
                      snap.table_uri() + " does not match the log: ";
  auto mismatch = [&](const std::string& field, const std::string& crc_v, const std::string& log_v) {
    return Status::Corruption(where + field + " is " + crc_v + " in the .crc, " + log_v +
                              " from the log");
  };
  if (crc->table_size_bytes != snap.TotalBytes())
    return mismatch("tableSizeBytes", std::to_string(crc->table_size_bytes),
                    std::to_string(snap.TotalBytes()));
  if (crc->num_files != static_cast<int64_t>(snap.files().size()))
    return mismatch("numFiles", std::to_string(crc->num_files), std::to_string(snap.files().size()));
  if (crc->num_metadata != 1) return mismatch("numMetadata", std::to_string(crc->num_metadata), "1");
  if (crc->num_protocol != 1) return mismatch("numProtocol", std::to_string(crc->num_protocol), "1");
  if (crc->metadata) {
    const Metadata &a = *crc->metadata, &b = snap.metadata();
    if (a.id != b.id) return mismatch("metadata.id", a.id, b.id);
    if (a.schema_string != b.schema_string) return mismatch("metadata.schemaString", "(differs)", "(differs)");
    if (a.partition_columns != b.partition_columns)
      return mismatch("metadata.partitionColumns", "(differs)", "(differs)");
    if (a.configuration != b.configuration)
      return mismatch("metadata.configuration", "(differs)", "(differs)");
  }
  if (crc->protocol) {
    const Protocol &a = *crc->protocol, &b = snap.protocol();
    if (a.min_reader_version != b.min_reader_version || a.min_writer_version != b.min_writer_version ||
        a.reader_features.value_or(std::vector<std::string>{}) != b.reader_features.value_or(std::vector<std::string>{}) ||
        a.writer_features.value_or(std::vector<std::string>{}) != b.writer_features.value_or(std::vector<std::string>{}))
      return mismatch("protocol", "(differs)", "(differs)");
  }
  if (crc->num_set_transactions &&
      *crc->num_set_transactions != static_cast<int64_t>(snap.app_transactions().size()))
    return mismatch("setTransactions count", std::to_string(*crc->num_set_transactions),
                    std::to_string(snap.app_transactions().size()));
  if (crc->num_domains &&
      *crc->num_domains != static_cast<int64_t>(snap.domain_metadata().size()))
    return mismatch("domainMetadata count", std::to_string(*crc->num_domains),
                    std::to_string(snap.domain_metadata().size()));
  if (crc->in_commit_timestamp && *crc->in_commit_timestamp != snap.timestamp_ms())
    return mismatch("inCommitTimestampOpt", std::to_string(*crc->in_commit_timestamp),
                    std::to_string(snap.timestamp_ms()));
  return Status::OK();
}

}  // namespace lake
