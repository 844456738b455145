#include "placement/consumer_body.h"

#include <algorithm>
#include <cctype>

#include "placement/inventory_body.h"
#include "placement/json_schema.h"
#include "placement/microversion.h"

namespace stratus::placement {

using nlohmann::json;

// `mappings` (1.34): request group suffix -> providers that served it. Kept by
// nobody, but checked as Placement's schema checks it; empty or the 400 detail.
namespace {

std::string mappingsProblem(const json& mappings) {
  if (mappings.empty()) {
    return "JSON does not validate: {} does not have enough properties\n\nFailed validating "
           "'minProperties' in schema['properties']['mappings']";
  }
  for (const auto& [suffix, providers] : mappings.items()) {
    // Placement's pattern is unanchored: only keys with no suffix character at all escape it.
    const bool suffix_like = std::any_of(suffix.begin(), suffix.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    if (!suffix_like) continue;
    if (!providers.is_array()) {
      return "JSON does not validate: " + pyRepr(providers) + " is not of type 'array'";
    }
    if (providers.empty()) {
      return "JSON does not validate: [] is too short\n\nFailed validating 'minItems' in "
             "schema['properties']['mappings']";
    }
    for (const auto& u : providers) {
      if (!u.is_string())
        return "JSON does not validate: " + pyRepr(u) + " is not of type 'string'";
      if (!isUuid(u.get<std::string>())) {
        return "JSON does not validate: " + pyRepr(u) + " is not a 'uuid'";
      }
    }
  }
  return {};
}

}  // namespace

// Parses one consumer's body; empty on success, else the 400 detail.
std::string parseConsumerBody(const HttpRequest& r, const json& body, ConsumerWrite& out,
                              bool allow_empty) {
  using T = SchemaField::Type;
  ObjectSchema schema;
  schema.fields["allocations"] =
      SchemaField(versionOf(r).atLeast(kAllocationsDict) ? T::kObject : T::kArray, true);
  if (versionOf(r).atLeast(kAllocationOwner)) {
    schema.fields["project_id"] = SchemaField(T::kString, true).length(1, 255);
    schema.fields["user_id"] = SchemaField(T::kString, true).length(1, 255);
  }
  if (versionOf(r).atLeast(kConsumerGeneration))
    schema.fields["consumer_generation"] = SchemaField(T::kAny, true);
  if (versionOf(r).atLeast(kMappings)) schema.fields["mappings"] = SchemaField(T::kObject, false);
  if (versionOf(r).atLeast(kConsumerTypes))
    schema.fields["consumer_type"] = SchemaField(T::kString, true).length(1, 255);
  if (auto e = validateObject(body, schema)) return *e;
  if (body.contains("mappings")) {
    if (auto e = mappingsProblem(body["mappings"]); !e.empty()) return e;
  }

  const auto& allocs = body["allocations"];
  if (allocs.empty() && !allow_empty) {
    return allocs.is_array()
               ? "JSON does not validate: [] is too short\n\nFailed validating 'minItems' in schema"
               : "JSON does not validate: {} does not have enough properties\n\nFailed "
                 "validating 'minProperties' in schema";
  }
  auto addResources = [&](const std::string& rp, const json& resources) -> std::string {
    if (!resources.is_object() || resources.empty()) {
      return "JSON does not validate: " + pyRepr(resources) +
             " does not have enough properties\n\nFailed validating 'minProperties' in schema";
    }
    for (const auto& [rc, n] : resources.items()) {
      const bool name_ok = !rc.empty() && std::all_of(rc.begin(), rc.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!name_ok) {
        return "JSON does not validate: '" + rc +
               "' does not match any of the regexes: "
               "'^[A-Z0-9_]+$'\n\nFailed validating 'additionalProperties' in schema";
      }
      if (!n.is_number_integer()) {
        return "JSON does not validate: " + pyRepr(n) + " is not of type 'integer'";
      }
      if (n.get<std::int64_t>() < 1) {
        return "JSON does not validate: " + pyRepr(n) +
               " is less than the minimum of 1\n\nFailed validating 'minimum' in schema";
      }
      out.allocations[rp][rc] = n.get<std::int64_t>();
    }
    return {};
  };
  if (allocs.is_array()) {
    for (const auto& a : allocs) {
      if (!a.is_object() || !a.contains("resource_provider") || !a.contains("resources") ||
          !a["resource_provider"].is_object() || !a["resource_provider"].contains("uuid") ||
          !a["resource_provider"]["uuid"].is_string()) {
        return "JSON does not validate: 'resource_provider' is a required property\n\nFailed "
               "validating 'required' in schema";
      }
      const std::string rp = a["resource_provider"]["uuid"];
      if (!isUuid(rp)) return "JSON does not validate: '" + rp + "' is not a 'uuid'";
      if (auto e = addResources(canonicalUuid(rp), a["resources"]); !e.empty()) return e;
    }
  } else {
    for (const auto& [rp, a] : allocs.items()) {
      if (!isUuid(rp)) {
        return "JSON does not validate: '" + rp + "' does not match any of the regexes";
      }
      if (!a.is_object() || !a.contains("resources")) {
        return "JSON does not validate: 'resources' is a required property\n\nFailed validating "
               "'required' in schema";
      }
      for (const auto& [k, v] : a.items()) {
        if (k != "resources" && k != "generation") {
          return "JSON does not validate: Additional properties are not allowed ('" + k +
                 "' was unexpected)";
        }
      }
      if (auto e = addResources(canonicalUuid(rp), a["resources"]); !e.empty()) return e;
    }
  }
  out.project_id = body.value("project_id", std::string());
  out.user_id = body.value("user_id", std::string());
  out.consumer_type = body.value("consumer_type", std::string());
  if (!out.consumer_type.empty()) {
    for (char c : out.consumer_type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return "JSON does not validate: '" + out.consumer_type +
               "' does not match '^[A-Z0-9_]+$'\n\nFailed validating 'pattern' in schema";
      }
    }
  }
  if (versionOf(r).atLeast(kConsumerGeneration)) {
    out.check_generation = true;
    const auto& g = body["consumer_generation"];
    if (g.is_number_integer()) {
      out.generation = g.get<std::int64_t>();
    } else if (!g.is_null()) {
      return "JSON does not validate: " + pyRepr(g) + " is not of type 'integer', 'null'";
    }
  }
  return {};
}

// {consumer uuid: body, ...} as POST /allocations and the reshaper take it; an
// empty allocations object removes that consumer's allocations at any version.
std::string parseConsumerMap(const HttpRequest& r, const json& map,
                             std::vector<ConsumerWrite>& out) {
  for (const auto& [consumer, item] : map.items()) {
    if (!isUuid(consumer)) {
      return "JSON does not validate: '" + consumer + "' does not match any of the regexes";
    }
    ConsumerWrite w;
    w.uuid = canonicalUuid(consumer);
    if (auto e = parseConsumerBody(r, item, w, true); !e.empty()) return e;
    out.push_back(std::move(w));
  }
  return {};
}

}  // namespace stratus::placement
