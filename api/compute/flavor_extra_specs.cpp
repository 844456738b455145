// A flavor's extra specs (Nova's flavors_extraspecs.py): Nova's key shape, string
// values, then virt's, pci's and the scheduler's rules for the keys Stratus understands,
// and no key in a namespace Stratus does not act on unless [api]
// allow_unknown_extra_specs says to store it.
#include "api/compute/handlers.h"
#include "api/compute/schemas.h"
#include "pci/pci_request.h"
#include "scheduler/flavor_request.h"
#include "scheduler/request_spec.h"
#include "virt/guest_request.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

// The keys whose values are not virt/'s: PCI passthrough's and placement's group policy.
// An alias must be defined in [pci] now; server create checks the whole request again.
Status checkNonVirtSpec(const std::string& key, const std::string& value,
                        const pci::PciConfig& config) {
  if (key == pci::kFlavorPciAlias) {
    auto r = pci::pciRequestsFrom({{key, value}}, {}, config);
    if (!r) return r.takeError();
  } else if (key == pci::kFlavorPciNumaPolicy) {
    return pci::validatePciNumaPolicy(key, value);
  } else if (key == scheduler::kFlavorGroupPolicy) {
    return scheduler::validateGroupPolicy(value);
  } else if (scheduler::isPlacementSpecKey(key)) {
    return scheduler::validatePlacementSpec(key, value);
  }
  return okStatus();
}

Status checkExtraSpec(const std::string& key, const json& value, const ApiOptions& options) {
  if (key.empty() || key.size() > 255) {
    return badRequest("Invalid extra spec key '" + key + "': it must be 1 to 255 characters");
  }
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
          c == '.' || c == ' ')) {
      return badRequest("Invalid extra spec key '" + key +
                        "': allowed characters are letters, digits, '-', '_', ':', '.' and space");
    }
  }
  if (auto broken = http::checkValue(value, extraSpecValueRule())) {
    if (*broken == http::SchemaRule::kType) {
      return badRequest("Invalid extra spec " + key + "=" + value.dump() +
                        ": values must be strings");
    }
    return badRequest("Invalid extra spec " + key + ": the value is longer than 255 characters");
  }
  if (auto s = virt::validateExtraSpec(key, value.get<std::string>()); !s) {
    return badRequest(s.error().message);
  }
  if (auto s = checkNonVirtSpec(key, value.get<std::string>(), options.pci); !s) {
    return badRequest(s.error().message);
  }
  if (!options.allow_unknown_extra_specs) {
    if (auto s = scheduler::checkExtraSpecHonoured(key, value.get<std::string>()); !s)
      return badRequest(s.error().message);
  }
  return okStatus();
}

Error noSuchSpec(const std::string& flavor, const std::string& key) {
  return Error::make(ErrorCode::kNotFound,
                     "Flavor " + flavor + " has no extra specs with key " + key + ".");
}

}  // namespace

Reply listExtraSpecs(const Context& c, const HttpRequest&, const PathParams& p) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  return jsonResponse(200, {{"extra_specs", (*flavor)->extra_specs}});
}

Reply addExtraSpecs(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-flavor-extra-specs:create"); !s)
    return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  if (http::validateObject(*doc, extraSpecsSchema())) {
    return badRequest("Invalid input: the body must be {\"extra_specs\": {KEY: VALUE, ...}}");
  }
  const json& specs = (*doc)["extra_specs"];
  for (const auto& [k, v] : specs.items()) {
    if (auto s = checkExtraSpec(k, v, c.options); !s) return s.error();
  }
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  FlavorRecord f = **flavor;
  for (const auto& [k, v] : specs.items()) f.extra_specs[k] = v.get<std::string>();
  if (auto s = c.state.save(f); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, {{"extra_specs", specs}});
}

Reply showExtraSpec(const Context& c, const HttpRequest&, const PathParams& p) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  auto spec = (*flavor)->extra_specs.find(p[1]);
  if (spec == (*flavor)->extra_specs.end()) return noSuchSpec(p[0], p[1]);
  return jsonResponse(200, {{p[1], spec->second}});
}

Reply putExtraSpec(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-flavor-extra-specs:update"); !s)
    return s.error();
  auto doc = jsonObjectBody(r);
  if (!doc) return doc.takeError();
  // {KEY: VALUE}, the one key the URL names.
  const http::ObjectSchema one_key{{{p[1], http::SchemaField(http::SchemaField::Type::kAny, true)}},
                                   false};
  if (http::validateObject(*doc, one_key)) {
    return badRequest("Invalid input: the body must be {\"" + p[1] +
                      "\": VALUE}, one key matching the URL");
  }
  if (auto s = checkExtraSpec(p[1], (*doc)[p[1]], c.options); !s) return s.error();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  FlavorRecord f = **flavor;
  f.extra_specs[p[1]] = (*doc)[p[1]].get<std::string>();
  if (auto s = c.state.save(f); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, *doc);
}

Reply deleteExtraSpec(const Context& c, const HttpRequest& r, const PathParams& p) {
  if (auto s = requirePolicy(r, "os_compute_api:os-flavor-extra-specs:delete"); !s)
    return s.error();
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto flavor = findFlavor(c.state, p[0]);
  if (!flavor) return flavor.takeError();
  FlavorRecord f = **flavor;
  if (f.extra_specs.erase(p[1]) == 0) return noSuchSpec(p[0], p[1]);
  if (auto s = c.state.save(f); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(200);
}

}  // namespace stratus::api::compute
