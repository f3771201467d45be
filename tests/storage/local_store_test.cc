#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "lake/object_store.h"
#include "test_util.h"

namespace lake {
namespace {

TEST(LocalStore, PutGetHeadDelete) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  ASSERT_TRUE(store->Put("a/b/c.txt", "hello").ok());
  auto got = store->Get("a/b/c.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello");
  auto range = store->GetRange("a/b/c.txt", 1, 3);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(*range, "ell");
  auto past_end = store->GetRange("a/b/c.txt", 4, 100);
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ(*past_end, "o");
  auto head = store->Head("a/b/c.txt");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  EXPECT_GT(head->mtime_ms, 0);
  ASSERT_TRUE(store->Delete("a/b/c.txt").ok());
  EXPECT_TRUE(store->Get("a/b/c.txt").status().IsNotFound());
  EXPECT_TRUE(store->Head("a/b/c.txt").status().IsNotFound());
  EXPECT_TRUE(store->Delete("a/b/c.txt").ok()) << "deleting a missing object is not an error";
}

TEST(LocalStore, ListIsSortedRecursiveAndHonoursStartAfter) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  for (const char* k :
       {"_delta_log/00000000000000000002.json", "_delta_log/00000000000000000000.json",
        "_delta_log/00000000000000000001.json", "_delta_log/_sidecars/x.parquet", "part-0.parquet",
        "_delta_logx/other"}) {
    ASSERT_TRUE(store->Put(k, "x").ok());
  }
  auto all = store->List("_delta_log/");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> keys;
  for (auto& m : *all) keys.push_back(m.key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.json",
                "_delta_log/00000000000000000002.json", "_delta_log/_sidecars/x.parquet"}));
  auto after = store->List("_delta_log/", "_delta_log/00000000000000000001.json");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].key, "_delta_log/00000000000000000002.json");
  auto partial = store->List("_delta_log/0000");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->size(), 3u);
  auto missing = store->List("nope/");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST(LocalStore, PutIfAbsentRefusesExisting) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  ASSERT_TRUE(store->PutIfAbsent("_delta_log/0.json", "first").ok());
  Status second = store->PutIfAbsent("_delta_log/0.json", "second");
  EXPECT_TRUE(second.IsAlreadyExists()) << second.ToString();
  EXPECT_EQ(*store->Get("_delta_log/0.json"), "first");
}

// Many processes race to create the same keys: each key is won exactly once and holds the
// winner's complete bytes.
TEST(LocalStore, PutIfAbsentExactlyOneWinnerAcrossProcesses) {
  testing::TempDir dir;
  constexpr int kProcs = 8, kKeys = 50;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = NewLocalStore(dir.path(), dir.path());
      int wins = 0;
      for (int k = 0; k < kKeys; ++k) {
        std::string body(4096, static_cast<char>('a' + p));
        Status st = store->PutIfAbsent("k/" + std::to_string(k), body);
        if (st.ok())
          ++wins;
        else if (!st.IsAlreadyExists())
          _exit(100);
      }
      _exit(wins);
    }
    pids.push_back(pid);
  }
  int total_wins = 0;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_NE(WEXITSTATUS(status), 100);
    total_wins += WEXITSTATUS(status);
  }
  EXPECT_EQ(total_wins, kKeys);
  auto store = NewLocalStore(dir.path(), dir.path());
  auto listed = store->List("k/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kKeys)) << "no temp files may be left visible";
  for (auto& m : *listed) {
    auto body = store->Get(m.key);
    ASSERT_TRUE(body.ok());
    ASSERT_EQ(body->size(), 4096u);
    EXPECT_EQ(body->find_first_not_of((*body)[0]), std::string::npos) << "torn write in " << m.key;
  }
}

