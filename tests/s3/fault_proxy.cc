#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

namespace lake::testing {
namespace {

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
bool SendAll(int fd, const std::string& s) { return SendAll(fd, s.data(), s.size()); }

void SetTimeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string LowerStr(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string Canned(int status, const char* reason, const char* code) {
  std::string body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>") + code +
                     "</Code><Message>injected by FaultProxy</Message></Error>";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// A complete upstream response (read until the upstream closed) re-framed for a kept-alive
// client connection: Connection/Transfer-Encoding dropped, a chunked body decoded, the
// Content-Length set to the body (a HEAD keeps the upstream's and sends no body).
// Calls fn(line, lowercased line) for each line of an HTTP head (each ends in "\r\n").
template <typename Fn>
void ForEachHeaderLine(const std::string& head, Fn&& fn) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string::npos) eol = head.size();
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    fn(line, LowerStr(line));
  }
}

std::string KeepAliveResponse(const std::string& resp, bool head_request) {
  size_t he = resp.find("\r\n\r\n");
  if (he == std::string::npos) return resp;
  std::string head = resp.substr(0, he + 2);
  std::string body = resp.substr(he + 4);
  std::string out;
  bool chunked = false;
  std::string content_length;
  ForEachHeaderLine(head, [&](const std::string& line, const std::string& low) {
    if (low.rfind("transfer-encoding:", 0) == 0) {
      chunked = low.find("chunked") != std::string::npos;
    } else if (low.rfind("content-length:", 0) == 0) {
      content_length = line;
    } else if (low.rfind("connection:", 0) != 0) {
      out += line + "\r\n";
    }
  });
  if (chunked) {
    std::string decoded;
    size_t p = 0;
    while (p < body.size()) {
      size_t eol = body.find("\r\n", p);
      if (eol == std::string::npos) break;
      size_t n = std::strtoull(body.substr(p, eol - p).c_str(), nullptr, 16);
      if (n == 0) break;
      decoded += body.substr(eol + 2, n);
      p = eol + 2 + n + 2;
    }
    body = decoded;
  }
  if (head_request) {
    if (!content_length.empty()) out += content_length + "\r\n";
    body.clear();
  } else {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "Connection: keep-alive\r\n\r\n";
  return out + body;
}

}  // namespace

bool SplitHttpEndpoint(const std::string& endpoint, std::string* host, int* port) {
  const std::string scheme = "http://";
  if (endpoint.rfind(scheme, 0) != 0) return false;
  std::string rest = endpoint.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    *host = rest;
    *port = 80;
  } else {
    *host = rest.substr(0, colon);
    *port = std::atoi(rest.c_str() + colon + 1);
  }
  if (*host == "localhost") *host = "127.0.0.1";
  return *port > 0;
}

const char* FaultProxy::Name(Fault f) {
  static const char* names[] = {"pass", "drop", "delay",           "500",
                                "503",  "429",  "cut-after-apply", "cut-mid-response"};
  return f >= 0 && f < kNumFaults ? names[f] : "?";
}

FaultProxy::FaultProxy(Options o) : o_(o), rng_state_(o.seed), counts_(kNumFaults, 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) {
    ::close(fd);
    return;
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  listen_fd_ = fd;
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
  }
  if (acceptor_.joinable()) acceptor_.join();
  while (active_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void FaultProxy::ForceNext(Fault fault, const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  forced_.push_back({fault, method, path});
}

std::vector<uint64_t> FaultProxy::counts() const {
  std::lock_guard<std::mutex> l(mu_);
  return counts_;
}

FaultProxy::Fault FaultProxy::Decide(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  Fault f = kPass;
  bool decided = false;
  for (auto it = forced_.begin(); it != forced_.end(); ++it) {
    if ((it->method.empty() || it->method == method) && path.find(it->path) != std::string::npos) {
      f = it->fault;
      forced_.erase(it);
      decided = true;
      break;
    }
  }
  if (!decided && random_on_) {
    double u = static_cast<double>(SplitMix(&rng_state_) >> 11) / 9007199254740992.0;
    double acc = 0;
    for (int i = 1; i < kNumFaults; ++i) {
      acc += o_.p[i];
      if (u < acc) {
        f = static_cast<Fault>(i);
        break;
      }
    }
  }
  ++counts_[f];
  return f;
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (stop_) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;
    }
    ++active_;
    std::thread([this, c] {
      Handle(c);
      --active_;
    }).detach();
  }
}

