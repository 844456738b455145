// One route table: method + path pattern -> value. A path that exists with another
// method gives 405 with the allowed methods; an unknown path gives 404.
// BasicRouter holds any value per route (the pipeline's entries, http/pipeline.h);
// Router is the handler table the compute and image APIs use directly.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace stratus::http {

using PathParams = std::vector<std::string>;  // the {captures}, in order

std::vector<std::string_view> splitPath(std::string_view path);

template <class Value>
class BasicRouter {
 public:
  // `pattern` is like "/resource_providers/{uuid}/traits".
  void add(std::string_view method, std::string_view pattern, Value value) {
    std::vector<std::string> segments;
    for (auto s : splitPath(pattern)) {
      segments.emplace_back(s.starts_with("{") ? std::string_view("{}") : s);
    }
    for (auto& r : routes_) {
      if (r.segments == segments) {
        r.methods.push_back({std::string(method), std::move(value)});
        return;
      }
    }
    routes_.push_back(Route{segments, {}});
    routes_.back().methods.push_back({std::string(method), std::move(value)});
  }

  struct Match {
    enum class Kind { kFound, kNoPath, kNoMethod } kind = Kind::kNoPath;
    const Value* value = nullptr;
    PathParams params;
    std::string allowed;  // "GET, PUT" for kNoMethod
  };

  Match match(std::string_view method, std::string_view path) const {
    Match m;
    const auto parts = splitPath(path);
    for (const auto& r : routes_) {
      if (r.segments.size() != parts.size()) continue;
      PathParams params;
      bool same = true;
      for (std::size_t i = 0; i < parts.size() && same; ++i) {
        if (r.segments[i] == "{}") {
          if (parts[i].empty())
            same = false;
          else
            params.emplace_back(parts[i]);
        } else {
          same = r.segments[i] == parts[i];
        }
      }
      if (!same) continue;
      for (const auto& entry : r.methods) {
        if (entry.verb == method) {
          m.kind = Match::Kind::kFound;
          m.value = &entry.value;
          m.params = std::move(params);
          return m;
        }
      }
      m.kind = Match::Kind::kNoMethod;
      for (const auto& entry : r.methods) {
        m.allowed += (m.allowed.empty() ? "" : ", ") + entry.verb;
      }
      return m;
    }
    return m;
  }

 private:
  struct Route {
    std::vector<std::string> segments;  // "{}" marks a capture
    struct Method {
      std::string verb;
      Value value;
    };
    std::vector<Method> methods;
  };
  std::vector<Route> routes_;
};

using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

struct RouteOptions {
  int since_minor = 0;     // the X.minor microversion the route appears at; 404 before it
  bool takes_body = true;  // PUT/POST whose body must be JSON
};

class Router {
 public:
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
  struct Entry {
    Handler handler;
    RouteOptions options;
  };
  BasicRouter<Entry> routes_;
};

}  // namespace stratus::http
