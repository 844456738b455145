#include "scheduler/request_spec.h"

namespace stratus::scheduler {

Result<RequestSpec> buildRequestSpec(const virt::Flavor& flavor, const virt::ImageProperties& image,
                                     const virt::VirtConfig& config) {
  auto guest = virt::parseGuestRequest(flavor, image, config);
  if (!guest) return guest.takeError();
  RequestSpec spec{flavor, image, std::move(*guest), {}};
  if (spec.guest.machine_type) {
    spec.machine_type = *spec.guest.machine_type;
  } else if (spec.guest.arch) {
    spec.machine_type = config.machineTypeFor(*spec.guest.arch).value_or("");
  }
  return spec;
}

std::string PlacementQuery::queryString() const {
  std::string q = "resources=";
  bool first = true;
  for (const auto& [rc, n] : resources) {
    q += (first ? "" : ",") + rc + ":" + std::to_string(n);
    first = false;
  }
  std::string req;
  for (const auto& t : required) req += (req.empty() ? "" : ",") + t;
  for (const auto& t : forbidden) req += (req.empty() ? "!" : ",!") + t;
  if (!req.empty()) q += "&required=" + req;
  for (const auto& group : any_of) {
    std::string in;
    for (const auto& t : group) in += (in.empty() ? "" : ",") + t;
    q += "&required=in:" + in;
  }
  q += "&limit=" + std::to_string(limit);
  return q;
}

std::string PlacementQuery::describe() const {
  std::string out;
  for (const auto& [rc, n] : resources)
    out += (out.empty() ? "" : ", ") + rc + "=" + std::to_string(n);
  for (const auto& t : required) out += "; required " + t;
  for (const auto& group : any_of) {
    std::string in;
    for (const auto& t : group) in += (in.empty() ? "" : "|") + t;
    out += "; one of " + in;
  }
  for (const auto& t : forbidden) out += "; forbidden " + t;
  return out;
}

}  // namespace stratus::scheduler
