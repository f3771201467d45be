// Transactions: table creation, commits, idempotent writes, in-commit timestamps, every
// conflict rule under both isolation levels, a full disk, and SIGKILL at random moments.
#include "lake/transaction.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include "log/action_parser.h"
#include "log/log_segment.h"
#include "test_util.h"
#include "txn/commit_writer.h"
#include "txn_test_util.h"

namespace lake {
namespace {

using testing::CreateTestTable;
using testing::FakeAdd;

std::unique_ptr<Transaction> StartTxn(const std::shared_ptr<Table>& t) {
  auto x = Transaction::Start(t);
  EXPECT_TRUE(x.ok()) << x.status().ToString();
  return std::move(*x);
}

std::unique_ptr<Transaction> StartOn(const std::shared_ptr<Table>& t,
                                     std::shared_ptr<const Snapshot> s) {
  auto x = Transaction::Start(t, std::move(s));
  EXPECT_TRUE(x.ok()) << x.status().ToString();
  return std::move(x).value();
}

int64_t CommitOk(Transaction& x) {
  auto r = x.Commit();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->version : -2;
}

std::string ReadCommit(const std::string& dir, int64_t v) {
  auto store = NewLocalStore(dir, dir);
  auto d = store->Get("_delta_log/" + log::PadVersion(v) + ".json");
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : "";
}

TEST(TransactionTest, CreateAppendAndSnapshot) {
  testing::TempDir dir;
  EXPECT_TRUE(Table::Open(dir.path()).status().IsNotFound());
  auto t = CreateTestTable(dir.path());
  // Creating needs protocol + metadata.
  {
    testing::TempDir other;
    auto t2 = Table::OpenForCreate(other.path());
    ASSERT_TRUE(t2.ok());
    auto x = StartTxn(*t2);
    EXPECT_EQ(x->read_version(), -1);
    x->AddFile(FakeAdd("a", "x"));
    auto r = x->Commit();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  }
  auto x = StartTxn(t);
  EXPECT_EQ(x->read_version(), 0);
  x->AddFile(FakeAdd("a.parquet", "x", 10));
  x->AddFile(FakeAdd("b.parquet", "y", 5));
  x->SetOperation("WRITE", R"({"mode":"Append"})", R"({"numFiles":2,"numOutputRows":15})");
  auto r = x->Commit();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->attempts, 1);
  ASSERT_TRUE(r->snapshot);
  EXPECT_EQ(r->snapshot->version(), 1);
  EXPECT_EQ(r->snapshot->files().size(), 2u);
  EXPECT_EQ(r->snapshot->TotalRecords(), 15);
  // Same as a full load.
  auto full = t->LatestSnapshot();
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)->version(), 1);
  EXPECT_EQ((*full)->TotalRecords(), 15);
  EXPECT_EQ((*full)->timestamp_ms(), r->snapshot->timestamp_ms());
  // commitInfo first, Spark's fields.
  std::string c1 = ReadCommit(dir.path(), 1);
  EXPECT_TRUE(c1.starts_with(R"({"commitInfo":{"timestamp":)")) << c1;
  EXPECT_NE(c1.find(R"("readVersion":0,"isolationLevel":"WriteSerializable","isBlindAppend":true)"),
            std::string::npos)
      << c1;
  EXPECT_NE(
      c1.find(
          R"("operationMetrics":{"numFiles":"2","numOutputRows":"15"},"engineInfo":"lake/0.1.0","txnId":")"),
      std::string::npos)
      << c1;
  std::string c0 = ReadCommit(dir.path(), 0);
  EXPECT_EQ(c0.find("readVersion"), std::string::npos);
  EXPECT_NE(c0.find(R"({"protocol":)"), std::string::npos);
  EXPECT_NE(c0.find(R"({"metaData":)"), std::string::npos);
  // Single use.
  EXPECT_FALSE(x->Commit().ok());
  // Remove + history.
  auto y = Transaction::Start(t, r->snapshot);
  ASSERT_TRUE(y.ok());
  (*y)->ReadPredicate("p = 'x'");
  for (const auto& f : r->snapshot->files())
    if (f.partition_values[0].second == "x") {
      (*y)->ReadFile(f);
      (*y)->RemoveFile(RemoveFor(f, 1767225600000));
    }
  auto r2 = (*y)->Commit();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->snapshot->TotalRecords(), 5);
  EXPECT_EQ(r2->snapshot->tombstones().size(), 1u);
  EXPECT_EQ((*t->LatestSnapshot())->TotalRecords(), 5);
  EXPECT_NE(ReadCommit(dir.path(), 2).find(R"("isBlindAppend":false)"), std::string::npos);
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), 3);
}

