// How compute resources look on the wire, per microversion (Nova's
// nova/api/openstack/compute/views/). Rendering only: no state, no policy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/api_common.h"
#include "api/model.h"
#include "http/message.h"

namespace stratus::api::compute {

// [{"rel": "self", "href": BASE/v2.1/COLLECTION/ID}]
nlohmann::json selfLinks(const std::string& base, const std::string& collection,
                         const std::string& id);
// The v2.1 version document.
nlohmann::json versionObject(const std::string& base);

nlohmann::json flavorDetail(const FlavorRecord& f, const http::HttpRequest& r,
                            const ApiOptions& options);
nlohmann::json flavorSummary(const FlavorRecord& f, const http::HttpRequest& r,
                             const ApiOptions& options);

nlohmann::json serverDetail(const ServerRecord& s, const http::HttpRequest& r,
                            const ApiOptions& options);
nlohmann::json serverSummary(const ServerRecord& s, const ApiOptions& options);
// The 202 body of a create: id, links and the two fields the CLI reads back.
nlohmann::json serverCreated(const ServerRecord& s, const ApiOptions& options);

// Up when the host reported within options.host_down_after of `now_unix`.
nlohmann::json hypervisorView(const HostRecord& h, bool detail, std::int64_t now_unix,
                              const ApiOptions& options);

}  // namespace stratus::api::compute
