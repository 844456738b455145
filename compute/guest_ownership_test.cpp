#include "compute/guest_ownership.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/uuid.h"

using namespace stratus::compute;
using stratus::virt::GuestOwner;

namespace {
const GuestOwner kMe{"compute-0", "11111111-1111-4111-8111-111111111111"};
const GuestOwner kOther{"compute-0", "22222222-2222-4222-8222-222222222222"};
const std::string kOurs = "stratus-aaaaaaaa-0000-4000-8000-000000000001";
const std::string kTheirs = "stratus-aaaaaaaa-0000-4000-8000-000000000002";
const std::string kNobody = "stratus-aaaaaaaa-0000-4000-8000-000000000003";

std::string tempDir() {
  auto dir = std::filesystem::temp_directory_path() / ("stratus-owner-" + stratus::newUuid());
  std::filesystem::create_directories(dir);
  return dir.string();
}
}  // namespace

TEST_CASE("only guests recording this agent are ours; same host name is not enough") {
  GuestOwners seen{{kOurs, kMe}, {kTheirs, kOther}, {kNobody, std::nullopt}};
  SortedGuests sorted = sortGuestsByOwner(seen, kMe);
  CHECK(sorted.ours == std::set<std::string>{kOurs});
  REQUIRE(sorted.others.size() == 2);
  CHECK(sorted.others.at(kTheirs) == kOther);
  CHECK_FALSE(sorted.others.at(kNobody).has_value());
  // The other agent sees it the other way round.
  CHECK(sortGuestsByOwner(seen, kOther).ours == std::set<std::string>{kTheirs});
}

TEST_CASE("a guest left alone is named with its owner and ours") {
  CHECK(foreignGuestLine(kTheirs, kOther, kMe) ==
        "left guest " + kTheirs +
            " alone: it belongs to host compute-0, agent 22222222-2222-4222-8222-222222222222, "
            "not to this agent (host compute-0, agent 11111111-1111-4111-8111-111111111111)");
  CHECK(foreignGuestLine(kNobody, std::nullopt, kMe) ==
        "left guest " + kNobody +
            " alone: it carries no Stratus owner metadata (not defined by this agent: host "
            "compute-0, agent 11111111-1111-4111-8111-111111111111)");
}

TEST_CASE("the agent id is made once under the instances path and kept") {
  const std::string dir = tempDir();
  auto first = loadOrCreateAgentId(dir);
  REQUIRE(first.ok());
  CHECK(stratus::isCanonicalUuid(*first));
  auto again = loadOrCreateAgentId(dir);
  REQUIRE(again.ok());
  CHECK(*again == *first);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an agent id file that is not a UUID stops the agent, naming the file") {
  const std::string dir = tempDir();
  std::ofstream(std::filesystem::path(dir) / "agent_id") << "not-a-uuid\n";
  auto id = loadOrCreateAgentId(dir);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().message == dir +
                                  "/agent_id does not hold this agent's id (one UUID); fix or "
                                  "remove it only if no guest of this agent exists");
  std::filesystem::remove_all(dir);
}
