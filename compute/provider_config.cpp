#include "compute/provider_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/uuid.h"

namespace stratus::compute {
namespace {

constexpr std::int64_t kMaxInt = 2147483647;  // Placement's limit for every count
constexpr double kMaxRatio = 3.40282e38;      // and for allocation_ratio
constexpr std::size_t kMaxNameLength = 200;   // Nova's limit for identification.name
constexpr std::size_t kMaxClassLength = 255;

using Node = YAML::Node;

std::string kindOf(const Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "empty";
  }
}

// What a scalar was written as, for messages: the text, or the kind of node.
std::string shown(const Node& n) {
  return n.IsScalar() ? n.Scalar() : kindOf(n);
}

// A plain (unquoted) scalar is YAML's way of writing a number; a quoted one is a string.
bool isQuoted(const Node& n) {
  return n.IsScalar() && n.Tag() == "!";
}

// An error about the file's structure rather than one value: "<path>: <message>".
Error fileError(const std::string& path, const std::string& field, const std::string& message) {
  Error e = Error::invalid(path + ": " + field, "", "");
  e.message = path + ": " + message;
  return e;
}

class Reader {
 public:
  Reader(std::string path, bool strict) : path_(std::move(path)), strict_(strict) {}

  Error invalid(const std::string& field, const std::string& value, const std::string& allowed,
                const std::string& why = {}) const {
    return Error::invalid(path_ + ": " + field, value, allowed, why);
  }
  Error missing(const std::string& field, const std::string& what) const {
    return fileError(path_, field, field + " is missing; " + what);
  }

  // Keys of `map` outside `known`: an error in schema 1.0, a warning in 1.N.
  Status checkKeys(const Node& map, const std::string& field,
                   const std::vector<std::string>& known) {
    std::string allowed;
    for (const auto& k : known) allowed += (allowed.empty() ? "" : ", ") + k;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : kindOf(it->first);
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      const std::string where = field.empty() ? key : field + "." + key;
      if (strict_) {
        return fileError(
            path_, where,
            where + " is not a key of provider config schema 1.0; allowed: " + allowed);
      }
      warnings.push_back(path_ + ": " + where + " is not a key Stratus reads; skipped");
    }
    return okStatus();
  }

  Result<std::int64_t> integer(const Node& n, const std::string& field, std::int64_t min) const {
    const std::string allowed =
        "a whole number from " + std::to_string(min) + " to " + std::to_string(kMaxInt);
    std::int64_t v = 0;
    if (!n.IsScalar() || isQuoted(n)) return invalid(field, shown(n), allowed, "not a number");
    const std::string& s = n.Scalar();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) return invalid(field, s, allowed, "out of range");
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      return invalid(field, s, allowed, "not a whole number");
    }
    if (v < min || v > kMaxInt) return invalid(field, s, allowed, "out of range");
    return v;
  }

  Result<double> ratio(const Node& n, const std::string& field) const {
    const std::string allowed = "a number from 0 to 3.4e38, e.g. 1.0 or 16";
    double v = 0;
    if (!n.IsScalar() || isQuoted(n)) return invalid(field, shown(n), allowed, "not a number");
    const std::string& s = n.Scalar();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
      return invalid(field, s, allowed, "not a number");
    }
    if (v < 0 || v > kMaxRatio) return invalid(field, s, allowed, "out of range");
    return v;
  }

  // [A-Z0-9_]{1,255} first (the schema's pattern), then the custom rule.
  Status customName(const std::string& name, const std::string& field, const char* what,
                    const char* plural) const {
    const std::string allowed = std::string("CUSTOM_ followed by A-Z, 0-9 and _, at most ") +
                                std::to_string(kMaxClassLength) + " characters";
    const bool charset = !name.empty() && name.size() <= kMaxClassLength &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                         });
    if (!charset) return invalid(field, name, allowed, std::string("not a ") + what + " name");
    if (name.rfind("CUSTOM_", 0) != 0) {
      return invalid(field, name, allowed,
                     std::string("only custom ") + plural + " may be set in a provider config");
    }
    if (name.size() == 7) return invalid(field, name, allowed, "CUSTOM_ needs a name after it");
    return okStatus();
  }

  Result<ProviderConfigEntry> provider(const Node& n, std::size_t index);
  Status identification(const Node& n, const std::string& field, ProviderConfigEntry& out);
  Status inventories(const Node& n, const std::string& field, ProviderConfigEntry& out);
  Status inventory(const Node& n, const std::string& field, placement_client::Inventory& out);
  Status traits(const Node& n, const std::string& field, ProviderConfigEntry& out);

  std::vector<std::string> warnings;

 private:
  std::string path_;
  bool strict_;
};

