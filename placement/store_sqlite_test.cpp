#include <catch2/catch.hpp>
#include <filesystem>

#include "placement/store.h"
#include "tests/pg_test_db.h"
#include "tests/skip.h"

using namespace stratus;
using namespace stratus::placement;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("stratus-store-" + std::to_string(::getpid()));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
};

// The same round trip on each back end: what a batch commits is there after
// reopening, and a delete batch removes it again.
void roundTrip(const std::string& url) {
  Provider p;
  p.uuid = "7b0a2a8e-0000-4000-8000-000000000001";
  p.name = "cn1";
  p.root_uuid = p.uuid;
  p.generation = 3;
  p.inventories["VCPU"] = Inventory{8, 1, 1, 8, 1, 16.0};
  p.traits = {"HW_ARCH_X86_64", "CUSTOM_GOLD"};
  p.aggregates = {"agg"};
  Consumer c;
  c.uuid = "c1";
  c.project_id = "p";
  c.user_id = "u";
  c.generation = 1;
  c.allocations[p.uuid] = {{"VCPU", 2}};
  {
    auto store = openStore(url);
    REQUIRE(store.ok());
    WriteBatch b;
    b.put_providers.push_back(&p);
    b.put_consumers.push_back(&c);
    b.put_traits.push_back("CUSTOM_GOLD");
    b.put_resource_classes.emplace_back("CUSTOM_FPGA", 10000);
    REQUIRE((*store)->commit(b).ok());
  }
  auto store = openStore(url);
  REQUIRE(store.ok());
  auto snap = (*store)->load();
  REQUIRE(snap.ok());
  REQUIRE(snap->providers.size() == 1);
  CHECK(providerToJson(snap->providers[0]) == providerToJson(p));
  REQUIRE(snap->consumers.size() == 1);
  CHECK(consumerToJson(snap->consumers[0]) == consumerToJson(c));
  CHECK(snap->custom_traits == std::vector<std::string>{"CUSTOM_GOLD"});
  CHECK(snap->custom_resource_classes.at("CUSTOM_FPGA") == 10000);

  WriteBatch del;
  del.delete_providers.push_back(p.uuid);
  del.delete_consumers.push_back("c1");
  del.delete_traits.push_back("CUSTOM_GOLD");
  del.delete_resource_classes.push_back("CUSTOM_FPGA");
  REQUIRE((*store)->commit(del).ok());
  auto empty = (*store)->load();
  CHECK(empty->providers.empty());
  CHECK(empty->consumers.empty());
  CHECK(empty->custom_traits.empty());
  CHECK(empty->custom_resource_classes.empty());
}

}  // namespace

TEST_CASE("sqlite: what a batch commits is there after reopening") {
  TempDir dir;
  roundTrip("sqlite://" + (dir.path / "sub/placement.db").string());
}

TEST_CASE("postgresql: what a batch commits is there after reopening") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  roundTrip(db.url());
}

TEST_CASE("postgresql: custom traits load in the order they were created") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto store = openStore(db.url());
  REQUIRE(store.ok());
  for (const char* t : {"CUSTOM_Z", "CUSTOM_A", "CUSTOM_M"}) {
    WriteBatch b;
    b.put_traits.push_back(t);
    REQUIRE((*store)->commit(b).ok());
  }
  WriteBatch again;  // an existing trait keeps its place
  again.put_traits.push_back("CUSTOM_Z");
  REQUIRE((*store)->commit(again).ok());
  auto snap = openStore(db.url());
  REQUIRE(snap.ok());
  CHECK((*snap)->load()->custom_traits ==
        std::vector<std::string>{"CUSTOM_Z", "CUSTOM_A", "CUSTOM_M"});
}

TEST_CASE("postgresql: a commit after the connection broke reconnects and succeeds") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto store = openStore(db.url());
  REQUIRE(store.ok());
  REQUIRE(db.terminateSessions() == 2);  // its read and its write connection
  WriteBatch b;
  b.put_traits.push_back("CUSTOM_AFTER_RESET");
  auto s = (*store)->commit(b);
  INFO((s ? std::string() : s.error().message));
  REQUIRE(s.ok());
  CHECK((*store)->load()->custom_traits == std::vector<std::string>{"CUSTOM_AFTER_RESET"});
}

TEST_CASE("postgresql: an unreachable server is Unavailable, its password not shown") {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto s = openStore("postgresql://stratus:s3cret@127.0.0.1:1/stratus_placement");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(s.error().message,
             Catch::StartsWith("database postgresql://stratus:***@127.0.0.1:1/stratus_placement "
                               "cannot be reached: "));
  CHECK(s.error().message.find("s3cret") == std::string::npos);
}

TEST_CASE("database URLs that cannot keep writes are refused") {
  auto mem = openStore("sqlite://:memory:");
  REQUIRE_FALSE(mem.ok());
  CHECK(mem.error().message ==
        "--db='sqlite://:memory:' is invalid: an in-memory database loses every write; allowed: "
        "a file path");
  auto other = openStore("mysql://u:pw@db/placement");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message ==
        "--db='mysql://u:pw@db/placement' is invalid: not a database URL Stratus supports; "
        "allowed: sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH or "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
  auto pg = openStore("postgresql://db/placement");
  REQUIRE_FALSE(pg.ok());
  CHECK(pg.error().message ==
        "--db='postgresql://db/placement' is invalid: it names no user; allowed: "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
}
