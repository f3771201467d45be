// The catalog, against both backends: every TEST_P runs on SQLite (a temp file) and on
// PostgreSQL (LAKE_TEST_PG_URI, one fresh schema per test; skipped loudly when unset — see
// tests/catalog/run_pg_tests.sh).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "catalog/catalog_internal.h"
#include "catalog/sql_db.h"
#include "lake/catalog.h"
#include "test_util.h"
#include "txn/txn_test_util.h"

namespace lake {
namespace {

using testing::TempDir;

std::string PgBaseUri() {
  const char* v = std::getenv("LAKE_TEST_PG_URI");
  return v ? v : "";
}

bool PgAdmin(const std::string& sql) {
  auto db = catalog::OpenPostgres(PgBaseUri());
  if (!db.ok()) {
    ADD_FAILURE() << db.status().ToString();
    return false;
  }
  Status st = (*db)->Exec(sql);
  if (!st.ok()) ADD_FAILURE() << sql << ": " << st.ToString();
  return st.ok();
}

class CatalogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    warehouse_ = dir_.path() + "/warehouse";
    setenv("LAKE_WAREHOUSE", warehouse_.c_str(), 1);
    if (GetParam() == "postgresql") {
      if (PgBaseUri().empty()) {
        GTEST_SKIP() << "*** LAKE_TEST_PG_URI is not set: the PostgreSQL catalog tests are SKIPPED"
                        " (tests/catalog/run_pg_tests.sh runs them against a throwaway server) ***";
      }
      static std::atomic<int> counter{0};
      schema_ = "lake_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
      ASSERT_TRUE(
          PgAdmin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_));
      std::string base = PgBaseUri();
      uri_ = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
             schema_;
    } else {
      uri_ = dir_.path() + "/catalog.db";
    }
  }
  void TearDown() override {
    if (!schema_.empty()) PgAdmin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    unsetenv("LAKE_WAREHOUSE");
  }

  std::unique_ptr<Catalog> Open() {
    auto c = Catalog::Open(uri_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<catalog::SqlDb> RawDb() {
    auto db =
        GetParam() == "postgresql" ? catalog::OpenPostgres(uri_) : catalog::OpenSqlite(uri_, false);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  // A Delta table with one commit (v0) plus `adds` single-file commits.
  std::string MakeDeltaTable(const std::string& name, int adds) {
    std::string loc = dir_.path() + "/" + name;
    auto t = testing::CreateTestTable(loc);
    for (int i = 0; i < adds; ++i) {
      auto txn = Transaction::Start(t);
      EXPECT_TRUE(txn.ok());
      (*txn)->AddFile(testing::FakeAdd("f" + std::to_string(i) + ".parquet", "a", 10, i * 10));
      (*txn)->SetOperation("WRITE");
      auto r = (*txn)->Commit();
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
    return loc;
  }

  TempDir dir_;
  std::string warehouse_;
  std::string uri_;
  std::string schema_;
};

INSTANTIATE_TEST_SUITE_P(Catalog, CatalogTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(CatalogNames, ParseAndValidate) {
  auto n = ParseTableName("Sales.Orders_2");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->ns, "sales");
  EXPECT_EQ(n->table, "orders_2");
  EXPECT_EQ(n->ToString(), "sales.orders_2");
  for (const char* bad : {"orders", "a.b.c", ".t", "ns.", "a-b.t", "ns.t x", "ns.t\xc3\xa9", ""}) {
    auto r = ParseTableName(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseTableName("a.b-c").status().message().find("letters, digits and '_'"),
            std::string::npos);
  EXPECT_NE(ParseTableName("orders").status().message().find("NAMESPACE.TABLE"), std::string::npos);
  EXPECT_FALSE(ParseTableName("a." + std::string(129, 'x')).ok());
  EXPECT_EQ(*NormalizeNamespace("MiXeD"), "mixed");
}

TEST_P(CatalogTest, Namespaces) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  EXPECT_STREQ(cat->backend(), GetParam().c_str());
  ASSERT_TRUE(cat->CreateNamespace("Sales").ok());
  EXPECT_TRUE(cat->CreateNamespace("sales").IsAlreadyExists());
  EXPECT_TRUE(cat->CreateNamespace("SALES", /*if_not_exists=*/true).ok());
  ASSERT_TRUE(cat->CreateNamespace("hr").ok());
  EXPECT_EQ(cat->CreateNamespace("bad-name").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(cat->CreateTable("sales.orders").ok());
  auto list = cat->ListNamespaces();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "hr");
  EXPECT_EQ((*list)[0].num_tables, 0);
  EXPECT_EQ((*list)[1].name, "sales");
  EXPECT_EQ((*list)[1].num_tables, 1);

  Status st = cat->DropNamespace("sales");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("not empty (1 table)"), std::string::npos) << st.message();
  EXPECT_TRUE(cat->DropNamespace("nope").IsNotFound());
  EXPECT_TRUE(cat->DropNamespace("hr").ok());
  EXPECT_TRUE(cat->DropNamespace("sales", /*cascade=*/true).ok());
  EXPECT_TRUE(cat->ListNamespaces()->empty());
  EXPECT_TRUE(cat->GetTable("sales.orders").status().IsNotFound());
  // Cascade drops entries, never data.
  EXPECT_TRUE(std::filesystem::exists(warehouse_ + "/sales/orders"));
}

TEST_P(CatalogTest, CreateReservedAndManagedTables) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->warehouse(), warehouse_);
  EXPECT_TRUE(cat->CreateTable("ns.t").status().IsNotFound());  // no namespace
  ASSERT_TRUE(cat->CreateNamespace("ns").ok());
  CreateTableOptions opts;
  opts.comment = "first";
  opts.properties = {{"owner", "ana"}};
  auto e = cat->CreateTable("NS.Managed", opts);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(e->managed);
  EXPECT_EQ(e->location, warehouse_ + "/ns/managed");
  EXPECT_TRUE(std::filesystem::is_directory(e->location));
  EXPECT_EQ(e->summary.version, -1);
  auto dup = cat->CreateTable("ns.MANAGED");
  EXPECT_TRUE(dup.status().IsAlreadyExists()) << dup.status().ToString();
  EXPECT_NE(dup.status().message().find("'ns.managed' already exists"), std::string::npos);

  opts = {};
  opts.location = "file://" + dir_.path() + "/elsewhere/";
  auto ext = cat->CreateTable("ns.external", opts);
  ASSERT_TRUE(ext.ok()) << ext.status().ToString();
  EXPECT_FALSE(ext->managed);
  EXPECT_EQ(ext->location, dir_.path() + "/elsewhere");

  auto got = cat->GetTable("ns.managed");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->comment, "first");
  EXPECT_EQ(got->properties.at("owner"), "ana");
  EXPECT_EQ(*cat->ResolveLocation("Ns.External"), dir_.path() + "/elsewhere");
  auto tables = cat->ListTables("ns");
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ((*tables)[0].name.table, "external");
  EXPECT_EQ((*tables)[1].name.table, "managed");
  EXPECT_EQ((*tables)[1].properties.size(), 1u);
  EXPECT_TRUE(cat->ListTables("other").status().IsNotFound());
}

