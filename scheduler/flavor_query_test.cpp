// The flavor's and the image's placement requests in the allocation-candidates query,
// their clashes with the prefilters, and the no-valid-host explanation step by step.
#include <catch2/catch.hpp>

#include "scheduler/prefilters.h"
#include "scheduler/scheduler.h"

using namespace stratus;
using namespace stratus::scheduler;

namespace {

pci::PciConfig nicAlias() {
  pci::PciConfig config;
  auto a = pci::parseAlias(R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca"})");
  REQUIRE(a.ok());
  config.aliases = *a;
  return config;
}

Result<RequestSpec> specFor(std::map<std::string, std::string> extra,
                            virt::ImageProperties image = {}, bool allow_unknown = false) {
  virt::Flavor f{"m1", 2, 1024, 10, std::move(extra)};
  return buildRequestSpec(f, image, virt::VirtConfig{}, nicAlias(), allow_unknown);
}

std::string queryFor(std::map<std::string, std::string> extra, virt::ImageProperties image = {}) {
  auto s = specFor(std::move(extra), std::move(image));
  REQUIRE(s.ok());
  return buildPlacementQuery(*s, traits::TraitsConfig{}).queryString();
}

std::string conflictOf(std::map<std::string, std::string> extra, virt::ImageProperties image = {}) {
  auto s = specFor(std::move(extra), std::move(image));
  REQUIRE(s.ok());
  auto st = checkQueryConflicts(*s, traits::TraitsConfig{});
  return st ? std::string("ok") : st.error().message;
}

const char* kAgg = "3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01";

}  // namespace

TEST_CASE("resources: overrides the flavor's amounts, 0 removes one, other classes are added") {
  CHECK(queryFor({{"resources:VCPU", "0"},
                  {"resources:MEMORY_MB", "2048"},
                  {"resources:PCPU", "2"},
                  {"resources:CUSTOM_MAGIC", "1"}}) ==
        "resources=CUSTOM_MAGIC:1,DISK_GB:10,MEMORY_MB:2048,PCPU:2&required=!COMPUTE_STATUS_"
        "DISABLED&limit=100");
}

TEST_CASE("traits and member_of from the flavor and image join the prefilters' once each") {
  CHECK(queryFor({{"trait:CUSTOM_GOLD", "required"},
                  {"trait:HW_CPU_X86_AVX2", "forbidden"},
                  {"trait:COMPUTE_IOMMU_MODEL_INTEL", "required"},
                  {"hw:viommu_model", "intel"},
                  {"member_of", std::string("!in:") + kAgg}},
                 {{"trait:CUSTOM_GOLD", "required"}, {"trait:CUSTOM_SSD", "required"}}) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=COMPUTE_IOMMU_MODEL_INTEL,CUSTOM_GOLD,"
        "CUSTOM_SSD,!COMPUTE_STATUS_DISABLED,!HW_CPU_X86_AVX2&member_of=!in:" +
            std::string(kAgg) + "&limit=100");
}

TEST_CASE("the flavor's numbered groups keep their suffixes; PCI's take numbers around them") {
  CHECK(queryFor({{"resources1:VGPU", "1"},
                  {"trait1:CUSTOM_A", "required"},
                  {"trait1:CUSTOM_B", "forbidden"},
                  {"member_of1", kAgg},
                  {"resources_fpga:FPGA", "1"},
                  {"group_policy", "isolate"},
                  {"pci_passthrough:alias", "nic:2"}}) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED"
        "&resources1=VGPU:1&required1=CUSTOM_A,!CUSTOM_B&member_of1=" +
            std::string(kAgg) +
            "&resources_fpga=FPGA:1&resources2=CUSTOM_PCI_8086_10CA:1"
            "&resources3=CUSTOM_PCI_8086_10CA:1&group_policy=isolate&limit=100");
  auto s = specFor({{"resources1:VGPU", "1"}, {"pci_passthrough:alias", "nic:2"}});
  REQUIRE(s.ok());
  CHECK(buildPlacementQuery(*s, {}).describe() ==
        "DISK_GB=10, MEMORY_MB=1024, VCPU=2; forbidden COMPUTE_STATUS_DISABLED; group 1 (VGPU=1); "
        "pci_passthrough:alias nic:2 as groups 2-3 (CUSTOM_PCI_8086_10CA=1 each), group_policy "
        "none");
}

TEST_CASE("one numbered group of the flavor and PCI's groups default to group_policy none") {
  CHECK(queryFor({{"resources1:VGPU", "1"}}) ==
        "resources=DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=!COMPUTE_STATUS_DISABLED"
        "&resources1=VGPU:1&group_policy=none&limit=100");
}

