// OPTIMIZE (bin-packing, Z-order) and auto-compaction; see optimize.h.
#include "ops/optimize.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "engine/duckdb_engine.h"
#include "lake/predicate.h"
#include "lake/transaction.h"
#include "scan/deletion_vector.h"
#include "scan/scan_sql.h"
#include "util/ascii.h"
#include "util/json_writer.h"
#include "util/system.h"
#include "write/data_writer.h"
#include "write/remote_files.h"

namespace lake {
namespace {

constexpr int64_t kDefaultTarget = 128LL << 20;
constexpr int64_t kDefaultAutoCompactMinNumFiles = 50;
const char* kZOrderTag = "lake.zOrderBy";

bool ConfTrue(const std::map<std::string, std::string>& conf, const std::string& key) {
  auto it = conf.find(key);
  return it != conf.end() && AsciiLower(it->second) == "true";
}

// The tag value recording a file's z-order columns.
std::string ZOrderTagValue(const std::vector<std::string>& cols) {
  std::string v;
  for (const auto& c : cols) v += (v.empty() ? "" : ",") + AsciiLower(c);
  return v;
}

bool HasZOrderTag(const AddFile& f, const std::string& value) {
  const std::string& tags = f.tags();
  if (tags.empty()) return false;
  std::string compact;
  for (char c : tags)
    if (c != ' ' && c != '\n' && c != '\t') compact.push_back(c);
  JsonWriter w;
  w.BeginObject().Key(kZOrderTag).String(value).EndObject();
  std::string want = w.str().substr(1, w.str().size() - 2);  // "lake.zOrderBy":"..."
  std::string want_compact;
  for (char c : want)
    if (c != ' ' && c != '\n' && c != '\t') want_compact.push_back(c);
  return compact.find(want_compact) != std::string::npos;
}

// {"min","max","avg","totalFiles","totalSize"} as Spark's FileSizeStats.
std::string FileSizeStats(const std::vector<int64_t>& sizes) {
  int64_t mn = 0, mx = 0, total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i == 0 || sizes[i] < mn) mn = sizes[i];
    if (i == 0 || sizes[i] > mx) mx = sizes[i];
    total += sizes[i];
  }
  JsonWriter w;
  w.BeginObject()
      .Key("min").Int(mn)
      .Key("max").Int(mx)
      .Key("avg").Double(sizes.empty() ? 0.0 : static_cast<double>(total) / sizes.size())
      .Key("totalFiles").Int(static_cast<int64_t>(sizes.size()))
      .Key("totalSize").Int(total)
      .EndObject();
  return w.Take();
}

// The Morton code of the normalised keys __lake_zk0..k-1 (each `bits` wide), as a UBIGINT SQL
// expression: bit i of key j goes to bit i*k + j.
std::string InterleaveSql(size_t k, int bits) {
  std::string e;
  for (int i = bits - 1; i >= 0; --i) {
    for (size_t j = 0; j < k; ++j) {
      int64_t dst = static_cast<int64_t>(i) * static_cast<int64_t>(k) + static_cast<int64_t>(j);
      e += (e.empty() ? "" : " | ");
      e += "(((__lake_zk" + std::to_string(j) + " >> " + std::to_string(i) + "::UBIGINT) & 1::UBIGINT) << " +
           std::to_string(dst) + "::UBIGINT)";
    }
  }
  return "(" + e + ")";
}

struct Bin {
  std::string partition;
  std::vector<const AddFile*> files;
  int64_t bytes = 0;
};

}  // namespace

std::string OptimizePartitionKey(const AddFile& f) {
  std::vector<std::pair<std::string, std::optional<std::string>>> v(f.partition_values.begin(),
                                                                    f.partition_values.end());
  std::sort(v.begin(), v.end());
  std::string key;
  for (const auto& [k, val] : v) {
    key += k;
    key += '\x01';
    key += val ? "v" + *val : std::string("n");
    key += '\x02';
  }
  return key;
}