TEST_P(CatalogTest, RegisterLoadsTheSummary) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->CreateNamespace("ns").ok());
  std::string loc = MakeDeltaTable("events", 2);
  auto e = cat->RegisterTable("ns.events", loc);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->summary.version, 2);
  EXPECT_EQ(e->summary.num_files, 2);
  EXPECT_EQ(e->summary.size_bytes, 2 * 1010);
  EXPECT_EQ(e->summary.partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(e->summary.schema_json, testing::kTxnSchema);
  auto listed = cat->ListTables();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].summary.partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ((*listed)[0].summary.num_files, 2);

  auto missing = cat->RegisterTable("ns.ghost", dir_.path() + "/ghost");
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("cannot register ns.ghost"), std::string::npos);
  EXPECT_TRUE(cat->GetTable("ns.ghost").status().IsNotFound());
  // create-table on an existing Delta table names it too.
  CreateTableOptions o;
  o.location = loc;
  auto again = cat->CreateTable("ns.events2", o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->summary.version, 2);
}

TEST_P(CatalogTest, SummaryNeverGoesBackwards) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->CreateNamespace("ns").ok());
  std::string loc = MakeDeltaTable("t", 1);
  ASSERT_TRUE(cat->RegisterTable("ns.t", loc).ok());
  TableSummary s;
  s.version = 5;
  s.num_files = 50;
  EXPECT_TRUE(*cat->UpdateSummary("ns.t", s));
  s.version = 3;
  s.num_files = 30;
  EXPECT_FALSE(*cat->UpdateSummary("ns.t", s));  // stale: ignored
  EXPECT_EQ(cat->GetTable("ns.t")->summary.num_files, 50);
  EXPECT_TRUE(cat->UpdateSummary("ns.nope", s).status().IsNotFound());
  // Refresh from the log (version 1) does not overwrite the newer (fake) version 5.
  auto r = cat->Refresh("ns.t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 5);

  // A real flow: commits through the write path call OnCommit.
  std::string loc2 = MakeDeltaTable("u", 0);
  ASSERT_TRUE(cat->RegisterTable("ns.u", loc2).ok());
  auto table = *Table::Open(loc2);
  for (int i = 0; i < 3; ++i) {
    auto txn = std::move(Transaction::Start(table).value());
    txn->AddFile(testing::FakeAdd("g" + std::to_string(i) + ".parquet", "b"));
    auto cr = txn->Commit();
    ASSERT_TRUE(cr.ok());
    ASSERT_TRUE(cat->OnCommit("ns.u", *cr->snapshot).ok());
    EXPECT_EQ(cat->GetTable("ns.u")->summary.version, cr->version);
  }
  EXPECT_EQ(cat->GetTable("ns.u")->summary.num_files, 3);
  // A snapshot of another location does not touch the entry.
  auto other = *(*Table::Open(loc))->LatestSnapshot();
  ASSERT_TRUE(cat->OnCommit("ns.u", *other).ok());
  EXPECT_EQ(cat->GetTable("ns.u")->summary.num_files, 3);

  // Commits not reported: stale until refresh / sync.
  auto txn = std::move(Transaction::Start(table).value());
  txn->AddFile(testing::FakeAdd("late.parquet", "b"));
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(cat->GetTable("ns.u")->summary.version, 3);
  auto sync = cat->Sync();
  ASSERT_TRUE(sync.ok()) << sync.status().ToString();
  EXPECT_EQ(sync->refreshed, 1);  // ns.u
  EXPECT_EQ(sync->unchanged, 1);  // ns.t (stays at 5)
  EXPECT_TRUE(sync->errors.empty());
  EXPECT_EQ(cat->GetTable("ns.u")->summary.version, 4);
  EXPECT_EQ(cat->GetTable("ns.u")->summary.num_files, 4);
  auto again = cat->Sync("ns.u");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 1);
}

