// Result<T>: a value or an Error, the return type at every component boundary.
// A small stand-in for std::expected, which g++ 12 offers only under C++23.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.h"

namespace stratus {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& takeError() {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() {
  return Ok{};
}

// Keeps only whether a parse succeeded, for validators that need no value.
template <typename T>
Status toStatus(Result<T> result) {
  if (!result) return result.takeError();
  return okStatus();
}

}  // namespace stratus

// Returns the error of a Status or Result expression from the enclosing function.
#define STRATUS_RETURN_IF_ERROR(expr)            \
  do {                                           \
    if (auto stratus_s_ = (expr); !stratus_s_) { \
      return stratus_s_.takeError();             \
    }                                            \
  } while (0)
