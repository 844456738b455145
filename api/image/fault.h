// Glance's error body: {"error": {"code": STATUS, "title": REASON, "message": ...}},
// the status from httpStatusFor (common/http_status.h).
#pragma once

#include <string>

#include "common/error.h"
#include "http/message.h"

namespace stratus::api::image {

http::HttpResponse faultResponse(int status, const std::string& message);
http::HttpResponse faultResponse(const Error& error);

}  // namespace stratus::api::image
