#include "scheduler/prefilters.h"

#include <catch2/catch.hpp>

#include "scheduler/scheduler.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::scheduler;
using stratus::virt::testing::testHost;

namespace {

RequestSpec spec(std::map<std::string, std::string> extra, virt::ImageProperties image = {},
                 unsigned vcpus = 2, std::uint64_t ram = 1024, std::uint64_t disk = 10) {
  virt::Flavor f{"m1", vcpus, ram, disk, std::move(extra)};
  auto s = buildRequestSpec(f, image, virt::VirtConfig{});
  REQUIRE(s.ok());
  return *s;
}

std::string queryFor(const RequestSpec& s, traits::TraitsConfig t = {}) {
  return buildPlacementQuery(s, t).queryString();
}

}  // namespace

TEST_CASE("the prefilters run in a fixed, named order") {
  std::vector<std::string> names;
  for (const auto& p : prefilters()) names.emplace_back(p.name);
  CHECK(names == std::vector<std::string>{"resources", "flavor_request", "image_traits",
                                          "viommu_model", "architecture", "mem_page_size",
                                          "disabled_host", "pci_devices", "availability_zone",
                                          "forced_host"});
}

TEST_CASE("a forced host limits the query to its compute node's tree") {
  auto s = spec({});
  s.forced_host = "cn1";
  s.forced_host_provider = "6a5c2b1e-0000-4000-8000-000000000001";
  CHECK(queryFor(s) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED"
        "&in_tree=6a5c2b1e-0000-4000-8000-000000000001&limit=100");
  CHECK(buildPlacementQuery(s, {}).describe() ==
        "DISK_GB=10, MEMORY_MB=1024, VCPU=2; forbidden COMPUTE_STATUS_DISABLED; in_tree "
        "6a5c2b1e-0000-4000-8000-000000000001");
}

