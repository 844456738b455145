#include "virt/kernel_iommu_probe.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace stratus::virt {
namespace {

namespace fs = std::filesystem;

constexpr bool bit(std::uint64_t v, unsigned n) {
  return ((v >> n) & 1U) != 0;
}

std::optional<std::uint64_t> readHex(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v, 16);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  return v;
}

IommuUnitFacts unitFacts(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  IommuUnitFacts unit;
  unit.name = name;
  if (fs::is_directory(dir / "intel-iommu", ec)) {
    unit.driver = "intel-iommu";
    if (auto ecap = readHex(dir / "intel-iommu/ecap")) {
      const IntelEcapCaps caps = intelEcapCaps(*ecap);
      unit.nesting = caps.nesting;
      unit.dirty_tracking = caps.dirty_tracking;
    }
  } else if (fs::is_directory(dir / "amd-iommu", ec)) {
    unit.driver = "amd-iommu";
  } else if (auto target = fs::read_symlink(dir / "device/driver", ec); !ec) {
    unit.driver = target.filename().string();
  } else if (name.starts_with("smmu3.")) {
    unit.driver = "arm-smmu-v3";  // the name arm-smmu-v3 gives its units
  }
  return unit;
}

}  // namespace

IntelEcapCaps intelEcapCaps(std::uint64_t ecap) {
  const bool smts = bit(ecap, 43);
  return IntelEcapCaps{smts && bit(ecap, 26), smts && bit(ecap, 45) && bit(ecap, 48)};
}

IommuFacts probeKernelIommu(const std::filesystem::path& root) {
  IommuFacts facts;
  std::error_code ec;
  facts.dev_iommu = fs::exists(root / "dev/iommu", ec);
  // The directory alone says the kernel could; a cdev in it says a device is bound.
  const fs::path cdevs = root / "dev/vfio/devices";
  facts.vfio_cdev = fs::is_directory(cdevs, ec) && !fs::is_empty(cdevs, ec);
  for (fs::directory_iterator it(root / "sys/class/iommu", ec), end; !ec && it != end;
       it.increment(ec)) {
    facts.units.push_back(it->path().filename().string());
  }
  std::sort(facts.units.begin(), facts.units.end());
  for (const auto& name : facts.units) {
    facts.unit_caps.push_back(unitFacts(root / "sys/class/iommu" / name, name));
  }
  std::ifstream release(root / "proc/sys/kernel/osrelease");
  std::getline(release, facts.kernel_version);
  return facts;
}

Smmuv3IdrCaps smmuv3IdrCaps(const std::array<std::uint32_t, 6>& idr) {
  Smmuv3IdrCaps caps;
  caps.ats = (idr[0] >> 10 & 1U) != 0;
  caps.ril = (idr[3] >> 10 & 1U) != 0;
  const unsigned ssid = idr[1] >> 6 & 0x1FU;
  if (ssid <= 20) caps.ssid_bits = ssid;
  constexpr unsigned kOasBits[] = {32, 36, 40, 42, 44, 48, 52};
  const unsigned oas = idr[5] & 0x7U;
  if (oas < std::size(kOasBits)) caps.oas_bits = kOasBits[oas];
  return caps;
}

void setSmmuv3IdrCaps(IommuUnitFacts& unit, const Smmuv3IdrCaps& caps) {
  unit.ats = caps.ats;
  unit.ril = caps.ril;
  unit.ssid_bits = caps.ssid_bits;
  unit.oas_bits = caps.oas_bits;
}

}  // namespace stratus::virt
