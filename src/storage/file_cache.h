// FileCache: the local download cache of remote stores ($LAKE_HOME/cache, LAKE_HOME default
// ~/.lake), shared by all processes of a user.
//
// An entry is one version of one remote object: <dir>/<id[0:2]>/<id40>-<size>-<etag16><ext>,
// where id is the SHA-256 of the object's location (endpoint, bucket, key) and etag16 a hash of
// its ETag. A replaced object is therefore a new entry and an entry is never stale; the
// extension is kept because DuckDB picks readers by it.
//
// * Writes are atomic: the download goes to "<entry>.tmp.<pid>.<rand>" and is renamed into
//   place, so a reader never sees a partial file (two processes may download the same object
//   at once; the last rename wins, both files are identical).
// * Size-bounded LRU: LAKE_CACHE_MAX_BYTES (default 10 GiB). Recency is the file's mtime, which
//   a hit refreshes. After inserts, the process walks the cache (at its first insert, then
//   every max/16 bytes it inserted) and, when the total exceeds the bound, unlinks the least
//   recently used entries down to 90% of it. (The first walk is skipped when another process
//   walked in the last 10 s: <dir>/.walked.)
// * Safe for concurrent processes: an unlinked file stays readable through descriptors already
//   open (POSIX), and entries used in the last kEvictionGraceSeconds are never evicted, which
//   covers the window between a lookup (which refreshes the mtime) and DuckDB opening the file.
//   The bound may therefore be exceeded for a while when everything in it is in use.
// * Hits, misses and fetched bytes are counted process-wide (GetCacheStats) for `--stats`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lake/status.h"

namespace lake::cache {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;         // downloads into the cache
  uint64_t bytes_hit = 0;      // bytes served from cache entries
  uint64_t bytes_fetched = 0;  // bytes downloaded into the cache
  uint64_t evictions = 0;
  uint64_t bytes_evicted = 0;
};
// Process-wide counters over all caches.
CacheStats GetCacheStats();
void ResetCacheStats();

inline constexpr int64_t kEvictionGraceSeconds = 120;
inline constexpr uint64_t kDefaultMaxBytes = 10ull << 30;

class FileCache {
 public:
  // `dir` "" = $LAKE_HOME/cache (or ~/.lake/cache); `max_bytes` 0 = $LAKE_CACHE_MAX_BYTES (or
  // kDefaultMaxBytes).
  explicit FileCache(std::string dir = "", uint64_t max_bytes = 0);

  const std::string& dir() const { return dir_; }
  uint64_t max_bytes() const { return max_bytes_; }

  // The entry for one version of the object at `location` (any string naming it uniquely).
  std::string EntryPath(std::string_view location, uint64_t size, std::string_view etag,
                        std::string_view key_for_extension) const;

  // The entry `path` when it exists with `size` bytes (its recency refreshed; counted as a hit).
  std::optional<std::string> Lookup(const std::string& path, uint64_t size);
  // Any cached version of `location` with `size` bytes, whatever its ETag: for objects that are
  // immutable once written (Delta data, commit, checkpoint and DV files), whose ETag the caller
  // does not know. Counted as a hit when found.
  std::optional<std::string> LookupAnyVersion(std::string_view location, uint64_t size);

  // Downloads into the cache. `fill` writes the object to the open descriptor and returns the
  // bytes written plus the object's ETag (or "" when the caller named the entry already), or
  // an error. `entry_for(size, etag)` names the entry once the download is complete.
  // Returns the entry path (counted as a miss).
  using Fill = std::function<Status(int fd, uint64_t* bytes, std::string* etag)>;
  Result<std::string> Insert(
      std::string_view location, const Fill& fill,
      const std::function<std::string(uint64_t, const std::string&)>& entry_for);

  // Walks the cache and evicts LRU entries beyond the bound (also called by Insert). Returns the
  // total size after eviction.
  uint64_t Evict();

 private:
  std::string dir_;
  uint64_t max_bytes_;
};

// $LAKE_HOME/cache or ~/.lake/cache.
std::string DefaultCacheDir();
// LAKE_CACHE_MAX_BYTES (a byte count, optionally with K/M/G suffix) or kDefaultMaxBytes.
uint64_t DefaultCacheMaxBytes();

}  // namespace lake::cache
