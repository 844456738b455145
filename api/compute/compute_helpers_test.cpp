// The compute API's shared pieces on their own: the one flavor lookup, the one
// policy check, the store-failure rule, Nova's fault bodies by ErrorCode, version
// negotiation, the declared bodies; then, through handle(), the unified auth rule
// and a failing store answering 503 in both APIs.
#include <catch2/catch.hpp>
#include <filesystem>

#include "api/compute/common.h"
#include "api/compute/compute_api.h"
#include "api/compute/fault.h"
#include "api/compute/microversion.h"
#include "api/compute/schemas.h"
#include "api/image/image_api.h"

using namespace stratus;
using namespace stratus::api;
using namespace stratus::api::compute;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The real SQLite store, with writes refused while `broken` is set: a full or failed
// disk, which SQLite cannot be made to produce on demand.
class BreakableStore : public DocStore {
 public:
  BreakableStore(std::unique_ptr<DocStore> inner, const bool& broken)
      : inner_(std::move(inner)), broken_(broken) {}
  Status put(std::string_view kind, const std::string& id, const json& doc) override {
    if (broken_) return Error::make(ErrorCode::kInternal, "disk I/O error");
    return inner_->put(kind, id, doc);
  }
  Status remove(std::string_view kind, const std::string& id) override {
    if (broken_) return Error::make(ErrorCode::kInternal, "disk I/O error");
    return inner_->remove(kind, id);
  }
  Result<std::vector<json>> loadAll(std::string_view kind) override {
    return inner_->loadAll(kind);
  }

 private:
  std::unique_ptr<DocStore> inner_;
  const bool& broken_;
};

struct Fixture {
  fs::path dir =
      fs::temp_directory_path() /
      ("stratus-compute-helpers-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  bool broken = false;
  ApiOptions options;
  std::unique_ptr<CloudState> state;
  std::unique_ptr<ComputeApi> compute;
  std::unique_ptr<ImageApi> images;

  Fixture() {
    fs::create_directories(dir);
    auto store = openDocStore("sqlite://" + (dir / "api.db").string());
    REQUIRE(store.ok());
    state =
        std::make_unique<CloudState>(std::make_unique<BreakableStore>(std::move(*store), broken));
    compute = std::make_unique<ComputeApi>(*state, options);
    images = std::make_unique<ImageApi>(*state, options);
  }
  ~Fixture() { fs::remove_all(dir); }

  http::HttpResponse call(const std::string& method, const std::string& path,
                          const std::string& body, const std::string& token,
                          const std::map<std::string, std::string>& headers = {}) {
    http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = headers;
    r.headers["x-auth-token"] = token;
    r.headers["openstack-api-version"] = "compute 2.92";
    if (!body.empty()) r.headers["content-type"] = "application/json";
    return path.rfind("/v2/", 0) == 0 ? images->handle(r) : compute->handle(r);
  }
};

const std::string kFlavor = R"({"flavor": {"name": "f", "vcpus": 1, "ram": 64, "disk": 1}})";

http::HttpRequest withVersionHeaders(std::map<std::string, std::string> headers) {
  http::HttpRequest r;
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("findFlavor gives the one NotFound, requirePolicy the one PermissionDenied") {
  Fixture fx;
  {
    std::lock_guard lock(fx.state->mu);
    auto missing = findFlavor(*fx.state, "m1.tiny");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::kNotFound);
    CHECK(missing.error().message == "Flavor m1.tiny could not be found.");
  }
  http::HttpRequest member;
  member.auth = {false, "alice", "p1"};
  auto refused = requirePolicy(member, "os_compute_api:os-flavor-manage:create");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kPermissionDenied);
  CHECK(refused.error().message ==
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
  http::HttpRequest admin;
  admin.auth = {true, "admin", "admin"};
  CHECK(requirePolicy(admin, "os_compute_api:os-flavor-manage:create").ok());
  CHECK(storeFailure(Error::make(ErrorCode::kInternal, "disk I/O error")).code ==
        ErrorCode::kUnavailable);
}

TEST_CASE("Nova's fault body: the name and code follow the ErrorCode's status") {
  const std::vector<std::tuple<ErrorCode, int, std::string>> cases = {
      {ErrorCode::kInvalidArgument, 400, "badRequest"},
      {ErrorCode::kUnauthenticated, 401, "unauthorized"},
      {ErrorCode::kPermissionDenied, 403, "forbidden"},
      {ErrorCode::kNotFound, 404, "itemNotFound"},
      {ErrorCode::kMethodNotAllowed, 405, "methodNotAllowed"},
      {ErrorCode::kNotAcceptable, 406, "notAcceptable"},
      {ErrorCode::kAlreadyExists, 409, "conflictingRequest"},
      {ErrorCode::kFailedPrecondition, 409, "conflictingRequest"},
      {ErrorCode::kUnsupportedMediaType, 415, "badMediaType"},
      {ErrorCode::kInternal, 500, "computeFault"},
      {ErrorCode::kUnavailable, 503, "serviceUnavailable"},
  };
  for (const auto& [code, status, name] : cases) {
    INFO(name);
    auto res = faultResponse(Error::make(code, "why"));
    CHECK(res.status == status);
    CHECK(json::parse(res.body) == json{{name, {{"code", status}, {"message", "why"}}}});
  }
}

TEST_CASE("compute versions: negotiated from either header, 2.x only, as named features") {
  CHECK(negotiateVersion(withVersionHeaders({})).value() == kMinVersion);
  CHECK(negotiateVersion(
            withVersionHeaders({{"openstack-api-version", "placement 1.3, compute 2.55"}}))
            .value() == kFlavorDescription);
  CHECK(negotiateVersion(withVersionHeaders({{"x-openstack-nova-api-version", "2.47"}})).value() ==
        kServerFlavorInline);
  CHECK(
      negotiateVersion(withVersionHeaders({{"openstack-api-version", "compute latest"}})).value() ==
      kMaxVersion);
  auto placement_major =
      negotiateVersion(withVersionHeaders({{"openstack-api-version", "compute 1.50"}}));
  REQUIRE_FALSE(placement_major.ok());
  CHECK(placement_major.error().code == ErrorCode::kNotAcceptable);
  CHECK(placement_major.error().message ==
        "Version 1.50 is not supported by the API. Minimum is 2.1 and maximum is 2.92.");
  auto garbled = negotiateVersion(withVersionHeaders({{"openstack-api-version", "compute 2."}}));
  REQUIRE_FALSE(garbled.ok());
  CHECK(garbled.error().code == ErrorCode::kInvalidArgument);
  CHECK(garbled.error().message ==
        "Invalid API version request string: '2.'; allowed: 2.1 to 2.92 or latest");
  // A feature is on from its own version.
  CHECK_FALSE(ComputeVersion{54}.atLeast(kFlavorDescription));
  CHECK(ComputeVersion{55}.atLeast(kFlavorDescription));
}

TEST_CASE("declared bodies: the flavor schema per version, digit strings, empty swap") {
  auto check = [](const std::string& body, ComputeVersion v) {
    return checkBody(json::parse(body), flavorCreateSchema(v));
  };
  auto described = R"({"flavor": {"name": "x", "ram": 64, "vcpus": 1, "disk": 1,
                                   "description": "small"}})";
  auto before = check(described, ComputeVersion{54});
  REQUIRE_FALSE(before.ok());
  CHECK(before.error().message ==
        "Invalid input for flavor: additional property 'description' is not allowed; allowed: "
        "name, id, ram, vcpus, disk, swap, OS-FLV-EXT-DATA:ephemeral, rxtx_factor, "
        "os-flavor-access:is_public");
  CHECK(check(described, ComputeVersion{55}).ok());
  CHECK(check(R"({"flavor": {"name": "x", "ram": "64", "vcpus": "2", "disk": "0", "swap": ""}})",
              kMinVersion)
            .ok());
  auto negative_text =
      check(R"({"flavor": {"name": "x", "ram": "-1", "vcpus": 1, "disk": 1}})", kMinVersion);
  REQUIRE_FALSE(negative_text.ok());
  CHECK(negative_text.error().message ==
        "Invalid input for field/attribute ram. Value: -1. It must be a whole number of at least "
        "1.");
  auto zero_rxtx =
      check(R"({"flavor": {"name": "x", "ram": 64, "vcpus": 1, "disk": 1, "rxtx_factor": 0.0}})",
            kMinVersion);
  REQUIRE_FALSE(zero_rxtx.ok());
  CHECK(zero_rxtx.error().code == ErrorCode::kInvalidArgument);
  auto server = checkBody(json::parse(R"({"server": {"name": "s", "imageRef": "i",
      "flavorRef": "f", "return_reservation_id": true}})"),
                          serverCreateSchema());
  CHECK(server.ok());
}

