// CommitOptions::checkpoint_in_background: due checkpoints written by a worker thread while
// Commit returns, superseded ones skipped, failures reported by WaitForBackgroundCheckpoints,
// and the queue drained at process exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "test_util.h"
#include "txn/commit_writer.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using testing::CreateTestTable;
using testing::FakeAdd;

std::string CheckpointKey(int64_t v) {
  return "_delta_log/" + log::PadVersion(v) + ".checkpoint.parquet";
}

// A local store whose checkpoint puts wait for the test to open a gate, or fail.
class GatedCheckpointStore : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  bool fail = false;

  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // True once a checkpoint put is waiting at the closed gate (up to 20 s).
  bool AwaitBlockedPut() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(20), [&] { return blocked_ > 0; });
  }

  Status Put(std::string_view k, std::string_view d) override {
    if (k.find(".checkpoint.parquet") != std::string_view::npos) {
      if (fail) return Status::IOError("injected: checkpoint put failed");
      std::unique_lock<std::mutex> l(mu_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait_for(l, std::chrono::seconds(20), [&] { return open_; });
      --blocked_;
    }
    return inner_->Put(k, d);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int blocked_ = 0;
};

Result<CommitResult> CommitOne(const std::shared_ptr<Table>& t, int i) {
  auto x = Transaction::Start(t);
  if (!x.ok()) return x.status();
  (*x)->AddFile(FakeAdd("f" + std::to_string(i) + ".parquet", i % 2 ? "x" : "y", i));
  CommitOptions o;
  o.checkpoint_in_background = true;
  return (*x)->Commit(o);
}

TEST(BackgroundCheckpoint, CommitReturnsWhileTheCheckpointIsWrittenAndNewerOnesSupersede) {
  testing::TempDir dir;
  CreateTestTable(dir.path(), {{"delta.checkpointInterval", "4"}});
  auto gated = std::make_shared<GatedCheckpointStore>(NewLocalStore(dir.path(), dir.path()));
  auto table = Table::Open(std::shared_ptr<ObjectStore>(gated));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  for (int i = 1; i <= 4; ++i) {
    auto r = CommitOne(*table, i);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->post_commit_warning.empty()) << r->post_commit_warning;
  }
  // Version 4's checkpoint is held at the gate, yet its commit returned, and commits go on.
  ASSERT_TRUE(gated->AwaitBlockedPut()) << "no checkpoint put started";
  EXPECT_FALSE(gated->Head(CheckpointKey(4)).ok());
  for (int i = 5; i <= 17; ++i) ASSERT_TRUE(CommitOne(*table, i).ok());
  // 8, 12 and 16 fell due while 4 was being written: only the newest, 16, is kept.
  gated->Open();
  ASSERT_TRUE(WaitForBackgroundCheckpoints().ok());
  EXPECT_TRUE(gated->Head(CheckpointKey(4)).ok());
  EXPECT_FALSE(gated->Head(CheckpointKey(8)).ok());
  EXPECT_FALSE(gated->Head(CheckpointKey(12)).ok());
  EXPECT_TRUE(gated->Head(CheckpointKey(16)).ok());
  auto hint = gated->Get("_delta_log/_last_checkpoint");
  ASSERT_TRUE(hint.ok());
  EXPECT_NE(hint->find("\"version\":16"), std::string::npos) << *hint;
  // The checkpoint is complete: without the commits it covers, version 17 loads the same.
  for (int v = 0; v <= 16; ++v) ASSERT_TRUE(gated->Delete(txn::CommitKey(v)).ok());
  auto reopened = Table::Open(dir.path());
  ASSERT_TRUE(reopened.ok());
  auto snap = (*reopened)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 17);
  EXPECT_EQ((*snap)->files().size(), 17u);
}

TEST(BackgroundCheckpoint, FailuresAreReportedByWaitAndTheCommitsStand) {
  testing::TempDir dir;
  CreateTestTable(dir.path(), {{"delta.checkpointInterval", "2"}});
  auto gated = std::make_shared<GatedCheckpointStore>(NewLocalStore(dir.path(), dir.path()));
  gated->fail = true;
  auto table = Table::Open(std::shared_ptr<ObjectStore>(gated));
  ASSERT_TRUE(table.ok());
  for (int i = 1; i <= 3; ++i) {
    auto r = CommitOne(*table, i);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->post_commit_warning.empty()) << r->post_commit_warning;
  }
  Status st = WaitForBackgroundCheckpoints();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("injected: checkpoint put failed"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("checkpoint not written"), std::string::npos) << st.ToString();
  EXPECT_TRUE(WaitForBackgroundCheckpoints().ok()) << "a failure is reported once";
  auto snap = Table::Open(dir.path());
  ASSERT_TRUE(snap.ok());
  auto latest = (*snap)->LatestSnapshot();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->version(), 3);
  EXPECT_EQ((*latest)->files().size(), 3u);
}

// The child half of the next test, run in a fresh process (this binary, re-executed): commits
// in background mode and returns without waiting; the exit drain must write the checkpoint.
TEST(BackgroundCheckpoint, ChildProcessCommitsAndExits) {
  const char* dir = std::getenv("LAKE_BG_CHECKPOINT_CHILD_DIR");
  if (dir == nullptr)
    GTEST_SKIP() << "only run by AProcessThatExitsRightAfterCommittingStillWritesIt";
  auto table = Table::Open(dir);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  for (int i = 7; i <= 9; ++i) ASSERT_TRUE(CommitOne(*table, i).ok());
}

TEST(BackgroundCheckpoint, AProcessThatExitsRightAfterCommittingStillWritesIt) {
  testing::TempDir dir;
  CreateTestTable(dir.path(), {{"delta.checkpointInterval", "3"}});
  // A checkpoint in this process first, so that a forked child inherits a running worker.
  {
    auto table = Table::Open(dir.path());
    ASSERT_TRUE(table.ok());
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(CommitOne(*table, i).ok());
    ASSERT_TRUE(WaitForBackgroundCheckpoints().ok());
    ASSERT_TRUE((*table)->store()->Head(CheckpointKey(3)).ok());
  }
  // 1. After fork() the child's checkpoints are written by a worker of its own (the parent's
  //    thread does not exist there: waiting on it would hang, hence the alarm).
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(60);
    auto table = Table::Open(dir.path());
    if (!table.ok()) _exit(2);
    for (int i = 4; i <= 6; ++i)
      if (!CommitOne(*table, i).ok()) _exit(3);
    _exit(WaitForBackgroundCheckpoints().ok() ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto store = NewLocalStore(dir.path(), dir.path());
  EXPECT_TRUE(store->Head(CheckpointKey(6)).ok());
  // 2. A process that returns from main right after its commits: the queue is drained at exit.
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("LAKE_BG_CHECKPOINT_CHILD_DIR", dir.path().c_str(), 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execl("/proc/self/exe", "lake_tests",
          "--gtest_filter=BackgroundCheckpoint.ChildProcessCommitsAndExits", (char*)nullptr);
    _exit(127);
  }
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(store->Head(CheckpointKey(9)).ok());
  auto hint = store->Get("_delta_log/_last_checkpoint");
  ASSERT_TRUE(hint.ok());
  EXPECT_NE(hint->find("\"version\":9"), std::string::npos) << *hint;
}

}  // namespace
}  // namespace lake
