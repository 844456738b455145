#include "cli/pci_commands.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/exit_code.h"
#include "cli/output_format.h"
#include "common/ini_config.h"
#include "pci/pci_config.h"
#include "pci/pci_providers.h"
#include "virt/host_facts.h"
#include "virt/host_probe_pci_libvirt.h"
#include "virt/nodedev_parse.h"

namespace stratus::cli {
namespace {

using nlohmann::json;

struct HostPci {
  std::string hostname;
  std::vector<virt::PciDeviceFacts> devices;
};

Result<HostPci> loadDevices(const PciCommandOptions& o) {
  if (!o.host_facts.empty()) {
    auto facts = virt::loadHostFacts(o.host_facts);
    if (!facts) return facts.takeError();
    return HostPci{facts->hostname, std::move(facts->pci_devices)};
  }
  if (!o.nodedev_xml.empty()) {
    HostPci out;
    for (const auto& path : o.nodedev_xml) {
      std::ifstream in(path);
      if (!in) {
        return Error::invalid("--nodedev-xml", path, "a readable node device XML file",
                              "cannot open the file");
      }
      std::stringstream text;
      text << in.rdbuf();
      auto d = virt::parsePciNodeDevice(text.str());
      if (!d) {
        return Error::invalid("--nodedev-xml", path, "libvirt node device XML of a PCI device",
                              d.error().message);
      }
      out.devices.push_back(std::move(*d));
    }
    virt::linkSriovRelations(out.devices);
    return out;
  }
  auto conn = virt::LibvirtConnection::open(o.libvirt_uri);
  if (!conn) return conn.takeError();
  std::unique_ptr<char, void (*)(void*)> name(virConnectGetHostname(conn->get()), std::free);
  if (!name) return virt::libvirtError("cannot read the hostname");
  auto devices = virt::probePciDevices(*conn, o.kernel_root);
  if (!devices) return devices.takeError();
  return HostPci{name.get(), std::move(*devices)};
}

Result<pci::PciConfig> loadConfig(const PciCommandOptions& o) {
  if (o.config_path.empty()) return pci::PciConfig{};
  auto ini = IniConfig::load(o.config_path);
  if (!ini) return ini.takeError();
  return pci::pciConfigFrom(*ini);
}

int fail(const Error& e) {
  std::cerr << "stratus: " << e.message << "\n";
  return exitCodeFor(e);
}

std::string orDash(const std::optional<std::string>& v) {
  return v ? *v : "-";
}
std::string orDash(const std::optional<int>& v) {
  return v ? std::to_string(*v) : "-";
}

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

int runDevices(const PciCommandOptions& o, const HostPci& host, const pci::PciConfig& config,
               const std::vector<pci::PciProvider>& providers) {
  if (o.format == "json") {
    json out = virt::pciDevicesToJson(host.devices);
    for (std::size_t i = 0; i < host.devices.size(); ++i) {
      const auto& d = host.devices[i];
      const auto* spec = config.specFor(d);
      const auto* p = pci::providerCounting(providers, d.address);
      out[i]["device_spec"] = spec ? json(spec->text) : json(nullptr);
      out[i]["tags"] = spec ? json(spec->tags()) : json::array();
      out[i]["provider"] = p ? json(p->name) : json(nullptr);
      const std::string why = spec && p ? pci::reservedReason(d, *spec, host.devices) : "";
      out[i]["reserved"] = why.empty() ? json(nullptr) : json(why);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  Rows rows;
  rows.columns = {"ADDRESS", "TYPE",      "ID",         "CLASS",   "PARENT", "NUMA",    "GROUP",
                  "DRIVER",  "VFIO CDEV", "IOMMU UNIT", "MATCHED", "TAGS",   "PROVIDER"};
  for (const auto& d : host.devices) {
    const auto* spec = config.specFor(d);
    const auto* p = pci::providerCounting(providers, d.address);
    std::string provider = p ? p->name : "-";
    if (spec && p) {
      if (auto why = pci::reservedReason(d, *spec, host.devices); !why.empty()) {
        provider += "\n(reserved: " + why + ")";
      }
    }
    rows.rows.push_back({d.address, std::string(virt::pciDevTypeName(d.dev_type)),
                         d.vendor_id + ":" + d.product_id, d.class_id, orDash(d.parent_addr),
                         orDash(d.numa_node), orDash(d.iommu_group), orDash(d.driver),
                         orDash(d.vfio_cdev), orDash(d.iommu_unit), spec ? "yes" : "no",
                         spec ? joined(spec->tags(), "\n") : "", provider});
  }
  printTable(std::cout, rows);
  return kExitOk;
}

void addSource(CLI::App* cmd, PciCommandOptions& o) {
  cmd->add_option("--config", o.config_path, "INI configuration file ([pci])");
  auto* uri = cmd->add_option("--libvirt-uri", o.libvirt_uri, "libvirt URI (qemu:///system)");
  cmd->add_option("--kernel-root", o.kernel_root, "kernel root for the sysfs facts (/)");
  auto* facts = cmd->add_option("--host-facts", o.host_facts, "a captured host facts JSON document")
                    ->excludes(uri);
  cmd->add_option("--nodedev-xml", o.nodedev_xml,
                  "captured node device XML of a PCI device (repeatable), instead of libvirt")
      ->excludes(uri)
      ->excludes(facts);
}

}  // namespace

PciCommands addPciCommands(CLI::App& app, PciCommandOptions& o) {
  auto* pci =
      app.add_subcommand("pci", "PCI passthrough: devices and providers")->require_subcommand(1);
  PciCommands c;
  c.devices = pci->add_subcommand("devices", "every PCI device and what [pci] makes of it");
  addSource(c.devices, o);
  c.devices->add_option("-f,--format", o.format, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  c.providers =
      pci->add_subcommand("providers", "the PCI providers the compute agent would publish");
  addSource(c.providers, o);
  for (auto* cmd : {c.devices, c.providers}) {
    cmd->add_option("--host", o.host, "compute node provider name (the facts' hostname)");
  }
  c.providers->add_option("-f,--format", o.format, "json (the only format)")
      ->check(CLI::IsMember({"json"}));
  return c;
}

std::optional<int> runPciCommands(const PciCommands& c, const PciCommandOptions& o) {
  if (!*c.devices && !*c.providers) return std::nullopt;
  // The config first: a bad [pci] value stops the command before any probe.
  auto config = loadConfig(o);
  if (!config) return fail(config.error());
  auto host = loadDevices(o);
  if (!host) return fail(host.error());
  const std::string name = o.host.empty() ? host->hostname : o.host;
  if (name.empty()) {
    return fail(Error::invalid("--host", "", "the compute host's name, as the agent's --host",
                               "node device XML names no host"));
  }
  auto providers = pci::planPciProviders(name, host->devices, *config);
  if (!providers) return fail(providers.error());
  if (*c.devices) return runDevices(o, *host, *config, *providers);
  std::cout << pci::pciProvidersToJson(*providers).dump(2) << "\n";
  return kExitOk;
}

}  // namespace stratus::cli
