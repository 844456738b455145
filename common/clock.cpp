#include "common/clock.h"

#include <ctime>
#include <thread>

namespace stratus {
namespace {

class RealClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  bool sleepUntil(MonoTime deadline, const std::atomic<bool>& stop) override {
    // Short slices keep a stop request answered quickly without a condition
    // variable shared with every caller's stop flag.
    constexpr auto kSlice = std::chrono::milliseconds(20);
    while (!stop.load()) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSlice));
    }
    return false;
  }
};

}  // namespace

std::int64_t Clock::unixSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

std::string Clock::isoTime() const {
  const std::time_t t = std::chrono::system_clock::to_time_t(now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Clock& realClock() {
  static RealClock clock;
  return clock;
}

SimulatedClock::SimulatedClock(WallTime start)
    : wall_(start), mono_(MonoTime(std::chrono::hours(1))) {}

Clock::WallTime SimulatedClock::now() const {
  std::lock_guard lock(mu_);
  return wall_;
}

Clock::MonoTime SimulatedClock::monotonic() const {
  std::lock_guard lock(mu_);
  return mono_;
}

bool SimulatedClock::sleepUntil(MonoTime deadline, const std::atomic<bool>& stop) {
  if (stop.load()) return false;
  std::lock_guard lock(mu_);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - mono_);
  sleeps_.push_back(std::max(wait, std::chrono::milliseconds(0)));
  if (deadline > mono_) {
    wall_ += deadline - mono_;
    mono_ = deadline;
  }
  return true;
}

void SimulatedClock::advance(std::chrono::milliseconds by) {
  std::lock_guard lock(mu_);
  wall_ += by;
  mono_ += by;
}

std::vector<std::chrono::milliseconds> SimulatedClock::sleeps() const {
  std::lock_guard lock(mu_);
  return sleeps_;
}

}  // namespace stratus
