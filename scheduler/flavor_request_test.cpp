#include "scheduler/flavor_request.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::scheduler;

namespace {

std::string messageOf(const Status& s) {
  return s ? std::string("ok") : s.error().message;
}

std::string parseMessage(const std::map<std::string, std::string>& specs,
                         const std::map<std::string, std::string>& image = {}) {
  auto r = parseFlavorRequest(specs, image);
  return r ? std::string("ok") : r.error().message;
}

const std::string kRcAllowed =
    "a standard resource class (VCPU, MEMORY_MB, DISK_GB, PCI_DEVICE, SRIOV_NET_VF, NUMA_SOCKET, "
    "NUMA_CORE, NUMA_THREAD, NUMA_MEMORY_MB, IPV4_ADDRESS, VGPU, VGPU_DISPLAY_HEAD, "
    "NET_BW_EGR_KILOBIT_PER_SEC, NET_BW_IGR_KILOBIT_PER_SEC, PCPU, MEM_ENCRYPTION_CONTEXT, FPGA, "
    "PGPU, NET_PACKET_RATE_KILOPACKET_PER_SEC, NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC, "
    "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC) or CUSTOM_[A-Z0-9_]+";
const std::string kTraitAllowed =
    "a standard trait (os-traits or COMPUTE_IOMMU_MODEL_*) or CUSTOM_[A-Z0-9_]+ after the ':'";
const std::string kSuffixAllowed = "a group suffix of 1 to 64 characters from a-z, A-Z, 0-9, _, -";

}  // namespace

