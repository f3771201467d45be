// LocalStore: ObjectStore over a POSIX filesystem.
//
// Put writes a temp file, fsyncs it and renames it over the key (atomic replace).
// PutIfAbsent writes and fsyncs a temp file, then link(2)s it to the key: link fails with
// EEXIST if the key exists, so exactly one of several racing writers wins, and a reader never
// sees a partially written commit. The directory is fsynced so the commit survives a crash.
// The staged variant (StageForPutIfAbsent + LinkStagedIfAbsent) writes and fsyncs the temp file
// once and links it to successive keys: a lost race costs one failed link(2).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "lake/commit_coordinator.h"
#include "lake/object_store.h"
#include "storage/s3_store.h"
#include "storage/test_hooks.h"
#include "util/percent_encoding.h"

namespace lake {
namespace storage_test {
std::atomic<int> fail_dir_fsyncs{0};
}  // namespace storage_test
namespace {

std::string ErrnoMessage(const std::string& what, const std::string& path, int err) {
  return what + " '" + path + "': " + std::strerror(err);
}

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return Status::NotFound(ErrnoMessage(what, path, err));
  return Status::IOError(ErrnoMessage(what, path, err));
}

std::string ParentDir(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty() || dir == "/" || dir == ".") return Status::OK();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("'" + dir + "' exists and is not a directory");
  }
  LAKE_RETURN_IF_ERROR(MakeDirs(ParentDir(dir)));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("cannot create directory", dir, errno);
  }
  return Status::OK();
}

Status FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoStatus("cannot open directory", dir, errno);
  int rc = fsync(fd);
  int err = errno;
  if (storage_test::fail_dir_fsyncs.load(std::memory_order_relaxed) > 0 &&
      storage_test::fail_dir_fsyncs.fetch_sub(1) > 0) {
    rc = -1;
    err = EIO;
  }
  close(fd);
  if (rc != 0) return ErrnoStatus("cannot fsync directory", dir, err);
  return Status::OK();
}

std::string TempName(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return ParentDir(path) + "/." + path.substr(path.rfind('/') + 1) + ".tmp." +
         std::to_string(getpid()) + "." + std::to_string(counter++) + "." +
         std::to_string(rng() & 0xffffff);
}

// Writes `data` to a new temp file beside `path`, fsynced. Returns the temp file's name.
Result<std::string> WriteTemp(const std::string& path, std::string_view data) {
  LAKE_RETURN_IF_ERROR(MakeDirs(ParentDir(path)));
  std::string tmp = TempName(path);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return ErrnoStatus("cannot write", path, err);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return ErrnoStatus("cannot fsync", path, err);
  }
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoStatus("cannot close", path, err);
  }
  return tmp;
}

