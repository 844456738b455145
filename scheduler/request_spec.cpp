#include "scheduler/request_spec.h"

namespace stratus::scheduler {
namespace {

std::string joined(const std::set<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& t : items) out += (out.empty() ? "" : sep) + t;
  return out;
}

std::string resourceList(const std::map<std::string, std::int64_t>& resources, const char* kv,
                         const char* sep) {
  std::string out;
  for (const auto& [rc, n] : resources)
    out += (out.empty() ? "" : sep) + rc + kv + std::to_string(n);
  return out;
}

}  // namespace

Status validateGroupPolicy(std::string_view value) {
  if (value == "none" || value == "isolate") return okStatus();
  return Error::invalid(std::string(kFlavorGroupPolicy), std::string(value), "none, isolate",
                        "not a placement group policy");
}

Result<RequestSpec> buildRequestSpec(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                     const virt::VirtConfig& config, const pci::PciConfig& pci,
                                     bool allow_unknown_extra_specs) {
  if (!allow_unknown_extra_specs) {
    for (const auto& [k, v] : flavor.extra_specs) {
      if (auto s = checkExtraSpecHonoured(k, v); !s) return s.error();
    }
  }
  auto guest = virt::parseGuestRequest(flavor, image, config);
  if (!guest) return guest.takeError();
  auto devices = pci::pciRequestsFrom(flavor.extra_specs, image, pci);
  if (!devices) return devices.takeError();
  auto placement = parseFlavorRequest(flavor.extra_specs, image);
  if (!placement) return placement.takeError();
  RequestSpec spec{
      flavor, image, std::move(*guest), {}, std::move(*devices), "none", std::move(*placement),
      {},     {},    {},                {}};
  if (auto gp = flavor.extra_specs.find(std::string(kFlavorGroupPolicy));
      gp != flavor.extra_specs.end()) {
    if (auto s = validateGroupPolicy(gp->second); !s) return s.error();
    spec.group_policy = gp->second;
  }
  if (spec.guest.machine_type) {
    spec.machine_type = *spec.guest.machine_type;
  } else if (spec.guest.arch) {
    spec.machine_type = config.machineTypeFor(*spec.guest.arch).value_or("");
  }
  return spec;
}

std::string PlacementQuery::queryString() const {
  std::string q = "resources=" + resourceList(resources, ":", ",");
  std::string req = joined(required, ",");
  for (const auto& t : forbidden) req += (req.empty() ? "!" : ",!") + t;
  if (!req.empty()) q += "&required=" + req;
  for (const auto& group : any_of) {
    std::string in;
    for (const auto& t : group) in += (in.empty() ? "" : ",") + t;
    q += "&required=in:" + in;
  }
  for (const auto& m : member_of) q += "&member_of=" + m;
  if (!in_tree.empty()) q += "&in_tree=" + in_tree;
  for (const auto& g : groups) {
    const std::string& n = g.suffix;
    q += "&resources" + n + "=" + resourceList(g.resources, ":", ",");
    std::string greq = joined(g.required, ",");
    for (const auto& t : g.forbidden) greq += (greq.empty() ? "!" : ",!") + t;
    if (!greq.empty()) q += "&required" + n + "=" + greq;
    for (const auto& m : g.member_of) q += "&member_of" + n + "=" + m;
  }
  if (!groups.empty()) q += "&group_policy=" + group_policy;
  q += "&limit=" + std::to_string(limit);
  return q;
}

std::string PlacementQuery::describe() const {
  std::string out = resourceList(resources, "=", ", ");
  for (const auto& t : required) out += "; required " + t;
  for (const auto& group : any_of) {
    std::string in;
    for (const auto& t : group) in += (in.empty() ? "" : "|") + t;
    out += "; one of " + in;
  }
  for (const auto& t : forbidden) out += "; forbidden " + t;
  for (const auto& m : member_of) out += "; member_of " + m;
  if (!in_tree.empty()) out += "; in_tree " + in_tree;
  // Consecutive groups from one request read as one item: "groups 1-3". The flavor's
  // own groups (no origin) each stand alone.
  for (std::size_t i = 0; i < groups.size();) {
    std::size_t j = i + 1;
    while (j < groups.size() && !groups[i].origin.empty() && groups[j].origin == groups[i].origin)
      ++j;
    const RequestGroup& g = groups[i];
    out += "; " + (g.origin.empty() ? std::string() : g.origin + " as ") + "group" +
           (j - i == 1 ? " " + g.suffix : "s " + g.suffix + "-" + groups[j - 1].suffix) + " (" +
           resourceList(g.resources, "=", ", ") + (j - i == 1 ? "" : " each");
    if (!g.required.empty()) out += "; required " + joined(g.required, ", ");
    if (!g.forbidden.empty()) out += "; forbidden " + joined(g.forbidden, ", ");
    for (const auto& m : g.member_of) out += "; member_of " + m;
    out += ")";
    i = j;
  }
  if (!groups.empty()) out += ", group_policy " + group_policy;
  return out;
}

}  // namespace stratus::scheduler
