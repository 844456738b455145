// `stratus pci devices` and `stratus pci providers`: the host's PCI devices with what
// [pci] makes of them, and the providers the agent would publish (pci/pci_providers).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::cli {

struct PciCommandOptions {
  std::string config_path;
  std::string libvirt_uri = "qemu:///system";
  std::string kernel_root = "/";
  std::string host_facts;
  std::vector<std::string> nodedev_xml;  // captured `virsh nodedev-dumpxml` documents
  std::string host;                      // provider names; default: the facts' hostname
  std::string format;
};

struct PciCommands {
  CLI::App* devices = nullptr;
  CLI::App* providers = nullptr;
};

PciCommands addPciCommands(CLI::App& app, PciCommandOptions& options);
// The exit code of the chosen command; nullopt when neither was chosen.
std::optional<int> runPciCommands(const PciCommands& commands, const PciCommandOptions& options);

}  // namespace stratus::cli
