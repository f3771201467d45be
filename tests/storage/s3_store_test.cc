// S3Store: the request pieces we build ourselves (unit tests, no server), and the ObjectStore
// contract against a real S3 server (integration tests; they need LAKE_TEST_S3_ENDPOINT,
// LAKE_TEST_S3_ACCESS_KEY and LAKE_TEST_S3_SECRET_KEY, which tests/s3/run_s3_tests.sh sets after
// starting a throwaway Ceph RGW; without them they are skipped, loudly).
#include "storage/s3_store.h"
#include "storage/store_overrides.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "lake/object_store.h"
#include "test_util.h"

namespace lake::s3 {
namespace {

// ---- SigV4 pieces -------------------------------------------------------------------------------

TEST(S3Signing, UriEncodeKeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b/c+d", true), "a%20b/c%2Bd");
  EXPECT_EQ(UriEncode("a b/c+d", false), "a%20b%2Fc%2Bd");
  // Every reserved or special character is encoded, with upper-case hex.
  EXPECT_EQ(UriEncode("!*'();:@&=$,?#[]%", false),
            "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D%25");
  // UTF-8 bytes one by one; control bytes too.
  EXPECT_EQ(UriEncode("\xC3\xA9t\xC3\xA9", true), "%C3%A9t%C3%A9");
  EXPECT_EQ(UriEncode(std::string("\x00\x7f\xff", 3), true), "%00%7F%FF");
  EXPECT_EQ(UriEncode("_delta_log/00000000000000000000.json", true),
            "_delta_log/00000000000000000000.json");
  EXPECT_EQ(UriEncode("p/date=2024-01-01/part 0.parquet", true),
            "p/date%3D2024-01-01/part%200.parquet");
}

TEST(S3Signing, CanonicalQueryStringSortsEncodesAndKeepsEmptyValues) {
  EXPECT_EQ(CanonicalQueryString({}), "");
  // The AWS documentation's ListObjects example.
  EXPECT_EQ(CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  // A valueless parameter is "name=".
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"uploadId", "2~x/y+z="}, {"partNumber", "10"}}),
            "partNumber=10&uploadId=2~x%2Fy%2Bz%3D");
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a b/c"},
                                  {"list-type", "2"},
                                  {"start-after", "a b/c/x&y"},
                                  {"continuation-token", "1/2+3=="}}),
            "continuation-token=1%2F2%2B3%3D%3D&list-type=2&prefix=a%20b%2Fc&"
            "start-after=a%20b%2Fc%2Fx%26y");
  // Byte order: upper case before lower case; equal names by value.
  EXPECT_EQ(CanonicalQueryString({{"b", "1"}, {"B", "2"}, {"a", "3"}, {"a", "1"}}),
            "B=2&a=1&a=3&b=1");
  // Sorted after encoding: '%' (0x25) sorts before letters.
  EXPECT_EQ(CanonicalQueryString({{"a", "1"}, {" ", "2"}}), "%20=2&a=1");
}

TEST(S3Signing, Sha256HexOfPayload) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  // FIPS 180-2 two-block vector.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ---- XML ----------------------------------------------------------------------------------------