Status Reader::identification(const Node& n, const std::string& field, ProviderConfigEntry& out) {
  const std::string allowed = "a mapping with exactly one of name, uuid";
  if (!n.IsMap()) return invalid(field, shown(n), allowed, "not a mapping");
  if (n.size() != 1) {
    return invalid(field, std::to_string(n.size()) + " keys", allowed,
                   "a provider is identified one way");
  }
  const std::string key = n.begin()->first.Scalar();
  const Node value = n.begin()->second;
  if (key == "name") {
    const std::string f = field + ".name";
    const std::string name_allowed = "a name of 1 to 200 characters";
    if (!value.IsScalar()) return invalid(f, shown(value), name_allowed, "not a string");
    if (value.Scalar().empty() || value.Scalar().size() > kMaxNameLength) {
      return invalid(f, value.Scalar(), name_allowed,
                     "it is " + std::to_string(value.Scalar().size()) + " characters long");
    }
    out.by = ProviderConfigEntry::By::kName;
    out.id = value.Scalar();
    return okStatus();
  }
  if (key == "uuid") {
    const std::string f = field + ".uuid";
    const std::string uuid_allowed = "a UUID (8-4-4-4-12 hex digits) or $COMPUTE_NODE";
    if (!value.IsScalar()) return invalid(f, shown(value), uuid_allowed, "not a string");
    std::string id = value.Scalar();
    if (id != kComputeNodeSentinel) {
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!isCanonicalUuid(id)) return invalid(f, value.Scalar(), uuid_allowed, "not a UUID");
    }
    out.by = ProviderConfigEntry::By::kUuid;
    out.id = id;
    return okStatus();
  }
  return invalid(field + "." + key, key, "name, uuid", "not a way to identify a provider");
}

Status Reader::inventory(const Node& n, const std::string& field,
                         placement_client::Inventory& out) {
  if (!n.IsMap()) {
    return invalid(field, shown(n),
                   "a mapping with total and optionally reserved, min_unit, "
                   "max_unit, step_size, allocation_ratio",
                   "not a mapping");
  }
  // Record fields are always strict: a misspelt field would silently take a default.
  const std::vector<std::string> fields = {"total",    "reserved",  "min_unit",
                                           "max_unit", "step_size", "allocation_ratio"};
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : kindOf(it->first);
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      return invalid(field + "." + key, key,
                     "total, reserved, min_unit, max_unit, step_size, allocation_ratio",
                     "not a field of an inventory");
    }
  }
  if (!n["total"]) return missing(field + ".total", "every inventory needs a total");
  placement_client::Inventory inv;
  inv.max_unit = kMaxInt;
  const auto count = [&](const char* key, std::int64_t min, std::int64_t& dst) -> Status {
    if (!n[key]) return okStatus();
    auto v = integer(n[key], field + "." + key, min);
    if (!v) return v.takeError();
    dst = *v;
    return okStatus();
  };
  STRATUS_RETURN_IF_ERROR(count("total", 1, inv.total));
  STRATUS_RETURN_IF_ERROR(count("reserved", 0, inv.reserved));
  STRATUS_RETURN_IF_ERROR(count("min_unit", 1, inv.min_unit));
  STRATUS_RETURN_IF_ERROR(count("max_unit", 1, inv.max_unit));
  STRATUS_RETURN_IF_ERROR(count("step_size", 1, inv.step_size));
  if (n["allocation_ratio"]) {
    auto r = ratio(n["allocation_ratio"], field + ".allocation_ratio");
    if (!r) return r.takeError();
    inv.allocation_ratio = *r;
  }
  if (inv.reserved > inv.total) {
    return invalid(field + ".reserved", std::to_string(inv.reserved),
                   "at most total (" + std::to_string(inv.total) + ")",
                   "placement refuses a reservation over the total");
  }
  if (inv.min_unit > inv.max_unit) {
    return invalid(field + ".min_unit", std::to_string(inv.min_unit),
                   "at most max_unit (" + std::to_string(inv.max_unit) + ")",
                   "placement refuses min_unit over max_unit");
  }
  out = inv;
  return okStatus();
}

