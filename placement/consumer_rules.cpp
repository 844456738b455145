#include "placement/consumer_rules.h"

#include "placement/service_util.h"

namespace stratus::placement {

Status checkConsumerGeneration(const ConsumerWrite& w, const Consumer* current) {
  if (!w.check_generation) return okStatus();
  const bool ok =
      current == nullptr ? !w.generation : (w.generation && *w.generation == current->generation);
  if (ok) return okStatus();
  return Error::make(
      ErrorCode::kConflict,
      "consumer generation conflict - expected " +
          (current == nullptr ? std::string("null") : std::to_string(current->generation)) +
          " but got " + (w.generation ? std::to_string(*w.generation) : "None"),
      kCodeConcurrent);
}

Status checkAllocationUnits(const std::string& rp, const std::string& rc, std::int64_t n,
                            const Inventory* inv) {
  if (inv == nullptr) {
    return Error::make(ErrorCode::kFailedPrecondition,
                       "Unable to allocate inventory: Inventory for '" + rc +
                           "' on resource provider '" + rp + "' invalid.");
  }
  if (n < inv->min_unit || n > inv->max_unit || n % inv->step_size != 0) {
    return Error::make(ErrorCode::kFailedPrecondition,
                       "Unable to allocate inventory: Unable to create allocation for '" + rc +
                           "' on resource provider '" + rp +
                           "'. The requested amount would violate inventory constraints.");
  }
  return okStatus();
}

Status checkCapacity(const std::string& rp, const std::string& rc, std::int64_t used_after,
                     const Inventory& inv) {
  if (used_after <= inv.capacity()) return okStatus();
  return Error::make(ErrorCode::kFailedPrecondition,
                     "Unable to allocate inventory: Unable to create allocation for '" + rc +
                         "' on resource provider '" + rp +
                         "'. The requested amount would exceed the capacity.");
}

Consumer nextConsumer(const Consumer* current, ConsumerWrite w, std::int64_t now) {
  Consumer c;
  if (current != nullptr) {
    c = *current;
    ++c.generation;
  } else {
    c.uuid = w.uuid;
    c.generation = 1;
    c.created_at = now;
  }
  c.allocations = std::move(w.allocations);
  auto keep = [](std::string given, const std::string& had) {
    if (!given.empty()) return given;
    return had.empty() ? std::string(kIncompleteConsumerId) : had;
  };
  c.project_id = keep(std::move(w.project_id), c.project_id);
  c.user_id = keep(std::move(w.user_id), c.user_id);
  if (!w.consumer_type.empty()) c.consumer_type = std::move(w.consumer_type);
  c.updated_at = now;
  return c;
}

}  // namespace stratus::placement
