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
                           "aarch64-kvm-libvirt9", "aarch64-kvm-noefi",
                           "stack-versions-x86-kvm-libvirt12.9",
                           "stack-versions-x86-qemu-libvirt12.9"}) {
    HostFacts facts = testing::testHost(host);
    for (auto model : kAllConcreteViommuModels) {
      for (const auto& arch : facts.runnableArches()) {
        if (arch != "x86_64" && arch != "aarch64") continue;
        auto p = planGuest(
            Flavor{"g", 1, 256, 0, {{"hw:viommu_model", std::string(viommuModelName(model))}}},
            {{"hw_architecture", arch}}, facts, VirtConfig{});
        INFO(host << " " << arch << " " << viommuModelName(model));
        const bool fits = ((model == ViommuModel::kIntel || model == ViommuModel::kAmd) &&
                           arch == "x86_64") ||
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

namespace {
const char* kLab12Kvm = "stack-versions-x86-kvm-libvirt12.9";
const char* kLab12Qemu = "stack-versions-x86-qemu-libvirt12.9";
Flavor model(const std::string& m, unsigned vcpus = 1) {
  return {"g", vcpus, 256, 0, {{"hw:viommu_model", m}}};
}
std::string xmlOf(const Result<GuestPlan>& p) {
  REQUIRE(p.ok());
  auto xml = renderDomainXml(p->domain);
  REQUIRE(xml.ok());
  return *xml;
}
bool has(const std::string& xml, const std::string& fragment) {
  return xml.find(fragment) != std::string::npos;
}
}  // namespace

TEST_CASE("amd: intremap and iotlb on, xtsup above 255 vCPUs, split ioapic, never passthrough") {
  const auto one = xmlOf(plan(kLab12Kvm, model("amd")));
  CHECK(has(one, "    <iommu model=\"amd\">\n      <driver intremap=\"on\" iotlb=\"on\"/>\n"));
  CHECK(has(one, "<ioapic driver=\"qemu\"/>"));
  CHECK_FALSE(has(one, "passthrough"));
  CHECK_FALSE(has(one, "<address"));  // libvirt places AMDVI-PCI itself
  CHECK(has(xmlOf(plan(kLab12Kvm, model("amd", 288))),
            "<driver intremap=\"on\" iotlb=\"on\" xtsup=\"on\"/>"));
  // auto never picks amd, whatever the vCPUs.
  CHECK(plan(kLab12Kvm, model("auto"))->resolved == ViommuModel::kVirtio);
  CHECK(plan(kLab12Kvm, model("auto", 288))->resolved == ViommuModel::kIntel);
}

TEST_CASE("amd is refused before libvirt 11.5.0 and off x86_64 q35, listing what is allowed") {
  auto old = plan("x86-kvm-libvirt9", model("amd"));
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().code == ErrorCode::kFailedPrecondition);
  CHECK(old.error().message ==
        "hw:viommu_model='amd' cannot boot here: amd needs libvirt >= 11.5.0, host cn1 has "
        "9.0.0; models this host can boot for x86_64/q35: none, virtio, intel");
  auto arm = plan(kLab12Qemu, model("amd"), {{"hw_architecture", "aarch64"}});
  REQUIRE_FALSE(arm.ok());
  CHECK(arm.error().message ==
        "hw:viommu_model='amd' is invalid: model amd needs an x86_64 guest with a q35 machine "
        "type, but the guest is aarch64 with machine type virt; allowed: none, virtio, smmuv3, "
        "auto (for aarch64 with machine type virt)");
}

TEST_CASE("virtio takes aw_bits 48 where libvirt >= 11.5 and QEMU >= 9.0, never xtsup") {
  const auto lab = xmlOf(plan(kLab12Kvm, model("virtio")));
  CHECK(has(lab, "    <iommu model=\"virtio\">\n      <driver aw_bits=\"48\"/>\n    </iommu>\n"));
  CHECK(has(xmlOf(plan(kLab12Qemu, model("virtio"), {{"hw_architecture", "aarch64"}})),
            "<driver aw_bits=\"48\"/>"));
  CHECK(has(xmlOf(plan("x86-kvm-libvirt9", model("virtio"))), "<iommu model=\"virtio\"/>"));
  // libvirt new enough but the arch's emulator older than 9.0: no aw_bits either.
  HostFacts host = testing::testHost(kLab12Kvm);
  for (auto& g : host.guests) g.qemu_version = Version{8, 2, 0};
  auto p = planGuest(model("virtio"), {}, host, VirtConfig{});
  CHECK(has(xmlOf(p), "<iommu model=\"virtio\"/>"));
}

TEST_CASE("virtio granule mode='host' only with VFIO devices behind it on libvirt >= 12.1") {
  HostFacts lab = testing::testHost(kLab12Kvm);
  auto p = planGuest(model("virtio"), {}, lab, VirtConfig{});
  REQUIRE(p.ok());
  addPassthrough(*p, {{{"0000:01:10.0", true}}, std::nullopt, ""}, lab);
  CHECK(has(xmlOf(p), "      <driver aw_bits=\"48\">\n        <granule mode=\"host\"/>\n"
                      "      </driver>\n"));
  // Without devices there is nothing the granule matters for.
  CHECK_FALSE(has(xmlOf(plan(kLab12Kvm, model("virtio"))), "granule"));
  // Not on intel, and not before 12.1.
  auto intel = planGuest(model("intel"), {}, lab, VirtConfig{});
  REQUIRE(intel.ok());
  addPassthrough(*intel, {{{"0000:01:10.0", true}}, std::nullopt, ""}, lab);
  CHECK_FALSE(has(xmlOf(intel), "granule"));
  lab.libvirt_version = Version{12, 0, 0};
  auto older = planGuest(model("virtio"), {}, lab, VirtConfig{});
  REQUIRE(older.ok());
  addPassthrough(*older, {{{"0000:01:10.0", true}}, std::nullopt, ""}, lab);
  CHECK_FALSE(has(xmlOf(older), "granule"));
}

TEST_CASE("eim under TCG from QEMU 11.1: intel gets eim and >255 vCPUs get an x2apic CPU") {
  const auto small = xmlOf(plan(kLab12Qemu, model("intel")));
  CHECK(has(small, "<driver intremap=\"on\" caching_mode=\"on\" eim=\"on\" iotlb=\"on\" "
                   "aw_bits=\"48\"/>"));
  const auto big = xmlOf(plan(kLab12Qemu, model("intel", 288)));
  CHECK(has(big, "  <cpu mode=\"custom\" match=\"exact\" check=\"none\">\n"
                 "    <model fallback=\"forbid\">qemu64</model>\n"
                 "    <feature policy=\"require\" name=\"x2apic\"/>\n  </cpu>\n"));
  // QEMU 7.2 under TCG: still refused, naming the version.
  auto old = plan("x86-qemu-libvirt9", model("intel", 288));
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().message ==
        "vcpus='288' with hw:viommu_model='intel' cannot boot here: an x86_64 guest with more "
        "than 255 vCPUs needs x2APIC, which needs the intel vIOMMU with eim or the amd vIOMMU "
        "with xtsup, and QEMU before 11.1.0 allows them only under kvm while this host runs "
        "qemu (TCG) with QEMU 7.2.22; allowed here: at most 255 vCPUs");
}

TEST_CASE("none above 255 vCPUs on q35 is refused where libvirt would add an intel vIOMMU") {
  auto p = plan(kLab12Kvm, model("none", 288));
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().code == ErrorCode::kFailedPrecondition);
  CHECK(p.error().key == "hw:viommu_model");
  CHECK(p.error().message ==
        "hw:viommu_model='none' with vcpus='288' cannot boot here: libvirt 12.9.0 on host "
        "lab12-kvm (>= 11.0.0) adds an intel vIOMMU by itself to a q35 guest with more than 255 "
        "vCPUs and no vIOMMU, so the guest would not have none; allowed here: at most 255 "
        "vCPUs, or hw:viommu_model intel, amd or auto");
  // On 9.0 the host-independent rule says why instead.
  CHECK(plan("x86-kvm-libvirt9", model("none", 288)).error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("guests above the arch's vcpu_max are refused naming the limit") {
  auto p = plan(kLab12Kvm, model("intel", 1025));
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().key == "vcpus");
  CHECK(p.error().message ==
        "vcpus='1025' cannot boot here: host lab12-kvm allows at most 1024 vCPUs for x86_64 "
        "with machine type q35 under kvm (domain capabilities vcpu max); allowed here: at most "
        "1024 vCPUs");
  CHECK(plan(kLab12Kvm, model("intel", 1024)).ok());
  CHECK(plan(kLab12Qemu, model("intel", 4096)).ok());
}

TEST_CASE("iommufd = yes refuses an unmanaged hostdev not bound to vfio-pci at spawn") {
  // The VFIO lab's L1: 01:10.0 on vfio-pci with cdev vfio0, 01:10.2 and 81:10.0 on igbvf.
  const HostFacts host = testing::testHost("x86-kvm-libvirt12-iommufd");
  auto p = planGuest(Flavor{"g", 1, 256, 0, {}}, {}, host, VirtConfig{});
  REQUIRE(p.ok());
  GuestPassthrough pt;
  pt.iommufd = IommufdMode::kYes;
  pt.hostdevs = {{"0000:01:10.0", false}, {"0000:01:10.2", true}};
  CHECK(checkPassthrough(*p, pt, host).ok());  // bound, and managed: both get a cdev
  pt.hostdevs.push_back({"0000:81:10.0", false});
  auto refused = checkPassthrough(*p, pt, host);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kFailedPrecondition);
  CHECK(refused.error().key == "[pci] iommufd");
  CHECK(refused.error().value == "yes");
  CHECK(refused.error().message ==
        "[pci] iommufd='yes' cannot be met for device 0000:81:10.0: it is unmanaged and bound "
        "to igbvf, not vfio-pci, so it has no VFIO cdev (/dev/vfio/devices/vfioN) when the "
        "guest starts; bind it to vfio-pci before the spawn, or set managed=yes in its [pci] "
        "device_spec");
  // auto keeps such a guest on the legacy container, and no never renders iommufd.
  pt.iommufd = IommufdMode::kAuto;
  CHECK(checkPassthrough(*p, pt, host).ok());
  pt.iommufd = IommufdMode::kNo;
  CHECK(checkPassthrough(*p, pt, host).ok());
}
