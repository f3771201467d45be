#include "log/action_parser.h"

#include <simdjson.h>

#include <cstring>
#include <variant>

namespace lake::log {
namespace {

namespace sj = simdjson::ondemand;
using simdjson::error_code;

Status JsonError(error_code e) {
  return Status::Corruption(std::string("malformed action: ") + simdjson::error_message(e));
}

Status TypeError(std::string_view field, const char* want) {
  return Status::Corruption("malformed action: field '" + std::string(field) + "' is not " + want);
}

#define LAKE_SJ(expr)                       \
  do {                                      \
    error_code _lake_e = (expr);            \
    if (_lake_e) return JsonError(_lake_e); \
  } while (0)

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  return s;
}

Status Type(sj::value& v, sj::json_type* t) {
  LAKE_SJ(v.type().get(*t));
  return Status::OK();
}

// --- typed readers: JSON null leaves the target at its default ----------------------------

// The key of a field. Keys without escapes (all keys lake looks for) are viewed in place in
// the input; only keys with a backslash are unescaped (into the parser's string buffer).
Status FieldKey(sj::field& f, std::string_view* out) {
  const char* p = f.key().raw();
  const char* q = p;
  while (*q != '"' && *q != '\\') ++q;  // stage 1 validated the closing quote
  if (*q == '"') {
    *out = std::string_view(p, static_cast<size_t>(q - p));
    return Status::OK();
  }
  LAKE_SJ(f.unescaped_key().get(*out));
  return Status::OK();
}

// The getters below try the expected type first: on a type mismatch simdjson does not
// advance, and the slow path (null, wrong types, integral doubles) looks at the type.

Status ReadString(sj::value& v, std::string_view name, std::string* out) {
  std::string_view fast;
  if (!v.get_string().get(fast)) {
    out->assign(fast.data(), fast.size());
    return Status::OK();
  }
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::string) return TypeError(name, "a string");
  std::string_view s;
  LAKE_SJ(v.get_string().get(s));
  out->assign(s.data(), s.size());
  return Status::OK();
}

Status ReadOptString(sj::value& v, std::string_view name, std::optional<std::string>* out) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  out->emplace();
  return ReadString(v, name, &**out);
}

Status ReadInt64(sj::value& v, std::string_view name, int64_t* out, bool* present = nullptr) {
  if (int64_t fast; !v.get_int64().get(fast)) {
    *out = fast;
    if (present) *present = true;
    return Status::OK();
  }
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::number) return TypeError(name, "an integer");
  int64_t x;
  if (v.get_int64().get(x)) {
    // Some writers emit integral values as doubles (e.g. 1.0E9); accept exact ones.
    double d;
    if (v.get_double().get(d) || d != static_cast<double>(static_cast<int64_t>(d)))
      return TypeError(name, "an integer");
    x = static_cast<int64_t>(d);
  }
  *out = x;
  if (present) *present = true;
  return Status::OK();
}

template <typename Int>
Status ReadOptInt(sj::value& v, std::string_view name, std::optional<Int>* out) {
  int64_t x = 0;
  bool present = false;
  LAKE_RETURN_IF_ERROR(ReadInt64(v, name, &x, &present));
  if (present) *out = static_cast<Int>(x);
  return Status::OK();
}

Status ReadInt32(sj::value& v, std::string_view name, int32_t* out) {
  int64_t x = *out;
  LAKE_RETURN_IF_ERROR(ReadInt64(v, name, &x));
  *out = static_cast<int32_t>(x);
  return Status::OK();
}

Status ReadBool(sj::value& v, std::string_view name, bool* out) {
  if (bool fast; !v.get_bool().get(fast)) {
    *out = fast;
    return Status::OK();
  }
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::boolean) return TypeError(name, "a boolean");
  LAKE_SJ(v.get_bool().get(*out));
  return Status::OK();
}

// Objects and arrays: their JSON text. Strings: the string's content (stats are a JSON
// document serialized into a string). Scalars: their token.
Status ReadRawJson(sj::value& v, std::string_view name, std::string* out) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  std::string_view raw;
  switch (t) {
    case sj::json_type::null:
      return Status::OK();
    case sj::json_type::string:
      return ReadString(v, name, out);
    case sj::json_type::object: {
      sj::object o;
      LAKE_SJ(v.get_object().get(o));
      LAKE_SJ(o.raw_json().get(raw));
      break;
    }
    case sj::json_type::array: {
      sj::array a;
      LAKE_SJ(v.get_array().get(a));
      LAKE_SJ(a.raw_json().get(raw));
      break;
    }
    default:
      raw = TrimWs(v.raw_json_token());
      break;
  }
  out->assign(raw.data(), raw.size());
  return Status::OK();
}

