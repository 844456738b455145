#include "cli/placement_commands.h"

#include <iostream>

#include "cli/exit_code.h"
#include "cli/output_format.h"
#include "common/ini_config.h"
#include "common/uuid.h"
#include "compute/provider_plan.h"
#include "placement_client/client.h"
#include "traits/catalog.h"

namespace stratus::cli {
namespace {

using placement_client::PlacementClient;
using placement_client::Provider;

struct Context {
  std::unique_ptr<PlacementClient> client;
  traits::TraitsConfig traits;
  OutputFormat format = OutputFormat::kTable;
};

// Placement's answers are failures of the call (exit 1); what the user typed wrong
// before anything was sent is a usage error (exit 2).
int placementFailure(const Error& e) {
  std::cerr << "stratus: " << e.message << "\n";
  return kExitFailure;
}

int usageFailure(const Error& e) {
  std::cerr << "stratus: " << e.message << "\n";
  return kExitUsage;
}

Result<Context> contextFor(const PlacementCommandOptions& o) {
  Context ctx;
  placement_client::ClientOptions client_options;
  if (!o.config_path.empty()) {
    auto ini = IniConfig::load(o.config_path);
    if (!ini) return ini.takeError();
    if (auto v = ini->get("placement", "url")) client_options.base_url = *v;
    if (auto v = ini->get("placement", "auth_token")) client_options.token = *v;
    auto traits = traits::traitsConfigFrom(*ini);
    if (!traits) return traits.takeError();
    ctx.traits = *traits;
  }
  if (!o.placement_url.empty()) client_options.base_url = o.placement_url;
  if (!o.auth_token.empty()) client_options.token = o.auth_token;
  if (!o.viommu_prefix.empty()) {
    STRATUS_RETURN_IF_ERROR(
        traits::setViommuPrefix(ctx.traits, o.viommu_prefix, "--viommu-trait-prefix"));
  }
  client_options.microversion = "1.26";
  auto client = PlacementClient::create(client_options);
  if (!client) return client.takeError();
  ctx.client = std::move(*client);
  ctx.format = o.format == "json"    ? OutputFormat::kJson
               : o.format == "value" ? OutputFormat::kValue
                                     : OutputFormat::kTable;
  return ctx;
}

Result<Provider> resolveProvider(PlacementClient& client, const std::string& ref) {
  if (isCanonicalUuid(ref)) {
    auto p = client.getProvider(ref);
    if (!p) return p.takeError();
    if (*p) return std::move(**p);
  }
  auto p = client.findProviderByName(ref);
  if (!p) return p.takeError();
  if (!*p) {
    return Error::make(ErrorCode::kNotFound,
                       "no resource provider with name or UUID '" + ref + "' (HTTP 404)");
  }
  return std::move(**p);
}

std::string setBy(const std::string& trait, const traits::TraitsConfig& config) {
  return compute::isAgentOwnedTrait(trait, config) ? "agent" : "other";
}

int providerList(Context& ctx) {
  auto providers = ctx.client->listProviders();
  if (!providers) return placementFailure(providers.error());
  Rows rows{{"uuid", "name", "generation", "root_provider_uuid", "parent_provider_uuid"}, {}};
  for (const auto& p : *providers) {
    rows.rows.push_back({p.uuid, p.name, std::to_string(p.generation), p.root_uuid, p.parent_uuid});
  }
  printRows(std::cout, rows, ctx.format);
  return kExitOk;
}

std::string ratioText(double r) {
  std::ostringstream s;
  s << r;
  return s.str();
}

int providerShow(Context& ctx, const std::string& ref) {
  auto provider = resolveProvider(*ctx.client, ref);
  if (!provider) return placementFailure(provider.error());
  auto inventories = ctx.client->getInventories(provider->uuid);
  if (!inventories) return placementFailure(inventories.error());
  auto usages = ctx.client->getUsages(provider->uuid);
  if (!usages) return placementFailure(usages.error());
  auto traits = ctx.client->getTraits(provider->uuid);
  if (!traits) return placementFailure(traits.error());

  if (ctx.format == OutputFormat::kJson) {
    nlohmann::json doc = {{"uuid", provider->uuid},
                          {"name", provider->name},
                          {"generation", provider->generation},
                          {"root_provider_uuid", provider->root_uuid},
                          {"parent_provider_uuid", provider->parent_uuid},
                          {"inventories", nlohmann::json::object()},
                          {"traits", nlohmann::json::array()}};
    for (const auto& [rc, inv] : inventories->inventories) {
      doc["inventories"][rc] = {{"total", inv.total},
                                {"reserved", inv.reserved},
                                {"min_unit", inv.min_unit},
                                {"max_unit", inv.max_unit},
                                {"step_size", inv.step_size},
                                {"allocation_ratio", inv.allocation_ratio},
                                {"used", usages->contains(rc) ? usages->at(rc) : 0}};
    }
    for (const auto& t : traits->traits) {
      doc["traits"].push_back({{"name", t}, {"set_by", setBy(t, ctx.traits)}});
    }
    std::cout << doc.dump(2) << "\n";
    return kExitOk;
  }
  std::string inv_text, trait_text;
  for (const auto& [rc, inv] : inventories->inventories) {
    const std::int64_t used = usages->contains(rc) ? usages->at(rc) : 0;
    inv_text += (inv_text.empty() ? "" : "\n") + rc + ": used " + std::to_string(used) + " of " +
                std::to_string(inv.total) + " (reserved " + std::to_string(inv.reserved) +
                ", ratio " + ratioText(inv.allocation_ratio) + ")";
  }
  for (const auto& t : traits->traits) {
    trait_text += (trait_text.empty() ? "" : "\n") + t + " (" + setBy(t, ctx.traits) + ")";
  }
  Rows rows{{"Field", "Value"},
            {{"uuid", provider->uuid},
             {"name", provider->name},
             {"generation", std::to_string(provider->generation)},
             {"root_provider_uuid", provider->root_uuid},
             {"parent_provider_uuid", provider->parent_uuid},
             {"inventories", inv_text},
             {"traits", trait_text}}};
  if (ctx.format == OutputFormat::kValue) {
    for (const auto& row : rows.rows) std::cout << row[1] << "\n";
  } else {
    printTable(std::cout, rows);
  }
  return kExitOk;
}

int traitList(Context& ctx, const PlacementCommandOptions& o) {
  if (!o.provider.empty()) {
    auto provider = resolveProvider(*ctx.client, o.provider);
    if (!provider) return placementFailure(provider.error());
    auto traits = ctx.client->getTraits(provider->uuid);
    if (!traits) return placementFailure(traits.error());
    Rows rows{{"name", "set_by"}, {}};
    for (const auto& t : traits->traits) {
      if (!o.startswith.empty() && t.rfind(o.startswith, 0) != 0) continue;
      rows.rows.push_back({t, setBy(t, ctx.traits)});
    }
    printRows(std::cout, rows, ctx.format);
    return kExitOk;
  }
  auto traits = ctx.client->listTraits(
      o.startswith.empty() ? ""
                           : "name=startswith:" + placement_client::encodeQueryValue(o.startswith));
  if (!traits) return placementFailure(traits.error());
  Rows rows{{"name"}, {}};
  for (const auto& t : *traits) rows.rows.push_back({t});
  printRows(std::cout, rows, ctx.format);
  return kExitOk;
}

int traitChange(Context& ctx, const PlacementCommandOptions& o, bool set) {
  for (const auto& t : o.traits) {
    if (auto s = traits::validateTraitName(t, "TRAIT"); !s) return usageFailure(s.error());
  }
  auto provider = resolveProvider(*ctx.client, o.provider);
  if (!provider) return placementFailure(provider.error());
  if (set) {
    for (const auto& t : o.traits) {
      if (t.rfind("CUSTOM_", 0) == 0) {
        if (auto s = ctx.client->ensureTrait(t); !s) return placementFailure(s.error());
      }
    }
  }
  // Someone else (the agent) may write between our read and our write: re-read and redo.
  Error last = Error::make(ErrorCode::kConflict, "");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = ctx.client->getTraits(provider->uuid);
    if (!current) return placementFailure(current.error());
    std::set<std::string> wanted = current->traits;
    for (const auto& t : o.traits) {
      if (set) {
        wanted.insert(t);
      } else {
        wanted.erase(t);
      }
    }
    if (wanted != current->traits) {
      auto gen = ctx.client->putTraits(provider->uuid, current->generation, wanted);
      if (!gen) {
        if (gen.error().code == ErrorCode::kConflict) {
          last = gen.takeError();
          continue;
        }
        return placementFailure(gen.error());
      }
    }
    Rows rows{{"name", "set_by"}, {}};
    for (const auto& t : wanted) rows.rows.push_back({t, setBy(t, ctx.traits)});
    printRows(std::cout, rows, ctx.format);
    return kExitOk;
  }
  return placementFailure(last);
}

void addConnection(CLI::App* cmd, PlacementCommandOptions& o) {
  cmd->add_option("--config", o.config_path, "INI file: [placement] url, auth_token; [traits]");
  cmd->add_option("--placement-url", o.placement_url, "placement base URL (http://127.0.0.1:8778)");
  cmd->add_option("--auth-token", o.auth_token, "X-Auth-Token (default admin)");
  cmd->add_option("--viommu-trait-prefix", o.viommu_prefix,
                  "which vIOMMU trait spelling the agent publishes");
  cmd->add_option("-f,--format", o.format, "table, json or value")
      ->check(CLI::IsMember({"table", "json", "value"}));
}

}  // namespace