TEST(TransactionTest, RefusesUnencodedPathAndAppendOnlyRemove) {
  testing::TempDir dir;
  auto t = CreateTestTable(dir.path(), {{"delta.appendOnly", "true"}});
  auto x = StartTxn(t);
  AddFile a = FakeAdd("a b.parquet", "x");
  x->AddFile(a);
  auto r = x->Commit();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("URI-encoded"), std::string::npos);
  auto y = StartTxn(t);
  a.path = EncodeDeltaPath(a.path);
  y->AddFile(a);
  ASSERT_EQ(CommitOk(*y), 1);
  auto z = StartTxn(t);
  z->RemoveFile(RemoveFor(a, 1));
  EXPECT_EQ(z->Commit().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*t->LatestSnapshot())->files().size(), 1u);
  EXPECT_EQ((*t->LatestSnapshot())->files()[0].path, "p=x/a%20b.parquet");
}

TEST(TransactionTest, IdempotentAppTransaction) {
  testing::TempDir dir;
  auto t = CreateTestTable(dir.path());
  auto x = StartTxn(t);
  x->SetAppTransaction("stream-1", 5);
  x->AddFile(FakeAdd("a", "x"));
  ASSERT_EQ(CommitOk(*x), 1);
  EXPECT_EQ((*t->LatestSnapshot())->app_transactions().at("stream-1").version, 5);
  for (int64_t v : {5, 3}) {
    auto y = StartTxn(t);
    y->SetAppTransaction("stream-1", v);
    y->AddFile(FakeAdd("b" + std::to_string(v), "x"));
    EXPECT_TRUE(y->AlreadyCommitted());
    auto r = y->Commit();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->skipped);
    EXPECT_EQ(r->version, -1);
  }
  auto z = StartTxn(t);
  z->SetAppTransaction("stream-1", 6);
  z->AddFile(FakeAdd("c", "x"));
  EXPECT_EQ(CommitOk(*z), 2);
  EXPECT_EQ((*t->LatestSnapshot())->version(), 2);
  EXPECT_EQ((*t->LatestSnapshot())->files().size(), 2u);
}

TEST(TransactionTest, InCommitTimestampsMonotonic) {
  testing::TempDir dir;
  // Needs the writer feature.
  {
    testing::TempDir d2;
    auto t2 = *Table::OpenForCreate(d2.path());
    auto x = StartTxn(t2);
    x->SetProtocol(testing::TestProtocol(false));
    x->SetMetadata(testing::TestMetadata({{"delta.enableInCommitTimestamps", "true"}}));
    EXPECT_EQ(x->Commit().status().code(), StatusCode::kInvalidArgument);
  }
  auto t = CreateTestTable(dir.path(), {{"delta.enableInCommitTimestamps", "true"}}, true);
  // Put version 1's ICT far in the future by hand: later commits must still exceed it.
  int64_t future = 4102444800000;  // 2100-01-01
  std::string c1 = R"({"commitInfo":{"inCommitTimestamp":)" + std::to_string(future) +
                   R"(,"timestamp":1,"operation":"WRITE"}})"
                   "\n" +
                   txn::SerializeAction(FakeAdd("a", "x")) + "\n";
  ASSERT_TRUE(t->store()->PutIfAbsent("_delta_log/" + log::PadVersion(1) + ".json", c1).ok());
  int64_t prev = future;
  // One from the latest snapshot, one from a stale snapshot (read version 0: loses the race
  // and takes the winner's ICT into account).
  auto stale = *t->SnapshotAtVersion(0);
  for (int i = 0; i < 3; ++i) {
    auto x = i == 1 ? StartOn(t, stale) : StartTxn(t);
    x->AddFile(FakeAdd("f" + std::to_string(i), "x"));
    auto r = x->Commit();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto ci = log::ParseCommitFileToActions(ReadCommit(dir.path(), r->version), "c");
    ASSERT_TRUE(ci.ok());
    const CommitInfo& info = std::get<CommitInfo>(ci->at(0));
    ASSERT_TRUE(info.in_commit_timestamp);
    EXPECT_GT(*info.in_commit_timestamp, prev);
    prev = *info.in_commit_timestamp;
    EXPECT_EQ(r->snapshot->timestamp_ms(), prev);
    EXPECT_EQ((*t->LatestSnapshot())->timestamp_ms(), prev);
  }
  EXPECT_EQ(testing::ValidateAllCommits(dir.path()), 5);
}

