#include "pci/pci_config.h"

#include <catch2/catch.hpp>

#include "virt/pci_test_hosts.h"

using namespace stratus;
using namespace stratus::pci;
using virt::PciDevType;

namespace {

std::string specError(const std::string& text) {
  auto r = parseDeviceSpec(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().key == "[pci] device_spec");
  CHECK(r.error().value == text);
  return r.error().message;
}

std::string aliasError(const std::string& text) {
  auto r = parseAlias(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(r.error().key == "[pci] alias");
  return r.error().message;
}

DeviceSpec spec(const std::string& text) {
  auto r = parseDeviceSpec(text);
  INFO(text);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  return r->front();
}

virt::PciDeviceFacts device(const std::string& address, const std::string& vendor = "8086",
                            const std::string& product = "10ca") {
  virt::PciDeviceFacts d;
  d.address = address;
  d.vendor_id = vendor;
  d.product_id = product;
  d.class_id = "020000";
  return d;
}

constexpr const char* kAddressAllowed =
    "allowed: a glob [[[[DOMAIN]:]BUS]:][SLOT][.[FUNCTION]] of hexadecimal fields, each of them "
    "empty or * for any (domain at most ffff, bus ff, slot 1f, function 7), or an object of "
    "regular expressions with the keys domain, bus, slot, function";

}  // namespace

TEST_CASE("a device_spec takes every field Nova documents") {
  auto s = spec(
      R"({"vendor_id": "8086", "product_id": "10CA", "address": "0000:01:10.*",
          "physical_network": "physnet1", "remote_managed": "true", "trusted": "yes",
          "managed": "no", "live_migratable": "yes", "one_time_use": "false",
          "resource_class": "fast-nic", "traits": "blue, big"})");
  CHECK(s.vendor_id == "8086");
  CHECK(s.product_id == "10ca");
  REQUIRE(std::holds_alternative<AddressGlob>(s.address));
  const auto& g = std::get<AddressGlob>(s.address);
  CHECK(g.domain == 0u);
  CHECK(g.bus == 1u);
  CHECK(g.slot == 0x10u);
  CHECK_FALSE(g.function);
  CHECK(s.physical_network == "physnet1");
  CHECK(s.remote_managed);
  CHECK(s.trusted == true);
  CHECK_FALSE(s.managed);
  CHECK(s.live_migratable == true);
  CHECK_FALSE(s.one_time_use);
  CHECK(s.resource_class == "CUSTOM_FAST_NIC");
  CHECK(s.traits == std::vector<std::string>{"CUSTOM_BLUE", "CUSTOM_BIG"});
  CHECK(s.tags() == std::vector<std::string>{"physical_network=physnet1", "remote_managed=true",
                                             "trusted=true", "managed=no", "live_migratable=yes",
                                             "resource_class=CUSTOM_FAST_NIC",
                                             "traits=CUSTOM_BLUE,CUSTOM_BIG"});
}

TEST_CASE("ids may be short, 0x-prefixed or * and are stored as 4 lower-case digits") {
  CHECK(spec(R"({"vendor_id": "0x1B36", "product_id": "10"})").product_id == "0010");
  CHECK(spec(R"({"vendor_id": "1b36", "product_id": "10"})").vendor_id == "1b36");
  auto any = spec(R"({"vendor_id": "*", "product_id": "10ca"})");
  CHECK_FALSE(any.vendor_id);
  CHECK(any.matches(device("0000:01:10.0", "abcd", "10ca")));
}

TEST_CASE("a JSON list on one line gives several specs, in order") {
  auto r = parseDeviceSpec(
      R"([{"address": "0000:02:00.0"}, {"vendor_id": "1b36", "product_id": "0010"}])");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK(r->at(0).text == R"({"address":"0000:02:00.0"})");
  CHECK(r->at(1).vendor_id == "1b36");
}

TEST_CASE("address globs match the way Nova reads them, fields from the right") {
  auto d = device("0000:0a:00.1");
  CHECK(spec(R"({"address": "0000:0a:00.*"})").matches(d));
  CHECK(spec(R"({"address": "0000:0a:00.1"})").matches(d));
  CHECK_FALSE(spec(R"({"address": "0000:0a:00.2"})").matches(d));
  CHECK(spec(R"({"address": "*:0a:00.1"})").matches(d));
  CHECK(spec(R"({"address": ":0a:00."})").matches(d));
  CHECK(spec(R"({"address": "0a:00.1"})").matches(d));  // domain any
  CHECK(spec(R"({"address": "00.1"})").matches(d));     // slot and function only
  CHECK_FALSE(spec(R"({"address": "0b:00.1"})").matches(d));
  CHECK(spec(R"({"address": "A:0.1"})").matches(device("0000:0a:00.1")));
  CHECK_FALSE(spec(R"({"address": "0001:0a:00.1"})").matches(d));
}

