// Parses the captures in ../shared/fixtures (libvirt 9.0.0, QEMU 7.2 on x86_64) and
// ../shared/labs/libvirt-12/captured (libvirt 12.9, QEMU 11.1; fake-iommufd/: with iommufd).
#include "virt/capabilities_parse.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/skip.h"

using namespace stratus::virt;
namespace fs = std::filesystem;

namespace {
const fs::path kCapture =
    fs::path(STRATUS_SHARED_DIR) / "fixtures/libvirt/x86_64-libvirt-9.0.0-qemu-7.2";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("captured capabilities parse into arches, machines, domain types and cells") {
  if (!fs::exists(kCapture)) STRATUS_SKIP(kCapture << " is not here (it comes with ../shared)");
  auto caps = parseCapabilities(slurp(kCapture / "capabilities.xml"));
  REQUIRE(caps.ok());
  CHECK(caps->host_arch == "x86_64");
  std::vector<std::string> arches;
  for (const auto& g : caps->guests) arches.push_back(g.arch);
  CHECK(arches == std::vector<std::string>{"armv6l", "armv7l", "aarch64", "i686", "x86_64"});
  const auto& x86 = caps->guests[4];
  CHECK(x86.domain_types == std::vector<std::string>{"qemu", "kvm"});
  CHECK(x86.hasMachine("q35"));
  CHECK(x86.hasMachine("pc-q35-7.2"));
  CHECK(x86.hasMachine("pc"));
  CHECK_FALSE(x86.hasMachine("virt"));
  const auto& arm = caps->guests[2];
  CHECK(arm.domain_types == std::vector<std::string>{"qemu"});
  CHECK(arm.hasMachine("virt"));
  CHECK(arm.hasMachine("virt-7.2"));
  REQUIRE(caps->cells.size() == 1);
  CHECK(caps->cells[0].cpus == std::vector<int>{0, 1});
  CHECK(caps->cells[0].memory_kib == 5859544);
  REQUIRE(caps->cells[0].pages.size() == 3);
  CHECK(caps->cells[0].pages[0].size_kib == 4);
  CHECK(caps->cells[0].pages[0].total == 1464886);
  CHECK(caps->cells[0].pages[1].size_kib == 2048);
  CHECK(caps->cells[0].pages[2].size_kib == 1048576);
}

TEST_CASE("captured domain capabilities tell UEFI availability") {
  if (!fs::exists(kCapture)) STRATUS_SKIP(kCapture << " is not here (it comes with ../shared)");
  CHECK(*domainCapsOfferUefi(slurp(kCapture / "domcaps-aarch64-virt.xml")));
  CHECK(domainCapsOfferUefi(slurp(kCapture / "domcaps-x86_64-q35.xml")).ok());
}

TEST_CASE("domain capabilities without firmware offer no UEFI") {
  CHECK_FALSE(*domainCapsOfferUefi(
      "<domainCapabilities><os supported='yes'><loader supported='yes'>"
      "<enum name='type'><value>rom</value></enum></loader></os></domainCapabilities>"));
  CHECK(*domainCapsOfferUefi(
      "<domainCapabilities><os supported='yes'><enum name='firmware'><value>bios</value>"
      "<value>efi</value></enum></os></domainCapabilities>"));
  CHECK_FALSE(domainCapsOfferUefi("<domainCapabilities").ok());
  CHECK_FALSE(parseCapabilities("<capabilities/>").ok());
}

namespace {
const fs::path kLab12 = fs::path(STRATUS_SHARED_DIR) / "labs/libvirt-12/captured";

const GuestArchFacts* guestOf(const CapabilitiesInfo& caps, const std::string& arch) {
  for (const auto& g : caps.guests) {
    if (g.arch == arch) return &g;
  }
  return nullptr;
}
}  // namespace

TEST_CASE("each arch's QEMU version is its newest versioned machine type") {
  if (!fs::exists(kCapture)) STRATUS_SKIP(kCapture << " is not here (it comes with ../shared)");
  auto old = parseCapabilities(slurp(kCapture / "capabilities.xml"));
  REQUIRE(old.ok());
  CHECK(guestOf(*old, "x86_64")->qemu_version == Version{7, 2, 0});
  CHECK(guestOf(*old, "aarch64")->qemu_version == Version{7, 2, 0});

  if (!fs::exists(kLab12)) STRATUS_SKIP(kLab12 << " is not here (it comes with ../shared)");
  auto caps = parseCapabilities(slurp(kLab12 / "capabilities.xml"));
  REQUIRE(caps.ok());
  // libvirt 12.9 / QEMU 11.1.3: the machine types say 11.1, the micro release is not named.
  CHECK(guestOf(*caps, "x86_64")->qemu_version == Version{11, 1, 0});
  CHECK(guestOf(*caps, "aarch64")->qemu_version == Version{11, 1, 0});
}

TEST_CASE("the QEMU version counts only pc-q35, pc-i440fx and virt release names") {
  CHECK(qemuVersionFromMachines({"pc", "q35", "pc-q35-8.2", "pc-q35-11.1", "pc-i440fx-9.2"}) ==
        Version{11, 1, 0});
  CHECK(qemuVersionFromMachines({"virt-2.12", "virt-10.0", "virt-9.2"}) == Version{10, 0, 0});
  // Vendor names and non-release suffixes are not versions.
  CHECK_FALSE(qemuVersionFromMachines({"virt", "virt-rhel9.6.0", "pc-q35-rhel8.6.0"}).has_value());
  CHECK_FALSE(qemuVersionFromMachines({"pc-q35-11", "virt-.1", "virt-1."}).has_value());
  CHECK_FALSE(qemuVersionFromMachines({"xlnx-versal-virt", "ast2600-evb"}).has_value());
}

TEST_CASE("domain capabilities give each arch's vcpu max") {
  if (!fs::exists(kCapture)) STRATUS_SKIP(kCapture << " is not here (it comes with ../shared)");
  CHECK(*domainCapsVcpuMax(slurp(kCapture / "domcaps-x86_64-q35-kvm.xml")) == 288u);
  CHECK(*domainCapsVcpuMax(slurp(kCapture / "domcaps-aarch64-virt.xml")) == 512u);
  if (!fs::exists(kLab12)) STRATUS_SKIP(kLab12 << " is not here (it comes with ../shared)");
  CHECK(*domainCapsVcpuMax(slurp(kLab12 / "domcaps-x86_64-q35-kvm.xml")) == 1024u);
  CHECK(*domainCapsVcpuMax(slurp(kLab12 / "domcaps-x86_64-q35-qemu.xml")) == 4096u);
  CHECK(*domainCapsVcpuMax(slurp(kLab12 / "domcaps-aarch64-virt-qemu.xml")) == 512u);
  CHECK_FALSE(domainCapsVcpuMax("<domainCapabilities/>")->has_value());
  auto bad = domainCapsVcpuMax("<domainCapabilities><vcpu max='many'/></domainCapabilities>");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "domain capabilities have vcpu max='many', not a number");
}