TEST(TransactionTest, EnablingInCommitTimestampsRecordsEnablement) {
  testing::TempDir dir;
  auto t = CreateTestTable(dir.path(), {}, true);
  auto x = StartTxn(t);
  x->SetMetadata(testing::TestMetadata({{"delta.enableInCommitTimestamps", "true"}}));
  ASSERT_EQ(CommitOk(*x), 1);
  auto s = *t->LatestSnapshot();
  EXPECT_EQ(s->metadata().configuration.at("delta.inCommitTimestampEnablementVersion"), "1");
  EXPECT_EQ(s->metadata().configuration.at("delta.inCommitTimestampEnablementTimestamp"),
            std::to_string(s->timestamp_ms()));
}

// --- conflict rules -----------------------------------------------------------------------

class ConflictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = CreateTestTable(dir_.path(), {}, true);
    auto x = StartTxn(table_);
    x->AddFile(FakeAdd("x1", "x", 10, 0));
    x->AddFile(FakeAdd("y1", "y", 10, 100));
    ASSERT_EQ(CommitOk(*x), 1);
    snap_ = *table_->LatestSnapshot();
  }
  std::unique_ptr<Transaction> Txn() { return StartOn(table_, snap_); }
  const AddFile& File(const std::string& part) {
    for (const auto& f : snap_->files())
      if (f.partition_values[0].second == part) return f;
    throw std::runtime_error("no file");
  }
  // Commits `winner`, then `loser`; returns the loser's status.
  Status Race(Transaction& winner, Transaction& loser) {
    auto w = winner.Commit();
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    auto l = loser.Commit();
    if (l.ok()) {
      EXPECT_EQ(l->attempts, 2);
      EXPECT_EQ(l->version, w->version + 1);
      EXPECT_EQ(l->winning_commits, 1);
      EXPECT_EQ(l->snapshot->version(), l->version);
      // The incremental snapshot equals a full load.
      auto full = *table_->LatestSnapshot();
      EXPECT_EQ(full->files().size(), l->snapshot->files().size());
      EXPECT_EQ(full->TotalRecords(), l->snapshot->TotalRecords());
    }
    return l.status();
  }
  void ExpectConflict(const Status& st, const std::string& reason) {
    EXPECT_EQ(st.code(), StatusCode::kConflict) << st.ToString();
    EXPECT_NE(st.message().find("commit conflict at version 2: " + reason), std::string::npos)
        << st.ToString();
  }
  // A read-then-write transaction: reads p = 'x', rewrites its file.
  std::unique_ptr<Transaction> Overwrite(const std::string& part, const std::string& name) {
    auto x = Txn();
    x->ReadPredicate("p = '" + part + "'");
    x->ReadFile(File(part));
    x->RemoveFile(RemoveFor(File(part), 1));
    x->AddFile(FakeAdd(name, part));
    return x;
  }
  std::unique_ptr<Transaction> Append(const std::string& part, const std::string& name,
                                      int64_t min_id = 0) {
    auto x = Txn();
    x->AddFile(FakeAdd(name, part, 10, min_id));
    return x;
  }

  testing::TempDir dir_;
  std::shared_ptr<Table> table_;
  std::shared_ptr<const Snapshot> snap_;
};

TEST_F(ConflictTest, BlindAppendsNeverConflict) {
  auto a = Append("x", "a1"), b = Append("x", "b1");
  EXPECT_TRUE(Race(*a, *b).ok());
  snap_ = *table_->LatestSnapshot();
  a = Append("x", "a2");
  b = Append("y", "b2");
  b->SetIsolationLevel(IsolationLevel::kSerializable);
  EXPECT_TRUE(Race(*a, *b).ok());
}

TEST_F(ConflictTest, BlindAppendVsReadWriteUnderWriteSerializable) {
  // The winner blindly appends into the partition the loser read: no conflict (WS).
  auto w = Append("x", "a1");
  auto l = Overwrite("x", "o1");
  EXPECT_TRUE(Race(*w, *l).ok());
}

