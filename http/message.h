// Transport-neutral HTTP request and response, so handlers and routing are tested
// without sockets. The Beast server (server.h) converts to and from these.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/api_version.h"

namespace stratus::http {

struct AuthContext {
  bool admin = false;
  std::string user_id;
  std::string project_id;
};

struct HttpRequest {
  std::string method;
  std::string path;                                        // decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // lower-case names
  std::string body;

  // Filled in by the service before a handler runs.
  ApiVersion version;  // negotiated by the service before handlers run
  std::string request_id;
  AuthContext auth;

  std::optional<std::string> header(const std::string& lower_name) const;
  // Every value of a query parameter, in order.
  std::vector<std::string> queryAll(std::string_view name) const;
  std::optional<std::string> queryOne(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void setHeader(const std::string& name, std::string value);
  std::optional<std::string> header(const std::string& name) const;
};

// "/a/b?x=1&y=%20" -> path "/a/b" and query [("x","1"),("y"," ")]. False on a bad
// percent escape.
bool splitTarget(std::string_view target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query);
bool percentDecode(std::string_view in, std::string& out, bool plus_is_space);

std::string_view reasonPhrase(int status);

}  // namespace stratus::http
