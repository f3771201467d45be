// Schema DDL (DuckDB / Spark column-list syntax) -> lake::Schema, and Schema -> schemaString.
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lake/write.h"
#include "ops/alter_table.h"
#include "util/json_writer.h"

namespace lake {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

DataTypePtr Prim(const char* name) {
  auto t = std::make_shared<DataType>();
  t->name = name;
  return t;
}

DataTypePtr Dec(int p, int s) {
  auto t = std::make_shared<DataType>();
  t->kind = DataType::Kind::kDecimal;
  t->name = "decimal";
  t->precision = p;
  t->scale = s;
  return t;
}

// Recursive descent over the DDL text.
class DdlParser {
 public:
  explicit DdlParser(std::string_view text) : s_(text) {}

  Result<Schema> ParseColumnList() {
    Schema schema;
    SkipWs();
    if (AtEnd()) return Error("empty column list");
    while (true) {
      LAKE_ASSIGN_OR_RETURN(StructField f, ParseField(/*colon_allowed=*/true, /*top_level=*/true));
      for (const auto& g : schema.fields) {
        if (Upper(g.name) == Upper(f.name)) {
          return Status::InvalidArgument("schema: duplicate column '" + f.name +
                                         "' (names are case-insensitive)");
        }
      }
      schema.fields.push_back(std::move(f));
      SkipWs();
      if (AtEnd()) break;
      if (!Eat(',')) return Error("expected ',' or end of the column list");
    }
    return schema;
  }

  Result<DataTypePtr> ParseSingleType() {
    LAKE_ASSIGN_OR_RETURN(DataTypePtr t, ParseType(""));
    SkipWs();
    if (!AtEnd()) return Error("unexpected text after the type");
    return t;
  }