TEST_F(ConflictTest, BlindAppendVsReadWriteUnderSerializable) {
  auto w = Append("x", "a1");
  auto l = Overwrite("x", "o1");
  l->SetIsolationLevel(IsolationLevel::kSerializable);
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, SerializableFromTableProperty) {
  testing::TempDir d;
  auto t = CreateTestTable(d.path(), {{"delta.isolationLevel", "Serializable"}});
  auto s = *t->LatestSnapshot();
  auto w = StartOn(t, s);
  auto l = StartOn(t, s);
  EXPECT_EQ(l->isolation_level(), IsolationLevel::kSerializable);
  w->AddFile(FakeAdd("a", "x"));
  l->ReadPredicate("p = 'x'");
  l->AddFile(FakeAdd("b", "x"));
  ASSERT_TRUE(w->Commit().ok());
  auto r = l->Commit();
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("ConcurrentAppend"), std::string::npos);
}

TEST_F(ConflictTest, NonBlindAddMatchingReadPredicateConflicts) {
  // The winner read and wrote partition x (not a blind append): its add conflicts with a
  // transaction that read p = 'x' even under WriteSerializable.
  auto w = Overwrite("x", "w1");
  auto l = Txn();
  l->ReadPredicate("p = 'x'");
  l->AddFile(FakeAdd("l1", "x"));
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, AddOutsideReadPredicateDoesNotConflict) {
  // Partition pruning: the winner's add is in y, the loser read x.
  auto w = Txn();
  w->ReadPredicate("p = 'y'");
  w->AddFile(FakeAdd("w1", "y"));
  auto l = Txn();
  l->ReadPredicate("p = 'x'");
  l->AddFile(FakeAdd("l1", "x"));
  l->SetIsolationLevel(IsolationLevel::kSerializable);
  EXPECT_TRUE(Race(*w, *l).ok());
}

TEST_F(ConflictTest, StatsDecideDataPredicates) {
  // Winner adds ids 500..509 (not blind: it read something).
  auto w = Txn();
  w->ReadPredicate("id > 1000");
  w->AddFile(FakeAdd("w1", "x", 10, 500));
  auto l = Txn();
  l->ReadPredicate("id < 100");  // cannot match ids 500..509
  l->AddFile(FakeAdd("l1", "x"));
  EXPECT_TRUE(Race(*w, *l).ok());
}

TEST_F(ConflictTest, StatsMatchConflicts) {
  auto w = Txn();
  w->ReadPredicate("id > 1000");
  w->AddFile(FakeAdd("w1", "y", 10, 500));
  auto l = Txn();
  l->ReadPredicate("id BETWEEN 505 AND 600");
  l->AddFile(FakeAdd("l1", "x"));
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, WholeTableReadConflictsWithAnyNonBlindAdd) {
  auto w = Txn();
  w->ReadPredicate("p = 'y'");
  w->AddFile(FakeAdd("w1", "y"));
  auto l = Txn();
  l->ReadWholeTable();
  l->AddFile(FakeAdd("l1", "x"));
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, UnparsablePredicateIsConservative) {
  auto w = Txn();
  w->ReadPredicate("p = 'y'");
  w->AddFile(FakeAdd("w1", "y"));
  auto l = Txn();
  l->ReadPredicate("length(p) = 1");  // functions: not evaluable -> matches everything
  l->AddFile(FakeAdd("l1", "x"));
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, ConcurrentDeleteRead) {
  auto w = Txn();
  w->RemoveFile(RemoveFor(File("x"), 1));
  auto l = Txn();
  l->ReadFile(File("x"));
  l->AddFile(FakeAdd("l1", "y"));
  ExpectConflict(Race(*w, *l), "ConcurrentDeleteRead");
}

// A winner that re-adds a file (same path, no remove; e.g. a row tracking backfill) replaced
// the add the loser read: a conflict too. A file the loser did not read is no conflict.
TEST_F(ConflictTest, ConcurrentReaddOfAReadFile) {
  auto w = Txn();
  AddFile again = File("x");
  again.data_change = false;
  w->AddFile(again);
  auto l = Txn();
  l->ReadFile(File("x"));
  l->AddFile(FakeAdd("l1", "y"));
  ExpectConflict(Race(*w, *l), "ConcurrentDeleteRead");
}

TEST_F(ConflictTest, ConcurrentReaddOfAnUnreadFileDoesNotConflict) {
  auto w2 = Txn();
  AddFile other = File("y");
  other.data_change = false;
  w2->AddFile(other);
  auto l2 = Txn();
  l2->ReadFile(File("x"));
  l2->AddFile(FakeAdd("l2", "y"));
  EXPECT_TRUE(Race(*w2, *l2).ok());
}

