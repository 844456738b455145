#include "compute/provider_config_plan.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compute/durable_file.h"

namespace stratus::compute {
namespace {

std::string identified(const ProviderConfigEntry& e) {
  return std::string(e.by == ProviderConfigEntry::By::kName ? "name " : "uuid ") + e.id;
}

struct Target {
  std::string name;
  const DesiredPciProvider* pci = nullptr;  // null: the compute node
};

Status checkOwnership(const ProviderConfigEntry& e, const Target& t, const DesiredProvider& root,
                      const traits::TraitsConfig& traits) {
  for (const auto& [rc, inv] : e.inventories) {
    const bool agents = t.pci ? t.pci->inventories.contains(rc) : root.inventories.contains(rc);
    if (agents) {
      return Error::invalid(e.source + ".inventories.additional", rc,
                            "a custom class the agent does not report on " + t.name,
                            "the agent reports " + rc + " on " + t.name + " itself");
    }
  }
  for (const auto& trait : e.traits) {
    const bool agents = t.pci ? t.pci->traits.contains(trait)
                              : root.traits.contains(trait) || isAgentOwnedTrait(trait, traits);
    if (agents) {
      return Error::invalid(e.source + ".traits.additional", trait,
                            "a custom trait the agent does not set on " + t.name,
                            "the agent sets " + trait + " on " + t.name + " itself");
    }
  }
  return okStatus();
}

std::set<std::string> keysOf(const placement_client::Inventories& inventories) {
  std::set<std::string> out;
  for (const auto& [rc, inv] : inventories) out.insert(rc);
  return out;
}

nlohmann::json sorted(const std::set<std::string>& names) {
  return nlohmann::json(std::vector<std::string>(names.begin(), names.end()));
}

Error recordError(const std::string& path, const std::string& why) {
  return Error::precondition("[compute] instances_path", path,
                             "published record " + path + ": " + why);
}

}  // namespace

Result<ResolvedProviderConfig> resolveProviderConfigs(const ProviderConfigs& configs,
                                                      const DesiredProvider& root,
                                                      const std::string& root_uuid,
                                                      const std::vector<DesiredPciProvider>& pci,
                                                      const traits::TraitsConfig& traits) {
  std::map<std::string, Target> by_uuid;       // this agent's providers
  std::map<std::string, std::string> by_name;  // name -> uuid
  by_uuid[root_uuid] = Target{root.name, nullptr};
  by_name[root.name] = root_uuid;
  for (const auto& p : pci) {
    by_uuid[p.uuid] = Target{p.name, &p};
    by_name[p.name] = p.uuid;
  }
  ResolvedProviderConfig out;
  std::map<std::string, const ProviderConfigEntry*> chosen;  // by provider uuid
  const ProviderConfigEntry* compute_node_default = nullptr;
  for (const auto& e : configs.entries) {
    if (e.by == ProviderConfigEntry::By::kUuid && e.id == kComputeNodeSentinel) {
      compute_node_default = &e;
      continue;
    }
    std::string uuid;
    if (e.by == ProviderConfigEntry::By::kName) {
      if (auto it = by_name.find(e.id); it != by_name.end()) uuid = it->second;
    } else if (by_uuid.contains(e.id)) {
      uuid = e.id;
    }
    if (uuid.empty()) {
      out.skipped.push_back(e.source + " (" + identified(e) + ")");
      continue;
    }
    if (auto seen = chosen.find(uuid); seen != chosen.end()) {
      return Error::invalid(e.source + ".identification", identified(e), "one entry per provider",
                            "it names provider " + by_uuid[uuid].name + ", which " +
                                seen->second->source + " names too");
    }
    chosen[uuid] = &e;
  }
  // Nova's rule: an entry naming the compute node itself wins over $COMPUTE_NODE.
  if (compute_node_default != nullptr && !chosen.contains(root_uuid)) {
    chosen[root_uuid] = compute_node_default;
  }
  for (const auto& [uuid, e] : chosen) {
    STRATUS_RETURN_IF_ERROR(checkOwnership(*e, by_uuid[uuid], root, traits));
    out.by_uuid[uuid] = ProviderAdditions{e->inventories, e->traits};
  }
  return out;
}

PublishedRecord applyProviderConfig(DesiredProvider& root, const std::string& root_uuid,
                                    std::vector<DesiredPciProvider>& pci,
                                    const ResolvedProviderConfig& resolved,
                                    const PublishedRecord& before) {
  PublishedRecord out;
  const auto previously = [&](const std::string& uuid) {
    auto it = before.find(uuid);
    return it == before.end() ? PublishedOnProvider{} : it->second;
  };
  const auto add = [&](const std::string& uuid, placement_client::Inventories& inventories,
                       std::set<std::string>& traits, PublishedOnProvider& published) {
    auto it = resolved.by_uuid.find(uuid);
    if (it == resolved.by_uuid.end()) return;
    for (const auto& [rc, inv] : it->second.inventories) {
      inventories[rc] = inv;
      published.config_classes.insert(rc);
    }
    traits.insert(it->second.traits.begin(), it->second.traits.end());
    published.config_traits = it->second.traits;
  };

  const PublishedOnProvider root_before = previously(root_uuid);
  root.owned_classes.insert(root_before.config_classes.begin(), root_before.config_classes.end());
  root.owned_traits.insert(root_before.config_traits.begin(), root_before.config_traits.end());
  PublishedOnProvider root_now;
  add(root_uuid, root.inventories, root.traits, root_now);
  if (root_now != PublishedOnProvider{}) out[root_uuid] = root_now;

  for (auto& p : pci) {
    const PublishedOnProvider p_before = previously(p.uuid);
    PublishedOnProvider p_now;
    p_now.classes = keysOf(p.inventories);
    p.owned_classes = p_now.classes;
    p.owned_classes.insert(p_before.classes.begin(), p_before.classes.end());
    p.owned_classes.insert(p_before.config_classes.begin(), p_before.config_classes.end());
    add(p.uuid, p.inventories, p.traits, p_now);
    out[p.uuid] = p_now;
  }
  return out;
}

PublishedRecord unionOf(const PublishedRecord& a, const PublishedRecord& b) {
  PublishedRecord out = a;
  for (const auto& [uuid, p] : b) {
    PublishedOnProvider& o = out[uuid];
    o.classes.insert(p.classes.begin(), p.classes.end());
    o.config_classes.insert(p.config_classes.begin(), p.config_classes.end());
    o.config_traits.insert(p.config_traits.begin(), p.config_traits.end());
  }
  return out;
}

bool covers(const PublishedRecord& whole, const PublishedRecord& part) {
  const auto within = [](const std::set<std::string>& small, const std::set<std::string>& big) {
    return std::includes(big.begin(), big.end(), small.begin(), small.end());
  };
  for (const auto& [uuid, p] : part) {
    auto it = whole.find(uuid);
    const PublishedOnProvider w = it == whole.end() ? PublishedOnProvider{} : it->second;
    if (!within(p.classes, w.classes) || !within(p.config_classes, w.config_classes) ||
        !within(p.config_traits, w.config_traits)) {
      return false;
    }
  }
  return true;
}

std::string publishedRecordPath(const std::string& instances_path, const std::string& host) {
  return (std::filesystem::path(instances_path) / ("published-" + host + ".json")).string();
}

Result<PublishedRecord> loadPublishedRecord(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return PublishedRecord{};
  std::ifstream in(path);
  if (!in) return recordError(path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  const char* shape =
      "is not {\"providers\": {\"<uuid>\": {\"classes\": [...], \"config_classes\": [...], "
      "\"config_traits\": [...]}}}";
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("providers") ||
      !doc["providers"].is_object()) {
    return recordError(path, shape);
  }
  PublishedRecord out;
  for (const auto& [uuid, entry] : doc["providers"].items()) {
    if (!entry.is_object()) return recordError(path, shape);
    PublishedOnProvider p;
    for (auto [key, dst] :
         {std::pair{"classes", &p.classes}, std::pair{"config_classes", &p.config_classes},
          std::pair{"config_traits", &p.config_traits}}) {
      if (!entry.contains(key)) continue;
      if (!entry[key].is_array()) return recordError(path, shape);
      for (const auto& name : entry[key]) {
        if (!name.is_string()) return recordError(path, shape);
        dst->insert(name.get<std::string>());
      }
    }
    out[uuid] = std::move(p);
  }
  return out;
}

Status savePublishedRecord(const std::string& path, const PublishedRecord& record) {
  nlohmann::json doc = {{"providers", nlohmann::json::object()}};
  for (const auto& [uuid, p] : record) {
    doc["providers"][uuid] = {{"classes", sorted(p.classes)},
                              {"config_classes", sorted(p.config_classes)},
                              {"config_traits", sorted(p.config_traits)}};
  }
  const std::string why = replaceFileDurably(path, doc.dump(2) + "\n");
  if (!why.empty()) return recordError(path, why);
  return okStatus();
}

}  // namespace stratus::compute
