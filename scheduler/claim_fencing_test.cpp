// The claim against a real stratus-placement (SQLite, HTTP on 127.0.0.1) when another
// conductor's late claim for the same consumer got there first: the lease holder gives
// it back and claims again; and a pass whose before-claim check fails claims nothing.
// Also the no-valid-host fault when the flavor names a trait placement does not know.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "http/server.h"
#include "placement/service.h"
#include "placement/store.h"
#include "scheduler/scheduler.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::scheduler;
using nlohmann::json;

namespace {

constexpr const char* kHost = "5e1d0c3a-0000-4000-8000-0000000000c1";
constexpr const char* kServer = "5e1d0c3a-0000-4000-8000-00000000aa01";

// stratus-placement on a fresh SQLite file, served on a free port.
struct PlacementUnderTest {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("stratus-claim-" + std::to_string(::getpid()));
  std::shared_ptr<placement::PlacementService> service;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<placement_client::PlacementClient> client;

  PlacementUnderTest() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = placement::openStore("sqlite://" + (dir / "placement.db").string());
    REQUIRE(store.ok());
    auto svc = placement::PlacementService::create(std::move(*store), {});
    REQUIRE(svc.ok());
    service = std::move(*svc);
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    auto started = http::HttpServer::start(
        options, [this](http::HttpRequest& r) { return service->handle(r); });
    REQUIRE(started.ok());
    server = std::move(*started);
    placement_client::ClientOptions co;
    co.base_url = "http://127.0.0.1:" + std::to_string(server->port());
    auto c = placement_client::PlacementClient::create(co);
    REQUIRE(c.ok());
    client = std::move(*c);
    REQUIRE(client->call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kHost}}));
    REQUIRE(client->call(
        "PUT", std::string("/resource_providers/") + kHost + "/inventories",
        json{{"resource_provider_generation", 0},
             {"inventories", {{"VCPU", {{"total", 8}}}, {"MEMORY_MB", {{"total", 8192}}}}}}));
  }
  ~PlacementUnderTest() {
    server->stop();
    std::filesystem::remove_all(dir);
  }

  json allocationsOf(const std::string& consumer) {
    auto r = client->call("GET", "/allocations/" + consumer);
    REQUIRE(r.ok());
    return r->body["allocations"];
  }
  json usages() {
    auto r = client->call("GET", std::string("/resource_providers/") + kHost + "/usages");
    REQUIRE(r.ok());
    return r->body["usages"];
  }
};

RequestSpec smallSpec() {
  virt::Flavor f{"m1.small", 1, 512, 0, {}};
  auto s = buildRequestSpec(f, {}, virt::VirtConfig{}, pci::PciConfig{});
  REQUIRE(s.ok());
  return *s;
}

Scheduler schedulerOn(PlacementUnderTest& p) {
  return Scheduler(*p.client, virt::VirtConfig{}, traits::TraitsConfig{},
                   [](const std::string& uuid) -> std::optional<HostRecord> {
                     if (uuid != kHost) return std::nullopt;
                     virt::HostFacts facts = virt::testing::testHost("x86-kvm-libvirt9");
                     facts.hostname = "cn1";
                     return HostRecord{"cn1", kHost, facts};
                   });
}

}  // namespace

TEST_CASE("a claim another conductor made for the consumer is given back and made again") {
  PlacementUnderTest p;
  // The late claim of a conductor whose lease ran out: bigger than ours, so a leak shows.
  REQUIRE(p.client->call(
      "PUT", std::string("/allocations/") + kServer,
      json{{"allocations", {{kHost, {{"resources", {{"VCPU", 2}, {"MEMORY_MB", 1024}}}}}}},
           {"project_id", "p"},
           {"user_id", "u"},
           {"consumer_generation", nullptr},
           {"consumer_type", "INSTANCE"}}));
  Scheduler scheduler = schedulerOn(p);
  int checks = 0;
  auto chosen = scheduler.scheduleAndClaim(smallSpec(), {kServer, "p", "u"}, [&] {
    ++checks;
    return okStatus();
  });
  REQUIRE(chosen.ok());
  CHECK(chosen->host == "cn1");
  // Before the first claim, before giving back the claim in the way, before the second.
  CHECK(checks == 3);
  const json mine = p.allocationsOf(kServer);
  CHECK(mine == json{{kHost,
                      {{"generation", mine[kHost]["generation"]},
                       {"resources", {{"VCPU", 1}, {"MEMORY_MB", 512}}}}}});
  CHECK(p.usages() == json{{"VCPU", 1}, {"MEMORY_MB", 512}});
}

