#include "write/identity.h"

#include <simdjson.h>

#include <limits>

#include "ops/alter_table.h"

namespace lake::write {
namespace {

using Wide = __int128;

bool FitsLong(Wide v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

// A long from a metadata value: a JSON number, or a string holding one (some writers quote).
bool ReadLong(simdjson::dom::element e, int64_t* out) {
  if (e.get_int64().get(*out) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return false;
  try {
    size_t used = 0;
    long long v = std::stoll(std::string(s), &used);
    if (used != s.size()) return false;
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

bool ReadBool(simdjson::dom::element e, bool* out) {
  if (e.get_bool().get(*out) == simdjson::SUCCESS) return true;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return false;
  if (s == "true" || s == "false") {
    *out = s == "true";
    return true;
  }
  return false;
}

bool HasIdentity(const std::vector<StructField>& fields) {
  for (const auto& f : fields) {
    if (f.metadata.find("\"delta.identity.") != std::string::npos) return true;
    if (f.type->IsStruct() && HasIdentity(f.type->fields)) return true;
  }
  return false;
}

// The first start + k * step (k >= 0) strictly beyond `mark` in the step's direction.
Wide FirstBeyond(const IdentityColumn& c, Wide mark) {
  Wide start = c.start, step = c.step;
  if (step > 0 ? mark < start : mark > start) return start;
  Wide k = (step > 0 ? mark - start : start - mark) / (step > 0 ? step : -step) + 1;
  return start + k * step;
}

}  // namespace

Result<std::vector<IdentityColumn>> IdentityColumns(const Schema& schema) {
  std::vector<IdentityColumn> out;
  for (const auto& f : schema.fields) {
    if (f.type->IsStruct() && HasIdentity(f.type->fields))
      return Status::Unsupported(
          "column '" + f.name +
          "' has identity fields inside a struct; Delta identity columns are top-level");
    if (f.metadata.find("\"delta.identity.start\"") == std::string::npos) continue;
    simdjson::dom::parser parser;
    simdjson::dom::object md;
    if (parser.parse(f.metadata).get(md) != simdjson::SUCCESS)
      return Status::Corruption("column '" + f.name + "': unreadable metadata " + f.metadata);
    IdentityColumn c;
    c.name = f.name;
    simdjson::dom::element e;
    if (md["delta.identity.start"].get(e) != simdjson::SUCCESS || !ReadLong(e, &c.start) ||
        md["delta.identity.step"].get(e) != simdjson::SUCCESS || !ReadLong(e, &c.step))
      return Status::Corruption("identity column '" + f.name +
                                "': delta.identity.start/step are not longs");
    if (c.step == 0)
      return Status::Corruption("identity column '" + f.name + "': delta.identity.step is 0");
    if (md["delta.identity.highWaterMark"].get(e) == simdjson::SUCCESS) {
      int64_t m = 0;
      if (!ReadLong(e, &m))
        return Status::Corruption("identity column '" + f.name +
                                  "': delta.identity.highWaterMark is not a long");
      c.high_water_mark = m;
    }
    if (md["delta.identity.allowExplicitInsert"].get(e) == simdjson::SUCCESS &&
        !ReadBool(e, &c.allow_explicit_insert))
      return Status::Corruption("identity column '" + f.name +
                                "': delta.identity.allowExplicitInsert is not a boolean");
    if (f.type->kind != DataType::Kind::kPrimitive || f.type->name != "long")
      return Status::Unsupported("identity column '" + f.name + "' is " + f.type->ToString() +
                                 ", not long");
    out.push_back(std::move(c));
  }
  return out;
}

Result<int64_t> FirstGeneratedValue(const IdentityColumn& c) {
  if (!c.high_water_mark) return c.start;
  Wide v = FirstBeyond(c, *c.high_water_mark);
  if (!FitsLong(v))
    return Status::InvalidArgument(
        "identity column '" + c.name + "' has no values left after its high-water mark " +
        std::to_string(*c.high_water_mark) + " (step " + std::to_string(c.step) + ")");
  return static_cast<int64_t>(v);
}

Result<std::string> GeneratedValuesSql(const IdentityColumn& c) {
  LAKE_ASSIGN_OR_RETURN(int64_t first, FirstGeneratedValue(c));
  return "(CAST(" + std::to_string(first) + " AS HUGEINT) + CAST(" + std::to_string(c.step) +
         " AS HUGEINT) * (row_number() OVER () - 1))";
}

Result<int64_t> HighWaterMarkAfter(const IdentityColumn& c, int64_t rows) {
  LAKE_ASSIGN_OR_RETURN(int64_t first, FirstGeneratedValue(c));
  Wide last = Wide(first) + Wide(c.step) * Wide(rows - 1);
  if (!FitsLong(last))
    return Status::InvalidArgument("identity column '" + c.name + "': " + std::to_string(rows) +
                                   " values from " + std::to_string(first) + " overflow a long");
  return static_cast<int64_t>(last);
}

std::optional<int64_t> HighWaterMarkCovering(const IdentityColumn& c, int64_t extreme) {
  if (c.step > 0 ? extreme < c.start : extreme > c.start) return std::nullopt;
  if (c.high_water_mark &&
      (c.step > 0 ? extreme <= *c.high_water_mark : extreme >= *c.high_water_mark))
    return std::nullopt;
  // The last aligned value at or before `extreme` (the one in (extreme - step, extreme]): the
  // next generated value, the first aligned one beyond it, is then beyond `extreme` too.
  Wide v = FirstBeyond(c, Wide(extreme) - c.step);
  if (c.high_water_mark && (c.step > 0 ? v <= *c.high_water_mark : v >= *c.high_water_mark))
    return std::nullopt;
  return static_cast<int64_t>(v);
}

std::string WithHighWaterMark(const std::string& metadata, int64_t mark) {
  return alter::SetMetadataKey(metadata, "delta.identity.highWaterMark", std::to_string(mark));
}

}  // namespace lake::write