 private:
  Status Error(const std::string& what) const {
    std::string near = pos_ < s_.size() ? "'" + std::string(s_.substr(pos_, 20)) + "'" : "end";
    return Status::InvalidArgument("schema: at offset " + std::to_string(pos_) + ": " + what +
                                   " (near " + near + ")");
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipWs() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipWs();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  // An identifier: bare [A-Za-z0-9_$]+ or "quoted ""x""" (or `quoted`).
  Result<std::string> Ident() {
    SkipWs();
    if (AtEnd()) return Error("expected a name");
    char q = s_[pos_];
    if (q == '"' || q == '`') {
      ++pos_;
      std::string out;
      while (true) {
        if (AtEnd()) return Error("unterminated quoted name");
        char c = s_[pos_++];
        if (c == q) {
          if (pos_ < s_.size() && s_[pos_] == q) {
            out.push_back(q);
            ++pos_;
            continue;
          }
          break;
        }
        out.push_back(c);
      }
      if (out.empty()) return Error("empty column name");
      return out;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == '$')) {
      ++pos_;
    }
    if (pos_ == start) return Error("expected a name");
    return std::string(s_.substr(start, pos_ - start));
  }
  // Case-insensitive keyword lookahead; consumes it when present.
  bool Keyword(std::string_view kw) {
    SkipWs();
    if (s_.size() - pos_ < kw.size()) return false;
    for (size_t i = 0; i < kw.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(s_[pos_ + i])) != kw[i]) return false;
    }
    size_t end = pos_ + kw.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_'))
      return false;
    pos_ = end;
    return true;
  }
  Result<int> Int() {
    SkipWs();
    size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ == start || pos_ - start > 6) return Error("expected a small integer");
    return std::stoi(std::string(s_.substr(start, pos_ - start)));
  }

  // A signed 64-bit integer literal (identity START WITH / INCREMENT BY).
  Result<int64_t> Long() {
    SkipWs();
    size_t start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    size_t digits = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ == digits) return Error("expected an integer");
    std::string text(s_.substr(start, pos_ - start));
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE) return Error("integer out of range");
    return static_cast<int64_t>(v);
  }

  // "GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(START WITH n [INCREMENT BY n])]" (Spark /
  // Databricks syntax), after the GENERATED keyword: the delta.identity.* metadata (PROTOCOL.md
  // "Identity Columns"; no highWaterMark until values are generated).
  Status ParseIdentity(StructField* f, bool top_level) {
    bool always;
    if (Keyword("ALWAYS")) {
      always = true;
    } else if (Keyword("BY")) {
      if (!Keyword("DEFAULT")) return Error("expected DEFAULT after GENERATED BY");
      always = false;
    } else {
      return Error("expected ALWAYS or BY DEFAULT after GENERATED");
    }
    if (!Keyword("AS") || !Keyword("IDENTITY"))
      return Error("expected AS IDENTITY (lake's DDL has no generated expressions)");
    int64_t start = 1, step = 1;
    if (Eat('(')) {
      while (!Eat(')')) {
        if (Keyword("START")) {
          if (!Keyword("WITH")) return Error("expected WITH after START");
          LAKE_ASSIGN_OR_RETURN(start, Long());
        } else if (Keyword("INCREMENT")) {
          if (!Keyword("BY")) return Error("expected BY after INCREMENT");
          LAKE_ASSIGN_OR_RETURN(step, Long());
        } else {
          return Error("expected START WITH, INCREMENT BY or ')'");
        }
      }
    }
    if (!top_level) return Error("identity column '" + f->name + "' must be a top-level column");
    if (f->type->kind != DataType::Kind::kPrimitive || f->type->name != "long")
      return Error("identity column '" + f->name + "' must be BIGINT, not " + f->type->ToString());
    if (step == 0) return Error("identity column '" + f->name + "': INCREMENT BY must not be 0");
    f->metadata = alter::SetMetadataKey(f->metadata, "delta.identity.start", std::to_string(start));
    f->metadata = alter::SetMetadataKey(f->metadata, "delta.identity.step", std::to_string(step));
    f->metadata = alter::SetMetadataKey(f->metadata, "delta.identity.allowExplicitInsert",
                                        always ? "false" : "true");
    return Status::OK();
  }

  Result<StructField> ParseField(bool colon_allowed, bool top_level = false) {
    StructField f;
    LAKE_ASSIGN_OR_RETURN(f.name, Ident());
    if (colon_allowed) Eat(':');
    LAKE_ASSIGN_OR_RETURN(f.type, ParseType(f.name));
    f.metadata = "{}";
    while (true) {
      if (Keyword("NOT")) {
        if (!Keyword("NULL")) return Error("expected NULL after NOT");
        f.nullable = false;
      } else if (Keyword("NULL")) {
        f.nullable = true;
      } else if (Keyword("COMMENT")) {
        SkipWs();
        if (!Peek('\'')) return Error("expected a quoted comment");
        ++pos_;
        std::string c;
        while (true) {
          if (AtEnd()) return Error("unterminated comment");
          char ch = s_[pos_++];
          if (ch == '\'') {
            if (pos_ < s_.size() && s_[pos_] == '\'') {
              c.push_back('\'');
              ++pos_;
              continue;
            }
            break;
          }
          c.push_back(ch);
        }
        JsonWriter w;
        w.String(c);
        f.metadata = alter::SetMetadataKey(f.metadata, "comment", w.Take());
      } else if (Keyword("GENERATED")) {
        LAKE_RETURN_IF_ERROR(ParseIdentity(&f, top_level));
      } else {
        break;
      }
    }
    return f;
  }

  // Struct fields: "(a INT, b VARCHAR)" or "<a: INT, b: STRING>".
  Result<DataTypePtr> ParseStructBody(const std::string& where, char close) {
    auto t = std::make_shared<DataType>();
    t->kind = DataType::Kind::kStruct;
    t->name = "struct";
    if (Eat(close)) return Error("struct '" + where + "' has no fields");
    while (true) {
      LAKE_ASSIGN_OR_RETURN(StructField f, ParseField(true));
      for (const auto& g : t->fields) {
        if (Upper(g.name) == Upper(f.name))
          return Error("duplicate field '" + f.name + "' in struct '" + where + "'");
      }
      t->fields.push_back(std::move(f));
      if (Eat(close)) break;
      if (!Eat(',')) return Error("expected ',' or '" + std::string(1, close) + "'");
    }
    return DataTypePtr(t);
  }

  Result<DataTypePtr> ParseType(const std::string& where) {
    LAKE_ASSIGN_OR_RETURN(DataTypePtr t, ParseBaseType(where));
    // Postfix list markers: T[] (and DuckDB fixed-size arrays T[3], read as lists).
    while (Eat('[')) {
      SkipWs();
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (!Eat(']')) return Error("expected ']'");
      auto a = std::make_shared<DataType>();
      a->kind = DataType::Kind::kArray;
      a->name = "array";
      a->element = t;
      t = a;
    }
    return t;
  }

  Result<DataTypePtr> ParseBaseType(const std::string& where) {
    SkipWs();
    size_t start = pos_;
    LAKE_ASSIGN_OR_RETURN(std::string word, Ident());
    std::string w = Upper(word);
    auto unsupported = [&](const std::string& what) {
      return Status::InvalidArgument("schema: column '" + where + "': type " + what +
                                     " has no Delta equivalent");
    };
    if (w == "BIGINT" || w == "INT8" || w == "LONG" || w == "INT64") return Prim("long");
    if (w == "INTEGER" || w == "INT" || w == "INT4" || w == "INT32" || w == "SIGNED")
      return Prim("integer");
    if (w == "SMALLINT" || w == "INT2" || w == "SHORT" || w == "INT16") return Prim("short");
    if (w == "TINYINT" || w == "INT1" || w == "BYTE") return Prim("byte");
    if (w == "UTINYINT") return Prim("short");
    if (w == "USMALLINT") return Prim("integer");
    if (w == "UINTEGER") return Prim("long");
    if (w == "UBIGINT") return Dec(20, 0);
    if (w == "HUGEINT" || w == "INT128") return Dec(38, 0);
    if (w == "FLOAT" || w == "REAL" || w == "FLOAT4") return Prim("float");
    if (w == "DOUBLE" || w == "FLOAT8") {
      Keyword("PRECISION");
      return Prim("double");
    }
    if (w == "BOOLEAN" || w == "BOOL" || w == "LOGICAL") return Prim("boolean");
    if (w == "VARCHAR" || w == "STRING" || w == "TEXT" || w == "CHAR" || w == "BPCHAR" ||
        w == "UUID" || w == "JSON") {
      if (Eat('(')) {  // VARCHAR(n): the length is not enforced (as in DuckDB)
        LAKE_RETURN_IF_ERROR(Int().status());
        if (!Eat(')')) return Error("expected ')'");
      }
      return Prim("string");
    }
    if (w == "BLOB" || w == "BYTEA" || w == "BINARY" || w == "VARBINARY") return Prim("binary");
    if (w == "DATE") return Prim("date");
    if (w == "TIMESTAMPTZ" || w == "TIMESTAMP_LTZ") return Prim("timestamp");
    if (w == "TIMESTAMP_NTZ" || w == "DATETIME" || w == "TIMESTAMP_US" || w == "TIMESTAMP_MS" ||
        w == "TIMESTAMP_S" || w == "TIMESTAMP_NS") {
      return Prim("timestamp_ntz");
    }
    if (w == "TIMESTAMP") {
      if (Eat('(')) {  // TIMESTAMP(p)
        LAKE_RETURN_IF_ERROR(Int().status());
        if (!Eat(')')) return Error("expected ')'");
      }
      size_t save = pos_;
      if (Keyword("WITH")) {
        if (Keyword("TIME") && Keyword("ZONE")) return Prim("timestamp");
        pos_ = save;
        return Error("expected TIME ZONE after WITH");
      }
      if (Keyword("WITHOUT")) {
        if (Keyword("TIME") && Keyword("ZONE")) return Prim("timestamp_ntz");
        pos_ = save;
        return Error("expected TIME ZONE after WITHOUT");
      }
      return Prim("timestamp_ntz");
    }
    if (w == "DECIMAL" || w == "NUMERIC" || w == "DEC") {
      int p = 18, sc = 3;  // DuckDB's default for a bare DECIMAL
      if (Eat('(')) {
        LAKE_ASSIGN_OR_RETURN(p, Int());
        sc = 0;
        if (Eat(',')) {
          LAKE_ASSIGN_OR_RETURN(sc, Int());
        }
        if (!Eat(')')) return Error("expected ')' after the decimal precision and scale");
      }
      if (p < 1 || p > 38 || sc < 0 || sc > p) {
        return Status::InvalidArgument("schema: column '" + where + "': DECIMAL(" +
                                       std::to_string(p) + "," + std::to_string(sc) +
                                       "): precision must be 1..38 and scale 0..precision");
      }
      return Dec(p, sc);
    }
    if (w == "STRUCT" || w == "ROW") {
      if (Eat('(')) return ParseStructBody(where, ')');
      if (Eat('<')) return ParseStructBody(where, '>');
      return Error("expected '(' after STRUCT");
    }
    if (w == "LIST" || w == "ARRAY") {
      char close = Eat('(') ? ')' : (Eat('<') ? '>' : '\0');
      if (close == '\0') return Error("expected '(' or '<' after " + w);
      auto a = std::make_shared<DataType>();
      a->kind = DataType::Kind::kArray;
      a->name = "array";
      LAKE_ASSIGN_OR_RETURN(a->element, ParseType(where + ".element"));
      if (!Eat(close)) return Error("expected '" + std::string(1, close) + "'");
      return DataTypePtr(a);
    }
    if (w == "MAP") {
      char close = Eat('(') ? ')' : (Eat('<') ? '>' : '\0');
      if (close == '\0') return Error("expected '(' or '<' after MAP");
      auto m = std::make_shared<DataType>();
      m->kind = DataType::Kind::kMap;
      m->name = "map";
      LAKE_ASSIGN_OR_RETURN(m->key, ParseType(where + ".key"));
      if (!Eat(',')) return Error("expected ',' between the map key and value types");
      LAKE_ASSIGN_OR_RETURN(m->value, ParseType(where + ".value"));
      if (!Eat(close)) return Error("expected '" + std::string(1, close) + "'");
      return DataTypePtr(m);
    }
    if (w == "TIME" || w == "TIMETZ" || w == "INTERVAL" || w == "UNION" || w == "BIT" ||
        w == "VARINT" || w == "BIGNUM" || w == "ENUM" || w == "NULL" || w == "UHUGEINT") {
      return unsupported(w);
    }
    pos_ = start;
    return Error("unknown type '" + word + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void WriteType(JsonWriter& w, const DataType& t);

void WriteField(JsonWriter& w, const StructField& f) {
  w.BeginObject();
  w.Key("name").String(f.name);
  w.Key("type");
  WriteType(w, *f.type);
  w.Key("nullable").Bool(f.nullable);
  w.Key("metadata").Raw(f.metadata.empty() ? "{}" : f.metadata);
  w.EndObject();
}

void WriteType(JsonWriter& w, const DataType& t) {
  switch (t.kind) {
    case DataType::Kind::kPrimitive:
    case DataType::Kind::kDecimal:
      w.String(t.ToString());
      return;
    case DataType::Kind::kStruct:
      w.BeginObject().Key("type").String("struct").Key("fields").BeginArray();
      for (const auto& f : t.fields) WriteField(w, f);
      w.EndArray().EndObject();
      return;
    case DataType::Kind::kArray:
      w.BeginObject().Key("type").String("array").Key("elementType");
      WriteType(w, *t.element);
      w.Key("containsNull").Bool(t.contains_null).EndObject();
      return;
    case DataType::Kind::kMap:
      w.BeginObject().Key("type").String("map").Key("keyType");
      WriteType(w, *t.key);
      w.Key("valueType");
      WriteType(w, *t.value);
      w.Key("valueContainsNull").Bool(t.value_contains_null).EndObject();
      return;
  }
}

}  // namespace

Result<Schema> ParseSchemaDDL(std::string_view ddl) { return DdlParser(ddl).ParseColumnList(); }

Result<DataTypePtr> ParseTypeDDL(std::string_view type) {
  return DdlParser(type).ParseSingleType();
}

std::string SchemaToJson(const Schema& schema) {
  JsonWriter w;
  w.BeginObject().Key("type").String("struct").Key("fields").BeginArray();
  for (const auto& f : schema.fields) WriteField(w, f);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace lake
