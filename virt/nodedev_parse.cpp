#include "virt/nodedev_parse.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

#include "virt/xml_handles.h"

namespace stratus::virt {
namespace {

using xml::Context;
using xml::Doc;
using xml::Object;
using xml::X;

std::optional<std::string> attr(xmlNodePtr node, const char* name) {
  xmlChar* v = xmlGetProp(node, X(name));
  if (v == nullptr) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

std::string content(xmlNodePtr node) {
  xmlChar* v = xmlNodeGetContent(node);
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  // Element text may carry the document's indentation.
  auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<xmlNodePtr> select(xmlXPathContextPtr ctx, const char* expr, xmlNodePtr node) {
  ctx->node = node != nullptr ? node : xmlDocGetRootElement(ctx->doc);
  Object obj(xmlXPathEvalExpression(X(expr), ctx));
  std::vector<xmlNodePtr> out;
  if (obj && obj->nodesetval != nullptr) {
    for (int i = 0; i < obj->nodesetval->nodeNr; ++i) out.push_back(obj->nodesetval->nodeTab[i]);
  }
  return out;
}

xmlNodePtr first(xmlXPathContextPtr ctx, const char* expr, xmlNodePtr node) {
  auto nodes = select(ctx, expr, node);
  return nodes.empty() ? nullptr : nodes.front();
}

// A whole number in `base`; "0x" is accepted (and required to be absent in base 10).
std::optional<long> number(std::string_view s, int base) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  long out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

std::string hexDigits(long v, int width) {
  std::string out(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0 && v > 0; --i, v >>= 4) {
    out[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xf];
  }
  return out;
}

class Parser {
 public:
  Parser(xmlXPathContextPtr ctx, std::string name) : ctx_(ctx), name_(std::move(name)) {}

  Error bad(const std::string& what) const {
    return Error::make(ErrorCode::kInternal, "libvirt node device " + name_ +
                                                 " is not a PCI device we can read: " + what);
  }

  // <address domain='0x0000' bus='0x01' slot='0x10' function='0x2'/>: hex attributes.
  Result<std::string> address(xmlNodePtr a) const {
    long parts[4];
    const char* names[4] = {"domain", "bus", "slot", "function"};
    const long max[4] = {0xffff, 0xff, 0x1f, 0x7};
    for (int i = 0; i < 4; ++i) {
      auto text = attr(a, names[i]);
      auto v = text ? number(*text, 16) : std::nullopt;
      if (!v || *v < 0 || *v > max[i]) {
        return bad(std::string("<address ") + names[i] + "='" + text.value_or("") + "'>");
      }
      parts[i] = *v;
    }
    return pciAddress(static_cast<unsigned>(parts[0]), static_cast<unsigned>(parts[1]),
                      static_cast<unsigned>(parts[2]), static_cast<unsigned>(parts[3]));
  }

  // <domain>0</domain> ... : decimal element text (nodedev writes them in base 10).
  Result<long> field(xmlNodePtr cap, const char* name, long max) const {
    xmlNodePtr n = first(ctx_, name, cap);
    auto v = n != nullptr ? number(content(n), 10) : std::nullopt;
    if (!v || *v < 0 || *v > max) {
      return bad(std::string("<") + name + "> is " +
                 (n != nullptr ? "'" + content(n) + "'" : "missing"));
    }
    return *v;
  }

  // <vendor id='0x8086'>, <product id='0x10ca'>, <class>0x020000</class>.
  Result<std::string> hexId(const std::optional<std::string>& text, const char* what,
                            int width) const {
    auto v = text ? number(*text, 16) : std::nullopt;
    if (!v || *v < 0 || *v >= (1L << (4 * width))) {
      return bad(std::string(what) + " is '" + text.value_or("(missing)") + "'");
    }
    return hexDigits(*v, width);
  }

 private:
  xmlXPathContextPtr ctx_;
  std::string name_;
};

}  // namespace

Result<PciDeviceFacts> parsePciNodeDevice(const std::string& xml) {
  Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "nodedev.xml", nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    return Error::make(ErrorCode::kInternal,
                       "libvirt returned node device XML that is not well-formed");
  }
  Context ctx(xmlXPathNewContext(doc.get()));
  xmlNodePtr name_node = first(ctx.get(), "/device/name", nullptr);
  Parser p(ctx.get(), name_node != nullptr ? content(name_node) : "(unnamed)");
  xmlNodePtr cap = first(ctx.get(), "/device/capability[@type='pci']", nullptr);
  if (cap == nullptr) return p.bad("no <capability type='pci'>");

  PciDeviceFacts d;
  auto domain = p.field(cap, "domain", 0xffff);
  if (!domain) return domain.takeError();
  auto bus = p.field(cap, "bus", 0xff);
  if (!bus) return bus.takeError();
  auto slot = p.field(cap, "slot", 0x1f);
  if (!slot) return slot.takeError();
  auto function = p.field(cap, "function", 0x7);
  if (!function) return function.takeError();
  d.address = pciAddress(static_cast<unsigned>(*domain), static_cast<unsigned>(*bus),
                         static_cast<unsigned>(*slot), static_cast<unsigned>(*function));

  xmlNodePtr vendor = first(ctx.get(), "vendor", cap);
  auto vendor_id = p.hexId(vendor != nullptr ? attr(vendor, "id") : std::nullopt, "<vendor id>", 4);
  if (!vendor_id) return vendor_id.takeError();
  d.vendor_id = *vendor_id;
  xmlNodePtr product = first(ctx.get(), "product", cap);
  auto product_id =
      p.hexId(product != nullptr ? attr(product, "id") : std::nullopt, "<product id>", 4);
  if (!product_id) return product_id.takeError();
  d.product_id = *product_id;
  xmlNodePtr klass = first(ctx.get(), "class", cap);
  auto class_id =
      p.hexId(klass != nullptr ? std::optional(content(klass)) : std::nullopt, "<class>", 6);
  if (!class_id) return class_id.takeError();
  d.class_id = *class_id;

  if (xmlNodePtr drv = first(ctx.get(), "/device/driver/name", nullptr)) {
    if (auto name = content(drv); !name.empty()) d.driver = name;
  }
  if (xmlNodePtr numa = first(ctx.get(), "numa", cap)) {
    auto node = attr(numa, "node");
    auto v = node ? number(*node, 10) : std::nullopt;
    // -1 is the kernel's "no node"; libvirt normally omits the element then.
    if (!node || (!v && *node != "-1")) return p.bad("<numa node='" + node.value_or("") + "'>");
    if (v && *v >= 0) d.numa_node = static_cast<int>(*v);
  }
  if (xmlNodePtr group = first(ctx.get(), "iommuGroup", cap)) {
    auto number_text = attr(group, "number");
    auto v = number_text ? number(*number_text, 10) : std::nullopt;
    if (!v || *v < 0) return p.bad("<iommuGroup number='" + number_text.value_or("") + "'>");
    d.iommu_group = static_cast<int>(*v);
    for (auto* a : select(ctx.get(), "address", group)) {
      auto member = p.address(a);
      if (!member) return member.takeError();
      d.iommu_group_members.push_back(*member);
    }
  }
  if (xmlNodePtr vfs = first(ctx.get(), "capability[@type='virt_functions']", cap)) {
    d.dev_type = PciDevType::kPf;
    auto max_text = attr(vfs, "maxCount");
    auto v = max_text ? number(*max_text, 10) : std::optional<long>(0);
    if (!v || *v < 0)
      return p.bad("<capability type='virt_functions' maxCount='" + *max_text + "'>");
    d.vf_max = static_cast<int>(*v);
    for (auto* a : select(ctx.get(), "address", vfs)) {
      auto vf = p.address(a);
      if (!vf) return vf.takeError();
      d.vfs.push_back(*vf);
    }
  }
  if (xmlNodePtr pf = first(ctx.get(), "capability[@type='phys_function']/address", cap)) {
    if (d.dev_type == PciDevType::kPf) return p.bad("both virt_functions and phys_function");
    auto parent = p.address(pf);
    if (!parent) return parent.takeError();
    d.dev_type = PciDevType::kVf;
    d.parent_addr = *parent;
  }
  return d;
}

}  // namespace stratus::virt
