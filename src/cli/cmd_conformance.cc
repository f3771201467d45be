// lake conformance [DIR] [--only NAME] [--expect-fail FILE] [--jobs N]
//
// Checks every table of DIR/manifest.json (../shared/conformance by default):
// - expect "ok": opens at the manifest's version (and active file count, protocol); where the
//   manifest gives expected contents, the scan returns exactly those rows (multiset, after
//   casting the expected columns to the table's types); else the row count matches
//   rows_from_stats; tables with data files are scanned in full in any case.
// - expect "error": refused with an error (the message is shown).
// - expect "nonstandard": may fail, must not crash.
// Each table runs in a forked child, so a crash is reported as that table's failure instead of
// ending the run. DuckDB is only ever started inside the children.
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/cli_common.h"
#include "engine/duckdb_engine.h"
#include "lake/scan.h"

namespace lake::cli {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string name, path, expect, why, expected;
  std::optional<int64_t> version, active_files, rows_from_stats;
  std::optional<int64_t> min_reader, min_writer;
  bool data_files_present = true;
};

Result<std::vector<Entry>> LoadManifest(const std::string& dir) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string file = dir + "/manifest.json";
  if (parser.load(file).get(root)) return Status::NotFound("cannot read '" + file + "'");
  simdjson::dom::array tables;
  if (root["tables"].get(tables)) return Status::Corruption("'" + file + "' has no tables array");
  std::vector<Entry> out;
  for (auto t : tables) {
    Entry e;
    std::string_view s;
    if (t["name"].get(s) == simdjson::SUCCESS) e.name = std::string(s);
    if (t["path"].get(s) == simdjson::SUCCESS) e.path = std::string(s);
    if (t["expect"].get(s) == simdjson::SUCCESS) e.expect = std::string(s);
    if (t["why"].get(s) == simdjson::SUCCESS) e.why = std::string(s);
    if (t["expected"].get(s) == simdjson::SUCCESS) e.expected = std::string(s);
    int64_t n;
    if (t["version"].get(n) == simdjson::SUCCESS) e.version = n;
    if (t["active_files"].get(n) == simdjson::SUCCESS) e.active_files = n;
    if (t["rows_from_stats"].get(n) == simdjson::SUCCESS) e.rows_from_stats = n;
    if (t["protocol"]["minReader"].get(n) == simdjson::SUCCESS) e.min_reader = n;
    if (t["protocol"]["minWriter"].get(n) == simdjson::SUCCESS) e.min_writer = n;
    bool b;
    if (t["data_files_present"].get(b) == simdjson::SUCCESS) e.data_files_present = b;
    out.push_back(std::move(e));
  }
  return out;
}

// Unpacks a .tar.zst table archive into a new temp dir; returns the folder holding _delta_log.
Result<std::string> Unpack(const std::string& archive, std::string* tmp_out) {
  std::string tmpl = (fs::temp_directory_path() / "lake-conf-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return Status::IOError("mkdtemp failed");
  *tmp_out = tmpl;
  pid_t pid = fork();
  if (pid == 0) {
    execlp("tar", "tar", "-I", "zstd", "-xf", archive.c_str(), "-C", tmpl.c_str(), nullptr);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    return Status::IOError("cannot unpack '" + archive + "' (needs tar and zstd)");
  }
  for (auto it = fs::recursive_directory_iterator(tmpl); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && it->path().filename() == "_delta_log") {
      return it->path().parent_path().string();
    }
  }
  return Status::NotFound("no _delta_log inside '" + archive + "'");
}

int64_t CountRows(engine::Connection& conn, const std::string& sql) {
  auto r = OrDie(conn.Query("SELECT count(*)::BIGINT FROM (" + sql + ")"));
  return r.GetInt64(0, 0);
}

