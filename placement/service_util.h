// Response builders shared by the handlers: JSON bodies, Placement's error shape,
// request ids and cache headers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"
#include "common/uuid.h"
#include "placement/http_types.h"
#include "placement/microversion.h"

namespace stratus::placement {

inline constexpr const char* kCodeUndefined = "placement.undefined_code";
inline constexpr const char* kCodeConcurrent = "placement.concurrent_update";
inline constexpr const char* kCodeDuplicateName = "placement.duplicate_name";
inline constexpr const char* kCodeInventoryInUse = "placement.inventory.inuse";
inline constexpr const char* kCodeProviderInUse = "placement.resource_provider.inuse";
inline constexpr const char* kCodeCannotDeleteParent =
    "placement.resource_provider.cannot_delete_parent";
inline constexpr const char* kCodeProviderNotFound = "placement.resource_provider.not_found";
inline constexpr const char* kCodeQueryDuplicateKey = "placement.query.duplicate_key";
inline constexpr const char* kCodeQueryBadValue = "placement.query.bad_value";
inline constexpr const char* kCodeQueryMissingValue = "placement.query.missing_value";

HttpResponse jsonResponse(int status, const nlohmann::json& body);
HttpResponse emptyResponse(int status);
// {"errors": [{"status", "title", "detail", "code" (1.23+), "request_id"}]}
HttpResponse errorResponse(const HttpRequest& r, int status, const std::string& detail,
                           const std::string& code = kCodeUndefined);
// InvalidArgument for a query key the microversion does not know.
Status rejectUnknownQuery(const HttpRequest& r, const std::set<std::string>& allowed);
// Last-Modified (`modified_unix`, or `now_unix` when that is 0: a document made
// for this request) and Cache-Control, from 1.15 on.
void addCacheHeaders(HttpResponse& res, const HttpRequest& r, std::int64_t modified_unix,
                     std::int64_t now_unix);
std::string httpDate(std::int64_t unix_seconds);

// The request body as JSON; InvalidArgument when it is not JSON.
Result<nlohmann::json> parseBody(const HttpRequest& r);
// Placement tags only the reshaper's unknown provider (a 400) with
// placement.resource_provider.not_found; its 404s carry no code
// (handlers/resource_provider.py, inventory.py, trait.py, usage.py).
Error providerNotFound(const HttpRequest& r, const std::string& uuid);
// A stale resource_provider_generation: 409 placement.concurrent_update.
Error generationConflict(const HttpRequest& r);
// generationConflict when the generation a request sent is not the provider's.
Status checkGeneration(const HttpRequest& r, std::int64_t sent, std::int64_t current);
using stratus::newUuid;

}  // namespace stratus::placement
