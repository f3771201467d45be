// ObjectStore: the I/O boundary of lake (LevelDB's Env, for tables).
//
// A store is rooted at a table location; keys are relative to it and use '/' separators
// ("_delta_log/00000000000000000000.json"). The interface is the intersection of what a
// local filesystem and S3 offer, so that protocol code never knows which one it talks to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/status.h"

namespace lake {

struct ObjectMeta {
  std::string key;  // relative to the store root
  uint64_t size = 0;
  int64_t mtime_ms = 0;  // last modification, milliseconds since the epoch
  std::string etag;      // opaque version token (local: size+mtime; S3: ETag)
};

// Bytes made ready for a put-if-absent under a key not yet known (StageForPutIfAbsent), so that
// a writer who loses the race for one key can try the next at little cost. Destroying it
// discards what the store prepared (LocalStore: the fsynced temp file).
class StagedObject {
 public:
  explicit StagedObject(std::string data) : data_(std::move(data)) {}
  virtual ~StagedObject() = default;
  StagedObject(const StagedObject&) = delete;
  StagedObject& operator=(const StagedObject&) = delete;
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The location this store is rooted at, as given ("file:///t", "/t", "s3://b/p").
  virtual const std::string& root_uri() const = 0;

  // All objects whose key starts with `prefix` (recursively, like S3), in lexicographic key
  // order, strictly after `start_after` when it is non-empty. A missing prefix is an empty list.
  virtual Result<std::vector<ObjectMeta>> List(std::string_view prefix,
                                               std::string_view start_after = {}) = 0;

  // Whole object. NotFound when it does not exist.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // `length` bytes from `offset` (fewer at the end of the object).
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) = 0;
  virtual Result<ObjectMeta> Head(std::string_view key) = 0;

  // Creates or replaces the object atomically: readers see the old or the new bytes, never a mix.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Creates the object only if no object exists under `key`; AlreadyExists otherwise. This is
  // the commit primitive of the Delta log, so it must be atomic against concurrent writers.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;

  // Staged put-if-absent, for the commit retry loop: StageForPutIfAbsent prepares `data` once
  // (`key_hint`: the first key it is meant for; later keys must be in the same directory), and
  // LinkStagedIfAbsent then behaves exactly like PutIfAbsent(key, staged.data()) - atomic,
  // AlreadyExists when `key` exists, durable on OK - for as many keys as needed. The defaults
  // keep the bytes in memory and call PutIfAbsent (S3: a conditional PUT per attempt anyway).
  // LocalStore writes and fsyncs one temp file, link(2)s it to each key tried and fsyncs the
  // directory only on success, so a lost race costs a failed link instead of a write + fsync.
  virtual Result<std::unique_ptr<StagedObject>> StageForPutIfAbsent(std::string_view key_hint,
                                                                    std::string_view data) {
    (void)key_hint;
    return std::make_unique<StagedObject>(std::string(data));
  }
  virtual Status LinkStagedIfAbsent(StagedObject& staged, std::string_view key) {
    return PutIfAbsent(key, staged.data());
  }

  // Deleting a missing object is not an error.
  virtual Status Delete(std::string_view key) = 0;

  // Put of the contents of the local file `local_path` (an immutable data file a writer made),
  // like Put(key, <file bytes>). Remote stores also enter the file into their local cache, so
  // that a scan after the write reads it without downloading it (LocalPathImmutable hits).
  // The default reads the file and calls Put.
  virtual Status PutFile(std::string_view key, const std::string& local_path);

  // A path on the local filesystem that DuckDB can read for `key` (the file itself for the
  // local store; a cached copy for remote stores).
  virtual Result<std::string> LocalPath(std::string_view key) = 0;

  // LocalPath for an object the caller knows to be immutable once written (Delta data files,
  // commit files, checkpoints, deletion-vector files) and of known `size` (0 = unknown).
  // Remote stores then serve a cached copy without asking the server whether it changed, and
  // download a missing one with a single GET. The local store returns the file itself.
  virtual Result<std::string> LocalPathImmutable(std::string_view key, uint64_t size) {
    (void)size;
    return LocalPath(key);
  }
  // True when LocalPath names the objects themselves (no download, no cache).
  virtual bool is_local() const { return false; }
};

// Opens the store for a table location: a plain path, a file:// URI or s3://bucket/prefix
// (S3Store, configured from the AWS_* environment). Other schemes are
// refused with Unsupported until their store exists.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri);

// The local filesystem rooted at `root_dir`.
std::unique_ptr<ObjectStore> NewLocalStore(std::string root_dir, std::string root_uri);

// "file:///a/b%20c" -> "/a/b c"; a plain path is returned unchanged (made absolute).
Result<std::string> LocalPathFromUri(std::string_view uri);

}  // namespace lake
