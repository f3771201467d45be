// FileCache: see file_cache.h.
#include "storage/file_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <vector>

#include "storage/s3_store.h"
#include "util/system.h"

namespace lake::cache {
namespace {

std::atomic<uint64_t> g_hits{0}, g_misses{0}, g_bytes_hit{0}, g_bytes_fetched{0}, g_evictions{0},
    g_bytes_evicted{0};
// Bytes this process inserted since it last walked the cache; UINT64_MAX before the first walk.
std::atomic<uint64_t> g_since_walk{UINT64_MAX};
std::mutex g_evict_mu;

std::string Extension(std::string_view key) {
  size_t slash = key.rfind('/');
  size_t dot = key.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  std::string ext(key.substr(dot));
  if (ext.size() > 16) return "";
  for (size_t i = 1; i < ext.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(ext[i]))) return "";
  return ext;
}

std::string RandomHex() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<uint64_t>(getpid())};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::string LocationId(std::string_view location) { return s3::Sha256Hex(location).substr(0, 40); }

}  // namespace

CacheStats GetCacheStats() {
  CacheStats s;
  s.hits = g_hits.load();
  s.misses = g_misses.load();
  s.bytes_hit = g_bytes_hit.load();
  s.bytes_fetched = g_bytes_fetched.load();
  s.evictions = g_evictions.load();
  s.bytes_evicted = g_bytes_evicted.load();
  return s;
}

void ResetCacheStats() {
  g_hits = 0;
  g_misses = 0;
  g_bytes_hit = 0;
  g_bytes_fetched = 0;
  g_evictions = 0;
  g_bytes_evicted = 0;
}

std::string DefaultCacheDir() {
  std::string home = Getenv("LAKE_HOME");
  if (home.empty()) home = Getenv("HOME") + "/.lake";
  return home + "/cache";
}

uint64_t DefaultCacheMaxBytes() {
  std::string v = Getenv("LAKE_CACHE_MAX_BYTES");
  if (v.empty()) return kDefaultMaxBytes;
  char* end = nullptr;
  uint64_t n = std::strtoull(v.c_str(), &end, 10);
  if (end == v.c_str()) return kDefaultMaxBytes;
  switch (std::toupper(static_cast<unsigned char>(*end))) {
    case 'K':
      n <<= 10;
      break;
    case 'M':
      n <<= 20;
      break;
    case 'G':
      n <<= 30;
      break;
    case 'T':
      n <<= 40;
      break;
    default:
      break;
  }
  return n == 0 ? kDefaultMaxBytes : n;
}

FileCache::FileCache(std::string dir, uint64_t max_bytes)
    : dir_(dir.empty() ? DefaultCacheDir() : std::move(dir)),
      max_bytes_(max_bytes ? max_bytes : DefaultCacheMaxBytes()) {}

std::string FileCache::EntryPath(std::string_view location, uint64_t size, std::string_view etag,
                                 std::string_view key_for_extension) const {
  std::string id = LocationId(location);
  return dir_ + "/" + id.substr(0, 2) + "/" + id + "-" + std::to_string(size) + "-" +
         s3::Sha256Hex(etag).substr(0, 16) + Extension(key_for_extension);
}

std::optional<std::string> FileCache::Lookup(const std::string& path, uint64_t size) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != size)
    return std::nullopt;
  utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // recency for the LRU
  g_hits++;
  g_bytes_hit += size;
  return path;
}

std::optional<std::string> FileCache::LookupAnyVersion(std::string_view location, uint64_t size) {
  std::string id = LocationId(location);
  std::string shard = dir_ + "/" + id.substr(0, 2);
  std::string want = id + "-" + std::to_string(size) + "-";
  DIR* d = opendir(shard.c_str());
  if (d == nullptr) return std::nullopt;
  std::optional<std::string> found;
  while (struct dirent* e = readdir(d)) {
    std::string_view name(e->d_name);
    if (name.rfind(want, 0) != 0 || name.find(".tmp.") != std::string_view::npos) continue;
    found = shard + "/" + std::string(name);
    break;
  }
  closedir(d);
  if (!found) return std::nullopt;
  return Lookup(*found, size);
}