Result<int64_t> ParseByteSize(const std::string& text) {
  std::string t = AsciiLower(text);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == 0) return Status::InvalidArgument("bad size '" + text + "' (use e.g. 128mb, 1gb, 4096)");
  int64_t n = 0;
  try {
    n = std::stoll(t.substr(0, i));
  } catch (...) {
    return Status::InvalidArgument("bad size '" + text + "'");
  }
  std::string unit = t.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  int64_t mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1LL << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1LL << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1LL << 30;
  else return Status::InvalidArgument("bad size unit in '" + text + "' (use b, kb, mb or gb)");
  if (n <= 0) return Status::InvalidArgument("size must be positive: '" + text + "'");
  return n * mult;
}

Result<OptimizeResult> Optimize(const std::shared_ptr<Table>& table, const OptimizeOptions& o) {
  auto progress = [&](const std::string& m) {
    if (o.progress) o.progress(m);
  };
  const int64_t start_ms = NowMs();
  LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
  const Protocol& p = snap->protocol();
  if (p.min_writer_version > 7)
    return Status::Unsupported("table needs writer version " + std::to_string(p.min_writer_version));
  // Column mapping (name / id) needs nothing here: the scan reads by physical name (or field
  // id), and the data writer writes physical names, Parquet field ids and statistics and
  // partition values keyed by physical names, from the table configuration it is given.
  if (p.writer_features) {
    for (const auto& f : *p.writer_features) {
      if (!write::WriterFeatureSupported(f))
        return Status::Unsupported("optimize: table uses writer feature '" + f +
                                   "', which lake cannot write yet");
    }
  }

  const Schema& schema = snap->schema();
  const auto& parts = snap->metadata().partition_columns;
  std::map<std::string, std::string> conf = snap->metadata().configuration;
  // Row tracking (PROTOCOL.md "Writer Requirements for Row Tracking"), supported and not
  // suspended: the rewritten files get fresh baseRowId / defaultRowCommitVersion (assigned by the
  // transaction), and each copied row keeps its stable row id and row commit version in the
  // hidden materialized columns the table properties name. A table without those names gets
  // them (as Spark names them) in a metadata update of the same commit.
  const bool row_tracking = p.min_writer_version == 7 && p.HasWriterFeature("rowTracking") &&
                            !ConfTrue(conf, "delta.rowTrackingSuspended");
  bool new_rt_names = false;
  if (row_tracking) {
    new_rt_names = !conf.count(write::kMaterializedRowIdColumnKey) ||
                   !conf.count(write::kMaterializedRowCommitVersionColumnKey);
    LAKE_RETURN_IF_ERROR(write::AssignMaterializedRowTrackingColumns(schema, &conf));
  }
  const std::string rt_id_col = row_tracking ? conf[write::kMaterializedRowIdColumnKey] : "";
  const std::string rt_ver_col =
      row_tracking ? conf[write::kMaterializedRowCommitVersionColumnKey] : "";

  OptimizeResult res;
  res.read_version = snap->version();
  if (o.target_size) {
    if (*o.target_size <= 0) return Status::InvalidArgument("--target-size must be positive");
    res.target_size = *o.target_size;
  } else if (conf.count("delta.targetFileSize")) {
    LAKE_ASSIGN_OR_RETURN(res.target_size, write::TargetFileSize(conf));
  } else {
    res.target_size = kDefaultTarget;
  }
  res.min_file_size = o.min_file_size ? *o.min_file_size : res.target_size * 3 / 4;
  if (res.min_file_size < 0) return Status::InvalidArgument("--min-file-size must be >= 0");
  conf["delta.targetFileSize"] = std::to_string(res.target_size);

  // --where: partition columns only.
  std::optional<FilePruner> pruner;
  if (!o.where.empty()) {
    auto pred = ParsePredicate(o.where, schema);
    if (!pred.ok()) return pred.status().WithContext("--where");
    for (const auto& c : (*pred)->ReferencedColumns()) {
      bool is_part = false;
      for (const auto& pc : parts) is_part |= AsciiLower(pc) == AsciiLower(c);
      if (!is_part) {
        return Status::InvalidArgument(
            "--where may only reference partition columns" +
            (parts.empty() ? std::string(" (the table is not partitioned)")
                           : " (" + [&] {
                               std::string s;
                               for (const auto& pc : parts) s += (s.empty() ? "" : ", ") + pc;
                               return s;
                             }() + ")") +
            "; '" + c + "' is a data column");
      }
    }
    LAKE_ASSIGN_OR_RETURN(auto pr, FilePruner::Make(*pred, schema, parts, snap->column_mapping_mode()));
    pruner.emplace(std::move(pr));
  }

  // --zorder-by: data columns of primitive types.
  std::vector<std::string> zcols;
  for (const auto& c : o.zorder_by) {
    const StructField* f = schema.FindCaseInsensitive(c);
    if (!f) return Status::InvalidArgument("--zorder-by: unknown column '" + c + "'");
    for (const auto& pc : parts) {
      if (AsciiLower(pc) == AsciiLower(f->name))
        return Status::InvalidArgument("--zorder-by: '" + f->name +
                                       "' is a partition column; z-ordering by it is meaningless "
                                       "(every file holds one value)");
    }
    if (f->type->kind != DataType::Kind::kPrimitive && f->type->kind != DataType::Kind::kDecimal)
      return Status::InvalidArgument("--zorder-by: column '" + f->name + "' is of type " +
                                     f->type->ToString() + "; only primitive columns can be z-ordered");
    for (const auto& z : zcols)
      if (AsciiLower(z) == AsciiLower(f->name))
        return Status::InvalidArgument("--zorder-by: column '" + f->name + "' is listed twice");
    zcols.push_back(f->name);
  }
  if (zcols.size() > 8) return Status::InvalidArgument("--zorder-by: at most 8 columns");
  res.zorder_by = zcols;
  const std::string ztag = ZOrderTagValue(zcols);

  // Group the selected files per partition.
  std::map<std::string, std::vector<const AddFile*>> by_part;
  for (const AddFile& f : snap->files()) {
    if (pruner && pruner->Evaluate(f) != SkipReason::kKept) continue;
    std::string key = OptimizePartitionKey(f);
    if (o.only_partitions && !o.only_partitions->count(key)) continue;
    by_part[key].push_back(&f);
    ++res.total_considered_files;
  }

  std::vector<Bin> bins;
  for (auto& [key, files] : by_part) {
    if (!zcols.empty()) {
      bool all_done = true;
      for (const AddFile* f : files) all_done &= !f->deletion_vector && HasZOrderTag(*f, ztag);
      bool any_dv = false;
      for (const AddFile* f : files) any_dv |= static_cast<bool>(f->deletion_vector);
      if ((files.size() < 2 && !any_dv) || all_done) continue;
      Bin b;
      b.partition = key;
      b.files = files;
      for (const AddFile* f : files) b.bytes += f->size;
      bins.push_back(std::move(b));
      continue;
    }
    std::vector<const AddFile*> cands;
    for (const AddFile* f : files)
      if (f->size < res.min_file_size || f->deletion_vector) cands.push_back(f);
    if (o.min_num_files > 0) {
      int64_t small = 0;
      for (const AddFile* f : cands) small += f->size < res.min_file_size;
      if (small < o.min_num_files) continue;
    }
    std::stable_sort(cands.begin(), cands.end(),
                     [](const AddFile* a, const AddFile* b) { return a->size < b->size; });
    std::vector<Bin> pb;
    Bin cur;
    cur.partition = key;
    for (const AddFile* f : cands) {
      if (!cur.files.empty() && cur.bytes + f->size > res.target_size) {
        pb.push_back(std::move(cur));
        cur = Bin();
        cur.partition = key;
      }
      cur.files.push_back(f);
      cur.bytes += f->size;
    }
    if (!cur.files.empty()) pb.push_back(std::move(cur));
    for (auto& b : pb) {
      bool any_dv = false;
      for (const AddFile* f : b.files) any_dv |= static_cast<bool>(f->deletion_vector);
      if (b.files.size() >= 2 || any_dv) bins.push_back(std::move(b));
    }
  }
  int64_t rewritten_files = 0;
  std::set<std::string> parts_touched;
  for (const auto& b : bins) {
    rewritten_files += static_cast<int64_t>(b.files.size());
    parts_touched.insert(b.partition);
  }
  res.total_files_skipped = res.total_considered_files - rewritten_files;
  if (bins.empty()) {
    progress("optimize: nothing to do (" + std::to_string(res.total_considered_files) +
             " file(s) considered)");
    return res;
  }
  progress("optimize: rewriting " + std::to_string(rewritten_files) + " file(s) in " +
           std::to_string(bins.size()) + " batch(es) over " + std::to_string(parts_touched.size()) +
           " partition(s)");

  // Remote tables (s3://), as WriteBuilder does: the input files are read through the file
  // cache, the new files are written to a local staging directory outside the table and
  // uploaded before the commit.
  auto store = table->store();
  LAKE_ASSIGN_OR_RETURN(write::LocalWriteRoot write_root, write::OpenLocalWriteRoot(*store));
  const bool remote = write_root.remote;
  const std::string& root = write_root.root;
  LAKE_ASSIGN_OR_RETURN(auto db, engine::SharedDatabase());
  LAKE_ASSIGN_OR_RETURN(auto conn, db->Connect());
  std::vector<AddFile> added;
  bool uploaded = false, commit_attempted = false;
  auto cleanup = [&](Status st) {
    // Never delete the files of a commit that may have landed (CommitOutcomeUnknown).
    if (commit_attempted && CommitOutcomeUnknown(st)) return st;
    write::DeleteDataFiles(root, added);
    if (uploaded) write::DeleteUploadedFiles(*store, added);
    return st;
  };
  scan::DeletedRowsLoader loader = [store](const AddFile& f) -> Result<std::vector<uint64_t>> {
    return LoadDeletedRows(*store, *f.deletion_vector);
  };
  write::DataWriteOptions wo;
  wo.schema = &schema;
  wo.partition_columns = parts;
  wo.configuration = conf;
  wo.table_root_local = root;
  wo.trusted_source = true;
  std::string cols_sql;
  for (const auto& f : schema.fields) cols_sql += (cols_sql.empty() ? "" : ", ") + engine::QuoteIdent(f.name);
  if (row_tracking) {
    wo.hidden_columns = {rt_id_col, rt_ver_col};
    cols_sql += ", " + engine::QuoteIdent(rt_id_col) + ", " + engine::QuoteIdent(rt_ver_col);
  }

  std::string zorder_stats;
  int64_t zrows_total = 0;
  for (size_t bi = 0; bi < bins.size(); ++bi) {
    const Bin& b = bins[bi];
    progress("optimize: batch " + std::to_string(bi + 1) + " of " + std::to_string(bins.size()) +
             ": " + std::to_string(b.files.size()) + " file(s), " + std::to_string(b.bytes) +
             " bytes");
    scan::ScanInput in;
    in.table_root_local = root;
    in.schema = &schema;
    in.partition_columns = parts;
    in.mapping_mode = snap->column_mapping_mode();
    in.files = b.files;
    if (row_tracking) in.row_tracking = scan::ScanInput::RowTrackingColumns{rt_id_col, rt_ver_col};
    if (remote) {
      auto paths = write::FetchDataFiles(*store, b.files);
      if (!paths.ok()) return cleanup(paths.status().WithContext("optimize: fetching files"));
      in.local_paths = std::move(*paths);
    }
    auto scan_sql = scan::BuildScanSql(*conn, in, loader);
    if (!scan_sql.ok()) return cleanup(scan_sql.status().WithContext("optimize: reading files"));
    if (zcols.empty()) {
      wo.source_sql = *scan_sql;
      auto w = write::WriteDataFiles(*conn, wo);
      if (!w.ok()) return cleanup(w.status().WithContext("optimize: writing files"));
      res.rows += w->rows;
      for (auto& f : w->files) added.push_back(std::move(f));
      continue;
    }
    // Z-order: normalised keys, Morton code, cut into n files of equal row counts.
    const size_t k = zcols.size();
    const int bits = std::min(21, static_cast<int>(63 / k));
    const int64_t maxv = (1LL << bits) - 1;
    int64_t n = std::max<int64_t>(1, (b.bytes + res.target_size - 1) / res.target_size);
    std::string ranks;
    for (size_t j = 0; j < k; ++j) {
      ranks += ", floor(percent_rank() OVER (ORDER BY " + engine::QuoteIdent(zcols[j]) +
               " ASC NULLS FIRST) * " + std::to_string(maxv) + ")::UBIGINT AS __lake_zk" +
               std::to_string(j);
    }
    std::string ztable = "__lake_optimize_z";
    std::string create =
        "CREATE OR REPLACE TEMP TABLE " + ztable + " AS SELECT * FROM (SELECT *, ((row_number() OVER "
        "(ORDER BY __lake_z) - 1) * " + std::to_string(n) +
        " // count(*) OVER ()) AS __lake_chunk FROM (SELECT *, " + InterleaveSql(k, bits) +
        " AS __lake_z FROM (SELECT *" + ranks + " FROM (" + *scan_sql +
        ") AS __s1) AS __s2) AS __s3) AS __s4 ORDER BY __lake_z";
    if (Status st = conn->Execute(create); !st.ok())
      return cleanup(st.WithContext("optimize: z-ordering"));
    auto cnt = conn->Query("SELECT count(*)::BIGINT, count(DISTINCT __lake_chunk)::BIGINT FROM " + ztable);
    if (!cnt.ok()) return cleanup(cnt.status());
    int64_t rows = cnt->GetInt64(0, 0);
    zrows_total += rows;
    for (int64_t c = 0; c < n; ++c) {
      wo.source_sql = "SELECT " + cols_sql + " FROM " + ztable + " WHERE __lake_chunk = " +
                      std::to_string(c) + " ORDER BY __lake_z";
      auto w = write::WriteDataFiles(*conn, wo);
      if (!w.ok()) return cleanup(w.status().WithContext("optimize: writing z-ordered files"));
      res.rows += w->rows;
      for (auto& f : w->files) {
        JsonWriter t;
        t.BeginObject().Key(kZOrderTag).String(ztag).EndObject();
        f.mutable_extras().tags = t.Take();
        added.push_back(std::move(f));
      }
    }
    (void)conn->Execute("DROP TABLE IF EXISTS " + ztable);
  }
  if (!zcols.empty()) {
    JsonWriter zs;
    zs.BeginObject()
        .Key("strategyName").String("all")
        .Key("inputCubeFiles").BeginObject().Key("num").Int(0).Key("size").Int(0).EndObject()
        .Key("inputOtherFiles").BeginObject().Key("num").Int(rewritten_files).Key("size").Int([&] {
          int64_t s = 0;
          for (const auto& b : bins) s += b.bytes;
          return s;
        }()).EndObject()
        .Key("numOutputCubes").Int(static_cast<int64_t>(added.size()))
        .Key("numRows").Int(zrows_total)
        .EndObject();
    zorder_stats = zs.Take();
  }

  if (remote && !added.empty()) {
    progress("optimize: uploading " + std::to_string(added.size()) + " file(s)");
    Status up = write::UploadDataFiles(*store, root, added);
    uploaded = true;  // maybe partly: cleanup deletes every key, missing ones are fine
    if (!up.ok()) return cleanup(up.WithContext("optimize: uploading files"));
  }

  // One transaction: remove(dataChange=false) + add(dataChange=false).
  auto txn = Transaction::Start(table, snap);
  if (!txn.ok()) return cleanup(txn.status());
  const int64_t now = NowMs();
  std::vector<int64_t> removed_sizes, added_sizes;
  int64_t dvs_removed = 0;
  bool rt_preserved = true;  // every copied row keeps its stable row id (commitInfo tag)
  for (const auto& b : bins) {
    for (const AddFile* f : b.files) {
      rt_preserved &= f->base_row_id.has_value() && f->default_row_commit_version().has_value();
      (*txn)->ReadFile(*f);
      (*txn)->RemoveFile(RemoveFor(*f, now, /*data_change=*/false));
      removed_sizes.push_back(f->size);
      res.bytes_removed += f->size;
      dvs_removed += f->deletion_vector ? 1 : 0;
    }
  }
  for (AddFile f : added) {
    f.data_change = false;
    added_sizes.push_back(f.size);
    res.bytes_added += f.size;
    (*txn)->AddFile(std::move(f));
  }
  if (new_rt_names) {
    Metadata md = snap->metadata();
    md.configuration[write::kMaterializedRowIdColumnKey] = rt_id_col;
    md.configuration[write::kMaterializedRowCommitVersionColumnKey] = rt_ver_col;
    (*txn)->SetMetadata(std::move(md));
  }
  (*txn)->SetRowTrackingPreserved(rt_preserved);
  res.files_removed = static_cast<int64_t>(removed_sizes.size());
  res.files_added = static_cast<int64_t>(added_sizes.size());
  res.num_batches = static_cast<int64_t>(bins.size());
  res.partitions_optimized = static_cast<int64_t>(parts_touched.size());

  JsonWriter params;
  params.BeginObject();
  {
    JsonWriter pr;
    pr.BeginArray();
    if (!o.where.empty()) pr.String(o.where);
    pr.EndArray();
    params.Key("predicate").String(pr.str());
    JsonWriter zb;
    zb.BeginArray();
    for (const auto& c : zcols) zb.String(c);
    zb.EndArray();
    params.Key("zOrderBy").String(zb.str());
    if (o.auto_compaction) params.Key("auto").String("true");
  }
  params.EndObject();
  JsonWriter m;
  m.BeginObject()
      .Key("numRemovedFiles").String(std::to_string(res.files_removed))
      .Key("numRemovedBytes").String(std::to_string(res.bytes_removed))
      .Key("numAddedFiles").String(std::to_string(res.files_added))
      .Key("numAddedBytes").String(std::to_string(res.bytes_added))
      .Key("numFilesAdded").String(std::to_string(res.files_added))
      .Key("numFilesRemoved").String(std::to_string(res.files_removed))
      .Key("filesAdded").String(FileSizeStats(added_sizes))
      .Key("filesRemoved").String(FileSizeStats(removed_sizes))
      .Key("partitionsOptimized").String(std::to_string(res.partitions_optimized))
      .Key("numBatches").String(std::to_string(res.num_batches))
      .Key("totalConsideredFiles").String(std::to_string(res.total_considered_files))
      .Key("totalFilesSkipped").String(std::to_string(res.total_files_skipped))
      .Key("preserveInsertionOrder").String("false")
      .Key("numFilesSkippedToReduceWriteAmplification").String("0")
      .Key("numBytesSkippedToReduceWriteAmplification").String("0")
      .Key("numDeletionVectorsRemoved").String(std::to_string(dvs_removed))
      .Key("numOutputRows").String(std::to_string(res.rows))
      .Key("startTimeMs").String(std::to_string(start_ms))
      .Key("endTimeMs").String(std::to_string(NowMs()));
  if (!zorder_stats.empty()) m.Key("zOrderStats").String(zorder_stats);
  m.EndObject();
  res.metrics_json = m.str();
  (*txn)->SetOperation("OPTIMIZE", params.str(), m.str());
  if (o.before_commit) o.before_commit();
  progress("optimize: committing " + std::to_string(res.files_removed) + " removes, " +
           std::to_string(res.files_added) + " adds");
  CommitOptions co;
  co.build_snapshot = false;
  commit_attempted = true;
  auto committed = (*txn)->Commit(co);
  if (!committed.ok()) return cleanup(committed.status().WithContext("optimize"));
  res.version = committed->version;
  return res;
}