TEST_P(CatalogTest, RenamePropertiesComments) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->CreateNamespace("a").ok());
  ASSERT_TRUE(cat->CreateNamespace("b").ok());
  ASSERT_TRUE(cat->CreateTable("a.t").ok());
  ASSERT_TRUE(cat->CreateTable("a.u").ok());
  ASSERT_TRUE(cat->SetProperty("a.t", "k", "v1").ok());
  ASSERT_TRUE(cat->SetProperty("a.t", "k", "v2").ok());
  ASSERT_TRUE(cat->SetProperty("a.t", "z", "1").ok());
  ASSERT_TRUE(cat->SetComment("a.t", "it's a table").ok());
  EXPECT_TRUE(cat->SetProperty("a.x", "k", "v").IsNotFound());
  EXPECT_TRUE(cat->SetComment("a.x", "c").IsNotFound());
  EXPECT_TRUE(cat->UnsetProperty("a.t", "nope").IsNotFound());
  ASSERT_TRUE(cat->UnsetProperty("a.t", "z").ok());

  EXPECT_TRUE(cat->RenameTable("a.t", "a.u").IsAlreadyExists());
  EXPECT_TRUE(cat->RenameTable("a.t", "c.t").IsNotFound());
  EXPECT_TRUE(cat->RenameTable("a.x", "a.y").IsNotFound());
  std::string loc = *cat->ResolveLocation("a.t");
  ASSERT_TRUE(cat->RenameTable("A.T", "b.Moved").ok());
  EXPECT_TRUE(cat->GetTable("a.t").status().IsNotFound());
  cat.reset();
  cat = Open();  // persisted
  auto e = cat->GetTable("b.moved");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->location, loc);  // data does not move
  EXPECT_EQ(e->comment, "it's a table");
  EXPECT_EQ(e->properties, (std::map<std::string, std::string>{{"k", "v2"}}));
}

