// Parsing Delta log actions (PROTOCOL.md "Actions") from newline-delimited JSON.
//
// The hot path (snapshot load of large commits) uses the visitor API: each action is parsed
// into a reusable struct and handed to the visitor by reference, so no vector of actions is
// materialised. The visitor may move out of the struct it is given.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lake/actions.h"
#include "lake/status.h"

namespace lake::log {

// Shares identical partitionValues tuples between the adds of one load, keyed by the raw JSON
// text of the partitionValues object (so a hit skips parsing it). Bounded: past kMaxEntries
// distinct tuples new ones are no longer remembered (high-cardinality partitioning).
class PartitionValuesCache {
 public:
  static constexpr size_t kMaxEntries = 4096;
  const PartitionValues* Find(std::string_view raw_json) const {
    auto it = map_.find(raw_json);
    return it == map_.end() ? nullptr : &it->second;
  }
  void Insert(std::string_view raw_json, const PartitionValues& pv) {
    if (map_.size() < kMaxEntries) map_.emplace(std::string(raw_json), pv);
  }
  size_t size() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, PartitionValues, Hash, std::equal_to<>> map_;
};

class ActionVisitor {
 public:
  virtual ~ActionVisitor() = default;
  // Every callback may move from its argument. A non-OK status stops parsing and is returned.
  virtual Status OnAdd(AddFile&) { return Status::OK(); }
  // Optional: a default-constructed AddFile to parse the next add into (e.g. the new last
  // element of the visitor's own vector), so that adds are never moved. OnAdd is then called
  // with exactly this object. When the add fails to parse, parsing stops with the error and
  // the object's content is unspecified.
  virtual AddFile* AddSlot() { return nullptr; }
  // Optional: shares partition tuples between adds (see PartitionValuesCache).
  virtual PartitionValuesCache* partition_cache() { return nullptr; }
  virtual Status OnRemove(RemoveFile&) { return Status::OK(); }
  virtual Status OnCdc(AddCdcFile&) { return Status::OK(); }
  virtual Status OnMetadata(Metadata&) { return Status::OK(); }
  virtual Status OnProtocol(Protocol&) { return Status::OK(); }
  virtual Status OnTxn(Txn&) { return Status::OK(); }
  virtual Status OnDomainMetadata(DomainMetadata&) { return Status::OK(); }
  virtual Status OnCommitInfo(CommitInfo&) { return Status::OK(); }
  virtual Status OnCheckpointMetadata(CheckpointMetadata&) { return Status::OK(); }
  virtual Status OnSidecar(Sidecar&) { return Status::OK(); }
  // Checked after every line: true stops parsing early (e.g. History only needs commitInfo).
  virtual bool Done() const { return false; }
};

// Parses one line of a commit file (without its newline). A blank line is OK and visits
// nothing; a line that is not a JSON object is Corruption. Keys other than the known action
// names are ignored (PROTOCOL.md: readers must ignore unknown actions/fields).
Status ParseActionLine(std::string_view line, ActionVisitor& visitor);

// Parses a whole commit (or v2 JSON checkpoint) file. Errors name `file_name` and the 1-based
// line number: "corrupt: _delta_log/0...3.json:7: malformed action: ...".
Status ParseCommitFile(std::string_view data, std::string_view file_name, ActionVisitor& visitor);
// The same, for data in a buffer with `capacity` >= data.size() readable bytes (e.g. a
// std::string's capacity()): with SIMDJSON_PADDING bytes of slack, no line is copied.
Status ParseCommitFile(std::string_view data, size_t capacity, std::string_view file_name,
                       ActionVisitor& visitor);

// For readers of typed checkpoint columns (checkpoint_reader.cc): the JSON text of an add's
// partitionValues object (shared through `cache` when given) and of a deletionVector object,
// parsed exactly as inside an add action.
Status ParsePartitionValuesJson(std::string_view json, PartitionValues* out,
                                PartitionValuesCache* cache);
Status ParseDeletionVectorJson(std::string_view json, HeapOptional<DeletionVectorDescriptor>* out);

// Convenience (tests, tools): all actions of a file, in order.
Result<std::vector<Action>> ParseCommitFileToActions(std::string_view data,
                                                     std::string_view file_name);

}  // namespace lake::log
