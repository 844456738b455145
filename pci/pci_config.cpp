#include "pci/pci_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "traits/catalog.h"
#include "traits/resource_classes.h"

namespace stratus::pci {

using nlohmann::json;
using virt::PciDeviceFacts;
using virt::PciDevType;

namespace {

constexpr std::array<std::string_view, 12> kSpecKeys = {
    "vendor_id",        "product_id",     "address",        "devname",
    "physical_network", "remote_managed", "trusted",        "managed",
    "live_migratable",  "one_time_use",   "resource_class", "traits"};
constexpr std::array<std::string_view, 7> kAliasKeys = {
    "name", "vendor_id", "product_id", "device_type", "numa_policy", "resource_class", "traits"};

constexpr std::string_view kAddressAllowed =
    "a glob [[[[DOMAIN]:]BUS]:][SLOT][.[FUNCTION]] of hexadecimal fields, each of them "
    "empty or * for any (domain at most ffff, bus ff, slot 1f, function 7), or an object of "
    "regular expressions with the keys domain, bus, slot, function";

template <std::size_t N>
std::string joined(const std::array<std::string_view, N>& items) {
  std::string out;
  for (auto i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

std::string jsonKind(const json& v) {
  if (v.is_number()) return "a JSON number";
  if (v.is_boolean()) return "a JSON boolean";
  if (v.is_null()) return "JSON null";
  if (v.is_array()) return "a JSON list";
  if (v.is_object()) return "a JSON object";
  return "a JSON string";
}

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

enum class HexResult { kOk, kNotHex, kOutOfRange };

HexResult parseHex(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty()) return HexResult::kNotHex;
  if (!std::all_of(s.begin(), s.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    return HexResult::kNotHex;
  }
  unsigned long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec == std::errc::result_out_of_range || v > max) return HexResult::kOutOfRange;
  if (ec != std::errc() || end != s.data() + s.size()) return HexResult::kNotHex;
  out = static_cast<unsigned>(v);
  return HexResult::kOk;
}

std::string hex(unsigned v, int width) {
  std::string out(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i, v >>= 4) {
    out[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xfU];
  }
  return out;
}

// One JSON object of one INI value, with the error shape every rule uses:
// "[pci] device_spec='<the whole value>' is invalid: <rule>; allowed: <what>".
class Fields {
 public:
  Fields(std::string_view key, std::string text, const json& obj)
      : key_(key), text_(std::move(text)), obj_(obj) {}

  Error fail(const std::string& why, std::string_view allowed) const {
    return Error::invalid(std::string(key_), text_, std::string(allowed), why);
  }
  const std::string& text() const { return text_; }
  const json& obj() const { return obj_; }

  template <std::size_t N>
  Status onlyKnown(const std::array<std::string_view, N>& known) const {
    for (const auto& [k, v] : obj_.items()) {
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        return fail("unknown key " + quote(k), joined(known));
      }
    }
    return okStatus();
  }

  // A string field; absent gives nullopt. Nova's tags are strings, so a number or a
  // boolean is refused rather than guessed at.
  Result<std::optional<std::string>> string(const char* name) const {
    auto it = obj_.find(name);
    if (it == obj_.end()) return std::optional<std::string>();
    if (!it->is_string()) {
      return fail(std::string(name) + " is " + jsonKind(*it) + " (" + it->dump() +
                      ") where a string belongs",
                  std::string("a JSON string, e.g. \"") + name + "\": " + example(name));
    }
    return std::optional<std::string>(it->get<std::string>());
  }

  // vendor_id / product_id: 1 to 4 hex digits (0x allowed), "*" for any where allowed.
  Result<std::optional<std::string>> id(const char* name, bool any_allowed) const {
    auto text = string(name);
    if (!text) return text.takeError();
    if (!*text) return std::optional<std::string>();
    const std::string& v = **text;
    if (any_allowed && v == "*") return std::optional<std::string>();
    std::string_view digits = v;
    if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
    const std::string allowed = std::string("1 to 4 hexadecimal digits (0 to ffff)") +
                                (any_allowed ? ", or * for any" : "");
    unsigned out = 0;
    switch (parseHex(digits, 0xFFFF, out)) {
      case HexResult::kNotHex:
        return fail(std::string(name) + " " + quote(v) + " is not hexadecimal", allowed);
      case HexResult::kOutOfRange:
        return fail(std::string(name) + " " + quote(v) + " is out of range", allowed);
      case HexResult::kOk:
        break;
    }
    return std::optional<std::string>(hex(out, 4));
  }

  Result<std::optional<bool>> boolean(const char* name) const {
    auto text = string(name);
    if (!text) return text.takeError();
    if (!*text) return std::optional<bool>();
    const std::string v = lower(**text);
    if (v == "true" || v == "yes") return std::optional<bool>(true);
    if (v == "false" || v == "no") return std::optional<bool>(false);
    return fail(std::string(name) + " " + quote(**text) + " is not a boolean",
                "true, false, yes, no");
  }

  Result<std::optional<std::string>> resourceClass() const {
    auto text = string("resource_class");
    if (!text) return text.takeError();
    if (!*text) return std::optional<std::string>();
    const std::string v = trim(**text);
    const std::string allowed =
        "a standard resource class (os-resource-classes) or any other name, which becomes "
        "CUSTOM_<NAME>";
    if (v.empty()) return fail("resource_class " + quote(**text) + " is empty", allowed);
    std::string rc = normaliseName(v, isStandardResourceClass);
    if (rc.size() > traits::kMaxTraitNameLength) {
      return fail("resource_class " + quote(**text) + " gives " + rc + ", longer than " +
                      std::to_string(traits::kMaxTraitNameLength) + " characters",
                  allowed);
    }
    return std::optional<std::string>(rc);
  }

  Result<std::vector<std::string>> traitList() const {
    auto text = string("traits");
    if (!text) return text.takeError();
    std::vector<std::string> out;
    if (!*text) return out;
    const std::string allowed =
        "a comma-separated list of standard traits (os-traits) or other names, which become "
        "CUSTOM_<NAME>";
    std::string_view rest = **text;
    while (true) {
      const auto comma = rest.find(',');
      const std::string item = trim(rest.substr(0, comma));
      if (item.empty()) return fail("traits " + quote(**text) + " has an empty item", allowed);
      std::string t = normaliseName(item, traits::isStandardTrait);
      // Normalised names are standard or CUSTOM_[A-Z0-9_]+; only the length can be wrong.
      if (t.size() > traits::kMaxTraitNameLength) {
        return fail("traits " + quote(**text) + " gives " + t + ", longer than " +
                        std::to_string(traits::kMaxTraitNameLength) + " characters",
                    allowed);
      }
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }

 private:
  static std::string example(std::string_view name) {
    if (name == "vendor_id") return "\"8086\"";
    if (name == "product_id") return "\"10ca\"";
    if (name == "remote_managed" || name == "trusted" || name == "one_time_use") return "\"true\"";
    if (name == "managed" || name == "live_migratable") return "\"yes\"";
    if (name == "traits") return "\"CUSTOM_BLUE,HW_NIC_SRIOV\"";
    if (name == "numa_policy") return "\"required\"";
    if (name == "device_type") return "\"type-VF\"";
    return "\"name\"";
  }

  std::string_view key_;
  std::string text_;
  const json& obj_;
};

// Each field of a glob: empty or "*" any, else hex up to `max`.
Result<std::optional<unsigned>> globField(const Fields& f, const std::string& address,
                                          std::string_view field, const char* name, unsigned max) {
  if (field.empty() || field == "*") return std::optional<unsigned>();
  unsigned out = 0;
  switch (parseHex(field, max, out)) {
    case HexResult::kNotHex:
      return f.fail(
          "address " + quote(address) + ": " + name + " " + quote(field) + " is not hexadecimal",
          kAddressAllowed);
    case HexResult::kOutOfRange:
      return f.fail("address " + quote(address) + ": " + name + " " + quote(field) +
                        " is above the maximum " +
                        hex(max, max > 0xFF  ? 4
                                 : max > 0xF ? 2
                                             : 1),
                    kAddressAllowed);
    case HexResult::kOk:
      break;
  }
  return std::optional<unsigned>(out);
}

Result<AddressGlob> parseGlob(const Fields& f, const std::string& address) {
  // Nova's PciAddressGlobSpec: the function after '.', then up to three ':' fields
  // filled from the right (slot, bus, domain).
  std::string_view dbs = address;
  std::string_view function = "*";
  if (auto dot = dbs.find('.'); dot != std::string_view::npos) {
    function = dbs.substr(dot + 1);
    dbs = dbs.substr(0, dot);
  }
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto colon = dbs.find(':', start);
    parts.push_back(dbs.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) {
    return f.fail("address " + quote(address) + " has more than three ':' fields", kAddressAllowed);
  }
  while (parts.size() < 3) parts.insert(parts.begin(), "*");
  AddressGlob g;
  auto d = globField(f, address, parts[0], "domain", kMaxDomain);
  if (!d) return d.takeError();
  auto b = globField(f, address, parts[1], "bus", kMaxBus);
  if (!b) return b.takeError();
  auto s = globField(f, address, parts[2], "slot", kMaxSlot);
  if (!s) return s.takeError();
  auto fn = globField(f, address, function, "function", kMaxFunction);
  if (!fn) return fn.takeError();
  g.domain = *d;
  g.bus = *b;
  g.slot = *s;
  g.function = *fn;
  return g;
}

Result<AddressRegex> parseRegex(const Fields& f, const json& obj) {
  constexpr std::array<std::string_view, 4> kKeys = {"domain", "bus", "slot", "function"};
  AddressRegex r;
  for (const auto& [k, v] : obj.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
      return f.fail("address has unknown key " + quote(k), kAddressAllowed);
    }
    if (!v.is_string()) {
      return f.fail(
          "address " + k + " is " + jsonKind(v) + " (" + v.dump() + ") where a string belongs",
          kAddressAllowed);
    }
    const std::string pattern = v.get<std::string>();
    try {
      std::regex check(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return f.fail("address " + k + " " + quote(pattern) + " is not a valid regular expression",
                    kAddressAllowed);
    }
    (k == "domain" ? r.domain : k == "bus" ? r.bus : k == "slot" ? r.slot : r.function) = pattern;
  }
  return r;
}

template <typename T>
Result<std::vector<T>> eachObject(std::string_view key, std::string_view text,
                                  Result<T> (*one)(const Fields&)) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string example = key == kDeviceSpecKey
                                  ? R"({"vendor_id": "8086", "product_id": "10ca"})"
                                  : R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca"})";
  if (doc.is_discarded()) {
    return Error::invalid(std::string(key), std::string(text),
                          "a JSON object such as " + example + ", or a JSON list of them",
                          "not valid JSON");
  }
  std::vector<json> objects;
  if (doc.is_array()) {
    objects.assign(doc.begin(), doc.end());
  } else {
    objects.push_back(doc);
  }
  if (objects.empty()) {
    return Error::invalid(std::string(key), std::string(text), "at least one JSON object",
                          "the list is empty");
  }
  std::vector<T> out;
  for (const auto& obj : objects) {
    const std::string one_text = doc.is_array() ? obj.dump() : std::string(text);
    if (!obj.is_object()) {
      return Error::invalid(std::string(key), std::string(text),
                            "a JSON object such as " + example + ", or a JSON list of them",
                            "it is " + jsonKind(obj) + ", not an object");
    }
    auto parsed = one(Fields(key, one_text, obj));
    if (!parsed) return parsed.takeError();
    out.push_back(std::move(*parsed));
  }
  return out;
}

Result<DeviceSpec> oneDeviceSpec(const Fields& f) {
  STRATUS_RETURN_IF_ERROR(f.onlyKnown(kSpecKeys));
  DeviceSpec s;
  s.text = f.text();
  if (f.obj().contains("devname")) {
    return f.fail(
        "devname is not supported: Stratus always reports PCI devices to placement, which "
        "tracks them by address",
        "vendor_id and product_id, or address, instead of devname");
  }
  auto vendor = f.id("vendor_id", true);
  if (!vendor) return vendor.takeError();
  s.vendor_id = *vendor;
  auto product = f.id("product_id", true);
  if (!product) return product.takeError();
  s.product_id = *product;
  if (auto it = f.obj().find("address"); it != f.obj().end()) {
    if (it->is_string()) {
      auto g = parseGlob(f, it->get<std::string>());
      if (!g) return g.takeError();
      s.address = *g;
    } else if (it->is_object()) {
      auto r = parseRegex(f, *it);
      if (!r) return r.takeError();
      s.address = *r;
    } else {
      return f.fail("address is " + jsonKind(*it) + " (" + it->dump() +
                        ") where a string or an object belongs",
                    kAddressAllowed);
    }
  }
  if (!f.obj().contains("vendor_id") && !f.obj().contains("product_id") &&
      !f.obj().contains("address")) {
    return f.fail("it names no device", "vendor_id and product_id, or address, or both");
  }
  auto net = f.string("physical_network");
  if (!net) return net.takeError();
  s.physical_network = *net;
  auto remote = f.boolean("remote_managed");
  if (!remote) return remote.takeError();
  s.remote_managed = remote->value_or(false);
  auto trusted = f.boolean("trusted");
  if (!trusted) return trusted.takeError();
  s.trusted = *trusted;
  auto managed = f.boolean("managed");
  if (!managed) return managed.takeError();
  s.managed = managed->value_or(true);
  auto live = f.boolean("live_migratable");
  if (!live) return live.takeError();
  s.live_migratable = *live;
  auto once = f.boolean("one_time_use");
  if (!once) return once.takeError();
  s.one_time_use = once->value_or(false);
  auto rc = f.resourceClass();
  if (!rc) return rc.takeError();
  s.resource_class = *rc;
  auto t = f.traitList();
  if (!t) return t.takeError();
  s.traits = std::move(*t);
  return s;
}

Result<Alias> oneAlias(const Fields& f) {
  STRATUS_RETURN_IF_ERROR(f.onlyKnown(kAliasKeys));
  Alias a;
  a.text = f.text();
  auto name = f.string("name");
  if (!name) return name.takeError();
  if (!*name || trim(**name).empty()) {
    return f.fail("it has no name", "an object with \"name\", e.g. \"name\": \"nic\"");
  }
  a.name = trim(**name);
  auto vendor = f.id("vendor_id", false);
  if (!vendor) return vendor.takeError();
  a.vendor_id = *vendor;
  auto product = f.id("product_id", false);
  if (!product) return product.takeError();
  a.product_id = *product;
  auto type = f.string("device_type");
  if (!type) return type.takeError();
  if (*type) {
    if (**type == "type-PCI") {
      a.device_type = PciDevType::kPci;
    } else if (**type == "type-PF") {
      a.device_type = PciDevType::kPf;
    } else if (**type == "type-VF") {
      a.device_type = PciDevType::kVf;
    } else {
      return f.fail("device_type " + quote(**type) + " is not a PCI device type",
                    "type-PCI, type-PF, type-VF");
    }
  }
  auto policy = f.string("numa_policy");
  if (!policy) return policy.takeError();
  if (*policy) {
    auto p = parseNumaPolicy(**policy, "numa_policy");
    if (!p)
      return f.fail("numa_policy " + quote(**policy) + " is not a NUMA policy",
                    "required, legacy, preferred, socket");
    a.numa_policy = *p;
  }
  auto rc = f.resourceClass();
  if (!rc) return rc.takeError();
  a.resource_class = *rc;
  auto t = f.traitList();
  if (!t) return t.takeError();
  a.traits = std::move(*t);
  if (!a.resource_class && (!a.vendor_id || !a.product_id)) {
    return f.fail(
        "it names no resource class: placement needs resource_class, or both "
        "vendor_id and product_id (for CUSTOM_PCI_<VENDOR>_<PRODUCT>)",
        "resource_class, or vendor_id and product_id");
  }
  return a;
}

bool fieldMatches(const std::optional<std::string>& pattern, const std::string& value) {
  return !pattern || std::regex_match(value, std::regex(*pattern, std::regex::ECMAScript));
}

bool fieldMatches(const std::optional<unsigned>& want, unsigned value) {
  return !want || *want == value;
}

// "0000:01:10.2" -> its four numbers; the facts hold only well-formed addresses.
std::array<unsigned, 4> addressParts(const std::string& a) {
  std::array<unsigned, 4> out{};
  unsigned v = 0;
  parseHex(std::string_view(a).substr(0, 4), 0xFFFF, v);
  out[0] = v;
  parseHex(std::string_view(a).substr(5, 2), 0xFF, v);
  out[1] = v;
  parseHex(std::string_view(a).substr(8, 2), 0xFF, v);
  out[2] = v;
  parseHex(std::string_view(a).substr(11, 1), 0xF, v);
  out[3] = v;
  return out;
}

}  // namespace

std::string normaliseName(std::string_view name, bool (*is_standard)(std::string_view)) {
  std::string out;
  bool in_run = false;
  for (char c : name) {
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if ((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_') {
      out += u;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  if (is_standard(out)) return out;
  if (out.starts_with(traits::kCustomPrefix) && out.size() > traits::kCustomPrefix.size()) {
    return out;
  }
  return std::string(traits::kCustomPrefix) + out;
}

bool isStandardResourceClass(std::string_view name) {
  return traits::isStandardResourceClass(name);
}

std::string defaultResourceClass(std::string_view vendor_id, std::string_view product_id) {
  // nova/compute/pci_placement_translator.py names it CUSTOM_PCI_{vendor}_{product}.
  std::string out = "CUSTOM_PCI_" + std::string(vendor_id) + "_" + std::string(product_id);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string_view numaPolicyName(NumaPolicy policy) {
  switch (policy) {
    case NumaPolicy::kRequired:
      return "required";
    case NumaPolicy::kPreferred:
      return "preferred";
    case NumaPolicy::kSocket:
      return "socket";
    case NumaPolicy::kLegacy:
      break;
  }
  return "legacy";
}

Result<NumaPolicy> parseNumaPolicy(std::string_view text, std::string_view key) {
  for (auto p :
       {NumaPolicy::kRequired, NumaPolicy::kLegacy, NumaPolicy::kPreferred, NumaPolicy::kSocket}) {
    if (text == numaPolicyName(p)) return p;
  }
  return Error::invalid(std::string(key), std::string(text), "required, legacy, preferred, socket");
}

bool DeviceSpec::matches(const PciDeviceFacts& d) const {
  if (vendor_id && *vendor_id != d.vendor_id) return false;
  if (product_id && *product_id != d.product_id) return false;
  if (const auto* g = std::get_if<AddressGlob>(&address)) {
    const auto p = addressParts(d.address);
    return fieldMatches(g->domain, p[0]) && fieldMatches(g->bus, p[1]) &&
           fieldMatches(g->slot, p[2]) && fieldMatches(g->function, p[3]);
  }
  if (const auto* r = std::get_if<AddressRegex>(&address)) {
    const std::string& a = d.address;
    return fieldMatches(r->domain, a.substr(0, 4)) && fieldMatches(r->bus, a.substr(5, 2)) &&
           fieldMatches(r->slot, a.substr(8, 2)) && fieldMatches(r->function, a.substr(11, 1));
  }
  return true;
}

std::vector<std::string> DeviceSpec::tags() const {
  auto yes = [](bool b) { return std::string(b ? "true" : "false"); };
  std::vector<std::string> out;
  if (physical_network) out.push_back("physical_network=" + *physical_network);
  if (remote_managed) out.push_back("remote_managed=true");
  if (trusted) out.push_back("trusted=" + yes(*trusted));
  out.push_back(std::string("managed=") + (managed ? "yes" : "no"));
  if (live_migratable)
    out.push_back(std::string("live_migratable=") + (*live_migratable ? "yes" : "no"));
  if (one_time_use) out.push_back("one_time_use=true");
  if (resource_class) out.push_back("resource_class=" + *resource_class);
  if (!traits.empty()) {
    std::string t;
    for (const auto& x : traits) t += (t.empty() ? "" : ",") + x;
    out.push_back("traits=" + t);
  }
  return out;
}

std::string Alias::resourceClass() const {
  if (resource_class) return *resource_class;
  return defaultResourceClass(vendor_id.value_or(""), product_id.value_or(""));
}

const DeviceSpec* PciConfig::specFor(const PciDeviceFacts& device) const {
  for (const auto& s : device_specs) {
    if (s.matches(device)) return &s;
  }
  return nullptr;
}

const Alias* PciConfig::alias(std::string_view name) const {
  for (const auto& a : aliases) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Result<std::vector<DeviceSpec>> parseDeviceSpec(std::string_view text) {
  return eachObject<DeviceSpec>(kDeviceSpecKey, text, oneDeviceSpec);
}

Result<std::vector<Alias>> parseAlias(std::string_view text) {
  return eachObject<Alias>(kAliasKey, text, oneAlias);
}

Result<PciConfig> pciConfigFrom(const IniConfig& ini) {
  STRATUS_RETURN_IF_ERROR(requireKnownKeys(ini, "pci", {"device_spec", "alias", "iommufd"}));
  PciConfig config;
  if (auto mode = ini.get("pci", "iommufd")) {
    auto parsed = virt::parseIommufdMode(*mode, kIommufdKey);
    if (!parsed) return parsed.takeError();
    config.iommufd = *parsed;
  }
  for (const auto& line : ini.getAll("pci", "device_spec")) {
    auto specs = parseDeviceSpec(line);
    if (!specs) return specs.takeError();
    for (auto& s : *specs) config.device_specs.push_back(std::move(s));
  }
  for (const auto& line : ini.getAll("pci", "alias")) {
    auto aliases = parseAlias(line);
    if (!aliases) return aliases.takeError();
    for (auto& a : *aliases) {
      // Nova merges same-named aliases into alternatives; Stratus asks placement for one
      // resource class per alias, so a name means one thing.
      if (const Alias* first = config.alias(a.name)) {
        return Error::invalid(std::string(kAliasKey), a.text, "each alias name once",
                              "alias " + quote(a.name) + " is already defined by " + first->text);
      }
      config.aliases.push_back(std::move(a));
    }
  }
  return config;
}

Status validateAgainstHost(const PciConfig& config, const std::vector<PciDeviceFacts>& devices) {
  const std::string key(kDeviceSpecKey);
  // The first VF seen per PF, with its spec, to compare the others against.
  std::map<std::string, std::pair<const PciDeviceFacts*, const DeviceSpec*>> first_vf;
  for (const auto& d : devices) {
    const DeviceSpec* spec = config.specFor(d);
    if (spec == nullptr) continue;
    if (d.dev_type == PciDevType::kPf && spec->remote_managed) {
      return Error::invalid(key, spec->text, "remote_managed only on specs that match VFs",
                            "remote_managed is true but it matches PF " + d.address);
    }
    if (d.dev_type != PciDevType::kVf || !d.parent_addr) continue;
    if (const auto* pf = virt::findPciDevice(devices, *d.parent_addr)) {
      if (const DeviceSpec* pf_spec = config.specFor(*pf)) {
        return Error::invalid(key, spec->text,
                              "device specs that match either a PF or its VFs, not both",
                              "it matches VF " + d.address + " of PF " + pf->address + ", which " +
                                  (pf_spec == spec ? std::string("it matches too")
                                                   : "device_spec " + pf_spec->text + " matches"));
      }
    }
    auto [it, inserted] = first_vf.emplace(*d.parent_addr, std::make_pair(&d, spec));
    if (inserted) continue;
    const auto& [other, other_spec] = it->second;
    const std::string rc =
        spec->resource_class.value_or(defaultResourceClass(d.vendor_id, d.product_id));
    const std::string other_rc = other_spec->resource_class.value_or(
        defaultResourceClass(other->vendor_id, other->product_id));
    std::set<std::string> t(spec->traits.begin(), spec->traits.end());
    std::set<std::string> other_t(other_spec->traits.begin(), other_spec->traits.end());
    if (rc != other_rc || t != other_t) {
      return Error::invalid(
          key, spec->text, "the same resource class and traits for every VF of a PF",
          "VF " + d.address + " gets " +
              (rc != other_rc ? "resource class " + rc : "other traits") + " but VF " +
              other->address + " of the same PF " + *d.parent_addr + " gets " +
              (rc != other_rc ? other_rc : "different ones") + " from device_spec " +
              other_spec->text + "; a PF's VFs are counted by one provider");
    }
  }
  return okStatus();
}

}  // namespace stratus::pci
