#include "scheduler/scheduler.h"

#include <algorithm>
#include <map>

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
    // Stratus hosts are single providers; a request spanning several is not a host.
    if (!allocations.is_object() || allocations.size() != 1) continue;
    Candidate c;
    c.provider_uuid = allocations.begin().key();
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

FilterOutcome filterHosts(const RequestSpec& spec, const std::vector<Candidate>& candidates,
                          const HostLookup& lookup, const virt::VirtConfig& config) {
  FilterOutcome out;
  std::vector<std::string> unreported;
  std::vector<std::string> refused;
  for (const Candidate& c : candidates) {
    auto host = lookup(c.provider_uuid);
    if (!host) {
      unreported.push_back(c.provider_uuid);
      continue;
    }
    auto plan = virt::planGuest(spec.guest, host->facts, config);
    if (!plan) {
      refused.push_back(host->name + ": " + plan.error().message);
      continue;
    }
    out.passed.push_back({c, std::move(*host), std::move(*plan)});
  }
  const auto summarize = [](const std::vector<std::string>& items) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < 3; ++i) s += (i ? "; " : "") + items[i];
    if (items.size() > 3) s += "; ...";
    return s;
  };
  if (!unreported.empty()) {
    out.removed.push_back("host filter host_reported removed " +
                          plural(unreported.size(), "host", "hosts") +
                          " whose agent has not reported facts (" + summarize(unreported) + ")");
  }
  if (!refused.empty()) {
    out.removed.push_back("host filter virt_rules removed " +
                          plural(refused.size(), "host", "hosts") + " (" + summarize(refused) +
                          ")");
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

std::string Scheduler::explainNoCandidates(const RequestSpec& spec) {
  // Ask again with the prefilters added one at a time, to say which one emptied the list.
  PlacementQuery query;
  query.limit = 1000;
  const PrefilterContext ctx{spec, traits_};
  std::string why;
  std::size_t before = 0;
  for (const auto& p : prefilters()) {
    PlacementQuery next = query;
    p.apply(ctx, next);
    auto answer = placement_.call("GET", "/allocation_candidates?" + next.queryString());
    if (!answer)
      return why + (why.empty() ? "" : "; ") + "could not ask placement: " + answer.error().message;
    auto candidates = parseCandidates(answer->body);
    const std::size_t count = candidates ? candidates->size() : 0;
    if (p.name == "resources") {
      why = plural(count, "host has", "hosts have") + " " + next.describe();
      if (count == 0) return why;
    } else if (count < before) {
      why += "; prefilter " + std::string(p.name) + " (" + next.describe() + ") removed " +
             std::to_string(before - count) + ", leaving " + std::to_string(count);
      if (count == 0) return why;
    }
    before = count;
    query = std::move(next);
  }
  return why;
}

Result<Selection> Scheduler::scheduleAndClaim(const RequestSpec& spec, const Consumer& consumer) {
  const PlacementQuery query = buildPlacementQuery(spec, traits_);
  auto answer = placement_.call("GET", "/allocation_candidates?" + query.queryString());
  if (!answer) {
    if (answer.error().code == ErrorCode::kUnavailable) return answer.takeError();
    return Error::make(
        ErrorCode::kFailedPrecondition,
        "No valid host was found: placement refused the query: " + answer.error().message);
  }
  auto candidates = parseCandidates(answer->body);
  if (!candidates) return candidates.takeError();
  if (candidates->empty()) {
    return Error::make(ErrorCode::kFailedPrecondition,
                       "No valid host was found: " + explainNoCandidates(spec));
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
    auto claimed = placement_.call("PUT", "/allocations/" + consumer.uuid, body);
    if (claimed) return Selection{h.host.name, h.candidate.provider_uuid, h.plan.resolved};
    if (claimed.error().code == ErrorCode::kUnavailable) return claimed.takeError();
    // Someone else took the room first: the next host.
    claim_failures.push_back(h.host.name + ": " + claimed.error().message);
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
