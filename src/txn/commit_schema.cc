#include "txn/commit_schema.h"

#include <simdjson.h>

#include <set>
#include <string>

#include "txn/commit_writer.h"

namespace lake::txn {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

enum class T {
  kString,
  kLong,
  kInt,
  kBool,
  kStringMap,
  kNullableStringMap,
  kStringArray,
  kObject,
  kDv,
  kFormat,
  kJsonObjectString
};

struct Field {
  const char* name;
  T type;
  bool required;
};

Status Bad(std::string_view action, std::string_view field, const std::string& what) {
  return Status::InvalidArgument("commit schema: " + std::string(action) + "." +
                                 std::string(field) + ": " + what);
}

Status CheckType(std::string_view action, std::string_view name, element v, T t);

Status CheckFields(std::string_view action, object o, std::initializer_list<Field> fields) {
  for (const Field& f : fields) {
    element v;
    if (o[f.name].get(v)) {
      if (f.required) return Bad(action, f.name, "required field missing");
      continue;
    }
    if (v.is_null()) {
      if (f.required) return Bad(action, f.name, "required field is null");
      continue;
    }
    LAKE_RETURN_IF_ERROR(CheckType(action, f.name, v, f.type));
  }
  return Status::OK();
}

Status CheckType(std::string_view action, std::string_view name, element v, T t) {
  switch (t) {
    case T::kString:
      if (!v.is_string()) return Bad(action, name, "not a string");
      break;
    case T::kLong:
      if (!v.is_int64()) return Bad(action, name, "not a long");
      break;
    case T::kInt:
      if (!v.is_int64() || v.get_int64().value_unsafe() > INT32_MAX ||
          v.get_int64().value_unsafe() < INT32_MIN)
        return Bad(action, name, "not an int");
      break;
    case T::kBool:
      if (!v.is_bool()) return Bad(action, name, "not a boolean");
      break;
    case T::kStringMap:
    case T::kNullableStringMap: {
      if (!v.is_object()) return Bad(action, name, "not a map");
      object obj = v.get_object().value_unsafe();
      for (auto [k, x] : obj) {
        if (x.is_string()) continue;
        if (x.is_null() && t == T::kNullableStringMap) continue;
        return Bad(action, name, "value of '" + std::string(k) + "' is not a string");
      }
      break;
    }
    case T::kStringArray: {
      if (!v.is_array()) return Bad(action, name, "not an array");
      simdjson::dom::array arr = v.get_array().value_unsafe();
      for (element x : arr)
        if (!x.is_string()) return Bad(action, name, "element is not a string");
      break;
    }
    case T::kObject:
      if (!v.is_object()) return Bad(action, name, "not an object");
      break;
    case T::kDv:
      if (!v.is_object()) return Bad(action, name, "not a struct");
      return CheckFields(std::string(action) + "." + std::string(name),
                         v.get_object().value_unsafe(),
                         {{"storageType", T::kString, true},
                          {"pathOrInlineDv", T::kString, true},
                          {"offset", T::kInt, false},
                          {"sizeInBytes", T::kInt, true},
                          {"cardinality", T::kLong, true}});
    case T::kFormat:
      if (!v.is_object()) return Bad(action, name, "not a struct");
      return CheckFields(std::string(action) + "." + std::string(name),
                         v.get_object().value_unsafe(),
                         {{"provider", T::kString, true}, {"options", T::kStringMap, false}});
    case T::kJsonObjectString: {
      if (!v.is_string()) return Bad(action, name, "not a string");
      std::string_view s = v.get_string().value_unsafe();
      simdjson::dom::parser p;
      element doc;
      if (p.parse(s.data(), s.size()).get(doc) || !doc.is_object())
        return Bad(action, name, "not a JSON object serialized as a string");
      break;
    }
  }
  return Status::OK();
}

Status CheckPath(std::string_view action, object o) {
  std::string_view path = o["path"].get_string().value_unsafe();
  if (!IsEncodedPath(path)) {
    return Bad(action, "path", "'" + std::string(path) + "' is not a URI-encoded path");
  }
  return Status::OK();
}

Status CheckAction(std::string_view key, element v) {
  if (!v.is_object()) return Bad(key, "", "not an object");
  object o = v.get_object().value_unsafe();
  if (key == "add") {
    LAKE_RETURN_IF_ERROR(CheckFields(key, o,
                                     {{"path", T::kString, true},
                                      {"partitionValues", T::kNullableStringMap, true},
                                      {"size", T::kLong, true},
                                      {"modificationTime", T::kLong, true},
                                      {"dataChange", T::kBool, true},
                                      {"stats", T::kJsonObjectString, false},
                                      {"tags", T::kNullableStringMap, false},
                                      {"deletionVector", T::kDv, false},
                                      {"baseRowId", T::kLong, false},
                                      {"defaultRowCommitVersion", T::kLong, false},
                                      {"clusteringProvider", T::kString, false}}));
    return CheckPath(key, o);
  }
  if (key == "remove") {
    LAKE_RETURN_IF_ERROR(CheckFields(key, o,
                                     {{"path", T::kString, true},
                                      {"deletionTimestamp", T::kLong, false},
                                      {"dataChange", T::kBool, true},
                                      {"extendedFileMetadata", T::kBool, false},
                                      {"partitionValues", T::kNullableStringMap, false},
                                      {"size", T::kLong, false},
                                      {"stats", T::kJsonObjectString, false},
                                      {"tags", T::kNullableStringMap, false},
                                      {"deletionVector", T::kDv, false},
                                      {"baseRowId", T::kLong, false},
                                      {"defaultRowCommitVersion", T::kLong, false}}));
    return CheckPath(key, o);
  }
  if (key == "metaData") {
    return CheckFields(key, o,
                       {{"id", T::kString, true},
                        {"name", T::kString, false},
                        {"description", T::kString, false},
                        {"format", T::kFormat, true},
                        {"schemaString", T::kJsonObjectString, true},
                        {"partitionColumns", T::kStringArray, true},
                        {"createdTime", T::kLong, false},
                        {"configuration", T::kStringMap, true}});
  }
  if (key == "protocol") {
    LAKE_RETURN_IF_ERROR(CheckFields(key, o,
                                     {{"minReaderVersion", T::kInt, true},
                                      {"minWriterVersion", T::kInt, true},
                                      {"readerFeatures", T::kStringArray, false},
                                      {"writerFeatures", T::kStringArray, false}}));
    int64_t r = o["minReaderVersion"].get_int64().value_unsafe();
    int64_t w = o["minWriterVersion"].get_int64().value_unsafe();
    element x;
    bool has_rf = !o["readerFeatures"].get(x) && !x.is_null();
    bool has_wf = !o["writerFeatures"].get(x) && !x.is_null();
    // PROTOCOL.md "Table Features": the feature lists exist exactly with versions 3 / 7.
    if ((r == 3) != has_rf) return Bad(key, "readerFeatures", "present iff minReaderVersion is 3");
    if ((w == 7) != has_wf) return Bad(key, "writerFeatures", "present iff minWriterVersion is 7");
    return Status::OK();
  }
  if (key == "txn") {
    return CheckFields(key, o,
                       {{"appId", T::kString, true},
                        {"version", T::kLong, true},
                        {"lastUpdated", T::kLong, false}});
  }
  if (key == "domainMetadata") {
    return CheckFields(key, o,
                       {{"domain", T::kString, true},
                        {"configuration", T::kString, true},
                        {"removed", T::kBool, true}});
  }
  if (key == "cdc") {
    return CheckFields(key, o,
                       {{"path", T::kString, true},
                        {"partitionValues", T::kNullableStringMap, true},
                        {"size", T::kLong, true},
                        {"dataChange", T::kBool, true},
                        {"tags", T::kNullableStringMap, false}});
  }
  if (key == "commitInfo") {
    // Free-form; lake's own fields, when present, have these types.
    return CheckFields(key, o,
                       {{"timestamp", T::kLong, false},
                        {"inCommitTimestamp", T::kLong, false},
                        {"operation", T::kString, false},
                        {"operationParameters", T::kStringMap, false},
                        {"operationMetrics", T::kStringMap, false},
                        {"readVersion", T::kLong, false},
                        {"isBlindAppend", T::kBool, false},
                        {"tags", T::kStringMap, false},
                        {"engineInfo", T::kString, false},
                        {"txnId", T::kString, false}});
  }
  return Status::InvalidArgument("commit schema: unknown action '" + std::string(key) + "'");
}

Status ValidateLineInto(std::string_view line, std::string* action_out, std::string* path_out) {
  simdjson::dom::parser parser;
  element doc;
  if (auto e = parser.parse(line.data(), line.size()).get(doc); e)
    return Status::InvalidArgument(std::string("commit schema: not JSON: ") +
                                   simdjson::error_message(e));
  if (!doc.is_object()) return Status::InvalidArgument("commit schema: line is not an object");
  object o = doc.get_object().value_unsafe();
  if (o.size() != 1)
    return Status::InvalidArgument("commit schema: a line must hold exactly one action, has " +
                                   std::to_string(o.size()));
  for (auto [k, v] : o) {
    LAKE_RETURN_IF_ERROR(CheckAction(k, v));
    if (action_out) *action_out = std::string(k);
    if (path_out && (k == "add" || k == "remove"))
      *path_out = std::string(v["path"].get_string().value_unsafe());
  }
  return Status::OK();
}

}  // namespace

