#include "sql/parser.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace lake::sql {
namespace {

std::string Upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// Skips whitespace and comments from `i`; false on an unterminated block comment.
bool SkipSpace(std::string_view s, size_t& i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t e = s.find("*/", i + 2);
      if (e == std::string_view::npos) {
        i = s.size();
        return false;
      }
      i = e + 2;
    } else {
      break;
    }
  }
  return true;
}

// Reads a quoted run starting at s[i] == q; doubled quotes escape. Returns false if unterminated.
bool ReadQuoted(std::string_view s, size_t& i, char q, std::string* value) {
  size_t j = i + 1;
  std::string v;
  while (j < s.size()) {
    if (s[j] == q) {
      if (j + 1 < s.size() && s[j + 1] == q) {
        v.push_back(q);
        j += 2;
        continue;
      }
      i = j + 1;
      if (value) *value = std::move(v);
      return true;
    }
    v.push_back(s[j++]);
  }
  return false;
}

const std::set<std::string>& ClauseEnd() {
  static const std::set<std::string> k = {
      "WHERE",     "GROUP",  "ORDER",     "LIMIT",     "HAVING",      "WINDOW",  "QUALIFY",
      "UNION",     "EXCEPT", "INTERSECT", "OFFSET",    "ON",          "USING",   "JOIN",
      "INNER",     "LEFT",   "RIGHT",     "FULL",      "CROSS",       "NATURAL", "POSITIONAL",
      "ASOF",      "ANTI",   "SEMI",      "LATERAL",   "SELECT",      "FROM",    "VALUES",
      "RETURNING", "SET",    "PIVOT",     "UNPIVOT",   "TABLESAMPLE", "USING",   "FETCH",
      "OUTER",     "AS",     "VERSION",   "TIMESTAMP", "FOR"};
  return k;
}

}  // namespace

bool Token::Is(std::string_view keyword) const {
  if (kind != kWord || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) !=
        std::toupper(static_cast<unsigned char>(keyword[i])))
      return false;
  }
  return true;
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    if (!SkipSpace(s, i)) return Status::InvalidArgument("unterminated /* comment");
    if (i >= s.size()) break;
    Token t;
    t.begin = i;
    char c = s[i];
    if (c == '\'' || c == '"') {
      t.kind = c == '\'' ? Token::kString : Token::kQuotedIdent;
      if (!ReadQuoted(s, i, c, &t.text)) {
        return Status::InvalidArgument(c == '\'' ? "unterminated string literal"
                                                 : "unterminated quoted identifier");
      }
    } else if ((c == 'E' || c == 'e') && i + 1 < s.size() && s[i + 1] == '\'') {
      // E'...' escape strings: kept as one string token (escapes not interpreted).
      ++i;
      t.kind = Token::kString;
      if (!ReadQuoted(s, i, '\'', &t.text))
        return Status::InvalidArgument("unterminated string literal");
    } else if (IsWordStart(c)) {
      while (i < s.size() && IsWordChar(s[i])) ++i;
      t.kind = Token::kWord;
      t.text = std::string(s.substr(t.begin, i - t.begin));
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_'))
        ++i;
      t.kind = Token::kNumber;
      t.text = std::string(s.substr(t.begin, i - t.begin));
    } else {
      static const char* kTwo[] = {"::", "<=", ">=", "<>", "!=", "||", "->", "=>", "**", "//"};
      t.kind = Token::kSymbol;
      size_t n = 1;
      for (const char* two : kTwo) {
        if (s.compare(i, 2, two) == 0) n = 2;
      }
      t.text = std::string(s.substr(i, n));
      i += n;
    }
    t.end = i;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> SplitStatements(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto flush = [&](size_t end) {
    std::string_view part = s.substr(start, end - start);
    size_t k = 0;
    SkipSpace(part, k);
    if (k < part.size()) {
      size_t e = part.size();
      while (e > k && std::isspace(static_cast<unsigned char>(part[e - 1]))) --e;
      out.emplace_back(part.substr(k, e - k));
    }
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {
      if (!ReadQuoted(s, i, c, nullptr)) break;
    } else if (s.compare(i, 2, "--") == 0 || s.compare(i, 2, "/*") == 0) {
      if (!SkipSpace(s, i)) break;
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(s.size());
  return out;
}

bool IsComplete(std::string_view s) {
  size_t i = 0;
  bool last_semicolon = false;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '\'' || c == '"') {
      if (!ReadQuoted(s, i, c, nullptr)) return false;
      last_semicolon = false;
    } else if (s.compare(i, 2, "--") == 0 || s.compare(i, 2, "/*") == 0) {
      if (!SkipSpace(s, i)) return false;
    } else {
      last_semicolon = c == ';';
      ++i;
    }
  }
  return last_semicolon;
}

