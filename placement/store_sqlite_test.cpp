#include <catch2/catch.hpp>
#include <filesystem>

#include "placement/store.h"

using namespace stratus;
using namespace stratus::placement;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("stratus-store-" + std::to_string(::getpid()));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("what a batch commits is there after reopening") {
  TempDir dir;
  const std::string url = "sqlite://" + (dir.path / "sub/placement.db").string();
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

TEST_CASE("database URLs that cannot keep writes are refused") {
  auto mem = openStore("sqlite://:memory:");
  REQUIRE_FALSE(mem.ok());
  CHECK(mem.error().message ==
        "--db='sqlite://:memory:' is invalid: an in-memory database loses every write; allowed: "
        "a file path");
  auto pg = openStore("postgresql://db/placement");
  REQUIRE_FALSE(pg.ok());
  CHECK(pg.error().message ==
        "--db='postgresql://db/placement' is invalid: not a database URL Stratus supports; "
        "allowed: sqlite:///ABSOLUTE/PATH or sqlite://RELATIVE/PATH");
}
