#include "txn/stress_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "lake/transaction.h"
#include "test_util.h"
#include "txn_test_util.h"

namespace lake::testing {

int RunStressWriter(const std::string& uri, int id, int commits, unsigned seed,
                    const std::string& out_path, bool background_checkpoints) {
  CommitOptions options;
  options.checkpoint_in_background = background_checkpoints;
  std::ofstream out(out_path);
  auto table = Table::Open(uri);
  if (!table.ok()) return 2;
  auto first = (*table)->LatestSnapshot();
  if (!first.ok()) return 3;
  std::shared_ptr<const Snapshot> snap = *first;
  std::mt19937 rng(seed + static_cast<unsigned>(id));
  int acked = 0;
  for (int n = 0; acked < commits && n < 10 * commits; ++n) {
    auto tx = Transaction::Start(*table, snap);
    if (!tx.ok()) return 4;
    Transaction& x = **tx;
    std::string tag = "w" + std::to_string(id) + "-" + std::to_string(n);
    int kind = std::uniform_int_distribution<int>(0, 9)(rng);
    int64_t records = std::uniform_int_distribution<int>(1, 100)(rng);
    std::string part;
    if (kind < 4) {
      part = "own" + std::to_string(id);  // blind append, own partition
      x.SetOperation("WRITE", R"({"mode":"Append"})");
    } else if (kind < 7) {
      part = "x";  // blind append into the shared partition
      x.SetOperation("WRITE", R"({"mode":"Append"})");
    } else {
      part = kind < 9 ? "x" : "y";  // predicate overwrite
      x.ReadPredicate("p = '" + part + "'");
      for (const AddFile& f : snap->files()) {
        if (f.partition_values[0].second == part) {
          x.ReadFile(f);
          x.RemoveFile(RemoveFor(f, 1767225600000));
        }
      }
      x.SetOperation("WRITE", R"({"mode":"Overwrite","predicate":["p = ')" + part + R"('"]})");
    }
    x.AddFile(testing::FakeAdd("f-" + tag + ".parquet", part, records));
    x.SetUserMetadata(tag);
    auto r = x.Commit(options);
    if (r.ok()) {
      out << "ack " << r->version << " " << tag << " " << r->attempts << "\n";
      snap = r->snapshot;
      ++acked;
    } else if (r.status().code() == StatusCode::kConflict) {
      out << "refused " << tag << "\n";
      auto fresh = (*table)->LatestSnapshot();
      if (!fresh.ok()) return 5;
      snap = *fresh;
    } else {
      out << "error " << tag << " " << r.status().ToString() << "\n";
      return 6;
    }
    out.flush();
  }
  if (Status st = WaitForBackgroundCheckpoints(); !st.ok()) {
    out << "error checkpoints " << st.ToString() << "\n";
    return 8;
  }
  return acked == commits ? 0 : 7;
}

std::string UserMetadataOf(const CommitInfo& ci) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view s;
  if (p.parse(ci.json).get(doc) || doc["userMetadata"].get_string().get(s)) return "";
  return std::string(s);
}

WriterLogs ReadWriterLogs(const std::string& prefix, int writers) {
  WriterLogs out;
  for (int i = 0; i < writers; ++i) {
    for (const std::string& line : ReadLines(prefix + std::to_string(i))) {
      std::istringstream ls(line);
      std::string what, tag;
      ls >> what;
      if (what == "ack") {
        int64_t v = -1;
        int attempts = 0;
        ls >> v >> tag >> attempts;
        EXPECT_TRUE(out.acked.emplace(tag, v).second) << "acknowledged twice: " << tag;
        out.total_attempts += attempts;
        out.max_attempts = std::max(out.max_attempts, attempts);
      } else if (what == "refused") {
        ls >> tag;
        out.refused.insert(tag);
      } else if (what == "error") {
        ls >> tag;
        out.errors.insert(tag);
        out.error_lines.push_back(line);
      } else {
        out.other_lines.push_back(line);
      }
    }
  }
  return out;
}

}  // namespace lake::testing
