// How errors become exit codes: a rejected request -> 2 (bad input, or input this host
// cannot honour), anything else (libvirt down or refusing) -> 1.
#pragma once

#include "common/error.h"

namespace stratus::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline int exitCodeFor(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kFailedPrecondition
             ? kExitUsage
             : kExitFailure;
}

}  // namespace stratus::cli