TEST_F(ConflictTest, ConcurrentDeleteReadWholeTable) {
  auto w = Txn();
  w->RemoveFile(RemoveFor(File("y"), 1));
  auto l = Txn();
  l->ReadWholeTable();
  ExpectConflict(Race(*w, *l), "ConcurrentDeleteRead");
}

TEST_F(ConflictTest, RemoveOfUnreadFileDoesNotConflict) {
  auto w = Txn();
  w->ReadFile(File("y"));
  w->RemoveFile(RemoveFor(File("y"), 1));
  auto l = Overwrite("x", "o1");
  EXPECT_TRUE(Race(*w, *l).ok());
}

TEST_F(ConflictTest, ConcurrentDeleteDelete) {
  auto w = Txn();
  w->RemoveFile(RemoveFor(File("x"), 1));
  auto l = Txn();
  l->RemoveFile(RemoveFor(File("x"), 2));
  ExpectConflict(Race(*w, *l), "ConcurrentDeleteDelete");
}

TEST_F(ConflictTest, OverwriteVsOverwriteSamePartition) {
  auto w = Overwrite("x", "w1");
  auto l = Overwrite("x", "l1");
  // Both read p='x' and removed the same file: the winner's add matches first.
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, OverwritesOfDifferentPartitionsCommute) {
  auto w = Overwrite("y", "w1");
  auto l = Overwrite("x", "l1");
  EXPECT_TRUE(Race(*w, *l).ok());
}

TEST_F(ConflictTest, MetadataChanged) {
  auto w = Txn();
  w->SetMetadata(testing::TestMetadata({{"k", "v"}}));
  auto l = Append("x", "l1");  // even a blind append
  ExpectConflict(Race(*w, *l), "MetadataChanged");
}

TEST_F(ConflictTest, ProtocolChanged) {
  auto w = Txn();
  Protocol p = testing::TestProtocol(true);
  p.writer_features->push_back("appendOnly");
  w->SetProtocol(p);
  auto l = Append("x", "l1");
  ExpectConflict(Race(*w, *l), "ProtocolChanged");
}

TEST_F(ConflictTest, MetadataChangeConflictsWithBlindAppendUnderWriteSerializable) {
  auto w = Append("x", "a1");
  auto l = Txn();
  l->SetMetadata(testing::TestMetadata({{"k", "v"}}));
  ExpectConflict(Race(*w, *l), "ConcurrentAppend");
}

TEST_F(ConflictTest, ConcurrentTransactionSameAppId) {
  auto w = Append("x", "a1");
  w->SetAppTransaction("app", 1);
  auto l = Append("x", "a2");
  l->SetAppTransaction("app", 2);
  ExpectConflict(Race(*w, *l), "ConcurrentTransaction");
  // Different app ids: fine.
  snap_ = *table_->LatestSnapshot();
  auto w2 = Append("x", "a3");
  w2->SetAppTransaction("app-a", 1);
  auto l2 = Append("x", "a4");
  l2->SetAppTransaction("app-b", 1);
  auto r = w2->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(l2->Commit().ok());
}

TEST_F(ConflictTest, ConcurrentDomainMetadata) {
  auto w = Txn();
  w->SetDomainMetadata({"my.domain", "{\"a\":1}", false});
  auto l = Txn();
  l->SetDomainMetadata({"my.domain", "{\"a\":2}", false});
  ExpectConflict(Race(*w, *l), "ConcurrentDomainMetadata");
}

TEST_F(ConflictTest, ConcurrentCreateLosesWithMetadataChanged) {
  testing::TempDir d;
  auto t = *Table::OpenForCreate(d.path());
  auto a = StartTxn(t);
  auto b = StartTxn(t);
  for (auto* x : {a.get(), b.get()}) {
    x->SetProtocol(testing::TestProtocol());
    x->SetMetadata(testing::TestMetadata());
  }
  ASSERT_TRUE(a->Commit().ok());
  auto r = b->Commit();
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("commit conflict at version 0: ProtocolChanged"),
            std::string::npos)
      << r.status().ToString();
}

TEST_F(ConflictTest, RetryBudget) {
  // A stale transaction behind 3 winners, with a budget of 1 attempt.
  for (int i = 0; i < 3; ++i) {
    auto x = Append("x", "w" + std::to_string(i));
    ASSERT_TRUE(x->Commit().ok());
  }
  auto l = Append("y", "l");
  CommitOptions o;
  o.max_attempts = 1;
  auto r = l->Commit(o);
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("retry budget exhausted"), std::string::npos);
  // With a budget it catches up over all winners in one retry.
  auto l2 = Append("y", "l2");
  auto r2 = l2->Commit();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->version, 5);
  EXPECT_EQ(r2->attempts, 2);
  EXPECT_EQ(r2->winning_commits, 3);
}

