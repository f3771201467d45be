// Scan planning: prune the snapshot's files with the predicate, then hand the survivors to the
// scan SQL builder (partition values, column mapping, casts, deletion vectors).
#include "lake/scan.h"

#include <unordered_map>

#include "engine/duckdb_engine.h"
#include "lake/predicate.h"
#include "scan/deletion_vector.h"
#include "scan/scan_sql.h"
#include "storage/location.h"

namespace lake {
using scan::BuildScanSql;
using scan::ScanInput;
}  // namespace lake

namespace lake {

// Concurrent GETs of a scan on a remote store.
constexpr int kScanFetchParallelism = 8;

Result<Scan> Scan::Plan(std::shared_ptr<const Snapshot> snapshot, ScanOptions options) {
  Scan scan;
  const Schema& schema = snapshot->schema();
  // Resolve the projection to the schema's spelling (case-insensitive, as Spark).
  for (auto& c : options.columns) {
    const StructField* f = schema.Find(c);
    if (f == nullptr) f = schema.FindCaseInsensitive(c);
    if (f == nullptr) {
      return Status::InvalidArgument("unknown column '" + c + "' in --columns (the table has " +
                                     std::to_string(schema.fields.size()) +
                                     " columns; see 'lake describe')");
    }
    c = f->name;
  }
  PruningStats& st = scan.stats_;
  for (const AddFile& f : snapshot->files()) {
    st.files_total++;
    st.bytes_total += f.size;
  }
  std::optional<FilePruner> pruner;
  if (!options.where.empty()) {
    auto pred = ParsePredicate(options.where, schema);
    if (!pred.ok()) {
      // An unknown column is the user's error; any other construct the pruning grammar does not
      // know just means no pruning (DuckDB still filters the rows).
      if (pred.status().message().find("unknown column") != std::string::npos) {
        return Status::InvalidArgument("--where: " + pred.status().message());
      }
      st.pruning_note = "no pruning: " + pred.status().message();
    } else {
      auto p = FilePruner::Make(*pred, schema, snapshot->metadata().partition_columns,
                                snapshot->column_mapping_mode());
      if (!p.ok()) {
        st.pruning_note = "no pruning: " + p.status().message();
      } else {
        pruner.emplace(std::move(p).value());
      }
    }
  }
  scan.files_.reserve(snapshot->files().size());
  for (const AddFile& f : snapshot->files()) {
    SkipReason r = pruner ? pruner->Evaluate(f) : SkipReason::kKept;
    if (r != SkipReason::kPartition) {
      st.files_after_partition++;
      st.bytes_after_partition += f.size;
    }
    if (r == SkipReason::kKept) {
      st.files_after_stats++;
      st.bytes_after_stats += f.size;
      scan.files_.push_back(&f);
    }
  }
  scan.snapshot_ = std::move(snapshot);
  scan.options_ = std::move(options);
  return scan;
}

Result<std::string> Scan::ToSql(engine::Connection& conn) const {
  ObjectStore& store = snapshot_->store();
  ScanInput in;
  std::vector<const AddFile*> dv_files;  // remote stores: deletion vectors loaded up front
  std::unordered_map<const AddFile*, size_t> dv_index;
  std::vector<std::vector<uint64_t>> dv_rows;
  if (auto root = store.LocalPath(""); root.ok()) {
    // A local table root: zero cost, the files are where the log says (no per-file calls).
    in.table_root_local = std::move(root).value();
  } else {
    // Remote: fetch exactly the files that survived pruning into the cache, and load their
    // deletion vectors, kScanFetchParallelism requests at a time, before DuckDB runs.
    LocationResolver resolver(store);
    std::vector<FetchItem> items;
    items.reserve(files_.size());
    for (const AddFile* f : files_) {
      LAKE_ASSIGN_OR_RETURN(LocationResolver::Resolved r, resolver.Resolve(f->path));
      items.push_back(FetchItem{r.store, std::move(r.key), static_cast<uint64_t>(f->size)});
      if (f->deletion_vector) {
        dv_index.emplace(f, dv_files.size());
        dv_files.push_back(f);
      }
    }
    in.local_paths.resize(items.size());
    dv_rows.resize(dv_files.size());
    LAKE_RETURN_IF_ERROR(
        ParallelFor(items.size() + dv_files.size(), kScanFetchParallelism, [&](size_t i) -> Status {
          if (i < items.size()) {
            LAKE_ASSIGN_OR_RETURN(in.local_paths[i],
                                  items[i].store->LocalPathImmutable(items[i].key, items[i].size));
          } else {
            size_t j = i - items.size();
            LAKE_ASSIGN_OR_RETURN(dv_rows[j],
                                  LoadDeletedRows(store, *dv_files[j]->deletion_vector));
          }
          return Status::OK();
        }));
  }
  in.schema = &snapshot_->schema();
  in.partition_columns = snapshot_->metadata().partition_columns;
  in.mapping_mode = snapshot_->column_mapping_mode();
  in.files = files_;
  in.columns = options_.columns;
  in.where = options_.where;
  in.limit = options_.limit;
  return BuildScanSql(conn, in, [&](const AddFile& f) -> Result<std::vector<uint64_t>> {
    if (auto it = dv_index.find(&f); it != dv_index.end()) return dv_rows[it->second];
    return LoadDeletedRows(store, *f.deletion_vector);
  });
}

}  // namespace lake
