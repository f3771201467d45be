#include "txn/background_checkpointer.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/duckdb_engine.h"
#include "lake/transaction.h"
#include "log/checkpoint_writer.h"

namespace lake::txn {
namespace {

struct Job {
  std::shared_ptr<Table> table;
  int64_t version = -1;
  std::shared_ptr<const Snapshot> snapshot;
};

class Checkpointer {
 public:
  Checkpointer() : worker_([this] { Run(); }) {}

  void Schedule(Job job) {
    std::lock_guard<std::mutex> lock(mu_);
    // One pending checkpoint per table: the newest covers every older one.
    for (Job& queued : queue_) {
      if (queued.table->uri() == job.table->uri()) {
        if (job.version > queued.version) queued = std::move(job);
        return;
      }
    }
    queue_.push_back(std::move(job));
    work_cv_.notify_one();
  }

  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
    std::vector<Status> errors;
    errors.swap(errors_);
    if (errors.empty()) return Status::OK();
    Status first = errors.front();
    if (errors.size() == 1) return first;
    return Status(first.code(), first.message() + " (and " + std::to_string(errors.size() - 1) +
                                    " more background checkpoint failures)");
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    worker_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      Job job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      const int64_t version = job.version;
      Status st = WriteCheckpointIfDue(job.table, version, job.snapshot);
      job = Job{};  // the last reference to a table may go here, outside the lock
      lock.lock();
      busy_ = false;
      if (!st.ok()) errors_.push_back(st.WithContext("version " + std::to_string(version)));
      if (queue_.empty()) idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<Job> queue_;
  bool busy_ = false, stop_ = false;
  std::vector<Status> errors_;
  std::thread worker_;  // last: starts once the members above exist
};

std::mutex instance_mu;
Checkpointer* instance = nullptr;  // deleted only at exit, once drained and stopped
pid_t instance_pid = 0;

void DrainAtExit() {
  std::lock_guard<std::mutex> lock(instance_mu);
  if (instance == nullptr || instance_pid != getpid()) return;
  (void)instance->Wait();
  instance->Stop();
  delete instance;
  instance = nullptr;
}

Checkpointer& Instance() {
  std::lock_guard<std::mutex> lock(instance_mu);
  // After fork() the parent's worker thread does not exist in the child (and its mutex may be
  // held): the child gets a fresh checkpointer; the parent's copy is abandoned.
  if (instance == nullptr || instance_pid != getpid()) {
    static bool registered = false;
    if (!registered) {
      // The DuckDB instance the worker uses must outlive the drain at exit: statics and atexit
      // handlers are torn down in reverse order of creation, so create it first.
      (void)engine::SharedDatabase();
      std::atexit(DrainAtExit);
      registered = true;
    }
    instance = new Checkpointer();
    instance_pid = getpid();
  }
  return *instance;
}

}  // namespace

void ScheduleBackgroundCheckpoint(std::shared_ptr<Table> table, int64_t version,
                                  std::shared_ptr<const Snapshot> snapshot) {
  Instance().Schedule(Job{std::move(table), version, std::move(snapshot)});
}

}  // namespace lake::txn

namespace lake {

Status WaitForBackgroundCheckpoints() {
  txn::Checkpointer* c = nullptr;
  {
    std::lock_guard<std::mutex> lock(txn::instance_mu);
    if (txn::instance != nullptr && txn::instance_pid == getpid()) c = txn::instance;
  }
  return c ? c->Wait() : Status::OK();
}

}  // namespace lake