// A lost race re-links the staged commit: the retry commits the same bytes (commitInfo keeps
// the first attempt's timestamp), no temp file is left behind, and a deadline budget gives up.
TEST_F(ConflictTest, RetriesRelinkStagedBytesAndLeaveNoTempFiles) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Append("x", "w" + std::to_string(i))->Commit().ok());
  auto l = Append("y", "l");
  int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto r = l->Commit();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->version, 5);
  auto actions = log::ParseCommitFileToActions(ReadCommit(dir_.path(), 5), "c");
  ASSERT_TRUE(actions.ok());
  const CommitInfo& ci = std::get<CommitInfo>(actions->at(0));
  ASSERT_TRUE(ci.timestamp);
  EXPECT_GE(*ci.timestamp, before);
  EXPECT_EQ(r->snapshot->files().size(), (*table_->LatestSnapshot())->files().size());
  for (auto& e : std::filesystem::directory_iterator(dir_.path() + "/_delta_log")) {
    EXPECT_NE(e.path().filename().string()[0], '.') << "temp file left: " << e.path();
  }
  // A budget in time: a zero deadline gives up after the first lost race.
  auto late = Append("y", "late");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Append("x", "v" + std::to_string(i))->Commit().ok());
  CommitOptions o;
  o.retry_deadline = std::chrono::milliseconds(0);
  auto g = late->Commit(o);
  EXPECT_EQ(g.status().code(), StatusCode::kConflict);
  EXPECT_NE(g.status().message().find("retry budget exhausted"), std::string::npos);
  EXPECT_EQ(testing::ValidateAllCommits(dir_.path()), 8);
}

// --- failures -----------------------------------------------------------------------------

TEST(TransactionFailureTest, FullDiskIsAnIOErrorAndCommitsNothing) {
  testing::TempDir dir;
  auto t = CreateTestTable(dir.path());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl {
      512, 512
    };
    setrlimit(RLIMIT_FSIZE, &rl);
    auto table = Table::Open(dir.path());
    if (!table.ok()) _exit(10);
    auto x = Transaction::Start(*table);
    if (!x.ok()) _exit(11);
    for (int i = 0; i < 20; ++i) (*x)->AddFile(FakeAdd("f" + std::to_string(i), "x"));
    auto r = (*x)->Commit();
    if (r.ok()) _exit(12);
    if (r.status().code() != StatusCode::kIOError) _exit(13);
    if (r.status().message().find("File too large") == std::string::npos) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto s = Table::Open(dir.path());
  ASSERT_TRUE(s.ok());
  auto snap = (*s)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 0);
  // No temp file left behind either.
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path() + "/_delta_log")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(TransactionFailureTest, SigkillAtRandomMomentsNeverTearsACommit) {
  testing::TempDir dir;
  CreateTestTable(dir.path());
  std::mt19937 rng(12345);
  int64_t last_ack = 0;
  const int kIterations = 40;
  int killed_mid_run = 0;
  for (int it = 0; it < kIterations; ++it) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      auto table = Table::Open(dir.path());
      if (!table.ok()) _exit(2);
      auto x = Transaction::Start(*table);
      if (!x.ok()) _exit(3);
      std::shared_ptr<const Snapshot> snap = (*x)->read_snapshot();
      for (int n = 0;; ++n) {
        auto tx = Transaction::Start(*table, snap);
        if (!tx.ok()) _exit(4);
        (*tx)->AddFile(FakeAdd("k" + std::to_string(it) + "-" + std::to_string(n), "x", 1));
        auto r = (*tx)->Commit();
        if (!r.ok()) _exit(5);
        snap = r->snapshot;
        int64_t v = r->version;
        if (write(fds[1], &v, sizeof v) != sizeof v) _exit(6);
      }
    }
    close(fds[1]);
    // Let the child acknowledge one commit first (so a loaded machine cannot turn every
    // iteration into a kill during start-up), then kill it at a random moment.
    int64_t v;
    if (read(fds[0], &v, sizeof v) == sizeof v) last_ack = std::max(last_ack, v);
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(200, 30000)(rng)));
    kill(pid, SIGKILL);
    while (read(fds[0], &v, sizeof v) == sizeof v) last_ack = std::max(last_ack, v);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
      ++killed_mid_run;
    else
      ADD_FAILURE() << "child exited with " << WEXITSTATUS(status);
    auto t = Table::Open(dir.path());
    ASSERT_TRUE(t.ok());
    auto s = (*t)->LatestSnapshot();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_GE((*s)->version(), last_ack);
    EXPECT_EQ(static_cast<int64_t>((*s)->files().size()), (*s)->version());
  }
  EXPECT_EQ(killed_mid_run, kIterations);
  // Every commit file is whole and valid.
  int n = testing::ValidateAllCommits(dir.path());
  EXPECT_GT(n, kIterations);
  std::printf("[crash] %d kills, %d versions committed, last acknowledged %lld\n", kIterations,
              n - 1, static_cast<long long>(last_ack));
}

}  // namespace
}  // namespace lake

