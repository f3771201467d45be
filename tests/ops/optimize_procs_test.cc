// OPTIMIZE against writers in other processes (issue 4's proof): appender processes commit many
// small appends while optimizer processes compact the same table over and over. Afterwards
// every appended row is present exactly once (count, distinct ids, checksum), no append failed,
// and an optimize failed only with ConcurrentDeleteRead caused by a commit that removed files
// (the other optimizer). A second test pauses an optimizer before its commit while this process
// replaces a partition it read: the optimizer fails with the clear conflict and leaves no file.
//
// The children are this test binary again (SpawnTestProcess), running
// OptimizeProcsChild.DISABLED_Run with their role in the environment: each is a fresh process
// with its own DuckDB.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/duckdb_engine.h"
#include "lake/scan.h"
#include "lake/table.h"
#include "lake/write.h"
#include "ops/optimize.h"
#include "table_test_util.h"
#include "test_util.h"

namespace lake {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int kAppenders = 3;
constexpr int kAppendsEach = 25;
constexpr int kRowsPerAppend = 20;
constexpr int kOptimizers = 2;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool WaitForFile(const std::string& path, int seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Appends ids [first, first + n) into partitions a/b/c.
Status AppendIds(const std::string& dir, int64_t first, int64_t n, int64_t* version) {
  auto r = WriteBuilder(dir)
               .Source({"", "SELECT (" + std::to_string(first) +
                                " + i)::BIGINT AS id, 'v' || i AS s, "
                                "['a','b','c'][1 + (i % 3)] AS p FROM range(" +
                                std::to_string(n) + ") t(i)"})
               .Mode(WriteMode::kAppend)
               .PartitionBy({"p"})
               .Execute();
  if (!r.ok()) return r.status();
  *version = r->version;
  return Status::OK();
}

// One line per outcome: "ok <version> <removed> <added>", "noop", "conflict <message>",
// "error <message>".
std::string OptimizeOutcome(const std::string& dir, const OptimizeOptions& o) {
  auto table = Table::Open(dir);
  if (!table.ok()) return "error " + table.status().ToString();
  auto r = Optimize(*table, o);
  if (!r.ok()) {
    return (r.status().code() == StatusCode::kConflict ? "conflict " : "error ") +
           r.status().ToString();
  }
  if (r->version < 0) return "noop";
  return "ok " + std::to_string(r->version) + " " + std::to_string(r->files_removed) + " " +
         std::to_string(r->files_added);
}

// The child process. Roles (LAKE_TEST_ROLE):
//   append:          LAKE_TEST_ID-th appender; kAppendsEach appends of kRowsPerAppend rows;
//                    writes "ack <version> <first id>" or "fail <error>" per append.
//   optimize:        optimizes until LAKE_TEST_STOP exists; one outcome line per run.
//   optimize-paused: one optimize that, with its files written, creates LAKE_TEST_READY and
//                    waits for LAKE_TEST_GO before committing; one outcome line.
TEST(OptimizeProcsChild, DISABLED_Run) {
  const std::string role = Env("LAKE_TEST_ROLE"), dir = Env("LAKE_TEST_TABLE");
  if (role.empty()) GTEST_SKIP() << "only run as a child of OptimizeProcs";
  std::ofstream out(Env("LAKE_TEST_OUT"));
  if (role == "append") {
    const int64_t id = std::stoll(Env("LAKE_TEST_ID"));
    for (int k = 0; k < kAppendsEach; ++k) {
      int64_t first = (id + 1) * 1000000 + k * kRowsPerAppend, version = -1;
      Status st = AppendIds(dir, first, kRowsPerAppend, &version);
      if (st.ok()) {
        out << "ack " << version << " " << first << std::endl;
      } else {
        out << "fail " << st.ToString() << std::endl;
      }
    }
  } else if (role == "optimize") {
    const std::string stop = Env("LAKE_TEST_STOP");
    while (!fs::exists(stop)) {
      out << OptimizeOutcome(dir, {}) << std::endl;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else if (role == "optimize-paused") {
    OptimizeOptions o;
    o.before_commit = [] {
      std::ofstream(Env("LAKE_TEST_READY")) << "ready";
      WaitForFile(Env("LAKE_TEST_GO"), 60);
    };
    out << OptimizeOutcome(dir, o) << std::endl;
  } else {
    FAIL() << "unknown role " << role;
  }
}

using lake::testing::Conn;

std::string LatestScanSql(engine::Connection& c, const std::string& dir) {
  return lake::testing::ScanSql(c, lake::testing::At(dir));
}

// "commit conflict at version N: ..." -> N, or -1.
int64_t ConflictVersion(const std::string& line) {
  const std::string key = "at version ";
  size_t p = line.find(key);
  if (p == std::string::npos) return -1;
  return std::stoll(line.substr(p + key.size()));
}

TEST(OptimizeProcs, ConcurrentAppendersLoseNothingAndNeverFailBecauseOfOptimize) {
  TempDir dir;
  const std::string table = dir.path() + "/t";
  int64_t v0 = -1;
  ASSERT_TRUE(AppendIds(table, 0, kRowsPerAppend, &v0).ok());
  std::vector<pid_t> appenders, optimizers;
  auto out = [&](const std::string& who) { return dir.path() + "/out-" + who; };
  const std::string stop = dir.path() + "/stop";
  for (int i = 0; i < kOptimizers; ++i) {
    optimizers.push_back(testing::SpawnTestProcess(
        "OptimizeProcsChild.DISABLED_Run", {{"LAKE_TEST_ROLE", "optimize"},
                                            {"LAKE_TEST_TABLE", table},
                                            {"LAKE_TEST_STOP", stop},
                                            {"LAKE_TEST_OUT", out("opt" + std::to_string(i))}}));
  }
  for (int i = 0; i < kAppenders; ++i) {
    appenders.push_back(testing::SpawnTestProcess(
        "OptimizeProcsChild.DISABLED_Run", {{"LAKE_TEST_ROLE", "append"},
                                            {"LAKE_TEST_TABLE", table},
                                            {"LAKE_TEST_ID", std::to_string(i)},
                                            {"LAKE_TEST_OUT", out("app" + std::to_string(i))}}));
  }
  for (int code : testing::WaitChildren(appenders)) EXPECT_EQ(code, 0);
  std::ofstream(stop) << "stop";
  for (int code : testing::WaitChildren(optimizers)) EXPECT_EQ(code, 0);

  // Appends: every one acknowledged.
  int64_t expected_rows = kRowsPerAppend, expected_sum = kRowsPerAppend * (kRowsPerAppend - 1) / 2;
  for (int i = 0; i < kAppenders; ++i) {
    auto lines = testing::ReadLines(out("app" + std::to_string(i)));
    EXPECT_EQ(lines.size(), static_cast<size_t>(kAppendsEach));
    for (const auto& l : lines) {
      std::istringstream ls(l);
      std::string what;
      int64_t version = 0, first = 0;
      ls >> what >> version >> first;
      ASSERT_EQ(what, "ack") << "appender " << i << ": " << l;
      expected_rows += kRowsPerAppend;
      expected_sum += kRowsPerAppend * first + kRowsPerAppend * (kRowsPerAppend - 1) / 2;
    }
  }

  // Optimizes: succeeded, nothing to do, or lost to a commit that removed files it read.
  auto table_h = Table::Open(table);
  ASSERT_TRUE(table_h.ok());
  auto hist = (*table_h)->History();
  ASSERT_TRUE(hist.ok());
  std::map<int64_t, std::string> op_at;
  for (const auto& h : *hist) op_at[h.version] = h.operation;
  int ok = 0, conflicts = 0, noops = 0;
  for (int i = 0; i < kOptimizers; ++i) {
    for (const auto& l : testing::ReadLines(out("opt" + std::to_string(i)))) {
      if (l.rfind("ok ", 0) == 0) {
        int64_t v = std::stoll(l.substr(3));
        EXPECT_EQ(op_at[v], "OPTIMIZE") << l;
        ++ok;
      } else if (l == "noop") {
        ++noops;
      } else if (l.rfind("conflict ", 0) == 0) {
        ++conflicts;
        EXPECT_NE(l.find("ConcurrentDeleteRead"), std::string::npos) << l;
        // Only a commit that removes files (here: the other optimizer) may beat an optimize.
        EXPECT_EQ(op_at[ConflictVersion(l)], "OPTIMIZE") << l;
      } else {
        ADD_FAILURE() << "optimizer " << i << ": " << l;
      }
    }
  }
  EXPECT_GE(ok, 1) << "no optimize committed while the appends ran";

  // Every row exactly once.
  auto c = Conn();
  auto r = c->Query(
      "SELECT count(*)::BIGINT, count(DISTINCT id)::BIGINT, sum(id)::BIGINT, "
      "sum(hash(id, s, p) % 1000003)::BIGINT FROM (" +
      LatestScanSql(*c, table) + ")");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt64(0, 0), expected_rows);
  EXPECT_EQ(r->GetInt64(1, 0), expected_rows);
  EXPECT_EQ(r->GetInt64(2, 0), expected_sum);
  // The checksum over whole rows against the same rows regenerated from the acknowledged ids.
  std::string ids = "SELECT i::BIGINT AS i FROM range(" + std::to_string(kRowsPerAppend) + ") t(i)";
  std::string firsts = "SELECT 0::BIGINT AS f";
  for (int i = 0; i < kAppenders; ++i)
    for (int k = 0; k < kAppendsEach; ++k)
      firsts += " UNION ALL SELECT " + std::to_string((i + 1) * 1000000 + k * kRowsPerAppend);
  auto want = c->Query(
      "SELECT sum(hash(f + i, 'v' || i, ['a','b','c'][1 + (i % 3)]) % 1000003)::BIGINT "
      "FROM (" +
      firsts + ") CROSS JOIN (" + ids + ")");
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  EXPECT_EQ(r->GetInt64(3, 0), want->GetInt64(0, 0));
  std::printf(
      "[optimize-procs] %d appenders x %d appends, %d optimizers: %d optimize commits, "
      "%d conflicts (optimize vs optimize), %d no-ops; %lld rows\n",
      kAppenders, kAppendsEach, kOptimizers, ok, conflicts, noops,
      static_cast<long long>(expected_rows));
}

TEST(OptimizeProcs, ConcurrentReplaceWhereMakesOptimizeFailWithClearConflict) {
  TempDir dir;
  const std::string table = dir.path() + "/t";
  for (int k = 0; k < 4; ++k) {
    int64_t v = -1;
    ASSERT_TRUE(AppendIds(table, k * 100, 30, &v).ok());
  }
  const std::string ready = dir.path() + "/ready", go = dir.path() + "/go",
                    out = dir.path() + "/out";
  pid_t child = testing::SpawnTestProcess("OptimizeProcsChild.DISABLED_Run",
                                          {{"LAKE_TEST_ROLE", "optimize-paused"},
                                           {"LAKE_TEST_TABLE", table},
                                           {"LAKE_TEST_READY", ready},
                                           {"LAKE_TEST_GO", go},
                                           {"LAKE_TEST_OUT", out}});
  ASSERT_TRUE(WaitForFile(ready, 120)) << "the optimizer never reached its commit";
  // While the optimizer holds its rewritten files uncommitted: replace partition b, removing
  // the files it read there.
  auto w = WriteBuilder(table)
               .Source({"", "SELECT 7::BIGINT AS id, 'x' AS s, 'b' AS p"})
               .Mode(WriteMode::kOverwrite)
               .ReplaceWhere("p = 'b'")
               .Execute();
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::ofstream(go) << "go";
  for (int code : testing::WaitChildren({child})) EXPECT_EQ(code, 0);
  auto lines = testing::ReadLines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("conflict ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("commit conflict at version " + std::to_string(w->version) +
                          ": ConcurrentDeleteRead: a concurrent commit removed 'p=b/"),
            std::string::npos)
      << lines[0];
  // The replace stands, nothing else changed, and the optimizer left no data file behind.
  auto c = Conn();
  auto r = c->Query("SELECT count(*) FILTER (WHERE p = 'b')::BIGINT, count(*)::BIGINT FROM (" +
                    LatestScanSql(*c, table) + ")");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt64(0, 0), 1);
  EXPECT_EQ(r->GetInt64(1, 0), 1 + 80);  // a and c: 4 appends x 10 rows each
  size_t parquet = 0;
  for (const auto& e : fs::recursive_directory_iterator(table))
    parquet += e.path().extension() == ".parquet" &&
               e.path().string().find("_delta_log") == std::string::npos;
  EXPECT_EQ(parquet, 4u * 3u + 1u);  // 4 appends x 3 partitions + the replacement
}

}  // namespace
}  // namespace lake
