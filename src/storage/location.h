// Locations of the files a log names, and fetching them to local paths.
//
// Delta paths (add.path, remove.path, 'p' deletion vectors) are URI-encoded paths relative to
// the table root, or absolute URIs. LocationResolver maps each to a store and a key in it: the
// table's own store for relative paths and for absolute URIs inside the table root; another
// store (opened once per bucket / directory, with the same credentials) for absolute URIs
// elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <optional>
#include <utility>
#include <vector>

#include "lake/object_store.h"
#include "lake/status.h"

namespace lake {

// "s3://bucket/a/b" or "s3a://..." -> {"bucket", "a/b"}; false when `uri` is not an S3 URI.
bool SplitS3Uri(std::string_view uri, std::string* bucket, std::string* key);
// What follows "s3://" or "s3a://" ("bucket/a/b?query"); nullopt when `uri` is not an S3 URI.
std::optional<std::string_view> S3UriBody(std::string_view uri);

class LocationResolver {
 public:
  explicit LocationResolver(ObjectStore& table_store);

  struct Resolved {
    ObjectStore* store = nullptr;
    std::string key;
  };
  // The store and key of a log path. Not thread-safe (resolve first, then fetch in parallel).
  Result<Resolved> Resolve(const std::string& path);

 private:
  ObjectStore& table_;
  bool table_is_s3_ = false;
  std::string table_bucket_, table_prefix_;  // prefix with a trailing '/' unless empty
  std::map<std::string, std::unique_ptr<ObjectStore>> others_;  // by root URI
};

// Runs fn(0..n-1) on up to `parallelism` threads (inline when 1 or n <= 1). Stops handing out
// work after the first failure; returns the failure of the lowest index that failed.
Status ParallelFor(size_t n, int parallelism, const std::function<Status(size_t)>& fn);

// One object to fetch: store, key, size (0 = unknown).
struct FetchItem {
  ObjectStore* store = nullptr;
  std::string key;
  uint64_t size = 0;
};

// ObjectStore::LocalPathImmutable for each item, `parallelism` at a time (remote stores are safe
// to use from many threads; each request takes its own connection). Results in item order;
// the first error (in item order) fails the whole fetch.
Result<std::vector<std::string>> FetchLocalPaths(const std::vector<FetchItem>& items,
                                                 int parallelism = 8);

}  // namespace lake