// A JSON value as a partition value / configuration string: strings unescaped, other scalars
// as their token (some writers emit numbers), null as nullopt.
Status ReadScalarAsString(sj::value& v, std::string_view name, std::optional<std::string>* out) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) {
    out->reset();
    return Status::OK();
  }
  out->emplace();
  if (t == sj::json_type::string) return ReadString(v, name, &**out);
  if (t == sj::json_type::object || t == sj::json_type::array)
    return TypeError(name, "a map of scalar values");
  std::string_view raw = TrimWs(v.raw_json_token());
  (*out)->assign(raw.data(), raw.size());
  return Status::OK();
}

template <typename Fn>
Status ForEachObjectField(sj::object& obj, Fn&& fn) {
  for (auto field_res : obj) {
    sj::field field;
    LAKE_SJ(std::move(field_res).get(field));
    std::string_view key;
    LAKE_RETURN_IF_ERROR(FieldKey(field, &key));
    LAKE_RETURN_IF_ERROR(fn(key, field.value()));
  }
  return Status::OK();
}

template <typename Fn>
Status ForEachField(sj::value& v, std::string_view name, Fn&& fn) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::object) return TypeError(name, "an object");
  sj::object obj;
  LAKE_SJ(v.get_object().get(obj));
  return ForEachObjectField(obj, std::forward<Fn>(fn));
}

// With a cache, a tuple already seen (same raw JSON text) is shared instead of parsed.
Status ReadPartitionValues(sj::value& v, std::string_view name, PartitionValues* out,
                           PartitionValuesCache* cache = nullptr) {
  out->clear();
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::object) return TypeError(name, "an object");
  sj::object obj;
  LAKE_SJ(v.get_object().get(obj));
  std::string_view raw;
  if (cache) {
    LAKE_SJ(obj.raw_json().get(raw));
    if (const PartitionValues* hit = cache->Find(raw)) {
      *out = *hit;
      return Status::OK();
    }
    bool ignored;
    LAKE_SJ(obj.reset().get(ignored));
  }
  PartitionValues::Vector vec;
  LAKE_RETURN_IF_ERROR(ForEachObjectField(obj, [&](std::string_view key, sj::value& val) -> Status {
    std::optional<std::string> s;
    LAKE_RETURN_IF_ERROR(ReadScalarAsString(val, name, &s));
    vec.emplace_back(std::string(key), std::move(s));
    return Status::OK();
  }));
  *out = PartitionValues(std::move(vec));
  if (cache) cache->Insert(raw, *out);
  return Status::OK();
}

Status ReadStringMap(sj::value& v, std::string_view name, std::map<std::string, std::string>* out) {
  out->clear();
  return ForEachField(v, name, [&](std::string_view key, sj::value& val) -> Status {
    std::optional<std::string> s;
    LAKE_RETURN_IF_ERROR(ReadScalarAsString(val, name, &s));
    if (s) (*out)[std::string(key)] = std::move(*s);
    return Status::OK();
  });
}

Status ReadStringArray(sj::value& v, std::string_view name, std::vector<std::string>* out) {
  out->clear();
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  if (t != sj::json_type::array) return TypeError(name, "an array");
  sj::array arr;
  LAKE_SJ(v.get_array().get(arr));
  for (auto elem_res : arr) {
    sj::value elem;
    LAKE_SJ(std::move(elem_res).get(elem));
    std::string s;
    LAKE_RETURN_IF_ERROR(ReadString(elem, name, &s));
    out->push_back(std::move(s));
  }
  return Status::OK();
}

Status ReadOptStringArray(sj::value& v, std::string_view name,
                          std::optional<std::vector<std::string>>* out) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  out->emplace();
  return ReadStringArray(v, name, &**out);
}

