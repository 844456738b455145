// Skips that CTest sees. Catch2 v2 has no SKIP, and a test case that returns early
// counts as passed, so a test that cannot run here calls STRATUS_SKIP(reason): it
// prints "skipped: <reason>" and returns from the test case, and the shared main
// (tests/test_main.cpp) then exits with kSkipExitCode when no assertion failed. Every
// catch_discover_tests of a binary that skips sets SKIP_RETURN_CODE to that value, as
// the shell tests do. An exit code rather than SKIP_REGULAR_EXPRESSION, because CTest
// lets a matching regular expression win over a failure.
#pragma once

#include <sstream>
#include <string>

namespace stratus::test {

// Automake's code for a skipped test; CTest reads it through SKIP_RETURN_CODE.
inline constexpr int kSkipExitCode = 77;

// Prints "skipped: <reason>" and remembers that this run skipped.
void markSkipped(const std::string& reason);
bool anySkipped();

// True when the CI variable is set and not "0" or "false": the suite runs on the CI
// machine, which must have everything the tests need.
bool onCi();

}  // namespace stratus::test

// Usage: STRATUS_SKIP(path << " is not here"); in the body of a TEST_CASE (it returns
// from it). An assertion that failed before the skip still fails the test.
#define STRATUS_SKIP(reason)                                  \
  do {                                                        \
    std::ostringstream stratus_skip_reason_;                  \
    stratus_skip_reason_ << reason;                           \
    ::stratus::test::markSkipped(stratus_skip_reason_.str()); \
    return;                                                   \
  } while (false)
