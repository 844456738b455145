#include "api/image/image_fields.h"

#include <set>

#include "pci/pci_request.h"
#include "scheduler/flavor_request.h"
#include "virt/guest_request.h"

namespace stratus::api::image {
namespace {

using nlohmann::json;

const std::set<std::string> kReadOnly = {
    "status",     "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "created_at",
    "updated_at", "file", "schema",       "self",     "direct_url",   "locations",     "stores"};
const std::set<std::string> kDiskFormats = {"ami", "ari",   "aki", "vhd", "vhdx", "vmdk",
                                            "raw", "qcow2", "vdi", "iso", "ploop"};
const std::set<std::string> kContainerFormats = {"ami", "ari", "aki",    "bare",
                                                 "ovf", "ova", "docker", "compressed"};
const std::set<std::string> kVisibilities = {"public", "private", "shared", "community"};

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& v : s) out += (out.empty() ? "" : ", ") + v;
  return out;
}

Error invalid(std::string message) {
  return Error::make(ErrorCode::kInvalidArgument, std::move(message));
}

Error readOnly(const std::string& key) {
  return Error::make(ErrorCode::kPermissionDenied, "Attribute '" + key + "' is read-only.");
}

bool removable(const ImageRecord& image, const std::string& key) {
  return image.properties.contains(key);
}

}  // namespace

Error badImageValue(const std::string& key, const json& value, const std::string& allowed) {
  return invalid("Invalid value for '" + key +
                 "': " + (value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump()) +
                 "; allowed: " + allowed);
}

void assignImageField(ImageRecord& image, const std::string& key, const json& v) {
  if (key == "name")
    image.name = v.is_null() ? "" : v.get<std::string>();
  else if (key == "visibility")
    image.visibility = v.get<std::string>();
  else if (key == "disk_format")
    image.disk_format = v.is_null() ? "" : v.get<std::string>();
  else if (key == "container_format")
    image.container_format = v.is_null() ? "" : v.get<std::string>();
  else if (key == "protected")
    image.is_protected = v.get<bool>();
  else if (key == "os_hidden")
    image.os_hidden = v.get<bool>();
  else if (key == "min_ram")
    image.min_ram = v.get<std::int64_t>();
  else if (key == "min_disk")
    image.min_disk = v.get<std::int64_t>();
  else if (key == "owner")
    image.owner = v.is_null() ? "" : v.get<std::string>();
  else if (key == "tags")
    image.tags = v.get<std::vector<std::string>>();
  else
    image.properties[key] = v.get<std::string>();
}

Status checkImageField(const std::string& key, const json& v) {
  if (kReadOnly.contains(key)) return readOnly(key);
  if (key == "id") {
    return Error::make(ErrorCode::kPermissionDenied,
                       "Attribute 'id' is read-only once the image exists.");
  }
  if (key == "name" || key == "owner") {
    if (!v.is_null() && (!v.is_string() || v.get<std::string>().size() > 255)) {
      return badImageValue(key, v, "a string of at most 255 characters, or null");
    }
    return okStatus();
  }
  if (key == "visibility") {
    if (!v.is_string() || !kVisibilities.contains(v.get<std::string>()))
      return badImageValue(key, v, joined(kVisibilities));
    return okStatus();
  }
  if (key == "disk_format") {
    if (!v.is_null() && (!v.is_string() || !kDiskFormats.contains(v.get<std::string>()))) {
      return badImageValue(key, v, joined(kDiskFormats) + ", null");
    }
    return okStatus();
  }
  if (key == "container_format") {
    if (!v.is_null() && (!v.is_string() || !kContainerFormats.contains(v.get<std::string>()))) {
      return badImageValue(key, v, joined(kContainerFormats) + ", null");
    }
    return okStatus();
  }
  if (key == "protected" || key == "os_hidden") {
    if (!v.is_boolean()) return badImageValue(key, v, "true, false");
    return okStatus();
  }
  if (key == "min_ram" || key == "min_disk") {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      return badImageValue(key, v, "a whole number of at least 0");
    return okStatus();
  }
  if (key == "tags") {
    if (!v.is_array()) return badImageValue(key, v, "an array of strings");
    for (const auto& t : v) {
      if (!t.is_string() || t.get<std::string>().size() > 255)
        return badImageValue(key, v, "an array of strings of at most 255 characters");
    }
    return okStatus();
  }
  // Every other key is a property: Glance keeps them as strings.
  if (key.empty() || key.size() > 255)
    return badImageValue("property name", json(key), "1 to 255 characters");
  if (!v.is_string()) return badImageValue(key, v, "a string (image properties are strings)");
  if (v.get<std::string>().size() > 65535)
    return badImageValue(key, json("..."), "at most 65535 characters");
  if (auto s = virt::validateImageProperty(key, v.get<std::string>()); !s) {
    return invalid(s.error().message);
  }
  if (key == pci::kImagePciNumaPolicy) {
    if (auto s = pci::validatePciNumaPolicy(key, v.get<std::string>()); !s)
      return invalid(s.error().message);
  }
  if (auto s = scheduler::validateImageTraitProperty(key, v.get<std::string>()); !s)
    return invalid(s.error().message);
  return okStatus();
}

Status applyImagePatch(ImageRecord& image, const json& patch) {
  if (!patch.is_array()) return invalid("The patch must be a JSON array of operations");
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op.contains("path") || !op["op"].is_string() ||
        !op["path"].is_string()) {
      return invalid("Each patch operation needs 'op' and 'path': " + op.dump());
    }
    const std::string kind = op["op"].get<std::string>();
    std::string path = op["path"].get<std::string>();
    if (path.size() < 2 || path[0] != '/' || path.find('/', 1) != std::string::npos) {
      return invalid("Invalid patch path '" + path + "'; allowed: /KEY for a top-level key");
    }
    // RFC 6901 escapes: ~0 is '~', ~1 is '/'.
    std::string key;
    for (std::size_t i = 1; i < path.size(); ++i) {
      if (path[i] == '~' && i + 1 < path.size() && (path[i + 1] == '0' || path[i + 1] == '1')) {
        key += path[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        key += path[i];
      }
    }
    if (kind == "add" || kind == "replace") {
      if (!op.contains("value"))
        return invalid("Patch operation '" + kind + "' on " + path + " needs a value");
      static const std::set<std::string> core = {
          "name",      "visibility", "disk_format", "container_format",
          "protected", "os_hidden",  "min_ram",     "min_disk",
          "owner",     "tags"};
      if (kind == "replace" && !removable(image, key) && !core.contains(key) &&
          !kReadOnly.contains(key)) {
        return Error::make(
            ErrorCode::kFailedPrecondition,
            "Property " + key + " does not exist, so it cannot be replaced; use add.");
      }
      if (auto s = checkImageField(key, op["value"]); !s) return s;
      assignImageField(image, key, op["value"]);
    } else if (kind == "remove") {
      if (kReadOnly.contains(key) || key == "id") return readOnly(key);
      if (!removable(image, key))
        return Error::make(ErrorCode::kFailedPrecondition, "Property " + key + " does not exist.");
      image.properties.erase(key);
    } else {
      return invalid("Invalid patch operation '" + kind + "'; allowed: add, replace, remove");
    }
  }
  return okStatus();
}

}  // namespace stratus::api::image