Status ReadDv(sj::value& v, HeapOptional<DeletionVectorDescriptor>* out) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t == sj::json_type::null) return Status::OK();
  DeletionVectorDescriptor dv;
  LAKE_RETURN_IF_ERROR(ForEachField(v, "deletionVector", [&](std::string_view k, sj::value& x) {
    if (k == "storageType") return ReadString(x, k, &dv.storage_type);
    if (k == "pathOrInlineDv") return ReadString(x, k, &dv.path_or_inline_dv);
    if (k == "offset") return ReadOptInt(x, k, &dv.offset);
    if (k == "sizeInBytes") return ReadInt32(x, k, &dv.size_in_bytes);
    if (k == "cardinality") return ReadInt64(x, k, &dv.cardinality);
    return Status::OK();
  }));
  *out = std::move(dv);
  return Status::OK();
}

// --- actions ------------------------------------------------------------------------------

Status ParseAdd(sj::value& v, AddFile* a, PartitionValuesCache* cache) {
  std::string stats_parsed;
  LAKE_RETURN_IF_ERROR(ForEachField(v, "add", [&](std::string_view k, sj::value& x) -> Status {
    switch (k.size() > 0 ? k[0] : 0) {
      case 'p':
        if (k == "path") return ReadString(x, k, &a->path);
        if (k == "partitionValues") return ReadPartitionValues(x, k, &a->partition_values, cache);
        break;
      case 's':
        if (k == "size") return ReadInt64(x, k, &a->size);
        if (k == "stats") return ReadRawJson(x, k, &a->stats);
        // Checkpoints (PROTOCOL.md "Checkpoint Schema"): struct stats when JSON stats are off.
        if (k == "stats_parsed") return ReadRawJson(x, k, &stats_parsed);
        break;
      case 'm':
        if (k == "modificationTime") return ReadInt64(x, k, &a->modification_time);
        break;
      case 'd':
        if (k == "dataChange") return ReadBool(x, k, &a->data_change);
        if (k == "deletionVector") return ReadDv(x, &a->deletion_vector);
        if (k == "defaultRowCommitVersion") {
          std::optional<int64_t> d;
          LAKE_RETURN_IF_ERROR(ReadOptInt(x, k, &d));
          if (d) a->mutable_extras().default_row_commit_version = d;
          return Status::OK();
        }
        break;
      case 't':
        if (k == "tags") {
          std::string tags;
          LAKE_RETURN_IF_ERROR(ReadRawJson(x, k, &tags));
          if (!tags.empty()) a->mutable_extras().tags = std::move(tags);
          return Status::OK();
        }
        break;
      case 'b':
        if (k == "baseRowId") return ReadOptInt(x, k, &a->base_row_id);
        break;
      case 'c':
        if (k == "clusteringProvider") {
          std::string cp;
          LAKE_RETURN_IF_ERROR(ReadString(x, k, &cp));
          if (!cp.empty()) a->mutable_extras().clustering_provider = std::move(cp);
          return Status::OK();
        }
        break;
    }
    return Status::OK();
  }));
  if (a->stats.empty() && !stats_parsed.empty()) a->stats = std::move(stats_parsed);
  if (a->path.empty()) return Status::Corruption("malformed action: add without a path");
  return Status::OK();
}

Status ParseRemove(sj::value& v, RemoveFile* r) {
  LAKE_RETURN_IF_ERROR(ForEachField(v, "remove", [&](std::string_view k, sj::value& x) {
    if (k == "path") return ReadString(x, k, &r->path);
    if (k == "deletionTimestamp") return ReadOptInt(x, k, &r->deletion_timestamp);
    if (k == "dataChange") return ReadBool(x, k, &r->data_change);
    if (k == "extendedFileMetadata") return ReadBool(x, k, &r->extended_file_metadata);
    if (k == "partitionValues") return ReadPartitionValues(x, k, &r->partition_values);
    if (k == "size") return ReadOptInt(x, k, &r->size);
    if (k == "stats") return ReadRawJson(x, k, &r->stats);
    if (k == "tags") return ReadRawJson(x, k, &r->tags);
    if (k == "deletionVector") return ReadDv(x, &r->deletion_vector);
    if (k == "baseRowId") return ReadOptInt(x, k, &r->base_row_id);
    if (k == "defaultRowCommitVersion") return ReadOptInt(x, k, &r->default_row_commit_version);
    return Status::OK();
  }));
  if (r->path.empty()) return Status::Corruption("malformed action: remove without a path");
  return Status::OK();
}

