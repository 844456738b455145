// DomainDef -> libvirt domain XML. Every value is written through libxml2, so names
// and other user text are escaped and stay text.
#pragma once

#include <string>

#include "common/result.h"
#include "virt/domain_def.h"

namespace stratus::virt {

Result<std::string> renderDomainXml(const DomainDef& def);

}  // namespace stratus::virt
