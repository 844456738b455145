#include "virt/pci_facts.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace stratus::virt {

using nlohmann::json;

std::string_view pciDevTypeName(PciDevType type) {
  switch (type) {
    case PciDevType::kPf:
      return "type-PF";
    case PciDevType::kVf:
      return "type-VF";
    case PciDevType::kPci:
      break;
  }
  return "type-PCI";
}

std::string pciAddress(unsigned domain, unsigned bus, unsigned slot, unsigned function) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", domain & 0xffffU, bus & 0xffU, slot & 0x1fU,
                function & 0x7U);
  return buf;
}

namespace {

bool isLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool isLowerHexOf(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), isLowerHex);
}

template <typename T>
json orNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

bool isPciAddress(std::string_view t) {
  // dddd:bb:ss.f with the slot at most 0x1f and the function at most 7.
  if (t.size() != 12 || t[4] != ':' || t[7] != ':' || t[10] != '.') return false;
  if (!isLowerHexOf(t.substr(0, 4), 4) || !isLowerHexOf(t.substr(5, 2), 2) ||
      !isLowerHexOf(t.substr(8, 2), 2) || !(t[11] >= '0' && t[11] <= '7')) {
    return false;
  }
  return t[8] <= '1';
}

const PciDeviceFacts* findPciDevice(const std::vector<PciDeviceFacts>& devices,
                                    std::string_view address) {
  for (const auto& d : devices) {
    if (d.address == address) return &d;
  }
  return nullptr;
}

void linkSriovRelations(std::vector<PciDeviceFacts>& devices) {
  std::sort(devices.begin(), devices.end(),
            [](const PciDeviceFacts& a, const PciDeviceFacts& b) { return a.address < b.address; });
  for (const auto& vf : devices) {
    if (vf.dev_type != PciDevType::kVf || !vf.parent_addr) continue;
    for (auto& pf : devices) {
      if (pf.address != *vf.parent_addr || pf.dev_type != PciDevType::kPf) continue;
      if (std::find(pf.vfs.begin(), pf.vfs.end(), vf.address) == pf.vfs.end()) {
        pf.vfs.push_back(vf.address);
      }
    }
  }
  for (auto& d : devices) std::sort(d.vfs.begin(), d.vfs.end());
}

json pciDevicesToJson(const std::vector<PciDeviceFacts>& devices) {
  json out = json::array();
  for (const auto& d : devices) {
    out.push_back({{"address", d.address},
                   {"vendor_id", d.vendor_id},
                   {"product_id", d.product_id},
                   {"class", d.class_id},
                   {"dev_type", pciDevTypeName(d.dev_type)},
                   {"parent_addr", orNull(d.parent_addr)},
                   {"numa_node", orNull(d.numa_node)},
                   {"iommu_group", orNull(d.iommu_group)},
                   {"iommu_group_members", d.iommu_group_members},
                   {"driver", orNull(d.driver)},
                   {"vf_max", d.vf_max},
                   {"vfs", d.vfs},
                   {"iommu_unit", orNull(d.iommu_unit)},
                   {"vfio_cdev", orNull(d.vfio_cdev)}});
  }
  return out;
}

namespace {

class DeviceReader {
 public:
  DeviceReader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  std::string where(const char* name) const { return path_ + "." + name; }

  Status string(const char* name, std::string& out) const {
    const json* v = find(name);
    if (v == nullptr || !v->is_string()) return wrong(name, v, "a string");
    out = v->get<std::string>();
    return okStatus();
  }
  Status optString(const char* name, std::optional<std::string>& out) const {
    const json* v = find(name);
    if (v == nullptr || v->is_null()) return okStatus();
    if (!v->is_string()) return wrong(name, v, "a string or null");
    out = v->get<std::string>();
    return okStatus();
  }
  Status optInt(const char* name, std::optional<int>& out) const {
    const json* v = find(name);
    if (v == nullptr || v->is_null()) return okStatus();
    if (!v->is_number_integer()) return wrong(name, v, "a whole number or null");
    out = v->get<int>();
    return okStatus();
  }
  Status integer(const char* name, int& out) const {
    const json* v = find(name);
    if (v == nullptr) return okStatus();  // vf_max: 0 unless a PF says otherwise
    if (!v->is_number_integer() || v->get<long long>() < 0) {
      return wrong(name, v, "a whole number of at least 0");
    }
    out = v->get<int>();
    return okStatus();
  }
  Status strings(const char* name, std::vector<std::string>& out) const {
    const json* v = find(name);
    if (v == nullptr) return okStatus();
    if (!v->is_array()) return wrong(name, v, "a list of PCI addresses");
    for (const auto& item : *v) {
      if (!item.is_string() || !isPciAddress(item.get<std::string>())) {
        return Error::invalid(where(name), item.dump(), "PCI addresses like 0000:01:10.0");
      }
      out.push_back(item.get<std::string>());
    }
    return okStatus();
  }

