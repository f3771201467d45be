// S3Store: see s3_store.h.
#include "storage/s3_store.h"

#include "storage/file_cache.h"
#include "storage/location.h"
#include "storage/store_overrides.h"
#include "util/ascii.h"
#include "util/percent_encoding.h"
#include "util/system.h"
#include "util/utf8.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace lake::s3 {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;   // S3's minimum for all parts but the last
constexpr uint64_t kMaxSinglePut = 5ull << 30;  // S3's maximum for a single PUT
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return std::string(s.substr(b, e - b));
}

std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// The text between the first <tag> and the next </tag> at or after `from`; npos when absent.
// Tags of S3 responses carry no attributes, and '<' never appears unescaped inside text.
bool FindElement(std::string_view xml, std::string_view tag, size_t from, std::string_view* text,
                 size_t* end) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t b = xml.find(open, from);
  if (b == std::string_view::npos) return false;
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return false;
  *text = xml.substr(b, e - b);
  if (end) *end = e + close.size();
  return true;
}

std::string ElementText(std::string_view xml, std::string_view tag) {
  std::string_view t;
  if (!FindElement(xml, tag, 0, &t, nullptr)) return "";
  auto r = XmlUnescape(t);
  return r.ok() ? *r : std::string(t);
}


std::once_flag g_curl_once;

std::string RandomHex(int bytes) {
  // Re-seeded in a forked child: a copied state would give every child the same "random" keys
  // (two children probing the same key: the second sees 412 and fails its probe).
  thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<uint64_t>(getpid()) << 32};
  thread_local pid_t seeded_for = getpid();
  if (seeded_for != getpid()) {
    seeded_for = getpid();
    rng.seed(std::random_device{}() ^ static_cast<uint64_t>(seeded_for) << 32);
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    unsigned v = static_cast<unsigned>(rng() & 0xff);
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 15]);
  }
  return out;
}

// Conditional-put support, probed once per process and (endpoint, bucket).
std::mutex g_probe_mu;
std::map<std::string, Status>& ProbeResults() {
  static auto* m = new std::map<std::string, Status>();
  return *m;
}

// ---- HTTP ---------------------------------------------------------------------------------------

struct Request {
  const char* method = "GET";  // GET HEAD PUT POST DELETE
  std::string key;             // full key in the bucket; "" addresses the bucket
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> headers;  // extra "Name: value" lines
  std::string_view body;
  int out_fd = -1;   // GET: write a 2xx body to this file instead of Response::body
  std::string what;  // for messages, instead of "<method> s3://bucket/<key>"
};

struct Response {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  uint64_t fd_bytes = 0;

  std::string Header(std::string_view name) const {
    for (auto& [k, v] : headers)
      if (k == name) return v;
    return "";
  }
  bool ok() const { return status >= 200 && status < 300; }
};

struct Upload {
  std::string_view data;
  size_t pos = 0;
};

size_t ReadCb(char* buf, size_t size, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  size_t len = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, len);
  u->pos += len;
  return len;
}

int SeekCb(void* ud, curl_off_t offset, int origin) {
  auto* u = static_cast<Upload*>(ud);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > u->data.size())
    return CURL_SEEKFUNC_CANTSEEK;
  u->pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

struct Sink {
  CURL* h;
  Response* resp;
  int fd;
  bool fd_error = false;
};

size_t WriteCb(char* ptr, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
  if (s->fd >= 0 && code >= 200 && code < 300) {
    size_t done = 0;
    while (done < len) {
      ssize_t w = write(s->fd, ptr + done, len - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        s->fd_error = true;
        return 0;  // aborts the transfer
      }
      done += static_cast<size_t>(w);
    }
    s->resp->fd_bytes += len;
  } else {
    s->resp->body.append(ptr, len);
  }
  return len;
}

size_t HeaderCb(char* buf, size_t size, size_t n, void* ud) {
  auto* resp = static_cast<Response*>(ud);
  std::string_view line(buf, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();  // a new response (after 100 Continue, say)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    resp->headers.emplace_back(AsciiLower(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

bool RetryableCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Before the request could have reached the server.
bool NeverSent(CURLcode c) { return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST; }

bool RetryableStatus(const Response& r) {
  if (r.status == 500 || r.status == 502 || r.status == 503 || r.status == 504 || r.status == 429)
    return true;
  if (r.status == 400 || r.status == 409) {
    std::string code = ElementText(r.body, "Code");
    return code == "RequestTimeout" || code == "SlowDown" ||
           code == "ConditionalRequestConflict";  // AWS: a racing conditional write; retry
  }
  return false;
}

}  // namespace

// ---- exposed helpers ----------------------------------------------------------------------------

std::string UriEncode(std::string_view s, bool keep_slash) {
  return PercentEncode(s, keep_slash ? "/" : "");
}

std::string CanonicalQueryString(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [k, v] : params) {
    k = UriEncode(k, false);
    v = UriEncode(v, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    return "";  // only on an OpenSSL internal failure; the server then rejects the request
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

Result<std::string> XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      return Status::Corruption("bad XML entity near '" + std::string(s.substr(i, 12)) + "'");
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() >= 2 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) return Status::Corruption("bad XML character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        else
          return Status::Corruption("bad XML character reference '&" + std::string(ent) + ";'");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return Status::Corruption("XML character reference out of range");
      }
      AppendUtf8(&out, cp);
    } else {
      return Status::Corruption("unknown XML entity '&" + std::string(ent) + ";'");
    }
    i = semi;
  }
  return out;
}

