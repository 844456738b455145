// Which guests on the host's libvirt this agent owns. A libvirt may be shared by several
// agents (a kvm and a qemu agent on one machine, two clouds, two test stacks): each
// records itself in the guests it defines (virt/guest_owner.h) and acts only on those,
// as Nova acts only on the instances it owns. Unknown "stratus-<uuid>" guests are left
// alone and logged once.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "virt/guest_owner.h"

namespace stratus::compute {

// The agent's id, a UUID in this file under [compute] instances_path, made at first start.
inline constexpr std::string_view kAgentIdFile = "agent_id";

// Reads <instances_path>/agent_id, or creates it (durably) with a new UUID when missing.
// A file that is not one canonical UUID is a FailedPrecondition naming the file: the
// agent must not guess who it is, or it would take another agent's guests for its own.
Result<std::string> loadOrCreateAgentId(const std::string& instances_path);

// Guest name -> its owner as read from libvirt (nullopt: no owner metadata).
using GuestOwners = std::map<std::string, std::optional<virt::GuestOwner>>;

struct SortedGuests {
  std::set<std::string> ours;
  GuestOwners others;  // another agent's, or nobody's
};
SortedGuests sortGuestsByOwner(const GuestOwners& guests, const virt::GuestOwner& me);

// The line logged (once per guest) for a guest that is not ours, e.g.
// "left guest stratus-<uuid> alone: it belongs to host compute-0, agent <id>, not to this
// agent (host compute-0, agent <id>)".
std::string foreignGuestLine(const std::string& name, const std::optional<virt::GuestOwner>& owner,
                             const virt::GuestOwner& me);

}  // namespace stratus::compute
