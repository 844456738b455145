#include "virt/guest_plan.h"

#include <catch2/catch.hpp>

#include "virt/domain_render.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::virt;

namespace {
Result<GuestPlan> plan(const std::string& host, Flavor flavor, ImageProperties image = {}) {
  return planGuest(flavor, image, testing::testHost(host), VirtConfig{});
}
}  // namespace

TEST_CASE("auto resolves to the best model the host can boot for the guest") {
  auto v = plan("x86-kvm-libvirt9", {"g", 1, 256, 0, {{"hw:viommu_model", "auto"}}});
  REQUIRE(v.ok());
  CHECK(v->requested == ViommuModel::kAuto);
  CHECK(v->resolved == ViommuModel::kVirtio);
  CHECK(plan("x86-kvm-libvirt8.2", {"g", 1, 256, 0, {{"hw:viommu_model", "auto"}}})->resolved ==
        ViommuModel::kIntel);
  CHECK(plan("aarch64-kvm-noefi", {"g", 1, 256, 0, {{"hw:viommu_model", "auto"}}})->resolved ==
        ViommuModel::kSmmuv3);
  CHECK(plan("x86-qemu-libvirt8.2", {"g", 1, 256, 0, {{"hw:viommu_model", "auto"}}},
             {{"hw_architecture", "aarch64"}})
            ->resolved == ViommuModel::kSmmuv3);
  CHECK(plan("x86-kvm-libvirt9", {"g", 300, 256, 0, {{"hw:viommu_model", "auto"}}})->resolved ==
        ViommuModel::kIntel);
}

TEST_CASE("every model a host reports as a trait plans on that host") {
  for (const char* host : {"x86-kvm-libvirt9", "x86-qemu-libvirt9", "x86-kvm-libvirt8.2",
                           "aarch64-kvm-libvirt9", "aarch64-kvm-noefi"}) {
    HostFacts facts = testing::testHost(host);
    for (auto model : kConcreteViommuModels) {
      for (const auto& arch : facts.runnableArches()) {
        if (arch != "x86_64" && arch != "aarch64") continue;
        auto p = planGuest(
            Flavor{"g", 1, 256, 0, {{"hw:viommu_model", std::string(viommuModelName(model))}}},
            {{"hw_architecture", arch}}, facts, VirtConfig{});
        INFO(host << " " << arch << " " << viommuModelName(model));
        const bool fits = (model == ViommuModel::kIntel && arch == "x86_64") ||
                          (model == ViommuModel::kSmmuv3 && arch == "aarch64") ||
                          model == ViommuModel::kVirtio;
        if (!fits) {
          CHECK(p.error().code == ErrorCode::kInvalidArgument);
        } else if (p.ok()) {
          CHECK(p->resolved == model);
        } else {
          CHECK(p.error().code == ErrorCode::kFailedPrecondition);
        }
      }
    }
  }
}

TEST_CASE("page size choice: the largest size that fits on one cell") {
  HostFacts arm = testing::testHost("aarch64-kvm-libvirt9");
  auto req = [](PageSizeRequest::Kind kind, std::uint64_t kib = 0) {
    return Sourced<PageSizeRequest>{{kind, kib}, "hw:mem_page_size", "x"};
  };
  using Kind = PageSizeRequest::Kind;
  CHECK(*choosePageSize(req(Kind::kLarge), 1024, arm) == 524288u);
  // 1536 MiB is three 512 MiB pages, but only 4 are free; 2 MiB pages: 768 needed, 1000 free.
  CHECK(*choosePageSize(req(Kind::kLarge), 1536, arm) == 524288u);
  CHECK_FALSE(choosePageSize(req(Kind::kLarge), 2560, arm).ok());
  CHECK(*choosePageSize(req(Kind::kAny), 1000, arm) == 2048u);
  CHECK(*choosePageSize(req(Kind::kAny), 4000, arm) == std::nullopt);
  CHECK(*choosePageSize(req(Kind::kSmall), 1024, arm) == std::nullopt);
  CHECK(*choosePageSize(req(Kind::kExplicit, 2048), 2000, arm) == 2048u);
  auto too_many = choosePageSize(req(Kind::kExplicit, 2048), 2002, arm);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().message ==
        "hw:mem_page_size='x' cannot be met: the guest needs 1001 free pages of 2048 KiB on one "
        "NUMA cell, and host arm1 has at most 1000 free");
  auto large = choosePageSize(req(Kind::kLarge), 5000, arm);
  REQUIRE_FALSE(large.ok());
  CHECK(large.error().message ==
        "hw:mem_page_size='x' cannot be met: no huge page size on host arm1 has enough free "
        "pages on one NUMA cell for 5000 MiB (524288 KiB: needs 9 pages, 4 free (RAM is not a "
        "multiple); 2048 KiB: needs 2500 pages, 1000 free)");
}

