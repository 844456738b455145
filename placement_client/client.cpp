#include "placement_client/client.h"

#include <algorithm>
#include <cctype>
#include <exception>

namespace stratus::placement_client {
namespace {

using nlohmann::json;

// Placement puts the human text in errors[0].detail; its last line is the message.
std::string errorDetail(const json& body) {
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty() && body["errors"][0].is_object()) {
    const json& e = body["errors"][0];
    std::string detail = e.value("detail", std::string());
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    if (auto nl = detail.rfind('\n'); nl != std::string::npos) detail = detail.substr(nl + 1);
    if (!detail.empty()) return detail;
    return e.value("title", std::string());
  }
  return {};
}

std::string errorCodeOf(const json& body) {
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty() && body["errors"][0].is_object()) {
    return body["errors"][0].value("code", std::string());
  }
  return {};
}

class RestClient final : public PlacementClient {
 public:
  explicit RestClient(std::unique_ptr<rest::JsonClient> client) : client_(std::move(client)) {}

  const std::string& baseUrl() const override { return client_->baseUrl(); }

  Result<Response> call(const std::string& method, const std::string& path_and_query,
                        const std::optional<json>& body) override {
    auto r = client_->call(method, path_and_query, body);
    if (!r) return r.takeError();
    return Response{r->status, std::move(r->body)};
  }

 private:
  std::unique_ptr<rest::JsonClient> client_;
};

Result<Provider> providerFromJson(const json& doc) {
  if (!doc.is_object() || !doc.contains("uuid") || !doc["uuid"].is_string() ||
      !doc.contains("generation") || !doc["generation"].is_number_integer()) {
    return Error::make(ErrorCode::kUnavailable,
                       "placement answered a provider without uuid or generation");
  }
  Provider p;
  p.uuid = doc["uuid"].get<std::string>();
  p.name = doc.value("name", std::string());
  p.generation = doc["generation"].get<std::int64_t>();
  if (doc.contains("parent_provider_uuid") && doc["parent_provider_uuid"].is_string()) {
    p.parent_uuid = doc["parent_provider_uuid"].get<std::string>();
  }
  if (doc.contains("root_provider_uuid") && doc["root_provider_uuid"].is_string()) {
    p.root_uuid = doc["root_provider_uuid"].get<std::string>();
  }
  return p;
}

Result<std::int64_t> generationOf(const json& doc, const std::string& what) {
  if (!doc.is_object() || !doc.contains("resource_provider_generation") ||
      !doc["resource_provider_generation"].is_number_integer()) {
    return Error::make(ErrorCode::kUnavailable,
                       "placement answered " + what + " without resource_provider_generation");
  }
  return doc["resource_provider_generation"].get<std::int64_t>();
}

}  // namespace

Result<std::unique_ptr<PlacementClient>> PlacementClient::create(const ClientOptions& options) {
  rest::JsonClientOptions rest_options;
  rest_options.base_url = options.base_url;
  rest_options.service_name = "placement";
  rest_options.timeout = options.timeout;
  rest_options.headers["Accept"] = "application/json";
  rest_options.headers["OpenStack-API-Version"] = "placement " + options.microversion;
  if (!options.token.empty()) rest_options.headers["X-Auth-Token"] = options.token;
  rest_options.error_text = [](const json& body) { return errorDetail(body); };
  // Only a moved generation is worth a re-read; other conflicts (inventory in use,
  // trait in use, duplicate name) will not go away by retrying.
  rest_options.is_retryable_conflict = [](const json& body) {
    return errorCodeOf(body) == "placement.concurrent_update";
  };
  rest_options.is_already_exists = [](const json& body) {
    return errorCodeOf(body) == "placement.duplicate_name";
  };
  rest_options.service_code = [](const json& body) { return errorCodeOf(body); };
  auto client = rest::JsonClient::create(std::move(rest_options));
  if (!client) return client.takeError();
  return std::unique_ptr<PlacementClient>(std::make_unique<RestClient>(std::move(*client)));
}

std::string encodeQueryValue(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',' ||
        c == '!') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

Result<std::optional<Provider>> PlacementClient::getProvider(const std::string& uuid) {
  auto r = call("GET", "/resource_providers/" + uuid);
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) return std::optional<Provider>();
    return r.takeError();
  }
  auto p = providerFromJson(r->body);
  if (!p) return p.takeError();
  return std::optional<Provider>(std::move(*p));
}

Result<std::vector<Provider>> PlacementClient::listProviders(const std::string& query) {
  auto r = call("GET", "/resource_providers" + (query.empty() ? "" : "?" + query));
  if (!r) return r.takeError();
  if (!r->body.is_object() || !r->body.contains("resource_providers") ||
      !r->body["resource_providers"].is_array()) {
    return Error::make(ErrorCode::kUnavailable,
                       "placement answered a provider list without resource_providers");
  }
  std::vector<Provider> out;
  for (const json& doc : r->body["resource_providers"]) {
    auto p = providerFromJson(doc);
    if (!p) return p.takeError();
    out.push_back(std::move(*p));
  }
  return out;
}

Result<std::optional<Provider>> PlacementClient::findProviderByName(const std::string& name) {
  auto list = listProviders("name=" + encodeQueryValue(name));
  if (!list) return list.takeError();
  for (auto& p : *list) {
    if (p.name == name) return std::optional<Provider>(std::move(p));
  }
  return std::optional<Provider>();
}

Result<Provider> PlacementClient::createProvider(const std::string& uuid, const std::string& name) {
  return createProvider(uuid, name, std::string());
}

Status PlacementClient::deleteProvider(const std::string& uuid) {
  auto r = call("DELETE", "/resource_providers/" + uuid);
  if (!r && r.error().code != ErrorCode::kNotFound) return r.takeError();
  return okStatus();
}

