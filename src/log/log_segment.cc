#include "log/log_segment.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace lake::log {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool ParseDigits(std::string_view s, int64_t* out) {
  if (!AllDigits(s) || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  *out = v;
  return true;
}

}  // namespace

std::string PadVersion(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(v));
  return buf;
}

// PROTOCOL.md "Checkpoint Naming Scheme": <v>.checkpoint.parquet (classic),
// <v>.checkpoint.<p>.<n>.parquet (multi-part, 10-digit part numbers),
// <v>.checkpoint.<uuid>.json|parquet (UUID-named v2). Commits are <v>.json; versions are
// zero-padded to 20 digits.
bool ParseLogFileName(std::string_view name, ParsedLogName* out) {
  if (name.size() < 21 || name[20] != '.') return false;
  int64_t version;
  if (!AllDigits(name.substr(0, 20)) || !ParseDigits(name.substr(2, 18), &version)) return false;
  if (name[0] != '0' || name[1] != '0') return false;  // > 10^18: not a version we handle
  std::string_view rest = name.substr(21);
  *out = ParsedLogName{};
  out->version = version;
  if (rest == "json") {
    out->type = ParsedLogName::Type::kCommit;
    return true;
  }
  constexpr std::string_view kCp = "checkpoint.";
  if (rest.substr(0, kCp.size()) != kCp) return false;  // .crc, .compacted.json, ...
  rest.remove_prefix(kCp.size());
  if (rest == "parquet") {
    out->type = ParsedLogName::Type::kClassicCheckpoint;
    return true;
  }
  // Multi-part: <p>.<n>.parquet
  if (rest.size() == 10 + 1 + 10 + 8 && rest[10] == '.' && rest.substr(21) == ".parquet") {
    int64_t p, n;
    if (ParseDigits(rest.substr(0, 10), &p) && ParseDigits(rest.substr(11, 10), &n)) {
      if (p < 1 || n < 1 || p > n) return false;
      out->type = ParsedLogName::Type::kMultiPartCheckpoint;
      out->part = static_cast<int>(p);
      out->num_parts = static_cast<int>(n);
      return true;
    }
  }
  // UUID-named: <uuid>.json | <uuid>.parquet
  size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view uuid = rest.substr(0, dot), ext = rest.substr(dot + 1);
  if (uuid.find('.') != std::string_view::npos) return false;
  if (ext != "json" && ext != "parquet") return false;
  out->type = ParsedLogName::Type::kV2Checkpoint;
  out->json = ext == "json";
  return true;
}

Result<LogListing> ListLog(ObjectStore& store, std::string_view start_after) {
  LAKE_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, store.List(kLogDir, start_after));
  LogListing out;
  // Multi-part sets by (version, num_parts): part number -> file.
  std::map<std::pair<int64_t, int>, std::map<int, LogFile>> multipart;
  for (ObjectMeta& o : objects) {
    std::string_view name = std::string_view(o.key).substr(kLogDir.size());
    if (name.find('/') != std::string_view::npos) continue;  // _sidecars/, _staged_commits/
    ParsedLogName p;
    if (!ParseLogFileName(name, &p)) continue;
    LogFile f{std::move(o.key), p.version, o.size, o.mtime_ms};
    switch (p.type) {
      case ParsedLogName::Type::kCommit:
        out.commits.push_back(std::move(f));
        break;
      case ParsedLogName::Type::kClassicCheckpoint:
        out.checkpoints.push_back(Checkpoint{p.version, Checkpoint::Kind::kClassic, false, {f}});
        break;
      case ParsedLogName::Type::kV2Checkpoint:
        out.checkpoints.push_back(Checkpoint{p.version, Checkpoint::Kind::kV2, p.json, {f}});
        break;
      case ParsedLogName::Type::kMultiPartCheckpoint:
        multipart[{p.version, p.num_parts}][p.part] = std::move(f);
        break;
    }
  }
  // PROTOCOL.md "Multi-part checkpoint": only a set with all n parts is usable; an incomplete
  // set (a writer died half way) is ignored, and an older complete checkpoint is used instead.
  for (auto& [key, parts] : multipart) {
    if (static_cast<int>(parts.size()) != key.second) continue;
    Checkpoint cp{key.first, Checkpoint::Kind::kMultiPart, false, {}};
    for (auto& [n, f] : parts) cp.parts.push_back(std::move(f));
    out.checkpoints.push_back(std::move(cp));
  }
  auto by_version = [](const auto& a, const auto& b) { return a.version < b.version; };
  std::sort(out.commits.begin(), out.commits.end(), by_version);
  // Several checkpoints of one version are equivalent; keep a deterministic order
  // (classic < multi-part < v2) so the simplest is preferred.
  std::stable_sort(out.checkpoints.begin(), out.checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) {
                     if (a.version != b.version) return a.version < b.version;
                     return static_cast<int>(a.kind) > static_cast<int>(b.kind);
                   });
  return out;
}

