#include "virt/capabilities_parse.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "virt/xml_handles.h"

namespace stratus::virt {
namespace {

using xml::Context;
using xml::Doc;
using xml::Object;
using xml::X;

std::string attr(xmlNodePtr node, const char* name) {
  xmlChar* v = xmlGetProp(node, X(name));
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::string content(xmlNodePtr node) {
  xmlChar* v = xmlNodeGetContent(node);
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

template <typename T>
T number(const std::string& s) {
  T out{};
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

// Nodes matching `expr` relative to `node` (or the document root when null).
std::vector<xmlNodePtr> select(xmlXPathContextPtr ctx, const char* expr, xmlNodePtr node) {
  ctx->node = node != nullptr ? node : xmlDocGetRootElement(ctx->doc);
  Object obj(xmlXPathEvalExpression(X(expr), ctx));
  std::vector<xmlNodePtr> out;
  if (obj && obj->nodesetval != nullptr) {
    for (int i = 0; i < obj->nodesetval->nodeNr; ++i) out.push_back(obj->nodesetval->nodeTab[i]);
  }
  return out;
}

Result<Doc> parseXml(const std::string& xml, const char* what) {
  Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), what, nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    return Error::make(ErrorCode::kInternal,
                       std::string("libvirt returned ") + what + " that is not well-formed XML");
  }
  return doc;
}

void addUnique(std::vector<std::string>& list, const std::string& v) {
  if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

}  // namespace

Result<CapabilitiesInfo> parseCapabilities(const std::string& xml) {
  auto doc = parseXml(xml, "capabilities");
  if (!doc) return doc.takeError();
  Context ctx(xmlXPathNewContext(doc->get()));
  CapabilitiesInfo info;

  for (auto* n : select(ctx.get(), "/capabilities/host/cpu/arch", nullptr)) {
    info.host_arch = content(n);
  }
  if (info.host_arch.empty()) {
    return Error::make(ErrorCode::kInternal, "capabilities XML has no host/cpu/arch");
  }

  for (auto* cell : select(ctx.get(), "/capabilities/host/topology/cells/cell", nullptr)) {
    NumaCellFacts c;
    c.id = number<int>(attr(cell, "id"));
    for (auto* m : select(ctx.get(), "memory", cell))
      c.memory_kib = number<std::uint64_t>(content(m));
    for (auto* p : select(ctx.get(), "pages", cell)) {
      PageFacts pf;
      pf.size_kib = number<std::uint64_t>(attr(p, "size"));
      pf.total = number<std::uint64_t>(content(p));
      c.pages.push_back(pf);
    }
    for (auto* cpu : select(ctx.get(), "cpus/cpu", cell)) {
      c.cpus.push_back(number<int>(attr(cpu, "id")));
      const std::string socket = attr(cpu, "socket_id");
      if (!c.socket_id && !socket.empty()) c.socket_id = number<int>(socket);
    }
    info.cells.push_back(std::move(c));
  }

  for (auto* guest : select(ctx.get(), "/capabilities/guest[os_type='hvm']", nullptr)) {
    for (auto* arch : select(ctx.get(), "arch", guest)) {
      const std::string name = attr(arch, "name");
      auto it = std::find_if(info.guests.begin(), info.guests.end(),
                             [&](const GuestArchFacts& g) { return g.arch == name; });
      if (it == info.guests.end()) {
        GuestArchFacts g;
        g.arch = name;
        info.guests.push_back(std::move(g));
        it = std::prev(info.guests.end());
      }
      // Machines listed under <domain type='kvm'> may differ from the emulator's.
      for (auto* m : select(ctx.get(), "machine | domain/machine", arch)) {
        addUnique(it->machines, content(m));
        addUnique(it->machines, attr(m, "canonical"));
      }
      for (auto* d : select(ctx.get(), "domain", arch))
        addUnique(it->domain_types, attr(d, "type"));
    }
  }
  for (auto& g : info.guests) g.qemu_version = qemuVersionFromMachines(g.machines);
  return info;
}

std::optional<Version> qemuVersionFromMachines(const std::vector<std::string>& machines) {
  static constexpr std::string_view kFamilies[] = {"pc-q35-", "pc-i440fx-", "virt-"};
  std::optional<Version> newest;
  for (const auto& m : machines) {
    for (auto family : kFamilies) {
      if (!m.starts_with(family)) continue;
      const std::string_view rest = std::string_view(m).substr(family.size());
      // Exactly "major.minor": names like virt-rhel9.6.0 or pc-q35-rhel8 are not releases.
      const auto dot = rest.find('.');
      if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size()) continue;
      const bool digits = std::all_of(rest.begin(), rest.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
      });
      if (!digits || rest.find('.', dot + 1) != std::string_view::npos) continue;
      Version v{number<unsigned>(std::string(rest.substr(0, dot))),
                number<unsigned>(std::string(rest.substr(dot + 1))), 0};
      if (!newest || v > *newest) newest = v;
    }
  }
  return newest;
}

Result<std::optional<unsigned>> domainCapsVcpuMax(const std::string& xml) {
  auto doc = parseXml(xml, "domain capabilities");
  if (!doc) return doc.takeError();
  Context ctx(xmlXPathNewContext(doc->get()));
  for (auto* n : select(ctx.get(), "/domainCapabilities/vcpu[@max]", nullptr)) {
    const std::string max = attr(n, "max");
    unsigned out = 0;
    auto [end, ec] = std::from_chars(max.data(), max.data() + max.size(), out);
    if (ec != std::errc() || end != max.data() + max.size()) {
      return Error::make(ErrorCode::kInternal,
                         "domain capabilities have vcpu max='" + max + "', not a number");
    }
    return std::optional<unsigned>(out);
  }
  return std::optional<unsigned>();
}

Result<bool> domainCapsOfferUefi(const std::string& xml) {
  auto doc = parseXml(xml, "domain capabilities");
  if (!doc) return doc.takeError();
  Context ctx(xmlXPathNewContext(doc->get()));
  if (!select(ctx.get(), "/domainCapabilities/os/enum[@name='firmware']/value[.='efi']", nullptr)
           .empty()) {
    return true;
  }
  return !select(ctx.get(),
                 "/domainCapabilities/os[@supported='yes']/loader[@supported='yes']/value", nullptr)
              .empty();
}

Result<DomainCapsHostdev> parseDomainCapsHostdev(const std::string& xml) {
  auto doc = parseXml(xml, "domain capabilities");
  if (!doc) return doc.takeError();
  Context ctx(xmlXPathNewContext(doc->get()));
  auto hostdevEnum = [&](const char* expr) -> std::optional<std::vector<std::string>> {
    const auto enums = select(ctx.get(), expr, nullptr);
    if (enums.empty()) return std::nullopt;
    std::vector<std::string> values;
    for (auto* v : select(ctx.get(), "value", enums.front())) addUnique(values, content(v));
    return values;
  };
  DomainCapsHostdev out;
  out.pci_backends = hostdevEnum("/domainCapabilities/devices/hostdev/enum[@name='pciBackend']");
  out.iommufd = hostdevEnum("/domainCapabilities/devices/hostdev/enum[@name='iommufd']");
  return out;
}

}  // namespace stratus::virt
