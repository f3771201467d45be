// lake store-copy SRC DST (hidden; for tests and tooling): copies every object under the
// location SRC to the location DST, through ObjectStore (so between a local directory and
// s3://bucket/prefix in either direction). --create-bucket creates a missing S3 bucket. Keys keep
// their relative names; existing objects at DST are replaced. 8 objects at a time.
#include <atomic>
#include <iostream>
#include <thread>

#include "cli/cli_common.h"
#include "lake/object_store.h"
#include "storage/s3_store.h"

namespace lake::cli {
namespace {

void StoreCopy(const std::string& src_uri, const std::string& dst_uri, bool create_bucket) {
  if (create_bucket && (dst_uri.rfind("s3://", 0) == 0 || dst_uri.rfind("s3a://", 0) == 0)) {
    auto config = OrDie(s3::ConfigFromUri(dst_uri), "store-copy");
    OrDie(s3::EnsureBucket(config), "store-copy");
  }
  auto src = OrDie(OpenObjectStore(src_uri), "store-copy");
  auto dst = OrDie(OpenObjectStore(dst_uri), "store-copy");
  auto objects = OrDie(src->List(""), "store-copy: listing " + src_uri);
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> bytes{0};
  std::vector<Status> errors(objects.size());
  auto worker = [&] {
    for (size_t i = next++; i < objects.size(); i = next++) {
      auto data = src->Get(objects[i].key);
      if (!data.ok()) {
        errors[i] = data.status();
        continue;
      }
      bytes += data->size();
      errors[i] = dst->Put(objects[i].key, *data);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < objects.size(); ++i) OrDie(errors[i], "store-copy: " + objects[i].key);
  std::cout << "copied " << objects.size() << " objects ("
            << FormatBytes(static_cast<int64_t>(bytes.load())) << ") to " << dst_uri << "\n";
}

}  // namespace

void RegisterStoreCopy(CLI::App& app) {
  auto* cmd = app.add_subcommand("store-copy", "Copy all objects of a location to another");
  cmd->group("");  // hidden: a test and tooling helper
  auto src = std::make_shared<std::string>();
  auto dst = std::make_shared<std::string>();
  cmd->add_option("SRC", *src, "Source location (path, file:// or s3:// URI)")->required();
  cmd->add_option("DST", *dst, "Destination location")->required();
  auto create = std::make_shared<bool>(false);
  cmd->add_flag("--create-bucket", *create, "Create the destination S3 bucket if missing");
  cmd->callback([src, dst, create] { StoreCopy(*src, *dst, *create); });
}

}  // namespace lake::cli