TEST_CASE("placement extra specs: every rule names the key, the value and what is allowed") {
  const std::string long_suffix(65, 'a');
  const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
      {{"resources:VGPUS", "1"},
       "resources:VGPUS='1' is invalid: VGPUS is not a standard resource class; allowed: " +
           kRcAllowed},
      {{"resources:CUSTOM_lower", "1"},
       "resources:CUSTOM_lower='1' is invalid: CUSTOM_lower is not a valid custom resource "
       "class; allowed: " +
           kRcAllowed},
      {{"resources:CUSTOM_", "1"},
       "resources:CUSTOM_='1' is invalid: CUSTOM_ is not a valid custom resource class; "
       "allowed: " +
           kRcAllowed},
      {{"resources:VCPU", "-1"},
       "resources:VCPU='-1' is invalid: not a resource count; allowed: a whole number from 0 to "
       "2147483647"},
      {{"resources:VCPU", "two"},
       "resources:VCPU='two' is invalid: not a resource count; allowed: a whole number from 0 to "
       "2147483647"},
      {{"resources:VCPU", "2147483648"},
       "resources:VCPU='2147483648' is invalid: not a resource count; allowed: a whole number "
       "from 0 to 2147483647"},
      {{"resources:VCPU", ""},
       "resources:VCPU='' is invalid: not a resource count; allowed: a whole number from 0 to "
       "2147483647"},
      {{"resourcesVCPU", "1"},
       "resourcesVCPU='1' is invalid: the key has no ':' before the RESOURCE_CLASS; allowed: "
       "resources[SUFFIX]:RESOURCE_CLASS (SUFFIX: 1 to 64 characters from a-z, A-Z, 0-9, _, -)"},
      {{"resources1:", "1"},
       "resources1:='1' is invalid: the key names no RESOURCE_CLASS; allowed: "
       "resources[SUFFIX]:RESOURCE_CLASS (SUFFIX: 1 to 64 characters from a-z, A-Z, 0-9, _, -)"},
      {{"resources.gpu:VGPU", "1"},
       "resources.gpu:VGPU='1' is invalid: '.gpu' is not a request group suffix; allowed: " +
           kSuffixAllowed},
      {{"resources" + long_suffix + ":VGPU", "1"},
       "resources" + long_suffix + ":VGPU='1' is invalid: '" + long_suffix +
           "' is not a request group suffix; allowed: " + kSuffixAllowed},
      {{"trait:GOLD", "required"},
       "trait:GOLD='required' is invalid: GOLD is neither a standard trait nor a custom one; "
       "allowed: " +
           kTraitAllowed},
      {{"trait:CUSTOM_gold", "required"},
       "trait:CUSTOM_gold='required' is invalid: CUSTOM_gold is neither a standard trait nor a "
       "custom one; allowed: " +
           kTraitAllowed},
      {{"trait:CUSTOM_GOLD", "Required"},
       "trait:CUSTOM_GOLD='Required' is invalid: not a trait requirement; allowed: required, "
       "forbidden"},
      {{"trait1:HW_CPU_X86_AVX2", "preferred"},
       "trait1:HW_CPU_X86_AVX2='preferred' is invalid: not a trait requirement; allowed: "
       "required, forbidden"},
      {{"trait", "required"},
       "trait='required' is invalid: the key has no ':' before the TRAIT; allowed: "
       "trait[SUFFIX]:TRAIT (SUFFIX: 1 to 64 characters from a-z, A-Z, 0-9, _, -)"},
      {{"trait a:CUSTOM_X", "required"},
       "trait a:CUSTOM_X='required' is invalid: ' a' is not a request group suffix; allowed: " +
           kSuffixAllowed},
      {{"member_of", "not-a-uuid"},
       "member_of='not-a-uuid' is invalid: 'not-a-uuid' is not an aggregate UUID; allowed: an "
       "aggregate UUID, or in:UUID,UUID,... for any of several, either with a leading '!' to "
       "keep out of them"},
      {{"member_of", "3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01,4b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
       "member_of='3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01,4b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01' is "
       "invalid: several aggregates need the in: prefix; allowed: an aggregate UUID, or "
       "in:UUID,UUID,... for any of several, either with a leading '!' to keep out of them"},
      {{"member_of", "in:"},
       "member_of='in:' is invalid: '' is not an aggregate UUID; allowed: an aggregate UUID, or "
       "in:UUID,UUID,... for any of several, either with a leading '!' to keep out of them"},
      {{"member_of:x", "3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
       "member_of:x='3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01' is invalid: ':x' is not a request "
       "group suffix; allowed: " +
           kSuffixAllowed},
  };
  for (const auto& [spec, message] : cases) {
    INFO(spec.first);
    CHECK(messageOf(validatePlacementSpec(spec.first, spec.second)) == message);
    CHECK(parseMessage({{spec.first, spec.second}}) == message);
  }
}

TEST_CASE("placement extra specs in Nova's syntax are accepted") {
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"resources:VCPU", "0"},
           {"resources:CUSTOM_MAGIC", "3"},
           {"resources_GPU-1:VGPU", "1"},
           {"trait:HW_CPU_X86_AVX2", "forbidden"},
           {"trait:COMPUTE_IOMMU_MODEL_INTEL", "required"},
           {"trait1:CUSTOM_GOLD", "required"},
           {"member_of", "!3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
           {"member_of2",
            "in:3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01,4b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
           {"member_of", "!in:3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
           {"hw:viommu_model", "anything: not this module's"},
       }) {
    INFO(k);
    CHECK(messageOf(validatePlacementSpec(k, v)) == "ok");
  }
}

TEST_CASE("a flavor's request: groups in order, resources first, zero counts") {
  auto r = parseFlavorRequest({{"trait1:CUSTOM_A", "required"},
                               {"resources1:VGPU", "1"},
                               {"resources:VCPU", "0"},
                               {"resources:CUSTOM_X", "2"},
                               {"trait:CUSTOM_GOLD", "forbidden"},
                               {"resources2:VGPU", "0"},
                               {"resources2:FPGA", "1"},
                               {"member_of2", "3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"},
                               {"group_policy", "isolate"},
                               {"hw:viommu_model", "intel"}},
                              {{"trait:CUSTOM_SSD", "required"}, {"os_distro", "debian"}});
  REQUIRE(r.ok());
  std::vector<std::string> labels;
  for (const auto& i : r->items) labels.push_back(i.label());
  CHECK(labels ==
        std::vector<std::string>{"flavor resources:CUSTOM_X=2", "flavor resources:VCPU=0",
                                 "flavor trait:CUSTOM_GOLD=forbidden", "flavor resources1:VGPU=1",
                                 "flavor trait1:CUSTOM_A=required", "flavor resources2:FPGA=1",
                                 "flavor member_of2=3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01",
                                 "image trait:CUSTOM_SSD=required"});
  CHECK(r->suffixes == std::vector<std::string>{"1", "2"});
  CHECK(r->items[1].overridesFlavorAmount());
  CHECK_FALSE(r->items[0].overridesFlavorAmount());
  CHECK(r->items[1].amount == 0);
  CHECK(r->items[2].kind == PlacementItem::Kind::kForbidden);
  CHECK(r->items[2].name == "CUSTOM_GOLD");
  CHECK(r->items[7].from_image);
}

TEST_CASE("two numbered groups need group_policy; a group needs resources") {
  CHECK(parseMessage({{"resources1:VGPU", "1"}, {"resources_b:FPGA", "1"}}) ==
        "group_policy='' is invalid: the flavor has 2 numbered request groups (1, _b), so it "
        "must say whether they may share a provider; allowed: none, isolate");
  CHECK(parseMessage({{"resources1:VGPU", "1"}}) == "ok");
  CHECK(parseMessage(
            {{"resources1:VGPU", "1"}, {"resources2:VGPU", "1"}, {"group_policy", "none"}}) ==
        "ok");
  CHECK(parseMessage({{"trait1:CUSTOM_A", "required"}}) ==
        "trait1:CUSTOM_A='required' is invalid: request group 1 asks for no resources, and "
        "placement needs some in every numbered group; allowed: a resources1:RESOURCE_CLASS "
        "extra spec next to it");
  CHECK(parseMessage(
            {{"resources1:VGPU", "0"}, {"member_of1", "3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01"}}) ==
        "member_of1='3b6e3f4e-6a5a-4d5c-9d44-6b2b5c6f7a01' is invalid: request group 1 asks for "
        "no resources, and placement needs some in every numbered group; allowed: a "
        "resources1:RESOURCE_CLASS extra spec next to it");
}

TEST_CASE("image trait properties: only trait:<TRAIT>=required") {
  CHECK(messageOf(validateImageTraitProperty("trait:CUSTOM_GOLD", "required")) == "ok");
  CHECK(messageOf(validateImageTraitProperty("trait:CUSTOM_GOLD", "forbidden")) ==
        "trait:CUSTOM_GOLD='forbidden' is invalid: an image may only require a trait; allowed: "
        "required");
  CHECK(messageOf(validateImageTraitProperty("trait:GOLD", "required")) ==
        "trait:GOLD='required' is invalid: GOLD is neither a standard trait nor a custom one; "
        "allowed: " +
            kTraitAllowed);
  CHECK(messageOf(validateImageTraitProperty("trait:", "required")) ==
        "trait:='required' is invalid: the key names no TRAIT; allowed: trait[SUFFIX]:TRAIT "
        "(SUFFIX: 1 to 64 characters from a-z, A-Z, 0-9, _, -)");
  // Glance's free-form metadata: not Stratus' to judge.
  CHECK(messageOf(validateImageTraitProperty("traits", "anything")) == "ok");
  CHECK(parseMessage({}, {{"trait:CUSTOM_GOLD", "forbidden"}}) ==
        "trait:CUSTOM_GOLD='forbidden' is invalid: an image may only require a trait; allowed: "
        "required");
}

TEST_CASE("extra specs outside the namespaces Stratus acts on are named with the list") {
  const std::string list =
      "hw: (hw:viommu_model, hw:viommu_accel, hw:locked_memory, hw:mem_page_size, "
      "hw:pci_numa_affinity_policy), "
      "pci_passthrough:alias, group_policy, resources[SUFFIX]:RESOURCE_CLASS, "
      "trait[SUFFIX]:TRAIT, member_of[SUFFIX]";
  CHECK(honouredExtraSpecNamespaces() == list);
  CHECK(messageOf(checkExtraSpecHonoured("quota:cpu_shares", "1024")) ==
        "quota:cpu_shares='1024' is invalid: Stratus does not act on this extra spec; allowed: "
        "extra specs in the namespaces Stratus acts on: " +
            list + " (or [api] allow_unknown_extra_specs = true to store others)");
  CHECK_FALSE(checkExtraSpecHonoured("hw_rng:allowed", "true").ok());
  CHECK_FALSE(checkExtraSpecHonoured("aggregate_instance_extra_specs:ssd", "true").ok());
  CHECK_FALSE(checkExtraSpecHonoured("color", "blue").ok());
  for (const char* key : {"hw:viommu_model", "pci_passthrough:alias", "group_policy",
                          "resources:VGPU", "trait1:CUSTOM_A", "member_of"}) {
    INFO(key);
    CHECK(checkExtraSpecHonoured(key, "x").ok());
  }
}