 private:
  const json* find(const char* name) const {
    auto it = obj_.find(name);
    return it == obj_.end() ? nullptr : &*it;
  }
  Error wrong(const char* name, const json* v, const char* allowed) const {
    if (v == nullptr) {
      return Error::invalid(where(name), "(missing)", allowed, "field is required");
    }
    return Error::invalid(where(name), v->dump(), allowed, "wrong type");
  }

  const json& obj_;
  std::string path_;
};

Status checkHex(const DeviceReader& r, const char* name, const std::string& v, std::size_t n) {
  if (isLowerHexOf(v, n)) return okStatus();
  return Error::invalid(r.where(name), v,
                        std::to_string(n) + " lower-case hexadecimal digits without 0x");
}

}  // namespace

Result<std::vector<PciDeviceFacts>> pciDevicesFromJson(const json& list) {
  if (!list.is_array()) return Error::invalid("pci_devices", list.dump(), "a list");
  std::vector<PciDeviceFacts> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "pci_devices[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return Error::invalid(path, list[i].dump(), "a JSON object");
    DeviceReader r(list[i], path);
    PciDeviceFacts d;
    STRATUS_RETURN_IF_ERROR(r.string("address", d.address));
    if (!isPciAddress(d.address)) {
      return Error::invalid(r.where("address"), d.address,
                            "a lower-case PCI address like 0000:01:10.0");
    }
    STRATUS_RETURN_IF_ERROR(r.string("vendor_id", d.vendor_id));
    STRATUS_RETURN_IF_ERROR(checkHex(r, "vendor_id", d.vendor_id, 4));
    STRATUS_RETURN_IF_ERROR(r.string("product_id", d.product_id));
    STRATUS_RETURN_IF_ERROR(checkHex(r, "product_id", d.product_id, 4));
    STRATUS_RETURN_IF_ERROR(r.string("class", d.class_id));
    STRATUS_RETURN_IF_ERROR(checkHex(r, "class", d.class_id, 6));
    std::string type;
    STRATUS_RETURN_IF_ERROR(r.string("dev_type", type));
    if (type == "type-PCI") {
      d.dev_type = PciDevType::kPci;
    } else if (type == "type-PF") {
      d.dev_type = PciDevType::kPf;
    } else if (type == "type-VF") {
      d.dev_type = PciDevType::kVf;
    } else {
      return Error::invalid(r.where("dev_type"), type, "type-PCI, type-PF, type-VF");
    }
    STRATUS_RETURN_IF_ERROR(r.optString("parent_addr", d.parent_addr));
    if (d.parent_addr && !isPciAddress(*d.parent_addr)) {
      return Error::invalid(r.where("parent_addr"), *d.parent_addr,
                            "a lower-case PCI address like 0000:01:00.0, or null");
    }
    if (d.dev_type == PciDevType::kVf && !d.parent_addr) {
      return Error::invalid(r.where("parent_addr"), "null", "the address of the VF's PF",
                            "a type-VF needs its parent");
    }
    STRATUS_RETURN_IF_ERROR(r.optInt("numa_node", d.numa_node));
    STRATUS_RETURN_IF_ERROR(r.optInt("iommu_group", d.iommu_group));
    STRATUS_RETURN_IF_ERROR(r.strings("iommu_group_members", d.iommu_group_members));
    STRATUS_RETURN_IF_ERROR(r.optString("driver", d.driver));
    STRATUS_RETURN_IF_ERROR(r.integer("vf_max", d.vf_max));
    STRATUS_RETURN_IF_ERROR(r.strings("vfs", d.vfs));
    STRATUS_RETURN_IF_ERROR(r.optString("iommu_unit", d.iommu_unit));
    STRATUS_RETURN_IF_ERROR(r.optString("vfio_cdev", d.vfio_cdev));
    if (findPciDevice(out, d.address) != nullptr) {
      return Error::invalid(r.where("address"), d.address, "each address once",
                            "the address is listed twice");
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace stratus::virt
