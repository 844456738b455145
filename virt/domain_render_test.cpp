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
