#include "api/conductor_pool.h"

namespace stratus::api {

bool InFlightSet::tryTake(const std::string& id) {
  std::lock_guard lock(mu_);
  return ids_.insert(id).second;
}

void InFlightSet::release(const std::string& id) {
  std::lock_guard lock(mu_);
  ids_.erase(id);
}

bool InFlightSet::contains(const std::string& id) const {
  std::lock_guard lock(mu_);
  return ids_.contains(id);
}

std::size_t InFlightSet::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

bool RetrySchedule::due(const std::string& id, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = at_.find(id);
  return it == at_.end() || now >= it->second;
}

void RetrySchedule::notBefore(const std::string& id, Clock::time_point when) {
  std::lock_guard lock(mu_);
  at_[id] = when;
}

void RetrySchedule::clear(const std::string& id) {
  std::lock_guard lock(mu_);
  at_.erase(id);
}

Result<unsigned> parseConductorWorkers(const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 2 &&
                      value.find_first_not_of("0123456789") == std::string::npos;
  const unsigned n = digits ? static_cast<unsigned>(std::stoul(value)) : 0;
  if (n < 1 || n > 64) {
    return Error::invalid("[api] conductor_workers", value, "a whole number from 1 to 64");
  }
  return n;
}

}  // namespace stratus::api
