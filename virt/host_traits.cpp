#include "virt/host_traits.h"

#include "virt/iommufd_traits.h"
#include "virt/page_size.h"
#include "virt/smmu_topology.h"
#include "virt/viommu_rules.h"

namespace stratus::virt {

std::set<std::string> hostViommuAndArchTraits(const HostFacts& host,
                                              const traits::TraitsConfig& config) {
  std::set<std::string> out;
  bool any_model = false;
  for (const auto& arch : host.runnableArches()) {
    if (auto t = traits::archTrait(arch); !t.empty()) out.insert(t);
    const auto* guest = host.guest(arch);
    for (const auto& machine : guest->machines) {
      // Every model the host boots, amd included, though auto never picks it.
      for (auto model : kAllConcreteViommuModels) {
        if (checkModelFitsGuest(model, "", arch, machine) &&
            checkHostBootsModel(host, model, "", arch, machine)) {
          out.insert(config.viommuTrait(viommuTraitSuffix(model)));
          any_model = true;
        }
      }
    }
  }
  if (any_model) out.insert(config.viommuTrait(viommuTraitSuffix(ViommuModel::kAuto)));
  return out;
}

std::set<std::string> hostTraits(const HostFacts& host, const traits::TraitsConfig& config) {
  auto out = hostViommuAndArchTraits(host, config);
  addSmmuAccelTrait(host, out);
  for (const auto& cell : host.numa_cells) {
    for (const auto& page : cell.pages) {
      // A size the kernel supports but has no pages reserved in cannot back a guest.
      if (page.size_kib > kSmallPageKib && page.total > 0)
        out.insert(traits::pageSizeTrait(page.size_kib));
    }
  }
  out.merge(iommufdTraits(host));
  return out;
}

}  // namespace stratus::virt