Result<std::vector<TableRef>> FindTableRefs(std::string_view sql) {
  LAKE_ASSIGN_OR_RETURN(auto toks, Tokenize(sql));
  std::vector<TableRef> refs;
  // from_depth: the paren depth of the FROM list we are in (-1: none). Commas at that depth
  // introduce another table.
  std::vector<int> from_depths;
  int depth = 0;
  bool expect_table = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    const Token& t = toks[i];
    if (t.IsSym("(")) {
      ++depth;
      expect_table = false;
      continue;
    }
    if (t.IsSym(")")) {
      while (!from_depths.empty() && from_depths.back() >= depth) from_depths.pop_back();
      --depth;
      expect_table = false;
      continue;
    }
    if (t.Is("FROM") || t.Is("JOIN")) {
      expect_table = true;
      if (t.Is("FROM")) {
        while (!from_depths.empty() && from_depths.back() >= depth) from_depths.pop_back();
        from_depths.push_back(depth);
      }
      continue;
    }
    if (t.IsSym(",")) {
      expect_table = !from_depths.empty() && from_depths.back() == depth;
      continue;
    }
    if (t.kind == Token::kWord && ClauseEnd().count(Upper(t.text)) && !t.Is("AS") &&
        !t.Is("VERSION") && !t.Is("TIMESTAMP") && !t.Is("FOR") && !t.Is("FROM") && !t.Is("JOIN")) {
      if (!t.Is("INNER") && !t.Is("LEFT") && !t.Is("RIGHT") && !t.Is("FULL") && !t.Is("CROSS") &&
          !t.Is("NATURAL") && !t.Is("OUTER") && !t.Is("ASOF") && !t.Is("ANTI") && !t.Is("SEMI") &&
          !t.Is("POSITIONAL") && !t.Is("ON") && !t.Is("USING") && !t.Is("LATERAL")) {
        while (!from_depths.empty() && from_depths.back() >= depth) from_depths.pop_back();
      }
      expect_table = false;
      continue;
    }
    if (!expect_table) continue;
    expect_table = false;
    // ident . ident, not followed by '.' or '('
    if (!(t.IsIdent() && i + 2 < toks.size() + 0 && i + 2 <= toks.size() - 1 &&
          toks[i + 1].IsSym(".") && toks[i + 2].IsIdent()))
      continue;
    if (i + 3 < toks.size() && (toks[i + 3].IsSym(".") || toks[i + 3].IsSym("("))) continue;
    TableRef r;
    r.ns = t.text;
    r.table = toks[i + 2].text;
    r.begin = t.begin;
    r.end = toks[i + 2].end;
    size_t j = i + 3;
    // [FOR] VERSION|TIMESTAMP AS OF x
    size_t k = j;
    if (k < toks.size() && toks[k].Is("FOR")) ++k;
    if (k + 3 < toks.size() + 0 && k + 3 <= toks.size() - 1 + 0 &&
        (toks[k].Is("VERSION") || toks[k].Is("TIMESTAMP")) && toks[k + 1].Is("AS") &&
        toks[k + 2].Is("OF")) {
      const Token& v = toks[k + 3];
      if (toks[k].Is("VERSION")) {
        if (v.kind != Token::kNumber)
          return Status::InvalidArgument("VERSION AS OF needs a version number, got '" + v.text +
                                         "'");
        try {
          r.version = std::stoll(v.text);
        } catch (...) {
          return Status::InvalidArgument("bad version '" + v.text + "'");
        }
      } else {
        if (v.kind != Token::kString)
          return Status::InvalidArgument("TIMESTAMP AS OF needs a quoted timestamp");
        r.timestamp = v.text;
      }
      r.end = v.end;
      j = k + 4;
    }
    if (j < toks.size()) {
      if (toks[j].Is("AS") && j + 1 < toks.size() && toks[j + 1].IsIdent()) {
        r.alias = toks[j + 1].text;
      } else if (toks[j].kind == Token::kQuotedIdent ||
                 (toks[j].kind == Token::kWord && !ClauseEnd().count(Upper(toks[j].text)) &&
                  !toks[j].Is("LIMIT"))) {
        r.alias = toks[j].text;
      }
    }
    refs.push_back(std::move(r));
    i = j - 1;
  }
  return refs;
}