// Compares the scan's rows with Spark's dump as multisets, casting the dump's columns to the
// table's types (Spark may store INT96 timestamps, other decimal widths, ...).
std::string CompareWithExpected(engine::Connection& conn, const std::string& sql,
                                const std::string& expected_dir) {
  // Text dumps (delta-kernel-rs *.expected.in): compare the row count only.
  for (const auto& f : fs::directory_iterator(expected_dir)) {
    std::string n = f.path().filename().string();
    if (n.size() > 9 && (n.ends_with(".expected.in") || n.ends_with(".expected"))) {
      std::ifstream in(f.path());
      std::string line;
      int64_t rows = -1;  // the header row also starts with "| "
      while (std::getline(in, line)) {
        auto p = line.find_first_not_of(" \t\"");
        if (p != std::string::npos && line.compare(p, 2, "| ") == 0) ++rows;
      }
      int64_t got = CountRows(conn, sql);
      if (got != rows) {
        return "row count " + std::to_string(got) + ", text dump has " + std::to_string(rows);
      }
      return "";
    }
  }
  OrDie(conn.Execute("CREATE OR REPLACE TEMP TABLE actual AS " + sql));
  OrDie(conn.Execute("CREATE OR REPLACE TEMP TABLE expected AS SELECT * FROM read_parquet(" +
                     engine::QuoteString(expected_dir + "/*.parquet") + ", union_by_name=true)"));
  auto acols = OrDie(
      conn.Query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'actual' "
                 "AND database_name = 'temp' ORDER BY column_index"));
  auto ecols =
      OrDie(conn.Query("SELECT column_name FROM duckdb_columns() WHERE table_name = 'expected' AND "
                       "database_name = 'temp' ORDER BY column_index"));
  std::set<std::string> expected_names;
  for (size_t i = 0; i < ecols.row_count(); ++i) {
    std::string n(ecols.GetString(0, i));
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    expected_names.insert(n);
  }
  std::string a_list, e_list;
  for (size_t i = 0; i < acols.row_count(); ++i) {
    std::string name(acols.GetString(0, i));
    std::string type(acols.GetString(1, i));
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!expected_names.count(lower)) return "expected contents have no column '" + name + "'";
    expected_names.erase(lower);
    a_list += (i ? ", " : "") + engine::QuoteIdent(name);
    e_list +=
        (i ? ", " : "") + std::string("CAST(") + engine::QuoteIdent(name) + " AS " + type + ")";
  }
  if (!expected_names.empty()) {
    return "the table lacks column '" + *expected_names.begin() + "' of the expected contents";
  }
  auto diff = [&](const std::string& x, const std::string& y) {
    return OrDie(conn.Query("SELECT count(*)::BIGINT FROM (" + x + " EXCEPT ALL " + y + ")"))
        .GetInt64(0, 0);
  };
  std::string a_sel = "SELECT " + a_list + " FROM actual";
  std::string e_sel = "SELECT " + e_list + " FROM expected";
  int64_t missing = diff(e_sel, a_sel), extra = diff(a_sel, e_sel);
  if (missing || extra) {
    int64_t na = CountRows(conn, a_sel), ne = CountRows(conn, e_sel);
    std::string out = std::to_string(missing) + " expected rows missing, " + std::to_string(extra) +
                      " unexpected rows (read " + std::to_string(na) + ", expected " +
                      std::to_string(ne) + ")";
    auto sample = conn.Query("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (" + e_sel + " EXCEPT ALL " +
                             a_sel + ") LIMIT 1");
    if (sample.ok() && sample->row_count() > 0) {
      out += "; e.g. missing (";
      for (size_t c = 0; c < sample->column_count(); ++c) {
        out += (c ? ", " : "") +
               (sample->IsNull(c, 0) ? std::string("NULL") : std::string(sample->GetString(c, 0)));
      }
      out += ")";
    }
    return out;
  }
  return "";
}