Status ParseCdc(sj::value& v, AddCdcFile* c) {
  LAKE_RETURN_IF_ERROR(ForEachField(v, "cdc", [&](std::string_view k, sj::value& x) {
    if (k == "path") return ReadString(x, k, &c->path);
    if (k == "partitionValues") return ReadPartitionValues(x, k, &c->partition_values);
    if (k == "size") return ReadInt64(x, k, &c->size);
    if (k == "dataChange") return ReadBool(x, k, &c->data_change);
    if (k == "tags") return ReadRawJson(x, k, &c->tags);
    return Status::OK();
  }));
  if (c->path.empty()) return Status::Corruption("malformed action: cdc without a path");
  return Status::OK();
}

Status ParseMetadata(sj::value& v, Metadata* m) {
  return ForEachField(v, "metaData", [&](std::string_view k, sj::value& x) -> Status {
    if (k == "id") return ReadString(x, k, &m->id);
    if (k == "name") return ReadOptString(x, k, &m->name);
    if (k == "description") return ReadOptString(x, k, &m->description);
    if (k == "schemaString") return ReadString(x, k, &m->schema_string);
    if (k == "partitionColumns") return ReadStringArray(x, k, &m->partition_columns);
    if (k == "configuration") return ReadStringMap(x, k, &m->configuration);
    if (k == "createdTime") return ReadOptInt(x, k, &m->created_time);
    if (k == "format") {
      return ForEachField(x, k, [&](std::string_view fk, sj::value& fx) {
        if (fk == "provider") return ReadString(fx, fk, &m->format.provider);
        if (fk == "options") return ReadStringMap(fx, fk, &m->format.options);
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

Status ParseProtocol(sj::value& v, Protocol* p) {
  return ForEachField(v, "protocol", [&](std::string_view k, sj::value& x) {
    if (k == "minReaderVersion") return ReadInt32(x, k, &p->min_reader_version);
    if (k == "minWriterVersion") return ReadInt32(x, k, &p->min_writer_version);
    if (k == "readerFeatures") return ReadOptStringArray(x, k, &p->reader_features);
    if (k == "writerFeatures") return ReadOptStringArray(x, k, &p->writer_features);
    return Status::OK();
  });
}

Status ParseTxn(sj::value& v, Txn* t) {
  LAKE_RETURN_IF_ERROR(ForEachField(v, "txn", [&](std::string_view k, sj::value& x) {
    if (k == "appId") return ReadString(x, k, &t->app_id);
    if (k == "version") return ReadInt64(x, k, &t->version);
    if (k == "lastUpdated") return ReadOptInt(x, k, &t->last_updated);
    return Status::OK();
  }));
  if (t->app_id.empty()) return Status::Corruption("malformed action: txn without an appId");
  return Status::OK();
}

Status ParseDomainMetadata(sj::value& v, DomainMetadata* d) {
  return ForEachField(v, "domainMetadata", [&](std::string_view k, sj::value& x) {
    if (k == "domain") return ReadString(x, k, &d->domain);
    if (k == "configuration") return ReadRawJson(x, k, &d->configuration);
    if (k == "removed") return ReadBool(x, k, &d->removed);
    return Status::OK();
  });
}

Status ParseCheckpointMetadata(sj::value& v, CheckpointMetadata* c) {
  return ForEachField(v, "checkpointMetadata", [&](std::string_view k, sj::value& x) {
    if (k == "version") return ReadInt64(x, k, &c->version);
    if (k == "tags") return ReadRawJson(x, k, &c->tags);
    return Status::OK();
  });
}

Status ParseSidecar(sj::value& v, Sidecar* s) {
  LAKE_RETURN_IF_ERROR(ForEachField(v, "sidecar", [&](std::string_view k, sj::value& x) {
    if (k == "path") return ReadString(x, k, &s->path);
    if (k == "sizeInBytes") return ReadInt64(x, k, &s->size_in_bytes);
    if (k == "modificationTime") return ReadInt64(x, k, &s->modification_time);
    if (k == "tags") return ReadRawJson(x, k, &s->tags);
    return Status::OK();
  }));
  if (s->path.empty()) return Status::Corruption("malformed action: sidecar without a path");
  return Status::OK();
}

// commitInfo is free-form (PROTOCOL.md "Commit Provenance Information"): keep it verbatim and
// pick out the few fields lake uses, with a second small parse of the kept text.
Status ParseCommitInfo(sj::value& v, CommitInfo* c) {
  sj::json_type t = sj::json_type::null;
  LAKE_RETURN_IF_ERROR(Type(v, &t));
  if (t != sj::json_type::object) return TypeError("commitInfo", "an object");
  LAKE_RETURN_IF_ERROR(ReadRawJson(v, "commitInfo", &c->json));
  thread_local sj::parser parser;
  thread_local std::string buf;
  buf.assign(c->json);
  buf.reserve(buf.size() + simdjson::SIMDJSON_PADDING);
  sj::document doc;
  LAKE_SJ(parser.iterate(buf.data(), buf.size(), buf.capacity()).get(doc));
  sj::object obj;
  LAKE_SJ(doc.get_object().get(obj));
  for (auto field_res : obj) {
    sj::field field;
    LAKE_SJ(std::move(field_res).get(field));
    std::string_view k;
    LAKE_RETURN_IF_ERROR(FieldKey(field, &k));
    sj::value& x = field.value();
    sj::json_type xt = sj::json_type::null;
    LAKE_RETURN_IF_ERROR(Type(x, &xt));
    // Tolerant: a commitInfo with odd types must not make the table unreadable.
    if (k == "timestamp" && xt == sj::json_type::number) {
      LAKE_RETURN_IF_ERROR(ReadOptInt(x, k, &c->timestamp));
    } else if (k == "inCommitTimestamp" && xt == sj::json_type::number) {
      LAKE_RETURN_IF_ERROR(ReadOptInt(x, k, &c->in_commit_timestamp));
    } else if (k == "operation" && xt == sj::json_type::string) {
      LAKE_RETURN_IF_ERROR(ReadOptString(x, k, &c->operation));
    }
  }
  return Status::OK();
}

// One action of type T: parsed into a fresh T, then handed to the visitor's callback for it.
template <typename T>
Status ParseThenVisit(sj::value& v, Status (*parse)(sj::value&, T*), ActionVisitor& visitor,
                      Status (ActionVisitor::*on)(T&)) {
  T action;
  LAKE_RETURN_IF_ERROR(parse(v, &action));
  return (visitor.*on)(action);
}

// Parses one line held in a buffer with at least `capacity` readable bytes from `data`
// (capacity >= len + SIMDJSON_PADDING).
Status ParseLine(const char* data, size_t len, size_t capacity, ActionVisitor& visitor) {
  thread_local sj::parser parser;
  sj::document doc;
  LAKE_SJ(parser.iterate(data, len, capacity).get(doc));
  sj::object obj;
  LAKE_SJ(doc.get_object().get(obj));
  for (auto field_res : obj) {
    sj::field field;
    LAKE_SJ(std::move(field_res).get(field));
    std::string_view key;
    LAKE_RETURN_IF_ERROR(FieldKey(field, &key));
    sj::value& v = field.value();
    if (key == "add") {
      AddFile* slot = visitor.AddSlot();
      if (slot) {
        LAKE_RETURN_IF_ERROR(ParseAdd(v, slot, visitor.partition_cache()));
        LAKE_RETURN_IF_ERROR(visitor.OnAdd(*slot));
      } else {
        AddFile a;
        LAKE_RETURN_IF_ERROR(ParseAdd(v, &a, visitor.partition_cache()));
        LAKE_RETURN_IF_ERROR(visitor.OnAdd(a));
      }
    } else if (key == "remove") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseRemove, visitor, &ActionVisitor::OnRemove));
    } else if (key == "cdc") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseCdc, visitor, &ActionVisitor::OnCdc));
    } else if (key == "metaData") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseMetadata, visitor, &ActionVisitor::OnMetadata));
    } else if (key == "protocol") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseProtocol, visitor, &ActionVisitor::OnProtocol));
    } else if (key == "txn") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseTxn, visitor, &ActionVisitor::OnTxn));
    } else if (key == "domainMetadata") {
      LAKE_RETURN_IF_ERROR(
          ParseThenVisit(v, ParseDomainMetadata, visitor, &ActionVisitor::OnDomainMetadata));
    } else if (key == "commitInfo") {
      LAKE_RETURN_IF_ERROR(
          ParseThenVisit(v, ParseCommitInfo, visitor, &ActionVisitor::OnCommitInfo));
    } else if (key == "checkpointMetadata") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseCheckpointMetadata, visitor,
                                          &ActionVisitor::OnCheckpointMetadata));
    } else if (key == "sidecar") {
      LAKE_RETURN_IF_ERROR(ParseThenVisit(v, ParseSidecar, visitor, &ActionVisitor::OnSidecar));
    }
    // Anything else: an action this reader does not know; ignored.
  }
  // Anything after the closing brace is an error ("{...} x").
  const char* loc = nullptr;
  if (!doc.current_location().get(loc)) {
    return Status::Corruption("malformed action: trailing content after the JSON object");
  }
  return Status::OK();
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

