// PCI facts for tests, parsed from the node-device XML that ../shared/labs/vfio
// captured in its L1 (libvirt 12.9): read at test time, never copied into the repo.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "virt/nodedev_parse.h"
#include "virt/pci_facts.h"

namespace stratus::virt::testing {

inline std::filesystem::path labCapture() {
  return std::filesystem::path(STRATUS_SHARED_DIR) / "labs/vfio/captured";
}

inline bool haveLabCapture() {
  return std::filesystem::is_directory(labCapture() / "nodedev-numa");
}

// Skips the rest of a test case, saying why, when ../shared is not here.
#define REQUIRE_LAB_CAPTURE()                                      \
  if (!::stratus::virt::testing::haveLabCapture()) {               \
    WARN("skipped: " << ::stratus::virt::testing::labCapture()     \
                     << " is not here (it comes with ../shared)"); \
    return;                                                        \
  }

inline std::string readCapture(const std::string& relative) {
  std::ifstream in(labCapture() / relative);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline PciDeviceFacts labDevice(const std::string& relative) {
  auto d = parsePciNodeDevice(readCapture(relative));
  REQUIRE(d.ok());
  return *d;
}

// The host of captured/nodedev (one NUMA node): the igb PF 0000:01:00.0 with VFs
// 01:10.0 (igbvf) and 01:10.2 (vfio-pci), the e1000e 02:00.0, the NVMe 03:00.0 and
// the PF's root port 00:04.0.
inline std::vector<PciDeviceFacts> labHostDevices() {
  std::vector<PciDeviceFacts> out;
  for (const char* f : {"pcie-root-port-of-igb.xml", "igb-pf-with-2-vfs.xml", "igb-vf0.xml",
                        "igb-vf1-bound-vfio-pci.xml", "e1000e.xml", "nvme.xml"}) {
    out.push_back(labDevice(std::string("nodedev/") + f));
  }
  linkSriovRelations(out);
  return out;
}

// The host of captured/nodedev-numa: as above with VFs enabled, plus the pxb-pcie
// 00:07.0, its root port 80:00.0 and a second igb PF 81:00.0 with VFs 81:10.0 and
// 81:10.2, all three on NUMA node 1.
inline std::vector<PciDeviceFacts> labNumaHostDevices() {
  std::vector<PciDeviceFacts> out;
  for (const char* f :
       {"pci_0000_00_07_0.xml", "pci_0000_01_00_0.xml", "pci_0000_01_10_0.xml",
        "pci_0000_02_00_0.xml", "pci_0000_03_00_0.xml", "pci_0000_80_00_0.xml",
        "pci_0000_81_00_0-with-vfs.xml", "pci_0000_81_10_0.xml", "pci_0000_81_10_2.xml"}) {
    out.push_back(labDevice(std::string("nodedev-numa/") + f));
  }
  linkSriovRelations(out);
  return out;
}

}  // namespace stratus::virt::testing
