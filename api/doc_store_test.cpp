#include "api/doc_store.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/pg_test_db.h"
#include "tests/skip.h"

using namespace stratus;
using namespace stratus::api;
namespace fs = std::filesystem;

namespace {

// The same contract on each back end: put is an upsert, loadAll lists a kind by last
// write, remove deletes, and everything survives reopening.
void docRoundTrip(const std::string& url) {
  {
    auto store = openDocStore(url);
    REQUIRE(store.ok());
    REQUIRE((*store)->put("flavor", "f1", {{"name", "m1.small"}, {"vcpus", 1}}).ok());
    REQUIRE((*store)->put("flavor", "f2", {{"name", "m1.large"}, {"vcpus", 4}}).ok());
    REQUIRE((*store)->put("server", "s1", {{"name", "vm"}}).ok());
    REQUIRE((*store)->put("flavor", "f1", {{"name", "m1.small"}, {"vcpus", 2}}).ok());
  }
  auto store = openDocStore(url);
  REQUIRE(store.ok());
  auto flavors = (*store)->loadAll("flavor");
  REQUIRE(flavors.ok());
  CHECK(*flavors == std::vector<nlohmann::json>{{{"name", "m1.large"}, {"vcpus", 4}},
                                                {{"name", "m1.small"}, {"vcpus", 2}}});
  REQUIRE((*store)->remove("flavor", "f2").ok());
  CHECK((*store)->loadAll("flavor")->size() == 1);
  CHECK(*(*store)->loadAll("server") == std::vector<nlohmann::json>{{{"name", "vm"}}});
  CHECK((*store)->loadAll("image")->empty());
}

}  // namespace

TEST_CASE("doc store sqlite: upsert, order by last write, remove, reopen") {
  const fs::path dir = fs::temp_directory_path() / ("stratus-docs-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  docRoundTrip("sqlite://" + (dir / "api.db").string());
  fs::remove_all(dir);
}

TEST_CASE("doc store postgresql: upsert, order by last write, remove, reopen") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  docRoundTrip(db.url());
}

TEST_CASE("doc store URLs it cannot use are refused, naming the allowed forms") {
  auto other = openDocStore("mongodb://db/api");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message ==
        "--db='mongodb://db/api' is invalid: not a database URL Stratus supports; allowed: "
        "sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH or "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
  auto pg = openDocStore("postgresql://stratus:pw@127.0.0.1:5432");
  REQUIRE_FALSE(pg.ok());
  CHECK(pg.error().message ==
        "--db='postgresql://stratus:***@127.0.0.1:5432' is invalid: it names no database; "
        "allowed: postgresql://USER[:PASS]@HOST[:PORT]/DB");
}
