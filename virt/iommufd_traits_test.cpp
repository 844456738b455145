#include "virt/iommufd_traits.h"

#include <catch2/catch.hpp>

#include "virt/host_traits.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::virt;
using Set = std::set<std::string>;

namespace {
// The VFIO lab's L1 (testdata/hosts/x86-kvm-libvirt12-iommufd.json): libvirt 12.9, kernel
// 7.3.4 with iommufd, /dev/iommu, a bound VF's cdev; dmar0 (QEMU's VT-d) offers neither
// nesting nor dirty tracking.
HostFacts l1() {
  return testing::testHost("x86-kvm-libvirt12-iommufd");
}
}  // namespace

TEST_CASE("uname -r gives the kernel version") {
  CHECK(kernelVersion("7.3.4+deb13-amd64") == std::optional<Version>(Version{7, 3, 4}));
  CHECK(kernelVersion("6.18.44") == std::optional<Version>(Version{6, 18, 44}));
  CHECK(kernelVersion("6.7") == std::optional<Version>(Version{6, 7, 0}));
  CHECK_FALSE(kernelVersion("6").has_value());
  CHECK_FALSE(kernelVersion("").has_value());
  CHECK_FALSE(kernelVersion("linux-6.7").has_value());
}

TEST_CASE("the agent owns exactly the four iommufd traits") {
  CHECK(isIommufdTrait("CUSTOM_IOMMUFD"));
  CHECK(isIommufdTrait("CUSTOM_VFIO_CDEV"));
  CHECK(isIommufdTrait("CUSTOM_IOMMUFD_DIRTY_TRACKING"));
  CHECK(isIommufdTrait("CUSTOM_IOMMUFD_NESTING"));
  CHECK_FALSE(isIommufdTrait("CUSTOM_IOMMUFD_"));
  CHECK_FALSE(isIommufdTrait("CUSTOM_GOLD"));
}

TEST_CASE("a libvirt 9.0 host without iommufd publishes no iommufd trait") {
  CHECK(iommufdTraits(testing::testHost("x86-kvm-libvirt9")).empty());
}

TEST_CASE("the VFIO lab L1 publishes iommufd and VFIO cdev, not nesting or dirty tracking") {
  CHECK(iommufdTraits(l1()) == Set{"CUSTOM_IOMMUFD", "CUSTOM_VFIO_CDEV"});
  CHECK(hostTraits(l1(), traits::TraitsConfig{}) ==
        Set{"COMPUTE_IOMMU_MODEL_AMD", "COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
            "COMPUTE_IOMMU_MODEL_VIRTIO", "CUSTOM_IOMMUFD", "CUSTOM_MEM_PAGE_SIZE_2048",
            "CUSTOM_VFIO_CDEV", "HW_ARCH_I686", "HW_ARCH_X86_64"});
}

TEST_CASE("CUSTOM_IOMMUFD needs /dev/iommu, libvirt 12.1 and domcaps hostdev iommufd yes") {
  HostFacts stock = l1();  // the lab's stock Debian kernel: no CONFIG_IOMMUFD
  stock.iommu.dev_iommu = false;
  stock.iommu.vfio_cdev = false;
  CHECK(iommufdTraits(stock).empty());
  HostFacts old = l1();
  old.libvirt_version = {12, 0, 0};
  CHECK(iommufdTraits(old) == Set{"CUSTOM_VFIO_CDEV"});
  HostFacts no_yes = l1();
  for (auto& g : no_yes.guests) g.hostdev_iommufd = std::vector<std::string>{"no"};
  CHECK(iommufdTraits(no_yes) == Set{"CUSTOM_VFIO_CDEV"});
  HostFacts unbound = l1();  // nothing bound to vfio-pci yet
  unbound.iommu.vfio_cdev = false;
  CHECK(iommufdTraits(unbound) == Set{"CUSTOM_IOMMUFD"});
}

TEST_CASE("nesting and dirty tracking need a unit that has them and kernel 6.7") {
  HostFacts host = l1();
  host.iommu.unit_caps = {
      {"dmar0", "intel-iommu", false, false, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt},
      {"dmar1", "intel-iommu", true, true, std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  CHECK(iommufdTraits(host) == Set{"CUSTOM_IOMMUFD", "CUSTOM_IOMMUFD_DIRTY_TRACKING",
                                   "CUSTOM_IOMMUFD_NESTING", "CUSTOM_VFIO_CDEV"});
  host.iommu.kernel_version = "6.7.0";
  CHECK(iommufdTraits(host).size() == 4);
  host.iommu.kernel_version = "6.6.30";
  CHECK(iommufdTraits(host) == Set{"CUSTOM_IOMMUFD", "CUSTOM_VFIO_CDEV"});
  host.iommu.kernel_version = "6.8.0";
  host.iommu.unit_caps = {{"dmar0", "intel-iommu", std::nullopt, true, std::nullopt, std::nullopt,
                           std::nullopt, std::nullopt},
                          {"smmu3.0x0000000009050000", "arm-smmu-v3", std::nullopt, std::nullopt,
                           std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  CHECK(iommufdTraits(host) ==
        Set{"CUSTOM_IOMMUFD", "CUSTOM_IOMMUFD_DIRTY_TRACKING", "CUSTOM_VFIO_CDEV"});
  host.iommu.dev_iommu = false;  // no trait for a capability iommufd cannot reach
  CHECK(iommufdTraits(host) == Set{"CUSTOM_VFIO_CDEV"});
}
