// Two PlacementService instances on one PostgreSQL database, each with its own
// memory, called in process: what one acknowledges the other reads at once, their
// writes are checked against each other's commits, and racing claims through both
// never exceed capacity.
#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "common/pg_handles.h"
#include "placement/service_under_test.h"
#include "tests/pg_test_db.h"
#include "tests/skip.h"

using namespace stratus;
using namespace stratus::placement;
using nlohmann::json;

namespace {

constexpr const char* kRp = "5e1d0c3a-0000-4000-8000-0000000000a1";

std::string rp(const std::string& tail = "") {
  return std::string("/resource_providers/") + kRp + tail;
}

std::string consumer(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "5e1d0c3a-0000-4000-8000-%012d", i);
  return buf;
}

std::string claim(const std::string& provider, int vcpus) {
  return json{{"allocations", {{provider, {{"resources", {{"VCPU", vcpus}}}}}}},
              {"consumer_generation", nullptr},
              {"project_id", "p"},
              {"user_id", "u"},
              {"consumer_type", "INSTANCE"}}
      .dump();
}

void seed(ServiceUnderTest& s, int vcpus) {
  REQUIRE(
      s.call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kRp}}.dump()).status ==
      200);
  REQUIRE(s.call("PUT", rp("/inventories"),
                 json{{"resource_provider_generation", 0},
                      {"inventories", {{"VCPU", {{"total", vcpus}}}}}}
                     .dump())
              .status == 200);
}

json body(const HttpResponse& res) {
  return json::parse(res.body);
}

}  // namespace

TEST_CASE("postgresql, two instances: a write acknowledged by one is read by the other") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  ServiceUnderTest a({}, realClock(), db.url());
  ServiceUnderTest b({}, realClock(), db.url());
  seed(a, 4);

  auto got = b.call("GET", rp());
  REQUIRE(got.status == 200);
  CHECK(body(got)["generation"] == 1);
  CHECK(body(b.call("GET", rp("/inventories")))["inventories"]["VCPU"]["total"] == 4);

  REQUIRE(b.call("PUT", "/traits/CUSTOM_RACK_7").status == 201);
  REQUIRE(b.call("PUT", rp("/traits"),
                 json{{"resource_provider_generation", 1}, {"traits", {"CUSTOM_RACK_7"}}}.dump())
              .status == 200);
  auto cands = a.call("GET", "/allocation_candidates?resources=VCPU:1&required=CUSTOM_RACK_7");
  REQUIRE(cands.status == 200);
  CHECK(body(cands)["allocation_requests"].size() == 1);

  REQUIRE(a.call("PUT", "/allocations/" + consumer(1), claim(kRp, 3)).status == 204);
  auto usages = b.call("GET", rp("/usages"));
  CHECK(body(usages)["usages"]["VCPU"] == 3);
  // B's candidates already count A's claim: 1 VCPU is left, 2 do not fit.
  CHECK(body(b.call("GET", "/allocation_candidates?resources=VCPU:2"))["allocation_requests"]
            .empty());

  REQUIRE(b.call("DELETE", "/allocations/" + consumer(1)).status == 204);
  CHECK(a.call("GET", "/allocations/" + consumer(1)).status == 200);
  CHECK(body(a.call("GET", "/allocations/" + consumer(1)))["allocations"].empty());
  CHECK(body(a.call("GET", rp("/usages")))["usages"]["VCPU"] == 0);

  REQUIRE(a.call("DELETE", rp("/traits"), "", "latest").status == 204);
  REQUIRE(b.call("DELETE", "/traits/CUSTOM_RACK_7").status == 204);
  CHECK(a.call("GET", "/traits/CUSTOM_RACK_7").status == 404);
  REQUIRE(a.call("DELETE", rp()).status == 204);
  CHECK(b.call("GET", rp()).status == 404);
  CHECK(body(b.call("GET", "/resource_providers?name=cn1"))["resource_providers"].empty());
}