// Checks one table; returns "" on success or the reason. Runs inside the forked child.
std::string CheckTable(const std::string& dir, const Entry& e, std::string* detail) {
  std::string root = dir + "/" + e.path, tmp;
  struct Cleanup {
    std::string* t;
    ~Cleanup() {
      std::error_code ec;
      if (!t->empty()) fs::remove_all(*t, ec);
    }
  } cleanup{&tmp};
  if (e.path.ends_with(".tar.zst")) {
    auto r = Unpack(root, &tmp);
    if (!r.ok()) return r.status().message();
    root = *r;
  }
  auto table = Table::Open(root);
  Result<std::shared_ptr<const Snapshot>> snap =
      table.ok() ? (*table)->LatestSnapshot()
                 : Result<std::shared_ptr<const Snapshot>>(table.status());
  if (e.expect == "error") {
    if (snap.ok())
      return "opened at version " + std::to_string((*snap)->version()) + " but must be refused (" +
             e.why + ")";
    *detail = "refused: " + snap.status().message();
    return "";
  }
  if (!snap.ok()) {
    if (e.expect == "nonstandard") {
      *detail = "refused: " + snap.status().message();
      return "";
    }
    return snap.status().message();
  }
  const Snapshot& s = **snap;
  if (e.expect == "ok") {
    if (e.version && s.version() != *e.version) {
      return "version " + std::to_string(s.version()) + ", expected " + std::to_string(*e.version);
    }
    if (e.active_files && static_cast<int64_t>(s.files().size()) != *e.active_files) {
      return std::to_string(s.files().size()) + " active files, expected " +
             std::to_string(*e.active_files);
    }
    if (e.min_reader && s.protocol().min_reader_version != *e.min_reader) {
      return "minReaderVersion " + std::to_string(s.protocol().min_reader_version) + ", expected " +
             std::to_string(*e.min_reader);
    }
    if (e.min_writer && s.protocol().min_writer_version != *e.min_writer) {
      return "minWriterVersion " + std::to_string(s.protocol().min_writer_version) + ", expected " +
             std::to_string(*e.min_writer);
    }
  }
  *detail = "v" + std::to_string(s.version()) + ", " + std::to_string(s.files().size()) + " files";
  if (!e.data_files_present) {
    if (e.rows_from_stats && e.expect == "ok") {
      auto rec = s.TotalRecords();
      if (!rec || *rec != *e.rows_from_stats) {
        return "records from stats " + (rec ? std::to_string(*rec) : std::string("unknown")) +
               ", expected " + std::to_string(*e.rows_from_stats);
      }
      *detail += ", " + std::to_string(*rec) + " rows (stats)";
    }
    return "";
  }
  try {
    Scan scan = OrDie(Scan::Plan(*snap, ScanOptions{}));
    auto db = OrDie(engine::SharedDatabase());
    auto conn = OrDie(db->Connect());
    std::string sql = OrDie(scan.ToSql(*conn));
    if (e.expect == "ok" && !e.expected.empty()) {
      std::string why = CompareWithExpected(*conn, sql, dir + "/" + e.expected);
      if (!why.empty()) return why;
      *detail += ", rows match expected contents";
    } else {
      int64_t rows = CountRows(*conn, sql);
      if (e.expect == "ok" && e.rows_from_stats && rows != *e.rows_from_stats) {
        return "read " + std::to_string(rows) + " rows, rows_from_stats says " +
               std::to_string(*e.rows_from_stats);
      }
      *detail += ", " + std::to_string(rows) + " rows";
    }
  } catch (const CliError& err) {
    if (e.expect == "nonstandard") {
      *detail += ", scan refused: " + err.status.message();
      return "";
    }
    return "scan failed: " + err.status.message();
  }
  return "";
}

struct Running {
  pid_t pid;
  int fd;
  size_t index;
  std::string out;
  std::chrono::steady_clock::time_point start;
};