TEST(S3Xml, UnescapesEntitiesAndCharacterReferences) {
  EXPECT_EQ(*XmlUnescape("plain"), "plain");
  EXPECT_EQ(*XmlUnescape("a&amp;b&lt;c&gt;d&quot;e&apos;f"), "a&b<c>d\"e'f");
  EXPECT_EQ(*XmlUnescape("&#65;&#x42;&#xe9;&#x1F600;"), "AB\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(*XmlUnescape("&amp;amp;"), "&amp;");
  EXPECT_FALSE(XmlUnescape("&bogus;").ok());
  EXPECT_FALSE(XmlUnescape("a &amp b").ok());
  EXPECT_FALSE(XmlUnescape("&#xZZ;").ok());
}

constexpr const char* kPage1 =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>t/</Prefix><StartAfter>t/a</StartAfter><MaxKeys>2</MaxKeys>"
    "<KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
    "<ContinuationToken>c0</ContinuationToken>"
    "<Contents><Key>t/a&amp;b &lt;c&gt;.json</Key><LastModified>2026-11-25T13:15:04.123Z"
    "</LastModified><ETag>&quot;9a0364b9e99bb480dd25e1f0284c8555&quot;</ETag><Size>5</Size>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>t/&#xe9;t&#233;</Key><LastModified>2026-11-25T13:15:05Z</LastModified>"
    "<ETag>\"abc-2\"</ETag><Size>123456789012</Size><Owner><ID>x</ID><DisplayName>Key"
    "</DisplayName></Owner></Contents>"
    "<NextContinuationToken>1/2+tok&amp;en==</NextContinuationToken>"
    "</ListBucketResult>";

TEST(S3Xml, ParsesListPageWithEscapedKeysAndContinuation) {
  auto page = ParseListObjectsV2(kPage1);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "t/a&b <c>.json");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_EQ(page->objects[0].etag, "9a0364b9e99bb480dd25e1f0284c8555");
  EXPECT_EQ(page->objects[0].mtime_ms, 1795612504123);
  EXPECT_EQ(page->objects[1].key, "t/\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(page->objects[1].size, 123456789012u);
  EXPECT_EQ(page->objects[1].etag, "abc-2");
  EXPECT_EQ(page->objects[1].mtime_ms, 1795612505000);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1/2+tok&en==");
}

TEST(S3Xml, ParsesLastAndEmptyPages) {
  auto last = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>0</Size>"
      "</Contents></ListBucketResult>");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->objects.size(), 1u);
  EXPECT_EQ(last->objects[0].key, "k");
  EXPECT_FALSE(last->truncated);
  auto empty = ParseListObjectsV2(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
}

TEST(S3Xml, RejectsMalformedLists) {
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>AccessDenied</Code></Error>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents>"
                                  "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>")
                   .ok())
      << "a truncated page must carry a continuation token";
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>12x</Size>"
                                  "</Contents></ListBucketResult>")
                   .ok());
}

TEST(S3Xml, ParsesIso8601) {
  EXPECT_EQ(ParseIso8601Ms("2026-11-25T13:15:04.123Z"), 1795612504123);
  EXPECT_EQ(ParseIso8601Ms("2026-11-25T13:15:04Z"), 1795612504000);
  EXPECT_EQ(ParseIso8601Ms("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(ParseIso8601Ms("2026-11-25 13:15:04"), -1);
  EXPECT_EQ(ParseIso8601Ms("garbage"), -1);
}

// ---- configuration ------------------------------------------------------------------------------

// Sets environment variables for one scope and restores them afterwards.
class ScopedEnv {
 public:
  void Set(const char* name, const std::string& value) {
    Save(name);
    setenv(name, value.c_str(), 1);
  }
  void Unset(const char* name) {
    Save(name);
    unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto& [name, value] : saved_) {
      if (value.first)
        setenv(name.c_str(), value.second.c_str(), 1);
      else
        unsetenv(name.c_str());
    }
  }

 private:
  void Save(const char* name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name);
    saved_[name] = {v != nullptr, v ? v : ""};
  }
  std::map<std::string, std::pair<bool, std::string>> saved_;
};

void ClearAwsEnv(ScopedEnv* env) {
  for (const char* n :
       {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_S3_ADDRESSING_STYLE",
        "LAKE_S3_PART_SIZE", "LAKE_S3_MAX_ATTEMPTS"})
    env->Unset(n);
}