TEST_CASE("intel gets eim only under kvm and aw_bits only from libvirt 6.5.0") {
  Flavor intel{"g", 1, 256, 0, {{"hw:viommu_model", "intel"}}};
  auto kvm = plan("x86-kvm-libvirt9", intel);
  REQUIRE(kvm.ok());
  REQUIRE(kvm->domain.iommu.has_value());
  CHECK(kvm->domain.iommu->driver.eim == Tristate::kOn);
  CHECK(kvm->domain.iommu->driver.aw_bits == 48);
  CHECK(kvm->domain.ioapic_qemu);
  auto tcg = plan("x86-qemu-libvirt9", intel);
  CHECK(tcg->domain.iommu->driver.eim == Tristate::kAbsent);
  auto virtio = plan("x86-kvm-libvirt9", {"g", 1, 256, 0, {{"hw:viommu_model", "virtio"}}});
  CHECK(virtio->domain.iommu->driver.empty());
  CHECK_FALSE(virtio->domain.ioapic_qemu);
  CHECK(virtio->domain.acpi);
}

TEST_CASE("locked memory for VFIO behind a vIOMMU: devices x RAM + 1 GiB before libvirt 8.7.0") {
  const Version old{8, 6, 0};
  CHECK(vfioMemlockHardLimitKib(2, true, 262144, old) == 2 * 262144 + 1048576);
  CHECK(vfioMemlockHardLimitKib(1, true, 262144, old) == 262144 + 1048576);
  CHECK_FALSE(vfioMemlockHardLimitKib(0, true, 262144, old));
  CHECK_FALSE(vfioMemlockHardLimitKib(2, false, 262144, old));
  CHECK_FALSE(vfioMemlockHardLimitKib(2, true, 262144, Version{8, 7, 0}));
}

TEST_CASE("passthrough on a planned intel guest: hostdevs, caching_mode on, memtune, numatune") {
  HostFacts host = testing::testHost("x86-kvm-libvirt8.2");
  auto p =
      planGuest(Flavor{"g", 2, 256, 0, {{"hw:viommu_model", "intel"}}}, {}, host, VirtConfig{});
  REQUIRE(p.ok());
  addPassthrough(
      *p, {{{"0000:01:10.0", true}, {"0000:01:10.2", false}}, NumaTuneDef{true, "1"}, "2-3"}, host);
  auto xml = renderDomainXml(p->domain);
  REQUIRE(xml.ok());
  CHECK(xml->find("  <memtune>\n"
                  "    <hard_limit unit=\"KiB\">1572864</hard_limit>\n"
                  "  </memtune>\n") != std::string::npos);
  CHECK(xml->find("  <vcpu placement=\"static\" cpuset=\"2-3\">2</vcpu>\n"
                  "  <numatune>\n"
                  "    <memory mode=\"strict\" nodeset=\"1\"/>\n"
                  "  </numatune>\n") != std::string::npos);
  CHECK(xml->find("caching_mode=\"on\"") != std::string::npos);
  CHECK(xml->find("<hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">") != std::string::npos);

  // libvirt 9.0 sizes the limit itself; without a vIOMMU there is nothing to add either.
  HostFacts new_host = testing::testHost("x86-kvm-libvirt9");
  auto q =
      planGuest(Flavor{"g", 2, 256, 0, {{"hw:viommu_model", "intel"}}}, {}, new_host, VirtConfig{});
  REQUIRE(q.ok());
  addPassthrough(*q, {{{"0000:01:10.0", true}}, std::nullopt, ""}, new_host);
  CHECK(renderDomainXml(q->domain)->find("memtune") == std::string::npos);
  auto r = planGuest(Flavor{"g", 2, 256, 0, {}}, {}, host, VirtConfig{});
  REQUIRE(r.ok());
  addPassthrough(*r, {{{"0000:01:10.0", true}, {"0000:01:10.2", true}}, std::nullopt, ""}, host);
  CHECK(renderDomainXml(r->domain)->find("memtune") == std::string::npos);
}
