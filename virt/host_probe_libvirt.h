// Probes a host through libvirt's C API and the kernel into HostFacts.
#pragma once

#include <filesystem>

#include "common/result.h"
#include "virt/host_facts.h"
#include "virt/libvirt_connection.h"
#include "virt/virt_config.h"

namespace stratus::virt {

Result<HostFacts> probeHost(const LibvirtConnection& conn, VirtTypeSetting virt_type,
                            const std::filesystem::path& kernel_root = "/");

}  // namespace stratus::virt
