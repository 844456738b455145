#include "api/image_api.h"

#include <set>

#include "common/uuid.h"
#include "virt/guest_request.h"

namespace stratus::api {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using Refusal = std::optional<std::pair<int, std::string>>;

HttpResponse glanceError(int status, const std::string& message) {
  return jsonResponse(status, {{"error",
                                {{"code", status},
                                 {"title", std::string(http::reasonPhrase(status))},
                                 {"message", message}}}});
}

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

Refusal bad(const std::string& key, const json& value, const std::string& allowed) {
  return std::make_pair(
      400, "Invalid value for '" + key +
               "': " + (value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump()) +
               "; allowed: " + allowed);
}

// Sets one checked key on the record.
void assign(ImageRecord& image, const std::string& key, const json& v) {
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

bool removable(const ImageRecord& image, const std::string& key) {
  return image.properties.contains(key);
}

}  // namespace

Refusal checkImageField(const std::string& key, const json& v) {
  if (kReadOnly.contains(key)) return std::make_pair(403, "Attribute '" + key + "' is read-only.");
  if (key == "id") return std::make_pair(403, "Attribute 'id' is read-only once the image exists.");
  if (key == "name" || key == "owner") {
    if (!v.is_null() && (!v.is_string() || v.get<std::string>().size() > 255)) {
      return bad(key, v, "a string of at most 255 characters, or null");
    }
    return std::nullopt;
  }
  if (key == "visibility") {
    if (!v.is_string() || !kVisibilities.contains(v.get<std::string>()))
      return bad(key, v, joined(kVisibilities));
    return std::nullopt;
  }
  if (key == "disk_format") {
    if (!v.is_null() && (!v.is_string() || !kDiskFormats.contains(v.get<std::string>()))) {
      return bad(key, v, joined(kDiskFormats) + ", null");
    }
    return std::nullopt;
  }
  if (key == "container_format") {
    if (!v.is_null() && (!v.is_string() || !kContainerFormats.contains(v.get<std::string>()))) {
      return bad(key, v, joined(kContainerFormats) + ", null");
    }
    return std::nullopt;
  }
  if (key == "protected" || key == "os_hidden") {
    if (!v.is_boolean()) return bad(key, v, "true, false");
    return std::nullopt;
  }
  if (key == "min_ram" || key == "min_disk") {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      return bad(key, v, "a whole number of at least 0");
    return std::nullopt;
  }
  if (key == "tags") {
    if (!v.is_array()) return bad(key, v, "an array of strings");
    for (const auto& t : v) {
      if (!t.is_string() || t.get<std::string>().size() > 255)
        return bad(key, v, "an array of strings of at most 255 characters");
    }
    return std::nullopt;
  }
  // Every other key is a property: Glance keeps them as strings.
  if (key.empty() || key.size() > 255)
    return bad("property name", json(key), "1 to 255 characters");
  if (!v.is_string()) return bad(key, v, "a string (image properties are strings)");
  if (v.get<std::string>().size() > 65535) return bad(key, json("..."), "at most 65535 characters");
  if (auto s = virt::validateImageProperty(key, v.get<std::string>()); !s) {
    return std::make_pair(400, s.error().message);
  }
  return std::nullopt;
}

Refusal applyImagePatch(ImageRecord& image, const json& patch) {
  if (!patch.is_array())
    return std::make_pair(400, std::string("The patch must be a JSON array of operations"));
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op.contains("path") || !op["op"].is_string() ||
        !op["path"].is_string()) {
      return std::make_pair(400, "Each patch operation needs 'op' and 'path': " + op.dump());
    }
    const std::string kind = op["op"].get<std::string>();
    std::string path = op["path"].get<std::string>();
    if (path.size() < 2 || path[0] != '/' || path.find('/', 1) != std::string::npos) {
      return std::make_pair(400,
                            "Invalid patch path '" + path + "'; allowed: /KEY for a top-level key");
    }
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
        return std::make_pair(400, "Patch operation '" + kind + "' on " + path + " needs a value");
      static const std::set<std::string> core = {
          "name",      "visibility", "disk_format", "container_format",
          "protected", "os_hidden",  "min_ram",     "min_disk",
          "owner",     "tags"};
      if (kind == "replace" && !removable(image, key) && !core.contains(key) &&
          !kReadOnly.contains(key)) {
        return std::make_pair(
            409, "Property " + key + " does not exist, so it cannot be replaced; use add.");
      }
      if (auto refused = checkImageField(key, op["value"])) return refused;
      assign(image, key, op["value"]);
    } else if (kind == "remove") {
      if (kReadOnly.contains(key) || key == "id")
        return std::make_pair(403, "Attribute '" + key + "' is read-only.");
      if (!removable(image, key))
        return std::make_pair(409, "Property " + key + " does not exist.");
      image.properties.erase(key);
    } else {
      return std::make_pair(
          400, "Invalid patch operation '" + kind + "'; allowed: add, replace, remove");
    }
  }
  return std::nullopt;
}