TEST_CASE("a pass whose lease check fails before the claim claims nothing") {
  PlacementUnderTest p;
  Scheduler scheduler = schedulerOn(p);
  auto chosen = scheduler.scheduleAndClaim(smallSpec(), {kServer, "p", "u"}, [] {
    return Status(Error::make(ErrorCode::kConflict, "server s: lease lost to b"));
  });
  REQUIRE_FALSE(chosen.ok());
  CHECK(chosen.error().code == ErrorCode::kConflict);
  CHECK(chosen.error().message == "server s: lease lost to b");
  CHECK(p.allocationsOf(kServer) == json::object());
  CHECK(p.usages() == json{{"VCPU", 0}, {"MEMORY_MB", 0}});
}

TEST_CASE("a pass that lost its lease while its claim was refused leaves the claim in the way") {
  PlacementUnderTest p;
  // This time the claim in the way is the new owner's: ours outlasted our lease.
  REQUIRE(p.client->call(
      "PUT", std::string("/allocations/") + kServer,
      json{{"allocations", {{kHost, {{"resources", {{"VCPU", 2}, {"MEMORY_MB", 1024}}}}}}},
           {"project_id", "p"},
           {"user_id", "u"},
           {"consumer_generation", nullptr},
           {"consumer_type", "INSTANCE"}}));
  Scheduler scheduler = schedulerOn(p);
  int checks = 0;
  auto chosen = scheduler.scheduleAndClaim(smallSpec(), {kServer, "p", "u"}, [&] {
    if (++checks == 1) return okStatus();
    return Status(Error::make(ErrorCode::kConflict, "server s: lease lost to b"));
  });
  REQUIRE_FALSE(chosen.ok());
  CHECK(chosen.error().message == "server s: lease lost to b");
  CHECK(checks == 2);
  CHECK(p.usages() == json{{"VCPU", 2}, {"MEMORY_MB", 1024}});
}

namespace {

RequestSpec specWith(std::map<std::string, std::string> extra) {
  virt::Flavor f{"m1.small", 1, 512, 0, std::move(extra)};
  auto s = buildRequestSpec(f, {}, virt::VirtConfig{}, pci::PciConfig{});
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("a required trait placement does not know: the fault says which request removed hosts") {
  PlacementUnderTest p;
  constexpr const char* kSecond = "5e1d0c3a-0000-4000-8000-0000000000c2";
  REQUIRE(p.client->call("POST", "/resource_providers", json{{"name", "cn2"}, {"uuid", kSecond}}));
  REQUIRE(p.client->call(
      "PUT", std::string("/resource_providers/") + kSecond + "/inventories",
      json{{"resource_provider_generation", 0},
           {"inventories", {{"VCPU", {{"total", 8}}}, {"MEMORY_MB", {{"total", 8192}}}}}}));
  Scheduler scheduler = schedulerOn(p);
  auto chosen = scheduler.scheduleAndClaim(specWith({{"trait:CUSTOM_NOPE", "required"}}),
                                           {kServer, "p", "u"}, {});
  REQUIRE_FALSE(chosen.ok());
  CHECK(chosen.error().code == ErrorCode::kFailedPrecondition);
  CHECK(chosen.error().message ==
        "No valid host was found: 2 hosts have MEMORY_MB=512, VCPU=1; flavor "
        "trait:CUSTOM_NOPE=required removed 2 hosts, leaving 0");
  CHECK(p.allocationsOf(kServer) == json::object());
}

TEST_CASE("a forbidden trait placement does not know: placement's refusal stands") {
  PlacementUnderTest p;
  Scheduler scheduler = schedulerOn(p);
  auto chosen = scheduler.scheduleAndClaim(specWith({{"trait:CUSTOM_NOPE", "forbidden"}}),
                                           {kServer, "p", "u"}, {});
  REQUIRE_FALSE(chosen.ok());
  CHECK(chosen.error().code == ErrorCode::kFailedPrecondition);
  CHECK(chosen.error().message ==
        "No valid host was found: placement refused the query (MEMORY_MB=512, VCPU=1; forbidden "
        "COMPUTE_STATUS_DISABLED; forbidden CUSTOM_NOPE): placement GET "
        "/allocation_candidates?resources=MEMORY_MB:512,VCPU:1&required=!COMPUTE_STATUS_DISABLED,"
        "!CUSTOM_NOPE&limit=100: HTTP 400:  No such trait(s): CUSTOM_NOPE.");
}
