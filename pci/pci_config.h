// The [pci] section: device_spec (which host devices guests may own, and their tags)
// and alias (the names flavors ask for), in Nova's JSON syntax (nova/conf/pci.py,
// doc/source/admin/pci-passthrough.rst). Pure: parsing and the host-free rules here,
// the rules that need the host's devices in validateAgainstHost.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ini_config.h"
#include "common/result.h"
#include "virt/iommufd_plan.h"
#include "virt/pci_facts.h"

namespace stratus::pci {

inline constexpr std::string_view kDeviceSpecKey = "[pci] device_spec";
inline constexpr std::string_view kAliasKey = "[pci] alias";
inline constexpr std::string_view kIommufdKey = "[pci] iommufd";

// The limits Nova and QEMU put on an address (nova/pci/utils.py MAX_DOMAIN, MAX_BUS,
// MAX_SLOT, MAX_FUNC).
inline constexpr unsigned kMaxDomain = 0xFFFF;
inline constexpr unsigned kMaxBus = 0xFF;
inline constexpr unsigned kMaxSlot = 0x1F;
inline constexpr unsigned kMaxFunction = 0x7;

// "0000:0a:00.*", "*:0a:00.1", "0a:00.": each field a hex number or any (empty, "*").
struct AddressGlob {
  std::optional<unsigned> domain, bus, slot, function;
};
// {"domain": "0000", "bus": "0a", "slot": "0[0-3]", "function": "[0-7]"}: each field an
// ECMAScript regular expression matched against the whole lower-case hex field
// (4, 2, 2 and 1 digits); an absent field matches anything.
struct AddressRegex {
  std::optional<std::string> domain, bus, slot, function;
};

struct DeviceSpec {
  std::string text;                      // the JSON object as given, for messages
  std::optional<std::string> vendor_id;  // 4 lower-case hex digits; absent or "*" = any
  std::optional<std::string> product_id;
  std::variant<std::monostate, AddressGlob, AddressRegex> address;
  std::optional<std::string> physical_network;
  bool remote_managed = false;
  std::optional<bool> trusted;
  bool managed = true;  // libvirt detaches and reattaches the device itself (managed='yes')
  std::optional<bool> live_migratable;
  bool one_time_use = false;
  std::optional<std::string> resource_class;  // normalised
  std::vector<std::string> traits;            // normalised, in the order given

  bool matches(const virt::PciDeviceFacts& device) const;
  // The tags as given after normalisation, "key=value", in Nova's key order.
  std::vector<std::string> tags() const;
};

enum class NumaPolicy { kRequired, kLegacy, kPreferred, kSocket };
std::string_view numaPolicyName(NumaPolicy policy);
// "required", "legacy", "preferred", "socket"; `key` names the setting in the error.
Result<NumaPolicy> parseNumaPolicy(std::string_view text, std::string_view key);

struct Alias {
  std::string text;
  std::string name;
  std::optional<std::string> vendor_id;  // 4 lower-case hex digits
  std::optional<std::string> product_id;
  std::optional<virt::PciDevType> device_type;
  NumaPolicy numa_policy = NumaPolicy::kLegacy;  // Nova's default
  std::optional<std::string> resource_class;     // normalised
  std::vector<std::string> traits;               // normalised

  // What placement is asked for: resource_class, else CUSTOM_PCI_<VENDOR>_<PRODUCT>.
  std::string resourceClass() const;
};

struct PciConfig {
  std::vector<DeviceSpec> device_specs;
  std::vector<Alias> aliases;
  // [pci] iommufd = auto|yes|no, once (virt/iommufd_plan.h says what each does).
  virt::IommufdMode iommufd = virt::IommufdMode::kAuto;

  // The first device_spec that matches the device (Nova takes the first as well).
  const DeviceSpec* specFor(const virt::PciDeviceFacts& device) const;
  const Alias* alias(std::string_view name) const;
};

// One INI value: a JSON object, or a JSON list of them (Nova reads both).
Result<std::vector<DeviceSpec>> parseDeviceSpec(std::string_view text);
Result<std::vector<Alias>> parseAlias(std::string_view text);
// Every [pci] key: device_spec and alias (each repeatable), iommufd (once), nothing else.
Result<PciConfig> pciConfigFrom(const IniConfig& ini);

// The rules that need the host's devices: a PF and any of its VFs both matched,
// the VFs of one PF matched with different resource classes or traits, and
// remote_managed on a PF. Errors are InvalidArgument naming [pci] device_spec.
Status validateAgainstHost(const PciConfig& config,
                           const std::vector<virt::PciDeviceFacts>& devices);

// Nova's normalisation (os_resource_classes.normalize_name, os_traits.normalize_name):
// upper case, each run of characters outside A-Z, 0-9 and _ becomes one _, and CUSTOM_
// goes in front unless the result is a standard name or already starts with CUSTOM_.
std::string normaliseName(std::string_view name, bool (*is_standard)(std::string_view));
bool isStandardResourceClass(std::string_view name);
// "CUSTOM_PCI_8086_10CA".
std::string defaultResourceClass(std::string_view vendor_id, std::string_view product_id);

}  // namespace stratus::pci
