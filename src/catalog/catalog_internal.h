// Catalog internals shared with the tests: the schema migrations.
#pragma once

#include <string>
#include <vector>

#include "catalog/sql_db.h"
#include "lake/status.h"

namespace lake::catalog {

// Migrations()[N-1] turns schema version N-1 into N (several statements, with {ID_PK}).
const std::vector<std::string>& Migrations();
// Brings the database to the latest schema version in one transaction; Unsupported when it is
// newer than this binary.
Status Migrate(SqlDb& db, const std::string& display_uri);

}  // namespace lake::catalog