// The staged put-if-absent of the commit retry loop: one temp file, linked to successive keys
// until one is free; the losers' keys keep their bytes; the temp goes with the staged object.
TEST(LocalStore, StagedLinkTriesSuccessiveKeys) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  ASSERT_TRUE(store->PutIfAbsent("_delta_log/1.json", "winner1").ok());
  ASSERT_TRUE(store->PutIfAbsent("_delta_log/2.json", "winner2").ok());
  auto staged = store->StageForPutIfAbsent("_delta_log/1.json", "mine");
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ((*staged)->data(), "mine");
  EXPECT_EQ(store->List("_delta_log/")->size(), 3u);  // 1, 2 and the (hidden) temp file
  auto before = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  for (const char* taken : {"_delta_log/1.json", "_delta_log/2.json"}) {
    Status st = store->LinkStagedIfAbsent(**staged, taken);
    EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  }
  ASSERT_TRUE(store->LinkStagedIfAbsent(**staged, "_delta_log/3.json").ok());
  EXPECT_EQ(*store->Get("_delta_log/1.json"), "winner1");
  EXPECT_EQ(*store->Get("_delta_log/2.json"), "winner2");
  EXPECT_EQ(*store->Get("_delta_log/3.json"), "mine");
  // A retry refreshes the mtime (the commit timestamp without ICT) to the time of the link.
  int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          before.time_since_epoch()).count();
  EXPECT_GE(store->Head("_delta_log/3.json")->mtime_ms, before_ms + 40);
  staged->reset();
  auto listed = store->List("_delta_log/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u) << "the temp file must go with the staged object";
  EXPECT_EQ((*listed)[2].key, "_delta_log/3.json");
  // Dropping a staged object that never won leaves nothing either.
  {
    auto unused = store->StageForPutIfAbsent("_delta_log/4.json", "x");
    ASSERT_TRUE(unused.ok());
  }
  EXPECT_EQ(store->List("_delta_log/")->size(), 3u);
}

// A StagedObject the store did not make (the default implementation's kind) falls back to
// PutIfAbsent with its bytes.
TEST(LocalStore, ForeignStagedObjectFallsBackToPutIfAbsent) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  StagedObject plain("bytes");
  ASSERT_TRUE(store->LinkStagedIfAbsent(plain, "k/a").ok());
  EXPECT_TRUE(store->LinkStagedIfAbsent(plain, "k/a").IsAlreadyExists());
  EXPECT_EQ(*store->Get("k/a"), "bytes");
}

// Processes race as the commit loop does: each stages its bytes once and links them to the
// next free key, walking on after each lost race. Every key is won exactly once, holds whole
// bytes, and every process's bytes land exactly once per round.
TEST(LocalStore, StagedLinkExactlyOneWinnerAcrossProcesses) {
  testing::TempDir dir;
  constexpr int kProcs = 8, kRounds = 20;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = NewLocalStore(dir.path(), dir.path());
      int key = 0;
      for (int r = 0; r < kRounds; ++r) {
        std::string body(4096, static_cast<char>('a' + p));
        body += std::to_string(r);
        auto staged = store->StageForPutIfAbsent("k/" + std::to_string(key), body);
        if (!staged.ok()) _exit(100);
        for (;; ++key) {
          Status st = store->LinkStagedIfAbsent(**staged, "k/" + std::to_string(1000 + key));
          if (st.ok()) break;
          if (!st.IsAlreadyExists()) _exit(101);
        }
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = NewLocalStore(dir.path(), dir.path());
  auto listed = store->List("k/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), static_cast<size_t>(kProcs * kRounds)) << "temp files left?";
  std::set<std::string> seen;
  for (int k = 0; k < kProcs * kRounds; ++k) {
    auto body = store->Get("k/" + std::to_string(1000 + k));
    ASSERT_TRUE(body.ok()) << "keys must be contiguous: " << k;
    ASSERT_GE(body->size(), 4097u);
    EXPECT_EQ(body->find_first_not_of((*body)[0]), 4096u) << "torn write at " << k;
    EXPECT_TRUE(seen.insert(*body).second) << "twice: " << *body;
  }
}

TEST(LocalPathFromUri, DecodesFileUris) {
  EXPECT_EQ(*LocalPathFromUri("file:///a/b%20c"), "/a/b c");
  EXPECT_EQ(*LocalPathFromUri("file:/a/b"), "/a/b");
  EXPECT_EQ(*LocalPathFromUri("/x/y/"), "/x/y");
  EXPECT_EQ(LocalPathFromUri("s3x://b/k").status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(LocalPathFromUri("").ok());
}

}  // namespace
}  // namespace lake
