#include "virt/guest_request.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::virt;

TEST_CASE("booleans accept the usual spellings in any case and nothing else") {
  for (const char* t : {"true", "True", "YES", "on", "1", "t", "Y"}) {
    CHECK(*parseBoolSpec(t, "k") == true);
  }
  for (const char* f : {"false", "No", "OFF", "0", "f", "n"}) {
    CHECK(*parseBoolSpec(f, "k") == false);
  }
  auto bad = parseBoolSpec("maybe", "hw:locked_memory");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "hw:locked_memory='maybe' is invalid: not a boolean; allowed: true, false, yes, no, on, "
        "off, 1, 0, t, f, y, n");
}

TEST_CASE("extra specs and image properties are checked one at a time") {
  CHECK(validateExtraSpec("hw:viommu_model", "auto").ok());
  CHECK(validateExtraSpec("hw:mem_page_size", "2MiB").ok());
  CHECK(validateExtraSpec("hw:locked_memory", "on").ok());
  CHECK(validateExtraSpec("resources:VCPU", "2").ok());
  CHECK(validateImageProperty("hw_machine_type", "pc-q35-7.2").ok());
  CHECK(validateImageProperty("hw_architecture", "aarch64").ok());
  CHECK(validateImageProperty("os_distro", "debian").ok());

  auto spec = validateExtraSpec("hw:viommu_model", "bogus");
  REQUIRE_FALSE(spec.ok());
  CHECK(spec.error().message ==
        "hw:viommu_model='bogus' is invalid: not a vIOMMU model; allowed: none, intel, smmuv3, "
        "virtio, amd, auto");

  auto lock = validateImageProperty("hw_locked_memory", "sure");
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().key == "hw_locked_memory");

  auto arch = validateImageProperty("hw_architecture", "X86_64");
  REQUIRE_FALSE(arch.ok());
  CHECK(arch.error().message ==
        "hw_architecture='X86_64' is invalid: values are lower case; did you mean 'x86_64'?; "
        "allowed: libvirt architecture names such as x86_64, aarch64, ppc64le, s390x");

  auto arm64 = validateImageProperty("hw_architecture", "arm64");
  REQUIRE_FALSE(arm64.ok());
  CHECK(arm64.error().message ==
        "hw_architecture='arm64' is invalid: did you mean 'aarch64'?; allowed: libvirt "
        "architecture names such as x86_64, aarch64, ppc64le, s390x");

  auto machine = validateImageProperty("hw_machine_type", "q35<x>");
  REQUIRE_FALSE(machine.ok());
  CHECK(machine.error().message ==
        "hw_machine_type='q35<x>' is invalid; allowed: a machine type name such as q35, "
        "pc-q35-7.2 or virt (letters, digits, '-', '_', '.')");
}

TEST_CASE("the PCI-NUMA policy keys pass virt: pci/ judges them; other unknown hw keys do not") {
  CHECK(validateExtraSpec("hw:pci_numa_affinity_policy", "required").ok());
  CHECK(validateImageProperty("hw_pci_numa_affinity_policy", "socket").ok());
  auto numa = validateExtraSpec("hw:numa_nodes", "2");
  REQUIRE_FALSE(numa.ok());
  CHECK(numa.error().message ==
        "hw:numa_nodes='2' is invalid: Stratus does not support this extra spec; allowed: "
        "hw:viommu_model, hw:viommu_accel, hw:locked_memory, hw:mem_page_size, "
        "hw:pci_numa_affinity_policy");
  auto image = validateImageProperty("hw_disk_bus", "scsi");
  REQUIRE_FALSE(image.ok());
  CHECK(image.error().message ==
        "hw_disk_bus='scsi' is invalid: Stratus does not support this image property; allowed: "
        "hw_viommu_model, hw_viommu_accel, hw_locked_memory, hw_mem_page_size, hw_architecture, "
        "hw_machine_type, "
        "hw_pci_numa_affinity_policy");
}

TEST_CASE("a request records which key each setting came from") {
  Flavor flavor{"f", 2, 1024, 10, {{"hw:mem_page_size", "any"}}};
  ImageProperties image{{"hw_viommu_model", "smmuv3"},
                        {"hw_mem_page_size", "1G"},
                        {"hw_locked_memory", "yes"},
                        {"hw_architecture", "aarch64"}};
  auto req = parseGuestRequest(flavor, image, VirtConfig{});
  REQUIRE(req.ok());
  CHECK(req->viommu.value == ViommuModel::kSmmuv3);
  CHECK(req->viommu.key == "hw_viommu_model");
  REQUIRE(req->page_size.has_value());
  CHECK(req->page_size->key == "hw_mem_page_size");
  CHECK(req->page_size->value.size_kib == 1048576);
  REQUIRE(req->locked_memory.has_value());
  CHECK(req->locked_memory->value);
  CHECK(req->arch == "aarch64");
}

TEST_CASE("the configured machine type decides the host-independent model check") {
  VirtConfig config;
  config.hw_machine_type["x86_64"] = "pc";
  Flavor flavor{"f", 1, 512, 0, {{"hw:viommu_model", "virtio"}}};
  auto req = parseGuestRequest(flavor, {{"hw_architecture", "x86_64"}}, config);
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().message ==
        "hw:viommu_model='virtio' is invalid: model virtio needs an x86_64 guest with a q35 "
        "machine type or an aarch64 guest with a virt machine type, but the guest is x86_64 "
        "with machine type pc; allowed: none (for x86_64 with machine type pc)");
  // Without hw_architecture the arch is the host's, so the check waits for the host.
  CHECK(parseGuestRequest(flavor, {}, config).ok());
}

TEST_CASE("flavors need vCPUs and RAM") {
  auto zero = parseGuestRequest(Flavor{"f", 0, 512, 0, {}}, {}, VirtConfig{});
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message == "vcpus='0' is invalid; allowed: a whole number of at least 1");
  auto noram = parseGuestRequest(Flavor{"f", 1, 0, 0, {}}, {}, VirtConfig{});
  REQUIRE_FALSE(noram.ok());
  CHECK(noram.error().message == "ram='0' is invalid; allowed: a whole number of MiB, at least 1");
}

TEST_CASE("[libvirt] settings are validated") {
  IniConfig ini;
  ini.set("libvirt", "virt_type", "xen");
  auto bad = virtConfigFrom(ini);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "[libvirt] virt_type='xen' is invalid; allowed: auto, kvm, qemu");

  IniConfig machines;
  machines.set("libvirt", "hw_machine_type", "x86_64=pc-q35-7.2");
  auto ok = virtConfigFrom(machines);
  REQUIRE(ok.ok());
  CHECK(ok->machineTypeFor("x86_64") == "pc-q35-7.2");
  CHECK(ok->machineTypeFor("aarch64") == "virt");

  machines.set("libvirt", "hw_machine_type", "x86_64");
  auto malformed = virtConfigFrom(machines);
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().message ==
        "[libvirt] hw_machine_type='x86_64' is invalid: entry 'x86_64' is not ARCH=MACHINE; "
        "allowed: a comma-separated list of ARCH=MACHINE, e.g. x86_64=q35,aarch64=virt");
}
