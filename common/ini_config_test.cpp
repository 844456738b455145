#include "common/ini_config.h"

#include <catch2/catch.hpp>

using namespace stratus;

TEST_CASE("INI files parse into sections and keys") {
  auto c = IniConfig::parse("[libvirt]\nvirt_type = qemu\n\n[traits]\nviommu_trait_prefix=X\n",
                            "test.conf");
  REQUIRE(c.ok());
  CHECK(c->get("libvirt", "virt_type") == "qemu");
  CHECK(c->get("traits", "viommu_trait_prefix") == "X");
  CHECK_FALSE(c->get("libvirt", "nope").has_value());
  CHECK_FALSE(c->get("nope", "virt_type").has_value());
}

TEST_CASE("malformed INI files are rejected with the line") {
  auto c = IniConfig::parse("[libvirt\nvirt_type = qemu\n", "bad.conf");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ErrorCode::kInvalidArgument);
  CHECK(c.error().message.starts_with("--config='bad.conf' is invalid: line 1: "));

  auto outside = IniConfig::parse("virt_type = qemu\n", "top.conf");
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().message ==
        "--config='top.conf' is invalid: key 'virt_type' stands outside any section; allowed: "
        "keys inside a [section]");

  auto missing = IniConfig::load("/nonexistent/stratus.conf");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "--config='/nonexistent/stratus.conf' is invalid: cannot open the file; allowed: a "
        "readable INI file");
}
