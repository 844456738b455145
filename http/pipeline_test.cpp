// The pipeline on its own, with a toy service ("toy", versions 3.1 to 3.5) whose
// errors render as {"fault": {"code", "message", "service_code"}}.
#include "http/pipeline.h"

#include <catch2/catch.hpp>

#include "common/http_status.h"

using namespace stratus;
using namespace stratus::http;

namespace {

constexpr Microversion<3> kToyMin{1};
constexpr Microversion<3> kWidgets{3};
constexpr Microversion<3> kToyMax{5};

struct Toy {
  std::vector<std::string> log;
  std::vector<std::string> seen_versions;
  Pipeline pipeline{config()};

  PipelineConfig config() {
    PipelineConfig c;
    VersionRules v;
    v.service = "toy";
    v.legacy_header = "x-toy-api-version";
    v.min = ApiVersion::of(kToyMin);
    v.max = ApiVersion::of(kToyMax);
    v.bad_format_text = [](const std::string& g) { return "bad version '" + g + "'"; };
    v.unsupported_text = [](const std::string& g) { return "version " + g + " not served"; };
    c.versions = v;
    c.public_paths = {"/"};
    c.authorize = [](const HttpRequest& r, const Credentials& who) -> Status {
      if (r.method == "GET" || who.admin()) return okStatus();
      return Error::make(ErrorCode::kPermissionDenied, "admins only");
    };
    c.render_error = [](const HttpRequest&, const Error& e) {
      HttpResponse res;
      res.status = 999;  // the pipeline sets the status from the code
      res.body = "{\"fault\":{\"code\":\"" + std::string(errorCodeName(e.code)) +
                 "\",\"message\":\"" + e.message + "\",\"service_code\":\"" + e.service_code +
                 "\"}}";
      return res;
    };
    c.not_found_text = [](const HttpRequest& r) { return "no " + r.path; };
    c.method_text = [](const HttpRequest& r, const std::string& allowed) {
      return r.method + " not allowed; allowed: " + allowed;
    };
    c.unsupported_type_text = [](const HttpRequest&, const std::optional<std::string>& t) {
      return "type " + t.value_or("none") + " refused";
    };
    c.not_acceptable_text = [](const HttpRequest&) { return "json only"; };
    c.request_id_headers = {"x-openstack-request-id", "x-toy-request-id"};
    c.strip_trailing_slash = true;
    c.finish = [](const HttpRequest&, HttpResponse& res) { res.setHeader("x-toy", "1"); };
    c.log_prefix = "toy";
    c.log = [this](const std::string& line) { log.push_back(line); };
    return c;
  }

  Toy() {
    auto ok = [this](const HttpRequest& r, const PathParams& p) -> Result<HttpResponse> {
      seen_versions.push_back(r.version.str());
      HttpResponse res;
      res.body = p.empty() ? "ok" : p[0];
      return res;
    };
    pipeline.add({
        {"GET", "/", ok, {.any_accept = true}},
        {"GET", "/widgets/{id}", ok, {.since = kWidgets}},
        {"PUT", "/widgets/{id}", ok, {.since = kWidgets, .body = Body::kJson}},
        {"DELETE",
         "/widgets/{id}",
         [](const HttpRequest&, const PathParams& p) -> Result<HttpResponse> {
           return Error::make(ErrorCode::kConflict, "widget " + p[0] + " is busy", "toy.busy");
         },
         {.since = kWidgets}},
    });
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    std::map<std::string, std::string> headers = {{"x-auth-token", "admin"}},
                    std::string body = "") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.headers = std::move(headers);
    r.body = std::move(body);
    return pipeline.handle(r);
  }
};

}  // namespace

TEST_CASE("pipeline: a public path needs no token; others 401 with the auth message") {
  Toy t;
  CHECK(t.call("GET", "/", {}).status == 200);
  auto res = t.call("GET", "/widgets/w1", {{"openstack-api-version", "toy 3.3"}});
  CHECK(res.status == 401);
  CHECK(
      res.body ==
      R"({"fault":{"code":"Unauthenticated","message":"No X-Auth-Token was given.","service_code":""}})");
}

TEST_CASE(
    "pipeline: unknown paths 404, other methods 405 with Allow, routes before their version 404") {
  Toy t;
  auto res = t.call("GET", "/gadgets");
  CHECK(res.status == 404);
  CHECK(res.body.find("\"message\":\"no /gadgets\"") != std::string::npos);
  res = t.call("POST", "/widgets/w1",
               {{"x-auth-token", "admin"}, {"openstack-api-version", "toy 3.3"}});
  CHECK(res.status == 405);
  CHECK(res.header("allow") == "GET, PUT, DELETE");
  CHECK(res.body.find("POST not allowed; allowed: GET, PUT, DELETE") != std::string::npos);
  CHECK(t.call("GET", "/widgets/w1",
               {{"x-auth-token", "admin"}, {"openstack-api-version", "toy 3.2"}})
            .status == 404);
  res = t.call("GET", "/widgets/w1/",
               {{"x-auth-token", "admin"}, {"openstack-api-version", "toy 3.3"}});
  CHECK(res.status == 200);  // one trailing slash is dropped
  CHECK(res.body == "w1");
}