namespace lake {
namespace {

// Commits write a checkpoint every delta.checkpointInterval versions, and the table then loads
// from it (the commits before it can go).
TEST(TransactionTest, CommitsWriteCheckpointsAtTheInterval) {
  testing::TempDir dir;
  auto t = testing::CreateTestTable(dir.path(), {{"delta.checkpointInterval", "4"}});
  for (int i = 1; i <= 9; ++i) {
    auto x = Transaction::Start(t);
    ASSERT_TRUE(x.ok());
    (*x)->AddFile(testing::FakeAdd("f" + std::to_string(i) + ".parquet", i % 2 ? "x" : "y", i));
    auto r = (*x)->Commit();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->post_commit_warning.empty()) << r->post_commit_warning;
  }
  auto store = t->store();
  EXPECT_TRUE(store->Head("_delta_log/00000000000000000004.checkpoint.parquet").ok());
  EXPECT_TRUE(store->Head("_delta_log/00000000000000000008.checkpoint.parquet").ok());
  EXPECT_FALSE(store->Head("_delta_log/00000000000000000006.checkpoint.parquet").ok());
  auto hint = store->Get("_delta_log/_last_checkpoint");
  ASSERT_TRUE(hint.ok());
  EXPECT_NE(hint->find("\"version\":8"), std::string::npos) << *hint;
  // Without the commits the checkpoint covers, the latest version still loads the same files.
  for (int v = 0; v <= 8; ++v) ASSERT_TRUE(store->Delete(txn::CommitKey(v)).ok());
  auto reopened = Table::Open(dir.path());
  ASSERT_TRUE(reopened.ok());
  auto snap = (*reopened)->LatestSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->version(), 9);
  EXPECT_EQ((*snap)->files().size(), 9u);
  EXPECT_EQ((*snap)->TotalRecords(), 45);
}

}  // namespace
}  // namespace lake

namespace lake {
namespace {

// Writing a checkpoint also removes log files older than delta.logRetentionDuration that no
// retained version needs (and nothing when delta.enableExpiredLogCleanup is false).
void AgeCommits(const std::string& dir, int64_t up_to_version, int days) {
  struct timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= static_cast<time_t>(days) * 86400;
  times[1] = times[0];
  for (int64_t v = 0; v <= up_to_version; ++v) {
    std::string path = dir + "/" + txn::CommitKey(v);
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }
}

void CommitN(const std::shared_ptr<Table>& t, int from, int to) {
  for (int i = from; i <= to; ++i) {
    auto x = Transaction::Start(t);
    ASSERT_TRUE(x.ok());
    (*x)->AddFile(testing::FakeAdd("c" + std::to_string(i) + ".parquet", "x", 1));
    auto r = (*x)->Commit();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->post_commit_warning.empty()) << r->post_commit_warning;
  }
}

TEST(TransactionTest, CheckpointsRemoveExpiredLogFiles) {
  for (bool enabled : {true, false}) {
    testing::TempDir dir;
    std::map<std::string, std::string> conf = {{"delta.checkpointInterval", "5"}};
    if (!enabled) conf["delta.enableExpiredLogCleanup"] = "false";
    auto t = testing::CreateTestTable(dir.path(), conf);
    CommitN(t, 1, 5);  // checkpoint at 5
    AgeCommits(dir.path(), 5, 40);
    CommitN(t, 6, 10);  // checkpoint at 10: versions before checkpoint 5 are expired
    auto store = t->store();
    bool v0 = store->Head(txn::CommitKey(0)).ok(), v4 = store->Head(txn::CommitKey(4)).ok();
    bool v5 = store->Head(txn::CommitKey(5)).ok();
    if (enabled) {
      EXPECT_FALSE(v0) << "expired commit 0 should be gone";
      EXPECT_FALSE(v4) << "expired commit 4 should be gone";
    } else {
      EXPECT_TRUE(v0 && v4) << "cleanup is disabled";
    }
    EXPECT_TRUE(v5) << "the checkpointed version's commit stays";
    auto reopened = Table::Open(dir.path());
    ASSERT_TRUE(reopened.ok());
    auto snap = (*reopened)->LatestSnapshot();
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_EQ((*snap)->version(), 10);
    EXPECT_EQ((*snap)->files().size(), 10u);
    EXPECT_TRUE((*reopened)->SnapshotAtVersion(5).ok()) << "the oldest retained version opens";
  }
}

// A store whose commit puts fail in scripted ways: "landed" (the object is written, then an
// IOError as for a lost response), "lost" (IOError, nothing written), "ok"; and whose reads of
// the key `fail_get` fail. Everything else is a local store.
class FlakyCommitStore : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::vector<std::string> script;  // consumed front to back, then "ok"
  std::string fail_get;             // a key whose reads fail
  int puts = 0;
  Result<std::string> Get(std::string_view k) override {
    if (k == fail_get) return Status::IOError("injected: GET failed");
    return inner_->Get(k);
  }
  Status PutIfAbsent(std::string_view k, std::string_view d) override {
    ++puts;
    std::string what = script.empty() ? "ok" : script.front();
    if (!script.empty()) script.erase(script.begin());
    if (what == "lost") return Status::IOError("injected: request lost");
    Status st = inner_->PutIfAbsent(k, d);
    if (what == "landed" && st.ok()) return Status::IOError("injected: response lost");
    return st;
  }
};