int64_t ParseIso8601Ms(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 20) return -1;
  auto num = [&](size_t pos, size_t len, int* out) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  struct tm tm = {};
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, &y) || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' || !num(8, 2, &d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, &h) || s[13] != ':' ||
      !num(14, 2, &mi) || s[16] != ':' || !num(17, 2, &sec))
    return -1;
  int ms = 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int scale = 100;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      ms += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i >= s.size() || (s[i] != 'Z' && s[i] != 'z')) return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return -1;
  return static_cast<int64_t>(t) * 1000 + ms;
}

Result<ListPage> ParseListObjectsV2(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Status::Corruption("S3 list response is not a ListBucketResult");
  }
  ListPage page;
  // The top-level elements come before, between or after the <Contents> blocks; cut those out
  // so that a tag name inside an object's block is never mistaken for a top-level one.
  std::string top;
  size_t pos = 0;
  while (true) {
    size_t b = xml.find("<Contents>", pos);
    if (b == std::string_view::npos) {
      top.append(xml.substr(pos));
      break;
    }
    top.append(xml.substr(pos, b - pos));
    size_t e = xml.find("</Contents>", b);
    if (e == std::string_view::npos)
      return Status::Corruption("S3 list response: unclosed <Contents>");
    std::string_view block = xml.substr(b + 10, e - b - 10);
    std::string_view t;
    if (!FindElement(block, "Key", 0, &t, nullptr)) {
      return Status::Corruption("S3 list response: <Contents> without <Key>");
    }
    ObjectMeta m;
    LAKE_ASSIGN_OR_RETURN(m.key, XmlUnescape(t));
    if (FindElement(block, "Size", 0, &t, nullptr)) {
      char* end = nullptr;
      std::string sz(t);
      m.size = std::strtoull(sz.c_str(), &end, 10);
      if (sz.empty() || *end != '\0') {
        return Status::Corruption("S3 list response: bad <Size> '" + sz + "' for '" + m.key + "'");
      }
    }
    if (FindElement(block, "LastModified", 0, &t, nullptr)) m.mtime_ms = ParseIso8601Ms(Trim(t));
    if (FindElement(block, "ETag", 0, &t, nullptr)) {
      LAKE_ASSIGN_OR_RETURN(std::string etag, XmlUnescape(t));
      m.etag = StripQuotes(Trim(etag));
    }
    page.objects.push_back(std::move(m));
    pos = e + 11;
  }
  std::string truncated = Trim(ElementText(top, "IsTruncated"));
  page.truncated = truncated == "true";
  if (page.truncated) {
    std::string_view t;
    if (!FindElement(top, "NextContinuationToken", 0, &t, nullptr)) {
      return Status::Corruption("S3 list response: truncated without NextContinuationToken");
    }
    LAKE_ASSIGN_OR_RETURN(page.next_token, XmlUnescape(t));
  }
  return page;
}

