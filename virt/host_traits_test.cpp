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
