// Random (version 4) UUIDs in canonical lower-case form.
#pragma once

#include <string>

namespace stratus {

std::string newUuid();
// 36 characters, 8-4-4-4-12 hex digits.
bool isCanonicalUuid(const std::string& s);

// The provider UUID for a provider name: a name-based (version 5) UUID under a fixed
// namespace of Stratus' own, so an agent finds its providers again after a restart or a
// reinstall without keeping state. Compute nodes use the host name; PCI providers
// their "<host>_<ADDRESS>" name, so any component can map an allocation's provider back
// to the device it stands for from the host's facts alone.
std::string providerUuidFor(const std::string& provider_name);

}  // namespace stratus