Result<std::string> FileCache::Insert(
    std::string_view location, const Fill& fill,
    const std::function<std::string(uint64_t, const std::string&)>& entry_for) {
  std::string id = LocationId(location);
  std::string shard = dir_ + "/" + id.substr(0, 2);
  std::error_code ec;
  std::filesystem::create_directories(shard, ec);
  if (ec) return Status::IOError("cannot create cache directory '" + shard + "': " + ec.message());
  std::string tmp = shard + "/" + id + ".tmp." + std::to_string(getpid()) + "." + RandomHex();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create '" + tmp + "': " + std::strerror(errno));
  uint64_t bytes = 0;
  std::string etag;
  Status st = fill(fd, &bytes, &etag);
  int close_rc = close(fd);
  if (st.ok() && close_rc != 0) {
    st = Status::IOError("cannot write '" + tmp + "': " + std::strerror(errno));
  }
  if (!st.ok()) {
    unlink(tmp.c_str());
    return st;
  }
  std::string path = entry_for(bytes, etag);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::IOError("cannot rename into '" + path + "': " + std::strerror(err));
  }
  g_misses++;
  g_bytes_fetched += bytes;
  uint64_t prev = g_since_walk.load();
  uint64_t next = prev == UINT64_MAX ? UINT64_MAX : prev + bytes;
  while (!g_since_walk.compare_exchange_weak(prev, next)) {
    next = prev == UINT64_MAX ? UINT64_MAX : prev + bytes;
  }
  if (next == UINT64_MAX) {
    // This process's first download: walk unless another process walked a moment ago (many
    // short CLI runs in a row should not each walk a large cache).
    struct stat st;
    std::string stamp = dir_ + "/.walked";
    if (stat(stamp.c_str(), &st) == 0 && time(nullptr) - st.st_mtime < 10) {
      uint64_t expect = UINT64_MAX;
      g_since_walk.compare_exchange_strong(expect, bytes);
    } else {
      Evict();
    }
  } else if (next > max_bytes_ / 16) {
    Evict();
  }
  return path;
}

uint64_t FileCache::Evict() {
  std::lock_guard<std::mutex> lock(g_evict_mu);
  g_since_walk = 0;
  struct Entry {
    std::string path;
    uint64_t size;
    int64_t mtime;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  int64_t now = static_cast<int64_t>(time(nullptr));
  DIR* top = opendir(dir_.c_str());
  if (top == nullptr) return 0;
  while (struct dirent* s = readdir(top)) {
    if (s->d_name[0] == '.') continue;
    std::string shard = dir_ + "/" + s->d_name;
    DIR* d = opendir(shard.c_str());
    if (d == nullptr) continue;
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string path = shard + "/" + e->d_name;
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      bool tmp = std::strstr(e->d_name, ".tmp.") != nullptr;
      // A temp file of a dead download (older than a day) is garbage; a live one is counted.
      if (tmp && now - st.st_mtime > 86400) {
        unlink(path.c_str());
        continue;
      }
      total += static_cast<uint64_t>(st.st_size);
      if (!tmp) entries.push_back({path, static_cast<uint64_t>(st.st_size), st.st_mtime});
    }
    closedir(d);
  }
  closedir(top);
  std::string stamp = dir_ + "/.walked";
  int sfd = open(stamp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (sfd >= 0) {
    futimens(sfd, nullptr);
    close(sfd);
  }
  if (total <= max_bytes_) return total;
  uint64_t target = max_bytes_ / 10 * 9;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.mtime < b.mtime; });
  for (const Entry& e : entries) {
    if (total <= target) break;
    if (now - e.mtime < kEvictionGraceSeconds) break;  // in use (or just fetched): keep
    // Re-check the recency right before unlinking: another process may just have hit it.
    struct stat st;
    if (stat(e.path.c_str(), &st) != 0) continue;
    if (now - st.st_mtime < kEvictionGraceSeconds) continue;
    if (unlink(e.path.c_str()) == 0) {
      total -= e.size;
      g_evictions++;
      g_bytes_evicted += e.size;
    }
  }
  return total;
}

}  // namespace lake::cache
