// The conductor workers' shared parts on their own: a server is held by one worker at a
// time, a hold ends with its scope, retry times, and the [api] conductor_workers rule.
#include "api/conductor_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using namespace stratus;
using namespace stratus::api;

TEST_CASE("an in-flight server is held by one worker until it is released") {
  InFlightSet set;
  CHECK(set.tryTake("a"));
  CHECK_FALSE(set.tryTake("a"));
  CHECK(set.tryTake("b"));
  CHECK(set.contains("a"));
  CHECK(set.size() == 2);
  set.release("a");
  CHECK_FALSE(set.contains("a"));
  CHECK(set.tryTake("a"));
}

TEST_CASE("an InFlightHold gives its server back when its scope ends, and only if it took it") {
  InFlightSet set;
  {
    InFlightHold first(set, "s1");
    CHECK(first.held());
    {
      InFlightHold second(set, "s1");
      CHECK_FALSE(second.held());
    }
    // The second hold did not take it, so it must not have released the first's.
    CHECK(set.contains("s1"));
  }
  CHECK_FALSE(set.contains("s1"));
  CHECK(set.size() == 0);
}

TEST_CASE("workers racing over the same list each handle every server exactly once at a time") {
  // Like Conductor::runOnce: every worker walks the same list and handles what it can
  // hold; a server counts as done once, and no two workers ever hold it together.
  InFlightSet set;
  constexpr int kServers = 200;
  std::vector<std::string> ids;
  for (int i = 0; i < kServers; ++i) ids.push_back("server-" + std::to_string(i));
  std::vector<std::atomic<int>> holders(kServers), done(kServers);
  std::atomic<int> overlaps{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < kServers; ++i) {
        InFlightHold hold(set, ids[i]);
        if (!hold.held()) continue;
        if (holders[i].fetch_add(1) != 0) overlaps.fetch_add(1);
        // The stored outcome decides, as scheduleServer re-reads the task under the lock.
        int expected = 0;
        done[i].compare_exchange_strong(expected, 1);
        holders[i].fetch_sub(1);
      }
    });
  }
  for (auto& t : workers) t.join();
  CHECK(overlaps.load() == 0);
  for (int i = 0; i < kServers; ++i) CHECK(done[i].load() == 1);
  CHECK(set.size() == 0);
}

TEST_CASE("a server that met an unavailable peer is not due before its retry time") {
  RetrySchedule retry;
  const auto t0 = RetrySchedule::Clock::now();
  CHECK(retry.due("a", t0));
  retry.notBefore("a", t0 + std::chrono::seconds(2));
  CHECK_FALSE(retry.due("a", t0));
  CHECK_FALSE(retry.due("a", t0 + std::chrono::seconds(1)));
  CHECK(retry.due("a", t0 + std::chrono::seconds(2)));
  CHECK(retry.due("b", t0));
  retry.clear("a");
  CHECK(retry.due("a", t0));
}

TEST_CASE("[api] conductor_workers is a whole number from 1 to 64") {
  CHECK(parseConductorWorkers("1").value() == 1);
  CHECK(parseConductorWorkers("4").value() == 4);
  CHECK(parseConductorWorkers("64").value() == 64);
  for (const char* bad : {"0", "65", "", "-1", "2.5", "four", "100", " 4"}) {
    auto r = parseConductorWorkers(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.error().message == "[api] conductor_workers='" + std::string(bad) +
                                   "' is invalid; allowed: a whole number from 1 to 64");
  }
}
