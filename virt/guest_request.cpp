#include "virt/guest_request.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "virt/viommu_rules.h"

namespace stratus::virt {
namespace {

// libvirt's names for the guest arches Nova knows.
constexpr std::array<std::string_view, 34> kArches = {
    "alpha",  "armv6l",   "armv7l",    "armv7b",     "aarch64",      "cris",    "i686",
    "ia64",   "lm32",     "m68k",      "microblaze", "microblazeel", "mips",    "mipsel",
    "mips64", "mips64el", "openrisc",  "parisc",     "parisc64",     "ppc",     "ppcle",
    "ppc64",  "ppc64le",  "ppcemb",    "s390",       "s390x",        "sh4",     "sh4eb",
    "sparc",  "sparc64",  "unicore32", "x86_64",     "xtensa",       "xtensaeb"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr std::string_view kBoolAllowed = "true, false, yes, no, on, off, 1, 0, t, f, y, n";

Status validateArch(std::string_view value) {
  if (std::find(kArches.begin(), kArches.end(), value) != kArches.end()) return okStatus();
  std::string why = "not a guest architecture";
  const std::string l = lower(value);
  if (l == "amd64" || l == "x64" || l == "x86-64")
    why = "did you mean 'x86_64'?";
  else if (l == "arm64")
    why = "did you mean 'aarch64'?";
  else if (std::find(kArches.begin(), kArches.end(), l) != kArches.end())
    why = "values are lower case; did you mean '" + l + "'?";
  return Error::invalid(std::string(kImageArch), std::string(value),
                        "libvirt architecture names such as x86_64, aarch64, ppc64le, s390x", why);
}

Status validateMachineType(std::string_view value) {
  const bool ok = !value.empty() && value.size() <= 64 &&
                  std::all_of(value.begin(), value.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                  });
  if (ok) return okStatus();
  return Error::invalid(std::string(kImageMachine), std::string(value),
                        "a machine type name such as q35, pc-q35-7.2 or virt (letters, digits, "
                        "'-', '_', '.')");
}

std::string supportedKeys(bool flavor) {
  return flavor ? "hw:viommu_model, hw:viommu_accel, hw:locked_memory, hw:mem_page_size, "
                  "hw:pci_numa_affinity_policy"
                : "hw_viommu_model, hw_viommu_accel, hw_locked_memory, hw_mem_page_size, "
                  "hw_architecture, hw_machine_type, hw_pci_numa_affinity_policy";
}

Error conflict(std::string_view flavor_key, std::string_view flavor_value,
               std::string_view image_key, std::string_view image_value) {
  return Error::invalid(
      std::string(image_key), std::string(image_value),
      "the same value as " + std::string(flavor_key) + ", or leave one of them unset",
      "it conflicts with the flavor's " + std::string(flavor_key) + "='" +
          std::string(flavor_value) + "'");
}

// Which image page sizes the flavor's setting allows.
Status checkImagePageSize(const std::optional<PageSizeRequest>& flavor,
                          const std::string& flavor_raw, const PageSizeRequest& image,
                          const std::string& image_raw) {
  using Kind = PageSizeRequest::Kind;
  const std::string key(kImagePageSize);
  if (!flavor) {
    return Error::invalid(key, image_raw,
                          "no value unless the flavor sets hw:mem_page_size to "
                          "'any' or 'large'",
                          "the flavor does not set hw:mem_page_size, so the image may not");
  }
  if (flavor->kind == Kind::kAny) return okStatus();
  if (flavor->kind == Kind::kLarge) {
    if (image.kind == Kind::kLarge || image.kind == Kind::kExplicit) return okStatus();
    return Error::invalid(key, image_raw, "large, or a page size above 4 KiB",
                          "the flavor's hw:mem_page_size='large' lets the image choose only a "
                          "large page size");
  }
  return Error::invalid(
      key, image_raw, "no value unless the flavor sets hw:mem_page_size to 'any' or 'large'",
      "the flavor's hw:mem_page_size='" + flavor_raw + "' does not let the image choose");
}

std::optional<std::string> find(const std::map<std::string, std::string>& m, std::string_view key) {
  auto it = m.find(std::string(key));
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

Result<bool> parseBoolSpec(std::string_view value, std::string_view key) {
  const std::string l = lower(value);
  if (l == "true" || l == "yes" || l == "on" || l == "1" || l == "t" || l == "y") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0" || l == "f" || l == "n") return false;
  return Error::invalid(std::string(key), std::string(value), std::string(kBoolAllowed),
                        "not a boolean");
}

Status validateExtraSpec(std::string_view key, std::string_view value) {
  if (key == kFlavorViommu) return toStatus(parseViommuModel(value, key));
  if (key == kFlavorLocked) return toStatus(parseBoolSpec(value, key));
  if (key == kFlavorViommuAccel) return toStatus(parseBoolSpec(value, key));
  if (key == kFlavorPageSize) return toStatus(parsePageSize(value, key));
  // PCI passthrough's key: pci/ judges its value (pci_request.h), virt/ only lets it in.
  if (key == kFlavorPciNumaPolicy) return okStatus();
  if (key.starts_with("hw:")) {
    return Error::invalid(std::string(key), std::string(value), supportedKeys(true),
                          "Stratus does not support this extra spec");
  }
  return okStatus();
}

Status validateImageProperty(std::string_view key, std::string_view value) {
  if (key == kImageViommu) return toStatus(parseViommuModel(value, key));
  if (key == kImageLocked) return toStatus(parseBoolSpec(value, key));
  if (key == kImageViommuAccel) return toStatus(parseBoolSpec(value, key));
  if (key == kImagePageSize) return toStatus(parsePageSize(value, key));
  if (key == kImageArch) return validateArch(value);
  if (key == kImageMachine) return validateMachineType(value);
  if (key == kImagePciNumaPolicy) return okStatus();  // pci/'s to judge, as above
  if (key.starts_with("hw_")) {
    return Error::invalid(std::string(key), std::string(value), supportedKeys(false),
                          "Stratus does not support this image property");
  }
  return okStatus();
}

Result<GuestRequest> parseGuestRequest(const Flavor& flavor, const ImageProperties& image,
                                       const VirtConfig& config) {
  for (const auto& [k, v] : flavor.extra_specs) STRATUS_RETURN_IF_ERROR(validateExtraSpec(k, v));
  for (const auto& [k, v] : image) STRATUS_RETURN_IF_ERROR(validateImageProperty(k, v));
  if (flavor.vcpus == 0) return Error::invalid("vcpus", "0", "a whole number of at least 1");
  if (flavor.ram_mib == 0) return Error::invalid("ram", "0", "a whole number of MiB, at least 1");

  GuestRequest req;
  req.name = flavor.name;
  req.vcpus = flavor.vcpus;
  req.ram_mib = flavor.ram_mib;

  // vIOMMU model: flavor and image may both say it only when they agree.
  auto fv = find(flavor.extra_specs, kFlavorViommu);
  auto iv = find(image, kImageViommu);
  if (fv && iv && *fv != *iv) return conflict(kFlavorViommu, *fv, kImageViommu, *iv);
  if (fv)
    req.viommu = {*parseViommuModel(*fv, kFlavorViommu), std::string(kFlavorViommu), *fv};
  else if (iv)
    req.viommu = {*parseViommuModel(*iv, kImageViommu), std::string(kImageViommu), *iv};

  // Locked memory: compared as booleans, so "yes" and "true" agree.
  auto fl = find(flavor.extra_specs, kFlavorLocked);
  auto il = find(image, kImageLocked);
  if (fl && il && *parseBoolSpec(*fl, kFlavorLocked) != *parseBoolSpec(*il, kImageLocked)) {
    return conflict(kFlavorLocked, *fl, kImageLocked, *il);
  }
  if (fl)
    req.locked_memory =
        Sourced<bool>{*parseBoolSpec(*fl, kFlavorLocked), std::string(kFlavorLocked), *fl};
  else if (il)
    req.locked_memory =
        Sourced<bool>{*parseBoolSpec(*il, kImageLocked), std::string(kImageLocked), *il};

  // vIOMMU accel: as locked memory; true only with an explicit smmuv3 (nothing else
  // has a host-nested form, and auto must not change model because of it).
  auto fa = find(flavor.extra_specs, kFlavorViommuAccel);
  auto ia = find(image, kImageViommuAccel);
  if (fa && ia &&
      *parseBoolSpec(*fa, kFlavorViommuAccel) != *parseBoolSpec(*ia, kImageViommuAccel)) {
    return conflict(kFlavorViommuAccel, *fa, kImageViommuAccel, *ia);
  }
  if (fa)
    req.viommu_accel = Sourced<bool>{*parseBoolSpec(*fa, kFlavorViommuAccel),
                                     std::string(kFlavorViommuAccel), *fa};
  else if (ia)
    req.viommu_accel =
        Sourced<bool>{*parseBoolSpec(*ia, kImageViommuAccel), std::string(kImageViommuAccel), *ia};
  if (req.viommu_accel && req.viommu_accel->value && req.viommu.value != ViommuModel::kSmmuv3) {
    return Error::invalid(req.viommu_accel->key, req.viommu_accel->raw,
                          "false, or true together with " + req.viommu.key + "=smmuv3",
                          "accelerated vIOMMU exists only for smmuv3, and " + req.viommu.key +
                              " is '" + req.viommu.raw + "'");
  }

  // Page size: the image refines the flavor only where the flavor lets it.
  auto fp = find(flavor.extra_specs, kFlavorPageSize);
  auto ip = find(image, kImagePageSize);
  std::optional<PageSizeRequest> flavor_size;
  if (fp) flavor_size = *parsePageSize(*fp, kFlavorPageSize);
  if (ip) {
    auto image_size = *parsePageSize(*ip, kImagePageSize);
    STRATUS_RETURN_IF_ERROR(checkImagePageSize(flavor_size, fp.value_or(""), image_size, *ip));
    req.page_size = Sourced<PageSizeRequest>{image_size, std::string(kImagePageSize), *ip};
  } else if (flavor_size) {
    req.page_size = Sourced<PageSizeRequest>{*flavor_size, std::string(kFlavorPageSize), *fp};
  }

  if (req.locked_memory && req.locked_memory->value && !req.page_size) {
    return Error::invalid(req.locked_memory->key, req.locked_memory->raw,
                          "locked memory together with hw:mem_page_size (or hw_mem_page_size "
                          "where the flavor allows it)",
                          "locked memory requires a page size to be set");
  }

  req.arch = find(image, kImageArch);
  req.machine_type = find(image, kImageMachine);
  if (req.arch) {
    auto machine = req.machine_type ? req.machine_type : config.machineTypeFor(*req.arch);
    if (machine) {
      STRATUS_RETURN_IF_ERROR(
          checkModelFitsGuest(req.viommu.value, req.viommu.key, *req.arch, *machine));
    }
  }
  if (req.arch) {
    STRATUS_RETURN_IF_ERROR(
        checkVcpusForModel(req.viommu.value, req.viommu.key, *req.arch, req.vcpus, std::nullopt));
  }
  return req;
}

}  // namespace stratus::virt