namespace {
using Values = std::optional<std::vector<std::string>>;
}  // namespace

TEST_CASE("libvirt 12.9 domain capabilities list iommufd 'no' and an empty pciBackend") {
  if (!fs::exists(kLab12)) STRATUS_SKIP(kLab12 << " is not here (it comes with ../shared)");
  for (const char* f : {"domcaps-x86_64-q35-kvm.xml", "domcaps-x86_64-q35-qemu.xml",
                        "domcaps-x86_64-pc-kvm.xml", "domcaps-aarch64-virt-qemu.xml"}) {
    INFO(f);
    auto hostdev = parseDomainCapsHostdev(slurp(kLab12 / f));
    REQUIRE(hostdev.ok());
    CHECK(hostdev->pci_backends == Values(std::vector<std::string>{}));
    CHECK(hostdev->iommufd == Values(std::vector<std::string>{"no"}));
  }
}

TEST_CASE("domain capabilities of a host with iommufd list it and the vfio backend") {
  if (!fs::exists(kLab12)) STRATUS_SKIP(kLab12 << " is not here (it comes with ../shared)");
  for (const char* f :
       {"fake-iommufd/domcaps-x86_64-q35-kvm.xml", "fake-iommufd/domcaps-aarch64-virt-qemu.xml"}) {
    INFO(f);
    auto hostdev = parseDomainCapsHostdev(slurp(kLab12 / f));
    REQUIRE(hostdev.ok());
    CHECK(hostdev->pci_backends == Values(std::vector<std::string>{"default", "vfio"}));
    CHECK(hostdev->iommufd == Values(std::vector<std::string>{"yes", "no"}));
  }
}

TEST_CASE("libvirt 9.0 domain capabilities have no iommufd enum") {
  if (!fs::exists(kCapture)) STRATUS_SKIP(kCapture << " is not here (it comes with ../shared)");
  auto hostdev = parseDomainCapsHostdev(slurp(kCapture / "domcaps-x86_64-q35.xml"));
  REQUIRE(hostdev.ok());
  CHECK(hostdev->pci_backends == Values(std::vector<std::string>{}));
  CHECK_FALSE(hostdev->iommufd.has_value());
  auto none = parseDomainCapsHostdev("<domainCapabilities><devices/></domainCapabilities>");
  REQUIRE(none.ok());
  CHECK_FALSE(none->pci_backends.has_value());
  CHECK_FALSE(parseDomainCapsHostdev("<domainCapabilities").ok());
}

TEST_CASE("the VFIO lab L1's domain capabilities (real iommufd) list iommufd yes and vfio") {
  const fs::path l1 = fs::path(STRATUS_SHARED_DIR) / "labs/vfio/captured/domcaps";
  if (!fs::exists(l1)) STRATUS_SKIP(l1 << " is not here (it comes with ../shared)");
  auto hostdev = parseDomainCapsHostdev(slurp(l1 / "domcaps-qemu-q35.xml"));
  REQUIRE(hostdev.ok());
  CHECK(hostdev->pci_backends == Values(std::vector<std::string>{"default", "vfio"}));
  CHECK(hostdev->iommufd == Values(std::vector<std::string>{"yes", "no"}));
}
