// Power actions carried out on the dry-run driver's guests, as the agent does them: each
// action ends in the state libvirt would show, failures say why, progress survives a
// wait and is forgotten when the task goes.
#include "compute/power_worker.h"

#include <catch2/catch.hpp>

#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::compute;

namespace {

const std::string kId = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kName = "stratus-" + kId;

std::unique_ptr<GuestDriver> driverWithGuest() {
  virt::VirtConfig config;
  auto driver = dryRunGuestDriver(config);
  virt::Flavor flavor{kName, 1, 128, 1, {}};
  REQUIRE(driver->spawn(flavor, {}, virt::testing::testHost("x86-kvm-libvirt9"), {}).ok());
  return driver;
}

}  // namespace

TEST_CASE("dry-run guests go through every action as libvirt's would") {
  auto driver = driverWithGuest();
  PowerWorker worker(*driver, {});
  const auto now = std::chrono::steady_clock::now();
  CHECK(*driver->powerInfo(kName) == GuestPowerInfo{GuestRun::kRunning, false});
  const std::vector<std::pair<PowerAction, GuestPowerInfo>> steps = {
      {PowerAction::kStop, {GuestRun::kShutOff, false}},
      {PowerAction::kStart, {GuestRun::kRunning, false}},
      {PowerAction::kRebootSoft, {GuestRun::kRunning, false}},
      {PowerAction::kRebootHard, {GuestRun::kRunning, false}},
      {PowerAction::kPause, {GuestRun::kPaused, false}},
      {PowerAction::kUnpause, {GuestRun::kRunning, false}},
      {PowerAction::kSuspend, {GuestRun::kShutOff, true}},
      {PowerAction::kResume, {GuestRun::kRunning, false}},
      {PowerAction::kSuspend, {GuestRun::kShutOff, true}},
      {PowerAction::kRebootHard, {GuestRun::kRunning, false}},
  };
  for (const auto& [action, after] : steps) {
    INFO(powerActionName(action));
    auto out = worker.advance(kId, kName, action, now);
    CHECK(out.finished);
    CHECK(out.ok);
    CHECK(out.message.empty());
    CHECK(out.power == after);
    CHECK(*driver->powerInfo(kName) == after);
  }
  auto managed = driver->managedPowerInfo();
  REQUIRE(managed.ok());
  CHECK(managed->at(kName) == GuestPowerInfo{GuestRun::kRunning, false});
}

TEST_CASE("a refused power action is finished with the reason, a missing guest names itself") {
  auto driver = driverWithGuest();
  PowerWorker worker(*driver, {});
  const auto now = std::chrono::steady_clock::now();
  auto out = worker.advance(kId, kName, PowerAction::kUnpause, now);
  CHECK(out.finished);
  CHECK(out.ok);  // running already: nothing to do
  REQUIRE(worker.advance(kId, kName, PowerAction::kStop, now).ok);
  out = worker.advance(kId, kName, PowerAction::kPause, now);
  CHECK(out.finished);
  CHECK_FALSE(out.ok);
  CHECK(out.message == "pause needs a running guest, but the guest is shut off");
  CHECK(out.power == GuestPowerInfo{GuestRun::kShutOff, false});
  REQUIRE(driver->destroy(kName).ok());
  out = worker.advance(kId, kName, PowerAction::kStart, now);
  CHECK(out.finished);
  CHECK_FALSE(out.ok);
  CHECK(out.message == "there is no guest " + kName + " on this host");
}