TEST(S3Config, FromUriAndEnvironment) {
  ScopedEnv env;
  ClearAwsEnv(&env);
  auto aws = ConfigFromUri("s3://bucket/tables/t1/");
  ASSERT_TRUE(aws.ok()) << aws.status().ToString();
  EXPECT_EQ(aws->bucket, "bucket");
  EXPECT_EQ(aws->prefix, "tables/t1");
  EXPECT_EQ(aws->region, "us-east-1");
  EXPECT_EQ(aws->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(aws->path_style) << "AWS itself: virtual-hosted style";
  EXPECT_EQ(aws->root_uri, "s3://bucket/tables/t1/");

  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/");
  env.Set("AWS_REGION", "eu-west-3");
  env.Set("AWS_ACCESS_KEY_ID", "AK");
  env.Set("AWS_SECRET_ACCESS_KEY", "SK");
  auto custom = ConfigFromUri("s3://b");
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();
  EXPECT_EQ(custom->prefix, "");
  EXPECT_EQ(custom->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(custom->region, "eu-west-3");
  EXPECT_TRUE(custom->path_style) << "custom endpoints default to path style";
  EXPECT_EQ(custom->access_key, "AK");

  auto vhost = ConfigFromUri("s3://b/p?addressing_style=virtual");
  ASSERT_TRUE(vhost.ok());
  EXPECT_FALSE(vhost->path_style);
  EXPECT_EQ(vhost->prefix, "p");
  env.Set("AWS_S3_ADDRESSING_STYLE", "virtual");
  EXPECT_FALSE(ConfigFromUri("s3://b/p")->path_style);

  EXPECT_FALSE(ConfigFromUri("s3:///p").ok());
  EXPECT_FALSE(ConfigFromUri("s3://b/p?foo=1").ok());
  EXPECT_FALSE(ConfigFromUri("s3://b?addressing_style=sideways").ok());
  env.Set("LAKE_S3_PART_SIZE", "1024");
  EXPECT_FALSE(ConfigFromUri("s3://b").ok()) << "parts under 5 MiB are refused";
  env.Unset("LAKE_S3_PART_SIZE");
  env.Unset("AWS_SECRET_ACCESS_KEY");
  EXPECT_FALSE(ConfigFromUri("s3://b").ok()) << "an access key without a secret";
}

// Catalog table properties / CLI flags registered for a location win over the environment,
// the most specific location first; credentials come as a set; secrets are masked.
TEST(S3Config, PerLocationOverridesWinOverTheEnvironment) {
  ScopedEnv env;
  ClearAwsEnv(&env);
  env.Set("AWS_ENDPOINT_URL", "http://env-host:9000");
  env.Set("AWS_ACCESS_KEY_ID", "ENVAK");
  env.Set("AWS_SECRET_ACCESS_KEY", "ENVSK");
  env.Set("AWS_SESSION_TOKEN", "ENVTOKEN");
  struct Cleanup {
    ~Cleanup() { ClearStoreOverrides(); }
  } cleanup;
  SetStoreOverrides("s3://", {{"s3.region", "eu-north-1"}, {"other.key", "ignored"}});
  SetStoreOverrides("s3://b/t1/", {{"s3.endpoint", "http://t1-host:8000"},
                                   {"s3.addressing-style", "virtual"},
                                   {"s3.access-key-id", "T1AK"},
                                   {"s3.secret-access-key", "T1SK"}});
  auto t1 = ConfigFromUri("s3://b/t1");
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  EXPECT_EQ(t1->endpoint, "http://t1-host:8000");
  EXPECT_EQ(t1->region, "eu-north-1") << "from the run-wide s3:// entry";
  EXPECT_FALSE(t1->path_style);
  EXPECT_EQ(t1->access_key, "T1AK");
  EXPECT_EQ(t1->secret_key, "T1SK");
  EXPECT_EQ(t1->session_token, "") << "the environment's token does not go with another key";
  auto below = ConfigFromUri("s3://b/t1/_delta_log/x.json");
  ASSERT_TRUE(below.ok());
  EXPECT_EQ(below->endpoint, "http://t1-host:8000");
  auto sibling = ConfigFromUri("s3://b/t10");  // not below s3://b/t1
  ASSERT_TRUE(sibling.ok());
  EXPECT_EQ(sibling->endpoint, "http://env-host:9000");
  EXPECT_EQ(sibling->region, "eu-north-1");
  EXPECT_EQ(sibling->access_key, "ENVAK");
  EXPECT_EQ(sibling->session_token, "ENVTOKEN");
  // Replacing a location's settings; an access key without its secret is refused.
  SetStoreOverrides("s3://b/t1", {{"s3.access-key-id", "ONLYAK"}});
  auto half = ConfigFromUri("s3://b/t1");
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("s3.secret-access-key"), std::string::npos);
  EXPECT_EQ(half.status().message().find("ONLYAK"), std::string::npos) << "no key in messages";
  EXPECT_EQ(MaskSecret("s3.secret-access-key", "T1SK"), "****");
  EXPECT_EQ(MaskSecret("s3.session-token", "tok"), "****");
  EXPECT_EQ(MaskSecret("s3.endpoint", "http://x"), "http://x");
}

TEST(S3Config, OpenObjectStoreDispatchesS3Uris) {
  ScopedEnv env;
  ClearAwsEnv(&env);
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
  auto store = OpenObjectStore("s3://bucket/prefix");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->root_uri(), "s3://bucket/prefix");
  EXPECT_EQ(OpenObjectStore("gs://b/p").status().code(), StatusCode::kUnsupported);
}

