// The INI configuration file shared by every Stratus program ([DEFAULT], [libvirt],
// [traits], ...). Each component reads its own sections and validates its own keys.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus {

class IniConfig {
 public:
  IniConfig() = default;

  static Result<IniConfig> load(const std::filesystem::path& path);
  static Result<IniConfig> parse(const std::string& text, const std::string& source);

  // For a repeatable key (below), the last of its values.
  std::optional<std::string> get(const std::string& section, const std::string& key) const;
  // Every value of a key in file order: one line each for a repeatable key, else at
  // most one.
  std::vector<std::string> getAll(const std::string& section, const std::string& key) const;
  // Keys that may appear on several lines, each line one value, as oslo.config's
  // MultiStrOpt reads them: [pci] device_spec and [pci] alias (nova/conf/pci.py). Every
  // other key given twice in a section is still refused.
  static bool isRepeatable(std::string_view section, std::string_view key);
  std::vector<std::string> keys(const std::string& section) const;
  void set(const std::string& section, const std::string& key, std::string value);
  // "[section] key" as users write it in messages.
  static std::string qualified(std::string_view section, std::string_view key);

 private:
  std::map<std::string, std::map<std::string, std::string>> sections_;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> repeated_;
};

// Rejects keys of `section` that are not in `known`: a typo in a setting must not be
// silently ignored.
Status requireKnownKeys(const IniConfig& config, const std::string& section,
                        const std::vector<std::string_view>& known);

}  // namespace stratus
