// One log line per request: "[PREFIX ]METHOD PATH STATUS 1.23ms REQUEST-ID".
#pragma once

#include <functional>
#include <string>

#include "http/server.h"

namespace stratus::http {

struct RequestLog {
  std::string prefix;  // e.g. "compute"; empty for none
  std::function<void(const std::string& line)> write;
  // Requests not worth a line (say, a poll that changed nothing); may be empty.
  std::function<bool(const HttpRequest&, const HttpResponse&)> skip;
};

RequestHandler withRequestLog(RequestHandler handler, RequestLog log);

}  // namespace stratus::http
