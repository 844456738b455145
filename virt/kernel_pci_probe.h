// The PCI facts only sysfs has. `root` is the kernel root the host probe takes ("/" on
// a real host, a `lab.sh sysfs` snapshot or a test directory otherwise).
#pragma once

#include <filesystem>
#include <vector>

#include "virt/pci_facts.h"

namespace stratus::virt {

// For each device: iommu_unit is the name the link sys/bus/pci/devices/<addr>/iommu
// points at ("dmar0"), absent without the link (no IOMMU, or the device is not behind
// one); vfio_cdev is "/dev/vfio/devices/vfioN" when sys/bus/pci/devices/<addr>/vfio-dev
// holds vfioN (a device bound to vfio-pci on a kernel with VFIO cdevs). The path is
// the one on the host itself, whatever `root` is.
void addKernelPciFacts(std::vector<PciDeviceFacts>& devices,
                       const std::filesystem::path& root = "/");

}  // namespace stratus::virt
