// lake sql [-c SQL | -f FILE] [--format table|csv|jsonl|parquet] [--output FILE]
//
// Without -c/-f: an interactive shell (libedit: line editing, history in
// $LAKE_HOME/sql_history (default ~/.lake/sql_history), statements spanning lines until ';',
// tab completion of keywords and catalog table names). When standard input is not a terminal,
// it is read as a script.
#include <editline/readline.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli_common.h"
#include "lake/transaction.h"
#include "sql/executor.h"
#include "sql/parser.h"

namespace lake::cli {
namespace {

struct SqlArgs {
  std::string command, file, format = "table", output;
};

// Completion candidates, refreshed before each prompt (the catalog may have changed).
std::vector<std::string>& Candidates() {
  static std::vector<std::string> c;
  return c;
}

char* CompletionGenerator(const char* text, int state) {
  static size_t index;
  static std::string prefix;
  if (state == 0) {
    index = 0;
    prefix = text;
  }
  const auto& cands = Candidates();
  while (index < cands.size()) {
    const std::string& c = cands[index++];
    if (c.size() < prefix.size()) continue;
    if (strncasecmp(c.c_str(), prefix.c_str(), prefix.size()) != 0) continue;
    // Keywords in the case the user started typing.
    std::string out = c;
    bool lower = !prefix.empty() && std::islower(static_cast<unsigned char>(prefix[0]));
    if (lower) {
      for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return strdup(out.c_str());
  }
  return nullptr;
}

char** Complete(const char* text, int, int) {
  rl_attempted_completion_over = 1;  // no filename completion
  return rl_completion_matches(text, CompletionGenerator);
}

void RefreshCandidates(Catalog& catalog) {
  auto& c = Candidates();
  c = sql::Keywords();
  if (auto tables = catalog.ListTables(""); tables.ok()) {
    for (const auto& t : *tables) c.push_back(t.name.ToString());
  }
  if (auto ns = catalog.ListNamespaces(); ns.ok()) {
    for (const auto& n : *ns) c.push_back(n.name);
  }
}

std::string HistoryPath() {
  std::string home;
  if (const char* lh = std::getenv("LAKE_HOME"); lh && *lh) {
    home = lh;
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    home = std::string(h) + "/.lake";
  } else {
    return "";
  }
  ::mkdir(home.c_str(), 0755);
  return home + "/sql_history";
}


volatile sig_atomic_t g_interrupted = 0;
std::atomic<bool> cancelled{false};
void OnSigint(int) { g_interrupted = 1; }

void Interactive(sql::Session& session) {
  // Ctrl-C abandons the statement being typed instead of ending the shell.
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the read in readline returns
  sigaction(SIGINT, &sa, nullptr);
  std::string history = HistoryPath();
  rl_readline_name = "lake";
  static char breaks[] = " \t\n\"\\'`@$><=;|&{(),+-*/%";
  rl_completer_word_break_characters = breaks;
  rl_basic_word_break_characters = breaks;  // the one libedit reads
  rl_attempted_completion_function = Complete;
  using_history();
  stifle_history(2000);
  if (!history.empty()) read_history(history.c_str());
  std::printf("lake SQL shell: DuckDB SQL over catalog tables (ns.table); end statements with ';', "
              "'.quit' to leave.\n");
  std::string buffer;
  while (true) {
    if (buffer.empty()) RefreshCandidates(session.catalog());
    g_interrupted = 0;
    char* line = readline(buffer.empty() ? "lake> " : "  ... ");
    if (g_interrupted) {
      std::free(line);
      std::printf("^C\n");
      buffer.clear();
      continue;
    }
    if (!line) {
      std::printf("\n");
      break;
    }
    std::string l = line;
    std::free(line);
    if (buffer.empty()) {
      std::string t = l;
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
      size_t b = t.find_first_not_of(" \t");
      t = b == std::string::npos ? "" : t.substr(b);
      if (t.empty()) continue;
      if (t == ".quit" || t == ".exit" || t == "quit" || t == "exit" || t == "\\q") {
        add_history(t.c_str());
        break;
      }
      if (t == ".help" || t == "help") {
        std::printf("statements: SELECT ... FROM ns.t [VERSION AS OF n | TIMESTAMP AS OF 'ts'], "
                    "CREATE TABLE, INSERT INTO/OVERWRITE, VACUUM, DESCRIBE [HISTORY|DETAIL], "
                    "SHOW TABLES/NAMESPACES, CREATE NAMESPACE, DROP TABLE; .quit to leave\n");
        continue;
      }
    }
    buffer += buffer.empty() ? l : "\n" + l;
    if (!sql::IsComplete(buffer)) continue;
    // One history entry per statement (multi-line statements joined).
    std::string flat = OneLine(buffer);
    add_history(flat.c_str());
    if (!history.empty()) write_history(history.c_str());
    // While statements run, Ctrl-C cancels them: a watcher turns the signal flag into a
    // DuckDB interrupt (a signal handler may not call into DuckDB itself).
    g_interrupted = 0;
    cancelled.store(false);
    std::atomic<bool> running{true};
    std::thread watcher([&] {
      while (running.load()) {
        if (g_interrupted) {
          session.Interrupt();
          g_interrupted = 0;
          cancelled.store(true);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    for (const auto& stmt : sql::SplitStatements(buffer)) {
      Status st = session.Execute(stmt);
      std::cout.flush();
      if (cancelled.load()) {
        std::fprintf(stderr, "lake: cancelled%s\n",
                     st.ok() ? " (the statement had already finished)" : "");
        break;
      }
      if (!st.ok()) {
        std::fprintf(stderr, "lake: error: %s\n", OneLine(st.message()).c_str());
        break;
      }
    }
    running.store(false);
    watcher.join();
    buffer.clear();
  }
  if (!history.empty()) write_history(history.c_str());
}

// INSERTs leave due checkpoints to the background worker; wait for them before leaving, and
// say if one failed (the inserts stand either way).
void ReportBackgroundCheckpoints() {
  if (Status st = WaitForBackgroundCheckpoints(); !st.ok())
    std::fprintf(stderr, "lake: warning: %s\n", OneLine(st.message()).c_str());
}

void RunSql(const SqlArgs& a) {
  if (!a.command.empty() && !a.file.empty())
    throw CliError{Status::InvalidArgument("give -c SQL or -f FILE, not both"), 2};
  auto catalog = OpenCatalog();
  // Confirmations go to stderr when stdout carries csv/jsonl rows.
  std::ostream& msg = a.format == "table" || !a.output.empty() ? std::cout : std::cerr;
  auto session = OrDie(sql::Session::Open(std::move(catalog), {a.format, a.output}, std::cout, msg));
  if (a.format == "table" && !a.output.empty()) {
    std::ofstream trunc(a.output, std::ios::trunc);  // table output appends per statement
  }
  std::string script;
  if (!a.command.empty()) {
    script = a.command;
  } else if (!a.file.empty()) {
    std::ifstream f(a.file == "-" ? "/dev/stdin" : a.file);
    if (!f) throw CliError{Status::IOError("cannot read '" + a.file + "'")};
    std::stringstream ss;
    ss << f.rdbuf();
    script = ss.str();
  } else if (!isatty(STDIN_FILENO)) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    script = ss.str();
  } else {
    Interactive(*session);
    ReportBackgroundCheckpoints();
    return;
  }
  Status st = session->ExecuteScript(script);
  ReportBackgroundCheckpoints();
  OrDie(st);
}

}  // namespace

void RegisterSql(CLI::App& app) {
  auto* cmd = app.add_subcommand("sql", "SQL over catalog tables: a shell, or -c SQL / -f FILE");
  auto a = std::make_shared<SqlArgs>();
  cmd->add_option("-c,--command", a->command, "Run these statements (';'-separated) and exit");
  cmd->add_option("-f,--file", a->file, "Run the statements in FILE ('-' = stdin) and exit");
  cmd->add_option("--format", a->format, "table, csv, jsonl or parquet (default table)");
  cmd->add_option("--output", a->output, "Write result rows to FILE instead of standard output");
  cmd->callback([a] { RunSql(*a); });
}

}  // namespace lake::cli
