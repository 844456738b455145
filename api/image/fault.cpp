#include "api/image/fault.h"

#include "api/api_common.h"
#include "common/http_status.h"

namespace stratus::api::image {

http::HttpResponse faultResponse(int status, const std::string& message) {
  return jsonResponse(status, {{"error",
                                {{"code", status},
                                 {"title", std::string(http::reasonPhrase(status))},
                                 {"message", message}}}});
}

http::HttpResponse faultResponse(const Error& error) {
  return faultResponse(httpStatusFor(error.code), error.message);
}

}  // namespace stratus::api::image