TEST_CASE("address regex objects match each whole lower-case hex field") {
  auto s = spec(
      R"({"address": {"domain": "0000", "bus": "0[a-b]", "slot": "0[0-3]", "function": "[0-1]"}})");
  REQUIRE(std::holds_alternative<AddressRegex>(s.address));
  CHECK(s.matches(device("0000:0a:00.1")));
  CHECK(s.matches(device("0000:0b:03.0")));
  CHECK_FALSE(s.matches(device("0000:0c:00.0")));
  CHECK_FALSE(s.matches(device("0000:0a:00.2")));
  // Whole field: "0" does not match the bus "0a".
  CHECK_FALSE(spec(R"({"address": {"bus": "0"}})").matches(device("0000:0a:00.1")));
  CHECK(spec(R"({"address": {"function": "1"}})").matches(device("0000:0a:00.1")));
}

TEST_CASE("a device_spec that is not JSON, or not an object, is refused") {
  CHECK(specError(R"({"vendor_id": "8086")") ==
        R"([pci] device_spec='{"vendor_id": "8086"' is invalid: not valid JSON; allowed: a JSON )"
        R"(object such as {"vendor_id": "8086", "product_id": "10ca"}, or a JSON list of them)");
  CHECK(
      specError(R"("8086")") ==
      R"([pci] device_spec='"8086"' is invalid: it is a JSON string, not an object; allowed: a )"
      R"(JSON object such as {"vendor_id": "8086", "product_id": "10ca"}, or a JSON list of them)");
  CHECK(specError("[]") ==
        "[pci] device_spec='[]' is invalid: the list is empty; allowed: at least one JSON object");
}

TEST_CASE("an unknown device_spec key is refused, with the keys there are") {
  CHECK(specError(R"({"vendor_id": "8086", "colour": "blue"})") ==
        R"([pci] device_spec='{"vendor_id": "8086", "colour": "blue"}' is invalid: unknown key )"
        R"("colour"; allowed: vendor_id, product_id, address, devname, physical_network, )"
        "remote_managed, trusted, managed, live_migratable, one_time_use, resource_class, traits");
}

TEST_CASE("devname is refused: placement reporting is always on") {
  CHECK(specError(R"({"devname": "eth3"})") ==
        R"([pci] device_spec='{"devname": "eth3"}' is invalid: devname is not supported: Stratus )"
        "always reports PCI devices to placement, which tracks them by address; allowed: "
        "vendor_id and product_id, or address, instead of devname");
}

TEST_CASE("a device_spec that names no device is refused") {
  CHECK(specError(R"({"physical_network": "physnet1"})") ==
        R"([pci] device_spec='{"physical_network": "physnet1"}' is invalid: it names no device; )"
        "allowed: vendor_id and product_id, or address, or both");
}

TEST_CASE("non-hex and out-of-range ids are refused") {
  CHECK(specError(R"({"vendor_id": "80g6"})") ==
        R"([pci] device_spec='{"vendor_id": "80g6"}' is invalid: vendor_id "80g6" is not )"
        "hexadecimal; allowed: 1 to 4 hexadecimal digits (0 to ffff), or * for any");
  CHECK(specError(R"({"product_id": "18086"})") ==
        R"([pci] device_spec='{"product_id": "18086"}' is invalid: product_id "18086" is out of )"
        "range; allowed: 1 to 4 hexadecimal digits (0 to ffff), or * for any");
  CHECK(specError(R"({"vendor_id": ""})") ==
        R"([pci] device_spec='{"vendor_id": ""}' is invalid: vendor_id "" is not hexadecimal; )"
        "allowed: 1 to 4 hexadecimal digits (0 to ffff), or * for any");
}

