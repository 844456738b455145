// Glance's rules for one top-level image key, then virt's for hw_* properties, and
// the JSON patch (add, replace, remove on "/key") Glance applies with them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/model.h"
#include "common/result.h"

namespace stratus::api::image {

// InvalidArgument for a bad value, PermissionDenied for a read-only key.
Status checkImageField(const std::string& key, const nlohmann::json& value);
// Sets one checked key on the record.
void assignImageField(ImageRecord& image, const std::string& key, const nlohmann::json& value);
// "Invalid value for 'KEY': VALUE; allowed: ALLOWED" (InvalidArgument).
Error badImageValue(const std::string& key, const nlohmann::json& value,
                    const std::string& allowed);
// Applies each operation in turn, checking each value: InvalidArgument for a bad
// patch, PermissionDenied for a read-only key, FailedPrecondition (409) to replace or
// remove a property the image does not have.
Status applyImagePatch(ImageRecord& image, const nlohmann::json& patch);

}  // namespace stratus::api::image
