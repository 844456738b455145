#include "compute/provider_plan.h"

#include <catch2/catch.hpp>

#include "compute/compute_config.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::compute;
using stratus::virt::testing::testHost;

TEST_CASE("inventories are the whole host, with the host's share reserved") {
  ResourceConfig config;
  config.cpu_allocation_ratio = 16.0;
  config.reserved_host_memory_mb = 1024;
  config.reserved_host_disk_mb = 1025;  // rounds up to 2 GiB
  auto inv = desiredInventories(testHost("x86-kvm-libvirt9"), 40, config);
  REQUIRE(inv.ok());
  REQUIRE(inv->size() == 3);
  const auto& vcpu = inv->at("VCPU");
  CHECK(vcpu.total == 2);
  CHECK(vcpu.reserved == 0);
  CHECK(vcpu.max_unit == 2);
  CHECK(vcpu.allocation_ratio == 16.0);
  const auto& mem = inv->at("MEMORY_MB");
  CHECK(mem.total == 23437);  // 24,000,000 KiB
  CHECK(mem.reserved == 1024);
  CHECK(mem.allocation_ratio == 1.0);
  const auto& disk = inv->at("DISK_GB");
  CHECK(disk.total == 40);
  CHECK(disk.reserved == 2);
}

TEST_CASE("a class with nothing in it is left out") {
  auto inv = desiredInventories(testHost("x86-kvm-libvirt9"), 0, ResourceConfig{});
  REQUIRE(inv.ok());
  CHECK_FALSE(inv->contains("DISK_GB"));
  CHECK(inv->contains("VCPU"));
}

TEST_CASE("a reservation larger than the host names the setting") {
  ResourceConfig config;
  config.reserved_host_cpus = 3;
  auto inv = desiredInventories(testHost("x86-kvm-libvirt9"), 10, config);
  REQUIRE_FALSE(inv.ok());
  CHECK(inv.error().message ==
        "[compute] reserved_host_cpus=3 is more than the host's VCPU total of 2");
}

TEST_CASE("the agent owns the vIOMMU traits under its prefix, arch and page-size traits only") {
  traits::TraitsConfig cfg;
  CHECK(isAgentOwnedTrait("COMPUTE_IOMMU_MODEL_VIRTIO", cfg));
  CHECK(isAgentOwnedTrait("HW_ARCH_X86_64", cfg));
  CHECK(isAgentOwnedTrait("CUSTOM_MEM_PAGE_SIZE_2048", cfg));
  for (const char* t : {"CUSTOM_IOMMUFD", "CUSTOM_VFIO_CDEV", "CUSTOM_IOMMUFD_DIRTY_TRACKING",
                        "CUSTOM_IOMMUFD_NESTING"}) {
    CHECK(isAgentOwnedTrait(t, cfg));
  }
  CHECK_FALSE(isAgentOwnedTrait("CUSTOM_IOMMUFD_X", cfg));
  CHECK_FALSE(isAgentOwnedTrait("COMPUTE_VIOMMU_MODEL_VIRTIO", cfg));
  CHECK_FALSE(isAgentOwnedTrait("COMPUTE_STATUS_DISABLED", cfg));
  CHECK_FALSE(isAgentOwnedTrait("CUSTOM_GOLD", cfg));
  CHECK_FALSE(isAgentOwnedTrait("HW_CPU_X86_AVX2", cfg));
}

TEST_CASE("merging keeps everyone else's traits and makes the agent's exactly the derived set") {
  traits::TraitsConfig cfg;
  const std::set<std::string> current = {
      "COMPUTE_IOMMU_MODEL_VIRTIO",   "COMPUTE_IOMMU_MODEL_INTEL",
      "COMPUTE_STATUS_DISABLED",      "CUSTOM_GOLD",
      "CUSTOM_MEM_PAGE_SIZE_1048576", "HW_ARCH_X86_64"};
  const std::set<std::string> derived = {"COMPUTE_IOMMU_MODEL_INTEL", "HW_ARCH_X86_64",
                                         "CUSTOM_MEM_PAGE_SIZE_2048"};
  CHECK(mergeTraits(current, derived, cfg) ==
        std::set<std::string>{"COMPUTE_IOMMU_MODEL_INTEL", "COMPUTE_STATUS_DISABLED", "CUSTOM_GOLD",
                              "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_X86_64"});
}

TEST_CASE("merging inventories keeps every class the agent does not own") {
  const auto inv = [](std::int64_t total) {
    placement_client::Inventory i;
    i.total = total;
    i.max_unit = total;
    return i;
  };
  const placement_client::Inventories current = {
      {"VCPU", inv(2)}, {"DISK_GB", inv(10)}, {"CUSTOM_X", inv(4)}, {"CUSTOM_OLD", inv(1)}};
  const placement_client::Inventories wanted = {{"VCPU", inv(8)}, {"CUSTOM_NEW", inv(3)}};
  // DISK_GB is the agent's and no longer wanted (a zero-sized disk); CUSTOM_OLD was the
  // config files' before; CUSTOM_X is an operator's.
  const std::set<std::string> owned = {"VCPU", "MEMORY_MB", "DISK_GB", "CUSTOM_OLD"};
  CHECK(mergeInventories(current, wanted, owned) ==
        placement_client::Inventories{
            {"VCPU", inv(8)}, {"CUSTOM_NEW", inv(3)}, {"CUSTOM_X", inv(4)}});
  // An operator's class that the agent comes to want is written over with its values.
  CHECK(mergeInventories({{"CUSTOM_X", inv(4)}}, {{"CUSTOM_X", inv(9)}}, {}) ==
        placement_client::Inventories{{"CUSTOM_X", inv(9)}});
  CHECK(mergeInventories({}, wanted, owned) == wanted);
  CHECK(mergeInventories(current, {}, {}) == current);
}

