// Host facts for unit tests, from virt/testdata/hosts (documents derived from the
// capture in ../shared/fixtures and edited for other versions and arches).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "virt/host_facts.h"

namespace stratus::virt::testing {

inline HostFacts testHost(const std::string& name) {
  auto facts = loadHostFacts(std::string(STRATUS_VIRT_TESTDATA) + "/hosts/" + name + ".json");
  REQUIRE(facts.ok());
  return *facts;
}

}  // namespace stratus::virt::testing
