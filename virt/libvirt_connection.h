// RAII over libvirt's C handles. Every failure carries libvirt's own message.
#pragma once

#include <libvirt/libvirt.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace stratus::virt {

struct ConnectClose {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomainFree {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using ConnectHandle = std::unique_ptr<virConnect, ConnectClose>;
using DomainHandle = std::unique_ptr<virDomain, DomainFree>;

// libvirt's message for the last failure on this thread, with `context` before it.
Error libvirtError(const std::string& context, ErrorCode code = ErrorCode::kInternal);

class LibvirtConnection {
 public:
  static Result<LibvirtConnection> open(const std::string& uri);

  virConnectPtr get() const { return conn_.get(); }
  const std::string& uri() const { return uri_; }

 private:
  LibvirtConnection(ConnectHandle conn, std::string uri)
      : conn_(std::move(conn)), uri_(std::move(uri)) {}
  ConnectHandle conn_;
  std::string uri_;
};

}  // namespace stratus::virt
