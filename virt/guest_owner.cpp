#include "virt/guest_owner.h"

#include <libxml/parser.h>

#include "virt/xml_handles.h"

namespace stratus::virt {
namespace {

std::string attrOf(xmlNodePtr node, const char* name) {
  xmlChar* v = xmlGetProp(node, xml::X(name));
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

// Depth-first: the owner element sits under <domain><metadata>, or is the root itself.
xmlNodePtr findOwner(xmlNodePtr node) {
  for (; node != nullptr; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    const bool ours =
        node->ns != nullptr && node->ns->href != nullptr &&
        std::string_view(reinterpret_cast<const char*>(node->ns->href)) == kGuestOwnerNamespace;
    if (ours && std::string_view(reinterpret_cast<const char*>(node->name)) == kGuestOwnerElement) {
      return node;
    }
    if (xmlNodePtr inner = findOwner(node->children)) return inner;
  }
  return nullptr;
}

}  // namespace

std::string describeOwner(const GuestOwner& owner) {
  return "host " + owner.host + ", agent " + owner.agent;
}

Result<std::optional<GuestOwner>> parseGuestOwner(std::string_view text) {
  xml::Doc doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "owner.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    return Error::invalid("guest owner metadata", std::string(text.substr(0, 80)),
                          "an XML element");
  }
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  // virDomainGetMetadata, asked for our namespace, returns the element without it.
  const bool bare =
      root != nullptr && root->ns == nullptr &&
      std::string_view(reinterpret_cast<const char*>(root->name)) == kGuestOwnerElement;
  xmlNodePtr node = bare ? root : findOwner(root);
  if (node == nullptr) return std::optional<GuestOwner>{};
  GuestOwner owner{attrOf(node, "host"), attrOf(node, "agent")};
  if (owner.host.empty() || owner.agent.empty()) {
    return Error::invalid("guest owner metadata", std::string(text.substr(0, 80)),
                          "an owner element with host and agent");
  }
  return std::optional<GuestOwner>{std::move(owner)};
}

}  // namespace stratus::virt
