#include "common/db_url.h"

#include <catch2/catch.hpp>

using namespace stratus;

TEST_CASE("postgresql URLs split into user, password, host, port and database") {
  auto u = parsePostgresUrl("postgresql://stratus:s3cret@127.0.0.1:5433/stratus_placement");
  REQUIRE(u.ok());
  CHECK(u->user == "stratus");
  CHECK(u->password == "s3cret");
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 5433);
  CHECK(u->dbname == "stratus_placement");
  auto d = parsePostgresUrl("postgresql://stratus@db/api");
  REQUIRE(d.ok());
  CHECK(d->password.empty());
  CHECK(d->port == 5432);
}

TEST_CASE("malformed postgresql URLs name the value without its password and the form") {
  auto msg = [](const std::string& url) { return parsePostgresUrl(url).error().message; };
  CHECK(msg("postgresql://stratus:pw@db") ==
        "--db='postgresql://stratus:***@db' is invalid: it names no database; allowed: "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
  CHECK(msg("postgresql://db/placement") ==
        "--db='postgresql://db/placement' is invalid: it names no user; allowed: "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
  CHECK(msg("postgresql://u:pw@db:99999/p") ==
        "--db='postgresql://u:***@db:99999/p' is invalid: the port is not a number from 1 to "
        "65535; allowed: postgresql://USER[:PASS]@HOST[:PORT]/DB");
  CHECK(msg("postgresql://u:pw@:5432/p") ==
        "--db='postgresql://u:***@:5432/p' is invalid: it names no host; allowed: "
        "postgresql://USER[:PASS]@HOST[:PORT]/DB");
  CHECK(msg("postgresql://u@db/p?sslmode=require") ==
        "--db='postgresql://u@db/p?sslmode=require' is invalid: the database name holds '/', "
        "'?' or '#' (options are not supported); allowed: postgresql://USER[:PASS]@HOST[:PORT]/DB");
}

TEST_CASE("redactDbUrl hides a password and leaves everything else as given") {
  CHECK(redactDbUrl("postgresql://stratus:s3cret@127.0.0.1:5432/db") ==
        "postgresql://stratus:***@127.0.0.1:5432/db");
  CHECK(redactDbUrl("postgresql://stratus@127.0.0.1/db") == "postgresql://stratus@127.0.0.1/db");
  CHECK(redactDbUrl("sqlite:///var/lib/stratus/placement.db") ==
        "sqlite:///var/lib/stratus/placement.db");
}
