#include "virt/domain_render.h"

#include <libxml/xmlwriter.h>

#include <memory>
#include <string_view>

#include "virt/pci_facts.h"

namespace stratus::virt {
namespace {

struct BufferFree {
  void operator()(xmlBufferPtr b) const { xmlBufferFree(b); }
};
struct WriterFree {
  void operator()(xmlTextWriterPtr w) const { xmlFreeTextWriter(w); }
};

const xmlChar* X(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

// Collects the first libxml2 failure so the formatter reads straight through.
class Writer {
 public:
  explicit Writer(xmlTextWriterPtr w) : w_(w) {}

  void start(const char* name) { check(xmlTextWriterStartElement(w_, X(name))); }
  void end() { check(xmlTextWriterEndElement(w_)); }
  // <prefix:name xmlns:prefix="uri">
  void startNs(std::string_view prefix, std::string_view name, std::string_view uri) {
    const std::string p(prefix), n(name), u(uri);
    check(xmlTextWriterStartElementNS(w_, X(p.c_str()), X(n.c_str()), X(u.c_str())));
  }
  void attr(const char* name, const std::string& value) {
    check(xmlTextWriterWriteAttribute(w_, X(name), X(value.c_str())));
  }
  void text(const std::string& value) { check(xmlTextWriterWriteString(w_, X(value.c_str()))); }
  void empty(const char* name) {
    start(name);
    end();
  }
  void element(const char* name, const std::string& value) {
    start(name);
    text(value);
    end();
  }
  void tristate(const char* name, Tristate t) {
    if (t != Tristate::kAbsent) attr(name, t == Tristate::kOn ? "on" : "off");
  }
  bool failed() const { return failed_; }

 private:
  void check(int rc) { failed_ = failed_ || rc < 0; }
  xmlTextWriterPtr w_;
  bool failed_ = false;
};

void writeIommu(Writer& w, const IommuDef& iommu) {
  w.start("iommu");
  w.attr("model", std::string(viommuModelName(iommu.model)));
  if (!iommu.driver.empty() || iommu.pci_bus || iommu.accel != Tristate::kAbsent) {
    w.start("driver");
    if (iommu.pci_bus) w.attr("pciBus", std::to_string(*iommu.pci_bus));
    w.tristate("accel", iommu.accel);
    w.tristate("ats", iommu.ats);
    w.tristate("ril", iommu.ril);
    if (iommu.ssidsize) w.attr("ssidsize", std::to_string(*iommu.ssidsize));
    if (iommu.oas) w.attr("oas", std::to_string(*iommu.oas));
    w.tristate("intremap", iommu.driver.intremap);
    w.tristate("caching_mode", iommu.driver.caching_mode);
    w.tristate("eim", iommu.driver.eim);
    w.tristate("iotlb", iommu.driver.iotlb);
    w.tristate("xtsup", iommu.driver.xtsup);
    if (iommu.driver.aw_bits != 0) w.attr("aw_bits", std::to_string(iommu.driver.aw_bits));
    if (iommu.driver.granule_host) {
      w.start("granule");
      w.attr("mode", "host");
      w.end();
    }
    w.end();
  }
  w.end();
}

std::string hex(unsigned value, int width) {
  static const char* digits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0 && value != 0; --i, value >>= 4)
    out[static_cast<std::size_t>(i)] = digits[value & 0xf];
  return "0x" + out;
}

void writeGuestAddress(Writer& w, const GuestPciAddress& a) {
  w.start("address");
  w.attr("type", "pci");
  w.attr("domain", hex(a.domain, 4));
  w.attr("bus", hex(a.bus, 2));
  w.attr("slot", hex(a.slot, 2));
  w.attr("function", hex(a.function, 1));
  w.end();
}

void writeController(Writer& w, const PciControllerDef& c) {
  const bool expander = c.model == PciControllerDef::Model::kPcieExpanderBus;
  w.start("controller");
  w.attr("type", "pci");
  w.attr("index", std::to_string(c.index));
  w.attr("model", expander ? "pcie-expander-bus" : "pcie-root-port");
  if (expander) {
    w.start("model");
    w.attr("name", "pxb-pcie");
    w.end();
  }
  if (c.bus_nr) {
    w.start("target");
    w.attr("busNr", std::to_string(*c.bus_nr));
    w.end();
  }
  if (c.address) writeGuestAddress(w, *c.address);
  w.end();
}

// "0000:01:10.0" -> <address domain='0x0000' bus='0x01' slot='0x10' function='0x0'/>, the
// form libvirt itself writes back.
Status writeHostdev(Writer& w, const HostdevDef& dev) {
  if (!isPciAddress(dev.address)) {
    return Error::invalid("hostdev address", dev.address,
                          "a PCI address of the form 0000:01:10.0 (lower-case hex)");
  }
  w.start("hostdev");
  w.attr("mode", "subsystem");
  w.attr("type", "pci");
  w.attr("managed", dev.managed ? "yes" : "no");
  if (dev.iommufd) {
    w.start("driver");
    w.attr("iommufd", "yes");
    w.end();
  }
  w.start("source");
  w.start("address");
  w.attr("domain", "0x" + dev.address.substr(0, 4));
  w.attr("bus", "0x" + dev.address.substr(5, 2));
  w.attr("slot", "0x" + dev.address.substr(8, 2));
  w.attr("function", "0x" + dev.address.substr(11, 1));
  w.end();
  w.end();
  if (dev.guest_address) writeGuestAddress(w, *dev.guest_address);
  w.end();
  return okStatus();
}

}  // namespace

Result<std::string> renderDomainXml(const DomainDef& def) {
  std::unique_ptr<xmlBuffer, BufferFree> buffer(xmlBufferCreate());
  if (!buffer) return Error::make(ErrorCode::kInternal, "out of memory creating an XML buffer");
  std::unique_ptr<xmlTextWriter, WriterFree> writer(xmlNewTextWriterMemory(buffer.get(), 0));
  if (!writer) return Error::make(ErrorCode::kInternal, "out of memory creating an XML writer");
  xmlTextWriterSetIndent(writer.get(), 1);
  xmlTextWriterSetIndentString(writer.get(), X("  "));

  Writer w(writer.get());
  w.start("domain");
  w.attr("type", def.type);
  w.element("name", def.name);
  if (!def.uuid.empty()) w.element("uuid", def.uuid);
  if (def.owner) {
    w.start("metadata");
    w.startNs(kGuestOwnerPrefix, kGuestOwnerElement, kGuestOwnerNamespace);
    w.attr("host", def.owner->host);
    w.attr("agent", def.owner->agent);
    w.end();
    w.end();
  }
  w.start("memory");
  w.attr("unit", "KiB");
  w.text(std::to_string(def.memory_kib));
  w.end();
  if (def.memtune_hard_limit_kib) {
    w.start("memtune");
    w.start("hard_limit");
    w.attr("unit", "KiB");
    w.text(std::to_string(*def.memtune_hard_limit_kib));
    w.end();
    w.end();
  }
  if (def.hugepage_kib || def.locked_memory) {
    w.start("memoryBacking");
    if (def.hugepage_kib) {
      w.start("hugepages");
      w.start("page");
      w.attr("size", std::to_string(*def.hugepage_kib));
      w.attr("unit", "KiB");
      w.end();
      w.end();
    }
    if (def.locked_memory) w.empty("locked");
    w.end();
  }
  w.start("vcpu");
  w.attr("placement", "static");
  if (!def.vcpu_cpuset.empty()) w.attr("cpuset", def.vcpu_cpuset);
  w.text(std::to_string(def.vcpus));
  w.end();
  if (def.numatune) {
    w.start("numatune");
    w.start("memory");
    w.attr("mode", def.numatune->strict ? "strict" : "preferred");
    w.attr("nodeset", def.numatune->nodeset);
    w.end();
    w.end();
  }
  w.start("os");
  if (def.firmware_efi) w.attr("firmware", "efi");
  w.start("type");
  w.attr("arch", def.arch);
  w.attr("machine", def.machine);
  w.text("hvm");
  w.end();
  w.end();
  if (def.acpi || def.ioapic_qemu) {
    w.start("features");
    if (def.acpi) w.empty("acpi");
    if (def.ioapic_qemu) {
      w.start("ioapic");
      w.attr("driver", "qemu");
      w.end();
    }
    w.end();
  }
  if (def.cpu) {
    w.start("cpu");
    w.attr("mode", def.cpu->mode);
    if (!def.cpu->model.empty()) {
      w.attr("match", "exact");
      w.attr("check", "none");
      w.start("model");
      w.attr("fallback", "forbid");
      w.text(def.cpu->model);
      w.end();
    }
    for (const auto& f : def.cpu->required_features) {
      w.start("feature");
      w.attr("policy", "require");
      w.attr("name", f);
      w.end();
    }
    w.end();
  }
  w.element("on_poweroff", "destroy");
  w.element("on_reboot", "restart");
  w.element("on_crash", "destroy");
  w.start("devices");
  w.start("controller");
  w.attr("type", "usb");
  w.attr("model", "none");
  w.end();
  w.start("serial");
  w.attr("type", "pty");
  w.end();
  w.start("memballoon");
  w.attr("model", "none");
  w.end();
  for (const auto& c : def.controllers) writeController(w, c);
  for (const auto& dev : def.hostdevs) STRATUS_RETURN_IF_ERROR(writeHostdev(w, dev));
  if (def.iommu) writeIommu(w, *def.iommu);
  for (const auto& iommu : def.bus_iommus) writeIommu(w, iommu);
  w.end();  // devices
  w.end();  // domain
  if (xmlTextWriterEndDocument(writer.get()) < 0 || w.failed()) {
    return Error::make(ErrorCode::kInternal, "libxml2 failed to format the domain XML");
  }
  writer.reset();  // flushes into the buffer
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                     static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

}  // namespace stratus::virt
