// The CLI uses the one exit-code rule of every binary (common/exit_code.h).
#pragma once

#include "common/exit_code.h"

namespace stratus::cli {

using stratus::exitCodeFor;
using stratus::kExitFailure;
using stratus::kExitOk;
using stratus::kExitUsage;

}  // namespace stratus::cli