TEST_P(CatalogTest, DropAndPurge) {
  auto cat = Open();
  ASSERT_TRUE(cat);
  ASSERT_TRUE(cat->CreateNamespace("ns").ok());
  std::string keep = MakeDeltaTable("keep", 1);
  std::string gone = MakeDeltaTable("gone", 1);
  testing::WriteFile(gone + "/p=a/f0.parquet", "data");
  ASSERT_TRUE(cat->RegisterTable("ns.keep", keep).ok());
  ASSERT_TRUE(cat->RegisterTable("ns.gone", gone).ok());
  ASSERT_TRUE(cat->SetProperty("ns.gone", "k", "v").ok());
  ASSERT_TRUE(cat->DropTable("ns.keep").ok());
  EXPECT_TRUE(std::filesystem::exists(keep + "/_delta_log"));
  EXPECT_TRUE(cat->DropTable("ns.keep").IsNotFound());
  ASSERT_TRUE(cat->DropTable("ns.gone", /*purge=*/true).ok());
  EXPECT_FALSE(std::filesystem::exists(gone + "/_delta_log"));
  EXPECT_FALSE(std::filesystem::exists(gone + "/p=a/f0.parquet"));
  // Re-creating the name starts clean (no properties left behind).
  ASSERT_TRUE(cat->CreateTable("ns.gone").ok());
  EXPECT_TRUE(cat->GetTable("ns.gone")->properties.empty());
  ASSERT_TRUE(cat->DropTable("ns.gone", true).ok());
  EXPECT_FALSE(std::filesystem::exists(warehouse_ + "/ns/gone"));

  // Not a Delta table but files there: purge refuses and the entry stays.
  testing::WriteFile(dir_.path() + "/precious/file.txt", "x");
  CreateTableOptions o;
  o.location = dir_.path() + "/precious";
  ASSERT_TRUE(cat->CreateTable("ns.precious", o).ok());
  Status st = cat->DropTable("ns.precious", true);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/precious/file.txt"));
  EXPECT_TRUE(cat->GetTable("ns.precious").ok());
}

TEST_P(CatalogTest, MigratesAVersion1Catalog) {
  {
    auto db = RawDb();
    ASSERT_TRUE(db);
    // The DDL of schema version 1, as an old lake wrote it.
    std::string id_pk =
        GetParam() == "postgresql" ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
    ASSERT_TRUE(
        db->Exec("CREATE TABLE catalog_meta (schema_version INTEGER NOT NULL);"
                 "INSERT INTO catalog_meta VALUES (1);"
                 "CREATE TABLE namespaces (name TEXT PRIMARY KEY, created_ms BIGINT NOT NULL);"
                 "CREATE TABLE tables (id " +
                 id_pk +
                 ", namespace TEXT NOT NULL "
                 "REFERENCES namespaces (name), name TEXT NOT NULL, location TEXT NOT NULL, "
                 "created_ms BIGINT NOT NULL, UNIQUE (namespace, name));"
                 "CREATE TABLE table_properties (table_id BIGINT NOT NULL REFERENCES tables "
                 "(id) ON DELETE CASCADE, pkey TEXT NOT NULL, pvalue TEXT NOT NULL, "
                 "PRIMARY KEY (table_id, pkey));"
                 "INSERT INTO namespaces VALUES ('old', 1000);"
                 "INSERT INTO tables (namespace, name, location, created_ms) VALUES "
                 "('old', 'events', '/data/events', 2000);"
                 "INSERT INTO table_properties VALUES (1, 'owner', 'bob');")
            .ok());
  }
  auto cat = Open();
  ASSERT_TRUE(cat);
  auto e = cat->GetTable("old.events");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->location, "/data/events");
  EXPECT_EQ(e->created_ms, 2000);
  EXPECT_EQ(e->properties.at("owner"), "bob");
  EXPECT_EQ(e->summary.version, -1);
  EXPECT_EQ(e->comment, "");
  EXPECT_TRUE(cat->SetComment("old.events", "migrated").ok());
  EXPECT_EQ(cat->ListNamespaces()->at(0).created_ms, 1000);
  auto db = RawDb();
  auto v = db->Query("SELECT schema_version FROM catalog_meta");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ(*(*v)[0][0], std::to_string(Catalog::LatestSchemaVersion()));
  EXPECT_GE(Catalog::LatestSchemaVersion(), 2);
}

