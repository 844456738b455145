// The image API's handlers and its one route table. Each handler returns the
// response or an Error, which the front door renders in Glance's shape.
#pragma once

#include <string_view>
#include <vector>

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "common/result.h"
#include "http/router.h"

namespace stratus::api::image {

struct Context {
  CloudState& state;  // lock state.mu around any access
  const ApiOptions& options;
};

using Reply = Result<http::HttpResponse>;
using Handler = Reply (*)(const Context&, const http::HttpRequest&, const http::PathParams&);

struct Route {
  std::string_view method;
  std::string_view pattern;
  Handler handler;
};

// GET / and /versions are public; the rest need a token.
const std::vector<Route>& routes();

}  // namespace stratus::api::image
