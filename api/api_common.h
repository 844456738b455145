// What the compute and image APIs share: options, who is calling, JSON helpers.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/message.h"
#include "traits/catalog.h"
#include "virt/virt_config.h"

namespace stratus::api {

enum class AuthMode { kNoAuth, kToken };

struct ApiOptions {
  AuthMode auth = AuthMode::kNoAuth;
  std::map<std::string, std::string> tokens;  // kToken: token -> roles
  std::string compute_url = "http://127.0.0.1:8774";
  std::string image_url = "http://127.0.0.1:9292";
  virt::VirtConfig virt;
  traits::TraitsConfig traits;
  // An agent that has not reported for this long is shown as down.
  std::chrono::seconds host_down_after{60};
};

struct Caller {
  bool admin = false;
  std::string user_id;
  std::string project_id;
};

// nullopt: no valid token (401). noauth: any token; "admin" is an admin, "USER:PROJECT"
// or anything else a member. token: the token file's roles decide.
std::optional<Caller> authenticate(const http::HttpRequest& r, const ApiOptions& options);

http::HttpResponse jsonResponse(int status, const nlohmann::json& body);
http::HttpResponse emptyResponse(int status);

// The body as a JSON object, or the reason it is not one.
std::optional<nlohmann::json> parseJsonObject(const std::string& body, std::string& why);

}  // namespace stratus::api
