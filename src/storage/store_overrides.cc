#include "storage/store_overrides.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace lake {
namespace {

struct Entry {
  std::string location;  // without a trailing '/' (except "s3://")
  StoreSettings settings;
};

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::vector<Entry>& Entries() {
  static std::vector<Entry> entries;
  return entries;
}

std::string Normalize(std::string_view location) {
  std::string s(location);
  while (s.size() > 1 && s.back() == '/' && !s.ends_with("://")) s.pop_back();
  return s;
}

// `location` is `uri` or a parent of it (a whole path segment: s3://b/t is not a parent of
// s3://b/t2).
bool Covers(const std::string& location, std::string_view uri) {
  if (uri.substr(0, location.size()) != location) return false;
  if (uri.size() == location.size() || location.ends_with("/")) return true;
  char next = uri[location.size()];
  return next == '/' || next == '?';
}

}  // namespace

void SetStoreOverrides(std::string_view location, const StoreSettings& settings) {
  StoreSettings kept;
  for (const auto& [k, v] : settings) {
    if (k.rfind("s3.", 0) == 0) kept.emplace(k, v);
  }
  std::string loc = Normalize(location);
  std::lock_guard<std::mutex> lock(Mu());
  auto& entries = Entries();
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const Entry& e) { return e.location == loc; });
  if (kept.empty()) {
    if (it != entries.end()) entries.erase(it);
    return;
  }
  if (it != entries.end()) {
    it->settings = std::move(kept);
  } else {
    entries.push_back(Entry{loc, std::move(kept)});
  }
}

void ClearStoreOverrides() {
  std::lock_guard<std::mutex> lock(Mu());
  Entries().clear();
}

StoreSettings StoreOverridesFor(std::string_view uri) {
  std::vector<const Entry*> matching;
  std::lock_guard<std::mutex> lock(Mu());
  for (const Entry& e : Entries()) {
    if (Covers(e.location, uri)) matching.push_back(&e);
  }
  std::sort(matching.begin(), matching.end(),
            [](const Entry* a, const Entry* b) { return a->location.size() < b->location.size(); });
  StoreSettings out;
  for (const Entry* e : matching) {
    for (const auto& [k, v] : e->settings) out[k] = v;
  }
  return out;
}

bool IsSecretSetting(std::string_view key) {
  return key == "s3.secret-access-key" || key == "s3.session-token" ||
         key.find("secret") != std::string_view::npos ||
         key.find("password") != std::string_view::npos;
}

std::string MaskSecret(std::string_view key, const std::string& value) {
  return IsSecretSetting(key) ? std::string("****") : value;
}

}  // namespace lake