std::optional<int64_t> ReadLastCheckpointHint(ObjectStore& store) {
  auto data = store.Get(std::string(kLogDir) + "_last_checkpoint");
  if (!data.ok()) return std::nullopt;
  simdjson::padded_string padded(*data);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return std::nullopt;
  int64_t v;
  if (doc["version"].get_int64().get(v) || v < 0) return std::nullopt;
  return v;
}

Result<LogSegment> SegmentFromListing(const LogListing& listing, std::optional<int64_t> version,
                                      const std::string& table_uri) {
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    return Status::NotFound("not a Delta table: no _delta_log at " + table_uri);
  }
  int64_t latest = -1;
  if (!listing.commits.empty()) latest = listing.commits.back().version;
  if (!listing.checkpoints.empty())
    latest = std::max(latest, listing.checkpoints.back().version);
  int64_t target = version.value_or(latest);
  if (target < 0) return Status::InvalidArgument("negative table version " + std::to_string(target));
  if (target > latest) {
    return Status::NotFound("version " + std::to_string(target) + " of " + table_uri +
                            " does not exist (latest is " + std::to_string(latest) + ")");
  }
  LogSegment seg;
  seg.version = target;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->version <= target) {
      seg.checkpoint = *it;
      break;
    }
  }
  int64_t next = seg.checkpoint ? seg.checkpoint->version + 1 : 0;
  auto first = std::lower_bound(listing.commits.begin(), listing.commits.end(), next,
                                [](const LogFile& f, int64_t v) { return f.version < v; });
  for (auto it = first; it != listing.commits.end() && it->version <= target; ++it) {
    if (it->version != next) {
      if (seg.commits.empty() && !seg.checkpoint) {
        // Early commits cleaned up and no checkpoint to start from.
        return Status::NotFound("version " + std::to_string(target) + " of " + table_uri +
                                " cannot be reconstructed: the log starts at version " +
                                std::to_string(it->version) + " and has no checkpoint at or before " +
                                std::to_string(target));
      }
      return Status::Corruption("commit versions not contiguous in " + table_uri +
                                "/_delta_log: missing version " + std::to_string(next));
    }
    seg.commits.push_back(*it);
    ++next;
  }
  if (next <= target) {
    // Nothing at all from `next` up to target (e.g. a checkpoint-less target beyond a gap).
    if (seg.commits.empty() && !seg.checkpoint) {
      return Status::NotFound("version " + std::to_string(target) + " of " + table_uri +
                              " cannot be reconstructed from the retained log");
    }
    return Status::Corruption("commit versions not contiguous in " + table_uri +
                              "/_delta_log: missing version " + std::to_string(next));
  }
  if (!seg.commits.empty() && seg.commits.back().version == target) {
    seg.version_mtime_ms = seg.commits.back().mtime_ms;
  } else if (seg.checkpoint) {
    // The commit file of a checkpointed version may have been cleaned up.
    auto it = std::lower_bound(listing.commits.begin(), listing.commits.end(), target,
                               [](const LogFile& f, int64_t v) { return f.version < v; });
    seg.version_mtime_ms = (it != listing.commits.end() && it->version == target)
                               ? it->mtime_ms
                               : seg.checkpoint->parts.front().mtime_ms;
  }
  return seg;
}

Result<LogSegment> BuildLogSegment(ObjectStore& store, std::optional<int64_t> version) {
  std::optional<int64_t> hint = ReadLastCheckpointHint(store);
  if (hint && (!version || *version >= *hint)) {
    // List from the hinted checkpoint on. Usable only if the listing shows a complete
    // checkpoint at or before the target; a stale, wrong or dangling hint falls back to a
    // full listing below.
    auto partial = ListLog(store, std::string(kLogDir) + PadVersion(*hint));
    if (partial.ok()) {
      const LogListing& l = *partial;
      int64_t target = version.value_or(INT64_MAX);
      bool usable = std::any_of(l.checkpoints.begin(), l.checkpoints.end(),
                                [&](const Checkpoint& c) { return c.version <= target; });
      if (usable) {
        auto seg = SegmentFromListing(l, version, store.root_uri());
        if (seg.ok()) return seg;
      }
    }
  }
  LAKE_ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  return SegmentFromListing(listing, version, store.root_uri());
}

}  // namespace lake::log
