// How an image looks on the wire (Glance's v2 image schema). Rendering only.
#pragma once

#include <nlohmann/json.hpp>

#include "api/model.h"

namespace stratus::api::image {

nlohmann::json imageView(const ImageRecord& image);

}  // namespace stratus::api::image