Status ParsePaddedCopy(std::string_view line, ActionVisitor& visitor) {
  thread_local std::string buf;
  buf.assign(line.data(), line.size());
  buf.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  return ParseLine(buf.data(), buf.size(), buf.capacity(), visitor);
}

class CollectingVisitor : public ActionVisitor {
 public:
  std::vector<Action> actions;
  Status OnAdd(AddFile& a) override { return Push(std::move(a)); }
  Status OnRemove(RemoveFile& a) override { return Push(std::move(a)); }
  Status OnCdc(AddCdcFile& a) override { return Push(std::move(a)); }
  Status OnMetadata(Metadata& a) override { return Push(std::move(a)); }
  Status OnProtocol(Protocol& a) override { return Push(std::move(a)); }
  Status OnTxn(Txn& a) override { return Push(std::move(a)); }
  Status OnDomainMetadata(DomainMetadata& a) override { return Push(std::move(a)); }
  Status OnCommitInfo(CommitInfo& a) override { return Push(std::move(a)); }
  Status OnCheckpointMetadata(CheckpointMetadata& a) override { return Push(std::move(a)); }
  Status OnSidecar(Sidecar& a) override { return Push(std::move(a)); }

 private:
  template <typename T>
  Status Push(T&& a) {
    actions.emplace_back(std::forward<T>(a));
    return Status::OK();
  }
};

}  // namespace