TEST_CASE("merging traits also takes off the traits the config files published before") {
  traits::TraitsConfig cfg;
  CHECK(mergeTraits({"CUSTOM_GOLD", "CUSTOM_WAS_CONFIG", "HW_ARCH_X86_64"},
                    {"HW_ARCH_X86_64", "CUSTOM_NOW_CONFIG"}, cfg, {"CUSTOM_WAS_CONFIG"}) ==
        std::set<std::string>{"CUSTOM_GOLD", "CUSTOM_NOW_CONFIG", "HW_ARCH_X86_64"});
}

TEST_CASE("the compute node owns exactly VCPU, MEMORY_MB and DISK_GB") {
  AgentConfig config;
  auto p = desiredProvider("cn1", testHost("x86-kvm-libvirt9"), 10, config);
  REQUIRE(p.ok());
  CHECK(p->owned_classes == std::set<std::string>{"DISK_GB", "MEMORY_MB", "VCPU"});
  CHECK(p->owned_traits.empty());
}

TEST_CASE("the desired provider carries the traits virt/ derives for the host") {
  AgentConfig config;
  config.host = "cn1";
  auto p = desiredProvider("cn1", testHost("x86-kvm-libvirt8.2"), 10, config);
  REQUIRE(p.ok());
  CHECK(p->traits == std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
                                           "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_I686",
                                           "HW_ARCH_X86_64"});
}

TEST_CASE("provider UUIDs are version 5, stable per host name and distinct between hosts") {
  const std::string a = providerUuidFor("compute-0");
  CHECK(a == providerUuidFor("compute-0"));
  CHECK(a != providerUuidFor("compute-1"));
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '5');
}

TEST_CASE("agent settings from the INI file are checked and name the key") {
  const auto load = [](const std::string& text) {
    auto ini = IniConfig::parse(text, "test.conf");
    REQUIRE(ini.ok());
    AgentConfig config;
    auto s = applyIni(*ini, config);
    return std::make_pair(s, config);
  };
  {
    auto [s, config] = load(
        "[DEFAULT]\nhost = cn7\n[compute]\ncpu_allocation_ratio = 8.5\nreserved_host_memory_mb = "
        "2048\nresource_provider_sync_interval = 5\n[placement]\nurl = http://10.0.0.1:8778\n");
    REQUIRE(s.ok());
    CHECK(config.host == "cn7");
    CHECK(config.resources.cpu_allocation_ratio == 8.5);
    CHECK(config.resources.reserved_host_memory_mb == 2048);
    CHECK(config.sync_interval == std::chrono::seconds(5));
    CHECK(config.placement_url == "http://10.0.0.1:8778");
    CHECK(config.provider_config_location == "/etc/stratus/provider_config/");  // Nova's place
  }
  {
    auto [s, config] = load("[compute]\nprovider_config_location = /srv/pc\n");
    REQUIRE(s.ok());
    CHECK(config.provider_config_location == "/srv/pc");
    auto [off_s, off] = load("[compute]\nprovider_config_location =\n");
    REQUIRE(off_s.ok());
    CHECK(off.provider_config_location.empty());
  }
  {
    auto [s, config] = load("[DEFAULT]\ndefault_availability_zone = az1\n");
    REQUIRE(s.ok());
    CHECK(config.default_availability_zone == "az1");
  }
  {
    auto [s, config] = load("[DEFAULT]\ndefault_availability_zone = a:b\n");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message ==
          "[DEFAULT] default_availability_zone='a:b' is invalid; allowed: 1 to 255 characters "
          "without ':'");
  }
  {
    auto [s, config] = load("[compute]\ncpu_allocation_ratio = 0\n");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message ==
          "[compute] cpu_allocation_ratio='0' is invalid; allowed: a number greater than 0, e.g. "
          "1.0 or 16.0");
  }
  {
    auto [s, config] = load("[compute]\nreserved_host_cpus = -1\n");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message ==
          "[compute] reserved_host_cpus='-1' is invalid; allowed: a whole number of at least 0");
  }
  {
    auto [s, config] = load("[compute]\ncpu_allocation_ratoi = 2\n");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().key == "[compute] cpu_allocation_ratoi");
  }
  {
    auto [s, config] = load("[compute]\nresource_provider_sync_interval = 0\n");
    REQUIRE(s.ok());
    auto v = validateAgentConfig(config);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message ==
          "[compute] resource_provider_sync_interval='0' is invalid; allowed: a number of seconds "
          "greater than 0");
  }
  {
    auto [s, config] = load("[compute]\nwork_poll_interval_ms = 0\n");
    REQUIRE(s.ok());
    auto v = validateAgentConfig(config);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message ==
          "[compute] work_poll_interval_ms='0' is invalid; allowed: a number of milliseconds "
          "greater than 0");
  }
  {
    auto [s, config] = load("[compute]\napi_url = 127.0.0.1:8774\n");
    REQUIRE(s.ok());
    auto v = validateAgentConfig(config);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message ==
          "--api-url='127.0.0.1:8774' is invalid; allowed: an http:// or https:// URL");
  }
  {
    auto [s, config] = load("[compute]\nram_allocation_ratio = nan\n");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message ==
          "[compute] ram_allocation_ratio='nan' is invalid; allowed: a number greater than 0, e.g. "
          "1.0 or 16.0");
  }
}
