// Scan: read a snapshot's rows through DuckDB, with projection, a SQL predicate, partition
// pruning and data skipping.
//
// Planning (which files to read) is ours; reading rows is DuckDB's. Scan::Plan prunes the
// snapshot's files with the predicate; Scan::ToSql turns the surviving files into one SELECT
// that applies partition values, column mapping, type casts and deletion vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/table.h"

namespace lake {
namespace engine {
class Connection;
}

struct ScanOptions {
  std::vector<std::string> columns;  // logical names; empty = all columns
  std::string where;                 // SQL boolean expression over logical names; "" = all rows
  std::optional<int64_t> limit;
};

// How many files and bytes each planning stage kept.
struct PruningStats {
  int64_t files_total = 0, bytes_total = 0;
  int64_t files_after_partition = 0, bytes_after_partition = 0;
  int64_t files_after_stats = 0, bytes_after_stats = 0;
  // Empty when the predicate drove pruning; otherwise why it could not (e.g. a construct the
  // pruning grammar does not know). The predicate still filters rows in DuckDB either way.
  std::string pruning_note;
};

class Scan {
 public:
  static Result<Scan> Plan(std::shared_ptr<const Snapshot> snapshot, ScanOptions options);

  const Snapshot& snapshot() const { return *snapshot_; }
  const ScanOptions& options() const { return options_; }
  // The files that survived pruning.
  const std::vector<const AddFile*>& files() const { return files_; }
  const PruningStats& pruning() const { return stats_; }

  // A SELECT producing the scan's rows in `conn` (it may create temp tables there, e.g. for
  // deletion vectors, so use the statement on the same connection).
  Result<std::string> ToSql(engine::Connection& conn) const;

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  ScanOptions options_;
  std::vector<const AddFile*> files_;
  PruningStats stats_;
};

}  // namespace lake