TEST_CASE("postgresql, two instances: a generation one instance moved is stale on the other") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  ServiceUnderTest a({}, realClock(), db.url());
  ServiceUnderTest b({}, realClock(), db.url());
  seed(a, 4);
  REQUIRE(
      b.call("PUT", rp("/inventories"),
             json{{"resource_provider_generation", 1}, {"inventories", {{"VCPU", {{"total", 8}}}}}}
                 .dump())
          .status == 200);
  // A last saw generation 1 itself; the database is at 2.
  auto stale =
      a.call("PUT", rp("/inventories"),
             json{{"resource_provider_generation", 1}, {"inventories", {{"VCPU", {{"total", 2}}}}}}
                 .dump());
  CHECK(stale.status == 409);
  CHECK(body(stale)["errors"][0]["code"] == "placement.concurrent_update");
  CHECK(body(a.call("GET", rp("/inventories")))["inventories"]["VCPU"]["total"] == 8);
}

TEST_CASE("postgresql, two instances: racing claims through both never exceed capacity") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  ServiceUnderTest a({}, realClock(), db.url());
  ServiceUnderTest b({}, realClock(), db.url());
  constexpr int kCapacity = 25;
  constexpr int kClients = 8;
  constexpr int kClaimsEach = 10;
  seed(a, kCapacity);
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kClaimsEach; ++i) {
        ServiceUnderTest& via = (c + i) % 2 == 0 ? a : b;
        const int status =
            via.call("PUT", "/allocations/" + consumer(c * 100 + i), claim(kRp, 1)).status;
        (status == 204 ? accepted : status == 409 ? refused : other)++;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(other == 0);
  CHECK(accepted == kCapacity);
  CHECK(refused == kClients * kClaimsEach - kCapacity);
  CHECK(body(a.call("GET", rp("/usages")))["usages"]["VCPU"] == kCapacity);
  CHECK(body(b.call("GET", rp("/usages")))["usages"]["VCPU"] == kCapacity);
  // A third instance, loading from scratch, holds the same.
  ServiceUnderTest fresh({}, realClock(), db.url());
  CHECK(body(fresh.call("GET", rp("/usages")))["usages"]["VCPU"] == kCapacity);
}

TEST_CASE("postgresql, two instances: after its connections broke, the next call reconnects") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  ServiceUnderTest a({}, realClock(), db.url());
  seed(a, 4);
  // Both connections end, as when PostgreSQL restarts; the next call reconnects.
  REQUIRE(db.terminateSessions() == 2);
  auto after = a.call("GET", rp());
  CHECK(after.status == 200);
}

TEST_CASE("postgresql, two instances: one behind the pruned change log loads everything again") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  ServiceUnderTest a({}, realClock(), db.url());
  ServiceUnderTest b({}, realClock(), db.url());
  seed(a, 4);
  REQUIRE(b.call("GET", rp()).status == 200);  // B is at A's sequence now
  REQUIRE(a.call("PUT", "/allocations/" + consumer(7), claim(kRp, 2)).status == 204);
  REQUIRE(a.call("PUT", "/traits/CUSTOM_AFTER_PRUNE").status == 201);
  // As if the log had been pruned past B: the log does not reach B's sequence.
  PgConn admin(PQconnectdb(db.url().c_str()));
  REQUIRE(PQstatus(admin.get()) == CONNECTION_OK);
  PgResult pruned(PQexec(admin.get(), "DELETE FROM changes"));
  REQUIRE(PQresultStatus(pruned.get()) == PGRES_COMMAND_OK);
  CHECK(body(b.call("GET", rp("/usages")))["usages"]["VCPU"] == 2);
  CHECK(b.call("GET", "/traits/CUSTOM_AFTER_PRUNE").status == 204);
  CHECK(body(b.call("GET",
                    "/allocations/" + consumer(7)))["allocations"][kRp]["resources"]["VCPU"] == 2);
  // And it keeps following: the next write after the reload is seen as usual.
  REQUIRE(a.call("DELETE", "/allocations/" + consumer(7)).status == 204);
  CHECK(body(b.call("GET", rp("/usages")))["usages"]["VCPU"] == 0);
}
