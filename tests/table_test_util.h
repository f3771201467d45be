// Helpers shared by the tests that create, write and read back tables through DuckDB.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/duckdb_engine.h"
#include "lake/table.h"

namespace lake::testing {

// A connection to the process-wide DuckDB database (fails the test when it cannot open).
std::unique_ptr<engine::Connection> Conn();

// The table at `dir` at `version`, or its latest version when `version` < 0.
std::shared_ptr<const Snapshot> At(const std::string& dir, int64_t version = -1);

// The DuckDB SQL that scans `snap` (optionally filtered by `where`).
std::string ScanSql(engine::Connection& c, std::shared_ptr<const Snapshot> snap,
                    const std::string& where = "");

// Expects the rows of the queries `a` and `b` to be the same multiset.
void ExpectSameRows(engine::Connection& c, const std::string& a, const std::string& b);

// Copies the table folder `src` (e.g. a read-only conformance table) to `dst`, made writable.
void CopyWritableTable(const std::string& src, const std::string& dst);

}  // namespace lake::testing
