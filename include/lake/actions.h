// Delta log actions (PROTOCOL.md "Actions"), as plain structs.
//
// Field names follow the protocol. Where an action carries JSON that lake only passes through
// or parses lazily (stats, commitInfo, tags), it is kept as raw JSON text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lake {

// partitionValues: physical partition column name -> serialized value (nullopt = null).
using PartitionValues = std::vector<std::pair<std::string, std::optional<std::string>>>;

// PROTOCOL.md "Deletion Vector Descriptor Schema".
struct DeletionVectorDescriptor {
  std::string storage_type;  // "u" (relative, uuid), "i" (inline), "p" (absolute path)
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;  // start of the DV in its file (not for "i")
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  // storageType + pathOrInlineDv [+ "@" + offset]: with the file path, the key of a live file.
  std::string UniqueId() const;
};

struct AddFile {
  std::string path;  // relative (URI-encoded) or an absolute URI
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::string stats;  // JSON text ("" when absent); from stats_parsed in checkpoints
  std::string tags;   // JSON object text ("" when absent)
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
  std::string clustering_provider;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  bool extended_file_metadata = false;
  PartitionValues partition_values;  // only with extended_file_metadata
  std::optional<int64_t> size;
  std::string stats;
  std::string tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
};

struct AddCdcFile {
  std::string path;
  PartitionValues partition_values;
  int64_t size = 0;
  bool data_change = false;
  std::string tags;
};

struct Format {
  std::string provider = "parquet";
  std::map<std::string, std::string> options;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  Format format;
  std::string schema_string;                   // JSON of the table's struct type
  std::vector<std::string> partition_columns;  // logical names
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

struct Protocol {
  int32_t min_reader_version = 0;
  int32_t min_writer_version = 0;
  std::optional<std::vector<std::string>> reader_features;  // only with reader version 3
  std::optional<std::vector<std::string>> writer_features;  // only with writer version 7

  bool HasReaderFeature(const std::string& f) const;
  bool HasWriterFeature(const std::string& f) const;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;  // opaque string
  bool removed = false;
};

struct CommitInfo {
  std::string json;  // the whole commitInfo object as written
  std::optional<int64_t> timestamp;
  std::optional<int64_t> in_commit_timestamp;
  std::optional<std::string> operation;
};

// v2 checkpoints (PROTOCOL.md "V2 Spec"): the checkpoint's own metadata and its sidecars.
struct CheckpointMetadata {
  int64_t version = 0;
  std::string tags;
};

struct Sidecar {
  std::string path;  // relative to _delta_log/_sidecars/ (or absolute)
  int64_t size_in_bytes = 0;
  int64_t modification_time = 0;
  std::string tags;
};

using Action = std::variant<AddFile, RemoveFile, AddCdcFile, Metadata, Protocol, Txn,
                            DomainMetadata, CommitInfo, CheckpointMetadata, Sidecar>;

}  // namespace lake
