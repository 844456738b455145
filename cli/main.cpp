// stratus: the operator CLI. Parses arguments, calls the core, renders the result;
// the only place that turns errors into exit codes.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/exit_code.h"
#include "cli/pci_commands.h"
#include "cli/placement_commands.h"
#include "common/ini_config.h"
#include "pci/pci_config.h"
#include "traits/catalog.h"
#include "virt/domain_render.h"
#include "virt/guest_boot_libvirt.h"
#include "virt/guest_plan.h"
#include "virt/host_probe_libvirt.h"
#include "virt/host_traits.h"
#include "virt/iommufd_plan.h"

namespace stratus::cli {
namespace {

using virt::HostFacts;

struct CommonOptions {
  std::string config_path;
  std::string viommu_prefix;
  std::string libvirt_uri;
  std::string virt_type;
  std::string host_facts;
};

struct GuestOptions {
  std::string name = "stratus-guest";
  unsigned vcpus = 1;
  std::uint64_t ram_mib = 512;
  std::vector<std::string> extra_specs;
  std::vector<std::string> image_properties;
};

struct Settings {
  traits::TraitsConfig traits;
  virt::VirtConfig virt;
};

// Config file first, then flags, which win.
Result<Settings> loadSettings(const CommonOptions& o) {
  IniConfig ini;
  if (!o.config_path.empty()) {
    auto loaded = IniConfig::load(o.config_path);
    if (!loaded) return loaded.takeError();
    ini = std::move(*loaded);
  }
  Settings s;
  auto t = traits::traitsConfigFrom(ini);
  if (!t) return t.takeError();
  s.traits = *t;
  auto v = virt::virtConfigFrom(ini);
  if (!v) return v.takeError();
  s.virt = *v;
  // [pci] is checked by every command that reads the config, used or not.
  if (auto p = pci::pciConfigFrom(ini); !p) return p.takeError();
  if (!o.viommu_prefix.empty()) {
    STRATUS_RETURN_IF_ERROR(
        traits::setViommuPrefix(s.traits, o.viommu_prefix, "--viommu-trait-prefix"));
  }
  if (!o.libvirt_uri.empty()) s.virt.connection_uri = o.libvirt_uri;
  if (!o.virt_type.empty()) {
    auto vt = virt::parseVirtTypeSetting(o.virt_type, "--virt-type");
    if (!vt) return vt.takeError();
    s.virt.virt_type = *vt;
  }
  return s;
}

Result<HostFacts> hostFacts(const CommonOptions& o, const Settings& s) {
  if (!o.host_facts.empty()) return virt::loadHostFacts(o.host_facts);
  auto conn = virt::LibvirtConnection::open(s.virt.connection_uri);
  if (!conn) return conn.takeError();
  return virt::probeHost(*conn, s.virt.virt_type);
}

Result<std::map<std::string, std::string>> parsePairs(const std::vector<std::string>& items,
                                                      const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error::invalid(flag, item, "KEY=VALUE", "no '=' after a key");
    }
    auto key = item.substr(0, eq);
    if (!out.emplace(key, item.substr(eq + 1)).second) {
      return Error::invalid(flag, item, "each key once", "key '" + key + "' is given twice");
    }
  }
  return out;
}

Result<virt::GuestPlan> planFromOptions(const GuestOptions& g, const HostFacts& facts,
                                        const Settings& s) {
  if (g.name.empty()) return Error::invalid("--name", "", "a non-empty guest name");
  virt::Flavor flavor;
  flavor.name = g.name;
  flavor.vcpus = g.vcpus;
  flavor.ram_mib = g.ram_mib;
  auto specs = parsePairs(g.extra_specs, "--extra-spec");
  if (!specs) return specs.takeError();
  flavor.extra_specs = *specs;
  auto props = parsePairs(g.image_properties, "--image-property");
  if (!props) return props.takeError();
  return virt::planGuest(flavor, *props, facts, s.virt);
}

int fail(const Error& e) {
  std::cerr << "stratus: " << e.message << "\n";
  return exitCodeFor(e);
}

// "yes,no"; "-" when libvirt did not report the enum.
std::string commaList(const std::optional<std::vector<std::string>>& values) {
  if (!values) return "-";
  std::string out;
  for (const auto& v : *values) out += (out.empty() ? "" : ",") + v;
  return out.empty() ? "-" : out;
}

// Whether [pci] iommufd = auto gives the host's own arch iommufd hostdevs, and if not why
// (virt::iommufdHostGaps; the same reasons the agent gives when iommufd = yes is refused).
std::string iommufdSummary(const HostFacts& f) {
  const auto gaps = virt::iommufdHostGaps(f, f.arch);
  if (gaps.empty()) return "yes";
  std::string out = "no: ";
  for (std::size_t i = 0; i < gaps.size(); ++i) out += (i == 0 ? "" : "; ") + gaps[i];
  return out;
}

