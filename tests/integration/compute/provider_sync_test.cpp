// The agent's provider sync against a real stratus-placement served over HTTP on
// 127.0.0.1 with SQLite, driven by captured host facts.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "compute/agent.h"
#include "http/server.h"
#include "placement/service.h"
#include "placement/store.h"
#include "tests/skip.h"

namespace fs = std::filesystem;
using namespace stratus;
using namespace stratus::compute;

namespace {

const std::string kHosts = std::string(STRATUS_SOURCE_DIR) + "/virt/testdata/hosts/";

// One placement service on a fixed port that can be stopped and started again.
class LivePlacement {
 public:
  explicit LivePlacement(fs::path db, unsigned short port = 0) : db_(std::move(db)), port_(port) {
    start();
  }
  ~LivePlacement() { stop(); }

  void start() {
    auto store = placement::openStore("sqlite://" + db_.string());
    REQUIRE(store.ok());
    auto service = placement::PlacementService::create(std::move(*store), {});
    REQUIRE(service.ok());
    service_ = std::move(*service);
    http::ServerOptions options;
    options.port = port_;
    options.threads = 2;
    auto* svc = service_.get();
    auto server =
        http::HttpServer::start(options, [svc](http::HttpRequest& r) { return svc->handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(*server);
    port_ = server_->port();
  }
  void stop() {
    if (server_) server_->stop();
    server_.reset();
    service_.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint64_t writes() const { return service_->counters().writes; }

 private:
  fs::path db_;
  unsigned short port_;
  std::unique_ptr<placement::PlacementService> service_;
  std::unique_ptr<http::HttpServer> server_;
};

std::unique_ptr<placement_client::PlacementClient> clientFor(const std::string& url) {
  placement_client::ClientOptions options;
  options.base_url = url;
  options.microversion = "1.26";
  options.timeout = std::chrono::milliseconds(3000);
  auto client = placement_client::PlacementClient::create(options);
  REQUIRE(client.ok());
  return std::move(*client);
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("stratus-sync-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(std::rand()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

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
