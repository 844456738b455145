#include "api/api_common.h"

namespace stratus::api {

http::HttpResponse jsonResponse(int status, const nlohmann::json& body) {
  http::HttpResponse res;
  res.status = status;
  res.body = body.dump(-1, ' ', false,
                       nlohmann::json::error_handler_t::replace);  // queries need not be UTF-8
  res.setHeader("Content-Type", "application/json");
  return res;
}

http::HttpResponse emptyResponse(int status) {
  http::HttpResponse res;
  res.status = status;
  return res;
}

std::optional<nlohmann::json> parseJsonObject(const std::string& body, std::string& why) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    why = "the body is not valid JSON";
    return std::nullopt;
  }
  if (!doc.is_object()) {
    why = "the body must be a JSON object";
    return std::nullopt;
  }
  return doc;
}

}  // namespace stratus::api