// No server needed: nothing listens on the endpoint, or the fault hook answers for it.
TEST(S3Retry, GivesUpAfterMaxAttemptsWithoutLeakingSecrets) {
  S3Config c;
  c.bucket = "b";
  c.endpoint = "http://127.0.0.1:1";  // connection refused
  c.access_key = "AKIDSECRETLEAKTEST";
  c.secret_key = "very-secret-value-never-printed";
  c.session_token = "session-token-never-printed";
  c.max_attempts = 3;
  c.base_backoff_ms = 1;
  auto store = NewS3Store(c);
  ASSERT_TRUE(store.ok());
  auto got = (*store)->Get("k");
  ASSERT_FALSE(got.ok());
  const std::string& msg = got.status().message();
  EXPECT_NE(msg.find("after 3 attempt(s)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("very-secret"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("session-token"), std::string::npos) << msg;
}

TEST(S3Retry, RetriesServerErrorsThenReportsTheLastOne) {
  S3Config c;
  c.bucket = "b";
  c.endpoint = "http://127.0.0.1:1";
  c.max_attempts = 4;
  c.base_backoff_ms = 1;
  std::atomic<int> calls{0};
  c.fault = [&](const std::string&, const std::string&) {
    ++calls;
    return 503;
  };
  auto store = NewS3Store(c);
  ASSERT_TRUE(store.ok());
  Status st = (*store)->Put("k", "v");
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("503"), std::string::npos) << st.message();
  calls = 0;
  c.fault = [&](const std::string&, const std::string&) {
    ++calls;
    return 404;
  };
  store = NewS3Store(c);
  EXPECT_TRUE((*store)->Get("k").status().IsNotFound());
  EXPECT_EQ(calls.load(), 1) << "a 404 is an answer, not a transient failure";
}

// ---- integration against a real S3 server -------------------------------------------------------

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class S3Store : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = Env("LAKE_TEST_S3_ENDPOINT");
    if (endpoint_.empty()) {
      std::cerr << "*** S3 integration test SKIPPED: LAKE_TEST_S3_ENDPOINT is not set "
                   "(tests/s3/run_s3_tests.sh starts a Ceph RGW and sets it) ***\n";
      GTEST_SKIP() << "LAKE_TEST_S3_ENDPOINT not set; run tests/s3/run_s3_tests.sh";
    }
    base_.endpoint = endpoint_;
    base_.access_key = Env("LAKE_TEST_S3_ACCESS_KEY");
    base_.secret_key = Env("LAKE_TEST_S3_SECRET_KEY");
    base_.region = Env("LAKE_TEST_S3_REGION").empty() ? "us-east-1" : Env("LAKE_TEST_S3_REGION");
    base_.bucket = Env("LAKE_TEST_S3_BUCKET").empty() ? "lake-test" : Env("LAKE_TEST_S3_BUCKET");
    base_.cache_dir = cache_.path();
    base_.base_backoff_ms = 20;
    std::mt19937_64 rng{std::random_device{}()};
    base_.prefix = "t-" + std::to_string(getpid()) + "-" + std::to_string(rng() % 1000000000);
    Status st = EnsureBucket(base_);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::unique_ptr<ObjectStore> Open(S3Config c) {
    auto s = NewS3Store(std::move(c));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::unique_ptr<ObjectStore> Open() { return Open(base_); }

  static std::vector<std::string> Keys(const std::vector<ObjectMeta>& ms) {
    std::vector<std::string> out;
    for (auto& m : ms) out.push_back(m.key);
    return out;
  }

  std::string endpoint_;
  S3Config base_;
  testing::TempDir cache_;
};

TEST_F(S3Store, PutGetHeadDelete) {
  auto store = Open();
  ASSERT_TRUE(store->Put("a/b/c.txt", "hello").ok());
  auto got = store->Get("a/b/c.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello");
  auto range = store->GetRange("a/b/c.txt", 1, 3);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(*range, "ell");
  auto past_end = store->GetRange("a/b/c.txt", 4, 100);
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ(*past_end, "o");
  auto beyond = store->GetRange("a/b/c.txt", 5, 10);
  ASSERT_TRUE(beyond.ok()) << beyond.status().ToString();
  EXPECT_EQ(*beyond, "");
  auto head = store->Head("a/b/c.txt");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 5u);
  EXPECT_GT(head->mtime_ms, 0);
  EXPECT_FALSE(head->etag.empty());
  ASSERT_TRUE(store->Put("empty", "").ok());
  EXPECT_EQ(*store->Get("empty"), "");
  EXPECT_EQ(store->Head("empty")->size, 0u);
  ASSERT_TRUE(store->Delete("a/b/c.txt").ok());
  EXPECT_TRUE(store->Get("a/b/c.txt").status().IsNotFound());
  EXPECT_TRUE(store->Head("a/b/c.txt").status().IsNotFound());
  EXPECT_TRUE(store->GetRange("a/b/c.txt", 0, 1).status().IsNotFound());
  EXPECT_TRUE(store->Delete("a/b/c.txt").ok()) << "deleting a missing object is not an error";
}

