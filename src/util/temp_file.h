// Temporary files under $TMPDIR (default /tmp) that go away with the object, and that a killed
// process does not leave behind for long: the first Create per prefix in a process removes
// files of that prefix, owned by this user, untouched for a day (an older process was killed
// before its destructor ran).
#pragma once

#include <string>

#include "lake/status.h"

namespace lake {

class TempFile {
 public:
  // An empty, new file named "<prefix>XXXXXX<suffix>" in the temp directory.
  static Result<TempFile> Create(const std::string& prefix, const std::string& suffix = "");
  TempFile() = default;
  TempFile(TempFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile();
  const std::string& path() const { return path_; }

  // $TMPDIR, or /tmp when unset.
  static std::string Directory();
  // Removes files "<prefix>*" in `dir` owned by this user and not modified for `max_age_s`
  // seconds; returns how many.
  static int SweepStale(const std::string& dir, const std::string& prefix, int64_t max_age_s);

 private:
  std::string path_;
};

}  // namespace lake