TEST_CASE(
    "pipeline: versions from the service's entry, the legacy header, latest; errors 400 and 406") {
  Toy t;
  auto res = t.call("GET", "/", {{"openstack-api-version", "compute 2.90, TOY 3.4"}});
  CHECK(res.header("openstack-api-version") == "toy 3.4");
  CHECK(res.header("x-toy-api-version") == "3.4");
  CHECK(res.header("vary") == "openstack-api-version, x-toy-api-version");
  CHECK(t.call("GET", "/", {{"x-toy-api-version", "3.2"}}).header("openstack-api-version") ==
        "toy 3.2");
  CHECK(t.call("GET", "/", {{"openstack-api-version", "toy latest"}})
            .header("openstack-api-version") == "toy 3.5");
  CHECK(t.call("GET", "/", {}).header("openstack-api-version") == "toy 3.1");

  res = t.call("GET", "/", {{"openstack-api-version", "toy 3.x"}});
  CHECK(res.status == 400);
  CHECK(res.body.find("bad version '3.x'") != std::string::npos);
  CHECK(res.header("openstack-api-version") == "toy 3.1");  // answered at the minimum
  res = t.call("GET", "/", {{"openstack-api-version", "toy 3.6"}});
  CHECK(res.status == 406);
  CHECK(res.body.find("version 3.6 not served") != std::string::npos);
  CHECK(t.call("GET", "/", {{"openstack-api-version", "toy 2.9"}}).status == 406);
}

TEST_CASE("pipeline: policy, Content-Type and Accept refusals") {
  Toy t;
  const std::map<std::string, std::string> v33 = {{"openstack-api-version", "toy 3.3"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    auto h = v33;
    h.merge(extra);
    return h;
  };
  auto res = t.call("PUT", "/widgets/w1", with({{"x-auth-token", "bob"}}), "{}");
  CHECK(res.status == 403);
  CHECK(res.body.find("admins only") != std::string::npos);
  res = t.call("PUT", "/widgets/w1",
               with({{"x-auth-token", "admin"}, {"content-type", "text/plain"}}), "{}");
  CHECK(res.status == 415);
  CHECK(res.body.find("type text/plain refused") != std::string::npos);
  CHECK(t.call("PUT", "/widgets/w1",
               with({{"x-auth-token", "admin"}, {"content-type", "application/json"}}), "{}")
            .status == 200);
  res = t.call("GET", "/widgets/w1", with({{"x-auth-token", "bob"}, {"accept", "text/plain"}}));
  CHECK(res.status == 406);
  CHECK(res.body.find("json only") != std::string::npos);
  CHECK(t.call("GET", "/", {{"accept", "text/plain"}}).status == 200);  // any_accept
}

TEST_CASE("pipeline: a handler's Error is rendered by the service with httpStatusFor") {
  Toy t;
  auto res = t.call("DELETE", "/widgets/w9",
                    {{"x-auth-token", "admin"}, {"openstack-api-version", "toy 3.5"}});
  CHECK(res.status == httpStatusFor(ErrorCode::kConflict));
  CHECK(res.body ==
        R"({"fault":{"code":"Conflict","message":"widget w9 is busy","service_code":"toy.busy"}})");
  // Every response gets the request id headers, the service's touch and one log line.
  REQUIRE(res.header("x-openstack-request-id"));
  CHECK(res.header("x-openstack-request-id")->starts_with("req-"));
  CHECK(res.header("x-toy-request-id") == res.header("x-openstack-request-id"));
  CHECK(res.header("x-toy") == "1");
  REQUIRE(t.log.size() == 1);
  CHECK(t.log[0].starts_with("toy DELETE /widgets/w9 409 "));
  CHECK(t.log[0].ends_with("ms " + *res.header("x-openstack-request-id")));
}

TEST_CASE("pipeline: reject renders an early refusal at the maximum version") {
  Toy t;
  auto res = t.pipeline.reject(Error::make(ErrorCode::kPayloadTooLarge, "too big"));
  CHECK(res.status == 413);
  CHECK(res.body.find("too big") != std::string::npos);
  CHECK(res.header("x-toy-request-id"));
}
