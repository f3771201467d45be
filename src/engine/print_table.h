// Renders a query result as an aligned text table, the `table` output format of `lake scan`
// and `lake sql`.
#pragma once

#include <ostream>

#include "engine/duckdb_engine.h"

namespace lake::engine {

// Header, a rule, one line per row; NULL as "NULL". Cells are read as strings: callers select
// COLUMNS(*)::VARCHAR so that DuckDB renders every type.
// With `row_count`, a final "(N rows)" line.
void PrintTable(const QueryResult& r, std::ostream& out, bool row_count = false);

}  // namespace lake::engine
