#include "api/compute/common.h"

namespace stratus::api::compute {

Result<const FlavorRecord*> findFlavor(const CloudState& state, const std::string& id) {
  auto it = state.flavors.find(id);
  if (it == state.flavors.end()) {
    return Error::make(ErrorCode::kNotFound, "Flavor " + id + " could not be found.");
  }
  return &it->second;
}

Status requirePolicy(const http::HttpRequest& r, const std::string& rule) {
  if (r.auth.admin) return okStatus();
  return Error::make(ErrorCode::kPermissionDenied,
                     "Policy doesn't allow " + rule + " to be performed.");
}

Status requireAdmin(const http::HttpRequest& r, const std::string& message) {
  if (r.auth.admin) return okStatus();
  return Error::make(ErrorCode::kPermissionDenied, message);
}

Error storeFailure(const Error& e) {
  return Error::make(ErrorCode::kUnavailable, e.message);
}

Error badRequest(std::string message) {
  return Error::make(ErrorCode::kInvalidArgument, std::move(message));
}

Result<nlohmann::json> jsonObjectBody(const http::HttpRequest& r) {
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return badRequest(why);
  return std::move(*doc);
}

}  // namespace stratus::api::compute