TEST_CASE("a JSON number or boolean where a string belongs is refused, not printed as an object") {
  CHECK(specError(R"({"vendor_id": 8086})") ==
        R"([pci] device_spec='{"vendor_id": 8086}' is invalid: vendor_id is a JSON number (8086) )"
        R"(where a string belongs; allowed: a JSON string, e.g. "vendor_id": "8086")");
  CHECK(specError(R"({"address": "0000:02:00.0", "trusted": true})") ==
        R"([pci] device_spec='{"address": "0000:02:00.0", "trusted": true}' is invalid: trusted )"
        R"(is a JSON boolean (true) where a string belongs; allowed: a JSON string, e.g. )"
        R"("trusted": "true")");
  CHECK(specError(R"({"address": 2})") ==
        R"([pci] device_spec='{"address": 2}' is invalid: address is a JSON number (2) where a )"
        R"(string or an object belongs; )" +
            std::string(kAddressAllowed));
}

TEST_CASE("address fields above Nova's limits are refused, each named") {
  CHECK(specError(R"({"address": "10000:00:00.0"})") ==
        R"([pci] device_spec='{"address": "10000:00:00.0"}' is invalid: address "10000:00:00.0": )"
        R"(domain "10000" is above the maximum ffff; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": "0000:100:00.0"})") ==
        R"([pci] device_spec='{"address": "0000:100:00.0"}' is invalid: address "0000:100:00.0": )"
        R"(bus "100" is above the maximum ff; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": "0000:0a:20.*"})") ==
        R"([pci] device_spec='{"address": "0000:0a:20.*"}' is invalid: address "0000:0a:20.*": )"
        R"(slot "20" is above the maximum 1f; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": "0000:0a:00.8"})") ==
        R"([pci] device_spec='{"address": "0000:0a:00.8"}' is invalid: address "0000:0a:00.8": )"
        R"(function "8" is above the maximum 7; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": "0000:0x:00.0"})") ==
        R"([pci] device_spec='{"address": "0000:0x:00.0"}' is invalid: address "0000:0x:00.0": )"
        R"(bus "0x" is not hexadecimal; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": "0:0000:0a:00.0"})") ==
        R"([pci] device_spec='{"address": "0:0000:0a:00.0"}' is invalid: address )"
        R"("0:0000:0a:00.0" has more than three ':' fields; )" +
            std::string(kAddressAllowed));
}

