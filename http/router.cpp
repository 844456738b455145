#include "http/router.h"

namespace stratus::http {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

void Router::add(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  std::vector<std::string> segments;
  for (auto s : splitPath(pattern)) {
    segments.emplace_back(s.starts_with("{") ? std::string_view("{}") : s);
  }
  for (auto& r : routes_) {
    if (r.segments == segments) {
      r.methods.push_back({std::string(method), std::move(handler), options});
      return;
    }
  }
  routes_.push_back(Route{segments, {{std::string(method), std::move(handler), options}}});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
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
        m.handler = &entry.handler;
        m.options = entry.options;
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

}  // namespace stratus::http
