#include "placement/service_util.h"

#include <chrono>
#include <ctime>
#include <random>

namespace stratus::placement {

HttpResponse jsonResponse(int status, const nlohmann::json& body) {
  HttpResponse res;
  res.status = status;
  res.setHeader("content-type", "application/json");
  // Details quote what the client sent, which need not be UTF-8 (a percent-decoded
  // query string): such bytes become U+FFFD rather than a failed response.
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

HttpResponse emptyResponse(int status) {
  HttpResponse res;
  res.status = status;
  return res;
}

namespace {
// webob's explanation line before the detail, which clients and tests match on.
std::string explanation(int status) {
  switch (status) {
    case 400:
      return "The server could not comply with the request since it is either malformed or "
             "otherwise incorrect.";
    case 401:
      return "This server could not verify that you are authorized to access the document you "
             "requested.";
    case 403:
      return "Access was denied to this resource.";
    case 404:
      return "The resource could not be found.";
    case 405:
      return "The method is not allowed for this resource.";
    case 406:
      return "The resource could not be generated that was acceptable to your browser (content of "
             "type application/json.";
    case 409:
      return "There was a conflict when trying to complete your request.";
    case 413:
      return "The request is larger than the server is willing or able to process.";
    case 415:
      return "The request media type is not supported by this server.";
    default:
      return "An error occurred.";
  }
}
}  // namespace

HttpResponse errorResponse(const HttpRequest& r, int status, const std::string& detail,
                           const std::string& code) {
  nlohmann::json err = {{"status", status},
                        {"title", std::string(reasonPhrase(status))},
                        {"detail", explanation(status) + "\n\n " + detail + "  "},
                        {"request_id", r.request_id}};
  if (versionOf(r).atLeast(kErrorCodes)) err["code"] = code;
  return jsonResponse(status, {{"errors", nlohmann::json::array({err})}});
}

Status rejectUnknownQuery(const HttpRequest& r, const std::set<std::string>& allowed) {
  for (const auto& [k, v] : r.query) {
    if (!allowed.count(k)) {
      return Error::make(ErrorCode::kInvalidArgument,
                         "Invalid query string parameters: Additional properties are not "
                         "allowed ('" +
                             k + "' was unexpected)");
    }
  }
  return okStatus();
}

std::string httpDate(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void addCacheHeaders(HttpResponse& res, const HttpRequest& r, std::int64_t modified_unix,
                     std::int64_t now_unix) {
  if (!versionOf(r).atLeast(kCacheHeaders)) return;
  res.setHeader("last-modified", httpDate(modified_unix != 0 ? modified_unix : now_unix));
  res.setHeader("cache-control", "no-cache");
}

Result<nlohmann::json> parseBody(const HttpRequest& r) {
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded()) {
    return Error::make(ErrorCode::kInvalidArgument,
                       "Malformed JSON: the request body is not valid JSON");
  }
  return body;
}

Error providerNotFound(const HttpRequest&, const std::string& uuid) {
  return Error::make(ErrorCode::kNotFound, "No resource provider with uuid " + uuid + " found");
}

Error generationConflict(const HttpRequest&) {
  return Error::make(ErrorCode::kConflict,
                     "resource provider generation conflict: Resource provider's generation "
                     "already changed. Please update the generation and try again.",
                     kCodeConcurrent);
}

Status checkGeneration(const HttpRequest& r, std::int64_t sent, std::int64_t current) {
  if (sent != current) return generationConflict(r);
  return okStatus();
}

}  // namespace stratus::placement