TEST_CASE("noauth 'admin:PROJECT' is an admin in PROJECT, and X-Roles is honoured") {
  Fixture fx;
  // Before the one auth module the API took only exactly "admin" for an admin.
  auto created = fx.call("POST", "/v2.1/flavors", kFlavor, "admin:p1");
  REQUIRE(created.status == 200);
  const auto flavor = json::parse(created.body)["flavor"]["id"].get<std::string>();
  auto image = fx.call("POST", "/v2/images", R"({"name": "i"})", "admin:p1");
  REQUIRE(image.status == 201);
  const auto image_doc = json::parse(image.body);
  CHECK(image_doc["owner"] == "p1");
  auto reader = fx.call("POST", "/v2.1/flavors", kFlavor, "alice:p2");
  CHECK(reader.status == 403);
  auto claimed =
      fx.call("DELETE", "/v2.1/flavors/" + flavor, "", "alice:p2", {{"x-roles", "admin"}});
  CHECK(claimed.status == 202);
}

TEST_CASE("a store that cannot write answers 503 in both APIs, and nothing changes") {
  Fixture fx;
  auto made = fx.call("POST", "/v2.1/flavors", kFlavor, "admin");
  REQUIRE(made.status == 200);
  const auto flavor = json::parse(made.body)["flavor"]["id"].get<std::string>();
  fx.broken = true;
  auto spec = fx.call("POST", "/v2.1/flavors/" + flavor + "/os-extra_specs",
                      R"({"extra_specs": {"hw:viommu_model": "virtio"}})", "admin");
  CHECK(spec.status == 503);
  CHECK(json::parse(spec.body) ==
        json{{"serviceUnavailable", {{"code", 503}, {"message", "disk I/O error"}}}});
  auto image = fx.call("POST", "/v2/images", R"({"name": "i"})", "admin");
  CHECK(image.status == 503);
  CHECK(json::parse(image.body)["error"]["code"] == 503);
  CHECK(json::parse(image.body)["error"]["message"] == "disk I/O error");
  fx.broken = false;
  auto shown = fx.call("GET", "/v2.1/flavors/" + flavor + "/os-extra_specs", "", "admin");
  REQUIRE(shown.status == 200);
  CHECK(json::parse(shown.body)["extra_specs"] == json::object());
}
