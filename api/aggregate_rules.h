// Host aggregates' rules (Nova's os-aggregates schemas and its availability zone
// checks), as pure functions: the bodies of create, update and action, the one zone a
// host may be in, and the provider aggregate list placement is given.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/model.h"
#include "common/result.h"

namespace stratus::api {

// POST /os-aggregates and PUT /os-aggregates/{id}: {"aggregate": {"name": S,
// "availability_zone": S|null}}. `zone` unset: not given; set to "": null (none).
struct AggregateFields {
  std::optional<std::string> name;
  std::optional<std::string> zone;
};
// InvalidArgument naming the key, the value and what is allowed for: a body without
// the "aggregate" object, an unknown key, a name that is not 1 to 255 characters, a zone
// that is not 1 to 255 characters without ':' (or null); for create a missing name, for
// update neither name nor availability_zone.
Result<AggregateFields> parseAggregateBody(const nlohmann::json& body, bool create);

// POST /os-aggregates/{id}/action: exactly one of add_host / remove_host ({"host": S})
// and set_metadata ({"metadata": {KEY: S|null}}, null removes KEY).
struct AggregateAction {
  enum class Kind { kAddHost, kRemoveHost, kSetMetadata } kind;
  std::string host;
  std::map<std::string, std::optional<std::string>> metadata;
};
// InvalidArgument naming what is at fault: not exactly one known action, a host that is
// not a string of 1 to 255 characters, metadata that is not an object, a key of 0 or
// over 255 characters, a value that is not a string of up to 255 characters or null,
// an availability_zone value that checkZoneName refuses.
Result<AggregateAction> parseAggregateAction(const nlohmann::json& body);

// Every host in at most one availability zone (Nova refuses a change that would put a
// host into two): InvalidArgument naming the host and both zones, for `aggregates` as
// they would be after the change.
Status checkOneZonePerHost(const std::map<int, AggregateRecord>& aggregates);

// A provider's aggregate list with `uuid` added (member) or removed, the others kept in
// order: what the API writes back to placement.
std::vector<std::string> providerAggregatesWith(const std::vector<std::string>& current,
                                                const std::string& uuid, bool member);

}  // namespace stratus::api