Status Reader::inventories(const Node& n, const std::string& field, ProviderConfigEntry& out) {
  if (!n.IsMap()) return invalid(field, shown(n), "a mapping with additional", "not a mapping");
  STRATUS_RETURN_IF_ERROR(checkKeys(n, field, {"additional"}));
  const Node additional = n["additional"];
  if (!additional) return okStatus();
  const std::string f = field + ".additional";
  if (!additional.IsSequence()) {
    return invalid(f, shown(additional), "a list of {RESOURCE_CLASS: {total: N, ...}}",
                   "not a list");
  }
  for (std::size_t i = 0; i < additional.size(); ++i) {
    const Node item = additional[i];
    const std::string fi = f + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      return invalid(fi, shown(item), "a mapping {RESOURCE_CLASS: {total: N, ...}}",
                     "not a mapping");
    }
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string rc = it->first.IsScalar() ? it->first.Scalar() : kindOf(it->first);
      STRATUS_RETURN_IF_ERROR(customName(rc, fi, "resource class", "resource classes"));
      if (out.inventories.contains(rc)) {
        return invalid(fi + "." + rc, rc, "each resource class once per provider",
                       "the class is given twice for this provider");
      }
      placement_client::Inventory inv;
      STRATUS_RETURN_IF_ERROR(inventory(it->second, fi + "." + rc, inv));
      out.inventories[rc] = inv;
    }
  }
  return okStatus();
}

Status Reader::traits(const Node& n, const std::string& field, ProviderConfigEntry& out) {
  if (!n.IsMap()) return invalid(field, shown(n), "a mapping with additional", "not a mapping");
  STRATUS_RETURN_IF_ERROR(checkKeys(n, field, {"additional"}));
  const Node additional = n["additional"];
  if (!additional) return okStatus();
  const std::string f = field + ".additional";
  if (!additional.IsSequence()) {
    return invalid(f, shown(additional), "a list of CUSTOM_ trait names", "not a list");
  }
  for (std::size_t i = 0; i < additional.size(); ++i) {
    const std::string fi = f + "[" + std::to_string(i) + "]";
    if (!additional[i].IsScalar()) {
      return invalid(fi, shown(additional[i]), "a CUSTOM_ trait name", "not a string");
    }
    STRATUS_RETURN_IF_ERROR(customName(additional[i].Scalar(), fi, "trait", "traits"));
    out.traits.insert(additional[i].Scalar());
  }
  return okStatus();
}

Result<ProviderConfigEntry> Reader::provider(const Node& n, std::size_t index) {
  const std::string field = "providers[" + std::to_string(index) + "]";
  if (!n.IsMap()) {
    return invalid(field, shown(n), "a mapping with identification, inventories, traits",
                   "not a mapping");
  }
  STRATUS_RETURN_IF_ERROR(checkKeys(n, field, {"identification", "inventories", "traits"}));
  ProviderConfigEntry out;
  out.source = path_ + ": " + field;
  if (!n["identification"]) {
    return missing(field + ".identification",
                   "every provider needs identification: {name: NAME} or {uuid: UUID}");
  }
  STRATUS_RETURN_IF_ERROR(identification(n["identification"], field + ".identification", out));
  if (n["inventories"]) {
    STRATUS_RETURN_IF_ERROR(inventories(n["inventories"], field + ".inventories", out));
  }
  if (n["traits"]) STRATUS_RETURN_IF_ERROR(traits(n["traits"], field + ".traits", out));
  return out;
}

std::string identified(const ProviderConfigEntry& e) {
  return std::string(e.by == ProviderConfigEntry::By::kName ? "name " : "uuid ") + e.id;
}

}  // namespace

