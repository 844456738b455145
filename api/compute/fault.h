// Nova's error body: {"<name>": {"code": STATUS, "message": ...}}, the name by
// status as nova/api/openstack/wsgi.py (Fault) names them. The status of an Error
// comes from httpStatusFor (common/http_status.h), never from the handler.
#pragma once

#include <string>

#include "common/error.h"
#include "http/message.h"

namespace stratus::api::compute {

// The name Nova gives the fault of this status ("badRequest", "itemNotFound", ...).
const char* faultName(int status);
http::HttpResponse faultResponse(int status, const std::string& message);
http::HttpResponse faultResponse(const Error& error);

}  // namespace stratus::api::compute
