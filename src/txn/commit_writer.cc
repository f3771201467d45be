#include "txn/commit_writer.h"

#include "util/percent_encoding.h"

#include <simdjson.h>
#include <unistd.h>

#include <random>
#include <variant>

#include "log/action_json.h"
#include "log/log_segment.h"
#include "util/json_writer.h"

namespace lake::txn {
namespace {

// RFC 2396 marks and the reserved characters legal in a path segment: kept as is in paths.
constexpr std::string_view kPathChars = "!*'()/:@&=+$,";

}  // namespace

std::string EncodePath(std::string_view raw) { return PercentEncode(raw, kPathChars); }

bool IsEncodedPath(std::string_view path) {
  if (path.empty()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%') {
      if (i + 2 >= path.size()) return false;
      if (HexDigitValue(path[i + 1]) < 0 || HexDigitValue(path[i + 2]) < 0) return false;
      i += 2;
      continue;
    }
    // '#' and '?' would start a fragment/query; absolute URIs ("s3://b/k") pass as URI chars.
    if (!PercentEncodeKeeps(path[i], kPathChars)) return false;
  }
  return true;
}

Result<std::string> StringifyObjectValues(std::string_view json_object) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json_object.data(), json_object.size()).get(doc) || !doc.is_object()) {
    return Status::InvalidArgument("not a JSON object: " + std::string(json_object));
  }
  JsonWriter w;
  w.BeginObject();
  simdjson::dom::object obj = doc.get_object().value_unsafe();
  for (auto [key, value] : obj) {
    w.Key(key);
    if (value.is_string()) {
      w.String(value.get_string().value_unsafe());
    } else {
      w.String(simdjson::minify(value));
    }
  }
  w.EndObject();
  return w.Take();
}

Result<std::string> SerializeCommitInfo(const CommitInfoFields& ci) {
  LAKE_ASSIGN_OR_RETURN(std::string params, StringifyObjectValues(ci.operation_parameters));
  LAKE_ASSIGN_OR_RETURN(std::string metrics, StringifyObjectValues(ci.operation_metrics));
  JsonWriter w;
  w.BeginObject().Key("commitInfo").BeginObject();
  if (ci.in_commit_timestamp) w.Key("inCommitTimestamp").Int(*ci.in_commit_timestamp);
  w.Key("timestamp").Int(ci.timestamp);
  w.Key("operation").String(ci.operation);
  w.Key("operationParameters").Raw(params);
  if (ci.read_version) w.Key("readVersion").Int(*ci.read_version);
  if (!ci.isolation_level.empty()) w.Key("isolationLevel").String(ci.isolation_level);
  w.Key("isBlindAppend").Bool(ci.is_blind_append);
  w.Key("operationMetrics").Raw(metrics);
  if (!ci.user_metadata.empty()) w.Key("userMetadata").String(ci.user_metadata);
  if (!ci.tags.empty()) {
    w.Key("tags").BeginObject();
    for (const auto& [k, v] : ci.tags) w.Key(k).String(v);
    w.EndObject();
  }
  w.Key("engineInfo").String(ci.engine_info);
  w.Key("txnId").String(ci.txn_id);
  w.EndObject().EndObject();
  return w.Take();
}

std::string SerializeAction(const Action& action) {
  if (const auto* ci = std::get_if<CommitInfo>(&action)) {
    return "{\"commitInfo\":" + ci->json + "}";
  }
  JsonWriter w;
  w.BeginObject();
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, AddFile>)
          log::WriteAddJson(w.Key("add"), a);
        else if constexpr (std::is_same_v<T, RemoveFile>) {
          log::WriteRemoveJson(w.Key("remove"), a, /*checkpoint=*/false);
        } else if constexpr (std::is_same_v<T, AddCdcFile>)
          log::WriteCdcJson(w.Key("cdc"), a);
        else if constexpr (std::is_same_v<T, Metadata>)
          log::WriteMetadataJson(w.Key("metaData"), a);
        else if constexpr (std::is_same_v<T, Protocol>)
          log::WriteProtocolJson(w.Key("protocol"), a);
        else if constexpr (std::is_same_v<T, Txn>)
          log::WriteTxnJson(w.Key("txn"), a);
        else if constexpr (std::is_same_v<T, DomainMetadata>) {
          log::WriteDomainMetadataJson(w.Key("domainMetadata"), a);
        } else if constexpr (std::is_same_v<T, CheckpointMetadata>) {
          log::WriteCheckpointMetadataJson(w.Key("checkpointMetadata"), a);
        } else if constexpr (std::is_same_v<T, Sidecar>) {
          log::WriteSidecarJson(w.Key("sidecar"), a);
        }
      },
      action);
  w.EndObject();
  return w.Take();
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng;
  thread_local pid_t seeded_for = 0;
  if (pid_t pid = getpid(); pid != seeded_for) {
    std::random_device rd;
    rng.seed((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(pid));
    seeded_for = pid;
  }
  return rng;
}

std::string NewUuid() {
  std::mt19937_64& rng = Rng();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string CommitKey(int64_t version) {
  return std::string(log::kLogDir) + log::PadVersion(version) + ".json";
}

}  // namespace lake::txn