TEST_P(CatalogTest, RefusesANewerCatalog) {
  ASSERT_TRUE(Open());
  {
    auto db = RawDb();
    ASSERT_TRUE(db->Exec("UPDATE catalog_meta SET schema_version = 99").ok());
  }
  auto c = Catalog::Open(uri_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(c.status().message().find("schema version 99, newer than this lake supports"),
            std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("upgrade lake"), std::string::npos);
}

// Two processes hammer one catalog: create, update properties and summaries, rename, drop,
// and race to create the same names. The final state must equal the model exactly.
int MultiProcessChild(const std::string& uri, const std::string& dir, int me, int n) {
  auto opened = Catalog::Open(uri);
  if (!opened.ok()) return 10;
  auto& cat = *opened;
  std::ofstream wins(dir + "/wins_" + std::to_string(me));
  for (int k = 0; k < n; ++k) {
    std::string name = "mp.t" + std::to_string(me) + "_" + std::to_string(k);
    CreateTableOptions o;
    o.location = dir + "/t" + std::to_string(me) + "_" + std::to_string(k);
    if (!cat->CreateTable(name, o).ok()) return 11;
    if (!cat->SetProperty(name, "owner", std::to_string(me)).ok()) return 12;
    TableSummary s;
    s.version = k;
    s.num_files = k;
    auto up = cat->UpdateSummary(name, s);
    if (!up.ok() || !*up) return 13;
    if (!cat->SetProperty("mp.shared", "p" + std::to_string(me) + "_" + std::to_string(k),
                          std::to_string(k))
             .ok())
      return 14;
    s.version = 2 * k + me;
    if (!cat->UpdateSummary("mp.shared", s).ok()) return 15;
    std::string race = "mp.race_" + std::to_string(k);
    o.location = dir + "/race_" + std::to_string(k);
    auto r = cat->CreateTable(race, o);
    if (r.ok()) {
      if (!cat->SetProperty(race, "owner", std::to_string(me)).ok()) return 16;
      wins << k << "\n";
    } else if (!r.status().IsAlreadyExists()) {
      return 17;
    }
    if (k % 3 == 0) {
      if (!cat->DropTable(name).ok()) return 18;
    } else if (k % 5 == 0) {
      if (!cat->RenameTable(name, "mp.r" + std::to_string(me) + "_" + std::to_string(k)).ok())
        return 19;
    }
  }
  wins.close();
  return wins ? 0 : 20;
}

TEST_P(CatalogTest, TwoProcessesNoLostUpdates) {
  constexpr int kN = 100;
  {
    auto cat = Open();
    ASSERT_TRUE(cat);
    ASSERT_TRUE(cat->CreateNamespace("mp").ok());
    ASSERT_TRUE(cat->CreateTable("mp.shared").ok());
  }  // closed before fork: each process opens its own connection
  std::fflush(nullptr);
  pid_t kids[2];
  for (int me = 0; me < 2; ++me) {
    kids[me] = fork();
    ASSERT_GE(kids[me], 0);
    if (kids[me] == 0) _exit(MultiProcessChild(uri_, dir_.path(), me, kN));
  }
  for (int me = 0; me < 2; ++me) {
    int status = 0;
    ASSERT_EQ(waitpid(kids[me], &status, 0), kids[me]);
    ASSERT_TRUE(WIFEXITED(status)) << "child " << me << " crashed";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "child " << me << " failed at step code";
  }
  auto cat = Open();
  ASSERT_TRUE(cat);
  std::map<std::string, int> expected;  // table -> owner (-1: shared)
  std::map<std::string, int64_t> versions;
  expected["shared"] = -1;
  versions["shared"] = 2 * (kN - 1) + 1;
  for (int me = 0; me < 2; ++me) {
    for (int k = 0; k < kN; ++k) {
      std::string suffix = std::to_string(me) + "_" + std::to_string(k);
      if (k % 3 == 0) continue;
      std::string t = (k % 5 == 0 ? "r" : "t") + suffix;
      expected[t] = me;
      versions[t] = k;
    }
  }
  std::map<int, int> winner;
  for (int me = 0; me < 2; ++me) {
    std::ifstream in(dir_.path() + "/wins_" + std::to_string(me));
    for (int k; in >> k;) {
      EXPECT_EQ(winner.count(k), 0u) << "race_" << k << " created twice";
      winner[k] = me;
    }
  }
  EXPECT_EQ(winner.size(), static_cast<size_t>(kN));
  for (const auto& [k, me] : winner) expected["race_" + std::to_string(k)] = me;

  auto tables = cat->ListTables("mp");
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  std::map<std::string, int> actual;
  for (const auto& e : *tables) {
    if (e.name.table == "shared") {
      actual["shared"] = -1;
      EXPECT_EQ(e.summary.version, versions["shared"]);
      EXPECT_EQ(e.properties.size(), 2u * kN);  // no lost property update
      continue;
    }
    auto it = e.properties.find("owner");
    actual[e.name.table] = it == e.properties.end() ? -2 : std::stoi(it->second);
    if (versions.count(e.name.table)) {
      EXPECT_EQ(e.summary.version, versions[e.name.table]) << e.name.table;
    }
  }
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(cat->ListNamespaces()->at(0).num_tables, static_cast<int64_t>(expected.size()));
}

}  // namespace
}  // namespace lake
