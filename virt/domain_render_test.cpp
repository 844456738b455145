#include "virt/domain_render.h"

#include <catch2/catch.hpp>

using namespace stratus::virt;

namespace {
DomainDef minimal() {
  DomainDef d;
  d.type = "qemu";
  d.name = std::string("g");  // g++ 12 -O3: bogus -Wrestrict on `= "g"` (GCC bug 105329)
  d.memory_kib = 262144;
  d.arch = "x86_64";
  d.machine = "q35";
  return d;
}
}  // namespace

TEST_CASE("only what is set is written") {
  auto xml = renderDomainXml(minimal());
  REQUIRE(xml.ok());
  CHECK(*xml ==
        "<domain type=\"qemu\">\n"
        "  <name>g</name>\n"
        "  <memory unit=\"KiB\">262144</memory>\n"
        "  <vcpu placement=\"static\">1</vcpu>\n"
        "  <os>\n"
        "    <type arch=\"x86_64\" machine=\"q35\">hvm</type>\n"
        "  </os>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>restart</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        "    <controller type=\"usb\" model=\"none\"/>\n"
        "    <serial type=\"pty\"/>\n"
        "    <memballoon model=\"none\"/>\n"
        "  </devices>\n"
        "</domain>\n");
}

TEST_CASE("iommu driver attributes: tri-states and aw_bits") {
  DomainDef d = minimal();
  d.iommu = IommuDef{ViommuModel::kIntel, {}};
  CHECK(renderDomainXml(d)->find("    <iommu model=\"intel\"/>\n") != std::string::npos);
  d.iommu->driver.intremap = Tristate::kOn;
  d.iommu->driver.eim = Tristate::kOff;
  d.iommu->driver.aw_bits = 39;
  CHECK(renderDomainXml(d)->find("    <iommu model=\"intel\">\n"
                                 "      <driver intremap=\"on\" eim=\"off\" aw_bits=\"39\"/>\n"
                                 "    </iommu>\n") != std::string::npos);
}

TEST_CASE("user text is escaped and stays text") {
  DomainDef d = minimal();
  d.name = "a'/><evil/>";
  d.uuid = "<u>";
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("<name>a'/&gt;&lt;evil/&gt;</name>") != std::string::npos);
  CHECK(xml->find("<uuid>&lt;u&gt;</uuid>") != std::string::npos);
  CHECK(xml->find("<evil") == std::string::npos);
}

TEST_CASE("memory backing carries huge pages and locking") {
  DomainDef d = minimal();
  d.hugepage_kib = 2048;
  d.locked_memory = true;
  CHECK(renderDomainXml(d)->find("  <memoryBacking>\n"
                                 "    <hugepages>\n"
                                 "      <page size=\"2048\" unit=\"KiB\"/>\n"
                                 "    </hugepages>\n"
                                 "    <locked/>\n"
                                 "  </memoryBacking>\n") != std::string::npos);
}

TEST_CASE("hostdevs: libvirt's subsystem PCI form, managed from the device spec") {
  DomainDef d = minimal();
  d.hostdevs = {{"0000:01:10.0", true}, {"0000:81:1f.7", false}};
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("    <memballoon model=\"none\"/>\n"
                  "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
                  "      <source>\n"
                  "        <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" "
                  "function=\"0x0\"/>\n"
                  "      </source>\n"
                  "    </hostdev>\n"
                  "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">\n"
                  "      <source>\n"
                  "        <address domain=\"0x0000\" bus=\"0x81\" slot=\"0x1f\" "
                  "function=\"0x7\"/>\n"
                  "      </source>\n"
                  "    </hostdev>\n"
                  "  </devices>\n") != std::string::npos);
}

TEST_CASE("an iommufd hostdev carries <driver iommufd='yes'/>, a legacy one no driver") {
  DomainDef d = minimal();
  d.hostdevs = {{"0000:01:10.0", true, std::nullopt, true},
                {"0000:01:10.2", true, std::nullopt, false}};
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
                  "      <driver iommufd=\"yes\"/>\n"
                  "      <source>\n"
                  "        <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" "
                  "function=\"0x0\"/>\n"
                  "      </source>\n"
                  "    </hostdev>\n"
                  "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
                  "      <source>\n"
                  "        <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" "
                  "function=\"0x2\"/>\n") != std::string::npos);
  CHECK(xml->find("<iommufd") == std::string::npos);  // no domain-level element
}

TEST_CASE("a hostdev address that is not a PCI address is refused, naming it") {
  DomainDef d = minimal();
  d.hostdevs = {{"01:10.0", true}};
  auto xml = renderDomainXml(d);
  REQUIRE_FALSE(xml.ok());
  CHECK(xml.error().code == stratus::ErrorCode::kInvalidArgument);
  CHECK(xml.error().message ==
        "hostdev address='01:10.0' is invalid; allowed: a PCI address of the form 0000:01:10.0 "
        "(lower-case hex)");
}

TEST_CASE("memtune hard_limit, numatune and the vCPU cpuset") {
  DomainDef d = minimal();
  d.vcpus = 2;
  d.vcpu_cpuset = "2-3";
  d.numatune = NumaTuneDef{true, "1"};
  d.memtune_hard_limit_kib = 1572864;
  auto xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("  <memory unit=\"KiB\">262144</memory>\n"
                  "  <memtune>\n"
                  "    <hard_limit unit=\"KiB\">1572864</hard_limit>\n"
                  "  </memtune>\n"
                  "  <vcpu placement=\"static\" cpuset=\"2-3\">2</vcpu>\n"
                  "  <numatune>\n"
                  "    <memory mode=\"strict\" nodeset=\"1\"/>\n"
                  "  </numatune>\n"
                  "  <os>\n") != std::string::npos);
  d.vcpu_cpuset.clear();
  d.numatune = NumaTuneDef{false, "0-1"};
  d.memtune_hard_limit_kib.reset();
  xml = renderDomainXml(d);
  REQUIRE(xml.ok());
  CHECK(xml->find("  <memory unit=\"KiB\">262144</memory>\n"
                  "  <vcpu placement=\"static\">2</vcpu>\n"
                  "  <numatune>\n"
                  "    <memory mode=\"preferred\" nodeset=\"0-1\"/>\n"
                  "  </numatune>\n") != std::string::npos);
  CHECK(xml->find("memtune") == std::string::npos);
}
