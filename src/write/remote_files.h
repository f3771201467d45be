// Data files of tables on remote stores (s3://): DuckDB reads and writes local files only, so
// a write or an OPTIMIZE on a remote table stages its new Parquet files in a local directory
// outside the table, uploads them under their final keys before the commit, and reads its input
// files through the store's file cache. Shared by WriteBuilder and Optimize.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lake/actions.h"
#include "lake/object_store.h"
#include "lake/status.h"

namespace lake::write {

// A fresh local directory laid out like the table, for the data files of one write to a remote
// table: $LAKE_HOME/tmp/lake-write-<pid>-<rand> (LAKE_HOME default ~/.lake) when it can be
// created, else $TMPDIR (default /tmp). Never inside the table: nothing there is ever uploaded
// by accident.
Result<std::string> MakeLocalStagingDir();

// Removes a staging directory (and all in it) when it goes out of scope; "" does nothing.
class StagingDirRemover {
 public:
  explicit StagingDirRemover(std::string dir) : dir_(std::move(dir)) {}
  ~StagingDirRemover();
  StagingDirRemover(const StagingDirRemover&) = delete;
  StagingDirRemover& operator=(const StagingDirRemover&) = delete;

 private:
  std::string dir_;
};

// Where one write's (or OPTIMIZE's) new files are written before the commit: for a local table
// its own directory (DuckDB stages inside it and renames into place); for a remote table a fresh
// local staging directory (MakeLocalStagingDir) whose files are uploaded before the commit. The
// staging directory, if any, is removed when the returned object goes.
struct LocalWriteRoot {
  std::string root;
  bool remote = false;
  std::unique_ptr<StagingDirRemover> remover;
};
Result<LocalWriteRoot> OpenLocalWriteRoot(ObjectStore& store);

// Uploads each file (add.path, relative to the table root, percent-encoded) from `local_root`
// to `store` under its key, 8 at a time (ObjectStore::PutFile: multipart for large files, and
// entered into the file cache). On failure some files may have landed: DeleteUploadedFiles.
Status UploadDataFiles(ObjectStore& store, const std::string& local_root,
                       const std::vector<AddFile>& files);

// Best-effort deletion of uploaded data files (a missing one is fine). Never call this after a
// commit whose outcome is unknown (CommitOutcomeUnknown): the files may be referenced.
void DeleteUploadedFiles(ObjectStore& store, const std::vector<AddFile>& files);

// Local paths DuckDB can read for `files` of the table in `store` (the file cache for remote
// stores: only the missing ones are downloaded, 8 at a time), in order.
Result<std::vector<std::string>> FetchDataFiles(ObjectStore& store,
                                                const std::vector<const AddFile*>& files);

}  // namespace lake::write
