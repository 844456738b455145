#include "common/ini_config.h"

#include <algorithm>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <fstream>
#include <sstream>

namespace stratus {

Result<IniConfig> IniConfig::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Error::invalid("--config", path.string(), "a readable INI file", "cannot open the file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

Result<IniConfig> IniConfig::parse(const std::string& text, const std::string& source) {
  boost::property_tree::ptree tree;
  std::istringstream in(text);
  try {
    boost::property_tree::ini_parser::read_ini(in, tree);
  } catch (const boost::property_tree::ini_parser_error& e) {
    return Error::invalid("--config", source, "an INI file of [section] and key = value lines",
                          "line " + std::to_string(e.line()) + ": " + e.message());
  }
  IniConfig config;
  for (const auto& [section, body] : tree) {
    if (body.empty()) {
      return Error::invalid("--config", source, "keys inside a [section]",
                            "key '" + section + "' stands outside any section");
    }
    for (const auto& [key, value] : body) {
      config.sections_[section][key] = value.get_value<std::string>();
    }
  }
  return config;
}

std::optional<std::string> IniConfig::get(const std::string& section,
                                          const std::string& key) const {
  auto s = sections_.find(section);
  if (s == sections_.end()) return std::nullopt;
  auto k = s->second.find(key);
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

std::vector<std::string> IniConfig::keys(const std::string& section) const {
  std::vector<std::string> out;
  auto s = sections_.find(section);
  if (s == sections_.end()) return out;
  for (const auto& kv : s->second) out.push_back(kv.first);
  return out;
}

void IniConfig::set(const std::string& section, const std::string& key, std::string value) {
  sections_[section][key] = std::move(value);
}

std::string IniConfig::qualified(std::string_view section, std::string_view key) {
  // Appended piece by piece: g++ 12 at -O3 warns -Wrestrict on `"[" + std::string(...)`,
  // a false positive (GCC bug 105329).
  std::string out = "[";
  out.append(section).append("] ").append(key);
  return out;
}

Status requireKnownKeys(const IniConfig& config, const std::string& section,
                        const std::vector<std::string_view>& known) {
  for (const auto& key : config.keys(section)) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string allowed;
      for (auto k : known) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      return Error::invalid(IniConfig::qualified(section, key), config.get(section, key).value(),
                            allowed, "unknown setting");
    }
  }
  return okStatus();
}

}  // namespace stratus