// Commit settles a failed commit put by reading the key back: landed -> committed once (with a
// warning); not landed -> put again; unreadable -> an IOError with an unknown outcome; never
// twice, and never our own commit taken for a concurrent winner.
TEST(TransactionAmbiguousPut, FailedCommitPutsAreSettledByReadingBack) {
  testing::TempDir dir;
  CreateTestTable(dir.path(), {{"delta.checkpointInterval", "100000"}});
  auto raw = std::make_shared<FlakyCommitStore>(NewLocalStore(dir.path(), dir.path()));
  auto table = Table::Open(std::shared_ptr<ObjectStore>(raw));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto commit = [&](const std::string& tag) {
    auto tx = StartTxn(*table);
    tx->AddFile(FakeAdd("f-" + tag + ".parquet", "x", 5));
    tx->SetUserMetadata(tag);
    return tx->Commit();
  };
  // Landed, response lost: read back, ours.
  raw->script = {"landed"};
  auto r1 = commit("a");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->version, 1);
  EXPECT_EQ(r1->attempts, 1);
  EXPECT_NE(r1->post_commit_warning.find("read back"), std::string::npos);
  // Lost twice, then landed with its response lost again: settled on the third put.
  raw->script = {"lost", "lost", "landed"};
  raw->puts = 0;
  auto r2 = commit("b");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->version, 2);
  EXPECT_EQ(raw->puts, 3);
  // Lost every time: not committed after three puts (an IOError).
  raw->script = {"lost", "lost", "lost"};
  auto r3 = commit("c");
  ASSERT_FALSE(r3.ok());
  EXPECT_TRUE(CommitOutcomeUnknown(r3.status())) << r3.status().ToString();
  EXPECT_NE(r3.status().message().find("not in place"), std::string::npos);
  // Landed, and the read-back fails: the outcome is unknown - and the commit is there.
  raw->script = {"landed"};
  raw->fail_get = "_delta_log/00000000000000000003.json";
  auto r4 = commit("d");
  raw->fail_get.clear();
  ASSERT_FALSE(r4.ok());
  EXPECT_TRUE(CommitOutcomeUnknown(r4.status()));
  EXPECT_NE(r4.status().message().find("outcome is unknown"), std::string::npos);
  // The log: a, b, d - each once, contiguous.
  auto store = NewLocalStore(dir.path(), dir.path());
  auto listing = log::ListLog(*store);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->commits.size(), 4u);
  const char* tags[] = {"", "\"a\"", "\"b\"", "\"d\""};
  for (size_t v = 1; v < 4; ++v) {
    auto data = store->Get(listing->commits[v].key);
    ASSERT_TRUE(data.ok());
    EXPECT_NE(data->find(tags[v]), std::string::npos) << "v" << v << ": " << *data;
  }
}
}  // namespace
}  // namespace lake
