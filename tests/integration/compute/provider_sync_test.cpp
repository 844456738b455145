// The agent's provider sync against a real stratus-placement served over HTTP on
// 127.0.0.1 with SQLite, driven by captured host facts.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "compute/agent.h"
#include "tests/integration/compute/live_placement.h"
#include "tests/skip.h"

namespace fs = std::filesystem;
using namespace stratus;
using namespace stratus::compute;
using stratus::testing::clientFor;
using stratus::testing::LivePlacement;
using stratus::testing::TempDir;

namespace {

const std::string kHosts = std::string(STRATUS_SOURCE_DIR) + "/virt/testdata/hosts/";

void useFacts(const fs::path& facts_file, const std::string& host) {
  fs::copy_file(kHosts + host + ".json", facts_file, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE(
    "the agent publishes the host, keeps others' traits, follows the facts, and writes "
    "nothing when nothing changed") {
  TempDir tmp;
  LivePlacement placement(tmp.path / "placement.db");
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "x86-kvm-libvirt9");

  AgentConfig config;
  config.host = "cn-sync-1";
  config.instances_path = (tmp.path / "instances").string();
  Agent agent(config, fileFactsSource(facts.string()), clientFor(placement.url()));
  auto operator_client = clientFor(placement.url());

  auto first = agent.syncOnce();
  REQUIRE(first.ok());
  CHECK(first->created);
  const std::string uuid = agent.providerSync().providerUuid();
  CHECK(uuid == providerUuidFor("cn-sync-1"));

  auto inv = operator_client->getInventories(uuid);
  REQUIRE(inv.ok());
  CHECK(inv->inventories.at("VCPU").total == 2);
  CHECK(inv->inventories.at("VCPU").allocation_ratio == 4.0);
  CHECK(inv->inventories.at("MEMORY_MB").total == 23437);
  CHECK(inv->inventories.at("MEMORY_MB").reserved == 512);
  CHECK(inv->inventories.at("DISK_GB").total ==
        static_cast<std::int64_t>(*diskGbAt(config.instances_path)));
  auto traits = operator_client->getTraits(uuid);
  REQUIRE(traits.ok());
  CHECK(traits->traits ==
        std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
                              "COMPUTE_IOMMU_MODEL_VIRTIO", "CUSTOM_MEM_PAGE_SIZE_2048",
                              "HW_ARCH_I686", "HW_ARCH_X86_64"});

  SECTION("a sync with nothing changed is reads only") {
    const auto before = placement.writes();
    auto again = agent.syncOnce();
    REQUIRE(again.ok());
    CHECK_FALSE(again->inventories_written);
    CHECK_FALSE(again->traits_written);
    CHECK(placement.writes() == before);
  }

  SECTION("operator traits survive; a downgraded libvirt loses VIRTIO at the next sync") {
    REQUIRE(operator_client->ensureTrait("CUSTOM_GOLD").ok());
    auto with_operator = traits->traits;
    with_operator.insert({"CUSTOM_GOLD", "COMPUTE_STATUS_DISABLED"});
    REQUIRE(operator_client->putTraits(uuid, traits->generation, with_operator).ok());

    const auto before = placement.writes();
    auto resync = agent.syncOnce();
    REQUIRE(resync.ok());
    CHECK_FALSE(resync->traits_written);
    CHECK(placement.writes() == before);

    useFacts(facts, "x86-kvm-libvirt8.2");
    auto downgraded = agent.syncOnce();
    REQUIRE(downgraded.ok());
    CHECK(downgraded->traits_removed == std::set<std::string>{"COMPUTE_IOMMU_MODEL_VIRTIO"});
    CHECK(downgraded->traits_added.empty());
    auto now = operator_client->getTraits(uuid);
    REQUIRE(now.ok());
    CHECK(now->traits ==
          std::set<std::string>{"COMPUTE_IOMMU_MODEL_AUTO", "COMPUTE_IOMMU_MODEL_INTEL",
                                "COMPUTE_STATUS_DISABLED", "CUSTOM_GOLD",
                                "CUSTOM_MEM_PAGE_SIZE_2048", "HW_ARCH_I686", "HW_ARCH_X86_64"});
  }

  SECTION("a concurrent writer's 409 is met by re-reading and retrying, keeping its write") {
    useFacts(facts, "x86-kvm-libvirt8.2");
    REQUIRE(operator_client->ensureTrait("CUSTOM_RACE").ok());
    int writes_seen = 0;
    agent.providerSync().before_write = [&] {
      if (writes_seen++ > 0) return;
      auto t = operator_client->getTraits(uuid);
      REQUIRE(t.ok());
      auto with_race = t->traits;
      with_race.insert("CUSTOM_RACE");
      REQUIRE(operator_client->putTraits(uuid, t->generation, with_race).ok());
    };
    auto raced = agent.syncOnce();
    REQUIRE(raced.ok());
    CHECK(raced->conflicts == 1);
    auto now = operator_client->getTraits(uuid);
    REQUIRE(now.ok());
    CHECK(now->traits.contains("CUSTOM_RACE"));
    CHECK_FALSE(now->traits.contains("COMPUTE_IOMMU_MODEL_VIRTIO"));
  }

  SECTION("placement down: a clear error; back on the same database: in sync again") {
    placement.stop();
    auto down = agent.syncOnce();
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(down.error().message, Catch::Contains("cannot reach " + placement.url()));
    placement.start();
    auto back = agent.syncOnce();
    REQUIRE(back.ok());
    CHECK_FALSE(back->created);
    CHECK_FALSE(back->traits_written);
  }
}

TEST_CASE("a provider lost by placement is created again under the same UUID") {
  TempDir tmp;
  const fs::path facts = tmp.path / "facts.json";
  useFacts(facts, "aarch64-kvm-libvirt9");
  AgentConfig config;
  config.host = "cn-sync-2";
  config.instances_path = (tmp.path / "instances").string();
  std::string url;
  unsigned short port = 0;
  {
    LivePlacement placement(tmp.path / "first.db");
    url = placement.url();
    port = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
    Agent agent(config, fileFactsSource(facts.string()), clientFor(url));
    REQUIRE(agent.syncOnce().ok());
  }
  // A new placement with an empty database on the same port, as after a restore.
  LivePlacement placement(tmp.path / "second.db", port);
  if (placement.url() != url) STRATUS_SKIP("port " << port << " was taken in between");
  Agent agent(config, fileFactsSource(facts.string()), clientFor(url));
  auto report = agent.syncOnce();
  REQUIRE(report.ok());
  CHECK(report->created);
  CHECK(agent.providerSync().providerUuid() == providerUuidFor("cn-sync-2"));
  auto traits = clientFor(url)->getTraits(providerUuidFor("cn-sync-2"));
  REQUIRE(traits.ok());
  CHECK(traits->traits.contains("COMPUTE_IOMMU_MODEL_SMMUV3"));
  CHECK(traits->traits.contains("CUSTOM_MEM_PAGE_SIZE_524288"));
  CHECK(traits->traits.contains("HW_ARCH_AARCH64"));
}
