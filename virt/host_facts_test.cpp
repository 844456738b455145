#include "virt/host_facts.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "virt/test_hosts.h"
#include "virt/virt_config.h"

using namespace stratus::virt;
using nlohmann::json;

TEST_CASE("host facts survive a JSON round trip") {
  HostFacts facts = testing::testHost("aarch64-kvm-libvirt9");
  json doc = hostFactsToJson(facts);
  auto back = hostFactsFromJson(doc);
  REQUIRE(back.ok());
  CHECK(hostFactsToJson(*back) == doc);
  CHECK(back->hostname == "arm1");
  CHECK(back->virt_type == VirtType::kKvm);
  CHECK(back->numa_cells.size() == 2);
  CHECK(back->cpuCount() == 8);
  CHECK(doc["numa_cells"][1]["pages"][2] == json{{"size_kib", 524288}, {"total", 4}, {"free", 4}});
}

TEST_CASE("under kvm a host runs only arches with the kvm domain type") {
  HostFacts kvm = testing::testHost("x86-kvm-libvirt9");
  CHECK(kvm.runsArch("x86_64"));
  CHECK_FALSE(kvm.runsArch("aarch64"));
  HostFacts qemu = testing::testHost("x86-qemu-libvirt9");
  CHECK(qemu.runsArch("aarch64"));
  CHECK(qemu.runnableArches() == std::vector<std::string>{"aarch64", "i686", "x86_64"});
}

TEST_CASE("malformed host facts name the field") {
  json doc = hostFactsToJson(testing::testHost("x86-kvm-libvirt9"));
  auto with = [&](const json& patch) {
    json d = doc;
    d.merge_patch(patch);
    auto r = hostFactsFromJson(d);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(with({{"virt_type", "xen"}}) == "virt_type='xen' is invalid; allowed: kvm, qemu");
  CHECK(with({{"libvirt_version", 9}}) ==
        "libvirt_version='9' is invalid: wrong type; allowed: a string");
  CHECK(with({{"hostname", nullptr}}) ==
        "hostname='(missing)' is invalid: field is required; allowed: a value of the right type");
  CHECK(with({{"iommu", {{"dev_iommu", "no"}}}}) ==
        "iommu.dev_iommu='\"no\"' is invalid: wrong type; allowed: true or false");
  json cells = doc;
  cells["numa_cells"][0]["pages"][1]["free"] = 65;
  auto r = hostFactsFromJson(cells);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "numa_cells[0].pages[1].free='65' is invalid; allowed: at most total (64)");
  auto text = hostFactsFromText("{", "x.json");
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().message ==
        "host facts='x.json' is invalid: not valid JSON; allowed: a JSON host facts document");
}

TEST_CASE("virt_type auto picks kvm only where libvirt offers it for the host arch") {
  auto guests = testing::testHost("x86-kvm-libvirt9").guests;
  CHECK(*resolveVirtType(VirtTypeSetting::kAuto, "x86_64", guests) == VirtType::kKvm);
  CHECK(*resolveVirtType(VirtTypeSetting::kQemu, "x86_64", guests) == VirtType::kQemu);
  for (auto& g : guests) g.domain_types = {"qemu"};
  CHECK(*resolveVirtType(VirtTypeSetting::kAuto, "x86_64", guests) == VirtType::kQemu);
  auto kvm = resolveVirtType(VirtTypeSetting::kKvm, "x86_64", guests);
  REQUIRE_FALSE(kvm.ok());
  CHECK(kvm.error().message ==
        "[libvirt] virt_type='kvm' but libvirt offers no kvm domain type for the host arch "
        "x86_64 (is /dev/kvm usable?); allowed here: auto, qemu");
}

