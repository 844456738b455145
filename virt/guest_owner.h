// Who defined a guest: the agent records itself in the domain's <metadata>, in Stratus's
// own namespace, so that an agent acts only on guests it created. Libvirt keeps
// namespaced <metadata> elements as given and returns them (virDomainGetMetadata with
// VIR_DOMAIN_METADATA_ELEMENT and the namespace URI) with the domain's XML.
//
// Shape (rendered inside <metadata>):
//   <stratus:owner xmlns:stratus="https://stratus.dev/xmlns/guest-owner/1"
//                  host="compute-0" agent="6f1c...-uuid"/>
// `host` is the agent's [DEFAULT] host; `agent` the id kept under its
// [compute] instances_path (compute/owner_id.h), so two clouds whose hosts share a name
// still differ.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::virt {

inline constexpr std::string_view kGuestOwnerNamespace = "https://stratus.dev/xmlns/guest-owner/1";
inline constexpr std::string_view kGuestOwnerPrefix = "stratus";
inline constexpr std::string_view kGuestOwnerElement = "owner";

struct GuestOwner {
  std::string host;
  std::string agent;
  bool operator==(const GuestOwner&) const = default;
};

// "host compute-0, agent 6f1c..." for log lines.
std::string describeOwner(const GuestOwner& owner);

// Reads the owner from either a whole domain XML (its <metadata>) or the element alone
// as virDomainGetMetadata returns it for our namespace: `<owner host=".." agent=".."/>`,
// without the namespace (libvirt 9.0 and 12 both strip it). nullopt when there is no owner element
// in our namespace (a guest defined by hand or by an agent older than this record); an
// InvalidArgument naming the text when it is not XML or lacks host/agent.
Result<std::optional<GuestOwner>> parseGuestOwner(std::string_view xml);

}  // namespace stratus::virt
