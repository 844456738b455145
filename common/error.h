// One error type for every component boundary. The fields stay separate so that
// each edge (HTTP, CLI) can render them its own way while the message stays whole.
#pragma once

#include <string>
#include <string_view>

namespace stratus {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong; fixing it makes the call succeed
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // the input is fine but the host or state cannot honour it
  kConflict,            // a generation moved under us: re-read and redo
  kUnavailable,         // a peer (libvirt, placement) is down or slow: retry later
  kInternal,
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string key;      // the setting or field at fault, e.g. "hw:viommu_model"
  std::string value;    // the value that was given, verbatim
  std::string allowed;  // what would have been accepted, for the user to pick from
  std::string message;  // one complete line naming the key, the value and what is allowed

  // "hw:viommu_model='Intel' is invalid: <why>; allowed: <allowed>"
  static Error invalid(std::string key, std::string value, std::string allowed,
                       std::string_view why = {});
  // The input parsed but this host (or state) cannot take it.
  static Error precondition(std::string key, std::string value, std::string message);
  static Error make(ErrorCode code, std::string message);
};

}  // namespace stratus
