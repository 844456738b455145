// The image API: the subset of Glance v2 that the openstack CLI uses. Image data is
// accepted and counted, not kept: servers are diskless for now and boot from the
// image's properties alone.
#pragma once

#include "api/api_common.h"
#include "api/cloud_state.h"
#include "http/router.h"

namespace stratus::api {

class ImageApi {
 public:
  ImageApi(CloudState& state, ApiOptions options);
  http::HttpResponse handle(http::HttpRequest& request);
  http::HttpResponse errorFor(int status, const std::string& message) const;

 private:
  using P = http::PathParams;
  using R = http::HttpRequest;
  using Res = http::HttpResponse;
  Res versions(const R& r, const P& p);
  Res listImages(const R& r, const P& p);
  Res createImage(const R& r, const P& p);
  Res showImage(const R& r, const P& p);
  Res patchImage(const R& r, const P& p);
  Res deleteImage(const R& r, const P& p);
  Res uploadImage(const R& r, const P& p);
  nlohmann::json render(const ImageRecord& image) const;

  CloudState& state_;
  ApiOptions options_;
  http::Router router_;
};

// Glance's rules for one top-level image key, then virt's for hw_* properties.
// Returns the (status, message) of the refusal, or nullopt when the value is fine.
std::optional<std::pair<int, std::string>> checkImageField(const std::string& key,
                                                           const nlohmann::json& value);
// Applies a JSON patch (add, replace, remove on "/key") to an image, checking each value.
std::optional<std::pair<int, std::string>> applyImagePatch(ImageRecord& image,
                                                           const nlohmann::json& patch);

}  // namespace stratus::api