void FaultProxy::Handle(int client) {
  SetTimeouts(client, 30);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } close_client{client};
  ++connections_;
  std::string buf;  // bytes of the connection not consumed yet
  char tmp[65536];
  for (int nth = 0;; ++nth) {
    if (nth > 0) {
      if (!o_.keep_alive) return;
      if (buf.empty()) {
        // Idle between requests: a server closes a connection idle for too long.
        pollfd pfd{client, POLLIN, 0};
        int r = ::poll(&pfd, 1, o_.idle_close_ms);
        if (r == 0) {
          ++idle_closes_;
          return;
        }
        if (r < 0) return;
      }
    }
    // 1. The request head.
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(client, tmp, sizeof tmp, 0);
      if (n <= 0) return;  // the client went away (or a keep-alive connection it closed)
      buf.append(tmp, static_cast<size_t>(n));
    }
    std::string head = buf.substr(0, head_end + 2);  // with the last header's CRLF
    std::string body = buf.substr(head_end + 4);
    buf.clear();
    size_t sp1 = head.find(' ');
    size_t sp2 = head.find(' ', sp1 + 1);
    std::string method = head.substr(0, sp1);
    std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    uint64_t content_length = 0;
    bool expect = false;
    std::string fwd_head;
    ForEachHeaderLine(head, [&](const std::string& line, const std::string& low) {
      if (low.rfind("content-length:", 0) == 0)
        content_length = std::strtoull(line.c_str() + 15, nullptr, 10);
      if (low.rfind("expect:", 0) == 0) {
        expect = true;
      } else if (low.rfind("connection:", 0) != 0) {
        fwd_head += line + "\r\n";
      }
    });
    fwd_head += "Connection: close\r\n\r\n";
    if (nth > 0) {
      ++reused_requests_;
      // The server closed this pooled connection just as the request arrived: nothing is
      // read further, forwarded or answered.
      int want = close_reused_.load();
      while (want > 0 && !close_reused_.compare_exchange_weak(want, want - 1)) {
      }
      if (want > 0) {
        ++reused_closes_;
        return;
      }
    }
    if (expect && body.size() < content_length) {
      if (!SendAll(client, "HTTP/1.1 100 Continue\r\n\r\n")) return;
    }
    while (body.size() < content_length) {
      ssize_t n = ::recv(client, tmp, sizeof tmp, 0);
      if (n <= 0) return;
      body.append(tmp, static_cast<size_t>(n));
    }
    if (body.size() > content_length) {  // the start of the next request (pipelined)
      buf = body.substr(content_length);
      body.resize(content_length);
    }
    ++requests_;
    Fault f = Decide(method, path);
    switch (f) {
      case kDrop:
        return;
      case k500:
        SendAll(client, Canned(500, "Internal Server Error", "InternalError"));
        return;
      case k503:
        SendAll(client, Canned(503, "Service Unavailable", "ServiceUnavailable"));
        return;
      case k429:
        SendAll(client, Canned(429, "Too Many Requests", "SlowDown"));
        return;
      case kDelay:
        std::this_thread::sleep_for(std::chrono::milliseconds(o_.delay_ms));
        break;
      default:
        break;
    }
    // 2. Forward on a fresh upstream connection; read the whole response (it closes).
    int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (up < 0) return;
    struct Closer2 {
      int fd;
      ~Closer2() { ::close(fd); }
    } close_up{up};
    SetTimeouts(up, 60);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(o_.upstream_port));
    inet_pton(AF_INET, o_.upstream_host.c_str(), &a.sin_addr);
    if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    if (!SendAll(up, fwd_head) || !SendAll(up, body)) return;
    std::string resp;
    while (true) {
      ssize_t n = ::recv(up, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      resp.append(tmp, static_cast<size_t>(n));
    }
    if (f == kCutAfter) return;  // applied upstream; the client never hears of it
    if (f == kCutMid) {
      SendAll(client, resp.data(), resp.size() / 2);
      return;
    }
    if (!o_.keep_alive) {
      SendAll(client, resp);
      return;
    }
    if (!SendAll(client, KeepAliveResponse(resp, method == "HEAD"))) return;
  }
}

}  // namespace lake::testing
