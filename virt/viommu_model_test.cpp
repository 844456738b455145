#include "virt/viommu_model.h"

#include <catch2/catch.hpp>

using namespace stratus::virt;

TEST_CASE("vIOMMU models parse in exact lower case only") {
  CHECK(*parseViommuModel("none", "k") == ViommuModel::kNone);
  CHECK(*parseViommuModel("intel", "k") == ViommuModel::kIntel);
  CHECK(*parseViommuModel("smmuv3", "k") == ViommuModel::kSmmuv3);
  CHECK(*parseViommuModel("virtio", "k") == ViommuModel::kVirtio);
  CHECK(*parseViommuModel("auto", "k") == ViommuModel::kAuto);
  CHECK(*parseViommuModel("amd", "k") == ViommuModel::kAmd);
  CHECK(viommuTraitSuffix(ViommuModel::kAmd) == "AMD");

  auto upper = parseViommuModel("SMMUv3", "hw:viommu_model");
  REQUIRE_FALSE(upper.ok());
  CHECK(upper.error().key == "hw:viommu_model");
  CHECK(upper.error().value == "SMMUv3");
  CHECK(upper.error().allowed == "none, intel, smmuv3, virtio, amd, auto");
  CHECK(upper.error().message ==
        "hw:viommu_model='SMMUv3' is invalid: values are lower case; did you mean 'smmuv3'?; "
        "allowed: none, intel, smmuv3, virtio, amd, auto");

  auto empty = parseViommuModel("", "hw_viommu_model");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message ==
        "hw_viommu_model='' is invalid: not a vIOMMU model; allowed: none, intel, smmuv3, "
        "virtio, amd, auto");
}
