#include "compute/guest_ownership.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/uuid.h"
#include "compute/durable_file.h"

namespace stratus::compute {

Result<std::string> loadOrCreateAgentId(const std::string& instances_path) {
  const std::string path = (std::filesystem::path(instances_path) / kAgentIdFile).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Agents started together on one instances path race here; one id wins, and the
    // losers read it below instead of failing or writing their own over it.
    const std::string id = newUuid();
    const auto made = createFileDurablyOnce(path, id + "\n");
    if (made.outcome == CreateOutcome::kFailed) {
      return Error::precondition("[compute] instances_path", instances_path, made.why);
    }
    if (made.outcome == CreateOutcome::kCreated) return id;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string id = text.str();
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!in || !isCanonicalUuid(id)) {
    return Error::precondition("[compute] instances_path", instances_path,
                               path +
                                   " does not hold this agent's id (one UUID); fix or "
                                   "remove it only if no guest of this agent exists");
  }
  return id;
}

SortedGuests sortGuestsByOwner(const GuestOwners& guests, const virt::GuestOwner& me) {
  SortedGuests out;
  for (const auto& [name, owner] : guests) {
    if (owner && *owner == me) {
      out.ours.insert(name);
    } else {
      out.others[name] = owner;
    }
  }
  return out;
}

std::string foreignGuestLine(const std::string& name, const std::optional<virt::GuestOwner>& owner,
                             const virt::GuestOwner& me) {
  if (!owner) {
    return "left guest " + name + " alone: it carries no Stratus owner metadata (not defined by " +
           "this agent: " + virt::describeOwner(me) + ")";
  }
  return "left guest " + name + " alone: it belongs to " + virt::describeOwner(*owner) +
         ", not to this agent (" + virt::describeOwner(me) + ")";
}

}  // namespace stratus::compute
