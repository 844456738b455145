#include "placement/consumer_rules.h"

#include <catch2/catch.hpp>

using namespace stratus::placement;

namespace {
ConsumerWrite write(std::optional<std::int64_t> generation, bool check = true) {
  ConsumerWrite w;
  w.uuid = "c0000000-0000-4000-8000-000000000001";
  w.check_generation = check;
  w.generation = generation;
  w.allocations["rp"]["VCPU"] = 2;
  return w;
}
Consumer existing(std::int64_t generation) {
  Consumer c;
  c.uuid = "c0000000-0000-4000-8000-000000000001";
  c.generation = generation;
  c.project_id = "p1";
  c.user_id = "u1";
  c.created_at = 100;
  return c;
}
}  // namespace

TEST_CASE("consumer generations: null creates, a number must match, before 1.28 anything goes") {
  const Consumer c = existing(3);
  CHECK(checkConsumerGeneration(write(std::nullopt), nullptr).ok());
  CHECK(checkConsumerGeneration(write(3), &c).ok());
  CHECK(checkConsumerGeneration(write(7, false), &c).ok());

  auto stale = checkConsumerGeneration(write(2), &c);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == stratus::ErrorCode::kConflict);
  CHECK(stale.error().message == "consumer generation conflict - expected 3 but got 2");
  CHECK(stale.error().service_code == "placement.concurrent_update");

  auto none = checkConsumerGeneration(write(std::nullopt), &c);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message == "consumer generation conflict - expected 3 but got None");

  auto not_new = checkConsumerGeneration(write(1), nullptr);
  REQUIRE_FALSE(not_new.ok());
  CHECK(not_new.error().message == "consumer generation conflict - expected null but got 1");
}

TEST_CASE("an allocation must land on inventory and fit its unit rules") {
  Inventory inv;
  inv.total = 16;
  inv.min_unit = 2;
  inv.max_unit = 8;
  inv.step_size = 2;
  CHECK(checkAllocationUnits("rp", "VCPU", 4, &inv).ok());
  for (std::int64_t n : {1, 3, 10}) {
    auto bad = checkAllocationUnits("rp", "VCPU", n, &inv);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == stratus::ErrorCode::kFailedPrecondition);
    CHECK(bad.error().message ==
          "Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource "
          "provider 'rp'. The requested amount would violate inventory constraints.");
  }
  auto missing = checkAllocationUnits("rp", "DISK_GB", 4, nullptr);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "Unable to allocate inventory: Inventory for 'DISK_GB' on resource provider 'rp' invalid.");
}

TEST_CASE("capacity is (total - reserved) x allocation_ratio, inclusive") {
  Inventory inv;
  inv.total = 10;
  inv.reserved = 2;
  inv.allocation_ratio = 1.5;  // 12 units
  CHECK(checkCapacity("rp", "VCPU", 12, inv).ok());
  auto over = checkCapacity("rp", "VCPU", 13, inv);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == stratus::ErrorCode::kFailedPrecondition);
  CHECK(over.error().message ==
        "Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource "
        "provider 'rp'. The requested amount would exceed the capacity.");
}

TEST_CASE("the consumer a write leaves: generations, times, project and user") {
  ConsumerWrite fresh = write(std::nullopt);
  Consumer made = nextConsumer(nullptr, fresh, 500);
  CHECK(made.generation == 1);
  CHECK(made.created_at == 500);
  CHECK(made.updated_at == 500);
  // Before 1.8 no project or user is sent: Placement's placeholder.
  CHECK(made.project_id == "00000000-0000-0000-0000-000000000000");
  CHECK(made.user_id == "00000000-0000-0000-0000-000000000000");
  CHECK(made.allocations.at("rp").at("VCPU") == 2);

  const Consumer c = existing(3);
  ConsumerWrite update = write(3);
  update.user_id = "u2";
  update.consumer_type = "INSTANCE";
  Consumer next = nextConsumer(&c, update, 900);
  CHECK(next.generation == 4);
  CHECK(next.created_at == 100);
  CHECK(next.updated_at == 900);
  CHECK(next.project_id == "p1");  // kept: the write did not give one
  CHECK(next.user_id == "u2");
  CHECK(next.consumer_type == "INSTANCE");
}