std::string PushdownPredicate(std::string_view sql, const std::vector<Token>& toks) {
  int selects = 0;
  for (const auto& t : toks) {
    if (t.Is("SELECT")) ++selects;
    if (t.Is("WITH") || t.Is("UNION") || t.Is("EXCEPT") || t.Is("INTERSECT") || t.Is("JOIN"))
      return "";
  }
  if (selects != 1) return "";
  int depth = 0;
  size_t where = toks.size();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].IsSym("(")) ++depth;
    if (toks[i].IsSym(")")) --depth;
    if (depth == 0 && toks[i].Is("WHERE")) {
      where = i;
      break;
    }
  }
  if (where + 1 >= toks.size()) return "";
  static const std::set<std::string> kEnd = {"GROUP",  "ORDER",   "LIMIT",  "HAVING",
                                             "WINDOW", "QUALIFY", "OFFSET", "FETCH"};
  size_t end = toks.size();
  depth = 0;
  for (size_t i = where + 1; i < toks.size(); ++i) {
    if (toks[i].IsSym("(")) ++depth;
    if (toks[i].IsSym(")")) --depth;
    if (depth < 0) return "";
    if (toks[i].IsSym(".") || toks[i].IsSym(";")) return "";  // qualified names: skip
    if (depth == 0 && toks[i].kind == Token::kWord && kEnd.count(Upper(toks[i].text))) {
      end = i;
      break;
    }
  }
  if (end == where + 1) return "";
  return std::string(sql.substr(toks[where + 1].begin, toks[end - 1].end - toks[where + 1].begin));
}

std::string ReplaceRanges(std::string_view sql, const std::vector<TableRef>& refs,
                          const std::vector<std::string>& replacements) {
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < refs.size(); ++i) {
    out.append(sql.substr(pos, refs[i].begin - pos));
    out.append(replacements[i]);
    pos = refs[i].end;
  }
  out.append(sql.substr(pos));
  return out;
}