Status ParseActionLine(std::string_view line, ActionVisitor& visitor) {
  if (IsBlank(line)) return Status::OK();
  return ParsePaddedCopy(line, visitor);
}

Status ParseCommitFile(std::string_view data, std::string_view file_name, ActionVisitor& visitor) {
  return ParseCommitFile(data, data.size(), file_name, visitor);
}

Status ParseCommitFile(std::string_view data, size_t capacity, std::string_view file_name,
                       ActionVisitor& visitor, size_t first_line) {
  if (capacity < data.size()) capacity = data.size();
  size_t pos = 0;
  size_t line_no = first_line - 1;
  while (pos < data.size()) {
    ++line_no;
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(pos, end - pos);
    if (!IsBlank(line)) {
      Status st;
      // Parse in place when the rest of the buffer covers simdjson's padding; the bytes past
      // the line are only read, never interpreted. Only the last line(s) need a copy.
      size_t readable = capacity - pos;
      if (readable >= line.size() + simdjson::SIMDJSON_PADDING) {
        st = ParseLine(line.data(), line.size(), readable, visitor);
      } else {
        st = ParsePaddedCopy(line, visitor);
      }
      if (!st.ok()) {
        return Status(st.code(),
                      std::string(file_name) + ":" + std::to_string(line_no) + ": " + st.message());
      }
      if (visitor.Done()) return Status::OK();
    }
    pos = end + 1;
  }
  return Status::OK();
}

namespace {
// Runs `fn` on the root value of the JSON text `json` (copied into a padded buffer).
template <typename Fn>
Status WithJsonValue(std::string_view json, Fn&& fn) {
  thread_local sj::parser parser;
  thread_local std::string buf;
  buf.assign(json.data(), json.size());
  buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  sj::document doc;
  LAKE_SJ(parser.iterate(buf.data(), buf.size(), buf.capacity()).get(doc));
  sj::value v;
  LAKE_SJ(doc.get_value().get(v));
  return fn(v);
}
}  // namespace

Status ParsePartitionValuesJson(std::string_view json, PartitionValues* out,
                                PartitionValuesCache* cache) {
  if (cache) {
    if (const PartitionValues* hit = cache->Find(json)) {
      *out = *hit;
      return Status::OK();
    }
  }
  return WithJsonValue(
      json, [&](sj::value& v) { return ReadPartitionValues(v, "partitionValues", out, cache); });
}

Status ParseDeletionVectorJson(std::string_view json, HeapOptional<DeletionVectorDescriptor>* out) {
  return WithJsonValue(json, [&](sj::value& v) { return ReadDv(v, out); });
}

Result<std::vector<Action>> ParseCommitFileToActions(std::string_view data,
                                                     std::string_view file_name) {
  CollectingVisitor v;
  LAKE_RETURN_IF_ERROR(ParseCommitFile(data, file_name, v));
  return std::move(v.actions);
}

}  // namespace lake::log
