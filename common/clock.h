// Time as an edge: components that read the time or wait take a Clock, so tests
// run them on simulated time (Envoy's TimeSource and SimulatedTimeSystem, in
// envoy/common/time.h and test/test_common/simulated_time_system.h, are the model).
// Wall time stamps records; monotonic time measures waits and deadlines.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace stratus {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual WallTime now() const = 0;
  virtual MonoTime monotonic() const = 0;
  // Waits until `deadline` or until `stop` turns true. Returns false when stopped.
  virtual bool sleepUntil(MonoTime deadline, const std::atomic<bool>& stop) = 0;

  bool sleepFor(std::chrono::milliseconds wait, const std::atomic<bool>& stop) {
    return sleepUntil(monotonic() + wait, stop);
  }
  std::int64_t unixSeconds() const;
  // "2026-12-02T06:36:41Z"
  std::string isoTime() const;
};

// The machine's clocks. Its waits wake within 20 ms of `stop` turning true.
Clock& realClock();

// Simulated time for tests: starts at `start`, moves only by advance() or by a
// sleep, which returns at once with the time moved to its deadline and records how
// long it waited. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(WallTime start = WallTime(std::chrono::seconds(1'800'000'000)));

  WallTime now() const override;
  MonoTime monotonic() const override;
  bool sleepUntil(MonoTime deadline, const std::atomic<bool>& stop) override;

  void advance(std::chrono::milliseconds by);
  // Every wait a sleep asked for, in order.
  std::vector<std::chrono::milliseconds> sleeps() const;

 private:
  mutable std::mutex mu_;
  WallTime wall_;
  MonoTime mono_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace stratus