TEST_CASE("server create checks every placement rule again and the namespaces") {
  auto bad = specFor({{"trait:CUSTOM_GOLD", "yes"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "trait:CUSTOM_GOLD='yes' is invalid: not a trait requirement; allowed: required, "
        "forbidden");
  auto unknown = specFor({{"quota:disk_read_bytes_sec", "1"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.starts_with(
      "quota:disk_read_bytes_sec='1' is invalid: Stratus does not act on this extra spec; "
      "allowed: extra specs in the namespaces Stratus acts on: hw: ("));
  CHECK(specFor({{"quota:disk_read_bytes_sec", "1"}}, {}, true).ok());
  auto image = specFor({}, {{"trait:CUSTOM_GOLD", "forbidden"}});
  REQUIRE_FALSE(image.ok());
  CHECK(image.error().message ==
        "trait:CUSTOM_GOLD='forbidden' is invalid: an image may only require a trait; allowed: "
        "required");
}

TEST_CASE("a trait required and forbidden at once is refused naming both sources") {
  CHECK(conflictOf(
            {{"trait:COMPUTE_IOMMU_MODEL_INTEL", "forbidden"}, {"hw:viommu_model", "intel"}}) ==
        "trait:COMPUTE_IOMMU_MODEL_INTEL='forbidden' is invalid: COMPUTE_IOMMU_MODEL_INTEL would "
        "be both required, by prefilter viommu_model (hw:viommu_model=intel), and forbidden, by "
        "flavor trait:COMPUTE_IOMMU_MODEL_INTEL=forbidden; allowed: a trait that is not also "
        "required elsewhere: drop one of the two");
  CHECK(conflictOf({{"trait:CUSTOM_GOLD", "forbidden"}}, {{"trait:CUSTOM_GOLD", "required"}}) ==
        "trait:CUSTOM_GOLD='forbidden' is invalid: CUSTOM_GOLD would be both required, by image "
        "trait:CUSTOM_GOLD=required, and forbidden, by flavor trait:CUSTOM_GOLD=forbidden; "
        "allowed: a trait that is not also required elsewhere: drop one of the two");
  CHECK(conflictOf({{"trait:COMPUTE_STATUS_DISABLED", "required"}}) ==
        "trait:COMPUTE_STATUS_DISABLED='required' is invalid: COMPUTE_STATUS_DISABLED would be "
        "both required, by flavor trait:COMPUTE_STATUS_DISABLED=required, and forbidden, by "
        "prefilter disabled_host (disabled hosts take no new servers); allowed: a trait that is "
        "not also forbidden elsewhere: drop one of the two");
  CHECK(conflictOf({{"trait:COMPUTE_IOMMU_MODEL_INTEL", "required"},
                    {"hw:viommu_model", "intel"}}) == "ok");
}

TEST_CASE("numbered groups are checked per group: required in one, forbidden in another is fine") {
  // One key per trait and group: a flavor cannot ask both ways within one numbered group
  // (and PCI groups take only the alias's traits), so only the per-group split shows here.
  CHECK(conflictOf({{"resources1:VGPU", "1"},
                    {"trait1:CUSTOM_FAST", "required"},
                    {"resources2:VGPU", "1"},
                    {"trait2:CUSTOM_FAST", "forbidden"},
                    {"group_policy", "none"}}) == "ok");
}

TEST_CASE("hw:viommu_model=auto with every model it could take forbidden is refused") {
  const virt::ImageProperties x86 = {{"hw_architecture", "x86_64"}};
  std::map<std::string, std::string> extra = {{"hw:viommu_model", "auto"},
                                              {"trait:COMPUTE_IOMMU_MODEL_INTEL", "forbidden"},
                                              {"trait:COMPUTE_IOMMU_MODEL_VIRTIO", "forbidden"}};
  const std::string q = queryFor(extra, x86);
  INFO(q);
  const std::string got = conflictOf(extra, x86);
  CHECK(got ==
        "trait:COMPUTE_IOMMU_MODEL_VIRTIO='forbidden' is invalid: one of "
        "COMPUTE_IOMMU_MODEL_VIRTIO|COMPUTE_IOMMU_MODEL_INTEL would be required, by prefilter "
        "viommu_model (hw:viommu_model=auto), and every one is forbidden "
        "(COMPUTE_IOMMU_MODEL_VIRTIO by flavor trait:COMPUTE_IOMMU_MODEL_VIRTIO=forbidden, "
        "COMPUTE_IOMMU_MODEL_INTEL by flavor trait:COMPUTE_IOMMU_MODEL_INTEL=forbidden); "
        "allowed: a trait that is not also required elsewhere: drop one of the two");
  extra.erase("trait:COMPUTE_IOMMU_MODEL_VIRTIO");
  CHECK(conflictOf(extra, x86) == "ok");
}

TEST_CASE("no valid host: each flavor and image item is its own step, named by its key") {
  auto s = specFor({{"trait:CUSTOM_GOLD", "required"}, {"resources:CUSTOM_X", "1"}},
                   {{"trait:CUSTOM_SSD", "required"}});
  REQUIRE(s.ok());
  // Three hosts: all have the resources, two CUSTOM_X, one of those CUSTOM_GOLD, none SSD.
  std::vector<std::string> queries;
  auto count = [&](const PlacementQuery& q) -> Result<std::size_t> {
    queries.push_back(q.queryString());
    std::size_t n = 3;
    if (q.resources.contains("CUSTOM_X")) n = 2;
    if (q.required.contains("CUSTOM_GOLD")) n = std::min<std::size_t>(n, 1);
    if (q.required.contains("CUSTOM_SSD")) n = 0;
    return n;
  };
  CHECK(explainNoCandidates(*s, {}, count) ==
        "3 hosts have DISK_GB=10, MEMORY_MB=1024, VCPU=2; flavor resources:CUSTOM_X=1 removed 1 "
        "host, leaving 2; flavor trait:CUSTOM_GOLD=required removed 1 host, leaving 1; image "
        "trait:CUSTOM_SSD=required removed 1 host, leaving 0");
  CHECK(queries.size() == 4);
  CHECK(queries.back() ==
        "resources=CUSTOM_X:1,DISK_GB:10,MEMORY_MB:1024,VCPU:2&required=CUSTOM_GOLD,CUSTOM_SSD"
        "&limit=1000");

  auto two = specFor({{"trait:CUSTOM_GOLD", "required"}});
  REQUIRE(two.ok());
  auto gold = [](const PlacementQuery& q) -> Result<std::size_t> {
    return q.required.contains("CUSTOM_GOLD") ? 0 : 2;
  };
  CHECK(explainNoCandidates(*two, {}, gold) ==
        "2 hosts have DISK_GB=10, MEMORY_MB=1024, VCPU=2; flavor trait:CUSTOM_GOLD=required "
        "removed 2 hosts, leaving 0");
  auto down = [](const PlacementQuery&) -> Result<std::size_t> {
    return Error::make(ErrorCode::kUnavailable, "connection refused");
  };
  CHECK(explainNoCandidates(*two, {}, down) == "could not ask placement: connection refused");
}

TEST_CASE("no valid host: prefilters keep their lines") {
  auto s = specFor({{"hw:viommu_model", "virtio"}});
  REQUIRE(s.ok());
  auto count = [](const PlacementQuery& q) -> Result<std::size_t> {
    return q.required.contains("COMPUTE_IOMMU_MODEL_VIRTIO") ? 0 : 1;
  };
  CHECK(explainNoCandidates(*s, {}, count) ==
        "1 host has DISK_GB=10, MEMORY_MB=1024, VCPU=2; prefilter viommu_model (DISK_GB=10, "
        "MEMORY_MB=1024, VCPU=2; required COMPUTE_IOMMU_MODEL_VIRTIO) removed 1, leaving 0");
}

TEST_CASE("placement's unknown-trait refusal names the traits, and only that refusal does") {
  CHECK(
      unknownTraitsIn(Error::make(ErrorCode::kInvalidArgument, "No such trait(s): CUSTOM_NOPE.")) ==
      std::vector<std::string>{"CUSTOM_NOPE"});
  CHECK(unknownTraitsIn(
            Error::make(ErrorCode::kInvalidArgument, "No such trait(s): CUSTOM_A, CUSTOM_B")) ==
        std::vector<std::string>{"CUSTOM_A", "CUSTOM_B"});
  CHECK(unknownTraitsIn(Error::make(ErrorCode::kNotFound, "No such trait(s): CUSTOM_A")).empty());
  CHECK(unknownTraitsIn(Error::make(ErrorCode::kInvalidArgument, "Invalid query string")).empty());
}

TEST_CASE("an unknown trait required matches no host; forbidden or one of several is dropped") {
  PlacementQuery q;
  q.resources = {{"VCPU", 1}};
  q.required = {"CUSTOM_GOLD"};
  q.forbidden = {"CUSTOM_NOPE"};
  q.any_of = {{"CUSTOM_NOPE", "CUSTOM_A"}};
  auto dropped = withoutUnknownTrait(q, "CUSTOM_NOPE");
  REQUIRE(dropped);
  CHECK(dropped->queryString() ==
        "resources=VCPU:1&required=CUSTOM_GOLD&required=in:CUSTOM_A&limit=100");
  CHECK_FALSE(withoutUnknownTrait(q, "CUSTOM_GOLD"));
  PlacementQuery only;
  only.any_of = {{"CUSTOM_NOPE"}};
  CHECK_FALSE(withoutUnknownTrait(only, "CUSTOM_NOPE"));
  PlacementQuery grouped;
  grouped.groups.push_back(RequestGroup{"1", {{"VGPU", 1}}, {"CUSTOM_NOPE"}, {}, {}, ""});
  CHECK_FALSE(withoutUnknownTrait(grouped, "CUSTOM_NOPE"));
  grouped.groups[0].required.clear();
  grouped.groups[0].forbidden = {"CUSTOM_NOPE"};
  auto g = withoutUnknownTrait(grouped, "CUSTOM_NOPE");
  REQUIRE(g);
  CHECK(g->groups[0].forbidden.empty());
}
