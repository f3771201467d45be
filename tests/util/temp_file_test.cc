#include "util/temp_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace lake {
namespace {

namespace fs = std::filesystem;

TEST(TempFile, CreatedEmptyAndRemovedWithTheObject) {
  std::string path;
  {
    auto t = TempFile::Create("lake-tf-test-", ".json");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    path = t->path();
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(fs::file_size(path), 0u);
    EXPECT_TRUE(path.ends_with(".json"));
    EXPECT_EQ(fs::path(path).parent_path(), fs::path(TempFile::Directory()));
  }
  EXPECT_FALSE(fs::exists(path));
}

// What a killed process leaves (files of the prefix, a day old) is swept; fresh files (a
// process still running), other prefixes and folders are not.
TEST(TempFile, SweepsOnlyStaleFilesOfThePrefix) {
  testing::TempDir dir;
  auto touch = [&](const std::string& name, int64_t age_s) {
    std::string p = dir.path() + "/" + name;
    std::ofstream(p) << "x";
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::seconds(age_s));
    return p;
  };
  std::string stale1 = touch("lake-ckpt-aaaaaa.json", 2 * 86400);
  std::string stale2 = touch("lake-ckpt-bbbbbb.parquet", 86400 + 60);
  std::string fresh = touch("lake-ckpt-cccccc.json", 60);
  std::string other = touch("other-dddddd.json", 3 * 86400);
  fs::create_directory(dir.path() + "/lake-ckpt-folder");
  EXPECT_EQ(TempFile::SweepStale(dir.path(), "lake-ckpt-", 86400), 2);
  EXPECT_FALSE(fs::exists(stale1));
  EXPECT_FALSE(fs::exists(stale2));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(dir.path() + "/lake-ckpt-folder"));
}

TEST(TempFile, FirstCreateSweepsTheTempDirectory) {
  testing::TempDir dir;
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", dir.path().c_str(), 1);
  std::string stale = dir.path() + "/lake-sweep-test-zzzzzz";
  std::ofstream(stale) << "x";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(48));
  {
    auto t = TempFile::Create("lake-sweep-test-");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
  }
  if (old)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
}  // namespace lake
