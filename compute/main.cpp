// stratus-compute: the compute agent. Publishes the host to placement and keeps it true.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "common/exit_code.h"
#include "common/log.h"
#include "compute/agent.h"

namespace {

using namespace stratus;
using namespace stratus::compute;

std::atomic<bool> g_stop{false};

extern "C" void onSignal(int) {
  g_stop.store(true);
}

int fail(const Error& e) {
  std::cerr << "stratus-compute: " << e.message << "\n";
  return exitCodeFor(e);
}

std::string machineHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  setLogProgram("stratus-compute");
  CLI::App app{"stratus-compute: publishes this host to placement and keeps it true"};
  std::string config_path, host, libvirt_uri, placement_url, auth_token, api_url, host_facts,
      viommu_prefix, virt_type, instances_path, kernel_root, provider_config_location;
  bool once = false;
  std::string guest_driver = "libvirt";
  app.add_option("--config", config_path,
                 "INI file ([DEFAULT] [libvirt] [placement] [compute] [traits] [pci])");
  app.add_option("--host", host,
                 "host name, also the resource provider's name (default: hostname)");
  app.add_option("--libvirt-uri", libvirt_uri, "libvirt URI (default qemu:///system)");
  app.add_option("--virt-type", virt_type, "auto, kvm or qemu");
  app.add_option("--kernel-root", kernel_root,
                 "where sysfs is read for IOMMU units and VFIO devices (default /)");
  app.add_option("--placement-url", placement_url,
                 "placement base URL (default http://127.0.0.1:8778)");
  app.add_option("--auth-token", auth_token, "X-Auth-Token for placement and the API");
  app.add_option("--api-url", api_url, "compute API base URL, to report facts and take work");
  app.add_option("--host-facts", host_facts,
                 "report this captured host facts document instead of probing");
  app.add_option("--instances-path", instances_path, "where guests' disks live (sizes DISK_GB)");
  app.add_option("--provider-config-location", provider_config_location,
                 "directory of Nova provider config files (*.yaml), read at start (default "
                 "/etc/stratus/provider_config/; empty: none)");
  app.add_option("--viommu-trait-prefix", viommu_prefix,
                 "COMPUTE_IOMMU_MODEL_ or COMPUTE_VIOMMU_MODEL_");
  app.add_option("--guest-driver", guest_driver,
                 "libvirt, or dry-run (plan and render only, for simulated hosts)")
      ->check(CLI::IsMember({"libvirt", "dry-run"}));
  app.add_flag("--once", once, "sync once, then exit 0 on success, non-zero otherwise");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "stratus-compute: " << e.what() << "\n";
    return 2;
  }

  AgentConfig config;
  if (!config_path.empty()) {
    auto ini = IniConfig::load(config_path);
    if (!ini) return fail(ini.error());
    // [pci] is parsed and checked here too, as by every command that reads the config;
    // the rules that need the host's devices are checked on the first facts read.
    if (auto s = applyIni(*ini, config); !s) return fail(s.error());
  }
  // Flags win over the file.
  if (!host.empty()) config.host = host;
  if (!libvirt_uri.empty()) config.virt.connection_uri = libvirt_uri;
  if (!kernel_root.empty()) config.virt.kernel_root = kernel_root;
  if (!virt_type.empty()) {
    auto v = virt::parseVirtTypeSetting(virt_type, "--virt-type");
    if (!v) return fail(v.error());
    config.virt.virt_type = *v;
  }
  if (!placement_url.empty()) config.placement_url = placement_url;
  if (!auth_token.empty()) config.auth_token = auth_token;
  if (!api_url.empty()) config.api_url = api_url;
  if (!host_facts.empty()) config.host_facts = host_facts;
  if (!instances_path.empty()) config.instances_path = instances_path;
  if (app.count("--provider-config-location") > 0) {
    config.provider_config_location = provider_config_location;
  }
  if (!viommu_prefix.empty()) {
    if (auto s = traits::setViommuPrefix(config.traits, viommu_prefix, "--viommu-trait-prefix");
        !s) {
      return fail(s.error());
    }
  }
  config.once = once;
  if (config.host.empty()) config.host = machineHostname();
  if (auto s = validateAgentConfig(config); !s) return fail(s.error());
  if (!config.provider_config_location.empty()) {
    // Read once, before anything is published: a bad file stops the agent (exit 2).
    auto loaded = loadProviderConfigDir(config.provider_config_location);
    if (!loaded) return fail(loaded.error());
    for (const auto& w : loaded->warnings) logLine("warning: " + w);
    if (!loaded->entries.empty()) {
      logLine("provider config: " + std::to_string(loaded->entries.size()) + " provider(s) from " +
              config.provider_config_location);
    }
    config.provider_configs = std::move(*loaded);
  }

  placement_client::ClientOptions client_options;
  client_options.base_url = config.placement_url;
  client_options.token = config.auth_token;
  // 1.26 is enough for every call the agent makes, and OpenStack Placement has it.
  client_options.microversion = "1.26";
  auto client = placement_client::PlacementClient::create(client_options);
  if (!client) return fail(client.error());
  auto facts = config.host_facts.empty() ? libvirtFactsSource(config.virt)
                                         : fileFactsSource(config.host_facts);
  std::unique_ptr<ComputeApiClient> api;
  std::unique_ptr<GuestDriver> guests;
  if (!config.api_url.empty()) {
    auto api_client = ComputeApiClient::create(config.api_url, config.auth_token);
    if (!api_client) return fail(api_client.error());
    api = std::move(*api_client);
    // Recorded in every guest this agent defines; it reaps and reports only those.
    auto agent_id = loadOrCreateAgentId(config.instances_path);
    if (!agent_id) return fail(agent_id.error());
    virt::GuestOwner owner{config.host, *agent_id};
    guests = guest_driver == "dry-run" ? dryRunGuestDriver(config.virt, owner)
                                       : libvirtGuestDriver(config.virt, owner);
  }
  Agent agent(config, std::move(facts), std::move(*client), std::move(api), std::move(guests));

  if (config.once) {
    auto report = agent.syncOnce();
    if (!report) return fail(report.error());
    logLine(describe(*report, agent.providerSync().providerUuid()));
    return 0;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  logLine("host " + config.host + ", placement " + config.placement_url + ", sync every " +
          std::to_string(config.sync_interval.count()) + " s" +
          (config.api_url.empty()
               ? std::string(", no compute API")
               : ", compute API " + config.api_url + ", guests: " + guest_driver));
  if (auto s = agent.run(g_stop); !s) return fail(s.error());
  logLine("stopped");
  return 0;
}
