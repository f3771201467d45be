#include "util/temp_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>

namespace lake {

std::string TempFile::Directory() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? base : "/tmp";
}

int TempFile::SweepStale(const std::string& dir, const std::string& prefix, int64_t max_age_s) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  const time_t now = std::time(nullptr);
  const uid_t me = ::geteuid();
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != me) continue;
    if (now - st.st_mtime < max_age_s) continue;  // may belong to a process still running
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

Result<TempFile> TempFile::Create(const std::string& prefix, const std::string& suffix) {
  std::string dir = Directory();
  {
    // Never destroyed: background checkpoints may create temp files during exit
    // (src/txn/background_checkpointer.h).
    static auto& mu = *new std::mutex;
    static auto& swept = *new std::set<std::string>;
    std::lock_guard<std::mutex> lock(mu);
    if (swept.insert(dir + "/" + prefix).second) SweepStale(dir, prefix, 24 * 3600);
  }
  std::string tmpl = dir + "/" + prefix + "XXXXXX" + suffix;
  int fd = ::mkstemps(tmpl.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return Status::IOError("cannot create a temporary file in " + dir);
  ::close(fd);
  TempFile t;
  t.path_ = tmpl;
  return t;
}

TempFile::~TempFile() {
  if (!path_.empty()) std::remove(path_.c_str());
}

}  // namespace lake
