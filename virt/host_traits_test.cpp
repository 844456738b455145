#include "virt/host_traits.h"

#include <catch2/catch.hpp>

#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::virt;
using Set = std::set<std::string>;

namespace {
const traits::TraitsConfig kStratus{};
const traits::TraitsConfig kOsTraits{"COMPUTE_VIOMMU_MODEL_"};
}  // namespace

TEST_CASE("an x86_64 kvm host with libvirt 9.0 reports intel, virtio and auto, not smmuv3") {
  CHECK(hostTraits(testing::testHost("x86-kvm-libvirt9"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL", "COMPUTE_IOMMU_MODEL_VIRTIO",
            "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_I686", "HW_ARCH_X86_64"});
}

TEST_CASE("the same host under qemu also runs aarch64 and so reports smmuv3") {
  CHECK(hostTraits(testing::testHost("x86-qemu-libvirt9"), kOsTraits) ==
        Set{"COMPUTE_VIOMMU_MODEL_AUTO", "COMPUTE_VIOMMU_MODEL_INTEL",
            "COMPUTE_VIOMMU_MODEL_SMMUV3", "COMPUTE_VIOMMU_MODEL_VIRTIO",
            "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_AARCH64", "HW_ARCH_I686", "HW_ARCH_X86_64"});
}

TEST_CASE("libvirt older than 8.3.0 reports no virtio") {
  CHECK(hostViommuAndArchTraits(testing::testHost("x86-kvm-libvirt8.2"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL", "HW_ARCH_I686",
            "HW_ARCH_X86_64"});
  CHECK(hostViommuAndArchTraits(testing::testHost("x86-qemu-libvirt8.2"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL", "COMPUTE_IOMMU_MODEL_SMMUV3",
            "HW_ARCH_AARCH64", "HW_ARCH_I686", "HW_ARCH_X86_64"});
}

TEST_CASE("aarch64 hosts report virtio only with UEFI firmware") {
  CHECK(hostTraits(testing::testHost("aarch64-kvm-libvirt9"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_SMMUV3", "COMPUTE_IOMMU_MODEL_VIRTIO",
            "CUSTOM_MEM_PAGE_SIZE_2048", "CUSTOM_MEM_PAGE_SIZE_524288", "HW_ARCH_AARCH64"});
  CHECK(hostViommuAndArchTraits(testing::testHost("aarch64-kvm-noefi"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_SMMUV3", "HW_ARCH_AARCH64"});
}

TEST_CASE("a host without q35 or virt machines reports no model and no AUTO") {
  HostFacts host = testing::testHost("x86-kvm-libvirt9");
  for (auto& g : host.guests) g.machines = {"pc-i440fx-7.2", "pc"};
  CHECK(hostTraits(host, kStratus) ==
        Set{"CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_I686", "HW_ARCH_X86_64"});
}

TEST_CASE("page sizes without reserved pages give no trait") {
  HostFacts host = testing::testHost("x86-kvm-libvirt9");
  host.numa_cells[0].pages[1].total = 0;
  host.numa_cells[0].pages[1].free = 0;
  CHECK(hostTraits(host, kStratus).count("CUSTOM_MEM_PAGE_SIZE_2048") == 0);
}

// The two captured hosts side by side (virt/testdata/hosts/README.md): libvirt 9.0 / QEMU 7.2
// and the libvirt 12.9 / QEMU 11.1 lab, both x86_64 under kvm and under qemu (TCG).
TEST_CASE("a 9.0 host and a 12.9 host publish different, correct trait sets") {
  CHECK(hostViommuAndArchTraits(testing::testHost("x86-kvm-libvirt9"), kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL", "COMPUTE_IOMMU_MODEL_VIRTIO",
            "HW_ARCH_I686", "HW_ARCH_X86_64"});
  CHECK(hostViommuAndArchTraits(testing::testHost("stack-versions-x86-kvm-libvirt12.9"),
                                kStratus) ==
        Set{"COMPUTE_IOMMU_MODEL_AMD", "COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
            "COMPUTE_IOMMU_MODEL_VIRTIO", "HW_ARCH_I686", "HW_ARCH_X86_64"});
  CHECK(hostViommuAndArchTraits(testing::testHost("x86-qemu-libvirt9"), kOsTraits) ==
        Set{"COMPUTE_VIOMMU_MODEL_AUTO", "COMPUTE_VIOMMU_MODEL_INTEL",
            "COMPUTE_VIOMMU_MODEL_SMMUV3", "COMPUTE_VIOMMU_MODEL_VIRTIO", "HW_ARCH_AARCH64",
            "HW_ARCH_I686", "HW_ARCH_X86_64"});
  // Under TCG the lab also runs the 32-bit ARM arches (os-traits names ARMV6/ARMV7).
  CHECK(hostViommuAndArchTraits(testing::testHost("stack-versions-x86-qemu-libvirt12.9"),
                                kOsTraits) ==
        Set{"COMPUTE_VIOMMU_MODEL_AUTO", "COMPUTE_VIOMMU_MODEL_INTEL",
            "COMPUTE_VIOMMU_MODEL_SMMUV3", "COMPUTE_VIOMMU_MODEL_VIRTIO",
            "CUSTOM_VIOMMU_MODEL_AMD", "HW_ARCH_AARCH64", "HW_ARCH_ARMV6", "HW_ARCH_ARMV7",
            "HW_ARCH_I686", "HW_ARCH_X86_64"});
}
