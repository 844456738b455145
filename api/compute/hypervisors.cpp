// Hypervisors (Nova's hypervisors.py): one per compute agent that reported, up while
// it keeps reporting; ids are UUIDs (2.53).
#include "api/compute/handlers.h"
#include "api/compute/hypervisor_pci.h"
#include "api/compute/views.h"
#include "common/uuid.h"

namespace stratus::api::compute {
namespace {

using nlohmann::json;

// The status an operator gave the host's service (os-services), and its reason.
json withServiceStatus(const CloudState& state, json view, const std::string& host) {
  auto svc = state.services.find(host);
  if (svc == state.services.end()) return view;
  view["status"] = svc->second.disabled ? "disabled" : "enabled";
  if (view.contains("service")) {
    view["service"]["disabled_reason"] =
        svc->second.disabled_reason.empty() ? json() : json(svc->second.disabled_reason);
  }
  return view;
}

Reply hypervisorList(const Context& c, bool detail) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  if (auto s = c.state.refreshHeartbeats(); !s) return storeFailure(s.error());
  const std::int64_t now = unixNow();
  json list = json::array();
  for (const auto& [name, h] : c.state.hosts)
    list.push_back(withServiceStatus(c.state, hypervisorView(h, detail, now, c.options), name));
  return jsonResponse(200, {{"hypervisors", list}});
}

// One hypervisor by UUID with its uptime: all fields (show) or the summary (/uptime).
Result<json> hypervisorWithUptime(const Context& c, const std::string& id, bool detail) {
  if (!isCanonicalUuid(id)) {
    return badRequest("Invalid uuid " + id + ": hypervisor ids are UUIDs from microversion 2.53.");
  }
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  if (auto s = c.state.refreshHeartbeats(); !s) return storeFailure(s.error());
  for (const auto& [name, h] : c.state.hosts) {
    if (h.id != id) continue;
    json out = withServiceStatus(c.state, hypervisorView(h, detail, unixNow(), c.options), name);
    out["uptime"] = h.uptime;
    return out;
  }
  return Error::make(ErrorCode::kNotFound, "Hypervisor with ID " + id + " could not be found.");
}

}  // namespace

Reply listHypervisors(const Context& c, const HttpRequest&, const PathParams&) {
  return hypervisorList(c, false);
}

Reply listHypervisorsDetail(const Context& c, const HttpRequest&, const PathParams&) {
  return hypervisorList(c, true);
}

// show also carries the host's PCI device providers and who holds them, read from
// placement outside the state lock (a slow placement must not stall other requests).
Reply showHypervisor(const Context& c, const HttpRequest&, const PathParams& p) {
  auto out = hypervisorWithUptime(c, p[0], true);
  if (!out) return out.takeError();
  if (c.placement == nullptr) return jsonResponse(200, {{"hypervisor", *out}});
  auto providers = readPciProviders(*c.placement, p[0]);
  if (!providers) return providers.takeError();
  {
    auto lock = c.state.read();
    if (!lock) return storeFailure(lock.error());
    std::map<std::string, std::string> owners;
    json facts;
    for (const auto& [name, h] : c.state.hosts) {
      if (h.id != p[0]) continue;
      owners = h.pci_owners;
      facts = h.facts;
    }
    (*out)["pci_providers"] =
        pciProvidersView(std::move(*providers), c.state.servers, owners, facts);
  }
  return jsonResponse(200, {{"hypervisor", *out}});
}

Reply hypervisorUptime(const Context& c, const HttpRequest&, const PathParams& p) {
  auto out = hypervisorWithUptime(c, p[0], false);
  if (!out) return out.takeError();
  return jsonResponse(200, {{"hypervisor", *out}});
}

}  // namespace stratus::api::compute