ImageApi::ImageApi(CloudState& state, ApiOptions options)
    : state_(state), options_(std::move(options)) {
  auto bind = [this](auto fn) {
    return
        [this, fn](const HttpRequest& r, const http::PathParams& p) { return (this->*fn)(r, p); };
  };
  http::RouteOptions nobody{0, false};
  router_.add("GET", "/", bind(&ImageApi::versions), nobody);
  router_.add("GET", "/versions", bind(&ImageApi::versions), nobody);
  router_.add("GET", "/v2/images", bind(&ImageApi::listImages), nobody);
  router_.add("POST", "/v2/images", bind(&ImageApi::createImage), nobody);
  router_.add("GET", "/v2/images/{id}", bind(&ImageApi::showImage), nobody);
  router_.add("PATCH", "/v2/images/{id}", bind(&ImageApi::patchImage), nobody);
  router_.add("DELETE", "/v2/images/{id}", bind(&ImageApi::deleteImage), nobody);
  router_.add("PUT", "/v2/images/{id}/file", bind(&ImageApi::uploadImage), nobody);
}

HttpResponse ImageApi::errorFor(int status, const std::string& message) const {
  return glanceError(status, message);
}

HttpResponse ImageApi::handle(HttpRequest& r) {
  if (r.request_id.empty()) r.request_id = "req-" + newUuid();
  HttpResponse res = [&]() -> HttpResponse {
    std::string path = r.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    auto match = router_.match(r.method, path);
    if (match.kind == http::Router::Match::Kind::kNoPath)
      return glanceError(404, "The resource could not be found.");
    if (match.kind == http::Router::Match::Kind::kNoMethod) {
      auto res = glanceError(405, "The method " + r.method + " is not allowed for " + r.path +
                                      "; allowed: " + match.allowed);
      res.setHeader("Allow", match.allowed);
      return res;
    }
    if (path != "/" && path != "/versions") {
      auto who = authenticate(r, options_);
      if (!who) return glanceError(401, "Authentication required: send a valid X-Auth-Token.");
      r.auth = {who->admin, who->user_id, who->project_id};
    }
    return (*match.handler)(r, match.params);
  }();
  res.setHeader("x-openstack-request-id", r.request_id);
  return res;
}

json ImageApi::render(const ImageRecord& i) const {
  json out = {{"id", i.id},
              {"name", i.name.empty() ? json() : json(i.name)},
              {"status", i.status},
              {"visibility", i.visibility},
              {"protected", i.is_protected},
              {"os_hidden", i.os_hidden},
              {"owner", i.owner.empty() ? json() : json(i.owner)},
              {"size", i.size ? json(*i.size) : json()},
              {"virtual_size", nullptr},
              {"checksum", nullptr},
              {"os_hash_algo", nullptr},
              {"os_hash_value", nullptr},
              {"min_ram", i.min_ram},
              {"min_disk", i.min_disk},
              {"disk_format", i.disk_format.empty() ? json() : json(i.disk_format)},
              {"container_format", i.container_format.empty() ? json() : json(i.container_format)},
              {"tags", i.tags},
              {"created_at", i.created_at},
              {"updated_at", i.updated_at},
              {"self", "/v2/images/" + i.id},
              {"file", "/v2/images/" + i.id + "/file"},
              {"schema", "/v2/schemas/image"}};
  for (const auto& [k, v] : i.properties) out[k] = v;
  return out;
}