TEST_F(S3Store, ListIsSortedRecursiveAndHonoursStartAfter) {
  auto store = Open();
  for (const char* k :
       {"_delta_log/00000000000000000002.json", "_delta_log/00000000000000000000.json",
        "_delta_log/00000000000000000001.json", "_delta_log/_sidecars/x.parquet", "part-0.parquet",
        "_delta_logx/other"}) {
    ASSERT_TRUE(store->Put(k, "x").ok());
  }
  auto all = store->List("_delta_log/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Keys(*all),
            (std::vector<std::string>{
                "_delta_log/00000000000000000000.json", "_delta_log/00000000000000000001.json",
                "_delta_log/00000000000000000002.json", "_delta_log/_sidecars/x.parquet"}));
  EXPECT_EQ((*all)[0].size, 1u);
  EXPECT_GT((*all)[0].mtime_ms, 0);
  auto after = store->List("_delta_log/", "_delta_log/00000000000000000001.json");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].key, "_delta_log/00000000000000000002.json");
  auto partial = store->List("_delta_log/0000");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->size(), 3u);
  auto root = store->List("");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->size(), 6u);
  auto missing = store->List("nope/");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

// Keys that need percent-encoding in the path and XML escaping in list replies.
TEST_F(S3Store, KeysWithSpecialCharactersRoundTrip) {
  auto store = Open();
  std::vector<std::string> keys = {"p/a b.json",         "p/plus+sign",      "p/percent%20",
                                   "p/eq=1&amp=2",       "p/lt<gt>\"quote'", "p/\xC3\xA9t\xC3\xA9",
                                   "p/star*paren()",     "p/tilde~dash-_.x", "p/hash#q?x",
                                   "p/colon:semi;comma,"};
  for (auto& k : keys) {
    Status st = store->Put(k, "v:" + k);
    ASSERT_TRUE(st.ok()) << k << ": " << st.ToString();
  }
  for (auto& k : keys) {
    auto got = store->Get(k);
    ASSERT_TRUE(got.ok()) << k << ": " << got.status().ToString();
    EXPECT_EQ(*got, "v:" + k);
  }
  auto listed = store->List("p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(*listed), sorted);
  auto after = store->List("p/", "p/eq=1&amp=2");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->size(),
            static_cast<size_t>(sorted.end() -
                                std::upper_bound(sorted.begin(), sorted.end(), "p/eq=1&amp=2")));
}