Result<std::vector<std::string>> PlacementClient::getProviderConsumers(const std::string& uuid) {
  auto r = call("GET", "/resource_providers/" + uuid + "/allocations");
  if (!r) return r.takeError();
  std::vector<std::string> out;
  const json allocations = r->body.value("allocations", json::object());
  if (allocations.is_object()) {
    for (auto it = allocations.begin(); it != allocations.end(); ++it) out.push_back(it.key());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<Provider> PlacementClient::createProvider(const std::string& uuid, const std::string& name,
                                                 const std::string& parent_uuid) {
  json body{{"uuid", uuid}, {"name", name}};
  if (!parent_uuid.empty()) body["parent_provider_uuid"] = parent_uuid;
  auto r = call("POST", "/resource_providers", body);
  if (!r) return r.takeError();
  if (r->body.is_object() && !r->body.empty()) return providerFromJson(r->body);
  // Before 1.20 placement answers 201 with no body.
  auto again = getProvider(uuid);
  if (!again) return again.takeError();
  if (!*again) return Error::make(ErrorCode::kUnavailable, "provider " + uuid + " vanished");
  return std::move(**again);
}

json inventoriesToJson(const Inventories& inventories) {
  json out = json::object();
  for (const auto& [rc, inv] : inventories) {
    out[rc] = {{"total", inv.total},         {"reserved", inv.reserved},
               {"min_unit", inv.min_unit},   {"max_unit", inv.max_unit},
               {"step_size", inv.step_size}, {"allocation_ratio", inv.allocation_ratio}};
  }
  return out;
}

Result<Inventories> inventoriesFromJson(const json& doc) {
  if (!doc.is_object()) {
    return Error::make(ErrorCode::kUnavailable, "placement answered inventories not as an object");
  }
  Inventories out;
  for (const auto& [rc, v] : doc.items()) {
    if (!v.is_object()) {
      return Error::make(ErrorCode::kUnavailable,
                         "placement answered inventory " + rc + " not as an object");
    }
    Inventory inv;
    inv.total = v.value("total", std::int64_t{0});
    inv.reserved = v.value("reserved", std::int64_t{0});
    inv.min_unit = v.value("min_unit", std::int64_t{1});
    inv.max_unit = v.value("max_unit", inv.total);
    inv.step_size = v.value("step_size", std::int64_t{1});
    inv.allocation_ratio = v.value("allocation_ratio", 1.0);
    out[rc] = inv;
  }
  return out;
}

Result<ProviderInventories> PlacementClient::getInventories(const std::string& uuid) {
  auto r = call("GET", "/resource_providers/" + uuid + "/inventories");
  if (!r) return r.takeError();
  auto gen = generationOf(r->body, "inventories");
  if (!gen) return gen.takeError();
  auto inv = inventoriesFromJson(r->body.value("inventories", json::object()));
  if (!inv) return inv.takeError();
  return ProviderInventories{*gen, std::move(*inv)};
}

Result<std::int64_t> PlacementClient::putInventories(const std::string& uuid,
                                                     std::int64_t generation,
                                                     const Inventories& inventories) {
  auto r = call("PUT", "/resource_providers/" + uuid + "/inventories",
                json{{"resource_provider_generation", generation},
                     {"inventories", inventoriesToJson(inventories)}});
  if (!r) return r.takeError();
  return generationOf(r->body, "inventories");
}

Result<ProviderTraits> PlacementClient::getTraits(const std::string& uuid) {
  auto r = call("GET", "/resource_providers/" + uuid + "/traits");
  if (!r) return r.takeError();
  auto gen = generationOf(r->body, "traits");
  if (!gen) return gen.takeError();
  ProviderTraits out{*gen, {}};
  for (const json& t : r->body.value("traits", json::array())) {
    if (t.is_string()) out.traits.insert(t.get<std::string>());
  }
  return out;
}

Result<std::int64_t> PlacementClient::putTraits(const std::string& uuid, std::int64_t generation,
                                                const std::set<std::string>& traits) {
  auto r = call("PUT", "/resource_providers/" + uuid + "/traits",
                json{{"resource_provider_generation", generation}, {"traits", traits}});
  if (!r) return r.takeError();
  return generationOf(r->body, "traits");
}

Result<std::map<std::string, std::int64_t>> PlacementClient::getUsages(const std::string& uuid) {
  auto r = call("GET", "/resource_providers/" + uuid + "/usages");
  if (!r) return r.takeError();
  std::map<std::string, std::int64_t> out;
  const json usages = r->body.value("usages", json::object());
  for (const auto& [rc, v] : usages.items()) {
    if (v.is_number_integer()) out[rc] = v.get<std::int64_t>();
  }
  return out;
}

Result<std::vector<std::string>> PlacementClient::listTraits(const std::string& query) {
  auto r = call("GET", "/traits" + (query.empty() ? "" : "?" + query));
  if (!r) return r.takeError();
  std::vector<std::string> out;
  for (const json& t : r->body.value("traits", json::array())) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

Status PlacementClient::ensureResourceClass(const std::string& name) {
  auto r = call("PUT", "/resource_classes/" + name);
  if (!r) return r.takeError();
  return okStatus();
}

Status PlacementClient::ensureNewResourceClasses(const Inventories& current,
                                                 const Inventories& next) {
  for (const auto& [rc, inv] : next) {
    if (!current.contains(rc) && rc.rfind("CUSTOM_", 0) == 0) {
      STRATUS_RETURN_IF_ERROR(ensureResourceClass(rc));
    }
  }
  return okStatus();
}

Status PlacementClient::ensureTrait(const std::string& name) {
  auto r = call("PUT", "/traits/" + name);
  if (!r) return r.takeError();
  return okStatus();
}

}  // namespace stratus::placement_client
