#include "log/action_json.h"

namespace lake::log {
namespace {

// Raw JSON object text (tags) or null when absent / not an object.
void RawObjectOrNull(JsonWriter& w, const std::string& json) {
  size_t i = json.find_first_not_of(" \t\r\n");
  if (i != std::string::npos && json[i] == '{') {
    w.Raw(json);
  } else {
    w.Null();
  }
}

void StringArray(JsonWriter& w, const std::vector<std::string>& v) {
  w.BeginArray();
  for (const std::string& s : v) w.String(s);
  w.EndArray();
}

}  // namespace

void WritePartitionValuesJson(JsonWriter& w, const PartitionValues& pv) {
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

void WriteDeletionVectorJson(JsonWriter& w, const DeletionVectorDescriptor& dv) {
  w.BeginObject();
  w.Key("storageType").String(dv.storage_type);
  w.Key("pathOrInlineDv").String(dv.path_or_inline_dv);
  if (dv.offset) w.Key("offset").Int(*dv.offset);
  w.Key("sizeInBytes").Int(dv.size_in_bytes);
  w.Key("cardinality").Int(dv.cardinality);
  w.EndObject();
}

void WriteAddJson(JsonWriter& w, const AddFile& a, bool with_stats) {
  w.BeginObject();
  w.Key("path").String(a.path);
  w.Key("partitionValues");
  WritePartitionValuesJson(w, a.partition_values);
  w.Key("size").Int(a.size);
  w.Key("modificationTime").Int(a.modification_time);
  w.Key("dataChange").Bool(a.data_change);
  if (!a.tags().empty()) {
    w.Key("tags");
    RawObjectOrNull(w, a.tags());
  }
  if (a.deletion_vector) {
    w.Key("deletionVector");
    WriteDeletionVectorJson(w, *a.deletion_vector);
  }
  if (a.base_row_id) w.Key("baseRowId").Int(*a.base_row_id);
  if (a.default_row_commit_version()) {
    w.Key("defaultRowCommitVersion").Int(*a.default_row_commit_version());
  }
  if (!a.clustering_provider().empty()) {
    w.Key("clusteringProvider").String(a.clustering_provider());
  }
  if (with_stats && !a.stats.empty()) w.Key("stats").String(a.stats);
  w.EndObject();
}

void WriteRemoveJson(JsonWriter& w, const RemoveFile& r, bool checkpoint) {
  w.BeginObject();
  w.Key("path").String(r.path);
  if (r.deletion_timestamp) w.Key("deletionTimestamp").Int(*r.deletion_timestamp);
  w.Key("dataChange").Bool(r.data_change);
  w.Key("extendedFileMetadata").Bool(r.extended_file_metadata);
  if (r.extended_file_metadata || !r.partition_values.empty()) {
    w.Key("partitionValues");
    WritePartitionValuesJson(w, r.partition_values);
  }
  if (r.size) w.Key("size").Int(*r.size);
  if (!checkpoint && !r.stats.empty()) w.Key("stats").String(r.stats);
  if (!checkpoint && !r.tags.empty()) {
    w.Key("tags");
    RawObjectOrNull(w, r.tags);
  }
  if (r.deletion_vector) {
    w.Key("deletionVector");
    WriteDeletionVectorJson(w, *r.deletion_vector);
  }
  if (r.base_row_id) w.Key("baseRowId").Int(*r.base_row_id);
  if (r.default_row_commit_version)
    w.Key("defaultRowCommitVersion").Int(*r.default_row_commit_version);
  w.EndObject();
}

void WriteMetadataJson(JsonWriter& w, const Metadata& m) {
  w.BeginObject();
  w.Key("id").String(m.id);
  if (m.name) w.Key("name").String(*m.name);
  if (m.description) w.Key("description").String(*m.description);
  w.Key("format").BeginObject();
  w.Key("provider").String(m.format.provider);
  w.Key("options").BeginObject();
  for (const auto& [k, v] : m.format.options) w.Key(k).String(v);
  w.EndObject();
  w.EndObject();
  w.Key("schemaString").String(m.schema_string);
  w.Key("partitionColumns");
  StringArray(w, m.partition_columns);
  w.Key("configuration").BeginObject();
  for (const auto& [k, v] : m.configuration) w.Key(k).String(v);
  w.EndObject();
  if (m.created_time) w.Key("createdTime").Int(*m.created_time);
  w.EndObject();
}

void WriteProtocolJson(JsonWriter& w, const Protocol& p) {
  w.BeginObject();
  w.Key("minReaderVersion").Int(p.min_reader_version);
  w.Key("minWriterVersion").Int(p.min_writer_version);
  if (p.reader_features) {
    w.Key("readerFeatures");
    StringArray(w, *p.reader_features);
  }
  if (p.writer_features) {
    w.Key("writerFeatures");
    StringArray(w, *p.writer_features);
  }
  w.EndObject();
}

void WriteTxnJson(JsonWriter& w, const Txn& t) {
  w.BeginObject();
  w.Key("appId").String(t.app_id);
  w.Key("version").Int(t.version);
  if (t.last_updated) w.Key("lastUpdated").Int(*t.last_updated);
  w.EndObject();
}

void WriteDomainMetadataJson(JsonWriter& w, const DomainMetadata& d) {
  w.BeginObject();
  w.Key("domain").String(d.domain);
  w.Key("configuration").String(d.configuration);
  w.Key("removed").Bool(d.removed);
  w.EndObject();
}

void WriteCdcJson(JsonWriter& w, const AddCdcFile& c) {
  w.BeginObject();
  w.Key("path").String(c.path);
  w.Key("partitionValues");
  WritePartitionValuesJson(w, c.partition_values);
  w.Key("size").Int(c.size);
  w.Key("dataChange").Bool(c.data_change);
  if (!c.tags.empty()) {
    w.Key("tags");
    RawObjectOrNull(w, c.tags);
  }
  w.EndObject();
}

void WriteCheckpointMetadataJson(JsonWriter& w, const CheckpointMetadata& c) {
  w.BeginObject().Key("version").Int(c.version);
  if (!c.tags.empty()) {
    w.Key("tags");
    RawObjectOrNull(w, c.tags);
  }
  w.EndObject();
}

void WriteSidecarJson(JsonWriter& w, const Sidecar& s) {
  w.BeginObject().Key("path").String(s.path);
  w.Key("sizeInBytes").Int(s.size_in_bytes).Key("modificationTime").Int(s.modification_time);
  if (!s.tags.empty()) {
    w.Key("tags");
    RawObjectOrNull(w, s.tags);
  }
  w.EndObject();
}

}  // namespace lake::log