PlacementCommands addPlacementCommands(CLI::App& app, PlacementCommandOptions& o) {
  PlacementCommands c;
  auto* provider = app.add_subcommand("provider", "resource providers in placement");
  provider->require_subcommand(1);
  c.provider_list = provider->add_subcommand("list", "every resource provider");
  addConnection(c.provider_list, o);
  c.provider_show = provider->add_subcommand(
      "show", "one provider: inventories with usage, traits and who set each");
  addConnection(c.provider_show, o);
  c.provider_show->add_option("provider", o.provider, "NAME or UUID")->required();

  auto* trait = app.add_subcommand("trait", "traits in placement");
  trait->require_subcommand(1);
  c.trait_list = trait->add_subcommand("list", "the trait catalog, or one provider's traits");
  addConnection(c.trait_list, o);
  c.trait_list->add_option("--provider", o.provider, "NAME or UUID");
  c.trait_list->add_option("--startswith", o.startswith, "only names with this prefix");
  c.trait_set = trait->add_subcommand("set", "add traits to a provider, keeping the others");
  addConnection(c.trait_set, o);
  c.trait_set->add_option("--provider", o.provider, "NAME or UUID")->required();
  c.trait_set->add_option("traits", o.traits, "TRAIT...")->required();
  c.trait_unset = trait->add_subcommand("unset", "remove traits from a provider");
  addConnection(c.trait_unset, o);
  c.trait_unset->add_option("--provider", o.provider, "NAME or UUID")->required();
  c.trait_unset->add_option("traits", o.traits, "TRAIT...")->required();
  return c;
}

std::optional<int> runPlacementCommands(const PlacementCommands& c,
                                        const PlacementCommandOptions& o) {
  const bool chosen =
      *c.provider_list || *c.provider_show || *c.trait_list || *c.trait_set || *c.trait_unset;
  if (!chosen) return std::nullopt;
  auto ctx = contextFor(o);
  if (!ctx) return usageFailure(ctx.error());
  if (*c.provider_list) return providerList(*ctx);
  if (*c.provider_show) return providerShow(*ctx, o.provider);
  if (*c.trait_list) return traitList(*ctx, o);
  return traitChange(*ctx, o, c.trait_set->parsed());
}

}  // namespace stratus::cli