namespace {

// A cursor over the tokens of one statement.
struct Cursor {
  std::string_view text;
  const std::vector<Token>& t;
  size_t i = 0;
  bool AtEnd() const { return i >= t.size(); }
  bool Peek(std::string_view kw, size_t ahead = 0) const {
    return i + ahead < t.size() && t[i + ahead].Is(kw);
  }
  bool Accept(std::string_view kw) {
    if (Peek(kw)) {
      ++i;
      return true;
    }
    return false;
  }
  bool AcceptSym(std::string_view s) {
    if (i < t.size() && t[i].IsSym(s)) {
      ++i;
      return true;
    }
    return false;
  }
  std::string Near() const {
    return AtEnd() ? std::string("end of statement") : "'" + t[i].text + "'";
  }
  Status Expect(std::string_view kw) {
    if (Accept(kw)) return Status::OK();
    return Status::InvalidArgument("expected " + std::string(kw) + " near " + Near());
  }
  // "ns.t" (each part a word or quoted identifier).
  Result<std::string> TableName() {
    if (i + 2 < t.size() + 0 && i + 2 <= t.size() - 1 && t[i].IsIdent() && t[i + 1].IsSym(".") &&
        t[i + 2].IsIdent()) {
      std::string n = t[i].text + "." + t[i + 2].text;
      i += 3;
      return n;
    }
    if (i < t.size() && t[i].IsIdent())
      return Status::InvalidArgument("table names are NS.TABLE, got '" + t[i].text + "'");
    return Status::InvalidArgument("expected a table name NS.TABLE near " + Near());
  }
  Result<std::string> Ident() {
    if (i < t.size() && t[i].IsIdent()) return t[i++].text;
    return Status::InvalidArgument("expected a name near " + Near());
  }
  Result<std::string> String() {
    if (i < t.size() && t[i].kind == Token::kString) return t[i++].text;
    return Status::InvalidArgument("expected a quoted string near " + Near());
  }
  // The text inside a balanced ( ... ), cursor after ')'.
  Result<std::string> Parenthesized() {
    if (!AcceptSym("(")) return Status::InvalidArgument("expected '(' near " + Near());
    size_t start = i;
    int depth = 1;
    while (i < t.size()) {
      if (t[i].IsSym("(")) ++depth;
      if (t[i].IsSym(")") && --depth == 0) {
        std::string inner =
            start == i ? std::string()
                       : std::string(text.substr(t[start].begin, t[i - 1].end - t[start].begin));
        ++i;
        return inner;
      }
      ++i;
    }
    return Status::InvalidArgument("unbalanced parentheses");
  }
  Result<std::vector<std::string>> IdentList() {
    if (!AcceptSym("(")) return Status::InvalidArgument("expected '(' near " + Near());
    std::vector<std::string> out;
    while (true) {
      LAKE_ASSIGN_OR_RETURN(auto id, Ident());
      out.push_back(id);
      if (AcceptSym(")")) return out;
      if (!AcceptSym(",")) return Status::InvalidArgument("expected ',' or ')' near " + Near());
    }
  }
  std::string Rest() const {
    if (AtEnd()) return "";
    return std::string(text.substr(t[i].begin));
  }
  Status End() {
    if (AtEnd()) return Status::OK();
    return Status::InvalidArgument("unexpected " + Near());
  }
};

// "a INT, b DECIMAL(10, 2) COMMENT 'x, y'" -> {"a INT", "b DECIMAL(10, 2) COMMENT 'x, y'"}.
std::vector<std::string> SplitTopLevelCommas(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t k = 0; k <= text.size(); ++k) {
    char ch = k < text.size() ? text[k] : ',';
    if (quote) {
      if (ch == quote) quote = 0;
      continue;
    }
    if (ch == '\'' || ch == '"')
      quote = ch;
    else if (ch == '(')
      ++depth;
    else if (ch == ')')
      --depth;
    else if (ch == ',' && depth == 0) {
      std::string item(text.substr(start, k - start));
      size_t b = item.find_first_not_of(" \t\r\n"), e = item.find_last_not_of(" \t\r\n");
      if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
      start = k + 1;
    }
  }
  return out;
}

// "('k' = 'v', ...)" after TBLPROPERTIES ('=' optional, as Spark allows).
Status ParsePropertyList(Cursor& c, std::map<std::string, std::string>* out) {
  if (!c.AcceptSym("(")) return Status::InvalidArgument("expected '(' after TBLPROPERTIES");
  while (true) {
    LAKE_ASSIGN_OR_RETURN(auto k, c.String());
    c.AcceptSym("=");
    LAKE_ASSIGN_OR_RETURN(auto v, c.String());
    (*out)[k] = v;
    if (c.AcceptSym(")")) return Status::OK();
    if (!c.AcceptSym(",")) return Status::InvalidArgument("expected ',' or ')' near " + c.Near());
  }
}

