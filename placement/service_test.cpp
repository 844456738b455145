// The service's request handling in process, over a real SQLite store: the
// validation rules that Placement's own gabbits do not pin down, each with the
// exact status and message a client sees.
#include "placement/service.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "placement/store.h"

using namespace stratus;
using namespace stratus::placement;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class ServiceUnderTest {
 public:
  explicit ServiceUnderTest(ServiceOptions options = {}) {
    fs::remove_all(dir_);
    auto store = openStore("sqlite://" + (dir_ / "placement.db").string());
    REQUIRE(store.ok());
    auto service = PlacementService::create(std::move(*store), std::move(options));
    REQUIRE(service.ok());
    service_ = std::move(*service);
  }
  ~ServiceUnderTest() { fs::remove_all(dir_); }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& version = "latest",
                    const std::optional<std::string>& token = "admin") {
    HttpRequest r;
    r.method = method;
    REQUIRE(http::splitTarget(target, r.path, r.query));
    if (token) r.headers["x-auth-token"] = *token;
    r.headers["openstack-api-version"] = "placement " + version;
    r.headers["accept"] = "application/json";
    if (!body.empty()) r.headers["content-type"] = "application/json";
    r.body = body;
    return service_->handle(r);
  }

  // The message of the one error, without the status explanation Placement's
  // details open with ("...incorrect.\n\n <message>  ").
  static std::string detail(const HttpResponse& res) {
    std::string d = json::parse(res.body)["errors"][0]["detail"].get<std::string>();
    if (auto at = d.find("\n\n "); at != std::string::npos) d.erase(0, at + 3);
    while (!d.empty() && d.back() == ' ') d.pop_back();
    return d;
  }

 private:
  fs::path dir_ = fs::temp_directory_path() / ("stratus-service-" + std::to_string(::getpid()));
  std::unique_ptr<PlacementService> service_;
};

constexpr const char* kRp = "7b0a2a8e-0000-4000-8000-0000000000a1";
constexpr const char* kConsumer = "7b0a2a8e-0000-4000-8000-0000000000c1";

void seedProvider(ServiceUnderTest& s) {
  REQUIRE(
      s.call("POST", "/resource_providers", json{{"name", "cn1"}, {"uuid", kRp}}.dump()).status ==
      200);
  REQUIRE(s.call("PUT", std::string("/resource_providers/") + kRp + "/inventories",
                 json{{"resource_provider_generation", 0},
                      {"inventories", {{"VCPU", {{"total", 8}}}, {"DISK_GB", {{"total", 100}}}}}}
                     .dump())
              .status == 200);
}

std::string allocationBody(const json& mappings) {
  json body = {{"allocations", {{kRp, {{"resources", {{"VCPU", 1}}}}}}},
               {"consumer_generation", nullptr},
               {"project_id", "p"},
               {"user_id", "u"},
               {"consumer_type", "INSTANCE"}};
  if (!mappings.is_null()) body["mappings"] = mappings;
  return body.dump();
}

}  // namespace

TEST_CASE("allocation mappings are checked as Placement's 1.34 schema checks them") {
  ServiceUnderTest s;
  seedProvider(s);
  const std::string path = std::string("/allocations/") + kConsumer;

  auto res = s.call("PUT", path, allocationBody(json::object()));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: {} does not have enough properties") != std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", json::array()}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find("JSON does not validate: [] is too short") !=
        std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", {"not-a-uuid"}}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: 'not-a-uuid' is not a 'uuid'") != std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", {7}}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find("JSON does not validate: 7 is not of type 'string'") !=
        std::string::npos);

  res = s.call("PUT", path, allocationBody({{"_1", "beta"}}));
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).find(
            "JSON does not validate: 'beta' is not of type 'array'") != std::string::npos);

  // None of those took anything; a good mapping does.
  CHECK(s.call("GET", path).body.find(kRp) == std::string::npos);
  CHECK(s.call("PUT", path, allocationBody({{"_1", {kRp}}})).status == 204);
}

TEST_CASE("allocation candidate query keys are named with the patterns of the microversion") {
  ServiceUnderTest s;
  auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1&bogus=1", "", "1.24");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: Additional properties are not allowed ('bogus' was "
        "unexpected)");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&in_tree1=x", "", "1.30");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: 'in_tree1' does not match any of the regexes: "
        "'^member_of([1-9][0-9]*)?$', '^required([1-9][0-9]*)?$', '^resources([1-9][0-9]*)?$'");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&resources_x=VCPU:1", "", "1.32");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Invalid query string parameters: 'resources_x' does not match any of the regexes: "
        "'^in_tree([1-9][0-9]*)?$', '^member_of([1-9][0-9]*)?$', '^required([1-9][0-9]*)?$', "
        "'^resources([1-9][0-9]*)?$'");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&root_required=A&root_required=B");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Query parameter 'root_required' may be specified only once.");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=0");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res).starts_with(
      "Invalid query string parameters: '0' does not match '^[1-9][0-9]*$'"));

  res = s.call("GET", "/allocation_candidates?required=HW_CPU_X86_AVX", "", "1.36");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "There must be at least one resources or resources[$S] parameter.");

  res = s.call("GET", "/allocation_candidates?resources=VCPU:1&member_of=a,b");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) ==
        "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using "
        "the valid microversion. Got: a,b");
}

