// `stratus provider ...` and `stratus trait ...`: what placement holds about the
// hosts, and which traits the agent derived versus someone else set.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stratus::cli {

struct PlacementCommandOptions {
  std::string config_path;
  std::string placement_url;
  std::string auth_token;
  std::string viommu_prefix;
  std::string format = "table";
  std::string provider;  // NAME or UUID
  std::string startswith;
  std::vector<std::string> traits;
};

struct PlacementCommands {
  CLI::App* provider_list = nullptr;
  CLI::App* provider_show = nullptr;
  CLI::App* trait_list = nullptr;
  CLI::App* trait_set = nullptr;
  CLI::App* trait_unset = nullptr;
};

PlacementCommands addPlacementCommands(CLI::App& app, PlacementCommandOptions& options);
// The exit code of the chosen command; nullopt when none of them was chosen.
std::optional<int> runPlacementCommands(const PlacementCommands& commands,
                                        const PlacementCommandOptions& options);

}  // namespace stratus::cli
