// S3Store: ObjectStore over the S3 REST API (AWS S3, Ceph RGW, other S3-compatible stores).
//
// HTTP through libcurl; requests are signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4). libcurl
// 7.88 signs the request line as given, so the pieces it does not do for us are ours and are
// exposed here for testing: the canonical query string (sorted, RFC 3986 encoded, valueless
// parameters as "name="), the encoding of object keys in the path, and the hex SHA-256 of the
// body sent as x-amz-content-sha256 (libcurl uses that header as the payload hash).
//
// PutIfAbsent is PUT with "If-None-Match: *" (412 -> AlreadyExists). Before the first one, a
// store probes that the server really enforces it (two conditional PUTs of a probe key; the
// second must fail), and refuses conditional writes with Unsupported otherwise: a store that
// silently ignores the header would let two writers both "win" a commit.
//
// A store is safe to use from many threads (a pool of libcurl handles keeps connections open).
// Do not use one across fork(): open a new store in the child.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lake/object_store.h"

namespace lake::s3 {

struct S3Config {
  std::string bucket;
  std::string prefix;  // the store root inside the bucket, without leading/trailing '/'
  std::string root_uri;

  std::string endpoint;  // "http://127.0.0.1:8000", "https://s3.us-east-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  bool path_style = true;  // false: virtual-hosted ("bucket.host")

  std::string cache_dir;  // LocalPath downloads; "" -> $LAKE_HOME/cache or ~/.lake/cache
  uint64_t cache_max_bytes = 0;  // 0 -> $LAKE_CACHE_MAX_BYTES or 10 GiB (storage/file_cache.h)

  uint64_t part_size = 64ull << 20;  // objects larger than this are uploaded in parts
  // Parts of one multipart upload in flight at once, each buffered in memory: a PutFile holds
  // at most upload_parallelism x part_size bytes, whatever the file's size.
  int upload_parallelism = 2;
  int max_attempts = 6;              // per request, the first included
  int base_backoff_ms = 100;
  int max_backoff_ms = 5000;
  int connect_timeout_ms = 10000;
  int low_speed_seconds = 60;  // abort a transfer slower than 1 byte/s for this long
  int list_page_size = 1000;   // max-keys of ListObjectsV2
  bool probe_conditional_put = true;

  // Test hook: consulted before each HTTP attempt (counting from 0 across the store's life).
  // Returns 0 for a normal attempt, -1 to send the request but lose the response (as a dropped
  // connection), or an HTTP status (e.g. 503) to fail the attempt without sending it.
  std::function<int(const std::string& method, const std::string& key)> fault;
};

// Reads s3://bucket/prefix plus the environment: AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3),
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
// AWS_DEFAULT_REGION; default us-east-1), AWS_S3_ADDRESSING_STYLE (path|virtual; default path for
// a custom endpoint, virtual for AWS). The URI may carry "?addressing_style=path|virtual".
// LAKE_S3_PART_SIZE (bytes, >= 5 MiB) and LAKE_S3_MAX_ATTEMPTS tune uploads and retries.
Result<S3Config> ConfigFromUri(std::string_view uri);

Result<std::unique_ptr<ObjectStore>> NewS3Store(S3Config config);

// Keys (relative to the store root) of the multipart uploads in progress under `prefix`: an
// aborted upload leaves none (for tests).
Result<std::vector<std::string>> PendingMultipartUploads(const S3Config& config,
                                                         const std::string& prefix);

// Creates the bucket when it does not exist (for tests and tooling; tables never do this).
Status EnsureBucket(const S3Config& config);

// ---- pieces exposed for unit tests ------------------------------------------------------------

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) are
// kept, every other byte is %XX with upper-case hex; '/' is kept when `keep_slash`.
std::string UriEncode(std::string_view s, bool keep_slash);

// "a=1&b=&c=x%20y": parameters sorted by encoded name (then value), names and values encoded.
std::string CanonicalQueryString(std::vector<std::pair<std::string, std::string>> params);

// Lower-case hex SHA-256 of `data` (the x-amz-content-sha256 value).
std::string Sha256Hex(std::string_view data);

// Replaces the XML entities (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;) by their characters.
Result<std::string> XmlUnescape(std::string_view s);

struct ListPage {
  std::vector<ObjectMeta> objects;  // keys as in the bucket (not relative to the store root)
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};
// Parses a ListObjectsV2 response body.
Result<ListPage> ParseListObjectsV2(std::string_view xml);

// "2026-11-25T13:15:04.123Z" -> ms since the epoch; -1 when malformed.
int64_t ParseIso8601Ms(std::string_view s);

}  // namespace lake::s3
