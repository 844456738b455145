#include "traits/resource_classes.h"

#include <algorithm>

namespace stratus::traits {

const std::vector<std::string>& standardResourceClasses() {
  static const std::vector<std::string> classes = {"VCPU",
                                                   "MEMORY_MB",
                                                   "DISK_GB",
                                                   "PCI_DEVICE",
                                                   "SRIOV_NET_VF",
                                                   "NUMA_SOCKET",
                                                   "NUMA_CORE",
                                                   "NUMA_THREAD",
                                                   "NUMA_MEMORY_MB",
                                                   "IPV4_ADDRESS",
                                                   "VGPU",
                                                   "VGPU_DISPLAY_HEAD",
                                                   "NET_BW_EGR_KILOBIT_PER_SEC",
                                                   "NET_BW_IGR_KILOBIT_PER_SEC",
                                                   "PCPU",
                                                   "MEM_ENCRYPTION_CONTEXT",
                                                   "FPGA",
                                                   "PGPU",
                                                   "NET_PACKET_RATE_KILOPACKET_PER_SEC",
                                                   "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC",
                                                   "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC"};
  return classes;
}

bool isStandardResourceClass(std::string_view name) {
  const auto& classes = standardResourceClasses();
  return std::find(classes.begin(), classes.end(), name) != classes.end();
}

}  // namespace stratus::traits