// More keys than one ListObjectsV2 page (1000): continuation tokens, and start-after on a
// paginated listing.
TEST_F(S3Store, ListPaginatesOverMoreThan1000Keys) {
  constexpr int kKeys = 1234, kThreads = 4;
  auto store = Open();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += kThreads) {
        char name[32];
        std::snprintf(name, sizeof name, "many/%05d", i);
        if (!store->Put(name, std::to_string(i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto all = store->List("many/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "many/%05d", i);
    ASSERT_EQ((*all)[i].key, name);
  }
  auto after = store->List("many/", "many/00099");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), static_cast<size_t>(kKeys - 100));
  EXPECT_EQ(after->front().key, "many/00100");
  EXPECT_EQ(after->back().key, "many/01233");
  // Small pages: many continuation tokens, starting after a key.
  S3Config small = base_;
  small.list_page_size = 97;
  auto paged = Open(small)->List("many/", "many/01000");
  ASSERT_TRUE(paged.ok()) << paged.status().ToString();
  ASSERT_EQ(paged->size(), static_cast<size_t>(kKeys - 1001));
  EXPECT_EQ(paged->front().key, "many/01001");
}

TEST_F(S3Store, PutIfAbsentRefusesExisting) {
  auto store = Open();
  ASSERT_TRUE(store->PutIfAbsent("_delta_log/0.json", "first").ok());
  Status second = store->PutIfAbsent("_delta_log/0.json", "second");
  EXPECT_TRUE(second.IsAlreadyExists()) << second.ToString();
  EXPECT_EQ(*store->Get("_delta_log/0.json"), "first");
  auto probes = store->List("_lake_probe/");
  ASSERT_TRUE(probes.ok());
  EXPECT_TRUE(probes->empty()) << "the conditional-put probe cleans up after itself";
}

// Many processes race to create the same keys: each key is won exactly once and holds the
// winner's complete bytes.
TEST_F(S3Store, PutIfAbsentExactlyOneWinnerAcrossProcesses) {
  constexpr int kProcs = 8, kKeys = 40;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = NewS3Store(base_);
      if (!s.ok()) _exit(101);
      int wins = 0;
      for (int k = 0; k < kKeys; ++k) {
        std::string body(4096, static_cast<char>('a' + p));
        Status st = (*s)->PutIfAbsent("k/" + std::to_string(k), body);
        if (st.ok())
          ++wins;
        else if (!st.IsAlreadyExists()) {
          std::fprintf(stderr, "child %d: %s\n", p, st.ToString().c_str());
          _exit(100);
        }
      }
      _exit(wins);
    }
    pids.push_back(pid);
  }
  int total_wins = 0;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_LT(WEXITSTATUS(status), 100) << "a child failed (see stderr)";
    total_wins += WEXITSTATUS(status);
  }
  EXPECT_EQ(total_wins, kKeys);
  auto store = Open();
  auto listed = store->List("k/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kKeys));
  for (auto& m : *listed) {
    auto body = store->Get(m.key);
    ASSERT_TRUE(body.ok());
    ASSERT_EQ(body->size(), 4096u);
    EXPECT_EQ(body->find_first_not_of((*body)[0]), std::string::npos) << "torn write in " << m.key;
  }
}

// A put-if-absent whose response is lost: the retry sees 412 and must find out whether the
// object is its own (same bytes: success) or another writer's (AlreadyExists).
TEST_F(S3Store, AmbiguousPutIfAbsentIsResolvedByComparingBytes) {
  S3Config c = base_;
  std::atomic<int> dropped{0};
  c.fault = [&](const std::string& method, const std::string& key) {
    if (method == "PUT" && key.find("/_delta_log/") != std::string::npos && dropped == 0) {
      ++dropped;
      return -1;  // the server executes the PUT; its answer is lost
    }
    return 0;
  };
  auto store = Open(c);
  Status st = store->PutIfAbsent("_delta_log/00000000000000000000.json", "commit-0");
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(dropped.load(), 1);
  EXPECT_EQ(*store->Get("_delta_log/00000000000000000000.json"), "commit-0");

  // Another writer's commit is there; our (lost-response) attempt is refused, and so is the retry.
  ASSERT_TRUE(Open()->PutIfAbsent("_delta_log/00000000000000000001.json", "theirs").ok());
  dropped = 0;
  st = store->PutIfAbsent("_delta_log/00000000000000000001.json", "ours");
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(dropped.load(), 1);
  EXPECT_EQ(*store->Get("_delta_log/00000000000000000001.json"), "theirs");
}

TEST_F(S3Store, RetriesTransientErrors) {
  S3Config c = base_;
  std::atomic<int> calls{0};
  c.fault = [&](const std::string& method, const std::string&) {
    if (method != "GET") return 0;
    int n = calls++;
    return n == 0 ? 503 : n == 1 ? 429 : n == 2 ? -1 : 0;
  };
  auto store = Open(c);
  ASSERT_TRUE(store->Put("r", "retried").ok());
  auto got = store->Get("r");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "retried");
  EXPECT_EQ(calls.load(), 4);
}

