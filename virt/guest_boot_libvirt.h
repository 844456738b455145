// Defines, starts, inspects and removes guests on a real libvirt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "virt/libvirt_connection.h"

namespace stratus::virt {

class LibvirtGuests {
 public:
  explicit LibvirtGuests(const LibvirtConnection& conn) : conn_(conn) {}

  // Defines with VIR_DOMAIN_DEFINE_VALIDATE (without it libvirt 9.0 silently drops
  // what it does not know) and starts. A guest that fails to start is undefined again,
  // so a failure leaves nothing behind; the error carries libvirt's message.
  Status defineAndStart(const std::string& xml);
  // The running guest's XML as libvirt sees it.
  Result<std::string> liveXml(const std::string& name) const;
  // Stops (if running) and undefines, with its NVRAM. NotFound when there is no such guest.
  Status destroyAndUndefine(const std::string& name);
  Result<std::vector<std::string>> names() const;
  // The guest's <metadata> element in namespace `uri` as libvirt returns it; nullopt when
  // the guest has none there; NotFound when there is no such guest.
  Result<std::optional<std::string>> metadataElement(const std::string& name,
                                                     const std::string& uri) const;
  // Whether the named guest is running; NotFound when there is no such guest.
  Result<bool> isRunning(const std::string& name) const;

 private:
  Result<DomainHandle> lookup(const std::string& name) const;
  const LibvirtConnection& conn_;
};

}  // namespace stratus::virt
