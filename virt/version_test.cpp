#include "virt/version.h"

#include <catch2/catch.hpp>

using namespace stratus::virt;

TEST_CASE("versions parse, compare and come from libvirt's numbers") {
  CHECK(Version::fromLibvirtNumber(9000000) == Version{9, 0, 0});
  CHECK(Version::fromLibvirtNumber(7002022) == Version{7, 2, 22});
  CHECK(Version::parse("8.2.0", "v")->str() == "8.2.0");
  CHECK(Version::parse("8.3", "v")->str() == "8.3.0");
  CHECK(Version{8, 2, 0} < kLibvirtVirtioIommu);
  CHECK_FALSE(Version{8, 3, 0} < kLibvirtVirtioIommu);
  auto bad = Version::parse("9.x", "libvirt_version");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "libvirt_version='9.x' is invalid; allowed: MAJOR.MINOR[.MICRO], e.g. 9.0.0");
  CHECK_FALSE(Version::parse("9", "v").ok());
  CHECK_FALSE(Version::parse("9.0.0.1", "v").ok());
}
