#include "common/auth.h"

namespace stratus {
namespace {

std::optional<std::string> headerOf(const std::map<std::string, std::string>& headers,
                                    const std::string& name) {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool hasRole(std::string_view roles, std::string_view role) {
  while (!roles.empty()) {
    const auto comma = roles.find(',');
    std::string_view item = roles.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == role) return true;
    if (comma == std::string_view::npos) break;
    roles.remove_prefix(comma + 1);
  }
  return false;
}

bool Credentials::hasRole(std::string_view role) const {
  return stratus::hasRole(roles, role);
}

Result<AuthMode> parseAuthMode(const std::string& key, const std::string& value) {
  if (value == "noauth") return AuthMode::kNoAuth;
  if (value == "token") return AuthMode::kToken;
  return Error::invalid(key, value, "noauth, token");
}

Result<Credentials> authenticate(const AuthConfig& config,
                                 const std::map<std::string, std::string>& headers) {
  const auto token = headerOf(headers, "x-auth-token");
  if (!token || token->empty()) {
    return Error::make(ErrorCode::kUnauthenticated, "No X-Auth-Token was given.");
  }
  Credentials c;
  if (config.mode == AuthMode::kNoAuth) {
    const auto colon = token->find(':');
    c.user_id = token->substr(0, colon);
    c.project_id = colon == std::string::npos ? c.user_id : token->substr(colon + 1);
    if (c.project_id.empty()) c.project_id = c.user_id;
    c.roles = c.user_id == "admin" ? "admin" : "";
    if (auto claimed = headerOf(headers, "x-roles")) c.roles = *claimed;
    return c;
  }
  auto it = config.tokens.find(*token);
  if (it == config.tokens.end()) {
    return Error::make(ErrorCode::kUnauthenticated, "The X-Auth-Token is missing or not valid.");
  }
  c.user_id = "token-user";
  c.project_id = "token-project";
  c.roles = it->second;
  return c;
}

}  // namespace stratus
