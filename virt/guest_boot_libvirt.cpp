#include "virt/guest_boot_libvirt.h"

#include <libvirt/virterror.h>

#include <cstdlib>

namespace stratus::virt {
namespace {

constexpr unsigned kUndefineFlags = VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;

}  // namespace

Status LibvirtGuests::defineAndStart(const std::string& xml) {
  DomainHandle dom(virDomainDefineXMLFlags(conn_.get(), xml.c_str(), VIR_DOMAIN_DEFINE_VALIDATE));
  if (!dom) return libvirtError("libvirt refused the domain definition");
  if (virDomainCreate(dom.get()) < 0) {
    Error err = libvirtError("libvirt could not start the guest");
    virDomainUndefineFlags(dom.get(), kUndefineFlags);
    return err;
  }
  return okStatus();
}

Result<DomainHandle> LibvirtGuests::lookup(const std::string& name) const {
  DomainHandle dom(virDomainLookupByName(conn_.get(), name.c_str()));
  if (!dom) {
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
      return Error::make(ErrorCode::kNotFound, "no guest named '" + name + "'");
    }
    return libvirtError("cannot look up guest '" + name + "'");
  }
  return dom;
}

Result<std::string> LibvirtGuests::liveXml(const std::string& name) const {
  auto dom = lookup(name);
  if (!dom) return dom.takeError();
  char* xml = virDomainGetXMLDesc(dom->get(), 0);
  if (xml == nullptr) return libvirtError("cannot read the XML of guest '" + name + "'");
  std::string out(xml);
  std::free(xml);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

Result<std::optional<std::string>> LibvirtGuests::metadataElement(const std::string& name,
                                                                  const std::string& uri) const {
  auto dom = lookup(name);
  if (!dom) return dom.takeError();
  char* xml = virDomainGetMetadata(dom->get(), VIR_DOMAIN_METADATA_ELEMENT, uri.c_str(),
                                   VIR_DOMAIN_AFFECT_CURRENT);
  if (xml == nullptr) {
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_METADATA) return std::optional<std::string>{};
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
      return Error::make(ErrorCode::kNotFound, "no guest named '" + name + "'");
    }
    return libvirtError("cannot read the metadata of guest '" + name + "'");
  }
  std::string out(xml);
  std::free(xml);  // NOLINT(cppcoreguidelines-no-malloc)
  return std::optional<std::string>{std::move(out)};
}

Result<bool> LibvirtGuests::isRunning(const std::string& name) const {
  auto dom = lookup(name);
  if (!dom) return dom.takeError();
  const int active = virDomainIsActive(dom->get());
  if (active < 0) return libvirtError("cannot read the state of guest '" + name + "'");
  return active == 1;
}

Status LibvirtGuests::destroyAndUndefine(const std::string& name) {
  auto dom = lookup(name);
  if (!dom) return dom.takeError();
  int active = virDomainIsActive(dom->get());
  if (active == 1 && virDomainDestroy(dom->get()) < 0) {
    return libvirtError("cannot stop guest '" + name + "'");
  }
  if (virDomainUndefineFlags(dom->get(), kUndefineFlags) < 0) {
    return libvirtError("cannot undefine guest '" + name + "'");
  }
  return okStatus();
}

Result<std::vector<std::string>> LibvirtGuests::names() const {
  virDomainPtr* doms = nullptr;
  int n = virConnectListAllDomains(conn_.get(), &doms, 0);
  if (n < 0) return libvirtError("cannot list guests");
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    DomainHandle d(doms[i]);
    if (const char* name = virDomainGetName(d.get())) out.emplace_back(name);
  }
  std::free(doms);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

}  // namespace stratus::virt