// A store that accepts If-None-Match but does not enforce it (the second conditional PUT of the
// probe "succeeds") is refused for conditional writes.
TEST_F(S3Store, ProbeRefusesStoresThatIgnoreIfNoneMatch) {
  S3Config c = base_;
  std::atomic<int> probe_puts{0};
  c.fault = [&](const std::string& method, const std::string& key) {
    if (method == "PUT" && key.find("_lake_probe/") != std::string::npos && probe_puts++ == 1) {
      return 200;  // as if the server had overwritten the probe object
    }
    return 0;
  };
  auto store = Open(c);
  Status st = store->PutIfAbsent("_delta_log/0.json", "x");
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.ToString();
  EXPECT_NE(st.message().find("If-None-Match"), std::string::npos) << st.message();
  EXPECT_TRUE(store->Head("_delta_log/0.json").status().IsNotFound());
  EXPECT_TRUE(store->Put("data.parquet", "plain puts still work").ok());
}

TEST_F(S3Store, MultipartUploadOfLargeObjects) {
  S3Config c = base_;
  c.part_size = 5ull << 20;
  auto store = Open(c);
  std::string data(11 * (1 << 20) + 12345, '\0');
  std::mt19937 rng(7);
  for (auto& ch : data) ch = static_cast<char>(rng());
  Status st = store->Put("big/object.parquet", data);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto head = store->Head("big/object.parquet");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, data.size());
  EXPECT_NE(head->etag.find("-3"), std::string::npos)
      << "a multipart object's ETag ends in -<parts>: " << head->etag;
  auto got = store->Get("big/object.parquet");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data) << "multipart object differs";
  auto across = store->GetRange("big/object.parquet", c.part_size - 10, 20);
  ASSERT_TRUE(across.ok());
  EXPECT_EQ(*across, data.substr(c.part_size - 10, 20));
}

TEST_F(S3Store, LocalPathDownloadsToTheCacheOncePerVersion) {
  auto store = Open();
  ASSERT_TRUE(store->Put("part-00000.parquet", "version one").ok());
  auto p1 = store->LocalPath("part-00000.parquet");
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->rfind(cache_.path(), 0), 0u) << *p1;
  EXPECT_EQ(p1->substr(p1->size() - 8), ".parquet") << "the extension is kept for DuckDB";
  std::ifstream in1(*p1);
  std::stringstream ss1;
  ss1 << in1.rdbuf();
  EXPECT_EQ(ss1.str(), "version one");
  auto again = store->LocalPath("part-00000.parquet");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *p1);
  ASSERT_TRUE(store->Put("part-00000.parquet", "version two!").ok());
  auto p2 = store->LocalPath("part-00000.parquet");
  ASSERT_TRUE(p2.ok());
  EXPECT_NE(*p2, *p1) << "a replaced object is a new cache entry";
  std::ifstream in2(*p2);
  std::stringstream ss2;
  ss2 << in2.rdbuf();
  EXPECT_EQ(ss2.str(), "version two!");
  EXPECT_TRUE(store->LocalPath("missing.parquet").status().IsNotFound());
  EXPECT_EQ(store->LocalPath("").status().code(), StatusCode::kUnsupported)
      << "the table root is no local directory";
}

TEST_F(S3Store, OpenObjectStoreReadsTheAwsEnvironment) {
  ScopedEnv env;
  ClearAwsEnv(&env);
  env.Set("AWS_ENDPOINT_URL", base_.endpoint);
  env.Set("AWS_ACCESS_KEY_ID", base_.access_key);
  env.Set("AWS_SECRET_ACCESS_KEY", base_.secret_key);
  env.Set("AWS_REGION", base_.region);
  auto store = OpenObjectStore("s3://" + base_.bucket + "/" + base_.prefix + "/via-uri/");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("x", "y").ok());
  EXPECT_EQ(*Open()->Get("via-uri/x"), "y");
}

TEST_F(S3Store, VirtualHostedStyle) {
  // "bucket.localhost" resolves to the loopback address in libcurl; the gateway is started
  // with rgw_dns_name = localhost.
  S3Config c = base_;
  std::string ep = base_.endpoint;
  size_t at = ep.find("127.0.0.1");
  if (at == std::string::npos) GTEST_SKIP() << "endpoint is not 127.0.0.1";
  ep.replace(at, 9, "localhost");
  c.endpoint = ep;
  c.path_style = false;
  auto store = Open(c);
  Status st = store->Put("v/h", "vhost");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*Open()->Get("v/h"), "vhost");
  auto listed = store->List("v/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(Keys(*listed), std::vector<std::string>{"v/h"});
}

}  // namespace
}  // namespace lake::s3
