// The agent's settings: flags and the same keys in the INI file ([DEFAULT] host,
// [libvirt], [placement], [compute], [traits], [pci]). Parsed and validated once at start.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/ini_config.h"
#include "common/result.h"
#include "compute/power_ops.h"
#include "compute/provider_config.h"
#include "pci/pci_config.h"
#include "traits/catalog.h"
#include "virt/virt_config.h"

namespace stratus::compute {

// What the host keeps for itself, and how far each resource is overcommitted.
struct ResourceConfig {
  double cpu_allocation_ratio = 4.0;  // Nova's initial_cpu_allocation_ratio
  double ram_allocation_ratio = 1.0;
  double disk_allocation_ratio = 1.0;
  std::int64_t reserved_host_cpus = 0;
  std::int64_t reserved_host_memory_mb = 512;
  std::int64_t reserved_host_disk_mb = 0;
};

struct AgentConfig {
  std::string host;  // empty: the machine's hostname
  // [DEFAULT] default_availability_zone: reported to the API ("": the API's, "nova").
  std::string default_availability_zone;
  virt::VirtConfig virt;  // [libvirt]
  std::string placement_url = "http://127.0.0.1:8778";
  std::string auth_token = "admin";
  std::string api_url;     // empty: no compute API to report to or take work from
  std::string host_facts;  // a captured facts document instead of probing libvirt
  std::string instances_path = "/var/lib/stratus/instances";
  bool once = false;
  std::chrono::seconds sync_interval{60};
  std::chrono::milliseconds work_poll_interval{1000};
  ResourceConfig resources;
  traits::TraitsConfig traits;
  pci::PciConfig pci;  // [pci]: which host devices become PCI providers
  // [compute] provider_config_location: Nova's provider config files (*.yaml), read
  // once at start. Nova's default place under Stratus' name; a directory that does not
  // exist holds no files, as in Nova. Empty: none are read.
  std::string provider_config_location = "/etc/stratus/provider_config/";
  ProviderConfigs provider_configs;  // what main loaded from there
  // [compute] shutdown_timeout (Nova's [DEFAULT] shutdown_timeout, 60 s) and
  // soft_reboot_timeout (Nova's [libvirt] wait_soft_reboot_seconds, 120 s): how long a
  // stop or a soft reboot waits for the guest to power off before forcing it.
  PowerTimeouts power_timeouts;
};

// Applies the INI file's keys to `config` (unknown keys are errors). Flags are applied
// after, by the caller, so they win.
Status applyIni(const IniConfig& ini, AgentConfig& config);

// Rules that hold whatever the source: ratios > 0, reservations >= 0, interval > 0.
Status validateAgentConfig(const AgentConfig& config);

}  // namespace stratus::compute