Result<ProviderConfigs> parseProviderConfig(const std::string& path, const std::string& text) {
  Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fileError(path, "(document)",
                     "not YAML: " + e.msg + " at line " + std::to_string(e.mark.line + 1) +
                         ", column " + std::to_string(e.mark.column + 1));
  }
  Reader top(path, true);
  if (!doc.IsMap()) {
    return fileError(
        path, "(document)",
        "the document is " + kindOf(doc) + "; allowed: a mapping with meta and providers");
  }
  const Node meta = doc["meta"];
  if (!meta) return top.missing("meta", "every file starts with meta: {schema_version: '1.0'}");
  if (!meta.IsMap()) return top.invalid("meta", shown(meta), "{schema_version: '1.0'}");
  const Node version = meta["schema_version"];
  const std::string version_allowed = "'1.0' (quoted); '1.N' is read with a warning";
  if (!version) return top.missing("meta.schema_version", "allowed: " + version_allowed);
  if (!version.IsScalar() || !isQuoted(version)) {
    return top.invalid("meta.schema_version", shown(version), version_allowed,
                       "not a quoted string");
  }
  const std::string v = version.Scalar();
  const auto dot = v.find('.');
  const auto digits = [](const std::string& s) {
    return !s.empty() && (s == "0" || s[0] != '0') &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dot == std::string::npos || !digits(v.substr(0, dot)) || !digits(v.substr(dot + 1))) {
    return top.invalid("meta.schema_version", v, version_allowed, "not MAJOR.MINOR");
  }
  if (v.substr(0, dot) != "1") {
    return top.invalid("meta.schema_version", v, version_allowed,
                       "Stratus reads schema major version 1 only");
  }
  const bool strict = v.substr(dot + 1) == "0";
  Reader r(path, strict);
  if (!strict) {
    r.warnings.push_back(path + ": schema version " + v +
                         " is newer than 1.0, which Stratus reads; keys it does not know are "
                         "skipped");
  }
  STRATUS_RETURN_IF_ERROR(r.checkKeys(doc, "", {"meta", "providers"}));
  STRATUS_RETURN_IF_ERROR(r.checkKeys(meta, "meta", {"schema_version"}));
  ProviderConfigs out;
  const Node providers = doc["providers"];
  if (providers) {
    if (!providers.IsSequence()) {
      return r.invalid("providers", shown(providers), "a list of providers", "not a list");
    }
    for (std::size_t i = 0; i < providers.size(); ++i) {
      auto entry = r.provider(providers[i], i);
      if (!entry) return entry.takeError();
      if (entry->inventories.empty() && entry->traits.empty()) {
        r.warnings.push_back(entry->source + " (" + identified(*entry) +
                             ") adds no inventories and no traits; ignored");
        continue;
      }
      out.entries.push_back(std::move(*entry));
    }
  }
  out.warnings = std::move(r.warnings);
  return out;
}

Status mergeProviderConfigs(ProviderConfigs& all, ProviderConfigs file) {
  for (auto& e : file.entries) {
    for (const auto& seen : all.entries) {
      if (seen.by == e.by && seen.id == e.id) {
        return Error::invalid(e.source + ".identification", identified(e),
                              "each provider in one entry of one file",
                              "the provider is also configured at " + seen.source);
      }
    }
    all.entries.push_back(std::move(e));
  }
  all.warnings.insert(all.warnings.end(), file.warnings.begin(), file.warnings.end());
  return okStatus();
}

Result<ProviderConfigs> loadProviderConfigDir(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string key = "[compute] provider_config_location";
  ProviderConfigs all;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return all;
  if (!fs::is_directory(st)) return Error::invalid(key, dir, "a directory", "not a directory");
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml") files.push_back(it->path());
  }
  if (ec) return Error::invalid(key, dir, "a readable directory", ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in) return fileError(f.string(), "(file)", "cannot be read");
    auto parsed = parseProviderConfig(f.string(), text.str());
    if (!parsed) return parsed.takeError();
    STRATUS_RETURN_IF_ERROR(mergeProviderConfigs(all, std::move(*parsed)));
  }
  return all;
}

}  // namespace stratus::compute