TEST_CASE("a limit beyond any integer is no limit rather than an error or a crash") {
  ServiceUnderTest s;
  seedProvider(s);
  auto res =
      s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=99999999999999999999999999");
  CHECK(res.status == 200);
  CHECK(json::parse(res.body)["allocation_requests"].size() == 1);
}

TEST_CASE("an in-use message lists classes in Placement's class order, not by name") {
  ServiceUnderTest s;
  seedProvider(s);
  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer,
                 json{{"allocations", {{kRp, {{"resources", {{"VCPU", 1}, {"DISK_GB", 1}}}}}}},
                      {"consumer_generation", nullptr},
                      {"project_id", "p"},
                      {"user_id", "u"},
                      {"consumer_type", "INSTANCE"}}
                     .dump())
              .status == 204);
  auto res = s.call("DELETE", std::string("/resource_providers/") + kRp + "/inventories");
  CHECK(res.status == 409);
  CHECK(ServiceUnderTest::detail(res) == std::string("Inventory for 'VCPU, DISK_GB' on resource "
                                                     "provider '") +
                                             kRp + "' in use.");
}

TEST_CASE("a query that is not UTF-8 is echoed with replacement characters, not a failure") {
  ServiceUnderTest s;
  auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1&limit=%FF%00");
  CHECK(res.status == 400);
  CHECK(
      ServiceUnderTest::detail(res).starts_with("Invalid query string parameters: '\xEF\xBF\xBD"));
}

TEST_CASE("token auth: versions are public, unknown tokens get 401, readers 403 on writes") {
  ServiceOptions options;
  options.auth = AuthMode::kToken;
  options.tokens = {{"s3cret-admin", "admin"}, {"s3cret-reader", "reader"}};
  ServiceUnderTest s(options);
  const std::string create = json{{"name", "cn1"}, {"uuid", kRp}}.dump();

  CHECK(s.call("GET", "/", "", "latest", std::nullopt).status == 200);
  auto res = s.call("GET", "/resource_providers", "", "latest", std::nullopt);
  CHECK(res.status == 401);
  CHECK(ServiceUnderTest::detail(res) == "The X-Auth-Token is missing or not valid.");
  res = s.call("GET", "/resource_providers", "", "latest", "admin");  // a noauth2 token
  CHECK(res.status == 401);

  res = s.call("POST", "/resource_providers", create, "latest", "s3cret-reader");
  CHECK(res.status == 403);
  CHECK(ServiceUnderTest::detail(res) == "Policy does not allow this request to be performed.");
  CHECK(s.call("POST", "/resource_providers", create, "latest", "s3cret-admin").status == 200);
  res = s.call("GET", "/resource_providers", "", "latest", "s3cret-reader");
  CHECK(res.status == 200);
  CHECK(json::parse(res.body)["resource_providers"].size() == 1);
}

TEST_CASE("from 1.36 a request group without resources is refused as such") {
  // Placement accepts such groups when same_subtree names them; Stratus does not
  // support resourceless groups yet and says so rather than ignoring the group.
  ServiceUnderTest s;
  auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1&required_x=HW_CPU_X86_AVX", "",
                    "1.36");
  CHECK(res.status == 400);
  CHECK(ServiceUnderTest::detail(res) == "All request groups must specify resources.");
}

TEST_CASE("candidate summaries follow claims, inventory and trait changes at once") {
  ServiceUnderTest s;
  seedProvider(s);
  const std::string rp = std::string("/resource_providers/") + kRp;
  auto summary = [&](const std::string& version = "latest") {
    auto res = s.call("GET", "/allocation_candidates?resources=VCPU:1", "", version);
    REQUIRE(res.status == 200);
    return json::parse(res.body)["provider_summaries"][kRp];
  };
  CHECK(summary() ==
        json::parse(std::string(R"({"resources": {"DISK_GB": {"capacity": 100, "used": 0},
      "VCPU": {"capacity": 8, "used": 0}}, "traits": [], "parent_provider_uuid": null,
      "root_provider_uuid": ")") +
                    kRp + "\"}"));

  REQUIRE(s.call("PUT", std::string("/allocations/") + kConsumer, allocationBody(nullptr)).status ==
          204);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 8}, {"used", 1}});

  REQUIRE(s.call("PUT", rp + "/traits",
                 json{{"resource_provider_generation", 2}, {"traits", {"HW_CPU_X86_AVX2"}}}.dump())
              .status == 200);
  CHECK(summary()["traits"] == json{"HW_CPU_X86_AVX2"});
  // Before 1.27 only the requested classes are summarized; before 1.29 no tree.
  CHECK(summary("1.26") == json{{"resources", {{"VCPU", {{"capacity", 8}, {"used", 1}}}}},
                                {"traits", {"HW_CPU_X86_AVX2"}}});

  REQUIRE(s.call("PUT", rp + "/inventories/VCPU",
                 json{{"resource_provider_generation", 3}, {"total", 16}, {"allocation_ratio", 2.0}}
                     .dump())
              .status == 200);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 32}, {"used", 1}});

  REQUIRE(s.call("DELETE", std::string("/allocations/") + kConsumer).status == 204);
  CHECK(summary()["resources"]["VCPU"] == json{{"capacity", 32}, {"used", 0}});
}