TEST_CASE("address regex objects are checked key by key") {
  CHECK(specError(R"({"address": {"bus": "0a", "port": "1"}})") ==
        R"([pci] device_spec='{"address": {"bus": "0a", "port": "1"}}' is invalid: address has )"
        R"(unknown key "port"; )" +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": {"bus": 10}})") ==
        R"([pci] device_spec='{"address": {"bus": 10}}' is invalid: address bus is a JSON number )"
        "(10) where a string belongs; " +
            std::string(kAddressAllowed));
  CHECK(specError(R"({"address": {"slot": "[0-"}})") ==
        R"([pci] device_spec='{"address": {"slot": "[0-"}}' is invalid: address slot "[0-" is not )"
        "a valid regular expression; " +
            std::string(kAddressAllowed));
}

TEST_CASE("boolean tags take true, false, yes or no") {
  CHECK(specError(R"({"address": "02:00.0", "managed": "maybe"})") ==
        R"([pci] device_spec='{"address": "02:00.0", "managed": "maybe"}' is invalid: managed )"
        R"("maybe" is not a boolean; allowed: true, false, yes, no)");
  CHECK(spec(R"({"address": "02:00.0", "one_time_use": "TRUE"})").one_time_use);
  CHECK(spec(R"({"address": "02:00.0"})").managed);  // managed='yes' unless told
}

TEST_CASE("resource classes and traits are normalised as Nova does, items trimmed") {
  CHECK(spec(R"({"address": "02:00.0", "resource_class": "PCI_DEVICE"})").resource_class ==
        "PCI_DEVICE");
  CHECK(spec(R"({"address": "02:00.0", "resource_class": "my gpu!!v2"})").resource_class ==
        "CUSTOM_MY_GPU_V2");
  CHECK(spec(R"({"address": "02:00.0", "resource_class": "custom_gpu"})").resource_class ==
        "CUSTOM_GPU");
  CHECK(spec(R"({"address": "02:00.0", "traits": "blue, big"})").traits ==
        std::vector<std::string>{"CUSTOM_BLUE", "CUSTOM_BIG"});
  CHECK(spec(R"({"address": "02:00.0", "traits": "HW_NIC_SRIOV,custom-fast ,  blue"})").traits ==
        std::vector<std::string>{"HW_NIC_SRIOV", "CUSTOM_FAST", "CUSTOM_BLUE"});
  CHECK(normaliseName("a.b--c", isStandardResourceClass) == "CUSTOM_A_B_C");
  CHECK(normaliseName("vgpu", isStandardResourceClass) == "VGPU");
  CHECK(defaultResourceClass("8086", "10ca") == "CUSTOM_PCI_8086_10CA");
}

TEST_CASE("an empty trait item or resource class is refused") {
  CHECK(specError(R"({"address": "02:00.0", "traits": "blue,,big"})") ==
        R"([pci] device_spec='{"address": "02:00.0", "traits": "blue,,big"}' is invalid: traits )"
        R"("blue,,big" has an empty item; allowed: a comma-separated list of standard traits )"
        "(os-traits) or other names, which become CUSTOM_<NAME>");
  CHECK(specError(R"({"address": "02:00.0", "traits": "blue, "})") ==
        R"([pci] device_spec='{"address": "02:00.0", "traits": "blue, "}' is invalid: traits )"
        R"("blue, " has an empty item; allowed: a comma-separated list of standard traits )"
        "(os-traits) or other names, which become CUSTOM_<NAME>");
  CHECK(specError(R"({"address": "02:00.0", "resource_class": " "})") ==
        R"([pci] device_spec='{"address": "02:00.0", "resource_class": " "}' is invalid: )"
        R"(resource_class " " is empty; allowed: a standard resource class (os-resource-classes) )"
        "or any other name, which becomes CUSTOM_<NAME>");
  const std::string long_name(260, 'a');
  CHECK(specError(R"({"address": "02:00.0", "traits": ")" + long_name + R"("})")
            .find("gives CUSTOM_AAAA") != std::string::npos);
}

TEST_CASE("an alias takes every field Nova documents") {
  auto r = parseAlias(
      R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF",
          "numa_policy": "required", "resource_class": "nic-vf", "traits": "blue"})");
  REQUIRE(r.ok());
  const Alias& a = r->front();
  CHECK(a.name == "nic");
  CHECK(a.device_type == PciDevType::kVf);
  CHECK(a.numa_policy == NumaPolicy::kRequired);
  CHECK(a.resourceClass() == "CUSTOM_NIC_VF");
  CHECK(a.traits == std::vector<std::string>{"CUSTOM_BLUE"});
  auto plain = parseAlias(R"({"name": "nvme", "vendor_id": "1b36", "product_id": "0010"})");
  REQUIRE(plain.ok());
  CHECK(plain->front().resourceClass() == "CUSTOM_PCI_1B36_0010");
  CHECK(plain->front().numa_policy == NumaPolicy::kLegacy);
  CHECK_FALSE(plain->front().device_type);
}

TEST_CASE("alias refusals name the rule") {
  CHECK(aliasError(R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca", "count": "1"})") ==
        R"([pci] alias='{"name": "nic", "vendor_id": "8086", "product_id": "10ca", "count": "1"}' )"
        R"(is invalid: unknown key "count"; allowed: name, vendor_id, product_id, device_type, )"
        "numa_policy, resource_class, traits");
  CHECK(aliasError(R"({"vendor_id": "8086", "product_id": "10ca"})") ==
        R"([pci] alias='{"vendor_id": "8086", "product_id": "10ca"}' is invalid: it has no name; )"
        R"(allowed: an object with "name", e.g. "name": "nic")");
  CHECK(aliasError(R"({"name": "nic", "vendor_id": "*", "product_id": "10ca"})") ==
        R"([pci] alias='{"name": "nic", "vendor_id": "*", "product_id": "10ca"}' is invalid: )"
        R"(vendor_id "*" is not hexadecimal; allowed: 1 to 4 hexadecimal digits (0 to ffff))");
  CHECK(aliasError(R"({"name": "nic", "resource_class": "X", "device_type": "type-VDPA"})") ==
        R"([pci] alias='{"name": "nic", "resource_class": "X", "device_type": "type-VDPA"}' is )"
        R"(invalid: device_type "type-VDPA" is not a PCI device type; allowed: type-PCI, type-PF, )"
        "type-VF");
  CHECK(aliasError(R"({"name": "nic", "resource_class": "X", "numa_policy": "strict"})") ==
        R"([pci] alias='{"name": "nic", "resource_class": "X", "numa_policy": "strict"}' is )"
        R"(invalid: numa_policy "strict" is not a NUMA policy; allowed: required, legacy, )"
        "preferred, socket");
  CHECK(aliasError(R"({"name": "nic", "vendor_id": "8086"})") ==
        R"([pci] alias='{"name": "nic", "vendor_id": "8086"}' is invalid: it names no resource )"
        "class: placement needs resource_class, or both vendor_id and product_id (for "
        "CUSTOM_PCI_<VENDOR>_<PRODUCT>); allowed: resource_class, or vendor_id and product_id");
  CHECK(aliasError(R"({"name": 7})") ==
        R"([pci] alias='{"name": 7}' is invalid: name is a JSON number (7) where a string )"
        R"(belongs; allowed: a JSON string, e.g. "name": "name")");
  CHECK(aliasError(R"({"name": "nic",)") ==
        R"([pci] alias='{"name": "nic",' is invalid: not valid JSON; allowed: a JSON object such )"
        R"(as {"name": "nic", "vendor_id": "8086", "product_id": "10ca"}, or a JSON list of them)");
}

TEST_CASE("[pci] iommufd is auto unless set, and takes auto, yes or no") {
  CHECK(pciConfigFrom(IniConfig())->iommufd == stratus::virt::IommufdMode::kAuto);
  for (auto [text, mode] : {std::pair{"auto", stratus::virt::IommufdMode::kAuto},
                            std::pair{"yes", stratus::virt::IommufdMode::kYes},
                            std::pair{"no", stratus::virt::IommufdMode::kNo}}) {
    auto ini = IniConfig::parse(std::string("[pci]\niommufd = ") + text + "\n", "c.conf");
    REQUIRE(ini.ok());
    auto config = pciConfigFrom(*ini);
    REQUIRE(config.ok());
    CHECK(config->iommufd == mode);
  }
  auto ini = IniConfig::parse("[pci]\niommufd = on\n", "c.conf");
  REQUIRE(ini.ok());
  auto bad = pciConfigFrom(*ini);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == stratus::ErrorCode::kInvalidArgument);
  CHECK(bad.error().message == "[pci] iommufd='on' is invalid; allowed: auto, yes, no");
}

