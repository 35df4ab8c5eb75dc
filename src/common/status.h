// Status and Result<T>: errors as values.
//
// Our code does not throw. Functions that can fail return a Status (or a
// Result<T> carrying either a value or a Status). A Status that is OK costs a
// pointer compare; the error path carries a code and a message, the way
// LevelDB's Status does. Turning a Status into RESP text happens in one place
// (commands/errors.h), never here.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace common {

enum class Code : unsigned char {
  kOk = 0,
  kInvalidArgument,  // a value that does not parse or is out of range
  kNotFound,
  kIoError,
  kCorruption,       // a file that does not follow its format
  kNotSupported,
  kOutOfMemory,
};

class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status IoError(std::string_view msg) { return Status(Code::kIoError, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status OutOfMemory(std::string_view msg) { return Status(Code::kOutOfMemory, msg); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // The message given at construction; empty for OK.
  const std::string& message() const;

  Status(const Status& o) : state_(o.state_ ? std::make_unique<State>(*o.state_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) state_ = o.state_ ? std::make_unique<State>(*o.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

 private:
  struct State {
    Code code;
    std::string msg;
  };
  Status(Code c, std::string_view msg) : state_(std::make_unique<State>(State{c, std::string(msg)})) {}
  std::unique_ptr<State> state_;
};

// Either a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok()
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // OK when ok(), else the error.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace common
