// Helpers shared by the unit tests.
#pragma once

#include <string>

namespace lake::testing {

// A fresh empty directory under $TMPDIR, removed when the object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ../shared/conformance relative to the source tree, or "" when absent.
std::string ConformanceDir();

// Writes `data` to `path`, creating parent directories.
void WriteFile(const std::string& path, const std::string& data);

}  // namespace lake::testing
