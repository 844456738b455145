#include "api/compute/views.h"

#include "api/compute/microversion.h"
#include "api/server_state.h"
#include "virt/host_facts.h"

namespace stratus::api::compute {

using nlohmann::json;

json selfLinks(const std::string& base, const std::string& collection, const std::string& id) {
  return json::array({{{"rel", "self"}, {"href", base + "/v2.1/" + collection + "/" + id}}});
}

json versionObject(const std::string& base) {
  return {{"id", "v2.1"},
          {"status", "CURRENT"},
          {"version", kMaxVersion.str()},
          {"min_version", kMinVersion.str()},
          {"updated", "2013-07-23T11:33:21Z"},
          {"links", json::array({{{"rel", "self"}, {"href", base + "/v2.1/"}}})},
          {"media-types",
           json::array({{{"base", "application/json"},
                         {"type", "application/vnd.openstack.compute+json;version=2.1"}}})}};
}

json flavorDetail(const FlavorRecord& f, const http::HttpRequest& r, const ApiOptions& options) {
  const ComputeVersion v = versionOf(r);
  json out = {{"id", f.id},
              {"name", f.name},
              {"ram", f.ram_mb},
              {"disk", f.disk_gb},
              {"vcpus", f.vcpus},
              {"OS-FLV-EXT-DATA:ephemeral", f.ephemeral_gb},
              {"OS-FLV-DISABLED:disabled", false},
              {"os-flavor-access:is_public", f.is_public},
              {"rxtx_factor", f.rxtx_factor},
              {"links", selfLinks(options.compute_url, "flavors", f.id)}};
  if (v.atLeast(kSwapInteger)) {
    out["swap"] = f.swap_mb;
  } else {
    out["swap"] = f.swap_mb == 0 ? json("") : json(f.swap_mb);
  }
  if (v.atLeast(kFlavorDescription))
    out["description"] = f.description.empty() ? json() : json(f.description);
  if (v.atLeast(kFlavorExtraSpecs)) out["extra_specs"] = f.extra_specs;
  return out;
}

json flavorSummary(const FlavorRecord& f, const http::HttpRequest& r, const ApiOptions& options) {
  json entry = {
      {"id", f.id}, {"name", f.name}, {"links", selfLinks(options.compute_url, "flavors", f.id)}};
  if (versionOf(r).atLeast(kFlavorDescription))
    entry["description"] = f.description.empty() ? json() : json(f.description);
  return entry;
}

json serverDetail(const ServerRecord& s, const http::HttpRequest& r, const ApiOptions& options) {
  const ComputeVersion v = versionOf(r);
  const std::string vm_state = vmStateOf(s);
  json task = s.task == ServerTask::kNone ? json() : json(std::string(serverTaskName(s.task)));
  json out = {
      {"id", s.id},
      {"name", s.name},
      {"status", displayStatus(s)},
      {"tenant_id", s.project_id},
      {"user_id", s.user_id},
      {"metadata", s.metadata},
      {"hostId", s.host.empty() ? "" : s.host},
      {"image",
       {{"id", s.image_id},
        {"links", json::array({{{"rel", "bookmark"},
                                {"href", options.compute_url + "/images/" + s.image_id}}})}}},
      {"created", s.created},
      {"updated", s.updated},
      {"addresses", json::object()},
      {"accessIPv4", ""},
      {"accessIPv6", ""},
      {"links", selfLinks(options.compute_url, "servers", s.id)},
      {"OS-DCF:diskConfig", "MANUAL"},
      {"OS-EXT-AZ:availability_zone", s.availability_zone.empty() ? "nova" : s.availability_zone},
      {"config_drive", ""},
      {"key_name", nullptr},
      {"progress", 0},
      {"OS-SRV-USG:launched_at", s.launched_at.empty() ? json() : json(s.launched_at)},
      {"OS-SRV-USG:terminated_at", nullptr},
      {"OS-EXT-SRV-ATTR:host", s.host.empty() ? json() : json(s.host)},
      {"OS-EXT-SRV-ATTR:hypervisor_hostname", s.host.empty() ? json() : json(s.host)},
      {"OS-EXT-SRV-ATTR:instance_name", s.instanceName()},
      {"OS-EXT-STS:vm_state", vm_state},
      {"OS-EXT-STS:task_state", task},
      {"OS-EXT-STS:power_state", s.power_state},
      {"os-extended-volumes:volumes_attached", json::array()},
      {"security_groups", json::array()},
      {"stratus:viommu_model_requested", s.viommu_requested},
      {"stratus:viommu_model_resolved",
       s.viommu_resolved.empty() ? json() : json(s.viommu_resolved)},
  };
  if (v.atLeast(kServerFlavorInline)) {
    out["flavor"] = {{"original_name", s.flavor.name},
                     {"vcpus", s.flavor.vcpus},
                     {"ram", s.flavor.ram_mb},
                     {"disk", s.flavor.disk_gb},
                     {"ephemeral", s.flavor.ephemeral_gb},
                     {"swap", s.flavor.swap_mb},
                     {"extra_specs", s.flavor.extra_specs}};
  } else {
    out["flavor"] = {
        {"id", s.flavor.id},
        {"links", json::array({{{"rel", "bookmark"},
                                {"href", options.compute_url + "/flavors/" + s.flavor.id}}})}};
  }
  if (v.atLeast(kServerLocked)) out["locked"] = false;
  if (v.atLeast(kServerDescription)) out["description"] = nullptr;
  if (v.atLeast(kServerTags)) out["tags"] = json::array();
  if (v.atLeast(kTrustedCerts)) out["trusted_image_certificates"] = nullptr;
  if (v.atLeast(kLockedReason)) out["locked_reason"] = nullptr;
  if (s.status == "ERROR" && !s.fault_message.empty()) {
    out["fault"] = {
        {"code", s.fault_code}, {"message", s.fault_message}, {"created", s.fault_created}};
  }
  return out;
}

json serverSummary(const ServerRecord& s, const ApiOptions& options) {
  return {
      {"id", s.id}, {"name", s.name}, {"links", selfLinks(options.compute_url, "servers", s.id)}};
}

json serverCreated(const ServerRecord& s, const ApiOptions& options) {
  return {
      {"id", s.id},
      {"links",
       json::array({{{"rel", "self"}, {"href", options.compute_url + "/v2.1/servers/" + s.id}}})},
      {"OS-DCF:diskConfig", "MANUAL"},
      {"security_groups", json::array()}};
}

json hypervisorView(const HostRecord& h, bool detail, std::int64_t now_unix,
                    const ApiOptions& options) {
  const bool up = now_unix - h.last_report_unix <= options.host_down_after.count();
  json out = {{"id", h.id},
              {"hypervisor_hostname", h.name},
              {"state", up ? "up" : "down"},
              {"status", "enabled"}};
  if (!detail) return out;
  auto facts = virt::hostFactsFromJson(h.facts);
  out["hypervisor_type"] = "QEMU";
  out["host_ip"] = "127.0.0.1";
  out["service"] = {{"host", h.name}, {"id", h.id}, {"disabled_reason", nullptr}};
  if (facts) {
    const virt::Version& q = facts->qemu_version;
    out["hypervisor_version"] = q.major * 1000000 + q.minor * 1000 + q.micro;
    out["stratus:virt_type"] = virt::virtTypeName(facts->virt_type);
    out["stratus:libvirt_version"] = facts->libvirt_version.str();
  }
  out["stratus:host_facts"] = h.facts;
  return out;
}

}  // namespace stratus::api::compute
