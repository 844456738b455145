// Who is calling, for every Stratus service (placement, the compute and image APIs).
// One rule set, so an operator's token means the same thing at every endpoint:
//
//   noauth (the default, like OpenStack's noauth2 middleware in Nova and Placement):
//     X-Auth-Token "USER[:PROJECT]" is accepted as is; PROJECT defaults to USER; the
//     user named "admin" holds the admin role (so "admin" and "admin:PROJECT" are
//     both admins). Test harnesses may claim roles with X-Roles ("reader,member"),
//     which replaces the token's; honoured under noauth only.
//   token: X-Auth-Token must be a line of the token file (common/token_file.h); the
//     line's roles are the caller's, user "token-user", project "token-project".
//
// Policy (who may do what) stays with each service; this only says who it is.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus {

enum class AuthMode { kNoAuth, kToken };

struct AuthConfig {
  AuthMode mode = AuthMode::kNoAuth;
  std::map<std::string, std::string> tokens;  // kToken: token -> "role[,role]"
};

struct Credentials {
  std::string user_id;
  std::string project_id;
  std::string roles;  // "admin" or "reader,member"; may be empty
  bool hasRole(std::string_view role) const;
  bool admin() const { return hasRole("admin"); }
};

// "noauth" or "token", for `key` (e.g. "[placement] auth"); InvalidArgument names both.
Result<AuthMode> parseAuthMode(const std::string& key, const std::string& value);

// The caller of a request with these headers (lower-case names), or
// Unauthenticated when the token is missing, empty or unknown.
Result<Credentials> authenticate(const AuthConfig& config,
                                 const std::map<std::string, std::string>& headers);

// Whether a comma-separated role list holds `role` (spaces around items ignored).
bool hasRole(std::string_view roles, std::string_view role);

}  // namespace stratus
