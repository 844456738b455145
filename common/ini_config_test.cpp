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

TEST_CASE("[pci] device_spec and alias may repeat, each line one value, in file order") {
  auto c = IniConfig::parse(
      "[pci]\n"
      "device_spec = {\"vendor_id\": \"8086\", \"product_id\": \"10ca\"}\n"
      "alias = {\"name\": \"nic\", \"vendor_id\": \"8086\", \"product_id\": \"10ca\"}\n"
      "device_spec={\"address\": \"0000:02:00.0\"}\n"
      "[libvirt]\nvirt_type = qemu\n",
      "pci.conf");
  REQUIRE(c.ok());
  CHECK(c->getAll("pci", "device_spec") ==
        std::vector<std::string>{R"({"vendor_id": "8086", "product_id": "10ca"})",
                                 R"({"address": "0000:02:00.0"})"});
  CHECK(c->getAll("pci", "alias").size() == 1);
  CHECK(c->get("pci", "device_spec") == R"({"address": "0000:02:00.0"})");
  CHECK(c->keys("pci") == std::vector<std::string>{"alias", "device_spec"});
  CHECK(c->getAll("libvirt", "virt_type") == std::vector<std::string>{"qemu"});
  CHECK(c->getAll("pci", "nope").empty());
}

TEST_CASE("any other key given twice is still refused with its line") {
  auto c = IniConfig::parse(
      "[pci]\ndevice_spec = {}\n[libvirt]\nvirt_type = qemu\nvirt_type = kvm\n", "twice.conf");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message ==
        "--config='twice.conf' is invalid: line 5: duplicate key name; allowed: an INI file of "
        "[section] and key = value lines");
  // device_spec repeats only under [pci].
  auto other = IniConfig::parse("[libvirt]\ndevice_spec = a\ndevice_spec = b\n", "other.conf");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message.starts_with("--config='other.conf' is invalid: line 3: duplicate"));
}
