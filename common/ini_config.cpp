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

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t\r") - first + 1));
}

}  // namespace

bool IniConfig::isRepeatable(std::string_view section, std::string_view key) {
  return section == "pci" && (key == "device_spec" || key == "alias");
}

Result<IniConfig> IniConfig::parse(const std::string& text, const std::string& source) {
  // Boost's reader refuses a key given twice, so the lines of repeatable keys are taken
  // out first (blanked, so that line numbers in its errors stay right). Sections are
  // recognised the way it does: a trimmed line that starts with '[' and has a ']'.
  IniConfig config;
  std::string rest;
  {
    std::istringstream lines(text);
    std::string line, section;
    while (std::getline(lines, line)) {
      const std::string t = trim(line);
      if (t.starts_with('[') && t.find(']') != std::string::npos) {
        section = trim(std::string_view(t).substr(1, t.find(']') - 1));
      } else if (!t.empty() && t[0] != ';' && t[0] != '#' && t.find('=') != std::string::npos) {
        const std::string key = trim(std::string_view(t).substr(0, t.find('=')));
        if (isRepeatable(section, key)) {
          config.repeated_[section][key].push_back(
              trim(std::string_view(t).substr(t.find('=') + 1)));
          line.clear();
        }
      }
      rest += line;
      rest += '\n';
    }
  }
  boost::property_tree::ptree tree;
  std::istringstream in(rest);
  try {
    boost::property_tree::ini_parser::read_ini(in, tree);
  } catch (const boost::property_tree::ini_parser_error& e) {
    return Error::invalid("--config", source, "an INI file of [section] and key = value lines",
                          "line " + std::to_string(e.line()) + ": " + e.message());
  }
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
  if (auto r = repeated_.find(section); r != repeated_.end()) {
    if (auto k = r->second.find(key); k != r->second.end()) return k->second.back();
  }
  auto s = sections_.find(section);
  if (s == sections_.end()) return std::nullopt;
  auto k = s->second.find(key);
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

std::vector<std::string> IniConfig::getAll(const std::string& section,
                                           const std::string& key) const {
  if (auto s = repeated_.find(section); s != repeated_.end()) {
    if (auto k = s->second.find(key); k != s->second.end()) return k->second;
  }
  // set() writes a single value, whichever the key.
  if (auto s = sections_.find(section); s != sections_.end()) {
    if (auto k = s->second.find(key); k != s->second.end()) return {k->second};
  }
  return {};
}

std::vector<std::string> IniConfig::keys(const std::string& section) const {
  std::vector<std::string> out;
  if (auto s = sections_.find(section); s != sections_.end()) {
    for (const auto& kv : s->second) out.push_back(kv.first);
  }
  if (auto s = repeated_.find(section); s != repeated_.end()) {
    for (const auto& kv : s->second) out.push_back(kv.first);
  }
  std::sort(out.begin(), out.end());
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
