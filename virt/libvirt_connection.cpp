#include "virt/libvirt_connection.h"

#include <libvirt/virterror.h>

#include <mutex>

namespace stratus::virt {
namespace {

// libvirt prints every error to stderr by default; we report them ourselves.
void silence(void* /*data*/, virErrorPtr /*error*/) {}

void initLibvirtOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, silence);
  });
}

}  // namespace

Error libvirtError(const std::string& context, ErrorCode code) {
  const char* msg = virGetLastErrorMessage();
  return Error::make(code, context + ": " + (msg != nullptr ? msg : "unknown libvirt error"));
}

Result<LibvirtConnection> LibvirtConnection::open(const std::string& uri) {
  initLibvirtOnce();
  ConnectHandle conn(virConnectOpen(uri.c_str()));
  if (!conn) return libvirtError("cannot connect to " + uri, ErrorCode::kUnavailable);
  return LibvirtConnection(std::move(conn), uri);
}

}  // namespace stratus::virt
