#include "placement/microversion.h"

#include <catch2/catch.hpp>

using namespace stratus::placement;

TEST_CASE("no header means 1.0; latest means 1.39") {
  CHECK(negotiateVersion("").version == Microversion{0});
  CHECK(negotiateVersion("placement latest").version == Microversion{39});
  CHECK(negotiateVersion("compute 2.1").version == Microversion{0});
}

TEST_CASE("the placement entry is found among other services, in any case") {
  auto v = negotiateVersion("compute 2.90, Placement 1.20");
  CHECK(v.failure == VersionFailure::kNone);
  CHECK(v.version == Microversion{20});
  CHECK(v.version.atLeast(Microversion{20}));
  CHECK_FALSE(v.version.atLeast(kCandidatesMemberOf));
}

TEST_CASE("malformed versions are 400s, unsupported ones 406s") {
  for (const char* bad :
       {"placement pony.horse", "placement 1.2.3", "placement 1.", "placement 1"}) {
    auto v = negotiateVersion(bad);
    CHECK(v.failure == VersionFailure::kBadFormat);
  }
  CHECK(negotiateVersion("placement 1.2.3").given == "1.2.3");
  CHECK(negotiateVersion("placement 0.5").failure == VersionFailure::kUnsupported);
  CHECK(negotiateVersion("placement 1.40").failure == VersionFailure::kUnsupported);
  CHECK(negotiateVersion("placement 2.0").failure == VersionFailure::kUnsupported);
  CHECK(negotiateVersion("placement 1.39").failure == VersionFailure::kNone);
}