Result<Statement> ParseCreateTable(Cursor& c, Statement s) {
  if (c.Accept("IF")) {
    LAKE_RETURN_IF_ERROR(c.Expect("NOT"));
    LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
    s.if_not_exists = true;
  }
  LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
  s.kind = Kind::kCreateTable;
  if (!c.AtEnd() && c.t[c.i].IsSym("(")) {
    LAKE_ASSIGN_OR_RETURN(s.columns_ddl, c.Parenthesized());
  }
  while (!c.AtEnd()) {
    if (c.Accept("USING")) {
      LAKE_ASSIGN_OR_RETURN(auto fmt, c.Ident());
      if (!Token{Token::kWord, fmt, 0, 0}.Is("DELTA"))
        return Status::Unsupported("only USING DELTA tables are supported, not '" + fmt + "'");
    } else if (c.Accept("PARTITIONED")) {
      LAKE_RETURN_IF_ERROR(c.Expect("BY"));
      LAKE_ASSIGN_OR_RETURN(s.partition_by, c.IdentList());
    } else if (c.Accept("COMMENT")) {
      LAKE_ASSIGN_OR_RETURN(s.comment, c.String());
    } else if (c.Accept("LOCATION")) {
      LAKE_ASSIGN_OR_RETURN(s.location, c.String());
    } else if (c.Accept("TBLPROPERTIES")) {
      LAKE_RETURN_IF_ERROR(ParsePropertyList(c, &s.properties));
    } else if (c.Accept("AS")) {
      s.query = c.Rest();
      if (s.query.empty()) return Status::InvalidArgument("CREATE TABLE ... AS needs a query");
      s.kind = Kind::kCreateTableAs;
      c.i = c.t.size();
    } else {
      return Status::InvalidArgument("unexpected " + c.Near() + " in CREATE TABLE");
    }
  }
  if (s.kind == Kind::kCreateTable && s.columns_ddl.empty())
    return Status::InvalidArgument("CREATE TABLE needs a column list or AS SELECT");
  if (s.kind == Kind::kCreateTableAs && !s.columns_ddl.empty())
    return Status::Unsupported("CREATE TABLE with both a column list and AS SELECT");
  return s;
}

}  // namespace

