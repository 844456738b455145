// The main of every Catch2 test binary: Catch's own, plus the skip exit code
// (tests/skip.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tests/skip.h"

namespace stratus::test {
namespace {
bool skipped = false;
}  // namespace

void markSkipped(const std::string& reason) {
  std::printf("skipped: %s\n", reason.c_str());
  std::fflush(stdout);
  skipped = true;
}

bool anySkipped() {
  return skipped;
}

bool onCi() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string_view v(ci);
  return !v.empty() && v != "0" && v != "false";
}

}  // namespace stratus::test

int main(int argc, char** argv) {
  const int rc = Catch::Session().run(argc, argv);
  // Catch returns the number of failed assertions (or of listed tests); 77 of them
  // must not read as a skip.
  if (rc == stratus::test::kSkipExitCode) return 1;
  if (rc == 0 && stratus::test::anySkipped()) return stratus::test::kSkipExitCode;
  return rc;
}
