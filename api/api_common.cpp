#include "api/api_common.h"

namespace stratus::api {

std::optional<Caller> authenticate(const http::HttpRequest& r, const ApiOptions& options) {
  auto token = r.header("x-auth-token");
  if (!token || token->empty()) return std::nullopt;
  Caller c;
  if (options.auth == AuthMode::kNoAuth) {
    if (*token == "admin") {
      c = {true, "admin", "admin"};
    } else if (auto colon = token->find(':'); colon != std::string::npos) {
      c = {false, token->substr(0, colon), token->substr(colon + 1)};
    } else {
      c = {false, *token, *token};
    }
    return c;
  }
  auto it = options.tokens.find(*token);
  if (it == options.tokens.end()) return std::nullopt;
  c.admin = ("," + it->second + ",").find(",admin,") != std::string::npos;
  c.user_id = "token-user";
  c.project_id = "token-project";
  return c;
}

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