Result<Statement> ParseStatement(std::string_view text) {
  LAKE_ASSIGN_OR_RETURN(auto toks, Tokenize(text));
  Statement s;
  s.text = std::string(text);
  if (toks.empty()) return Status::InvalidArgument("empty statement");
  Cursor c{text, toks};
  auto unsupported = [&](std::string what) {
    s.kind = Kind::kUnsupported;
    s.unsupported = std::move(what);
    return s;
  };
  if (c.Accept("CREATE")) {
    bool or_replace = false;
    if (c.Accept("OR")) {
      LAKE_RETURN_IF_ERROR(c.Expect("REPLACE"));
      or_replace = true;
    }
    if (c.Accept("NAMESPACE") || c.Accept("SCHEMA") || c.Accept("DATABASE")) {
      if (or_replace) return unsupported("CREATE OR REPLACE NAMESPACE");
      if (c.Accept("IF")) {
        LAKE_RETURN_IF_ERROR(c.Expect("NOT"));
        LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
        s.if_not_exists = true;
      }
      LAKE_ASSIGN_OR_RETURN(s.ns, c.Ident());
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kCreateNamespace;
      return s;
    }
    if (c.Accept("TABLE")) {
      if (or_replace) return unsupported("CREATE OR REPLACE TABLE");
      return ParseCreateTable(c, std::move(s));
    }
    if (c.Peek("TEMP") || c.Peek("TEMPORARY") || c.Peek("VIEW") || c.Peek("MACRO") ||
        c.Peek("FUNCTION") || c.Peek("SEQUENCE") || c.Peek("TYPE"))
      return s;  // DuckDB session objects
    return unsupported("this CREATE statement");
  }
  if (c.Accept("INSERT")) {
    s.kind = Kind::kInsert;
    if (c.Accept("OVERWRITE")) {
      s.overwrite = true;
      c.Accept("TABLE");
    } else {
      LAKE_RETURN_IF_ERROR(c.Expect("INTO"));
      c.Accept("TABLE");
    }
    LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
    if (!c.AtEnd() && c.t[c.i].IsSym("(") &&
        !(c.Peek("SELECT", 1) || c.Peek("WITH", 1) || c.Peek("VALUES", 1) || c.Peek("FROM", 1))) {
      LAKE_ASSIGN_OR_RETURN(s.insert_columns, c.IdentList());
    }
    if (c.Accept("REPLACE")) {
      if (!s.overwrite) return Status::InvalidArgument("REPLACE WHERE needs INSERT OVERWRITE");
      LAKE_RETURN_IF_ERROR(c.Expect("WHERE"));
      size_t start = c.i;
      int depth = 0;
      while (!c.AtEnd()) {
        const Token& t = c.t[c.i];
        if (t.IsSym("(")) ++depth;
        if (t.IsSym(")")) --depth;
        if (depth == 0 &&
            (t.Is("SELECT") || t.Is("VALUES") || t.Is("WITH") || t.Is("FROM") || t.Is("TABLE")))
          break;
        if (depth == 1 && t.IsSym("(") && (c.Peek("SELECT", 1) || c.Peek("WITH", 1))) break;
        ++c.i;
      }
      if (c.i == start) return Status::InvalidArgument("REPLACE WHERE needs a predicate");
      s.replace_where =
          std::string(text.substr(toks[start].begin, toks[c.i - 1].end - toks[start].begin));
    }
    s.query = c.Rest();
    if (s.query.empty()) return Status::InvalidArgument("INSERT needs a SELECT or VALUES");
    return s;
  }
  if (c.Accept("VACUUM")) {
    LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
    s.kind = Kind::kVacuum;
    while (!c.AtEnd()) {
      if (c.Accept("RETAIN")) {
        if (c.AtEnd() || toks[c.i].kind != Token::kNumber)
          return Status::InvalidArgument("RETAIN needs a number of HOURS");
        s.retain_hours = std::stod(toks[c.i++].text);
        LAKE_RETURN_IF_ERROR(c.Expect("HOURS"));
      } else if (c.Accept("DRY")) {
        LAKE_RETURN_IF_ERROR(c.Expect("RUN"));
        s.dry_run = true;
      } else if (c.Peek("LITE") || c.Peek("FULL") || c.Peek("USING")) {
        return unsupported("VACUUM " + toks[c.i].text);
      } else {
        return Status::InvalidArgument("unexpected " + c.Near() + " in VACUUM");
      }
    }
    return s;
  }
  if (c.Accept("DESCRIBE") || c.Accept("DESC")) {
    if (c.Accept("HISTORY")) {
      LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
      if (c.Accept("LIMIT")) {
        if (c.AtEnd() || toks[c.i].kind != Token::kNumber)
          return Status::InvalidArgument("LIMIT needs a number");
        s.limit = std::stoll(toks[c.i++].text);
      }
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kDescribeHistory;
      return s;
    }
    if (c.Accept("DETAIL")) {
      LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kDescribeDetail;
      return s;
    }
    c.Accept("TABLE");
    c.Accept("EXTENDED");
    if (c.Peek("SELECT") || c.Peek("WITH") || c.Peek("FROM")) return s;  // DuckDB DESCRIBE query
    if (!c.AtEnd() && c.i + 1 < toks.size() && toks[c.i + 1].IsSym(".")) {
      LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kDescribe;
      return s;
    }
    return s;  // DESCRIBE of a DuckDB relation
  }
  if (c.Accept("SHOW")) {
    if (c.Accept("TABLES")) {
      if (c.Accept("IN") || c.Accept("FROM")) {
        LAKE_ASSIGN_OR_RETURN(s.ns, c.Ident());
      }
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kShowTables;
      return s;
    }
    if (c.Accept("NAMESPACES") || c.Accept("SCHEMAS") || c.Accept("DATABASES")) {
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kShowNamespaces;
      return s;
    }
    return unsupported("this SHOW statement");
  }
  if (c.Accept("DROP")) {
    if (c.Accept("TABLE")) {
      if (c.Accept("IF")) {
        LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
        s.if_exists = true;
      }
      LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
      if (c.Accept("PURGE")) s.purge = true;
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kDropTable;
      return s;
    }
    if (c.Accept("NAMESPACE") || c.Accept("SCHEMA") || c.Accept("DATABASE")) {
      if (c.Accept("IF")) {
        LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
        s.if_exists = true;
      }
      LAKE_ASSIGN_OR_RETURN(s.ns, c.Ident());
      if (c.Accept("CASCADE"))
        s.cascade = true;
      else
        c.Accept("RESTRICT");
      LAKE_RETURN_IF_ERROR(c.End());
      s.kind = Kind::kDropNamespace;
      return s;
    }
    if (c.Peek("VIEW") || c.Peek("MACRO") || c.Peek("FUNCTION") || c.Peek("SEQUENCE") ||
        c.Peek("TYPE"))
      return s;
    return unsupported("this DROP statement");
  }
  if (c.Peek("SET") && Upper(text).find("RETENTIONDURATIONCHECK.ENABLED") != std::string::npos) {
    // Spark's switch for VACUUM windows shorter than delta.deletedFileRetentionDuration.
    const Token& v = toks.back();
    if (!(v.Is("true") || v.Is("false")) &&
        !(v.kind == Token::kString && (Upper(v.text) == "TRUE" || Upper(v.text) == "FALSE")))
      return Status::InvalidArgument("retentionDurationCheck.enabled takes true or false");
    s.kind = Kind::kSetRetentionCheck;
    s.enabled = Upper(v.text) == "TRUE";
    return s;
  }
  if (c.Accept("OPTIMIZE")) {
    // Databricks: OPTIMIZE table [WHERE predicate] [ZORDER BY (col [, ...])]
    LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
    if (c.Accept("WHERE")) {
      size_t begin = c.i;
      while (!c.AtEnd() && !c.Peek("ZORDER")) ++c.i;
      if (begin == c.i) return Status::InvalidArgument("OPTIMIZE ... WHERE needs a predicate");
      s.where = std::string(text.substr(toks[begin].begin, toks[c.i - 1].end - toks[begin].begin));
    }
    if (c.Accept("ZORDER")) {
      LAKE_RETURN_IF_ERROR(c.Expect("BY"));
      bool parens = !c.AtEnd() && toks[c.i].IsSym("(");
      if (parens) ++c.i;
      do {
        LAKE_ASSIGN_OR_RETURN(std::string col, c.Ident());
        s.zorder_by.push_back(col);
      } while (!c.AtEnd() && toks[c.i].IsSym(",") && ++c.i);
      if (parens) {
        if (c.AtEnd() || !toks[c.i].IsSym(")"))
          return Status::InvalidArgument("ZORDER BY: expected ')'");
        ++c.i;
      }
    }
    LAKE_RETURN_IF_ERROR(c.End());
    s.kind = Kind::kOptimize;
    return s;
  }
  if (c.Accept("ALTER")) {
    if (!c.Accept("TABLE")) return unsupported("this ALTER statement");
    LAKE_ASSIGN_OR_RETURN(s.table, c.TableName());
    s.kind = Kind::kAlterTable;
    auto rest_to_end = [&] {
      std::string r = c.Rest();
      c.i = toks.size();
      return r;
    };
    if (c.Accept("ADD")) {
      if (c.Accept("CONSTRAINT")) {
        LAKE_ASSIGN_OR_RETURN(s.alter_name, c.Ident());
        LAKE_RETURN_IF_ERROR(c.Expect("CHECK"));
        LAKE_ASSIGN_OR_RETURN(s.alter_arg, c.Parenthesized());
        s.alter_action = "add_constraint";
      } else {
        if (!c.Accept("COLUMNS")) c.Accept("COLUMN");
        s.alter_action = "add_columns";
        if (!c.AtEnd() && toks[c.i].IsSym("(")) {
          LAKE_ASSIGN_OR_RETURN(std::string inner, c.Parenthesized());
          s.alter_items = SplitTopLevelCommas(inner);
        } else {
          s.alter_items = {rest_to_end()};
        }
        if (s.alter_items.empty() || s.alter_items[0].empty())
          return Status::InvalidArgument("ALTER TABLE ... ADD COLUMNS needs a column definition");
      }
    } else if (c.Accept("RENAME")) {
      LAKE_RETURN_IF_ERROR(c.Expect("COLUMN"));
      LAKE_ASSIGN_OR_RETURN(s.alter_name, c.Ident());
      LAKE_RETURN_IF_ERROR(c.Expect("TO"));
      LAKE_ASSIGN_OR_RETURN(s.alter_arg, c.Ident());
      s.alter_action = "rename_column";
    } else if (c.Accept("DROP")) {
      if (c.Accept("CONSTRAINT")) {
        if (c.Accept("IF")) {
          LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
          s.if_exists = true;
        }
        LAKE_ASSIGN_OR_RETURN(s.alter_name, c.Ident());
        s.alter_action = "drop_constraint";
      } else {
        if (!c.Accept("COLUMNS")) c.Accept("COLUMN");
        LAKE_ASSIGN_OR_RETURN(s.alter_name, c.Ident());
        s.alter_action = "drop_column";
      }
    } else if (c.Accept("ALTER") || c.Accept("CHANGE")) {
      c.Accept("COLUMN");
      LAKE_ASSIGN_OR_RETURN(s.alter_name, c.Ident());
      if (c.Accept("TYPE")) {
        s.alter_arg = rest_to_end();
        s.alter_action = "change_type";
      } else if (c.Accept("COMMENT")) {
        LAKE_ASSIGN_OR_RETURN(s.alter_arg, c.String());
        s.alter_action = "comment_column";
      } else {
        return unsupported("this ALTER COLUMN form (use TYPE or COMMENT)");
      }
    } else if (c.Accept("SET")) {
      LAKE_RETURN_IF_ERROR(c.Expect("TBLPROPERTIES"));
      LAKE_RETURN_IF_ERROR(ParsePropertyList(c, &s.properties));
      s.alter_action = "set_properties";
    } else if (c.Accept("UNSET")) {
      LAKE_RETURN_IF_ERROR(c.Expect("TBLPROPERTIES"));
      if (c.Accept("IF")) {
        LAKE_RETURN_IF_ERROR(c.Expect("EXISTS"));
        s.if_exists = true;
      }
      if (!c.AcceptSym("(")) return Status::InvalidArgument("expected '(' after TBLPROPERTIES");
      while (true) {
        LAKE_ASSIGN_OR_RETURN(auto k, c.String());
        s.alter_items.push_back(k);
        if (c.AcceptSym(")")) break;
        if (!c.AcceptSym(","))
          return Status::InvalidArgument("expected ',' or ')' near " + c.Near());
      }
      s.alter_action = "unset_properties";
    } else {
      return unsupported("this ALTER TABLE form");
    }
    LAKE_RETURN_IF_ERROR(c.End());
    return s;
  }
  if (c.Peek("UPDATE")) return unsupported("UPDATE");
  if (c.Peek("DELETE")) return unsupported("DELETE");
  if (c.Peek("MERGE")) return unsupported("MERGE");
  if (c.Peek("RESTORE")) return unsupported("RESTORE");
  if (c.Peek("TRUNCATE")) return unsupported("TRUNCATE");
  if (c.Peek("CONVERT")) return unsupported("CONVERT TO DELTA");
  if (c.Peek("CLONE") || (c.Peek("SHALLOW") || c.Peek("DEEP"))) return unsupported("CLONE");
  if (c.Peek("COPY") || c.Peek("ATTACH") || c.Peek("DETACH") || c.Peek("EXPORT") ||
      c.Peek("IMPORT") || c.Peek("INSTALL") || c.Peek("LOAD"))
    return unsupported(Upper(toks[0].text) + " (lake sql does not give file or extension access)");
  return s;  // a DuckDB query
}