TEST_CASE("[pci] reads repeated lines, refuses unknown keys and a name defined twice") {
  auto ini = IniConfig::parse(
      "[pci]\n"
      R"(device_spec = {"vendor_id": "8086", "product_id": "10ca"})"
      "\n"
      R"(device_spec = {"address": "0000:02:00.0"})"
      "\n"
      R"(alias = {"name": "vf", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF"})"
      "\n"
      R"(alias = {"name": "e1000e", "vendor_id": "8086", "product_id": "10d3"})"
      "\n",
      "pci.conf");
  REQUIRE(ini.ok());
  auto c = pciConfigFrom(*ini);
  REQUIRE(c.ok());
  CHECK(c->device_specs.size() == 2);
  CHECK(c->aliases.size() == 2);
  REQUIRE(c->alias("e1000e") != nullptr);
  CHECK(c->alias("e1000e")->resourceClass() == "CUSTOM_PCI_8086_10D3");
  CHECK(c->alias("gpu") == nullptr);

  auto twice = IniConfig::parse(
      "[pci]\n"
      R"(alias = {"name": "nic", "vendor_id": "8086", "product_id": "10ca"})"
      "\n"
      R"(alias = {"name": "nic", "vendor_id": "8086", "product_id": "10d3"})"
      "\n",
      "twice.conf");
  REQUIRE(twice.ok());
  auto t = pciConfigFrom(*twice);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message ==
        R"([pci] alias='{"name": "nic", "vendor_id": "8086", "product_id": "10d3"}' is invalid: )"
        R"(alias "nic" is already defined by {"name": "nic", "vendor_id": "8086", "product_id": )"
        R"("10ca"}; allowed: each alias name once)");

  auto unknown = IniConfig::parse("[pci]\npassthrough_whitelist = {}\n", "old.conf");
  REQUIRE(unknown.ok());
  auto u = pciConfigFrom(*unknown);
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().message ==
        "[pci] passthrough_whitelist='{}' is invalid: unknown setting; allowed: device_spec, "
        "alias, iommufd");
  // No [pci] at all: nothing is passed through.
  auto none = pciConfigFrom(IniConfig());
  REQUIRE(none.ok());
  CHECK(none->device_specs.empty());
}

