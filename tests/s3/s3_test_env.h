// The environment of the tests that need an S3 server (tests/s3/run_s3_tests.sh starts a Ceph
// RGW and exports LAKE_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _REGION, _BUCKET).
#pragma once

#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "lake/object_store.h"

namespace lake::testing {

inline std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// True when a test server is configured; else prints a loud line naming `what` (the caller
// then GTEST_SKIPs).
inline bool S3TestServerConfigured(const char* what) {
  if (!GetEnv("LAKE_TEST_S3_ENDPOINT").empty()) return true;
  std::cerr << "*** " << what << " SKIPPED: LAKE_TEST_S3_ENDPOINT is not set "
            << "(tests/s3/run_s3_tests.sh starts a Ceph RGW and sets it) ***\n";
  return false;
}

// Points stores opened from the AWS_* environment (as the CLI opens them) at the test server,
// with path-style addressing and `home` as LAKE_HOME (a file cache of the test's own).
inline void ExportS3TestEnvironment(const std::string& home) {
  setenv("AWS_ENDPOINT_URL", GetEnv("LAKE_TEST_S3_ENDPOINT").c_str(), 1);
  setenv("AWS_ACCESS_KEY_ID", GetEnv("LAKE_TEST_S3_ACCESS_KEY").c_str(), 1);
  setenv("AWS_SECRET_ACCESS_KEY", GetEnv("LAKE_TEST_S3_SECRET_KEY").c_str(), 1);
  if (!GetEnv("LAKE_TEST_S3_REGION").empty())
    setenv("AWS_REGION", GetEnv("LAKE_TEST_S3_REGION").c_str(), 1);
  setenv("AWS_S3_ADDRESSING_STYLE", "path", 1);
  setenv("LAKE_HOME", home.c_str(), 1);
}

inline std::string S3TestBucket() {
  std::string b = GetEnv("LAKE_TEST_S3_BUCKET");
  return b.empty() ? "lake-test" : b;
}

// A prefix no other run uses: "<tag>-<pid>-<random>".
inline std::string UniqueS3Prefix(const std::string& tag) {
  std::mt19937_64 rng{std::random_device{}()};
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(rng() % 1000000000);
}

// Data objects (outside _delta_log) of the table at `uri`.
inline std::set<std::string> DataObjectKeys(const std::string& uri) {
  std::set<std::string> out;
  auto store = OpenObjectStore(uri);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return out;
  auto objs = (*store)->List("");
  EXPECT_TRUE(objs.ok());
  if (!objs.ok()) return out;
  for (const auto& o : *objs)
    if (o.key.rfind("_delta_log/", 0) != 0) out.insert(o.key);
  return out;
}

}  // namespace lake::testing
