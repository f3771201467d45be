// Helpers shared by the tests that create, write and read back tables through DuckDB.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

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

// Each live row's stable row id and row commit version (PROTOCOL.md "Reader Requirements for
// Row Tracking"), keyed by the value of the BIGINT/INT column `key`, read straight from the
// data files (read_parquet with file_row_number): the materialized column when present and not
// null, else baseRowId + file_row_number / defaultRowCommitVersion of the file's add. Rows a
// deletion vector deletes are left out; a key seen twice fails the test.
std::map<int64_t, std::pair<int64_t, int64_t>> StableRowIds(engine::Connection& c,
                                                            const std::string& dir,
                                                            const Snapshot& snap,
                                                            const std::string& key);

// Copies the table folder `src` (e.g. a read-only conformance table) to `dst`, made writable.
void CopyWritableTable(const std::string& src, const std::string& dst);

}  // namespace lake::testing
