#include "table_test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <utility>

#include "lake/object_store.h"
#include "lake/scan.h"
#include "scan/deletion_vector.h"
#include "scan/scan_sql.h"

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

std::map<int64_t, std::pair<int64_t, int64_t>> StableRowIds(engine::Connection& c,
                                                            const std::string& dir,
                                                            const Snapshot& snap,
                                                            const std::string& key) {
  std::map<int64_t, std::pair<int64_t, int64_t>> out;
  const auto& conf = snap.metadata().configuration;
  auto name = [&](const char* k) {
    auto it = conf.find(k);
    return it == conf.end() ? std::string("\x01none") : it->second;
  };
  const std::string id_col = name("delta.rowTracking.materializedRowIdColumnName");
  const std::string ver_col = name("delta.rowTracking.materializedRowCommitVersionColumnName");
  for (const AddFile& f : snap.files()) {
    EXPECT_TRUE(f.base_row_id.has_value()) << f.path;
    EXPECT_TRUE(f.default_row_commit_version().has_value()) << f.path;
    auto local = scan::DataFileLocalPath(dir, f.path);
    EXPECT_TRUE(local.ok());
    std::set<int64_t> deleted;
    if (f.deletion_vector) {
      auto store = NewLocalStore(dir, dir);
      auto d = LoadDeletedRows(*store, *f.deletion_vector);
      EXPECT_TRUE(d.ok()) << d.status().ToString();
      if (d.ok()) deleted.insert(d->begin(), d->end());
    }
    auto r = c.Query("SELECT * FROM read_parquet('" + *local + "', file_row_number = true)");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) continue;
    int kc = -1, ic = -1, vc = -1, rc = -1;
    for (size_t i = 0; i < r->column_count(); ++i) {
      if (r->column_name(i) == key) kc = static_cast<int>(i);
      if (r->column_name(i) == id_col) ic = static_cast<int>(i);
      if (r->column_name(i) == ver_col) vc = static_cast<int>(i);
      if (r->column_name(i) == "file_row_number") rc = static_cast<int>(i);
    }
    EXPECT_GE(kc, 0);
    EXPECT_GE(rc, 0);
    if (kc < 0 || rc < 0) continue;
    for (size_t row = 0; row < r->row_count(); ++row) {
      int64_t pos = r->GetInt64(rc, row);
      if (deleted.count(pos)) continue;
      int64_t id =
          ic >= 0 && !r->IsNull(ic, row) ? r->GetInt64(ic, row) : f.base_row_id.value_or(-1) + pos;
      int64_t ver = vc >= 0 && !r->IsNull(vc, row) ? r->GetInt64(vc, row)
                                                   : f.default_row_commit_version().value_or(-1);
      EXPECT_TRUE(out.emplace(r->GetInt64(kc, row), std::make_pair(id, ver)).second)
          << "key " << r->GetInt64(kc, row) << " twice";
    }
  }
  return out;
}

}  // namespace lake::testing
