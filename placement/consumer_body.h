// The consumer bodies of PUT /allocations/{consumer}, POST /allocations and POST
// /reshaper, parsed into plain data before any state is read. Each parser returns
// the empty string on success, else the 400 detail in Placement's schema wording
// (Placement 8.0 schemas/allocation.py, schemas/reshaper.py).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "placement/http_types.h"
#include "placement/model.h"

namespace stratus::placement {

// One consumer's wanted allocations, parsed from a PUT or POST body.
struct ConsumerWrite {
  std::string uuid;
  std::map<std::string, ResourceAmounts> allocations;  // empty: remove them all
  std::string project_id;
  std::string user_id;
  std::string consumer_type;
  bool check_generation = false;           // 1.28+
  std::optional<std::int64_t> generation;  // null: the caller believes it is new
};

// One consumer's body; `allow_empty`: an empty allocations object is allowed.
std::string parseConsumerBody(const HttpRequest& r, const nlohmann::json& body, ConsumerWrite& out,
                              bool allow_empty);

// {consumer uuid: body, ...} as POST /allocations and the reshaper take it; an
// empty allocations object removes that consumer's allocations at any version.
std::string parseConsumerMap(const HttpRequest& r, const nlohmann::json& map,
                             std::vector<ConsumerWrite>& out);

}  // namespace stratus::placement
