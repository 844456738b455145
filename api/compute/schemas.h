// The compute API's request bodies, declared (as Nova's nova/api/openstack/compute/
// schemas/ declares them) on the shared JSON schema helper (http/json_schema.h),
// with the words Stratus has always used for each failure: "Invalid input for
// field/attribute FIELD. Value: VALUE. WHY".
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/compute/microversion.h"
#include "common/result.h"
#include "http/json_schema.h"

namespace stratus::api::compute {

// One property of a body, with its rule and Nova's words for breaking it.
struct BodyField {
  std::string name;
  http::SchemaField rule = {};
  std::string why = {};                                  // for a broken rule without its own words
  std::map<http::SchemaRule, std::string> why_for = {};  // words for one rule
  bool says_minimum = false;            // kBelowMinimum reads "V is less than the minimum of M."
  std::string required_message = {};    // when a required field is absent
  bool empty_string_is_absent = false;  // "" reads as if the key were not sent
};

// A body {"OBJECT": {...}} whose object holds only `fields` (and `also_accepted`).
struct BodySchema {
  std::string object;                      // "flavor", "server"
  std::vector<BodyField> fields;           // checked in this order; listed in this order as allowed
  std::vector<std::string> also_accepted;  // taken (and ignored) but not advertised
  // The unknown-key message; "{key}" and "{allowed}" are filled in.
  std::string unknown;
};

// The object inside `doc` when it keeps `schema`, else InvalidArgument naming the
// first field at fault (unknown keys first, then each field in order).
Result<const nlohmann::json*> checkBody(const nlohmann::json& doc, const BodySchema& schema);

// "Invalid input for field/attribute FIELD. Value: VALUE. WHY"
std::string invalidField(const std::string& field, const nlohmann::json& value,
                         const std::string& why);

// POST /flavors (flavor_manage.py create); "description" from 2.55.
const BodySchema& flavorCreateSchema(ComputeVersion v);
// POST /flavors/{id}/os-extra_specs: {"extra_specs": {...}} and nothing else.
const http::ObjectSchema& extraSpecsSchema();
// One extra spec: a string of at most 255 characters.
const http::SchemaField& extraSpecValueRule();
// POST /servers, the keys Stratus takes (servers.py create).
const BodySchema& serverCreateSchema();
// PUT /stratus/v1/hosts/{host}: the agent's report.
const http::ObjectSchema& hostReportSchema();

}  // namespace stratus::api::compute