int RunConformance(const std::string& dir, const std::string& only, const std::string& xfail_file,
                   int jobs, int timeout_s) {
  if (!fs::exists(dir + "/manifest.json")) {
    throw CliError{Status::NotFound("no conformance manifest at '" + dir + "/manifest.json'")};
  }
  auto entries = OrDie(LoadManifest(dir));
  std::set<std::string> xfail;
  if (!xfail_file.empty()) {
    std::ifstream in(xfail_file);
    if (!in) throw CliError{Status::NotFound("cannot read '" + xfail_file + "'")};
    std::string line;
    while (std::getline(in, line)) {
      auto p = line.find_first_not_of(" \t");
      if (p == std::string::npos || line[p] == '#') continue;
      line = line.substr(p);
      line = line.substr(0, line.find_first_of(" \t"));
      xfail.insert(line);
    }
  }
  std::vector<size_t> todo;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (only.empty() || entries[i].name == only) todo.push_back(i);
  }
  if (todo.empty())
    throw CliError{Status::NotFound("no table named '" + only + "' in the manifest")};
  int passed = 0, failed = 0, xfailed = 0;
  std::vector<Running> running;
  size_t next = 0;
  auto report = [&](const Entry& e, bool ok, const std::string& msg) {
    bool expected_fail = xfail.count(e.name) > 0;
    const char* tag;
    if (ok && !expected_fail) {
      tag = "ok   ";
      ++passed;
    } else if (ok) {
      tag = "XPASS";  // listed as a known failure but passes: the list must be updated
      ++failed;
    } else if (expected_fail) {
      tag = "xfail";
      ++xfailed;
    } else {
      tag = "FAIL ";
      ++failed;
    }
    std::printf("%s %-70s %s\n", tag, e.name.c_str(), msg.c_str());
    std::fflush(stdout);
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      size_t idx = todo[next++];
      int pfd[2];
      if (pipe(pfd) != 0) throw CliError{Status::IOError("pipe failed")};
      std::fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) {
        close(pfd[0]);
        std::string detail, why;
        try {
          why = CheckTable(dir, entries[idx], &detail);
        } catch (const CliError& err) {
          why = err.status.message();
        } catch (const std::exception& ex) {
          why = std::string("exception: ") + ex.what();
        }
        std::string msg = (why.empty() ? "P" + detail : "F" + why);
        for (auto& c : msg)
          if (c == '\n') c = ' ';
        (void)!write(pfd[1], msg.data(), msg.size());
        close(pfd[1]);
        _exit(0);
      }
      close(pfd[1]);
      running.push_back({pid, pfd[0], idx, "", std::chrono::steady_clock::now()});
    }
    std::vector<pollfd> pfds;
    for (auto& r : running) pfds.push_back({r.fd, POLLIN, 0});
    poll(pfds.data(), pfds.size(), 200);
    for (size_t i = 0; i < running.size();) {
      Running& r = running[i];
      bool done = false;
      if (pfds[i].revents & (POLLIN | POLLHUP)) {
        char buf[4096];
        ssize_t n = read(r.fd, buf, sizeof buf);
        if (n > 0)
          r.out.append(buf, static_cast<size_t>(n));
        else
          done = true;
      }
      auto elapsed = std::chrono::steady_clock::now() - r.start;
      if (!done && elapsed > std::chrono::seconds(timeout_s)) {
        kill(r.pid, SIGKILL);
        r.out = "Ftimed out after " + std::to_string(timeout_s) + " s";
        done = true;
      }
      if (!done) {
        ++i;
        continue;
      }
      int st = 0;
      waitpid(r.pid, &st, 0);
      close(r.fd);
      const Entry& e = entries[r.index];
      if (WIFSIGNALED(st) && r.out.empty()) {
        report(e, false, "CRASHED with signal " + std::to_string(WTERMSIG(st)));
      } else if (r.out.empty()) {
        report(e, false, "no result (exit status " + std::to_string(st) + ")");
      } else {
        report(e, r.out[0] == 'P', r.out.substr(1));
      }
      pfds.erase(pfds.begin() + static_cast<long>(i));
      running.erase(running.begin() + static_cast<long>(i));
    }
  }
  std::printf("%d passed, %d failed", passed, failed);
  if (xfailed) std::printf(" (%d known failures listed in %s)", xfailed, xfail_file.c_str());
  std::printf("\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace

void RegisterConformance(CLI::App& app) {
  auto* cmd = app.add_subcommand("conformance", "Check lake against the Delta conformance tables");
  auto dir = std::make_shared<std::string>("../shared/conformance");
  auto only = std::make_shared<std::string>();
  auto xfail = std::make_shared<std::string>();
  auto jobs = std::make_shared<int>(2);
  auto timeout = std::make_shared<int>(600);
  cmd->add_option("DIR", *dir,
                  "Conformance folder with manifest.json (default ../shared/conformance)");
  cmd->add_option("--only", *only, "Check only the table with this manifest name");
  cmd->add_option("--expect-fail", *xfail,
                  "File listing known failures (one manifest name per line, # comments)");
  cmd->add_option("--jobs", *jobs, "Tables checked in parallel (default 2)");
  cmd->add_option("--timeout", *timeout, "Seconds per table before it counts as failed");
  cmd->callback([=] {
    int rc = RunConformance(*dir, *only, *xfail, std::max(1, *jobs), *timeout);
    if (rc != 0) std::exit(rc);
  });
}

}  // namespace lake::cli
