// The compute API's one route table (as Nova's nova/api/openstack/compute/routes.py).
#pragma once

#include <string_view>
#include <vector>

#include "api/compute/common.h"

namespace stratus::api::compute {

struct Route {
  std::string_view method;
  std::string_view pattern;  // "/v2.1/flavors/{id}"
  Handler handler;
  bool takes_body = false;  // the body must be application/json
};

const std::vector<Route>& routes();

}  // namespace stratus::api::compute