TEST_CASE("an availability zone becomes the member_of the API resolved it to") {
  auto s = spec({});
  CHECK(queryFor(s) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED&limit=100");
  s.availability_zone = "az1";
  s.availability_zone_member_of = "in:u1,u2";
  CHECK(queryFor(s) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED&member_of=in:"
        "u1,u2&limit=100");
  s.availability_zone_member_of = "!in:u1";
  CHECK(buildPlacementQuery(s, {}).describe() ==
        "DISK_GB=10, MEMORY_MB=1024, VCPU=2; forbidden COMPUTE_STATUS_DISABLED; member_of !in:u1");
}

TEST_CASE("a concrete model becomes its trait, under the configured prefix") {
  auto s = spec({{"hw:viommu_model", "virtio"}});
  CHECK(queryFor(s) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_VIRTIO,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
  traits::TraitsConfig os;
  REQUIRE(traits::setViommuPrefix(os, "COMPUTE_VIOMMU_MODEL_", "k").ok());
  CHECK(queryFor(s, os) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_VIOMMU_MODEL_VIRTIO,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
}

TEST_CASE("hw:viommu_accel=true also requires CUSTOM_VIOMMU_SMMUV3_ACCEL; false does not") {
  CHECK(queryFor(spec({{"hw:viommu_model", "smmuv3"}, {"hw:viommu_accel", "true"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_SMMUV3,CUSTOM_"
        "VIOMMU_SMMUV3_ACCEL,!COMPUTE_STATUS_DISABLED&limit=100");
  CHECK(queryFor(spec({{"hw:viommu_model", "smmuv3"}}, {{"hw_viommu_accel", "no"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_SMMUV3,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
}

TEST_CASE("auto becomes any of the models valid for the arch and machine type") {
  CHECK(queryFor(spec({{"hw:viommu_model", "auto"}}, {{"hw_architecture", "x86_64"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=HW_ARCH_X86_64,!COMPUTE_STATUS_"
        "DISABLED&required=in:COMPUTE_IOMMU_MODEL_VIRTIO,COMPUTE_IOMMU_MODEL_INTEL&limit=100");
  CHECK(queryFor(spec({}, {{"hw_viommu_model", "auto"}, {"hw_architecture", "aarch64"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=HW_ARCH_AARCH64,!COMPUTE_STATUS_"
        "DISABLED&required=in:COMPUTE_IOMMU_MODEL_VIRTIO,COMPUTE_IOMMU_MODEL_SMMUV3&limit=100");
  // Without an arch the host decides; any host that resolves auto carries AUTO.
  CHECK(queryFor(spec({{"hw:viommu_model", "auto"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_AUTO,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
}

TEST_CASE("an explicit huge page size is required as a trait; small and large are not") {
  CHECK(queryFor(spec({{"hw:mem_page_size", "2MB"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=CUSTOM_MEM_PAGE_SIZE_2048,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
  CHECK(queryFor(spec({{"hw:mem_page_size", "large"}})) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED&limit=100");
}

TEST_CASE("a flavor without disk asks for no DISK_GB") {
  CHECK(queryFor(spec({}, {}, 1, 512, 0)) ==
        "resources=MEMORY_MB:512,VCPU:1&required=!COMPUTE_STATUS_DISABLED&limit=100");
}

TEST_CASE("conflicting flavor and image are refused before any query") {
  virt::Flavor f{"m1", 1, 512, 1, {{"hw:viommu_model", "virtio"}}};
  auto s = buildRequestSpec(f, {{"hw_viommu_model", "intel"}}, virt::VirtConfig{});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::Contains("hw_viommu_model"));
  CHECK_THAT(s.error().message, Catch::Contains("hw:viommu_model"));
}

TEST_CASE("candidates parse with their free memory") {
  auto doc = nlohmann::json::parse(R"({
    "allocation_requests": [
      {"allocations": {"a": {"resources": {"VCPU": 1}}}},
      {"allocations": {"b": {"resources": {"VCPU": 1}}, "c": {"resources": {"DISK_GB": 1}}}}],
    "provider_summaries": {"a": {"resources": {"MEMORY_MB": {"capacity": 4096, "used": 1024}}}}})");
  auto c = parseCandidates(doc);
  REQUIRE(c.ok());
  // The second spans two providers: its host is the one holding VCPU (scheduler_test.cpp).
  REQUIRE(c->size() == 2);
  CHECK((*c)[0].provider_uuid == "a");
  CHECK((*c)[0].free_memory_mb == 3072);
  CHECK((*c)[1].provider_uuid == "b");
  CHECK_FALSE(parseCandidates(nlohmann::json::object()).ok());
}

TEST_CASE("host filters apply virt's rules to each host's facts and say who removed what") {
  std::map<std::string, HostRecord> hosts = {
      {"p9", {"cn-libvirt9", "p9", testHost("x86-kvm-libvirt9")}},
      {"p8", {"cn-libvirt8", "p8", testHost("x86-kvm-libvirt8.2")}},
  };
  const HostLookup lookup = [&](const std::string& uuid) -> std::optional<HostRecord> {
    auto it = hosts.find(uuid);
    if (it == hosts.end()) return std::nullopt;
    return it->second;
  };
  std::vector<Candidate> candidates = {{"p8", {}, 100}, {"p9", {}, 50}, {"gone", {}, 999}};
  auto s = spec({{"hw:viommu_model", "virtio"}}, {{"hw_architecture", "x86_64"}});
  auto out = filterHosts(s, candidates, lookup, virt::VirtConfig{});
  REQUIRE(out.passed.size() == 1);
  CHECK(out.passed[0].host.name == "cn-libvirt9");
  CHECK(out.passed[0].plan.resolved == virt::ViommuModel::kVirtio);
  REQUIRE(out.removed.size() == 2);
  CHECK(out.removed[0] ==
        "host filter host_reported removed 1 host whose agent has not reported facts (gone)");
  CHECK_THAT(out.removed[1],
             Catch::StartsWith("host filter virt_rules removed 1 host (cn-libvirt8: "));
  CHECK_THAT(out.removed[1], Catch::Contains("8.3.0"));

  auto any = filterHosts(spec({{"hw:viommu_model", "auto"}}, {{"hw_architecture", "x86_64"}}),
                         candidates, lookup, virt::VirtConfig{});
  REQUIRE(any.passed.size() == 2);
  weighHosts(any.passed);
  CHECK(any.passed[0].host.name == "cn-libvirt8");  // more free memory first
  CHECK(any.passed[0].plan.resolved == virt::ViommuModel::kIntel);
  CHECK(any.passed[1].plan.resolved == virt::ViommuModel::kVirtio);
}

TEST_CASE("huge pages are checked against the host's free pages per NUMA cell") {
  std::map<std::string, HostRecord> hosts = {{"p", {"cn", "p", testHost("x86-kvm-libvirt9")}}};
  const HostLookup lookup = [&](const std::string& uuid) -> std::optional<HostRecord> {
    return hosts.at(uuid);
  };
  // 64 free 2 MiB pages = 128 MiB on the one cell.
  auto fits = filterHosts(spec({{"hw:mem_page_size", "2MB"}}, {}, 1, 128), {{"p", {}, 0}}, lookup,
                          virt::VirtConfig{});
  CHECK(fits.passed.size() == 1);
  auto too_big = filterHosts(spec({{"hw:mem_page_size", "2MB"}}, {}, 1, 256), {{"p", {}, 0}},
                             lookup, virt::VirtConfig{});
  CHECK(too_big.passed.empty());
  REQUIRE(too_big.removed.size() == 1);
  CHECK_THAT(too_big.removed[0], Catch::Contains("hw:mem_page_size"));
}

TEST_CASE("amd requires the amd trait: Stratus' name, or CUSTOM_ under the os-traits prefix") {
  auto s = spec({{"hw:viommu_model", "amd"}});
  CHECK(queryFor(s) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_AMD,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
  traits::TraitsConfig os;
  REQUIRE(traits::setViommuPrefix(os, "COMPUTE_VIOMMU_MODEL_", "k").ok());
  CHECK(queryFor(spec({}, {{"hw_viommu_model", "amd"}}), os) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=CUSTOM_VIOMMU_MODEL_AMD,!COMPUTE_"
        "STATUS_DISABLED&limit=100");
}
