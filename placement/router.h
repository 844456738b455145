// One route table: method + path pattern -> handler. A path that exists with another
// method gives 405 with the allowed methods; an unknown path gives 404.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "placement/http_message.h"

namespace stratus::placement {

using PathParams = std::vector<std::string>;  // the {captures}, in order
using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

class Router {
 public:
  // `pattern` is like "/resource_providers/{uuid}/traits".
  void add(std::string_view method, std::string_view pattern, Handler handler);

  struct Match {
    enum class Kind { kFound, kNoPath, kNoMethod } kind = Kind::kNoPath;
    const Handler* handler = nullptr;
    PathParams params;
    std::string allowed;  // "GET, PUT" for kNoMethod
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::vector<std::string> segments;  // "{}" marks a capture
    std::vector<std::pair<std::string, Handler>> methods;
  };
  std::vector<Route> routes_;
};

std::vector<std::string_view> splitPath(std::string_view path);

}  // namespace stratus::placement
