// Delta log actions (PROTOCOL.md "Actions"), as plain structs.
//
// Field names follow the protocol. Where an action carries JSON that lake only passes through
// or parses lazily (stats, commitInfo, tags), it is kept as raw JSON text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lake {

// An optional value kept on the heap: 8 bytes inline instead of sizeof(T), for fields that
// are rarely set on structs held by the 10^5-10^6 (AddFile). Reads like std::optional
// (`if (x)`, `*x`, `x->f`, `x.has_value()`), value semantics (copies deep-copy), and
// assignable from a T or std::nullopt.
template <typename T>
class HeapOptional {
 public:
  HeapOptional() = default;
  HeapOptional(std::nullopt_t) {}
  HeapOptional(const T& v) : p_(std::make_unique<T>(v)) {}
  HeapOptional(T&& v) : p_(std::make_unique<T>(std::move(v))) {}
  HeapOptional(const HeapOptional& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(const HeapOptional& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(std::nullopt_t) {
    p_.reset();
    return *this;
  }
  HeapOptional& operator=(const T& v) { return emplace(v), *this; }
  HeapOptional& operator=(T&& v) { return emplace(std::move(v)), *this; }

  template <typename... Args>
  T& emplace(Args&&... args) {
    p_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *p_;
  }
  void reset() { p_.reset(); }
  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  const T* get() const { return p_.get(); }

 private:
  std::unique_ptr<T> p_;
};

// partitionValues: physical partition column name -> serialized value (nullopt = null), in
// the order written.
//
// Reads like the std::vector of pairs it holds (iteration as `[key, value]` pairs, size(),
// empty(), operator[], find()); the pairs are immutable and shared, so the files of one
// partition hold one copy of its names and values (the log reader interns them: a 300k-file
// table with 100 partitions keeps 100 tuples). Mutators copy first when the tuple is shared.
class PartitionValues {
 public:
  using value_type = std::pair<std::string, std::optional<std::string>>;
  using Vector = std::vector<value_type>;
  using const_iterator = Vector::const_iterator;
  using iterator = const_iterator;
  using size_type = size_t;

  PartitionValues() = default;
  PartitionValues(std::initializer_list<value_type> il)
      : PartitionValues(Vector(il)) {}
  PartitionValues(Vector v)
      : p_(v.empty() ? nullptr : std::make_shared<Vector>(std::move(v))) {}

  const_iterator begin() const { return vec().begin(); }
  const_iterator end() const { return vec().end(); }
  size_t size() const { return p_ ? p_->size() : 0; }
  bool empty() const { return !p_ || p_->empty(); }
  const value_type& operator[](size_t i) const { return (*p_)[i]; }
  const value_type& front() const { return p_->front(); }
  const value_type& back() const { return p_->back(); }
  const Vector& vec() const { return p_ ? *p_ : Empty(); }
  // The entry for physical column `key`, or end().
  const_iterator find(std::string_view key) const {
    for (auto it = begin(); it != end(); ++it)
      if (it->first == key) return it;
    return end();
  }

  template <typename... Args>
  value_type& emplace_back(Args&&... args) {
    return Mutable().emplace_back(std::forward<Args>(args)...);
  }
  void push_back(value_type v) { Mutable().push_back(std::move(v)); }
  void clear() { p_.reset(); }

  // True when both share one tuple (interned), a cheap sufficient test for equality.
  bool SameTuple(const PartitionValues& o) const { return p_ == o.p_; }
  friend bool operator==(const PartitionValues& a, const PartitionValues& b) {
    return a.p_ == b.p_ || a.vec() == b.vec();
  }

 private:
  static const Vector& Empty() {
    static const Vector kEmpty;
    return kEmpty;
  }
  Vector& Mutable() {
    if (!p_ || p_.use_count() > 1) p_ = std::make_shared<Vector>(p_ ? *p_ : Vector{});
    return *p_;
  }
  // Never modified while shared (Mutable() copies first).
  std::shared_ptr<Vector> p_;
};

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

// The rarely set fields of an add, kept out of line (AddFile::extras).
struct AddFileExtras {
  std::string tags;  // JSON object text ("" when absent)
  std::optional<int64_t> default_row_commit_version;
  std::string clustering_provider;
};

// Snapshots hold one per live file (10^5-10^6), so it is kept small (136 bytes on LP64 plus
// the path's heap buffer): rare fields live on the heap, partition tuples are shared.
struct AddFile {
  std::string path;  // relative (URI-encoded) or an absolute URI
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  std::string stats;  // JSON text ("" when absent); from stats_parsed in checkpoints
  HeapOptional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  HeapOptional<AddFileExtras> extras;  // tags, defaultRowCommitVersion, clusteringProvider
  bool data_change = true;

  // Accessors for the extras ("" / nullopt when absent).
  const std::string& tags() const { return extras ? extras->tags : EmptyString(); }
  std::optional<int64_t> default_row_commit_version() const {
    return extras ? extras->default_row_commit_version : std::nullopt;
  }
  const std::string& clustering_provider() const {
    return extras ? extras->clustering_provider : EmptyString();
  }
  AddFileExtras& mutable_extras() { return extras ? *extras : extras.emplace(); }

 private:
  static const std::string& EmptyString() {
    static const std::string kEmpty;
    return kEmpty;
  }
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
  HeapOptional<DeletionVectorDescriptor> deletion_vector;
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