ObjectMeta MetaFromStat(std::string key, const struct stat& st) {
  ObjectMeta m;
  m.key = std::move(key);
  m.size = static_cast<uint64_t>(st.st_size);
  m.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  m.etag = std::to_string(m.size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  return m;
}

// A fsynced temp file waiting to be linked to a key; removed when the object goes.
class LocalStagedObject final : public StagedObject {
 public:
  LocalStagedObject(std::string data, std::string tmp)
      : StagedObject(std::move(data)), tmp_(std::move(tmp)) {}
  ~LocalStagedObject() override { unlink(tmp_.c_str()); }
  const std::string& tmp() const { return tmp_; }
  int links_tried = 0;

 private:
  std::string tmp_;
};

class LocalStore final : public ObjectStore {
 public:
  LocalStore(std::string root_dir, std::string root_uri)
      : root_(std::move(root_dir)), uri_(std::move(root_uri)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  const std::string& root_uri() const override { return uri_; }

  Result<std::vector<ObjectMeta>> List(std::string_view prefix,
                                       std::string_view start_after) override {
    std::vector<ObjectMeta> out;
    // Walk the deepest directory the prefix names, then filter by the full prefix.
    std::string p(prefix);
    std::string dir_key = p.substr(0, p.rfind('/') == std::string::npos ? 0 : p.rfind('/'));
    LAKE_RETURN_IF_ERROR(Walk(dir_key, p, start_after, &out));
    std::sort(out.begin(), out.end(),
              [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; });
    return out;
  }

  Result<std::string> Get(std::string_view key) override {
    return ReadFile(Path(key), 0, UINT64_MAX);
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    return ReadFile(Path(key), offset, length);
  }

  Result<ObjectMeta> Head(std::string_view key) override {
    std::string path = Path(key);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return Status::NotFound("'" + path + "' is not a file");
    return MetaFromStat(std::string(key), st);
  }

  Status Put(std::string_view key, std::string_view data) override {
    std::string path = Path(key);
    LAKE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data));
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      unlink(tmp.c_str());
      return ErrnoStatus("cannot rename into", path, err);
    }
    return FsyncDir(ParentDir(path));
  }

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    std::string path = Path(key);
    LAKE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data));
    int rc = link(tmp.c_str(), path.c_str());
    int err = errno;
    unlink(tmp.c_str());
    if (rc != 0) {
      if (err == EEXIST) return Status::AlreadyExists("'" + std::string(key) + "' already exists");
      return ErrnoStatus("cannot link", path, err);
    }
    return FsyncDir(ParentDir(path));
  }

  Result<std::unique_ptr<StagedObject>> StageForPutIfAbsent(std::string_view key_hint,
                                                            std::string_view data) override {
    LAKE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(Path(key_hint), data));
    return std::unique_ptr<StagedObject>(
        std::make_unique<LocalStagedObject>(std::string(data), std::move(tmp)));
  }

  Status LinkStagedIfAbsent(StagedObject& staged, std::string_view key) override {
    auto* local = dynamic_cast<LocalStagedObject*>(&staged);
    if (local == nullptr) return PutIfAbsent(key, staged.data());
    std::string path = Path(key);
    // On a retry, refresh the mtime first: it is the commit timestamp of a table without
    // in-commit timestamps, and should be the time of the winning link, not of staging. (The
    // inode change is journaled before the directory fsync below; best effort either way.)
    if (local->links_tried++ > 0) (void)utimensat(AT_FDCWD, local->tmp().c_str(), nullptr, 0);
    if (link(local->tmp().c_str(), path.c_str()) != 0) {
      int err = errno;
      if (err == EEXIST) return Status::AlreadyExists("'" + std::string(key) + "' already exists");
      return ErrnoStatus("cannot link", path, err);
    }
    return FsyncDir(ParentDir(path));
  }

  Status Delete(std::string_view key) override {
    std::string path = Path(key);
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot delete", path, errno);
    }
    return Status::OK();
  }

  Result<std::string> LocalPath(std::string_view key) override { return Path(key); }
  Result<std::string> LocalPathImmutable(std::string_view key, uint64_t) override {
    return Path(key);
  }
  bool is_local() const override { return true; }

 private:
  std::string Path(std::string_view key) const {
    if (key.empty()) return root_;
    return root_ + "/" + std::string(key);
  }

  Status Walk(const std::string& dir_key, const std::string& prefix, std::string_view start_after,
              std::vector<ObjectMeta>* out) {
    std::string dir = Path(dir_key);
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return ErrnoStatus("cannot list", dir, errno);
    }
    Status st;
    while (struct dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string key = dir_key.empty() ? name : dir_key + "/" + name;
      // A regular file the filters drop needs no stat: a _delta_log listed after a version
      // skips its thousands of older entries at readdir cost (d_type says what an entry is
      // on every common Linux file system; DT_UNKNOWN falls back to lstat).
      if (e->d_type == DT_REG && (key.compare(0, prefix.size(), prefix) != 0 ||
                                  (!start_after.empty() && key <= start_after))) {
        continue;
      }
      struct stat s;
      if (lstat((dir + "/" + name).c_str(), &s) != 0) continue;  // vanished meanwhile
      if (S_ISDIR(s.st_mode)) {
        // Descend only where the subtree can still hold keys with the prefix.
        std::string sub = key + "/";
        if (sub.compare(0, std::min(sub.size(), prefix.size()), prefix, 0,
                        std::min(sub.size(), prefix.size())) == 0) {
          st = Walk(key, prefix, start_after, out);
          if (!st.ok()) break;
        }
        continue;
      }
      if (!S_ISREG(s.st_mode)) continue;
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      if (!start_after.empty() && key <= start_after) continue;
      out->push_back(MetaFromStat(std::move(key), s));
    }
    closedir(d);
    return st;
  }

  static Result<std::string> ReadFile(const std::string& path, uint64_t offset, uint64_t length) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("cannot open", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return ErrnoStatus("cannot stat", path, err);
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    std::string out;
    if (offset < size) {
      uint64_t n = std::min(length, size - offset);
      out.resize(n);
      size_t done = 0;
      while (done < n) {
        ssize_t r = pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0) {
          if (errno == EINTR) continue;
          int err = errno;
          close(fd);
          return ErrnoStatus("cannot read", path, err);
        }
        if (r == 0) break;
        done += static_cast<size_t>(r);
      }
      out.resize(done);
    }
    close(fd);
    return out;
  }

  std::string root_;
  std::string uri_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewLocalStore(std::string root_dir, std::string root_uri) {
  return std::make_unique<LocalStore>(std::move(root_dir), std::move(root_uri));
}

Result<std::string> LocalPathFromUri(std::string_view uri) {
  std::string path;
  if (uri.rfind("file:", 0) == 0) {
    std::string_view rest = uri.substr(5);
    if (rest.rfind("///", 0) == 0) {
      rest.remove_prefix(2);  // file:///a -> /a
    } else if (rest.rfind("//localhost/", 0) == 0) {
      rest.remove_prefix(11);
    } else if (rest.rfind("//", 0) == 0) {
      return Status::InvalidArgument("file URI with a remote host is not supported: '" +
                                     std::string(uri) + "'");
    }
    path = PercentDecode(rest);  // URIs encode spaces and special characters
  } else if (uri.find("://") != std::string_view::npos) {
    return Status::Unsupported("unsupported storage scheme in '" + std::string(uri) + "'");
  } else {
    path = std::string(uri);
  }
  if (path.empty()) return Status::InvalidArgument("empty table path");
  if (path[0] != '/') {
    char buf[4096];
    if (getcwd(buf, sizeof buf) == nullptr) return Status::IOError("cannot get current directory");
    path = std::string(buf) + "/" + path;
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Status ObjectStore::PutFile(std::string_view key, const std::string& local_path) {
  int fd = open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + local_path + ": " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Status::IOError("cannot read " + local_path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return Put(key, data);
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri) {
  if (uri.rfind("s3://", 0) == 0 || uri.rfind("s3a://", 0) == 0) {
    LAKE_ASSIGN_OR_RETURN(s3::S3Config config, s3::ConfigFromUri(uri));
    LAKE_ASSIGN_OR_RETURN(auto store, s3::NewS3Store(std::move(config)));
    return MaybeCoordinate(std::move(store));  // LAKE_COMMIT_COORDINATOR=catalog
  }
  LAKE_ASSIGN_OR_RETURN(std::string dir, LocalPathFromUri(uri));
  return NewLocalStore(std::move(dir), std::string(uri));
}

}  // namespace lake