TEST_CASE("IOMMU unit capabilities round-trip, stay optional, and name bad fields") {
  HostFacts host = testing::testHost("x86-kvm-libvirt9");
  CHECK(host.iommu.unit_caps.empty());  // a document from before unit_caps loads
  host.iommu.unit_caps = {{"dmar0", "intel-iommu", true, std::nullopt, std::nullopt, std::nullopt,
                           std::nullopt, std::nullopt},
                          {"smmu3.0x0000000009050000", "arm-smmu-v3", std::nullopt, false,
                           std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  json doc = hostFactsToJson(host);
  CHECK(doc["iommu"]["unit_caps"][0] == json({{"name", "dmar0"},
                                              {"driver", "intel-iommu"},
                                              {"nesting", true},
                                              {"dirty_tracking", nullptr}}));
  auto back = hostFactsFromJson(doc);
  REQUIRE(back.ok());
  REQUIRE(back->iommu.unit_caps.size() == 2);
  CHECK(back->iommu.unitCaps("dmar0")->nesting == std::optional<bool>(true));
  CHECK_FALSE(back->iommu.unitCaps("dmar0")->dirty_tracking.has_value());
  CHECK(back->iommu.unitCaps("smmu3.0x0000000009050000")->dirty_tracking ==
        std::optional<bool>(false));
  CHECK(back->iommu.unitCaps("dmar1") == nullptr);

  json bad = doc;
  bad["iommu"]["unit_caps"][1]["nesting"] = "yes";
  auto r = hostFactsFromJson(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "iommu.unit_caps[1].nesting='\"yes\"' is invalid: wrong type; allowed: true or false");
  bad = doc;
  bad["iommu"]["unit_caps"] = 3;
  r = hostFactsFromJson(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "iommu.unit_caps='3' is invalid; allowed: a list");
}

TEST_CASE("SMMUv3 IDR facts round-trip, are written only when known, and are checked") {
  HostFacts host = testing::testHost("aarch64-kvm-2smmu-libvirt12");
  json doc = hostFactsToJson(host);
  CHECK_FALSE(doc["iommu"]["unit_caps"][0].contains("ats"));  // unknown: not written
  CHECK_FALSE(doc["iommu"]["unit_caps"][0].contains("oas_bits"));
  host.iommu.unit_caps[0].ats = true;
  host.iommu.unit_caps[0].ril = false;
  host.iommu.unit_caps[0].ssid_bits = 20;
  host.iommu.unit_caps[0].oas_bits = 48;
  doc = hostFactsToJson(host);
  CHECK(doc["iommu"]["unit_caps"][0] == json({{"name", "smmu3.0x0000000009050000"},
                                              {"driver", "arm-smmu-v3"},
                                              {"nesting", true},
                                              {"dirty_tracking", nullptr},
                                              {"ats", true},
                                              {"ril", false},
                                              {"ssid_bits", 20},
                                              {"oas_bits", 48}}));
  auto back = hostFactsFromJson(doc);
  REQUIRE(back.ok());
  const auto* u = back->iommu.unitCaps("smmu3.0x0000000009050000");
  REQUIRE(u != nullptr);
  CHECK(u->ats == std::optional<bool>(true));
  CHECK(u->ril == std::optional<bool>(false));
  CHECK(u->ssid_bits == std::optional<unsigned>(20));
  CHECK(u->oas_bits == std::optional<unsigned>(48));
  CHECK_FALSE(back->iommu.unitCaps("smmu3.0x0000000009060000")->ssid_bits.has_value());

  auto fails = [&](const char* key, json value) {
    json bad = doc;
    bad["iommu"]["unit_caps"][0][key] = std::move(value);
    auto r = hostFactsFromJson(bad);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(fails("ssid_bits", 21) == "iommu.unit_caps[0].ssid_bits='21' is invalid; allowed: 0 to 20");
  CHECK(fails("ssid_bits", -1) == "iommu.unit_caps[0].ssid_bits='-1' is invalid; allowed: 0 to 20");
  CHECK(fails("ssid_bits", "20") ==
        "iommu.unit_caps[0].ssid_bits='\"20\"' is invalid: wrong type; allowed: a whole number");
  CHECK(fails("oas_bits", 46) ==
        "iommu.unit_caps[0].oas_bits='46' is invalid; allowed: 32, 36, 40, 42, 44, 48 or 52");
  CHECK(fails("ats", "yes") ==
        "iommu.unit_caps[0].ats='\"yes\"' is invalid: wrong type; allowed: true or false");
  CHECK(fails("ril", 1) ==
        "iommu.unit_caps[0].ril='1' is invalid: wrong type; allowed: true or false");
}

TEST_CASE("per-arch emulator facts are optional, round-trip and are checked") {
  HostFacts host = testing::testHost("x86-kvm-libvirt9");
  REQUIRE_FALSE(host.guests.empty());
  CHECK_FALSE(host.guests[0].qemu_version.has_value());
  CHECK(host.qemuVersionFor(host.guests[0].arch) == host.qemu_version);
  CHECK(host.qemuVersionFor("riscv64") == host.qemu_version);

  host.guests[0].qemu_version = Version{11, 1, 0};
  host.guests[0].vcpu_max = 4096;
  host.guests[0].hostdev_pci_backends = std::vector<std::string>{"default", "vfio"};
  host.guests[0].hostdev_iommufd = std::vector<std::string>{"yes", "no"};
  json doc = hostFactsToJson(host);
  CHECK(doc["guests"][0]["qemu_version"] == "11.1.0");
  CHECK(doc["guests"][0]["hostdev_iommufd"] == json({"yes", "no"}));
  CHECK_FALSE(doc["guests"][1].contains("vcpu_max"));
  auto back = hostFactsFromJson(doc);
  REQUIRE(back.ok());
  CHECK(back->qemuVersionFor(host.guests[0].arch) == Version{11, 1, 0});
  CHECK(back->guests[0].vcpu_max == std::optional<unsigned>(4096));
  CHECK(back->guests[0].hostdev_pci_backends == host.guests[0].hostdev_pci_backends);
  CHECK_FALSE(back->guests[1].hostdev_iommufd.has_value());

  json bad = doc;
  bad["guests"][0]["vcpu_max"] = 0;
  auto r = hostFactsFromJson(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "guests[0].vcpu_max='0' is invalid; allowed: a vCPU count above 0");
  bad = doc;
  bad["guests"][0]["hostdev_iommufd"] = "yes";
  r = hostFactsFromJson(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "guests[0].hostdev_iommufd='\"yes\"' is invalid: wrong type; allowed: a list");
}
