#include "scheduler/scheduler.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/log.h"
#include "common/uuid.h"

namespace stratus::scheduler {
namespace {
using nlohmann::json;

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

Result<std::vector<Candidate>> parseCandidates(const json& doc) {
  if (!doc.is_object() || !doc.contains("allocation_requests") ||
      !doc["allocation_requests"].is_array()) {
    return Error::make(ErrorCode::kUnavailable,
                       "placement answered allocation candidates without allocation_requests");
  }
  const json summaries = doc.value("provider_summaries", json::object());
  std::vector<Candidate> out;
  for (const json& request : doc["allocation_requests"]) {
    const json allocations = request.value("allocations", json::object());
    if (!allocations.is_object() || allocations.empty()) continue;
    std::optional<std::string> root;
    bool one_tree = true;
    for (const auto& [rp, alloc] : allocations.items()) {
      if (!summaries.contains(rp)) continue;
      const json r = summaries[rp].value("root_provider_uuid", json());
      if (!r.is_string()) continue;
      if (root && *root != r.get<std::string>()) one_tree = false;
      root = r.get<std::string>();
    }
    if (!one_tree) continue;  // one guest lives on one host
    if (!root) {
      // Before 1.29 the summaries do not name roots: the compute node holds the VCPU.
      for (const auto& [rp, alloc] : allocations.items()) {
        if (alloc.is_object() && alloc.value("resources", json::object()).contains("VCPU")) {
          root = rp;
        }
      }
    }
    if (!root && allocations.size() == 1) root = allocations.begin().key();
    if (!root) continue;
    Candidate c;
    c.provider_uuid = *root;
    c.allocations = allocations;
    if (summaries.contains(c.provider_uuid)) {
      const json mem = summaries[c.provider_uuid]
                           .value("resources", json::object())
                           .value("MEMORY_MB", json::object());
      c.free_memory_mb =
          mem.value("capacity", std::int64_t{0}) - mem.value("used", std::int64_t{0});
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<pci::DeviceNode>> pciDevicesOf(const Candidate& candidate,
                                                  const HostRecord& host) {
  const auto& devices = host.facts.pci_devices;
  std::map<std::string, pci::DeviceNode> by_uuid;
  for (const auto& d : devices) {
    std::string name = host.name + "_" + d.address;
    std::transform(name.begin() + static_cast<std::ptrdiff_t>(host.name.size()), name.end(),
                   name.begin() + static_cast<std::ptrdiff_t>(host.name.size()),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    pci::DeviceNode node{d.address, d.numa_node};
    if (d.dev_type == virt::PciDevType::kPf && !node.numa_node) {
      for (const auto& vf : d.vfs) {
        const auto* f = virt::findPciDevice(devices, vf);
        if (f && f->numa_node) {
          node.numa_node = f->numa_node;
          break;
        }
      }
    }
    by_uuid[providerUuidFor(name)] = node;
  }
  std::vector<pci::DeviceNode> out;
  for (const auto& [rp, alloc] : candidate.allocations.items()) {
    if (rp == candidate.provider_uuid) continue;
    auto it = by_uuid.find(rp);
    if (it == by_uuid.end()) {
      return Error::make(
          ErrorCode::kFailedPrecondition,
          "provider " + rp + " is none of the PCI devices " + host.name + " reports");
    }
    std::int64_t units = 0;
    const json resources = alloc.value("resources", json::object());
    for (const auto& [rc, n] : resources.items()) {
      if (n.is_number_integer()) units += n.get<std::int64_t>();
    }
    for (std::int64_t i = 0; i < units; ++i) out.push_back(it->second);
  }
  return out;
}

namespace {

// Which hosts one filter refused, each with its first reason, in the order met.
struct Refusals {
  std::vector<std::pair<std::string, std::string>> hosts;
  void add(const std::string& host, const std::string& why) {
    for (const auto& [h, w] : hosts) {
      if (h == host) return;
    }
    hosts.emplace_back(host, why);
  }
  // Hosts that another candidate got through are not removed.
  std::vector<std::string> removed(const std::set<std::string>& passed) const {
    std::vector<std::string> out;
    for (const auto& [h, w] : hosts) {
      if (!passed.contains(h)) out.push_back(w.empty() ? h : h + ": " + w);
    }
    return out;
  }
};

std::string summarize(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < 3; ++i) s += (i ? "; " : "") + items[i];
  if (items.size() > 3) s += "; ...";
  return s;
}

Status checkPciNuma(const RequestSpec& spec, const Candidate& c, const HostRecord& host) {
  auto devices = pciDevicesOf(c, host);
  if (!devices) return devices.takeError();
  const pci::NumaPolicy policy = spec.pci.strictestPolicy();
  std::string source;
  for (const auto& r : spec.pci.requests) {
    if (r.numa_policy == policy) {
      source = r.numa_policy_source;
      break;
    }
  }
  auto placed = pci::numaPlacementFor(policy, source, *devices, spec.guest.ram_mib, host.facts);
  if (!placed) return placed.takeError();
  return okStatus();
}

}  // namespace

FilterOutcome filterHosts(const RequestSpec& spec, const std::vector<Candidate>& candidates,
                          const HostLookup& lookup, const virt::VirtConfig& config) {
  FilterOutcome out;
  Refusals unreported, virt_rules, pci_numa;
  std::set<std::string> passed;
  for (const Candidate& c : candidates) {
    auto host = lookup(c.provider_uuid);
    if (!host) {
      unreported.add(c.provider_uuid, "");
      continue;
    }
    auto plan = virt::planGuest(spec.guest, host->facts, config);
    if (!plan) {
      virt_rules.add(host->name, plan.error().message);
      continue;
    }
    if (!spec.pci.empty()) {
      if (auto s = checkPciNuma(spec, c, *host); !s) {
        pci_numa.add(host->name, s.error().message);
        continue;
      }
    }
    passed.insert(host->name);
    out.passed.push_back({c, std::move(*host), std::move(*plan)});
  }
  if (auto r = unreported.removed(passed); !r.empty()) {
    out.removed.push_back("host filter host_reported removed " + plural(r.size(), "host", "hosts") +
                          " whose agent has not reported facts (" + summarize(r) + ")");
  }
  if (auto r = virt_rules.removed(passed); !r.empty()) {
    out.removed.push_back("host filter virt_rules removed " + plural(r.size(), "host", "hosts") +
                          " (" + summarize(r) + ")");
  }
  if (auto r = pci_numa.removed(passed); !r.empty()) {
    out.removed.push_back("host filter pci_numa_affinity removed " +
                          plural(r.size(), "host", "hosts") + " (" + summarize(r) + ")");
  }
  return out;
}

void weighHosts(std::vector<PassedHost>& hosts) {
  std::stable_sort(hosts.begin(), hosts.end(), [](const PassedHost& a, const PassedHost& b) {
    if (a.candidate.free_memory_mb != b.candidate.free_memory_mb) {
      return a.candidate.free_memory_mb > b.candidate.free_memory_mb;
    }
    return a.host.name < b.host.name;
  });
}

namespace {

// Several allocation requests may come from one host (one per device choice). A trait
// placement does not know is taken out of the query (or ends the count at 0) and it is
// asked again, so a step adding CUSTOM_NOPE=required counts as removing every host
// rather than as a refusal; placement names one or all unknown traits per answer.
Result<std::size_t> countHosts(placement_client::PlacementClient& placement, PlacementQuery query) {
  for (;;) {
    auto answer = placement.call("GET", "/allocation_candidates?" + query.queryString());
    if (!answer) {
      const std::vector<std::string> unknown = unknownTraitsIn(answer.error());
      if (unknown.empty()) return answer.takeError();
      const std::string before = query.queryString();
      for (const auto& t : unknown) {
        auto reduced = withoutUnknownTrait(query, t);
        if (!reduced) return std::size_t{0};
        query = std::move(*reduced);
      }
      // A name that is nowhere in the query: asking again would loop.
      if (query.queryString() == before) return answer.takeError();
      continue;
    }
    auto candidates = parseCandidates(answer->body);
    std::set<std::string> hosts;
    if (candidates) {
      for (const auto& c : *candidates) hosts.insert(c.provider_uuid);
    }
    return hosts.size();
  }
}

}  // namespace

std::vector<std::string> unknownTraitsIn(const Error& refused) {
  static constexpr std::string_view kPrefix = "No such trait(s): ";
  if (refused.code != ErrorCode::kInvalidArgument) return {};
  const auto at = refused.message.find(kPrefix);
  if (at == std::string::npos) return {};
  std::vector<std::string> out;
  std::string name;
  for (char c : refused.message.substr(at + kPrefix.size())) {
    if (std::isupper(static_cast<unsigned char>(c)) ||
        std::isdigit(static_cast<unsigned char>(c)) || c == '_') {
      name += c;
      continue;
    }
    if (!name.empty()) out.push_back(std::move(name));
    name.clear();
    if (c != ',' && c != ' ') break;  // the sentence's end: "." or a newline
  }
  if (!name.empty()) out.push_back(std::move(name));
  return out;
}

std::optional<PlacementQuery> withoutUnknownTrait(const PlacementQuery& query,
                                                  const std::string& trait) {
  if (query.required.contains(trait)) return std::nullopt;
  PlacementQuery out = query;
  out.forbidden.erase(trait);
  for (auto& members : out.any_of) {
    std::erase(members, trait);
    if (members.empty()) return std::nullopt;
  }
  for (auto& g : out.groups) {
    if (g.required.contains(trait)) return std::nullopt;
    g.forbidden.erase(trait);
  }
  return out;
}

std::string explainNoCandidates(const RequestSpec& spec, const traits::TraitsConfig& traits,
                                const HostCounter& count_hosts) {
  PlacementQuery query;
  query.limit = 1000;
  const PrefilterContext ctx{spec, traits};
  const std::vector<QueryStep> steps = querySteps(ctx);
  std::string why;
  std::size_t before = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    PlacementQuery next = query;
    steps[i].apply(next);
    auto counted = count_hosts(next);
    if (!counted)
      return why + (why.empty() ? "" : "; ") +
             "could not ask placement: " + counted.error().message;
    const std::size_t count = *counted;
    if (i == 0) {
      why = plural(count, "host has", "hosts have") + " " + next.describe();
      if (count == 0) return why;
    } else if (count < before) {
      if (steps[i].item) {
        why += "; " + steps[i].label + " removed " + plural(before - count, "host", "hosts") +
               ", leaving " + std::to_string(count);
      } else {
        why += "; " + steps[i].label.substr(0, steps[i].label.find(" (")) + " (" + next.describe() +
               ") removed " + std::to_string(before - count) + ", leaving " + std::to_string(count);
      }
      if (count == 0) return why;
    }
    before = count;
    query = std::move(next);
  }
  return why;
}

Result<std::optional<std::string>> Scheduler::claimOn(const std::string& consumer, const json& body,
                                                      const BeforeClaim& before_claim) {
  for (int attempt = 0;; ++attempt) {
    if (before_claim) {
      if (auto s = before_claim(); !s) return s.error();
    }
    auto claimed = placement_.call("PUT", "/allocations/" + consumer, body);
    if (claimed) return std::optional<std::string>();
    if (claimed.error().code == ErrorCode::kUnavailable) return claimed.takeError();
    const bool someone_claimed =
        claimed.error().code == ErrorCode::kConflict &&
        claimed.error().message.find("consumer generation conflict") != std::string::npos;
    if (!someone_claimed || attempt >= kClaimRetries) {
      return std::optional<std::string>(claimed.error().message);
    }
    // Only our consumer's allocations go: the server is ours by its lease, so a claim
    // for it that we did not make is a late one from a conductor that lost the lease.
    // Asked again first, because the refused PUT itself may have outlasted our lease,
    // and then the claim in the way is the new owner's.
    if (before_claim) {
      if (auto s = before_claim(); !s) return s.error();
    }
    logLine("consumer " + consumer + ": a claim made by someone else is in the way (" +
            claimed.error().message + "); giving it back and claiming again");
    auto released = placement_.call("DELETE", "/allocations/" + consumer);
    if (!released && released.error().code != ErrorCode::kNotFound) return released.takeError();
  }
}

Result<Selection> Scheduler::scheduleAndClaim(const RequestSpec& spec, const Consumer& consumer,
                                              const BeforeClaim& before_claim) {
  if (auto s = checkQueryConflicts(spec, traits_); !s) return s.error();
  const PlacementQuery query = buildPlacementQuery(spec, traits_);
  auto answer = placement_.call("GET", "/allocation_candidates?" + query.queryString());
  std::vector<Candidate> none;
  if (!answer) {
    if (answer.error().code == ErrorCode::kUnavailable) return answer.takeError();
    // A trait placement does not know, required: no host has it, so say which request
    // removed how many hosts, as for an empty answer. Only forbidden: the refusal stands.
    bool leaves_none = false;
    if (!unknownTraitsIn(answer.error()).empty()) {
      auto matched = countHosts(placement_, query);
      if (!matched && matched.error().code == ErrorCode::kUnavailable) return matched.takeError();
      leaves_none = matched && *matched == 0;
    }
    if (!leaves_none) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "No valid host was found: placement refused the query (" +
                             query.describe() + "): " + answer.error().message);
    }
  }
  auto candidates = answer ? parseCandidates(answer->body) : Result<std::vector<Candidate>>(none);
  if (!candidates) return candidates.takeError();
  if (candidates->empty()) {
    // A forced host is named first: it is the only one the request could have.
    const std::string forced = spec.forced_host.empty()
                                   ? ""
                                   : "the forced host " + spec.forced_host +
                                         " cannot take the request (" + query.describe() + "): ";
    return Error::make(ErrorCode::kFailedPrecondition,
                       "No valid host was found: " + forced +
                           explainNoCandidates(spec, traits_, [this](const PlacementQuery& q) {
                             return countHosts(placement_, q);
                           }));
  }
  FilterOutcome filtered = filterHosts(spec, *candidates, lookup_, virt_);
  weighHosts(filtered.passed);
  std::vector<std::string> claim_failures;
  for (const PassedHost& h : filtered.passed) {
    json body = {{"allocations", json::object()},
                 {"project_id", consumer.project_id},
                 {"user_id", consumer.user_id},
                 {"consumer_generation", nullptr},
                 {"consumer_type", "INSTANCE"}};
    for (const auto& [rp, alloc] : h.candidate.allocations.items()) {
      body["allocations"][rp] = {{"resources", alloc.value("resources", json::object())}};
    }
    // A refusal moves on to the next host (someone else took the room first); an
    // error ends the pass.
    auto refused = claimOn(consumer.uuid, body, before_claim);
    if (!refused) return refused.takeError();
    if (!*refused) {
      return Selection{h.host.name, h.candidate.provider_uuid, h.plan.resolved,
                       body["allocations"]};
    }
    claim_failures.push_back(h.host.name + ": " + **refused);
  }
  std::string why = plural(candidates->size(), "candidate", "candidates") + " from placement (" +
                    query.describe() + ")";
  for (const auto& r : filtered.removed) why += "; " + r;
  if (!claim_failures.empty()) {
    why += "; claims refused on " + plural(claim_failures.size(), "host", "hosts") + " (" +
           claim_failures.front() + ")";
  }
  return Error::make(ErrorCode::kFailedPrecondition, "No valid host was found: " + why);
}

}  // namespace stratus::scheduler
