// Locations and parallel fetch: see location.h.
#include "storage/location.h"

#include "util/percent_encoding.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace lake {
std::optional<std::string_view> S3UriBody(std::string_view uri) {
  if (uri.rfind("s3://", 0) == 0) return uri.substr(5);
  if (uri.rfind("s3a://", 0) == 0) return uri.substr(6);
  return std::nullopt;
}

bool SplitS3Uri(std::string_view uri, std::string* bucket, std::string* key) {
  std::optional<std::string_view> body = S3UriBody(uri);
  if (!body) return false;
  std::string_view rest = *body;
  size_t q = rest.find('?');
  if (q != std::string_view::npos) rest = rest.substr(0, q);
  size_t slash = rest.find('/');
  *bucket = std::string(rest.substr(0, slash));
  *key = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  return !bucket->empty();
}

LocationResolver::LocationResolver(ObjectStore& table_store) : table_(table_store) {
  std::string key;
  table_is_s3_ = SplitS3Uri(table_store.root_uri(), &table_bucket_, &key);
  if (table_is_s3_) {
    while (!key.empty() && key.back() == '/') key.pop_back();
    while (!key.empty() && key.front() == '/') key.erase(0, 1);
    table_prefix_ = key.empty() ? "" : key + "/";
  }
}

Result<LocationResolver::Resolved> LocationResolver::Resolve(const std::string& path) {
  if (path.find("://") == std::string::npos && path.rfind("file:", 0) != 0 &&
      !(path.size() > 0 && path[0] == '/')) {
    return Resolved{&table_, PercentDecode(path)};
  }
  std::string bucket, key;
  if (SplitS3Uri(path, &bucket, &key)) {
    key = PercentDecode(key);
    if (table_is_s3_ && bucket == table_bucket_ && key.rfind(table_prefix_, 0) == 0 &&
        key.size() > table_prefix_.size()) {
      return Resolved{&table_, key.substr(table_prefix_.size())};
    }
    // Elsewhere: a store rooted at the bucket (same endpoint and credentials).
    std::string root = "s3://" + bucket;
    auto it = others_.find(root);
    if (it == others_.end()) {
      LAKE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> s, OpenObjectStore(root));
      it = others_.emplace(root, std::move(s)).first;
    }
    return Resolved{it->second.get(), key};
  }
  if (path.find("://") != std::string::npos && path.rfind("file:", 0) != 0) {
    return Status::Unsupported("file on an unsupported storage: '" + path + "'");
  }
  // A local file (file: URI or absolute path): a local store rooted at its directory.
  LAKE_ASSIGN_OR_RETURN(std::string local, LocalPathFromUri(path));
  if (path[0] == '/') local = PercentDecode(path);
  size_t slash = local.rfind('/');
  std::string dir = slash == 0 ? "/" : local.substr(0, slash);
  auto it = others_.find(dir);
  if (it == others_.end()) it = others_.emplace(dir, NewLocalStore(dir, dir)).first;
  return Resolved{it->second.get(), local.substr(slash + 1)};
}

Status ParallelFor(size_t n, int parallelism, const std::function<Status(size_t)>& fn) {
  std::vector<Status> errors(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      size_t i = next.fetch_add(1);
      if (i >= n) break;
      errors[i] = fn(i);
      if (!errors[i].ok()) failed = true;
    }
  };
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(parallelism, 1)), n);
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  for (const Status& st : errors) LAKE_RETURN_IF_ERROR(st);
  return Status::OK();
}

Result<std::vector<std::string>> FetchLocalPaths(const std::vector<FetchItem>& items,
                                                 int parallelism) {
  std::vector<std::string> out(items.size());
  LAKE_RETURN_IF_ERROR(ParallelFor(items.size(), parallelism, [&](size_t i) -> Status {
    LAKE_ASSIGN_OR_RETURN(out[i], items[i].store->LocalPathImmutable(items[i].key, items[i].size));
    return Status::OK();
  }));
  return out;
}

}  // namespace lake
