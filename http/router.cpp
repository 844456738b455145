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
  routes_.add(method, pattern, Entry{std::move(handler), options});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto found = routes_.match(method, path);
  Match m;
  m.params = std::move(found.params);
  m.allowed = std::move(found.allowed);
  switch (found.kind) {
    case BasicRouter<Entry>::Match::Kind::kFound:
      m.kind = Match::Kind::kFound;
      m.handler = &found.value->handler;
      m.options = found.value->options;
      break;
    case BasicRouter<Entry>::Match::Kind::kNoMethod:
      m.kind = Match::Kind::kNoMethod;
      break;
    case BasicRouter<Entry>::Match::Kind::kNoPath:
      m.kind = Match::Kind::kNoPath;
      break;
  }
  return m;
}

}  // namespace stratus::http
