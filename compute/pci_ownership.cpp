#include "compute/pci_ownership.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compute/durable_file.h"
#include "virt/pci_facts.h"
#include "virt/xml_handles.h"

namespace stratus::compute {
namespace {

Error fileError(const std::string& path, const std::string& why) {
  return Error::precondition("[compute] instances_path", path,
                             "PCI ownership record " + path + ": " + why);
}

std::string attr(xmlNodePtr node, const char* name) {
  xmlChar* v = xmlGetProp(node, virt::xml::X(name));
  if (v == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

// "0x01" -> 1, within `max`; -1 when it is not a 0x-prefixed hex number in range.
long hexField(const std::string& text, unsigned max) {
  if (text.size() < 3 || text.size() > 6 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return -1;
  }
  long v = 0;
  for (std::size_t i = 2; i < text.size(); ++i) {
    const char c = text[i];
    int digit =
        std::isdigit(static_cast<unsigned char>(c))
            ? c - '0'
            : (std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10 : -1);
    if (digit < 0) return -1;
    v = v * 16 + digit;
  }
  return v <= static_cast<long>(max) ? v : -1;
}

}  // namespace

Result<DeviceOwners> loadOwnershipRecord(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return DeviceOwners{};
  std::ifstream in(path);
  if (!in) return fileError(path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("devices") ||
      !doc["devices"].is_object()) {
    return fileError(path, "is not {\"devices\": {\"<PCI address>\": \"<server uuid>\"}}");
  }
  DeviceOwners out;
  for (const auto& [address, server] : doc["devices"].items()) {
    if (!virt::isPciAddress(address) || !server.is_string()) {
      return fileError(path, "entry " + address + ": " + server.dump() +
                                 " is not a PCI address with a server uuid");
    }
    out[address] = server.get<std::string>();
  }
  return out;
}

Status saveOwnershipRecord(const std::string& path, const DeviceOwners& owners) {
  nlohmann::json doc = {{"devices", nlohmann::json::object()}};
  for (const auto& [address, server] : owners) doc["devices"][address] = server;
  const std::string why = replaceFileDurably(path, doc.dump(2) + "\n");
  if (!why.empty()) return fileError(path, why);
  return okStatus();
}

Result<std::vector<std::string>> hostdevAddresses(const std::string& guest,
                                                  const std::string& domain_xml) {
  using namespace virt::xml;
  Doc doc(xmlReadMemory(domain_xml.data(), static_cast<int>(domain_xml.size()), "domain.xml",
                        nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return Error::invalid("domain XML of " + guest, "(unparsable)", "libvirt domain XML");
  Context ctx(xmlXPathNewContext(doc.get()));
  if (!ctx) return Error::make(ErrorCode::kInternal, "out of memory creating an XPath context");
  Object found(xmlXPathEvalExpression(
      X("/domain/devices/hostdev[@mode='subsystem'][@type='pci']/source/address"), ctx.get()));
  std::vector<std::string> out;
  if (!found || found->nodesetval == nullptr) return out;
  for (int i = 0; i < found->nodesetval->nodeNr; ++i) {
    xmlNodePtr node = found->nodesetval->nodeTab[i];
    const std::string d = attr(node, "domain"), b = attr(node, "bus"), s = attr(node, "slot"),
                      f = attr(node, "function");
    const long dv = hexField(d, 0xFFFF), bv = hexField(b, 0xFF), sv = hexField(s, 0x1F),
               fv = hexField(f, 0x7);
    if (dv < 0 || bv < 0 || sv < 0 || fv < 0) {
      return Error::invalid(
          "hostdev address of " + guest,
          "domain='" + d + "' bus='" + b + "' slot='" + s + "' function='" + f + "'",
          "0x-prefixed hex fields up to 0xffff:0xff:0x1f.0x7");
    }
    out.push_back(virt::pciAddress(static_cast<unsigned>(dv), static_cast<unsigned>(bv),
                                   static_cast<unsigned>(sv), static_cast<unsigned>(fv)));
  }
  return out;
}

Result<DeviceOwners> rebuildOwnership(DeviceOwners record,
                                      const std::map<std::string, std::string>& guest_xml) {
  for (const auto& [server, xml] : guest_xml) {
    auto addresses = hostdevAddresses("stratus-" + server, xml);
    if (!addresses) return addresses.takeError();
    for (const auto& a : *addresses) record[a] = server;
  }
  return record;
}

}  // namespace stratus::compute