TEST_CASE("a PF and its VFs both matched are refused against the host's devices") {
  REQUIRE_LAB_CAPTURE();
  auto devices = virt::testing::labHostDevices();
  PciConfig c;
  c.device_specs.push_back(spec(R"({"vendor_id": "8086", "product_id": "10c9"})"));
  c.device_specs.push_back(spec(R"({"vendor_id": "8086", "product_id": "10ca"})"));
  auto s = validateAgainstHost(c, devices);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        R"([pci] device_spec='{"vendor_id": "8086", "product_id": "10ca"}' is invalid: it )"
        R"(matches VF 0000:01:10.0 of PF 0000:01:00.0, which device_spec {"vendor_id": "8086", )"
        R"("product_id": "10c9"} matches; allowed: device specs that match either a PF or its )"
        "VFs, not both");
  PciConfig one;
  one.device_specs.push_back(spec(R"({"address": "0000:01:*.*"})"));
  auto s1 = validateAgainstHost(one, devices);
  REQUIRE_FALSE(s1.ok());
  CHECK(s1.error().message ==
        R"([pci] device_spec='{"address": "0000:01:*.*"}' is invalid: it matches VF )"
        "0000:01:10.0 of PF 0000:01:00.0, which it matches too; allowed: device specs that match "
        "either a PF or its VFs, not both");
}

TEST_CASE("VFs of one PF with different resource classes or traits are refused") {
  REQUIRE_LAB_CAPTURE();
  auto devices = virt::testing::labHostDevices();
  PciConfig rc;
  rc.device_specs.push_back(spec(R"({"address": "0000:01:10.0", "resource_class": "fast"})"));
  rc.device_specs.push_back(spec(R"({"address": "0000:01:10.2"})"));
  auto s = validateAgainstHost(rc, devices);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        R"([pci] device_spec='{"address": "0000:01:10.2"}' is invalid: VF 0000:01:10.2 gets )"
        "resource class CUSTOM_PCI_8086_10CA but VF 0000:01:10.0 of the same PF 0000:01:00.0 "
        R"(gets CUSTOM_FAST from device_spec {"address": "0000:01:10.0", "resource_class": )"
        R"("fast"}; a PF's VFs are counted by one provider; allowed: the same resource class )"
        "and traits for every VF of a PF");
  PciConfig traits;
  traits.device_specs.push_back(spec(R"({"address": "0000:01:10.0", "traits": "blue"})"));
  traits.device_specs.push_back(spec(R"({"address": "0000:01:10.2", "traits": "red"})"));
  auto t = validateAgainstHost(traits, devices);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message ==
        R"([pci] device_spec='{"address": "0000:01:10.2", "traits": "red"}' is invalid: VF )"
        "0000:01:10.2 gets other traits but VF 0000:01:10.0 of the same PF 0000:01:00.0 gets "
        R"(different ones from device_spec {"address": "0000:01:10.0", "traits": "blue"}; a )"
        "PF's VFs are counted by one provider; allowed: the same resource class and traits for "
        "every VF of a PF");
  // The same class and traits from two specs is fine.
  PciConfig same;
  same.device_specs.push_back(spec(R"({"address": "0000:01:10.0", "traits": "blue"})"));
  same.device_specs.push_back(spec(R"({"address": "0000:01:10.2", "traits": " Blue"})"));
  CHECK(validateAgainstHost(same, devices).ok());
}

TEST_CASE("remote_managed on a PF is refused") {
  REQUIRE_LAB_CAPTURE();
  auto devices = virt::testing::labHostDevices();
  PciConfig c;
  c.device_specs.push_back(spec(R"({"address": "0000:01:00.0", "remote_managed": "true"})"));
  auto s = validateAgainstHost(c, devices);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        R"([pci] device_spec='{"address": "0000:01:00.0", "remote_managed": "true"}' is )"
        "invalid: remote_managed is true but it matches PF 0000:01:00.0; allowed: "
        "remote_managed only on specs that match VFs");
  PciConfig vfs;
  vfs.device_specs.push_back(spec(R"({"address": "0000:01:10.*", "remote_managed": "true"})"));
  CHECK(validateAgainstHost(vfs, devices).ok());
}
