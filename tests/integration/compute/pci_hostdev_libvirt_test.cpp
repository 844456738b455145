// The PCI pieces of a spawned guest against the real libvirt on this machine
// (qemu:///system): a guest planned on the probed host with an intel vIOMMU, a hostdev
// and a strict NUMA placement is rendered, defined with validation and read back, and
// the ownership parser finds its device in libvirt's XML. This machine has no IOMMU, so
// the guest is defined, never started (the VFIO lab starts real ones). Leaves nothing.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "compute/pci_ownership.h"
#include "tests/skip.h"
#include "virt/domain_render.h"
#include "virt/guest_plan.h"
#include "virt/host_probe_libvirt.h"

using namespace stratus;
using namespace stratus::virt;

TEST_CASE("a guest with a hostdev and numatune is accepted by libvirt's validation") {
  auto conn = LibvirtConnection::open("qemu:///system");
  if (!conn.ok()) STRATUS_SKIP("qemu:///system does not answer (run scripts/start-libvirt first)");
  auto facts = probeHost(*conn, VirtTypeSetting::kAuto);
  REQUIRE(facts.ok());
  if (!facts->runsArch("x86_64") || facts->numa_cells.empty()) {
    STRATUS_SKIP("the host runs no x86_64 guests or reports no NUMA cell");
  }
  const std::string name = "stratus-00000000-0000-4000-8000-00000000dead";
  auto plan =
      planGuest(Flavor{name, 1, 256, 0, {{"hw:viommu_model", "intel"}}}, {}, *facts, VirtConfig{});
  REQUIRE(plan.ok());
  const auto& cell = facts->numa_cells.front();
  addPassthrough(*plan,
                 {{{"0000:01:10.0", true}},
                  NumaTuneDef{true, std::to_string(cell.id)},
                  std::to_string(cell.cpus.at(0))},
                 *facts);
  auto xml = renderDomainXml(plan->domain);
  REQUIRE(xml.ok());

  virDomainPtr dom = virDomainDefineXMLFlags(conn->get(), xml->c_str(), VIR_DOMAIN_DEFINE_VALIDATE);
  if (dom == nullptr) {
    const virErrorPtr err = virGetLastError();
    FAIL("libvirt refused the domain: " << (err && err->message ? err->message : "?") << "\n"
                                        << *xml);
  }
  char* desc = virDomainGetXMLDesc(dom, 0);
  std::string back = desc ? desc : "";
  std::free(desc);  // NOLINT(cppcoreguidelines-no-malloc)
  virDomainUndefine(dom);
  virDomainFree(dom);

  auto addresses = compute::hostdevAddresses(name, back);
  REQUIRE(addresses.ok());
  CHECK(*addresses == std::vector<std::string>{"0000:01:10.0"});
  CHECK(back.find("<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                  "      <source>\n"
                  "        <address domain='0x0000' bus='0x01' slot='0x10' function='0x0'/>\n"
                  "      </source>\n") != std::string::npos);
  CHECK(back.find("caching_mode='on'") != std::string::npos);
  CHECK(back.find("<numatune>\n    <memory mode='strict' nodeset='" + std::to_string(cell.id) +
                  "'/>\n  </numatune>") != std::string::npos);
  CHECK(back.find("<vcpu placement='static' cpuset='" + std::to_string(cell.cpus.at(0)) +
                  "'>1</vcpu>") != std::string::npos);
  // libvirt >= 8.7.0 sizes the locked-memory limit itself: no <memtune> from us.
  CHECK((back.find("<memtune>") != std::string::npos) ==
        (facts->libvirt_version < kLibvirtSizesVfioMemlock));
}
