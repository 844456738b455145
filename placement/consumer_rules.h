// The rules every consumer write obeys, whichever handler takes it: PUT and POST
// /allocations (handlers/allocation.cpp) and POST /reshaper (handlers/reshaper.cpp).
// Pure functions over plain data; the handlers hold the write lock and supply the
// current records. Messages are Placement 8.0's (placement/objects/allocation.py and
// handlers/allocation.py), which the gabbits in ../shared/peers/placement check.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "placement/consumer_body.h"
#include "placement/model.h"

namespace stratus::placement {

// Placement's consumer generation rule (1.28+): a write that names no generation
// (null) must create the consumer, one that names a generation must match the
// consumer's. `current` is null when the consumer has no allocations. A mismatch is
// a 409 placement.concurrent_update: "consumer generation conflict - expected 3 but
// got None". Writes from before 1.28 (check_generation false) always pass.
Status checkConsumerGeneration(const ConsumerWrite& w, const Consumer* current);

// One allocation of `n` units of `rc` on `rp` against the inventory it lands on
// (null: the provider has none of that class): FailedPrecondition (409) when there is
// no inventory, or `n` is outside min_unit..max_unit or not a multiple of step_size.
Status checkAllocationUnits(const std::string& rp, const std::string& rc, std::int64_t n,
                            const Inventory* inv);

// The capacity rule, (total - reserved) x allocation_ratio: FailedPrecondition (409)
// when `used_after` units of `rc` on `rp` would exceed it.
Status checkCapacity(const std::string& rp, const std::string& rc, std::int64_t used_after,
                     const Inventory& inv);

// The consumer record that `w` (with allocations) leaves: a new consumer starts at
// generation 1 and created_at `now`, an existing one (`current`) gets the next
// generation. A project or user the write does not give keeps the consumer's, or
// Placement's placeholder for "incomplete" (all zeros) when it has none, as before
// 1.8, where no project or user is sent.
Consumer nextConsumer(const Consumer* current, ConsumerWrite w, std::int64_t now);

// Placement's placeholder project and user of consumers written before 1.8.
inline constexpr const char* kIncompleteConsumerId = "00000000-0000-0000-0000-000000000000";

}  // namespace stratus::placement