Status ValidateActionLine(std::string_view line) {
  return ValidateLineInto(line, nullptr, nullptr);
}

Status ValidateCommit(std::string_view data) {
  if (data.empty()) return Status::InvalidArgument("commit schema: empty commit");
  if (data.back() != '\n')
    return Status::InvalidArgument("commit schema: last line has no newline");
  std::set<std::string> add_paths, remove_paths;
  int commit_infos = 0, protocols = 0, metadatas = 0;
  size_t pos = 0, line_no = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    std::string_view line = data.substr(pos, end - pos);
    ++line_no;
    std::string action, path;
    Status st = ValidateLineInto(line, &action, &path);
    if (!st.ok()) return st.WithContext("line " + std::to_string(line_no));
    std::string at = "commit schema: line " + std::to_string(line_no) + ": ";
    if (action == "commitInfo") {
      if (line_no != 1) return Status::InvalidArgument(at + "commitInfo is not the first action");
      ++commit_infos;
    }
    if (action == "protocol" && ++protocols > 1)
      return Status::InvalidArgument(at + "two protocols");
    if (action == "metaData" && ++metadatas > 1)
      return Status::InvalidArgument(at + "two metaData");
    if (action == "add" && !add_paths.insert(path).second)
      return Status::InvalidArgument(at + "path added twice: " + path);
    if (action == "remove" && !remove_paths.insert(path).second)
      return Status::InvalidArgument(at + "path removed twice: " + path);
    pos = end + 1;
  }
  return Status::OK();
}

}  // namespace lake::txn
