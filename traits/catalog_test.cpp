#include "traits/catalog.h"

#include <catch2/catch.hpp>

using namespace stratus;
using namespace stratus::traits;

TEST_CASE("the catalog holds the os-traits names and Stratus' vIOMMU names") {
  CHECK(isStandardTrait("COMPUTE_VIOMMU_MODEL_INTEL"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_INTEL"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_SMMUV3"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_VIRTIO"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_AUTO"));
  CHECK(isStandardTrait("HW_ARCH_X86_64"));
  CHECK(isStandardTrait("HW_ARCH_AARCH64"));
  CHECK(isStandardTrait("COMPUTE_STATUS_DISABLED"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_AMD"));
  CHECK_FALSE(isStandardTrait("COMPUTE_VIOMMU_MODEL_AMD"));  // os-traits has no amd model
  CHECK_FALSE(isStandardTrait("CUSTOM_FOO"));
  CHECK(std::is_sorted(standardTraits().begin(), standardTraits().end()));
  CHECK(standardTraits().size() == 345 + 5);
}

TEST_CASE("trait names: standard, or CUSTOM_[A-Z0-9_]+ up to 255 characters") {
  CHECK(validateTraitName("HW_ARCH_X86_64").ok());
  CHECK(validateTraitName("CUSTOM_GOLD_1").ok());
  CHECK(validateTraitName("CUSTOM_" + std::string(248, 'A')).ok());

  auto too_long = validateTraitName("CUSTOM_" + std::string(249, 'A'));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message ==
        "trait='CUSTOM_" + std::string(249, 'A') +
            "' is invalid: it is 256 characters long; allowed: CUSTOM_ followed by A-Z, 0-9 "
            "and _, at most 255 characters");

  auto lower = validateTraitName("CUSTOM_gold");
  REQUIRE_FALSE(lower.ok());
  CHECK(lower.error().message ==
        "trait='CUSTOM_gold' is invalid: character 'g' is not allowed; allowed: CUSTOM_ followed "
        "by A-Z, 0-9 and _, at most 255 characters");

  auto bare = validateTraitName("CUSTOM_", "name");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().message ==
        "name='CUSTOM_' is invalid: a custom trait must start with CUSTOM_ and have a name after "
        "it; allowed: CUSTOM_ followed by A-Z, 0-9 and _, at most 255 characters");

  auto unknown = validateTraitName("HW_ARCH_Z80");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::kInvalidArgument);
  CHECK(unknown.error().message ==
        "trait='HW_ARCH_Z80' is invalid: not a standard trait and not a custom one; allowed: a "
        "standard trait name (os-traits or COMPUTE_IOMMU_MODEL_*) or CUSTOM_[A-Z0-9_]+");
}

TEST_CASE("arch traits use os-traits spellings and exist only where os-traits has one") {
  CHECK(archTrait("x86_64") == "HW_ARCH_X86_64");
  CHECK(archTrait("aarch64") == "HW_ARCH_AARCH64");
  CHECK(archTrait("armv7l") == "HW_ARCH_ARMV7");
  CHECK(archTrait("armv6l") == "HW_ARCH_ARMV6");
  CHECK(archTrait("i686") == "HW_ARCH_I686");
  CHECK(archTrait("z80").empty());
  CHECK(pageSizeTrait(2048) == "CUSTOM_MEM_PAGE_SIZE_2048");
}

TEST_CASE("[traits] viommu_trait_prefix picks the spelling and rejects others") {
  IniConfig ini;
  auto def = traitsConfigFrom(ini);
  REQUIRE(def.ok());
  CHECK(def->viommuTrait("INTEL") == "COMPUTE_IOMMU_MODEL_INTEL");

  ini.set("traits", "viommu_trait_prefix", "COMPUTE_VIOMMU_MODEL_");
  auto os = traitsConfigFrom(ini);
  REQUIRE(os.ok());
  CHECK(os->viommuTrait("VIRTIO") == "COMPUTE_VIOMMU_MODEL_VIRTIO");
  CHECK(os->isViommuTrait("COMPUTE_VIOMMU_MODEL_AUTO"));
  CHECK_FALSE(os->isViommuTrait("COMPUTE_IOMMU_MODEL_AUTO"));
  CHECK_FALSE(os->isViommuTrait("COMPUTE_VIOMMU_MODEL_AMD"));
  // os-traits has no amd model: with its prefix Stratus publishes a custom trait.
  CHECK(os->viommuTrait("AMD") == "CUSTOM_VIOMMU_MODEL_AMD");
  CHECK(os->isViommuTrait("CUSTOM_VIOMMU_MODEL_AMD"));
  CHECK(def->viommuTrait("AMD") == "COMPUTE_IOMMU_MODEL_AMD");
  CHECK(def->isViommuTrait("COMPUTE_IOMMU_MODEL_AMD"));
  CHECK(isStandardTrait("COMPUTE_IOMMU_MODEL_AMD"));

  ini.set("traits", "viommu_trait_prefix", "COMPUTE_VIOMMU_");
  auto bad = traitsConfigFrom(ini);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "[traits] viommu_trait_prefix='COMPUTE_VIOMMU_' is invalid: only these spellings name "
        "traits that exist; allowed: COMPUTE_IOMMU_MODEL_, COMPUTE_VIOMMU_MODEL_");

  IniConfig typo;
  typo.set("traits", "viommu_prefix", "COMPUTE_IOMMU_MODEL_");
  auto unknown = traitsConfigFrom(typo);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message ==
        "[traits] viommu_prefix='COMPUTE_IOMMU_MODEL_' is invalid: unknown setting; allowed: "
        "viommu_trait_prefix");
}
