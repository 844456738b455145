#include "api/compute/fault.h"

#include "api/api_common.h"
#include "common/http_status.h"

namespace stratus::api::compute {

const char* faultName(int status) {
  switch (status) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "methodNotAllowed";
    case 406:
      return "notAcceptable";
    case 409:
      return "conflictingRequest";
    case 413:
      return "overLimit";
    case 415:
      return "badMediaType";
    case 503:
      return "serviceUnavailable";
    default:
      return "computeFault";
  }
}

http::HttpResponse faultResponse(int status, const std::string& message) {
  return jsonResponse(status, {{faultName(status), {{"code", status}, {"message", message}}}});
}

http::HttpResponse faultResponse(const Error& error) {
  return faultResponse(httpStatusFor(error.code), error.message);
}

}  // namespace stratus::api::compute
