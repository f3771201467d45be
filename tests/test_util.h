// Helpers shared by the unit tests.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lake/object_store.h"

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

// --- multi-process tests --------------------------------------------------------------------

// Forks `n` children; child i runs body(i) and _exits with its return value (it never returns
// into gtest). Only for bodies that do not touch DuckDB: a forked child inherits the parent's
// DuckDB instance without its worker threads. Use SpawnTestProcess for those.
std::vector<pid_t> ForkChildren(int n, const std::function<int(int)>& body);

// Waits for each child; returns their exit codes (128 + the signal number when killed).
std::vector<int> WaitChildren(const std::vector<pid_t>& pids);

// Runs this test binary again in a new process (fork + exec), running only the test `name`
// ("Suite.DISABLED_Test": DISABLED_ keeps normal runs from running it), with `env` added to
// its environment. The child is a fresh process with its own DuckDB. Returns its pid.
pid_t SpawnTestProcess(const std::string& name, const std::map<std::string, std::string>& env);

// Reads a file's lines ("" lines dropped); missing file = no lines.
std::vector<std::string> ReadLines(const std::string& path);

// An ObjectStore that forwards every call to `inner`: fault-injecting test stores derive from it
// and override only the calls they change.
class ForwardingStore : public ObjectStore {
 public:
  explicit ForwardingStore(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  const std::string& root_uri() const override { return inner_->root_uri(); }
  Result<std::vector<ObjectMeta>> List(std::string_view p, std::string_view s) override {
    return inner_->List(p, s);
  }
  Result<std::string> Get(std::string_view k) override { return inner_->Get(k); }
  Result<std::string> GetRange(std::string_view k, uint64_t o, uint64_t l) override {
    return inner_->GetRange(k, o, l);
  }
  Result<ObjectMeta> Head(std::string_view k) override { return inner_->Head(k); }
  Status Put(std::string_view k, std::string_view d) override { return inner_->Put(k, d); }
  Status PutIfAbsent(std::string_view k, std::string_view d) override {
    return inner_->PutIfAbsent(k, d);
  }
  Status Delete(std::string_view k) override { return inner_->Delete(k); }
  Result<std::string> LocalPath(std::string_view k) override { return inner_->LocalPath(k); }
  bool is_local() const override { return inner_->is_local(); }

 protected:
  std::unique_ptr<ObjectStore> inner_;
};

}  // namespace lake::testing
