#include "virt/host_facts.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace stratus::virt {

using nlohmann::json;

std::string_view virtTypeName(VirtType type) {
  return type == VirtType::kKvm ? "kvm" : "qemu";
}

bool GuestArchFacts::hasDomainType(std::string_view type) const {
  return std::find(domain_types.begin(), domain_types.end(), type) != domain_types.end();
}

bool GuestArchFacts::hasMachine(std::string_view machine) const {
  return std::find(machines.begin(), machines.end(), machine) != machines.end();
}

const IommuUnitFacts* IommuFacts::unitCaps(std::string_view name) const {
  for (const auto& u : unit_caps) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

Version HostFacts::qemuVersionFor(std::string_view name) const {
  const GuestArchFacts* g = guest(name);
  return g != nullptr && g->qemu_version ? *g->qemu_version : qemu_version;
}

const GuestArchFacts* HostFacts::guest(std::string_view name) const {
  for (const auto& g : guests) {
    if (g.arch == name) return &g;
  }
  return nullptr;
}

bool HostFacts::runsArch(std::string_view name) const {
  const auto* g = guest(name);
  return g != nullptr && g->hasDomainType(virtTypeName(virt_type));
}

std::vector<std::string> HostFacts::runnableArches() const {
  std::vector<std::string> out;
  for (const auto& g : guests) {
    if (runsArch(g.arch)) out.push_back(g.arch);
  }
  return out;
}

unsigned HostFacts::cpuCount() const {
  std::size_t n = 0;
  for (const auto& c : numa_cells) n += c.cpus.size();
  return static_cast<unsigned>(n);
}

std::uint64_t HostFacts::memoryKib() const {
  std::uint64_t n = 0;
  for (const auto& c : numa_cells) n += c.memory_kib;
  return n;
}

json hostFactsToJson(const HostFacts& f) {
  json guests = json::array();
  for (const auto& g : f.guests) {
    json guest = {{"arch", g.arch},
                  {"domain_types", g.domain_types},
                  {"machines", g.machines},
                  {"uefi", g.uefi}};
    if (g.qemu_version) guest["qemu_version"] = g.qemu_version->str();
    if (g.vcpu_max) guest["vcpu_max"] = *g.vcpu_max;
    if (g.hostdev_pci_backends) guest["hostdev_pci_backends"] = *g.hostdev_pci_backends;
    if (g.hostdev_iommufd) guest["hostdev_iommufd"] = *g.hostdev_iommufd;
    guests.push_back(std::move(guest));
  }
  json cells = json::array();
  for (const auto& c : f.numa_cells) {
    json pages = json::array();
    for (const auto& p : c.pages) {
      pages.push_back({{"size_kib", p.size_kib}, {"total", p.total}, {"free", p.free}});
    }
    json cell = {{"id", c.id}, {"cpus", c.cpus}, {"memory_kib", c.memory_kib}, {"pages", pages}};
    if (c.socket_id) cell["socket_id"] = *c.socket_id;
    cells.push_back(std::move(cell));
  }
  json unit_caps = json::array();
  for (const auto& u : f.iommu.unit_caps) {
    json unit = {
        {"name", u.name}, {"driver", u.driver}, {"nesting", nullptr}, {"dirty_tracking", nullptr}};
    if (u.nesting) unit["nesting"] = *u.nesting;
    if (u.dirty_tracking) unit["dirty_tracking"] = *u.dirty_tracking;
    if (u.ats) unit["ats"] = *u.ats;
    if (u.ril) unit["ril"] = *u.ril;
    if (u.ssid_bits) unit["ssid_bits"] = *u.ssid_bits;
    if (u.oas_bits) unit["oas_bits"] = *u.oas_bits;
    unit_caps.push_back(std::move(unit));
  }
  return {{"hostname", f.hostname},
          {"arch", f.arch},
          {"libvirt_version", f.libvirt_version.str()},
          {"qemu_version", f.qemu_version.str()},
          {"virt_type", virtTypeName(f.virt_type)},
          {"guests", guests},
          {"numa_cells", cells},
          {"iommu",
           {{"dev_iommu", f.iommu.dev_iommu},
            {"vfio_cdev", f.iommu.vfio_cdev},
            {"units", f.iommu.units},
            {"kernel_version", f.iommu.kernel_version},
            {"unit_caps", unit_caps}}},
          {"pci_devices", pciDevicesToJson(f.pci_devices)}};
}

namespace {

// Reads one field with its type checked; the path in errors is the JSON path.
class Reader {
 public:
  Reader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  template <typename T>
  Status get(const char* name, T& out) const {
    std::string where = path_.empty() ? name : path_ + "." + name;
    if (!obj_.is_object() || !obj_.contains(name)) {
      return Error::invalid(where, "(missing)", "a value of the right type", "field is required");
    }
    const json& v = obj_.at(name);
    try {
      out = v.get<T>();
    } catch (const json::exception&) {
      return Error::invalid(where, v.dump(), expectedType<T>(), "wrong type");
    }
    return okStatus();
  }

  const json& at(const char* name) const { return obj_.at(name); }
  std::string path(const char* name) const { return path_.empty() ? name : path_ + "." + name; }

 private:
  template <typename T>
  static std::string expectedType() {
    if constexpr (std::is_same_v<T, bool>)
      return "true or false";
    else if constexpr (std::is_same_v<T, std::string>)
      return "a string";
    else if constexpr (std::is_integral_v<T>)
      return "a whole number";
    else
      return "a list";
  }

  const json& obj_;
  std::string path_;
};

// The SMMUv3 size fields, each only the values its IDR field can encode (the Linux
// driver's decoding, drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h).
Status readSmmuSizes(const json& obj, const Reader& u, IommuUnitFacts& unit) {
  if (obj.contains("ssid_bits") && !obj.at("ssid_bits").is_null()) {
    int bits = 0;
    STRATUS_RETURN_IF_ERROR(u.get("ssid_bits", bits));
    if (bits < 0 || bits > 20) {
      return Error::invalid(u.path("ssid_bits"), std::to_string(bits), "0 to 20");
    }
    unit.ssid_bits = static_cast<unsigned>(bits);
  }
  if (obj.contains("oas_bits") && !obj.at("oas_bits").is_null()) {
    int bits = 0;
    STRATUS_RETURN_IF_ERROR(u.get("oas_bits", bits));
    constexpr int kOas[] = {32, 36, 40, 42, 44, 48, 52};
    if (std::find(std::begin(kOas), std::end(kOas), bits) == std::end(kOas)) {
      return Error::invalid(u.path("oas_bits"), std::to_string(bits),
                            "32, 36, 40, 42, 44, 48 or 52");
    }
    unit.oas_bits = static_cast<unsigned>(bits);
  }
  return okStatus();
}

Result<HostFacts> parse(const json& doc) {
  HostFacts f;
  Reader r(doc, "");
  if (!doc.is_object()) {
    return Error::invalid("host facts", doc.dump().substr(0, 80), "a JSON object");
  }
  STRATUS_RETURN_IF_ERROR(r.get("hostname", f.hostname));
  STRATUS_RETURN_IF_ERROR(r.get("arch", f.arch));
  std::string text;
  STRATUS_RETURN_IF_ERROR(r.get("libvirt_version", text));
  auto lv = Version::parse(text, "libvirt_version");
  if (!lv) return lv.takeError();
  f.libvirt_version = *lv;
  STRATUS_RETURN_IF_ERROR(r.get("qemu_version", text));
  auto qv = Version::parse(text, "qemu_version");
  if (!qv) return qv.takeError();
  f.qemu_version = *qv;
  STRATUS_RETURN_IF_ERROR(r.get("virt_type", text));
  if (text == "kvm") {
    f.virt_type = VirtType::kKvm;
  } else if (text == "qemu") {
    f.virt_type = VirtType::kQemu;
  } else {
    return Error::invalid("virt_type", text, "kvm, qemu");
  }

  json guests;
  STRATUS_RETURN_IF_ERROR(r.get("guests", guests));
  if (!guests.is_array()) return Error::invalid("guests", guests.dump(), "a list");
  for (std::size_t i = 0; i < guests.size(); ++i) {
    Reader g(guests[i], "guests[" + std::to_string(i) + "]");
    GuestArchFacts ga;
    STRATUS_RETURN_IF_ERROR(g.get("arch", ga.arch));
    STRATUS_RETURN_IF_ERROR(g.get("domain_types", ga.domain_types));
    STRATUS_RETURN_IF_ERROR(g.get("machines", ga.machines));
    STRATUS_RETURN_IF_ERROR(g.get("uefi", ga.uefi));
    for (const auto& t : ga.domain_types) {
      if (t != "kvm" && t != "qemu") {
        return Error::invalid(g.path("domain_types"), t, "kvm, qemu");
      }
    }
    // Optional: documents captured before these were recorded have none.
    if (guests[i].contains("qemu_version")) {
      std::string v;
      STRATUS_RETURN_IF_ERROR(g.get("qemu_version", v));
      auto parsed = Version::parse(v, g.path("qemu_version"));
      if (!parsed) return parsed.takeError();
      ga.qemu_version = *parsed;
    }
    if (guests[i].contains("vcpu_max")) {
      unsigned max = 0;
      STRATUS_RETURN_IF_ERROR(g.get("vcpu_max", max));
      if (max == 0) return Error::invalid(g.path("vcpu_max"), "0", "a vCPU count above 0");
      ga.vcpu_max = max;
    }
    for (auto [key, field] : {std::pair{"hostdev_pci_backends", &ga.hostdev_pci_backends},
                              std::pair{"hostdev_iommufd", &ga.hostdev_iommufd}}) {
      if (!guests[i].contains(key)) continue;
      std::vector<std::string> values;
      STRATUS_RETURN_IF_ERROR(g.get(key, values));
      *field = std::move(values);
    }
    f.guests.push_back(std::move(ga));
  }

  json cells;
  STRATUS_RETURN_IF_ERROR(r.get("numa_cells", cells));
  if (!cells.is_array()) return Error::invalid("numa_cells", cells.dump(), "a list");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    Reader c(cells[i], "numa_cells[" + std::to_string(i) + "]");
    NumaCellFacts cell;
    STRATUS_RETURN_IF_ERROR(c.get("id", cell.id));
    STRATUS_RETURN_IF_ERROR(c.get("cpus", cell.cpus));
    STRATUS_RETURN_IF_ERROR(c.get("memory_kib", cell.memory_kib));
    if (cells[i].contains("socket_id")) {
      int socket = 0;
      STRATUS_RETURN_IF_ERROR(c.get("socket_id", socket));
      cell.socket_id = socket;
    }
    json pages;
    STRATUS_RETURN_IF_ERROR(c.get("pages", pages));
    if (!pages.is_array()) return Error::invalid(c.path("pages"), pages.dump(), "a list");
    for (std::size_t j = 0; j < pages.size(); ++j) {
      Reader p(pages[j], c.path("pages") + "[" + std::to_string(j) + "]");
      PageFacts pf;
      STRATUS_RETURN_IF_ERROR(p.get("size_kib", pf.size_kib));
      STRATUS_RETURN_IF_ERROR(p.get("total", pf.total));
      STRATUS_RETURN_IF_ERROR(p.get("free", pf.free));
      if (pf.size_kib == 0) return Error::invalid(p.path("size_kib"), "0", "a page size above 0");
      if (pf.free > pf.total) {
        return Error::invalid(p.path("free"), std::to_string(pf.free),
                              "at most total (" + std::to_string(pf.total) + ")");
      }
      cell.pages.push_back(pf);
    }
    f.numa_cells.push_back(std::move(cell));
  }

  json iommu;
  STRATUS_RETURN_IF_ERROR(r.get("iommu", iommu));
  Reader io(iommu, "iommu");
  STRATUS_RETURN_IF_ERROR(io.get("dev_iommu", f.iommu.dev_iommu));
  STRATUS_RETURN_IF_ERROR(io.get("vfio_cdev", f.iommu.vfio_cdev));
  STRATUS_RETURN_IF_ERROR(io.get("units", f.iommu.units));
  STRATUS_RETURN_IF_ERROR(io.get("kernel_version", f.iommu.kernel_version));
  if (iommu.contains("unit_caps")) {
    const json& units = iommu.at("unit_caps");
    if (!units.is_array()) return Error::invalid("iommu.unit_caps", units.dump(), "a list");
    for (std::size_t i = 0; i < units.size(); ++i) {
      Reader u(units[i], "iommu.unit_caps[" + std::to_string(i) + "]");
      IommuUnitFacts unit;
      STRATUS_RETURN_IF_ERROR(u.get("name", unit.name));
      STRATUS_RETURN_IF_ERROR(u.get("driver", unit.driver));
      for (auto [key, field] :
           {std::pair{"nesting", &unit.nesting}, std::pair{"dirty_tracking", &unit.dirty_tracking},
            std::pair{"ats", &unit.ats}, std::pair{"ril", &unit.ril}}) {
        if (!units[i].contains(key) || units[i].at(key).is_null()) continue;
        bool value = false;
        STRATUS_RETURN_IF_ERROR(u.get(key, value));
        *field = value;
      }
      STRATUS_RETURN_IF_ERROR(readSmmuSizes(units[i], u, unit));
      if (unit.name.empty()) return Error::invalid(u.path("name"), "", "an IOMMU unit name");
      f.iommu.unit_caps.push_back(std::move(unit));
    }
  }
  // Optional: facts captured before PCI devices were probed have no such key.
  if (doc.contains("pci_devices")) {
    auto pci = pciDevicesFromJson(doc.at("pci_devices"));
    if (!pci) return pci.takeError();
    f.pci_devices = std::move(*pci);
  }
  return f;
}

}  // namespace

Result<HostFacts> hostFactsFromJson(const json& doc) {
  return parse(doc);
}

Result<HostFacts> hostFactsFromText(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Error::invalid("host facts", source, "a JSON host facts document", "not valid JSON");
  }
  return hostFactsFromJson(doc);
}

Result<HostFacts> loadHostFacts(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error::invalid("--host-facts", path, "a readable host facts JSON file",
                          "cannot open the file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return hostFactsFromText(text.str(), path);
}

}  // namespace stratus::virt
