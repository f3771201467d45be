// FileCache: entry naming, atomic insert, lookups, LRU eviction by mtime with a grace period,
// counters. No server needed.
#include "storage/file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"

namespace lake::cache {
namespace {

Status WriteAll(int fd, const std::string& data) {
  if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
    return Status::IOError("short write");
  return Status::OK();
}

std::string Put(FileCache& c, const std::string& loc, const std::string& data,
                const std::string& etag) {
  auto r = c.Insert(
      loc,
      [&](int fd, uint64_t* bytes, std::string* e) {
        *bytes = data.size();
        *e = etag;
        return WriteAll(fd, data);
      },
      [&](uint64_t n, const std::string& e) { return c.EntryPath(loc, n, e, loc); });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

void SetAge(const std::string& path, int64_t seconds_ago) {
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = time(nullptr) - seconds_ago;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
}

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

TEST(FileCache, EntriesAreNamedByLocationSizeAndEtag) {
  testing::TempDir d;
  FileCache c(d.path(), 1 << 20);
  std::string a = c.EntryPath("ep\nb\nk/x.parquet", 10, "e1", "k/x.parquet");
  EXPECT_EQ(a.rfind(d.path() + "/", 0), 0u);
  EXPECT_EQ(a.substr(a.size() - 8), ".parquet");
  EXPECT_NE(a, c.EntryPath("ep\nb\nk/x.parquet", 10, "e2", "k/x.parquet"));
  EXPECT_NE(a, c.EntryPath("ep\nb\nk/x.parquet", 11, "e1", "k/x.parquet"));
  EXPECT_NE(a, c.EntryPath("ep\nb2\nk/x.parquet", 10, "e1", "k/x.parquet"));
}

TEST(FileCache, InsertLookupAndCounters) {
  testing::TempDir d;
  FileCache c(d.path(), 1 << 20);
  ResetCacheStats();
  std::string p = Put(c, "loc/a.json", "hello", "etag-a");
  ASSERT_FALSE(p.empty());
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "hello");
  EXPECT_EQ(c.Lookup(p, 5), p);
  EXPECT_EQ(c.Lookup(p, 6), std::nullopt) << "size mismatch is a miss";
  EXPECT_EQ(c.LookupAnyVersion("loc/a.json", 5), p) << "immutable lookup ignores the ETag";
  EXPECT_EQ(c.LookupAnyVersion("loc/a.json", 4), std::nullopt);
  EXPECT_EQ(c.LookupAnyVersion("loc/b.json", 5), std::nullopt);
  CacheStats s = GetCacheStats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.bytes_fetched, 5u);
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.bytes_hit, 10u);
}

TEST(FileCache, FailedFillLeavesNothingBehind) {
  testing::TempDir d;
  FileCache c(d.path(), 1 << 20);
  auto r = c.Insert(
      "loc/x",
      [](int fd, uint64_t*, std::string*) {
        (void)WriteAll(fd, "partial");
        return Status::IOError("connection reset");
      },
      [&](uint64_t n, const std::string& e) { return c.EntryPath("loc/x", n, e, "x"); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(c.Evict(), 0u) << "no temp file or entry left";
}

TEST(FileCache, EvictsLeastRecentlyUsedBeyondTheBoundButNotEntriesInUse) {
  testing::TempDir d;
  FileCache c(d.path(), 1000);
  std::string data(300, 'x');
  // Inserted oldest first; ages make a clear LRU order (a hit refreshes b).
  std::string a = Put(c, "a", data, "1");
  std::string b = Put(c, "b", data, "1");
  std::string e = Put(c, "e", data, "1");
  SetAge(a, 3000);
  SetAge(b, 2000);
  SetAge(e, 1000);
  ASSERT_TRUE(c.Lookup(b, 300));  // b is now the most recently used
  SetAge(b, 500);
  ResetCacheStats();
  std::string f = Put(c, "f", data, "1");  // 1200 > 1000: evict LRU first down to <= 900
  EXPECT_FALSE(Exists(a)) << "least recently used";
  EXPECT_TRUE(Exists(e));
  EXPECT_TRUE(Exists(b)) << "a hit refreshed it";
  EXPECT_TRUE(Exists(f));
  EXPECT_EQ(GetCacheStats().evictions, 1u);
  // Everything recent (within the grace period): nothing is evicted, the bound is exceeded.
  SetAge(e, 0);
  SetAge(b, 0);
  std::string g = Put(c, "g", data, "1");
  EXPECT_TRUE(Exists(g) && Exists(f) && Exists(e) && Exists(b));
  EXPECT_EQ(c.Evict(), 1200u);
  EXPECT_EQ(GetCacheStats().evictions, 1u);
}

TEST(FileCache, ReadersKeepAnEvictedFileOpen) {
  testing::TempDir d;
  FileCache c(d.path(), 100);
  std::string a = Put(c, "a", std::string(80, 'a'), "1");
  int fd = open(a.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  SetAge(a, 5000);
  Put(c, "b", std::string(80, 'b'), "1");
  EXPECT_FALSE(Exists(a));
  char buf[80];
  EXPECT_EQ(read(fd, buf, sizeof buf), 80) << "an open descriptor survives eviction";
  close(fd);
}

TEST(FileCache, ConcurrentProcessesDownloadingTheSameObjectsNeverSeePartialFiles) {
  testing::TempDir d;
  auto content = [](int k) { return std::string(50000 + 1000 * k, static_cast<char>('a' + k)); };
  std::vector<pid_t> pids;
  for (int p = 0; p < 6; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      FileCache c(d.path(), 1 << 30);
      int bad = 0;
      for (int i = 0; i < 120; ++i) {
        int k = (i * 7 + p) % 10;
        std::string loc = "obj" + std::to_string(k), want = content(k);
        std::optional<std::string> path = c.LookupAnyVersion(loc, want.size());
        if (!path) {
          auto r = c.Insert(
              loc,
              [&](int fd, uint64_t* bytes, std::string* etag) {
                // Written in pieces, so that a reader of a partial file would notice.
                for (size_t off = 0; off < want.size(); off += 4096) {
                  std::string piece = want.substr(off, 4096);
                  if (write(fd, piece.data(), piece.size()) < 0) return Status::IOError("write");
                }
                *bytes = want.size();
                *etag = "e" + std::to_string(k);
                return Status::OK();
              },
              [&](uint64_t n, const std::string& e) { return c.EntryPath(loc, n, e, loc); });
          if (!r.ok()) _exit(2);
          path = *r;
        }
        std::ifstream in(*path);
        std::stringstream ss;
        ss << in.rdbuf();
        if (ss.str() != want) ++bad;
      }
      _exit(bad == 0 ? 0 : 3);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << WEXITSTATUS(status);
  }
  FileCache c(d.path(), 1 << 30);
  uint64_t total = 0;
  for (int k = 0; k < 10; ++k) total += content(k).size();
  EXPECT_EQ(c.Evict(), total) << "one entry per object, no temp files left";
}

TEST(FileCache, MaxBytesFromTheEnvironment) {
  setenv("LAKE_CACHE_MAX_BYTES", "64M", 1);
  EXPECT_EQ(DefaultCacheMaxBytes(), 64ull << 20);
  setenv("LAKE_CACHE_MAX_BYTES", "12345", 1);
  EXPECT_EQ(DefaultCacheMaxBytes(), 12345u);
  unsetenv("LAKE_CACHE_MAX_BYTES");
  EXPECT_EQ(DefaultCacheMaxBytes(), kDefaultMaxBytes);
}

}  // namespace
}  // namespace lake::cache
