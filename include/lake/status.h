// Status and Result<T>: the one error type used across lake.
//
// Every fallible function returns Status or Result<T>. Messages are meant for users: one line,
// saying what failed and on which object (file, line, column), so the CLI can print them as is.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace lake {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kAlreadyExists,  // e.g. put-if-absent lost: another writer created the object first
  kInvalidArgument,
  kCorruption,   // malformed log line, bad checksum, inconsistent table state
  kUnsupported,  // unknown reader feature, newer protocol, type we cannot represent
  kIOError,
  kConflict,  // a concurrent commit conflicts with this transaction
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string msg) : code_(code), msg_(std::move(msg)) {}

  static Status OK() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return msg_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }

  // "<code name>: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + msg_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string msg_;
};

const char* StatusCodeName(StatusCode code);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace lake

#define LAKE_CONCAT_IMPL(a, b) a##b
#define LAKE_CONCAT(a, b) LAKE_CONCAT_IMPL(a, b)

#define LAKE_RETURN_IF_ERROR(expr)       \
  do {                                   \
    ::lake::Status _lake_st = (expr);    \
    if (!_lake_st.ok()) return _lake_st; \
  } while (0)

#define LAKE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#define LAKE_ASSIGN_OR_RETURN(lhs, rexpr) \
  LAKE_ASSIGN_OR_RETURN_IMPL(LAKE_CONCAT(_lake_res_, __LINE__), lhs, rexpr)
