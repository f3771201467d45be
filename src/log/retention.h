// Table properties that are durations (PROTOCOL.md "Table Properties"; Spark's
// CalendarInterval syntax, e.g. "interval 7 days", "interval 1 weeks 2 hours", "30 days").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lake/actions.h"

namespace lake::log {

inline constexpr int64_t kMsPerDay = 24LL * 3600 * 1000;

// Milliseconds of an interval string; nullopt when it cannot be parsed or uses calendar units
// (months, years) whose length is not fixed.
std::optional<int64_t> ParseIntervalMs(std::string_view text);

// The duration table property `key` of `metadata`, or `default_ms` when it is absent or
// unparsable.
int64_t DurationProperty(const Metadata& metadata, const std::string& key, int64_t default_ms);

// delta.deletedFileRetentionDuration (default 1 week), delta.logRetentionDuration (default
// 30 days), delta.setTransactionRetentionDuration (no default: txns never expire).
int64_t DeletedFileRetentionMs(const Metadata& metadata);
int64_t LogRetentionMs(const Metadata& metadata);
std::optional<int64_t> SetTransactionRetentionMs(const Metadata& metadata);

}  // namespace lake::log
