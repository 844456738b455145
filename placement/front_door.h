// Placement's configuration of the shared request pipeline (http/pipeline.h): its
// error body, its policy, its wording and its response quirks. The steps themselves
// live in the pipeline; what is here is only what makes the front door Placement's.
#pragma once

#include <functional>
#include <string>

#include "common/auth.h"
#include "http/pipeline.h"

namespace stratus::placement {

// Placement's `errors[]` body for an Error: status from httpStatusFor(), the code
// from Error::service_code (placement.undefined_code when empty) from 1.23 on, and
// for a refused microversion the min_version and max_version Placement adds
// (placement/microversion.py, the 406 of its middleware).
http::HttpResponse renderPlacementError(const http::HttpRequest& r, const Error& e);

// Legacy policy (placement/policies/base.py before scope enforcement): an admin
// does everything; a system-scoped reader may GET. A token from the token file is
// the operator's own grant, so its reader role reads as is.
Status placementPolicy(AuthMode mode, const http::HttpRequest& r, const Credentials& who);

http::PipelineConfig placementFrontDoor(AuthConfig auth,
                                        std::function<void(const std::string&)> log);

}  // namespace stratus::placement