Result<S3Config> ConfigFromUri(std::string_view uri) {
  S3Config c;
  c.root_uri = std::string(uri);
  std::optional<std::string_view> body = S3UriBody(uri);
  if (!body) return Status::InvalidArgument("not an s3:// URI: '" + std::string(uri) + "'");
  std::string_view rest = *body;
  // Settings registered for this location (catalog table properties, CLI flags) win over the
  // environment (storage/store_overrides.h).
  const StoreSettings overrides = StoreOverridesFor(uri);
  auto setting = [&](const char* key, std::initializer_list<const char*> env) {
    if (auto it = overrides.find(key); it != overrides.end()) return it->second;
    for (const char* e : env) {
      if (std::string v = Getenv(e); !v.empty()) return v;
    }
    return std::string();
  };
  std::string style = AsciiLower(setting("s3.addressing-style", {"AWS_S3_ADDRESSING_STYLE"}));
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.rfind("addressing_style=", 0) == 0) {
      style = AsciiLower(std::string(query.substr(17)));
    } else {
      return Status::InvalidArgument("unknown option '" + std::string(query) + "' in '" +
                                     std::string(uri) + "' (only addressing_style=path|virtual)");
    }
  }
  size_t slash = rest.find('/');
  c.bucket = std::string(rest.substr(0, slash));
  if (c.bucket.empty()) return Status::InvalidArgument("no bucket in '" + std::string(uri) + "'");
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  c.prefix = prefix;

  c.region = setting("s3.region", {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (c.region.empty()) c.region = "us-east-1";
  c.endpoint = setting("s3.endpoint", {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  bool custom = !c.endpoint.empty();
  if (!custom) c.endpoint = "https://s3." + c.region + ".amazonaws.com";
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  if (c.endpoint.rfind("http://", 0) != 0 && c.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("S3 endpoint must start with http:// or https://: '" +
                                   c.endpoint + "'");
  }
  if (style.empty() || style == "auto") {
    c.path_style = custom;
  } else if (style == "path") {
    c.path_style = true;
  } else if (style == "virtual") {
    c.path_style = false;
  } else {
    return Status::InvalidArgument("addressing style must be 'path' or 'virtual', not '" + style +
                                   "'");
  }
  // Credentials come as a set: a location that names its own key does not inherit the
  // environment's secret or session token.
  if (overrides.count("s3.access-key-id")) {
    c.access_key = overrides.at("s3.access-key-id");
    c.secret_key = overrides.count("s3.secret-access-key") ? overrides.at("s3.secret-access-key") : "";
    c.session_token = overrides.count("s3.session-token") ? overrides.at("s3.session-token") : "";
  } else {
    c.access_key = Getenv("AWS_ACCESS_KEY_ID");
    c.secret_key = Getenv("AWS_SECRET_ACCESS_KEY");
    c.session_token = Getenv("AWS_SESSION_TOKEN");
  }
  if (c.access_key.empty() != c.secret_key.empty()) {
    return Status::InvalidArgument(
        "set both the access key id and the secret access key (AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or the table's s3.access-key-id and s3.secret-access-key), or "
        "neither (anonymous access)");
  }
  std::string part = Getenv("LAKE_S3_PART_SIZE");
  if (!part.empty()) {
    char* end = nullptr;
    uint64_t v = std::strtoull(part.c_str(), &end, 10);
    if (*end != '\0' || v < kMinPartSize || v > kMaxSinglePut) {
      return Status::InvalidArgument("LAKE_S3_PART_SIZE must be a byte count from 5 MiB to 5 GiB");
    }
    c.part_size = v;
  }
  std::string attempts = Getenv("LAKE_S3_MAX_ATTEMPTS");
  if (!attempts.empty()) {
    int v = std::atoi(attempts.c_str());
    if (v < 1 || v > 100) return Status::InvalidArgument("LAKE_S3_MAX_ATTEMPTS must be 1..100");
    c.max_attempts = v;
  }
  return c;
}

namespace {

class HandlePool {
 public:
  ~HandlePool() {
    for (CURL* h : free_) curl_easy_cleanup(h);
  }
  CURL* Take() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        CURL* h = free_.back();
        free_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* h) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(h);
  }

 private:
  std::mutex mu_;
  std::vector<CURL*> free_;  // idle handles keep their connections open for reuse
};

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Config c) : c_(std::move(c)), cache_(c_.cache_dir, c_.cache_max_bytes) {
    if (c_.root_uri.empty())
      c_.root_uri = "s3://" + c_.bucket + (c_.prefix.empty() ? "" : "/" + c_.prefix);
    sigv4_ = "aws:amz:" + c_.region + ":s3";
    size_t scheme_end = c_.endpoint.find("://") + 3;
    scheme_ = c_.endpoint.substr(0, scheme_end);
    host_ = c_.endpoint.substr(scheme_end);
    size_t slash = host_.find('/');
    if (slash != std::string::npos) host_ = host_.substr(0, slash);
  }

  const std::string& root_uri() const override { return c_.root_uri; }

  Status CreateBucket() {
    Request req;
    req.method = "PUT";
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (r.ok()) return Status::OK();
    std::string code = ElementText(r.body, "Code");
    if (r.status == 409 && code == "BucketAlreadyOwnedByYou") return Status::OK();
    return HttpError(req, r).WithContext("creating bucket '" + c_.bucket + "'");
  }

  Result<std::vector<ObjectMeta>> List(std::string_view prefix,
                                       std::string_view start_after) override {
    std::string root = RootPrefix();
    std::string full_prefix = root + std::string(prefix);
    std::vector<ObjectMeta> out;
    std::string token;
    bool first = true;
    while (true) {
      Request req;
      req.method = "GET";
      req.what = "LIST " + Describe(full_prefix);
      req.query = {{"list-type", "2"}, {"max-keys", std::to_string(c_.list_page_size)}};
      if (!full_prefix.empty()) req.query.emplace_back("prefix", full_prefix);
      if (first && !start_after.empty())
        req.query.emplace_back("start-after", root + std::string(start_after));
      if (!token.empty()) req.query.emplace_back("continuation-token", token);
      LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
      if (r.status == 404 && ElementText(r.body, "Code") == "NoSuchBucket") {
        return Status::NotFound("S3 bucket '" + c_.bucket + "' does not exist (" + c_.endpoint +
                                ")");
      }
      if (!r.ok()) return HttpError(req, r);
      auto page = ParseListObjectsV2(r.body);
      if (!page.ok()) return page.status().WithContext("listing " + Describe(full_prefix));
      for (ObjectMeta& m : page->objects) {
        if (m.key.compare(0, root.size(), root) != 0) continue;  // cannot happen with a prefix
        m.key.erase(0, root.size());
        out.push_back(std::move(m));
      }
      if (!page->truncated) break;
      if (page->next_token.empty() || page->next_token == token) {
        return Status::Corruption("S3 list of " + Describe(full_prefix) +
                                  " is truncated but gives no new continuation token");
      }
      token = page->next_token;
      first = false;
    }
    // S3 sorts by UTF-8 bytes already; keep the contract even for a store that does not.
    if (!std::is_sorted(out.begin(), out.end(),
                        [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; })) {
      std::sort(out.begin(), out.end(),
                [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; });
    }
    return out;
  }

  Result<std::string> Get(std::string_view key) override {
    Request req;
    req.key = FullKey(key);
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (r.status == 404) return NotFound(req.key);
    if (!r.ok()) return HttpError(req, r);
    return std::move(r.body);
  }

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override {
    if (length == 0) {
      LAKE_RETURN_IF_ERROR(Head(key).status());
      return std::string();
    }
    Request req;
    req.key = FullKey(key);
    uint64_t last = length > UINT64_MAX - offset ? UINT64_MAX - 1 : offset + length - 1;
    req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (r.status == 404) return NotFound(req.key);
    if (r.status == 416) return std::string();  // offset at or past the end
    if (r.status == 206) return std::move(r.body);
    if (r.status == 200) {  // the server ignored the range: cut it ourselves
      if (offset >= r.body.size()) return std::string();
      return r.body.substr(offset, length);
    }
    return HttpError(req, r);
  }

  Result<ObjectMeta> Head(std::string_view key) override {
    Request req;
    req.method = "HEAD";
    req.key = FullKey(key);
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (r.status == 404) return NotFound(req.key);
    if (!r.ok()) return HttpError(req, r);
    ObjectMeta m;
    m.key = std::string(key);
    m.size = std::strtoull(r.Header("content-length").c_str(), nullptr, 10);
    m.etag = StripQuotes(r.Header("etag"));
    std::string lm = r.Header("last-modified");
    time_t t = lm.empty() ? -1 : curl_getdate(lm.c_str(), nullptr);
    m.mtime_ms = t < 0 ? 0 : static_cast<int64_t>(t) * 1000;
    return m;
  }

  Status Put(std::string_view key, std::string_view data) override {
    if (data.size() > c_.part_size) {
      return MultipartPut(FullKey(key), data.size(),
                          [&](uint64_t off, uint64_t len, std::string* buf) {
                            buf->assign(data.substr(off, len));
                            return Status::OK();
                          })
          .status();
    }
    Request req;
    req.method = "PUT";
    req.key = FullKey(key);
    req.body = data;
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (!r.ok()) return HttpError(req, r);
    return Status::OK();
  }

  // Uploads, then copies the file into the cache under the uploaded object's name, so that
  // LocalPathImmutable(key, size) hits (the entry's ETag part is that of the upload when the
  // server returned one; immutable lookups ignore it anyway). Streams from disk: a file up to
  // the part size is one PUT of its bytes, a larger one a multipart upload reading one part at
  // a time per upload thread, so memory stays at most upload_parallelism x part_size whatever
  // the file's size.
  Status PutFile(std::string_view key, const std::string& local_path) override {
    LAKE_RETURN_IF_ERROR(CheckObjectKey(key));
    int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("cannot open " + local_path + ": " + std::strerror(errno));
    struct FdCloser {
      int fd;
      ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st;
    if (fstat(fd, &st) != 0) {
      return Status::IOError("cannot stat " + local_path + ": " + std::strerror(errno));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    auto read_range = [&](uint64_t off, uint64_t len, std::string* buf) -> Status {
      buf->resize(len);
      uint64_t done = 0;
      while (done < len) {
        ssize_t n = ::pread(fd, buf->data() + done, len - done, static_cast<off_t>(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
          return Status::IOError("cannot read " + local_path + ": " + std::strerror(errno));
        if (n == 0) {
          return Status::IOError(local_path + " shrank while being uploaded (" +
                                 std::to_string(off + done) + " of " + std::to_string(size) +
                                 " bytes)");
        }
        done += static_cast<uint64_t>(n);
      }
      return Status::OK();
    };
    std::string full = FullKey(key);
    std::string etag;
    if (size > c_.part_size) {
      LAKE_ASSIGN_OR_RETURN(etag, MultipartPut(full, size, read_range));
    } else {
      std::string data;
      LAKE_RETURN_IF_ERROR(read_range(0, size, &data));
      Request req;
      req.method = "PUT";
      req.key = full;
      req.body = data;
      LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
      if (!r.ok()) return HttpError(req, r);
      etag = StripQuotes(r.Header("etag"));
    }
    // The cache is an optimisation: a failure to fill it does not fail the upload.
    std::string loc = Location(full);
    (void)cache_.Insert(
        loc,
        [&](int out, uint64_t* bytes, std::string*) -> Status {
          std::string buf;
          for (uint64_t off = 0; off < size; off += buf.size()) {
            LAKE_RETURN_IF_ERROR(read_range(off, std::min<uint64_t>(size - off, 1 << 20), &buf));
            size_t w = 0;
            while (w < buf.size()) {
              ssize_t n = ::write(out, buf.data() + w, buf.size() - w);
              if (n < 0 && errno == EINTR) continue;
              if (n <= 0)
                return Status::IOError(std::string("cache write: ") + std::strerror(errno));
              w += static_cast<size_t>(n);
            }
          }
          *bytes = size;
          return Status::OK();
        },
        [&](uint64_t bytes, const std::string&) {
          return cache_.EntryPath(loc, bytes, etag, full);
        });
    return Status::OK();
  }

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    if (data.size() > kMaxSinglePut) {
      return Status::Unsupported("put-if-absent of " + std::to_string(data.size()) +
                                 " bytes: S3 conditional writes are single PUTs of at most 5 GiB");
    }
    LAKE_RETURN_IF_ERROR(CheckConditionalPut());
    Request req;
    req.method = "PUT";
    req.key = FullKey(key);
    req.body = data;
    req.headers.push_back("If-None-Match: *");
    bool maybe_applied = false;
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req, &maybe_applied));
    if (r.ok()) return Status::OK();
    if (r.status == 412) {
      if (!maybe_applied) return Status::AlreadyExists("'" + std::string(key) + "' already exists");
      // An earlier attempt may have created the object and lost its response: it is ours if it
      // holds exactly our bytes.
      Request get;
      get.key = req.key;
      LAKE_ASSIGN_OR_RETURN(Response g, Execute(get));
      if (g.ok() && g.body == data) return Status::OK();
      if (g.ok() || g.status == 404) {
        return Status::AlreadyExists("'" + std::string(key) + "' already exists");
      }
      return HttpError(get, g).WithContext("resolving an ambiguous put-if-absent");
    }
    return HttpError(req, r);
  }

  Status Delete(std::string_view key) override {
    Request req;
    req.method = "DELETE";
    req.key = FullKey(key);
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (r.ok() || r.status == 404) return Status::OK();
    return HttpError(req, r);
  }

  // Downloads to the cache (storage/file_cache.h). The entry name holds a hash of the location,
  // the size and the ETag, so a replaced object is a new entry and a cached one is never stale.
  Result<std::string> LocalPath(std::string_view key) override {
    LAKE_RETURN_IF_ERROR(CheckObjectKey(key));
    std::string full = FullKey(key);
    std::string loc = Location(full);
    for (int round = 0; round < 3; ++round) {
      LAKE_ASSIGN_OR_RETURN(ObjectMeta meta, Head(key));
      std::string path = cache_.EntryPath(loc, meta.size, meta.etag, full);
      if (auto hit = cache_.Lookup(path, meta.size)) return *hit;
      bool changed = false;
      auto r = cache_.Insert(
          loc,
          [&](int fd, uint64_t* bytes, std::string*) -> Status {
            Request req;
            req.key = full;
            req.out_fd = fd;
            if (!meta.etag.empty()) req.headers.push_back("If-Match: \"" + meta.etag + "\"");
            LAKE_ASSIGN_OR_RETURN(Response resp, Execute(req));
            if (resp.status == 412 || resp.status == 404) {  // replaced or deleted since the HEAD
              changed = true;
              return Status::IOError("changed");
            }
            if (!resp.ok()) return HttpError(req, resp);
            if (resp.fd_bytes != meta.size) return ShortDownload(full, resp.fd_bytes, meta.size);
            *bytes = resp.fd_bytes;
            return Status::OK();
          },
          [&](uint64_t, const std::string&) { return path; });
      if (r.ok() || !changed) return r;
    }
    return Status::IOError(Describe(full) + " kept changing while being downloaded to the cache");
  }

  // One GET on a miss (the entry is named by the ETag of the response); no request on a hit.
  Result<std::string> LocalPathImmutable(std::string_view key, uint64_t size) override {
    if (size == 0) return LocalPath(key);
    LAKE_RETURN_IF_ERROR(CheckObjectKey(key));
    std::string full = FullKey(key);
    std::string loc = Location(full);
    if (auto hit = cache_.LookupAnyVersion(loc, size)) return *hit;
    return cache_.Insert(
        loc,
        [&](int fd, uint64_t* bytes, std::string* etag) -> Status {
          Request req;
          req.key = full;
          req.out_fd = fd;
          LAKE_ASSIGN_OR_RETURN(Response resp, Execute(req));
          if (resp.status == 404) return NotFound(full);
          if (!resp.ok()) return HttpError(req, resp);
          // A size other than the recorded one is the object's truth (some writers record
          // sizes loosely): the entry is named by it, and this key is simply never a hit.
          *bytes = resp.fd_bytes;
          *etag = StripQuotes(resp.Header("etag"));
          return Status::OK();
        },
        [&](uint64_t bytes, const std::string& etag) {
          return cache_.EntryPath(loc, bytes, etag, full);
        });
  }

 private:
  Status CheckObjectKey(std::string_view key) const {
    if (key.empty() || key.back() == '/') {
      return Status::Unsupported(root_uri() + (key.empty() ? "" : "/" + std::string(key)) +
                                 " is a prefix of a remote store, which has no local directory; "
                                 "only its objects can be downloaded");
    }
    return Status::OK();
  }
  std::string Location(const std::string& full_key) const {
    return c_.endpoint + "\n" + c_.bucket + "\n" + full_key;
  }
  Status ShortDownload(const std::string& full_key, uint64_t got, uint64_t want) const {
    return Status::IOError("download of " + Describe(full_key) + " to the cache got " +
                           std::to_string(got) + " of " + std::to_string(want) + " bytes");
  }
  std::string RootPrefix() const { return c_.prefix.empty() ? "" : c_.prefix + "/"; }
  std::string FullKey(std::string_view key) const { return RootPrefix() + std::string(key); }
  std::string Describe(const std::string& full_key) const {
    return "s3://" + c_.bucket + "/" + full_key;
  }
  Status NotFound(const std::string& full_key) const {
    return Status::NotFound(Describe(full_key) + " does not exist");
  }

  std::string Url(const Request& req) const {
    std::string url;
    if (c_.path_style) {
      url = c_.endpoint + "/" + UriEncode(c_.bucket, false);
      if (!req.key.empty()) url += "/" + UriEncode(req.key, true);
    } else {
      url = scheme_ + c_.bucket + "." + host_ + "/" + UriEncode(req.key, true);
    }
    if (!req.query.empty()) url += "?" + CanonicalQueryString(req.query);
    return url;
  }

  Status HttpError(const Request& req, const Response& r) const {
    std::string what =
        "S3 " + (req.what.empty() ? std::string(req.method) + " " + Describe(req.key) : req.what);
    std::string code = ElementText(r.body, "Code");
    std::string msg = ElementText(r.body, "Message");
    std::string out = what + ": HTTP " + std::to_string(r.status);
    if (!code.empty()) out += " " + code;
    if (!msg.empty()) out += ": " + msg;
    if (r.status == 403 && (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId")) {
      out += " (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_REGION=" + c_.region + ")";
    }
    if (r.status == 301 || r.status == 307) {
      out += " (the bucket is in another region than AWS_REGION=" + c_.region + "?)";
    }
    std::string rid = r.Header("x-amz-request-id");
    if (!rid.empty()) out += " (request id " + rid + ")";
    if (r.status == 404) return Status::NotFound(out);
    if (r.status == 501) return Status::Unsupported(out);
    return Status::IOError(out);
  }

  void Backoff(int attempt) const {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    int64_t cap = std::min<int64_t>(c_.max_backoff_ms, static_cast<int64_t>(c_.base_backoff_ms)
                                                           << std::min(attempt, 20));
    // "Equal jitter": half fixed, half random, so retries of racing clients spread out.
    int64_t ms = cap / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(cap / 2 + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }

  // Sends `req`, retrying transport failures and retryable statuses with backoff. Returns the
  // last response (of any status) or IOError when no attempt got one. `maybe_applied` is set
  // when an attempt before the returned one may have been executed by the server.
  Result<Response> Execute(const Request& req, bool* maybe_applied = nullptr) {
    std::string url = Url(req);
    std::string payload_hash = req.body.empty() ? kEmptySha256 : Sha256Hex(req.body);
    bool applied = false;
    std::string last_error;
    for (int attempt = 0; attempt < c_.max_attempts; ++attempt) {
      if (attempt > 0) Backoff(attempt - 1);
      Response resp;
      int fault = c_.fault ? c_.fault(req.method, req.key) : 0;
      CURLcode code = CURLE_OK;
      std::string curl_error;
      if (fault > 0) {
        resp.status = fault;
        resp.body = "<Error><Code>InjectedFault</Code></Error>";
      } else {
        if (req.out_fd >= 0) {
          if (ftruncate(req.out_fd, 0) != 0 || lseek(req.out_fd, 0, SEEK_SET) != 0) {
            return Status::IOError(std::string("cannot reset download file: ") +
                                   std::strerror(errno));
          }
        }
        code = Perform(req, url, payload_hash, &resp, &curl_error);
        if (code == CURLE_OK && fault == -1) {
          code = CURLE_RECV_ERROR;
          curl_error = "response lost (injected fault)";
        }
      }
      if (code != CURLE_OK) {
        last_error = curl_error.empty() ? curl_easy_strerror(code) : curl_error;
        if (code == CURLE_WRITE_ERROR && req.out_fd >= 0) {
          return Status::IOError(std::string("S3 ") + req.method + " " + Describe(req.key) +
                                 ": cannot write the download: " + last_error);
        }
        if (!NeverSent(code)) applied = true;
        if (RetryableCurl(code)) continue;
        break;
      }
      if (RetryableStatus(resp) && attempt + 1 < c_.max_attempts) {
        if (resp.status >= 500) applied = true;
        last_error = "HTTP " + std::to_string(resp.status);
        continue;
      }
      if (maybe_applied) *maybe_applied = applied;
      return resp;
    }
    std::string what =
        req.what.empty() ? std::string(req.method) + " " + Describe(req.key) : req.what;
    return Status::IOError("S3 " + what + " (" + c_.endpoint + "): " + last_error + " after " +
                           std::to_string(c_.max_attempts) + " attempt(s)");
  }

  CURLcode Perform(const Request& req, const std::string& url, const std::string& payload_hash,
                   Response* resp, std::string* error) {
    CURL* h = pool_.Take();
    if (h == nullptr) {
      *error = "curl_easy_init failed";
      return CURLE_FAILED_INIT;
    }
    curl_easy_reset(h);
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "." and ".." segments
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(c_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(c_.low_speed_seconds));
    if (!c_.access_key.empty()) {
      curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
      curl_easy_setopt(h, CURLOPT_USERNAME, c_.access_key.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, c_.secret_key.c_str());
    }
    struct curl_slist* hdrs = nullptr;
    // No "Name:" lines that remove a default header (as "Expect:" would): libcurl 7.88 signs
    // them as empty headers that it then does not send, and the signature no longer matches.
    std::vector<std::string> lines = {"x-amz-content-sha256: " + payload_hash};
    if (!c_.session_token.empty()) lines.push_back("x-amz-security-token: " + c_.session_token);
    for (const auto& l : req.headers) lines.push_back(l);
    Upload up{req.body, 0};
    std::string m = req.method;
    if (m == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (m == "PUT") {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else if (m == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      bool has_type = false;
      for (const auto& l : req.headers) has_type |= AsciiLower(l).rfind("content-type:", 0) == 0;
      if (!has_type) lines.push_back("Content-Type: application/octet-stream");
    } else if (m == "DELETE") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    if (m == "PUT" || m == "POST") {
      curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadCb);
      curl_easy_setopt(h, CURLOPT_READDATA, &up);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, SeekCb);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &up);
    }
    for (const auto& l : lines) hdrs = curl_slist_append(hdrs, l.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    Sink sink{h, resp, req.out_fd};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteCb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, HeaderCb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    CURLcode code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(hdrs);
    if (code != CURLE_OK) {
      *error = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(code));
      if (sink.fd_error) *error += std::string(" (") + std::strerror(errno) + ")";
      curl_easy_cleanup(h);  // a handle whose connection failed starts afresh
    } else {
      pool_.Give(h);
    }
    return code;
  }

  // Refuses conditional writes on a store that does not enforce If-None-Match (see the header).
  Status CheckConditionalPut() {
    if (!c_.probe_conditional_put) return Status::OK();
    // With a test fault hook the verdict is this store's alone: neither reuse nor share it.
    std::string id = c_.endpoint + "|" + c_.bucket + (c_.fault ? "|fault|" + RandomHex(8) : "");
    std::lock_guard<std::mutex> l(g_probe_mu);  // one probe at a time; others wait for it
    auto& results = ProbeResults();
    auto it = results.find(id);
    if (it != results.end()) return it->second;
    std::string key = RootPrefix() + "_lake_probe/put-if-absent-" + RandomHex(12);
    Request req;
    req.method = "PUT";
    req.key = key;
    req.body = "lake put-if-absent probe";
    req.headers.push_back("If-None-Match: *");
    bool applied = false;
    auto first = Execute(req, &applied);
    if (!first.ok()) return first.status().WithContext("probing conditional PUT support");
    if (!first->ok() && !(first->status == 412 && applied)) {
      Status st = HttpError(req, *first);
      if (first->status == 501 || first->status == 400) {
        st = Status::Unsupported(st.message() +
                                 ": the store does not accept conditional PUT "
                                 "(If-None-Match: *), which lake needs to commit");
        results[id] = st;
      }
      return st.WithContext("probing conditional PUT support");
    }
    auto second = Execute(req);
    Request del;
    del.method = "DELETE";
    del.key = key;
    (void)Execute(del);
    if (!second.ok()) return second.status().WithContext("probing conditional PUT support");
    Status verdict;
    if (second->ok()) {
      verdict = Status::Unsupported("the S3 store at " + c_.endpoint + " (bucket '" + c_.bucket +
                                    "') ignores If-None-Match: * on PUT, so concurrent commits "
                                    "could overwrite each other; lake refuses to write to it");
    } else if (second->status != 412) {
      return HttpError(req, *second).WithContext("probing conditional PUT support");
    }
    results[id] = verdict;
    return verdict;
  }

  // Fills `buf` with `len` bytes of the object from `offset`.
  using PartReader = std::function<Status(uint64_t offset, uint64_t len, std::string* buf)>;

  // A multipart upload of `size` bytes read part by part through `read`; upload_parallelism
  // parts in flight, each in its own buffer, so memory is bounded by upload_parallelism x
  // part_size. On any failure the upload is aborted (no object, no stored parts). Returns the
  // object's ETag (from a HEAD: RGW answers CompleteMultipartUpload with an empty one).
  Result<std::string> MultipartPut(const std::string& key, uint64_t size, const PartReader& read) {
    Request init;
    init.method = "POST";
    init.key = key;
    init.query = {{"uploads", ""}};
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(init));
    if (!r.ok()) return HttpError(init, r).WithContext("starting a multipart upload");
    std::string upload_id = ElementText(r.body, "UploadId");
    if (upload_id.empty()) {
      return Status::IOError("S3 multipart upload of " + Describe(key) +
                             ": no UploadId in the reply");
    }
    auto abort = [&](Status st) {
      Request a;
      a.method = "DELETE";
      a.key = key;
      a.query = {{"uploadId", upload_id}};
      (void)Execute(a);
      return st;
    };
    const size_t parts = static_cast<size_t>((size + c_.part_size - 1) / c_.part_size);
    std::vector<std::string> etags(parts);
    Status up = ParallelFor(parts, std::max(1, c_.upload_parallelism), [&](size_t i) -> Status {
      const uint64_t off = static_cast<uint64_t>(i) * c_.part_size;
      const std::string part = std::to_string(i + 1);
      std::string buf;
      LAKE_RETURN_IF_ERROR(read(off, std::min<uint64_t>(c_.part_size, size - off), &buf));
      Request p;
      p.method = "PUT";
      p.key = key;
      p.query = {{"partNumber", part}, {"uploadId", upload_id}};
      p.body = buf;
      LAKE_ASSIGN_OR_RETURN(Response pr, Execute(p));
      if (!pr.ok()) return HttpError(p, pr).WithContext("uploading part " + part);
      std::string etag = pr.Header("etag");
      if (etag.empty())
        return Status::IOError("S3 part upload of " + Describe(key) + " returned no ETag");
      if (etag.front() != '"') etag = "\"" + etag + "\"";
      etags[i] = std::move(etag);
      return Status::OK();
    });
    if (!up.ok()) return abort(up);
    std::string complete = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < parts; ++i) {
      complete += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
                  "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    Request done;
    done.method = "POST";
    done.key = key;
    done.query = {{"uploadId", upload_id}};
    done.body = complete;
    done.headers.push_back("Content-Type: application/xml");
    bool applied = false;
    auto dr = Execute(done, &applied);
    if (!dr.ok()) return abort(dr.status());
    // S3 may answer 200 with an <Error> body; a retried completion that had already succeeded
    // answers NoSuchUpload. Either way the HEAD below says whether the object is there.
    bool failed = !dr->ok() || dr->body.find("<Error>") != std::string::npos;
    if (failed && !(applied && dr->status == 404)) {
      return abort(HttpError(done, *dr).WithContext("completing a multipart upload"));
    }
    // RGW answers CompleteMultipartUpload with an empty ETag: HEAD for the object's metadata,
    // which also checks that the whole object landed.
    Request head;
    head.method = "HEAD";
    head.key = key;
    LAKE_ASSIGN_OR_RETURN(Response hr, Execute(head));
    if (!hr.ok()) return HttpError(head, hr).WithContext("checking a completed multipart upload");
    uint64_t got = std::strtoull(hr.Header("content-length").c_str(), nullptr, 10);
    if (got != size) {
      return Status::IOError("multipart upload of " + Describe(key) + " produced " +
                             std::to_string(got) + " bytes, expected " + std::to_string(size));
    }
    std::string etag = StripQuotes(hr.Header("etag"));
    return etag.empty() ? "multipart-" + upload_id : etag;
  }

 public:
  // Keys of the multipart uploads in progress under `prefix` (relative to the store root).
  Result<std::vector<std::string>> PendingUploads(const std::string& prefix) {
    Request req;
    req.method = "GET";
    req.query = {{"prefix", FullKey(prefix)}, {"uploads", ""}};
    req.what = "LIST UPLOADS " + Describe(FullKey(prefix));
    LAKE_ASSIGN_OR_RETURN(Response r, Execute(req));
    if (!r.ok()) return HttpError(req, r);
    std::vector<std::string> out;
    std::string_view body = r.body;
    size_t pos = 0;
    std::string_view block;
    while (FindElement(body, "Upload", pos, &block, &pos)) {
      std::string_view k;
      if (FindElement(block, "Key", 0, &k, nullptr)) {
        LAKE_ASSIGN_OR_RETURN(std::string key, XmlUnescape(k));
        out.push_back(key.substr(std::min(key.size(), RootPrefix().size())));
      }
    }
    return out;
  }

 private:
  S3Config c_;
  std::string sigv4_;
  std::string scheme_;
  std::string host_;
  HandlePool pool_;
  cache::FileCache cache_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewS3Store(S3Config config) {
  if (config.bucket.empty()) return Status::InvalidArgument("S3 store without a bucket");
  if (config.part_size < kMinPartSize) {
    return Status::InvalidArgument("S3 multipart part size must be at least 5 MiB");
  }
  if (config.max_attempts < 1) config.max_attempts = 1;
  if (config.list_page_size < 1 || config.list_page_size > 1000) config.list_page_size = 1000;
  CURLcode init = CURLE_OK;
  std::call_once(g_curl_once, [&] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Status::Internal("curl_global_init failed");
  return std::unique_ptr<ObjectStore>(std::make_unique<S3Store>(std::move(config)));
}

Result<std::vector<std::string>> PendingMultipartUploads(const S3Config& config,
                                                         const std::string& prefix) {
  LAKE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, NewS3Store(config));
  return static_cast<S3Store*>(store.get())->PendingUploads(prefix);
}

Status EnsureBucket(const S3Config& config) {
  LAKE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, NewS3Store(config));
  return static_cast<S3Store*>(store.get())->CreateBucket();
}

}  // namespace lake::s3
