// What lets several conductor workers share one API's servers: a set of the servers a
// worker has in hand (so no server is scheduled, released or forgotten by two workers
// at once), the per-server retry times, and the [api] conductor_workers rule.
// A worker takes a server from the set before it reads the server and gives it back
// only after its outcome is stored, so a second worker that takes it afterwards sees the
// stored outcome (e.g. task no longer scheduling) and leaves it. Placement's generations
// still check every claim, so two API instances cannot over-fill a host either.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "common/result.h"

namespace stratus::api {

class InFlightSet {
 public:
  // True when the caller now holds `id`; false when another worker holds it.
  bool tryTake(const std::string& id);
  void release(const std::string& id);
  bool contains(const std::string& id) const;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> ids_;
};

// Holds one id of an InFlightSet for a scope; `held()` is false when it was taken.
class InFlightHold {
 public:
  InFlightHold(InFlightSet& set, std::string id) : set_(set), id_(std::move(id)) {
    held_ = set_.tryTake(id_);
  }
  ~InFlightHold() {
    if (held_) set_.release(id_);
  }
  InFlightHold(const InFlightHold&) = delete;
  InFlightHold& operator=(const InFlightHold&) = delete;
  bool held() const { return held_; }

 private:
  InFlightSet& set_;
  std::string id_;
  bool held_ = false;
};

// Servers whose last attempt met an unavailable peer are not tried before a time.
class RetrySchedule {
 public:
  using Clock = std::chrono::steady_clock;
  bool due(const std::string& id, Clock::time_point now) const;
  void notBefore(const std::string& id, Clock::time_point when);
  void clear(const std::string& id);

 private:
  mutable std::mutex mu_;
  std::map<std::string, Clock::time_point> at_;
};

// [api] conductor_workers: how many threads schedule servers at once, 1 to 64 (the
// default is ApiOptions::conductor_workers). InvalidArgument naming the key otherwise.
Result<unsigned> parseConductorWorkers(const std::string& value);

}  // namespace stratus::api
