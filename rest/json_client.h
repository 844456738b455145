// A JSON-over-HTTP client on cpprestsdk for Stratus' peers (placement, the compute
// API). Nothing throws: transport failures are kUnavailable (retry later), and an
// error status becomes the ErrorCode of common/http_status.h (5xx kUnavailable, 404
// kNotFound, 400 kInvalidArgument, ...), except that a 409 is kConflict only when
// `is_retryable_conflict` says so, else kAlreadyExists or kFailedPrecondition.
// Messages carry the method, path, HTTP status and the peer's own text.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace stratus::rest {

struct Response {
  int status = 0;
  nlohmann::json body;  // null when the body is empty
};

struct JsonClientOptions {
  std::string base_url;
  std::string service_name;  // "placement", "compute API": the start of every message
  std::map<std::string, std::string> headers;  // sent with every request
  std::chrono::milliseconds timeout{10000};
  // The human text of an error body.
  std::function<std::string(const nlohmann::json& body)> error_text;
  // Whether a 409 with this body is worth re-reading and retrying.
  std::function<bool(const nlohmann::json& body)> is_retryable_conflict;
  // Whether a 409 that is not retryable says the name or id is already taken.
  std::function<bool(const nlohmann::json& body)> is_already_exists;
  // The peer's machine-readable error code, copied into Error::service_code.
  std::function<std::string(const nlohmann::json& body)> service_code;
};

class JsonClient {
 public:
  static Result<std::unique_ptr<JsonClient>> create(JsonClientOptions options);
  virtual ~JsonClient() = default;
  virtual const std::string& baseUrl() const = 0;
  virtual Result<Response> call(const std::string& method, const std::string& path_and_query,
                                const std::optional<nlohmann::json>& body = std::nullopt) = 0;
};

}  // namespace stratus::rest