Result<OptimizeResult> AutoCompactAfterWrite(const std::string& table_uri,
                                             const std::vector<AddFile>& added,
                                             std::function<void(const std::string&)> progress) {
  OptimizeResult none;
  if (added.empty()) return none;
  LAKE_ASSIGN_OR_RETURN(auto table, Table::Open(table_uri));
  LAKE_ASSIGN_OR_RETURN(auto snap, table->LatestSnapshot());
  const auto& conf = snap->metadata().configuration;
  if (!ConfTrue(conf, "delta.autoOptimize.autoCompact")) return none;
  int64_t min_num = kDefaultAutoCompactMinNumFiles;
  if (auto it = conf.find("delta.autoOptimize.autoCompact.minNumFiles"); it != conf.end()) {
    try {
      min_num = std::stoll(it->second);
    } catch (...) {
      return Status::InvalidArgument("delta.autoOptimize.autoCompact.minNumFiles must be an integer, not '" +
                                     it->second + "'");
    }
  }
  OptimizeOptions o;
  o.only_partitions.emplace();
  for (const auto& f : added) o.only_partitions->insert(OptimizePartitionKey(f));
  if (auto it = conf.find("delta.autoOptimize.autoCompact.maxFileSize"); it != conf.end()) {
    LAKE_ASSIGN_OR_RETURN(int64_t t, ParseByteSize(it->second));
    o.target_size = t;
  }
  o.min_num_files = std::max<int64_t>(2, min_num);
  o.auto_compaction = true;
  o.progress = std::move(progress);
  return Optimize(table, o);
}

}  // namespace lake
