#include "common/error.h"

#include <utility>

namespace stratus {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "FailedPrecondition";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kInternal:
      return "Internal";
    case ErrorCode::kUnauthenticated:
      return "Unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "PermissionDenied";
    case ErrorCode::kMethodNotAllowed:
      return "MethodNotAllowed";
    case ErrorCode::kNotAcceptable:
      return "NotAcceptable";
    case ErrorCode::kPayloadTooLarge:
      return "PayloadTooLarge";
    case ErrorCode::kUnsupportedMediaType:
      return "UnsupportedMediaType";
  }
  return "Unknown";
}

Error Error::invalid(std::string key, std::string value, std::string allowed,
                     std::string_view why) {
  Error e;
  e.code = ErrorCode::kInvalidArgument;
  e.message = key + "='" + value + "' is invalid";
  if (!why.empty()) {
    e.message += ": ";
    e.message += why;
  }
  if (!allowed.empty()) e.message += "; allowed: " + allowed;
  e.key = std::move(key);
  e.value = std::move(value);
  e.allowed = std::move(allowed);
  return e;
}

Error Error::precondition(std::string key, std::string value, std::string message) {
  Error e;
  e.code = ErrorCode::kFailedPrecondition;
  e.key = std::move(key);
  e.value = std::move(value);
  e.message = std::move(message);
  return e;
}

Error Error::make(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

Error Error::make(ErrorCode code, std::string message, std::string service_code) {
  Error e = make(code, std::move(message));
  e.service_code = std::move(service_code);
  return e;
}

}  // namespace stratus
