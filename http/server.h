// HTTP/1.1 with keep-alive on Boost.Beast, served by a pool of threads. Knows nothing
// of any service: it turns wire requests into HttpRequest and calls the handler.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace stratus::http {

using RequestHandler = std::function<HttpResponse(HttpRequest&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8778;  // 0: any free port (tests)
  unsigned threads = 4;
  std::size_t body_limit = 1024 * 1024;
  // Called with a ready-made response for requests rejected before the handler
  // (body too large, unparsable target), so errors keep the service's shape.
  std::function<HttpResponse(int status, const std::string& detail)> error_response;
};

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options,
                                                   RequestHandler handler);
  virtual ~HttpServer() = default;
  virtual unsigned short port() const = 0;
  // Blocks until stop() is called from another thread or a signal.
  virtual void wait() = 0;
  virtual void stop() = 0;
};

// "HOST:PORT"
Result<std::pair<std::string, unsigned short>> parseBind(const std::string& bind,
                                                         const std::string& key);

}  // namespace stratus::http
