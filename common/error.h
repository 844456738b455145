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
  kUnavailable,         // a peer (libvirt, placement, the store) is down or slow: retry later
  kInternal,
  // The front door's own refusals (http/pipeline.h); handlers rarely produce them.
  kUnauthenticated,       // no credentials, or credentials not known
  kPermissionDenied,      // known caller, not allowed by policy
  kMethodNotAllowed,      // the path exists with other methods
  kNotAcceptable,         // the Accept header or the requested microversion cannot be met
  kPayloadTooLarge,       // the body is over the server's limit
  kUnsupportedMediaType,  // the body's Content-Type is not one the resource reads
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string key;      // the setting or field at fault, e.g. "hw:viommu_model"
  std::string value;    // the value that was given, verbatim
  std::string allowed;  // what would have been accepted, for the user to pick from
  std::string message;  // one complete line naming the key, the value and what is allowed
  // The service's own machine-readable code where it has one, e.g. Placement's
  // "placement.concurrent_update" (placement/errors.py in OpenStack Placement 8.0).
  // Empty: the service's default ("placement.undefined_code" for Placement).
  std::string service_code;

  // "hw:viommu_model='Intel' is invalid: <why>; allowed: <allowed>"
  static Error invalid(std::string key, std::string value, std::string allowed,
                       std::string_view why = {});
  // The input parsed but this host (or state) cannot take it.
  static Error precondition(std::string key, std::string value, std::string message);
  static Error make(ErrorCode code, std::string message);
  static Error make(ErrorCode code, std::string message, std::string service_code);
};

}  // namespace stratus
