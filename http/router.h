// One route table: method + path pattern -> handler. A path that exists with another
// method gives 405 with the allowed methods; an unknown path gives 404.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace stratus::http {

using PathParams = std::vector<std::string>;  // the {captures}, in order
using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

struct RouteOptions {
  int since_minor = 0;     // the X.minor microversion the route appears at; 404 before it
  bool takes_body = true;  // PUT/POST whose body must be JSON
};

class Router {
 public:
  // `pattern` is like "/resource_providers/{uuid}/traits".
  void add(std::string_view method, std::string_view pattern, Handler handler,
           RouteOptions options = {});

  struct Match {
    enum class Kind { kFound, kNoPath, kNoMethod } kind = Kind::kNoPath;
    const Handler* handler = nullptr;
    RouteOptions options;
    PathParams params;
    std::string allowed;  // "GET, PUT" for kNoMethod
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::vector<std::string> segments;  // "{}" marks a capture
    struct Method {
      std::string verb;
      Handler handler;
      RouteOptions options;
    };
    std::vector<Method> methods;
  };
  std::vector<Route> routes_;
};

std::vector<std::string_view> splitPath(std::string_view path);

}  // namespace stratus::http
