// FaultProxy: a loopback HTTP/1.1 relay between S3Store and a real S3 endpoint (the tests'
// RGW) that injects faults per request, for the S3 fault-injection tests.
//
// Each client connection carries one request (the proxy answers with "Connection: close" as
// the upstream does when asked to): the proxy reads the request head and its Content-Length
// body, then, by a seeded random draw (or a forced fault for the next matching request):
//   kPass        forwards it on a new upstream connection and relays the whole response;
//   kDrop        closes the client connection without forwarding (never applied);
//   kDelay       sleeps delay_ms, then passes;
//   k500 / k503  answers 500 InternalError / 503 ServiceUnavailable without forwarding;
//   k429         answers 429 SlowDown without forwarding;
//   kCutAfter    forwards it, reads the whole upstream response, then closes the client
//                connection without a byte: the request WAS applied, its answer is lost (the
//                ambiguous-commit case);
//   kCutMid      forwards it and relays only half of the response before closing.
// "Expect: 100-continue" is answered by the proxy itself and not forwarded (it is not signed).
//
// With Options::keep_alive the proxy instead keeps client connections open across requests
// (responses rewritten to "Connection: keep-alive" with a Content-Length), closes a connection
// that stays idle for idle_close_ms (as servers and load balancers do), and CloseNextReused(n)
// makes it close the next n connections that receive a request after the first one, without
// answering or forwarding it: the server closed the pooled connection just as the client sent
// on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lake::testing {

class FaultProxy {
 public:
  enum Fault { kPass, kDrop, kDelay, k500, k503, k429, kCutAfter, kCutMid, kNumFaults };

  struct Options {
    std::string upstream_host = "127.0.0.1";
    int upstream_port = 0;
    uint64_t seed = 1;
    // Probability of each fault per request (the rest pass). Sum <= 1.
    double p[kNumFaults] = {0, 0, 0, 0, 0, 0, 0, 0};
    int delay_ms = 200;
    bool keep_alive = false;
    int idle_close_ms = 200;  // keep_alive: close a connection idle this long
  };

  explicit FaultProxy(Options o);
  ~FaultProxy();  // stops accepting and joins the connection threads
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next request whose method is `method` ("" = any) and whose path contains
  // `path_substring` gets `fault` (queued; used before the random draw).
  void ForceNext(Fault fault, const std::string& method, const std::string& path_substring);
  // Random faults on/off (forced ones still apply).
  void SetRandom(bool on) { random_on_ = on; }

  // keep_alive: the next n requests arriving on a reused connection close it unanswered.
  void CloseNextReused(int n) { close_reused_ += n; }
  // keep_alive counters: connections accepted, requests on a reused connection, connections
  // closed for idleness, reused connections closed by CloseNextReused.
  uint64_t connections() const { return connections_.load(); }
  uint64_t reused_requests() const { return reused_requests_.load(); }
  uint64_t idle_closes() const { return idle_closes_.load(); }
  uint64_t reused_closes() const { return reused_closes_.load(); }

  // Requests seen per fault (index = Fault), and in total.
  std::vector<uint64_t> counts() const;
  uint64_t requests() const { return requests_.load(); }

  static const char* Name(Fault f);

 private:
  void AcceptLoop();
  void Handle(int client);
  Fault Decide(const std::string& method, const std::string& path);

  Options o_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> random_on_{true};
  std::atomic<uint64_t> requests_{0};
  std::atomic<int> close_reused_{0};
  std::atomic<uint64_t> connections_{0}, reused_requests_{0}, idle_closes_{0}, reused_closes_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  uint64_t rng_state_;
  struct Forced {
    Fault fault;
    std::string method, path;
  };
  std::vector<Forced> forced_;
  std::vector<uint64_t> counts_;
  std::atomic<int> active_{0};  // connection threads (detached) still running
};

// "http://host:port" -> host, port; false when it is not of that form.
bool SplitHttpEndpoint(const std::string& endpoint, std::string* host, int* port);

}  // namespace lake::testing
