#include "table_test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <utility>

#include "lake/scan.h"

namespace lake::testing {

namespace fs = std::filesystem;

std::unique_ptr<engine::Connection> Conn() {
  auto db = engine::SharedDatabase();
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return nullptr;
  auto c = (*db)->Connect();
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return nullptr;
  return std::move(c).value();
}

std::shared_ptr<const Snapshot> At(const std::string& dir, int64_t version) {
  auto t = Table::Open(dir);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return nullptr;
  auto s = version < 0 ? (*t)->LatestSnapshot() : (*t)->SnapshotAtVersion(version);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return nullptr;
  return *s;
}

std::string ScanSql(engine::Connection& c, std::shared_ptr<const Snapshot> snap,
                    const std::string& where) {
  if (!snap) return "SELECT 'no snapshot' AS error";
  ScanOptions o;
  o.where = where;
  auto plan = Scan::Plan(std::move(snap), o);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return "SELECT 'no plan' AS error";
  auto sql = plan->ToSql(c);
  EXPECT_TRUE(sql.ok()) << sql.status().ToString();
  if (!sql.ok()) return "SELECT 'no sql' AS error";
  return *sql;
}

void ExpectSameRows(engine::Connection& c, const std::string& a, const std::string& b) {
  for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    auto d = c.Query("SELECT count(*) FROM ((" + x + ") EXCEPT ALL (" + y + "))");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->GetInt64(0, 0), 0) << "rows of\n  " << x << "\nmissing from\n  " << y;
  }
  auto n1 = c.Query("SELECT count(*) FROM (" + a + ")");
  auto n2 = c.Query("SELECT count(*) FROM (" + b + ")");
  ASSERT_TRUE(n1.ok() && n2.ok());
  EXPECT_EQ(n1->GetInt64(0, 0), n2->GetInt64(0, 0));
}

void CopyWritableTable(const std::string& src, const std::string& dst) {
  fs::copy(src, dst, fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(dst))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
}

}  // namespace lake::testing
