#include "log/retention.h"

#include <cctype>
#include <string>
#include <vector>

namespace lake::log {
namespace {

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Milliseconds per unit (singular or plural); 0 for unknown units. Sub-millisecond units are
// scaled by the caller.
std::optional<double> UnitMs(std::string unit) {
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  if (unit == "week") return 7.0 * kMsPerDay;
  if (unit == "day") return static_cast<double>(kMsPerDay);
  if (unit == "hour") return 3600.0 * 1000;
  if (unit == "minute") return 60.0 * 1000;
  if (unit == "second") return 1000.0;
  if (unit == "millisecond") return 1.0;
  if (unit == "microsecond") return 1e-3;
  if (unit == "nanosecond") return 1e-6;
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> ParseIntervalMs(std::string_view text) {
  std::vector<std::string> w = Words(text);
  size_t i = 0;
  if (i < w.size() && w[i] == "interval") ++i;
  if (i >= w.size()) return std::nullopt;
  double total = 0;
  for (; i < w.size(); i += 2) {
    if (i + 1 >= w.size()) return std::nullopt;
    size_t used = 0;
    double n;
    try {
      n = std::stod(w[i], &used);
    } catch (...) {
      return std::nullopt;
    }
    if (used != w[i].size()) return std::nullopt;
    std::optional<double> unit = UnitMs(w[i + 1]);
    if (!unit) return std::nullopt;
    total += n * *unit;
  }
  if (total < 0 || total > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(total);
}

int64_t DurationProperty(const Metadata& metadata, const std::string& key, int64_t default_ms) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end()) return default_ms;
  return ParseIntervalMs(it->second).value_or(default_ms);
}

int64_t DeletedFileRetentionMs(const Metadata& metadata) {
  return DurationProperty(metadata, "delta.deletedFileRetentionDuration", 7 * kMsPerDay);
}

int64_t LogRetentionMs(const Metadata& metadata) {
  return DurationProperty(metadata, "delta.logRetentionDuration", 30 * kMsPerDay);
}

std::optional<int64_t> SetTransactionRetentionMs(const Metadata& metadata) {
  auto it = metadata.configuration.find("delta.setTransactionRetentionDuration");
  if (it == metadata.configuration.end()) return std::nullopt;
  return ParseIntervalMs(it->second);
}

}  // namespace lake::log