HttpResponse ImageApi::versions(const HttpRequest&, const http::PathParams&) {
  json v = json::array();
  for (const char* id :
       {"v2.16", "v2.15", "v2.9", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"}) {
    v.push_back(
        {{"id", id},
         {"status", std::string(id) == "v2.16" ? "CURRENT" : "SUPPORTED"},
         {"links", json::array({{{"rel", "self"}, {"href", options_.image_url + "/v2/"}}})}});
  }
  return jsonResponse(200, {{"versions", v}});
}

HttpResponse ImageApi::listImages(const HttpRequest& r, const http::PathParams&) {
  std::map<std::string, std::string> filters;
  std::optional<std::size_t> limit;
  for (const auto& [k, v] : r.query) {
    if (k == "limit") {
      try {
        limit = std::stoul(v);
      } catch (...) {
        return glanceError(400, "Invalid limit '" + v + "'; allowed: a whole number");
      }
    } else if (k == "marker" || k == "sort" || k == "sort_key" || k == "sort_dir") {
      return glanceError(400, "Query parameter '" + k +
                                  "' is not supported by Stratus; allowed: name, status, "
                                  "visibility, owner, limit and property filters");
    } else {
      filters[k] = v;  // name, status, visibility, owner, or any property, as in Glance
    }
  }
  std::lock_guard lock(state_.mu);
  json list = json::array();
  for (const auto& [id, image] : state_.images) {
    const json doc = render(image);
    bool keep = true;
    for (const auto& [k, v] : filters) {
      if (!doc.contains(k) || !doc[k].is_string() || doc[k].get<std::string>() != v) keep = false;
    }
    if (!keep) continue;
    if (limit && list.size() >= *limit) break;
    list.push_back(doc);
  }
  return jsonResponse(
      200, {{"images", list}, {"first", "/v2/images"}, {"schema", "/v2/schemas/images"}});
}

HttpResponse ImageApi::createImage(const HttpRequest& r, const http::PathParams&) {
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return glanceError(400, why);
  ImageRecord image;
  image.id = newUuid();
  image.owner = r.auth.project_id;
  image.created_at = image.updated_at = isoNow();
  for (const auto& [k, v] : doc->items()) {
    if (k == "id") {
      if (!v.is_string() || !isCanonicalUuid(v.get<std::string>())) {
        return glanceError(400, bad("id", v, "a UUID")->second);
      }
      image.id = v.get<std::string>();
      continue;
    }
    if (auto refused = checkImageField(k, v)) return glanceError(refused->first, refused->second);
    assign(image, k, v);
  }
  std::lock_guard lock(state_.mu);
  if (state_.images.contains(image.id))
    return glanceError(409, "Image with identifier " + image.id + " already exists!");
  if (auto s = state_.save(image); !s) return glanceError(500, s.error().message);
  auto res = jsonResponse(201, render(image));
  res.setHeader("Location", options_.image_url + "/v2/images/" + image.id);
  return res;
}

HttpResponse ImageApi::showImage(const HttpRequest&, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.images.find(p[0]);
  if (it == state_.images.end()) return glanceError(404, "No image found with ID " + p[0]);
  return jsonResponse(200, render(it->second));
}

HttpResponse ImageApi::patchImage(const HttpRequest& r, const http::PathParams& p) {
  const std::string ct = r.header("content-type").value_or("");
  if (ct.rfind("application/openstack-images-v2.1-json-patch", 0) != 0) {
    return glanceError(
        415,
        "Content-Type '" + ct +
            "' is not supported for PATCH; allowed: application/openstack-images-v2.1-json-patch");
  }
  auto patch = json::parse(r.body, nullptr, false);
  if (patch.is_discarded()) return glanceError(400, "The patch is not valid JSON");
  std::lock_guard lock(state_.mu);
  auto it = state_.images.find(p[0]);
  if (it == state_.images.end()) return glanceError(404, "No image found with ID " + p[0]);
  ImageRecord image = it->second;
  if (auto refused = applyImagePatch(image, patch))
    return glanceError(refused->first, refused->second);
  image.updated_at = isoNow();
  if (auto s = state_.save(image); !s) return glanceError(500, s.error().message);
  return jsonResponse(200, render(image));
}

HttpResponse ImageApi::deleteImage(const HttpRequest&, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.images.find(p[0]);
  if (it == state_.images.end()) return glanceError(404, "No image found with ID " + p[0]);
  if (it->second.is_protected)
    return glanceError(403, "Image " + p[0] + " is protected and cannot be deleted.");
  if (auto s = state_.eraseImage(p[0]); !s) return glanceError(500, s.error().message);
  return emptyResponse(204);
}

HttpResponse ImageApi::uploadImage(const HttpRequest& r, const http::PathParams& p) {
  std::lock_guard lock(state_.mu);
  auto it = state_.images.find(p[0]);
  if (it == state_.images.end()) return glanceError(404, "No image found with ID " + p[0]);
  ImageRecord image = it->second;
  if (image.status != "queued") {
    return glanceError(
        409, "Image status transition from " + image.status + " to saving is not allowed");
  }
  image.size = static_cast<std::int64_t>(r.body.size());
  image.status = "active";
  image.updated_at = isoNow();
  if (auto s = state_.save(image); !s) return glanceError(500, s.error().message);
  return emptyResponse(204);
}

}  // namespace stratus::api