void printFactsTable(const HostFacts& f) {
  std::cout << "hostname         " << f.hostname << "\n"
            << "arch             " << f.arch << "\n"
            << "libvirt          " << f.libvirt_version.str() << "\n"
            << "qemu             " << f.qemu_version.str() << "\n"
            << "virt type        " << virt::virtTypeName(f.virt_type) << "\n"
            << "kernel           " << f.iommu.kernel_version << "\n"
            << "/dev/iommu       " << (f.iommu.dev_iommu ? "yes" : "no") << "\n"
            << "vfio cdevs       " << (f.iommu.vfio_cdev ? "yes" : "no") << "\n"
            << "iommu units      " << f.iommu.units.size() << "\n"
            << "iommufd hostdevs " << iommufdSummary(f) << "\n";
  std::cout << "\n"
            << std::left << std::setw(10) << "ARCH" << std::setw(12) << "DOMAINS" << std::setw(6)
            << "UEFI" << std::setw(6) << "RUNS" << std::setw(8) << "QEMU" << std::setw(10)
            << "VCPU_MAX" << std::setw(9) << "IOMMUFD" << std::setw(14) << "PCI_BACKENDS"
            << "MACHINES\n";
  for (const auto& g : f.guests) {
    std::string domains, machines;
    for (const auto& d : g.domain_types) domains += (domains.empty() ? "" : ",") + d;
    int shown = 0;
    for (const auto& m : g.machines) {
      if (shown++ == 6) {
        machines += ",...";
        break;
      }
      machines += (machines.empty() ? "" : ",") + m;
    }
    std::cout << std::setw(10) << g.arch << std::setw(12) << domains << std::setw(6)
              << (g.uefi ? "yes" : "no") << std::setw(6) << (f.runsArch(g.arch) ? "yes" : "no")
              << std::setw(8) << f.qemuVersionFor(g.arch).str() << std::setw(10)
              << (g.vcpu_max ? std::to_string(*g.vcpu_max) : std::string("-")) << std::setw(9)
              << commaList(g.hostdev_iommufd) << std::setw(14) << commaList(g.hostdev_pci_backends)
              << machines << "\n";
  }
  // Each /sys/class/iommu unit and what it offers iommufd users; '-' where unknown.
  std::cout << "\n"
            << std::setw(26) << "IOMMU UNIT" << std::setw(14) << "DRIVER" << std::setw(9)
            << "NESTING"
            << "DIRTY_TRACKING\n";
  for (const auto& name : f.iommu.units) {
    const virt::IommuUnitFacts* u = f.iommu.unitCaps(name);
    const auto yesNo = [](const std::optional<bool>& b) {
      return b ? std::string(*b ? "yes" : "no") : std::string("-");
    };
    std::cout << std::setw(26) << name << std::setw(14)
              << (u != nullptr && !u->driver.empty() ? u->driver : "-") << std::setw(9)
              << yesNo(u != nullptr ? u->nesting : std::nullopt)
              << yesNo(u != nullptr ? u->dirty_tracking : std::nullopt) << "\n";
  }
  std::cout << "\n"
            << std::setw(6) << "CELL" << std::setw(8) << "CPUS" << std::setw(14) << "MEMORY_KIB"
            << "PAGES (size KiB: free/total)\n";
  for (const auto& c : f.numa_cells) {
    std::string pages;
    for (const auto& p : c.pages) {
      pages += (pages.empty() ? "" : "  ") + std::to_string(p.size_kib) + ": " +
               std::to_string(p.free) + "/" + std::to_string(p.total);
    }
    std::cout << std::setw(6) << c.id << std::setw(8) << c.cpus.size() << std::setw(14)
              << c.memory_kib << pages << "\n";
  }
  // `stratus pci devices` has the full view; this is the list.
  std::cout << "\n"
            << std::setw(14) << "PCI DEVICE" << std::setw(10) << "TYPE" << std::setw(11) << "ID"
            << std::setw(6) << "NUMA"
            << "DRIVER\n";
  for (const auto& d : f.pci_devices) {
    std::cout << std::setw(14) << d.address << std::setw(10) << virt::pciDevTypeName(d.dev_type)
              << std::setw(11) << (d.vendor_id + ":" + d.product_id) << std::setw(6)
              << (d.numa_node ? std::to_string(*d.numa_node) : "-") << d.driver.value_or("-")
              << "\n";
  }
}

