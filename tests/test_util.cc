#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace lake::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/lake-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ConformanceDir() {
  std::string dir = std::string(LAKE_SOURCE_DIR) + "/../shared/conformance";
  if (std::filesystem::exists(dir + "/manifest.json")) return dir;
  return "";
}

void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<pid_t> ForkChildren(int n, const std::function<int(int)>& body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) _exit(body(i));
    pids.push_back(pid);
  }
  return pids;
}

std::vector<int> WaitChildren(const std::vector<pid_t>& pids) {
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
      codes.push_back(-1);
    } else if (WIFEXITED(status)) {
      codes.push_back(WEXITSTATUS(status));
    } else {
      codes.push_back(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    }
  }
  return codes;
}

pid_t SpawnTestProcess(const std::string& name, const std::map<std::string, std::string>& env) {
  // Everything the child needs is built before fork: after it, only exec-safe calls.
  std::string filter = "--gtest_filter=" + name;
  std::vector<std::string> env_strs;
  for (char** e = environ; *e; ++e) env_strs.emplace_back(*e);
  for (const auto& [k, v] : env) env_strs.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe", arg0 = "lake_tests",
              disabled = "--gtest_also_run_disabled_tests", brief = "--gtest_brief=1";
  std::vector<char*> argv = {arg0.data(), filter.data(), disabled.data(), brief.data(), nullptr};
  std::string exe = std::filesystem::read_symlink(self).string();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execve(exe.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace lake::testing
