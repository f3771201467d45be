// Staging, upload and fetch of data files of remote tables; see remote_files.h.
#include "write/remote_files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "storage/location.h"
#include "util/percent_encoding.h"

namespace lake::write {

Result<std::string> MakeLocalStagingDir() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char name[64];
  std::snprintf(name, sizeof name, "lake-write-%d-%016llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(rng()));
  std::vector<std::string> bases;
  const char* home = std::getenv("LAKE_HOME");
  const char* user_home = std::getenv("HOME");
  if (home && *home) {
    bases.push_back(std::string(home) + "/tmp");
  } else if (user_home && *user_home) {
    bases.push_back(std::string(user_home) + "/.lake/tmp");
  }
  const char* tmp = std::getenv("TMPDIR");
  bases.push_back(tmp && *tmp ? tmp : "/tmp");
  std::string last;
  for (const auto& b : bases) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(b) / name;
    std::filesystem::create_directories(dir, ec);
    if (!ec) return dir.string();
    last = dir.string() + ": " + ec.message();
  }
  return Status::IOError("cannot create a local staging directory for the write (" + last + ")");
}

StagingDirRemover::~StagingDirRemover() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status UploadDataFiles(ObjectStore& store, const std::string& local_root,
                       const std::vector<AddFile>& files) {
  return ParallelFor(files.size(), 8, [&](size_t i) -> Status {
    std::string key = PercentDecode(files[i].path);
    return store.PutFile(key, (std::filesystem::path(local_root) / key).string());
  });
}

void DeleteUploadedFiles(ObjectStore& store, const std::vector<AddFile>& files) {
  for (const auto& f : files) (void)store.Delete(PercentDecode(f.path));
}

Result<std::vector<std::string>> FetchDataFiles(ObjectStore& store,
                                                const std::vector<const AddFile*>& files) {
  LocationResolver resolver(store);
  std::vector<FetchItem> items;
  items.reserve(files.size());
  for (const AddFile* f : files) {
    LAKE_ASSIGN_OR_RETURN(auto r, resolver.Resolve(f->path));
    items.push_back({r.store, r.key, static_cast<uint64_t>(f->size)});
  }
  return FetchLocalPaths(items);
}

Result<LocalWriteRoot> OpenLocalWriteRoot(ObjectStore& store) {
  LocalWriteRoot w;
  w.remote = !store.is_local();
  if (w.remote) {
    LAKE_ASSIGN_OR_RETURN(w.root, MakeLocalStagingDir());
    w.remover = std::make_unique<StagingDirRemover>(w.root);
  } else {
    LAKE_ASSIGN_OR_RETURN(w.root, store.LocalPath(""));
  }
  return w;
}

}  // namespace lake::write
