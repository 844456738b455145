#include "compute/compute_config.h"

#include <charconv>
#include <cmath>

#include "common/zone_name.h"

namespace stratus::compute {
namespace {

Result<double> parseRatio(const std::string& key, const std::string& text) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v) || v <= 0) {
    return Error::invalid(key, text, "a number greater than 0, e.g. 1.0 or 16.0");
  }
  return v;
}

Result<std::int64_t> parseCount(const std::string& key, const std::string& text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    return Error::invalid(key, text, "a whole number of at least 0");
  }
  return v;
}

}  // namespace

Status applyIni(const IniConfig& ini, AgentConfig& config) {
  STRATUS_RETURN_IF_ERROR(requireKnownKeys(ini, "DEFAULT", {"host", "default_availability_zone"}));
  STRATUS_RETURN_IF_ERROR(requireKnownKeys(
      ini, "placement", {"url", "auth_token", "bind", "db", "auth", "token_file"}));
  STRATUS_RETURN_IF_ERROR(
      requireKnownKeys(ini, "compute",
                       {"api_url", "host_facts", "instances_path",
                        "resource_provider_sync_interval", "work_poll_interval_ms",
                        "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio",
                        "reserved_host_cpus", "reserved_host_memory_mb", "reserved_host_disk_mb",
                        "provider_config_location", "shutdown_timeout", "soft_reboot_timeout"}));
  if (auto v = ini.get("DEFAULT", "host")) config.host = *v;
  if (auto v = ini.get("DEFAULT", "default_availability_zone")) {
    STRATUS_RETURN_IF_ERROR(checkZoneName("[DEFAULT] default_availability_zone", *v));
    config.default_availability_zone = *v;
  }
  auto virt = virt::virtConfigFrom(ini);
  if (!virt) return virt.takeError();
  config.virt = std::move(*virt);
  if (auto v = ini.get("placement", "url")) config.placement_url = *v;
  if (auto v = ini.get("placement", "auth_token")) config.auth_token = *v;
  if (auto v = ini.get("compute", "api_url")) config.api_url = *v;
  if (auto v = ini.get("compute", "host_facts")) config.host_facts = *v;
  if (auto v = ini.get("compute", "instances_path")) config.instances_path = *v;
  if (auto v = ini.get("compute", "provider_config_location")) {
    config.provider_config_location = *v;
  }

  const auto ratio = [&](const char* key, double& out) -> Status {
    if (auto v = ini.get("compute", key)) {
      auto r = parseRatio(IniConfig::qualified("compute", key), *v);
      if (!r) return r.takeError();
      out = *r;
    }
    return okStatus();
  };
  const auto count = [&](const char* key, std::int64_t& out) -> Status {
    if (auto v = ini.get("compute", key)) {
      auto r = parseCount(IniConfig::qualified("compute", key), *v);
      if (!r) return r.takeError();
      out = *r;
    }
    return okStatus();
  };
  ResourceConfig& res = config.resources;
  STRATUS_RETURN_IF_ERROR(ratio("cpu_allocation_ratio", res.cpu_allocation_ratio));
  STRATUS_RETURN_IF_ERROR(ratio("ram_allocation_ratio", res.ram_allocation_ratio));
  STRATUS_RETURN_IF_ERROR(ratio("disk_allocation_ratio", res.disk_allocation_ratio));
  STRATUS_RETURN_IF_ERROR(count("reserved_host_cpus", res.reserved_host_cpus));
  STRATUS_RETURN_IF_ERROR(count("reserved_host_memory_mb", res.reserved_host_memory_mb));
  STRATUS_RETURN_IF_ERROR(count("reserved_host_disk_mb", res.reserved_host_disk_mb));
  std::int64_t seconds = config.sync_interval.count();
  if (auto v = ini.get("compute", "resource_provider_sync_interval")) {
    auto r = parseCount(IniConfig::qualified("compute", "resource_provider_sync_interval"), *v);
    if (!r) return r.takeError();
    seconds = *r;
  }
  config.sync_interval = std::chrono::seconds(seconds);
  std::int64_t poll_ms = config.work_poll_interval.count();
  STRATUS_RETURN_IF_ERROR(count("work_poll_interval_ms", poll_ms));
  config.work_poll_interval = std::chrono::milliseconds(poll_ms);
  std::int64_t shutdown_s = config.power_timeouts.shutdown.count();
  STRATUS_RETURN_IF_ERROR(count("shutdown_timeout", shutdown_s));
  config.power_timeouts.shutdown = std::chrono::seconds(shutdown_s);
  std::int64_t soft_reboot_s = config.power_timeouts.soft_reboot.count();
  STRATUS_RETURN_IF_ERROR(count("soft_reboot_timeout", soft_reboot_s));
  config.power_timeouts.soft_reboot = std::chrono::seconds(soft_reboot_s);
  auto traits = traits::traitsConfigFrom(ini);
  if (!traits) return traits.takeError();
  config.traits = *traits;
  auto pci = pci::pciConfigFrom(ini);
  if (!pci) return pci.takeError();
  config.pci = std::move(*pci);
  return okStatus();
}

Status validateAgentConfig(const AgentConfig& config) {
  if (config.sync_interval.count() <= 0) {
    return Error::invalid("[compute] resource_provider_sync_interval",
                          std::to_string(config.sync_interval.count()),
                          "a number of seconds greater than 0");
  }
  if (config.work_poll_interval.count() <= 0) {
    return Error::invalid("[compute] work_poll_interval_ms",
                          std::to_string(config.work_poll_interval.count()),
                          "a number of milliseconds greater than 0");
  }
  if (config.placement_url.rfind("http://", 0) != 0 &&
      config.placement_url.rfind("https://", 0) != 0) {
    return Error::invalid("--placement-url", config.placement_url, "an http:// or https:// URL");
  }
  if (!config.api_url.empty() && config.api_url.rfind("http://", 0) != 0 &&
      config.api_url.rfind("https://", 0) != 0) {
    return Error::invalid("--api-url", config.api_url, "an http:// or https:// URL");
  }
  const auto positive = [](const char* key, double v) -> Status {
    if (!(v > 0)) {
      return Error::invalid(std::string("[compute] ") + key, std::to_string(v),
                            "a number greater than 0");
    }
    return okStatus();
  };
  STRATUS_RETURN_IF_ERROR(positive("cpu_allocation_ratio", config.resources.cpu_allocation_ratio));
  STRATUS_RETURN_IF_ERROR(positive("ram_allocation_ratio", config.resources.ram_allocation_ratio));
  STRATUS_RETURN_IF_ERROR(
      positive("disk_allocation_ratio", config.resources.disk_allocation_ratio));
  return okStatus();
}

}  // namespace stratus::compute