const std::vector<std::string>& Keywords() {
  static const std::vector<std::string> k = {"SELECT",      "FROM",       "WHERE",
                                             "GROUP",       "BY",         "ORDER",
                                             "LIMIT",       "HAVING",     "JOIN",
                                             "LEFT",        "INNER",      "ON",
                                             "AS",          "AND",        "OR",
                                             "NOT",         "IN",         "IS",
                                             "NULL",        "DISTINCT",   "COUNT",
                                             "VERSION",     "TIMESTAMP",  "OF",
                                             "CREATE",      "TABLE",      "NAMESPACE",
                                             "SCHEMA",      "USING",      "DELTA",
                                             "PARTITIONED", "COMMENT",    "TBLPROPERTIES",
                                             "LOCATION",    "INSERT",     "INTO",
                                             "OVERWRITE",   "REPLACE",    "VALUES",
                                             "VACUUM",      "RETAIN",     "HOURS",
                                             "DRY",         "RUN",        "DESCRIBE",
                                             "HISTORY",     "DETAIL",     "SHOW",
                                             "TABLES",      "NAMESPACES", "SCHEMAS",
                                             "DROP",        "IF",         "EXISTS",
                                             "PURGE",       "OPTIMIZE",   "ZORDER",
                                             "ALTER",       "UNION",      "ALL",
                                             "WITH",        "CASE",       "WHEN",
                                             "THEN",        "ELSE",       "END",
                                             "BETWEEN",     "LIKE",       "DESC",
                                             "ASC"};
  return k;
}

}  // namespace lake::sql
