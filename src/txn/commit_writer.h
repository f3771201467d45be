// Commit serialization: actions -> newline-delimited JSON (PROTOCOL.md "Delta Log Entries",
// "Actions", "Commit Provenance Information"), the inverse of log/action_parser.
//
// Field order and shapes follow what Spark writes: stats is a JSON document serialized into a
// string, tags and partitionValues are string maps, optional fields are omitted when absent.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lake/actions.h"
#include "lake/status.h"

namespace lake::txn {

inline constexpr std::string_view kEngineInfo = "lake/0.1.0";

// The commitInfo lake writes (first action of every commit).
struct CommitInfoFields {
  std::optional<int64_t> in_commit_timestamp;  // with delta.enableInCommitTimestamps
  int64_t timestamp = 0;                       // wall clock, ms
  std::string operation = "WRITE";
  std::string operation_parameters = "{}";  // JSON object; values are written as strings
  std::string operation_metrics = "{}";     // JSON object; values are written as strings
  std::optional<int64_t> read_version;      // absent when creating a table
  std::string isolation_level;              // "" = omitted
  bool is_blind_append = false;
  std::string user_metadata;                // "" = omitted
  // commitInfo.tags (a string map; omitted when empty), e.g. delta.rowTracking.preserved.
  std::vector<std::pair<std::string, std::string>> tags;
  std::string engine_info = std::string(kEngineInfo);
  std::string txn_id;
};

// {"commitInfo":{...}} (no newline). InvalidArgument when parameters/metrics are not JSON
// objects.
Result<std::string> SerializeCommitInfo(const CommitInfoFields& ci);

// One action as a log line (no newline): {"add":{...}}, {"remove":{...}}, ... A CommitInfo
// action is written from its `json` text.
std::string SerializeAction(const Action& action);

// Rewrites a JSON object so every value is a string: strings stay, other values become their
// JSON text ({"a":1,"b":[1]} -> {"a":"1","b":"[1]"}). Spark's operationParameters/Metrics.
Result<std::string> StringifyObjectValues(std::string_view json_object);

// PROTOCOL.md: paths are URIs (RFC 2396). Percent-encodes everything but unreserved
// characters and "/:@&=+$,". Decoding the result gives `raw` back.
std::string EncodePath(std::string_view raw);
// True when `path` is a valid URI reference as the log needs it: only URI characters, and
// every '%' starts a %XX escape.
bool IsEncodedPath(std::string_view path);

// A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuid();

// This thread's random generator, reseeded from std::random_device in a child after fork():
// forked writers must not share txnIds or draw the same backoff jitter in lockstep.
std::mt19937_64& Rng();

// "_delta_log/<20-digit version>.json"
std::string CommitKey(int64_t version);

}  // namespace lake::txn
