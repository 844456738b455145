// Images (Glance's glance/api/v2/images.py and image_data.py): list with filters,
// create, show, patch, delete, and an upload that is counted and dropped.
#include "api/image/images.h"

#include "api/image/image_fields.h"
#include "api/image/views.h"
#include "common/uuid.h"

namespace stratus::api::image {
namespace {

using http::HttpRequest;
using http::PathParams;
using nlohmann::json;

Error invalid(std::string message) {
  return Error::make(ErrorCode::kInvalidArgument, std::move(message));
}

Error storeFailure(const Error& e) {
  return Error::make(ErrorCode::kUnavailable, e.message);
}

// The image with this id, or NotFound as Glance words it. The caller holds state.mu.
Result<const ImageRecord*> findImage(const CloudState& state, const std::string& id) {
  auto it = state.images.find(id);
  if (it == state.images.end()) {
    return Error::make(ErrorCode::kNotFound, "No image found with ID " + id);
  }
  return &it->second;
}

Reply versions(const Context& c, const HttpRequest&, const PathParams&) {
  json v = json::array();
  for (const char* id :
       {"v2.16", "v2.15", "v2.9", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"}) {
    v.push_back(
        {{"id", id},
         {"status", std::string(id) == "v2.16" ? "CURRENT" : "SUPPORTED"},
         {"links", json::array({{{"rel", "self"}, {"href", c.options.image_url + "/v2/"}}})}});
  }
  return jsonResponse(200, {{"versions", v}});
}

Reply listImages(const Context& c, const HttpRequest& r, const PathParams&) {
  std::map<std::string, std::string> filters;
  std::optional<std::size_t> limit;
  for (const auto& [k, v] : r.query) {
    if (k == "limit") {
      try {
        limit = std::stoul(v);
      } catch (...) {
        return invalid("Invalid limit '" + v + "'; allowed: a whole number");
      }
    } else if (k == "marker" || k == "sort" || k == "sort_key" || k == "sort_dir") {
      return invalid("Query parameter '" + k +
                     "' is not supported by Stratus; allowed: name, status, "
                     "visibility, owner, limit and property filters");
    } else {
      filters[k] = v;  // name, status, visibility, owner, or any property, as in Glance
    }
  }
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  json list = json::array();
  for (const auto& [id, image] : c.state.images) {
    const json doc = imageView(image);
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

Reply createImage(const Context& c, const HttpRequest& r, const PathParams&) {
  std::string why;
  auto doc = parseJsonObject(r.body, why);
  if (!doc) return invalid(why);
  ImageRecord image;
  image.id = newUuid();
  image.owner = r.auth.project_id;
  image.created_at = image.updated_at = isoNow();
  for (const auto& [k, v] : doc->items()) {
    if (k == "id") {
      if (!v.is_string() || !isCanonicalUuid(v.get<std::string>()))
        return badImageValue("id", v, "a UUID");
      image.id = v.get<std::string>();
      continue;
    }
    if (auto s = checkImageField(k, v); !s) return s.error();
    assignImageField(image, k, v);
  }
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  if (c.state.images.contains(image.id)) {
    return Error::make(ErrorCode::kAlreadyExists,
                       "Image with identifier " + image.id + " already exists!");
  }
  if (auto s = c.state.save(image); !s) return storeFailure(s.error());
  auto res = jsonResponse(201, imageView(image));
  res.setHeader("Location", c.options.image_url + "/v2/images/" + image.id);
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return res;
}

Reply showImage(const Context& c, const HttpRequest&, const PathParams& p) {
  auto lock = c.state.read();
  if (!lock) return storeFailure(lock.error());
  auto image = findImage(c.state, p[0]);
  if (!image) return image.takeError();
  return jsonResponse(200, imageView(**image));
}

Reply patchImage(const Context& c, const HttpRequest& r, const PathParams& p) {
  const std::string ct = r.header("content-type").value_or("");
  if (ct.rfind("application/openstack-images-v2.1-json-patch", 0) != 0) {
    return Error::make(
        ErrorCode::kUnsupportedMediaType,
        "Content-Type '" + ct +
            "' is not supported for PATCH; allowed: application/openstack-images-v2.1-json-patch");
  }
  auto patch = json::parse(r.body, nullptr, false);
  if (patch.is_discarded()) return invalid("The patch is not valid JSON");
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto found = findImage(c.state, p[0]);
  if (!found) return found.takeError();
  ImageRecord image = **found;
  if (auto s = applyImagePatch(image, patch); !s) return s.error();
  image.updated_at = isoNow();
  if (auto s = c.state.save(image); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return jsonResponse(200, imageView(image));
}

Reply deleteImage(const Context& c, const HttpRequest&, const PathParams& p) {
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto image = findImage(c.state, p[0]);
  if (!image) return image.takeError();
  if ((*image)->is_protected) {
    return Error::make(ErrorCode::kPermissionDenied,
                       "Image " + p[0] + " is protected and cannot be deleted.");
  }
  if (auto s = c.state.eraseImage(p[0]); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(204);
}

Reply uploadImage(const Context& c, const HttpRequest& r, const PathParams& p) {
  auto lock = c.state.write();
  if (!lock) return storeFailure(lock.error());
  auto found = findImage(c.state, p[0]);
  if (!found) return found.takeError();
  ImageRecord image = **found;
  if (image.status != "queued") {
    return Error::make(
        ErrorCode::kFailedPrecondition,
        "Image status transition from " + image.status + " to saving is not allowed");
  }
  image.size = static_cast<std::int64_t>(r.body.size());
  image.status = "active";
  image.updated_at = isoNow();
  if (auto s = c.state.save(image); !s) return storeFailure(s.error());
  if (auto st = lock->commit(); !st) return storeFailure(st.error());
  return emptyResponse(204);
}

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"GET", "/", versions},
      {"GET", "/versions", versions},
      {"GET", "/v2/images", listImages},
      {"POST", "/v2/images", createImage},
      {"GET", "/v2/images/{id}", showImage},
      {"PATCH", "/v2/images/{id}", patchImage},
      {"DELETE", "/v2/images/{id}", deleteImage},
      {"PUT", "/v2/images/{id}/file", uploadImage},
  };
  return table;
}

}  // namespace stratus::api::image
