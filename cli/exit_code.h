// How errors become exit codes: the user's input is at fault -> 2, anything else -> 1.
#pragma once

#include "common/error.h"

namespace stratus::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline int exitCodeFor(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

}  // namespace stratus::cli
