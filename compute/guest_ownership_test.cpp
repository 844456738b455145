#include "compute/guest_ownership.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

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

TEST_CASE("agents started together on one instances path agree on one id") {
  // CI saw agents of one test stack fail with "cannot rename .../agent_id.tmp" when
  // a hundred started at once; every caller must get the same id and none may fail.
  const std::string dir = tempDir();
  constexpr int kAgents = 16;
  std::vector<std::string> ids(kAgents);
  std::vector<std::string> errors(kAgents);
  {
    std::vector<std::jthread> agents;
    for (int i = 0; i < kAgents; ++i) {
      agents.emplace_back([&, i] {
        auto id = loadOrCreateAgentId(dir);
        if (id.ok()) {
          ids[i] = *id;
        } else {
          errors[i] = id.error().message;
        }
      });
    }
  }
  for (int i = 0; i < kAgents; ++i) {
    CHECK(errors[i].empty());
    CHECK(ids[i] == ids[0]);
  }
  CHECK(stratus::isCanonicalUuid(ids[0]));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    CHECK(entry.path().filename() == "agent_id");  // no temporary left behind
    ++files;
  }
  CHECK(files == 1);
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
