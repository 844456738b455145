#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace stratus {
namespace {
std::mutex& logMutex() {
  static std::mutex mu;
  return mu;
}
std::string& programName() {
  static std::string name = "stratus";
  return name;
}
}  // namespace

void setLogProgram(std::string_view name) {
  std::lock_guard lock(logMutex());
  programName() = std::string(name);
}

void logLine(std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(logMutex());
  std::fprintf(stderr, "%s.%03dZ %s: %.*s\n", stamp, static_cast<int>(ms), programName().c_str(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace stratus