void addCommon(CLI::App* cmd, CommonOptions& o, bool with_host_facts) {
  cmd->add_option("--config", o.config_path, "INI configuration file");
  cmd->add_option("--viommu-trait-prefix", o.viommu_prefix,
                  "COMPUTE_IOMMU_MODEL_ (default) or COMPUTE_VIOMMU_MODEL_");
  auto* uri = cmd->add_option("--libvirt-uri", o.libvirt_uri, "libvirt URI (qemu:///system)");
  cmd->add_option("--virt-type", o.virt_type, "auto, kvm or qemu (overrides [libvirt] virt_type)");
  if (with_host_facts) {
    cmd->add_option("--host-facts", o.host_facts, "a captured host facts JSON document")
        ->excludes(uri);
  }
}

void addGuest(CLI::App* cmd, GuestOptions& g) {
  cmd->add_option("--name", g.name, "guest name");
  cmd->add_option("--vcpus", g.vcpus, "vCPUs")->check(CLI::PositiveNumber);
  cmd->add_option("--ram", g.ram_mib, "RAM in MiB")->check(CLI::PositiveNumber);
  cmd->add_option("--extra-spec", g.extra_specs, "flavor extra spec KEY=VALUE (repeatable)");
  cmd->add_option("--image-property", g.image_properties, "image property KEY=VALUE (repeatable)");
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"stratus: inspect hosts and traits, render and boot vIOMMU guests"};
  app.require_subcommand(1);
  CommonOptions common;
  GuestOptions guest;
  std::string format = "json";
  std::string delete_name;

  auto* host = app.add_subcommand("host", "what this host can do")->require_subcommand(1);
  auto* probe = host->add_subcommand("probe", "print the host facts document");
  addCommon(probe, common, true);  // --host-facts: show a captured document the same way
  probe->add_option("-f,--format", format, "json or table")
      ->check(CLI::IsMember({"json", "table"}));
  auto* host_traits = host->add_subcommand("traits", "print the host's traits, sorted");
  addCommon(host_traits, common, true);

  auto* guest_cmd = app.add_subcommand("guest", "guests")->require_subcommand(1);
  auto* render = guest_cmd->add_subcommand("render", "print the domain XML for a request");
  addCommon(render, common, true);
  addGuest(render, guest);
  auto* boot = guest_cmd->add_subcommand("boot", "define and start a guest on libvirt");
  addCommon(boot, common, false);
  addGuest(boot, guest);
  PlacementCommandOptions placement_options;
  const PlacementCommands placement_commands = addPlacementCommands(app, placement_options);
  PciCommandOptions pci_options;
  const PciCommands pci_commands = addPciCommands(app, pci_options);
  auto* del = guest_cmd->add_subcommand("delete", "stop and undefine a guest");
  addCommon(del, common, false);
  del->add_option("name", delete_name, "guest name")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "stratus: " << e.what() << "\n";
    return kExitUsage;
  }

  if (auto code = runPlacementCommands(placement_commands, placement_options)) return *code;
  if (auto code = runPciCommands(pci_commands, pci_options)) return *code;

  auto settings = loadSettings(common);
  if (!settings) return fail(settings.error());

  if (*probe) {
    auto facts = hostFacts(common, *settings);
    if (!facts) return fail(facts.error());
    if (format == "table")
      printFactsTable(*facts);
    else
      std::cout << virt::hostFactsToJson(*facts).dump(2) << "\n";
    return kExitOk;
  }
  if (*host_traits) {
    auto facts = hostFacts(common, *settings);
    if (!facts) return fail(facts.error());
    for (const auto& t : virt::hostTraits(*facts, settings->traits)) std::cout << t << "\n";
    return kExitOk;
  }
  if (*render || *boot) {
    auto facts = hostFacts(common, *settings);
    if (!facts) return fail(facts.error());
    auto plan = planFromOptions(guest, *facts, *settings);
    if (!plan) return fail(plan.error());
    auto xml = virt::renderDomainXml(plan->domain);
    if (!xml) return fail(xml.error());
    if (*render) {
      std::cout << *xml;
      return kExitOk;
    }
    auto conn = virt::LibvirtConnection::open(settings->virt.connection_uri);
    if (!conn) return fail(conn.error());
    if (auto s = virt::LibvirtGuests(*conn).defineAndStart(*xml); !s) return fail(s.error());
    std::cout << plan->domain.name << " " << virt::viommuModelName(plan->resolved) << "\n";
    return kExitOk;
  }
  if (*del) {
    auto conn = virt::LibvirtConnection::open(settings->virt.connection_uri);
    if (!conn) return fail(conn.error());
    if (auto s = virt::LibvirtGuests(*conn).destroyAndUndefine(delete_name); !s) {
      return fail(s.error());
    }
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace stratus::cli

int main(int argc, char** argv) {
  // Nothing below throws by design; this keeps a library surprise from becoming abort().
  try {
    return stratus::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "stratus: internal error: " << e.what() << "\n";
    return stratus::cli::kExitFailure;
  }
}
