#include "virt/host_probe_pci_libvirt.h"

#include <libvirt/virterror.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "virt/kernel_pci_probe.h"
#include "virt/nodedev_parse.h"

namespace stratus::virt {
namespace {

struct NodeDeviceFree {
  void operator()(virNodeDevicePtr d) const { virNodeDeviceFree(d); }
};
using NodeDeviceHandle = std::unique_ptr<virNodeDevice, NodeDeviceFree>;
struct CFree {
  void operator()(char* p) const { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};
using CString = std::unique_ptr<char, CFree>;

}  // namespace

Result<std::vector<PciDeviceFacts>> probePciDevices(const LibvirtConnection& conn,
                                                    const std::filesystem::path& kernel_root) {
  virNodeDevicePtr* list = nullptr;
  const int n =
      virConnectListAllNodeDevices(conn.get(), &list, VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV);
  if (n < 0) return libvirtError("cannot list the host's PCI devices");
  // Own every handle first so that an early return frees them all.
  std::vector<NodeDeviceHandle> handles;
  handles.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) handles.emplace_back(list[i]);
  std::free(list);  // NOLINT(cppcoreguidelines-no-malloc)

  std::vector<PciDeviceFacts> devices;
  for (const auto& h : handles) {
    CString xml(virNodeDeviceGetXMLDesc(h.get(), 0));
    if (!xml) {
      // Hot-unplugged (or a VF removed) since the list: not a failure of the host.
      if (virGetLastErrorCode() == VIR_ERR_NO_NODE_DEVICE) continue;
      const char* name = virNodeDeviceGetName(h.get());
      return libvirtError(std::string("cannot read node device ") + (name ? name : "?"));
    }
    auto device = parsePciNodeDevice(xml.get());
    if (!device) return device.takeError();
    devices.push_back(std::move(*device));
  }
  linkSriovRelations(devices);
  addKernelPciFacts(devices, kernel_root);
  return devices;
}

}  // namespace stratus::virt
