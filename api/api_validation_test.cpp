// Every rule the compute and image APIs apply at the door, with its message, through
// the same handle() the HTTP servers call (no sockets: a real SQLite store in a temp dir).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "api/compute/compute_api.h"
#include "api/image/image_api.h"

using namespace stratus;
using namespace stratus::api;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("stratus-api-test-" + std::to_string(::getpid()) +
                                              "-" + std::to_string(std::rand()));
  ApiOptions options;
  std::unique_ptr<CloudState> state;
  std::unique_ptr<ComputeApi> compute;
  std::unique_ptr<ImageApi> images;

  Fixture() { open(); }
  explicit Fixture(ApiOptions o) : options(std::move(o)) { open(); }
  void open() {
    fs::create_directories(dir);
    auto store = openDocStore("sqlite://" + (dir / "api.db").string());
    REQUIRE(store.ok());
    state = std::make_unique<CloudState>(std::move(*store));
    compute = std::make_unique<ComputeApi>(*state, options);
    images = std::make_unique<ImageApi>(*state, options);
  }
  ~Fixture() { fs::remove_all(dir); }

  http::HttpResponse call(bool image, const std::string& method, const std::string& path,
                          const std::string& body = {},
                          const std::string& type = "application/json",
                          const std::string& version = "compute 2.92",
                          const std::string& token = "admin") {
    http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    if (!token.empty()) r.headers["x-auth-token"] = token;
    if (!version.empty()) r.headers["openstack-api-version"] = version;
    if (!body.empty()) r.headers["content-type"] = type;
    return image ? images->handle(r) : compute->handle(r);
  }
  std::string createFlavor(const std::string& specs = "{}") {
    auto res = call(false, "POST", "/v2.1/flavors",
                    R"({"flavor": {"name": "f)" + std::to_string(n++) +
                        R"(", "vcpus": 1, "ram": 64, "disk": 1}})");
    REQUIRE(res.status == 200);
    auto id = nlohmann::json::parse(res.body)["flavor"]["id"].get<std::string>();
    REQUIRE(call(false, "POST", "/v2.1/flavors/" + id + "/os-extra_specs",
                 R"({"extra_specs": )" + specs + "}")
                .status == 200);
    return id;
  }
  std::string createImage(const std::string& props) {
    auto res = call(true, "POST", "/v2/images", "{" + props + "}");
    REQUIRE(res.status == 201);
    auto id = nlohmann::json::parse(res.body)["id"].get<std::string>();
    REQUIRE(call(true, "PUT", "/v2/images/" + id + "/file", "", "application/octet-stream", "")
                .status == 204);
    return id;
  }
  int n = 0;
};

std::string messageOf(const http::HttpResponse& res) {
  auto doc = nlohmann::json::parse(res.body);
  return doc.begin()->value("message", std::string());
}

}  // namespace

TEST_CASE("flavor bodies are checked field by field, naming the field, the value and the rule") {
  Fixture fx;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"flavor": {"vcpus": 1, "ram": 64, "disk": 1}})",
       "Invalid input for flavor: 'name' is a required property"},
      {R"({"flavor": {"name": "", "vcpus": 1, "ram": 64, "disk": 1}})",
       "Invalid input for field/attribute name. Value: . It must be 1 to 255 characters long; it "
       "is empty."},
      {R"({"flavor": {"name": " x", "vcpus": 1, "ram": 64, "disk": 1}})",
       "Invalid input for field/attribute name. Value:  x. It must not start or end with a space."},
      {R"({"flavor": {"name": "x", "vcpus": 0, "ram": 64, "disk": 1}})",
       "Invalid input for field/attribute vcpus. Value: 0. 0 is less than the minimum of 1."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": "lots", "disk": 1}})",
       "Invalid input for field/attribute ram. Value: lots. It must be a whole number of at least "
       "1."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64}})", "'disk' is a required property"},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64, "disk": -1}})",
       "Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0."},
      {R"({"flavor": {"name": "x", "vcpus": 5000, "ram": 64, "disk": 1}})",
       "Invalid input for field/attribute vcpus. Value: 5000. It must be at most 4096."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64, "disk": 1, "rxtx_factor": 0}})",
       "Invalid input for field/attribute rxtx_factor. Value: 0. It must be a number greater than "
       "0."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64, "disk": 1, "os-flavor-access:is_public": "yes"}})",
       "Invalid input for field/attribute os-flavor-access:is_public. Value: yes. It must be true "
       "or false."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64, "disk": 1, "id": "a/b"}})",
       "Invalid input for field/attribute id. Value: a/b. It must be 1 to 255 letters, digits, "
       "'.', '_', '-' or inner spaces."},
      {R"({"flavor": {"name": "x", "vcpus": 1, "ram": 64, "disk": 1, "colour": 1}})",
       "Invalid input for flavor: additional property 'colour' is not allowed; allowed: name, id, "
       "ram, vcpus, disk, swap, OS-FLV-EXT-DATA:ephemeral, rxtx_factor, "
       "os-flavor-access:is_public, description"},
      {R"({"flavour": {}})", "Invalid input: 'flavor' is a required object"},
      {R"(not json)", "the body is not valid JSON"},
  };
  for (const auto& [body, message] : cases) {
    INFO(body);
    auto res = fx.call(false, "POST", "/v2.1/flavors", body);
    CHECK(res.status == 400);
    CHECK(messageOf(res) == message);
  }
  REQUIRE(fx.call(false, "POST", "/v2.1/flavors",
                  R"({"flavor": {"name": "dup", "vcpus": 1, "ram": 64, "disk": 1}})")
              .status == 200);
  auto dup = fx.call(false, "POST", "/v2.1/flavors",
                     R"({"flavor": {"name": "dup", "vcpus": 1, "ram": 64, "disk": 1}})");
  CHECK(dup.status == 409);
  CHECK(messageOf(dup) == "Flavor with name dup already exists.");
  auto member = fx.call(false, "POST", "/v2.1/flavors",
                        R"({"flavor": {"name": "m", "vcpus": 1, "ram": 64, "disk": 1}})",
                        "application/json", "compute 2.92", "alice:p1");
  CHECK(member.status == 403);
}

TEST_CASE("extra specs: key shape, string values, and virt's rules for hw: keys") {
  Fixture fx;
  const std::string id = fx.createFlavor();
  const std::string path = "/v2.1/flavors/" + id + "/os-extra_specs";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"extra_specs": {"hw:viommu_model": "bogus"}})",
       "hw:viommu_model='bogus' is invalid: not a vIOMMU model; allowed: none, intel, smmuv3, "
       "virtio, amd, auto"},
      {R"({"extra_specs": {"hw:mem_page_size": 2048}})",
       "Invalid extra spec hw:mem_page_size=2048: values must be strings"},
      {R"({"extra_specs": {"bad/key": "1"}})",
       "Invalid extra spec key 'bad/key': allowed characters are letters, digits, '-', '_', ':', "
       "'.' and space"},
      {R"({"specs": {}})", "Invalid input: the body must be {\"extra_specs\": {KEY: VALUE, ...}}"},
  };
  for (const auto& [body, message] : cases) {
    INFO(body);
    auto res = fx.call(false, "POST", path, body);
    CHECK(res.status == 400);
    CHECK(messageOf(res) == message);
  }
  auto put = fx.call(false, "PUT", path + "/hw:viommu_model", R"({"hw:locked_memory": "true"})");
  CHECK(put.status == 400);
  CHECK(messageOf(put) ==
        "Invalid input: the body must be {\"hw:viommu_model\": VALUE}, one key matching the URL");
  auto missing = fx.call(false, "DELETE", path + "/hw:nothing");
  CHECK(missing.status == 404);
  CHECK(messageOf(missing) == "Flavor " + id + " has no extra specs with key hw:nothing.");
}

TEST_CASE(
    "server bodies: Nova's rules, Stratus' limits said plainly, and the guest checked whole") {
  Fixture fx;
  const std::string flavor = fx.createFlavor(R"({"hw:viommu_model": "virtio"})");
  const std::string image = fx.createImage(R"("name": "i", "hw_architecture": "x86_64")");
  const std::string arm =
      fx.createImage(R"("name": "a", "hw_architecture": "aarch64", "hw_machine_type": "virt")");
  const std::string locked = fx.createFlavor(R"({"hw:locked_memory": "true"})");
  auto body = [&](const std::string& extra, const std::string& f, const std::string& i) {
    return R"({"server": {"name": "s", "flavorRef": ")" + f + R"(", "imageRef": ")" + i +
           R"(", "networks": "none")" + extra + "}}";
  };
  const std::vector<std::tuple<std::string, std::string, int>> cases = {
      {body(R"(, "key_name": "k")", flavor, image),
       "Invalid input for server: 'key_name' is not supported by Stratus; allowed: name, imageRef, "
       "flavorRef, min_count, max_count, networks, metadata, description, availability_zone",
       400},
      {body(R"(, "availability_zone": "mars")", flavor, image),
       "availability_zone='mars' is invalid: no such zone; allowed: none yet", 400},
      {body(R"(, "availability_zone": 5)", flavor, image),
       "Invalid input for field/attribute availability_zone. Value: 5. It must be a string of 1 "
       "to 255 characters.",
       400},
      {body(R"(, "max_count": 3)", flavor, image),
       "Invalid input for field/attribute max_count. Value: 3. Stratus boots one server per "
       "request; allowed: 1.",
       400},
      {body("", "nope", image), "Flavor nope could not be found: invalid flavorRef.", 400},
      {body("", flavor, "nope"), "Can not find requested image nope: invalid imageRef.", 400},
      {body(R"(, "metadata": {"k": 1})", flavor, image),
       R"(Invalid input for field/attribute metadata. Value: {"k":1}. Keys and values must be strings of 1 to 255 and 0 to 255 characters.)",
       400},
      {R"({"server": {"name": "s", "flavorRef": ")" + flavor + R"(", "imageRef": ")" + image +
           R"(", "networks": [{"uuid": "x"}]}})",
       R"(Invalid input for field/attribute networks. Value: [{"uuid":"x"}]. Stratus has no networking; allowed: "none", "auto" (no network) or [].)",
       400},
      {R"({"server": {"name": "s", "flavorRef": ")" + flavor + R"(", "imageRef": ")" + image +
           R"("}})",
       "Invalid input for server: 'networks' is a required property from microversion 2.37; "
       "allowed: \"none\" or \"auto\"",
       400},
      {body("", locked, image),
       "hw:locked_memory='true' is invalid: locked memory requires a page size to be set; allowed: "
       "locked memory together with hw:mem_page_size (or hw_mem_page_size where the flavor allows "
       "it)",
       400},
  };
  for (const auto& [b, message, status] : cases) {
    INFO(b);
    auto res = fx.call(false, "POST", "/v2.1/servers", b);
    CHECK(res.status == status);
    CHECK(messageOf(res) == message);
  }
  auto arm_intel = fx.call(false, "POST", "/v2.1/servers",
                           body("", fx.createFlavor(R"({"hw:viommu_model": "intel"})"), arm));
  CHECK(arm_intel.status == 400);
  CHECK_THAT(messageOf(arm_intel), Catch::StartsWith("hw:viommu_model='intel' is invalid"));
  auto ok = fx.call(false, "POST", "/v2.1/servers", body("", flavor, image));
  CHECK(ok.status == 202);
}

TEST_CASE("availability_zone forcing a host: admins only, parsed as Nova does, host named") {
  Fixture fx;
  const std::string flavor = fx.createFlavor();
  const std::string image =
      fx.createImage(R"("name": "i", "disk_format": "raw", "container_format": "bare")");
  const auto create = [&](const std::string& zone, const std::string& token) {
    return fx.call(false, "POST", "/v2.1/servers",
                   R"({"server": {"name": "s", "flavorRef": ")" + flavor + R"(", "imageRef": ")" +
                       image + R"(", "networks": "none", "availability_zone": ")" + zone + R"("}})",
                   "application/json", "compute 2.92", token);
  };
  auto member = create("nova:h1", "alice:p1");
  CHECK(member.status == 403);
  CHECK(messageOf(member) ==
        "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
  auto unknown = create("nova:h1", "admin");
  CHECK(unknown.status == 400);
  CHECK(messageOf(unknown) ==
        "availability_zone='nova:h1' is invalid: no compute host named h1; allowed: none yet");
  auto garbled = create("nova:h1:h1:x", "admin");
  CHECK(garbled.status == 400);
  CHECK(messageOf(garbled) ==
        "availability_zone='nova:h1:h1:x' is invalid: cannot be parsed; allowed: ZONE, ZONE:HOST, "
        "ZONE::NODE or ZONE:HOST:NODE");
}

TEST_CASE("microversions and auth are Nova's") {
  Fixture fx;
  auto too_new = fx.call(false, "GET", "/v2.1/flavors", "", "", "compute 2.99");
  CHECK(too_new.status == 406);
  CHECK(messageOf(too_new) ==
        "Version 2.99 is not supported by the API. Minimum is 2.1 and maximum is 2.92.");
  auto garbled = fx.call(false, "GET", "/v2.1/flavors", "", "", "compute two");
  CHECK(garbled.status == 400);
  CHECK(messageOf(garbled) ==
        "Invalid API version request string: 'two'; allowed: 2.1 to 2.92 or latest");
  auto latest = fx.call(false, "GET", "/v2.1/flavors", "", "", "compute latest");
  CHECK(latest.header("OpenStack-API-Version") == std::optional<std::string>("compute 2.92"));
  CHECK(fx.call(false, "GET", "/v2.1", "", "", "", "").status == 200);
  auto anonymous = fx.call(false, "GET", "/v2.1/flavors", "", "", "", "");
  CHECK(anonymous.status == 401);
  http::HttpRequest r;
  r.method = "GET";
  r.path = "/v2.1/flavors/detail";
  r.query = {{"x", "1"}};
  r.headers["x-auth-token"] = "admin";
  auto bad_filter = fx.compute->handle(r);
  CHECK(bad_filter.status == 400);
  CHECK(messageOf(bad_filter) ==
        "Invalid query parameter 'x'; allowed: is_public, limit, marker, sort_key, sort_dir, "
        "minDisk, minRam");
}

TEST_CASE("images: Glance's rules for core fields, strings for properties, virt's for hw_*") {
  Fixture fx;
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {R"({"visibility": "everyone"})", 400,
       "Invalid value for 'visibility': 'everyone'; allowed: community, private, public, shared"},
      {R"({"container_format": "zip"})", 400,
       "Invalid value for 'container_format': 'zip'; allowed: aki, ami, ari, bare, compressed, "
       "docker, ova, ovf, null"},
      {R"({"min_ram": -1})", 400,
       "Invalid value for 'min_ram': -1; allowed: a whole number of at least 0"},
      {R"({"protected": "yes"})", 400,
       "Invalid value for 'protected': 'yes'; allowed: true, false"},
      {R"({"tags": "a"})", 400, "Invalid value for 'tags': 'a'; allowed: an array of strings"},
      {R"({"hw_disk_bus": 7})", 400,
       "Invalid value for 'hw_disk_bus': 7; allowed: a string (image properties are strings)"},
      {R"({"hw_viommu_model": "Intel"})", 400,
       "hw_viommu_model='Intel' is invalid: values are lower case; did you mean 'intel'?; allowed: "
       "none, intel, smmuv3, virtio, amd, auto"},
      {R"({"size": 5})", 403, "Attribute 'size' is read-only."},
      {R"({"id": "nope"})", 400, "Invalid value for 'id': 'nope'; allowed: a UUID"},
  };
  for (const auto& [b, status, message] : cases) {
    INFO(b);
    auto res = fx.call(true, "POST", "/v2/images", b);
    CHECK(res.status == status);
    CHECK(messageOf(res) == message);
  }
  const std::string id = fx.createImage(R"("name": "p")");
  const std::string patch_type = "application/openstack-images-v2.1-json-patch";
  const std::vector<std::tuple<std::string, int, std::string>> patches = {
      {R"([{"op": "remove", "path": "/hw_nothing"}])", 409, "Property hw_nothing does not exist."},
      {R"([{"op": "replace", "path": "/hw_nothing", "value": "x"}])", 409,
       "Property hw_nothing does not exist, so it cannot be replaced; use add."},
      {R"([{"op": "move", "path": "/name"}])", 400,
       "Invalid patch operation 'move'; allowed: add, replace, remove"},
      {R"([{"op": "add", "path": "/a/b", "value": "x"}])", 400,
       "Invalid patch path '/a/b'; allowed: /KEY for a top-level key"},
      {R"([{"op": "add", "path": "/status", "value": "active"}])", 403,
       "Attribute 'status' is read-only."},
      {R"({"op": "add"})", 400, "The patch must be a JSON array of operations"},
  };
  for (const auto& [b, status, message] : patches) {
    INFO(b);
    auto res = fx.call(true, "PATCH", "/v2/images/" + id, b, patch_type, "");
    CHECK(res.status == status);
    CHECK(messageOf(res) == message);
  }
  auto wrong_type = fx.call(true, "PATCH", "/v2/images/" + id, "[]", "application/json", "");
  CHECK(wrong_type.status == 415);
  auto again =
      fx.call(true, "PUT", "/v2/images/" + id + "/file", "", "application/octet-stream", "");
  CHECK(again.status == 409);
  CHECK(messageOf(again) == "Image status transition from active to saving is not allowed");
  // add replaces an existing key (RFC 6902), as the openstack CLI relies on.
  auto set = fx.call(
      true, "PATCH", "/v2/images/" + id,
      R"([{"op": "add", "path": "/hw_locked_memory", "value": "true"}, {"op": "add", "path": "/hw_locked_memory", "value": "false"}])",
      patch_type, "");
  REQUIRE(set.status == 200);
  CHECK(nlohmann::json::parse(set.body)["hw_locked_memory"] == "false");
}

TEST_CASE("the store gives everything back after a restart") {
  Fixture fx;
  const std::string flavor = fx.createFlavor(R"({"hw:viommu_model": "virtio"})");
  const std::string image = fx.createImage(R"("name": "keep", "hw_architecture": "x86_64")");
  auto store = openDocStore("sqlite://" + (fx.dir / "api.db").string());
  REQUIRE(store.ok());
  CloudState reloaded(std::move(*store));
  REQUIRE(reloaded.load().ok());
  REQUIRE(reloaded.flavors.contains(flavor));
  CHECK(reloaded.flavors.at(flavor).extra_specs.at("hw:viommu_model") == "virtio");
  REQUIRE(reloaded.images.contains(image));
  CHECK(reloaded.images.at(image).status == "active");
  CHECK(reloaded.images.at(image).size == std::optional<std::int64_t>(0));
  CHECK(reloaded.images.at(image).properties.at("hw_architecture") == "x86_64");
}

TEST_CASE("token auth: only the token file's tokens, and only admins write flavors") {
  Fixture fx;
  ApiOptions options;
  options.auth.mode = AuthMode::kToken;
  options.auth.tokens = {{"s3cret", "admin"}, {"look", "reader"}};
  ComputeApi compute(*fx.state, options);
  auto call = [&](const std::string& token, const std::string& method, const std::string& body) {
    http::HttpRequest r;
    r.method = method;
    r.path = "/v2.1/flavors";
    r.body = body;
    if (!token.empty()) r.headers["x-auth-token"] = token;
    if (!body.empty()) r.headers["content-type"] = "application/json";
    return compute.handle(r);
  };
  const std::string flavor = R"({"flavor": {"name": "t", "vcpus": 1, "ram": 64, "disk": 1}})";
  CHECK(call("", "GET", "").status == 401);
  auto wrong = call("admin", "GET", "");
  CHECK(wrong.status == 401);
  CHECK(messageOf(wrong) == "Authentication required: send a valid X-Auth-Token.");
  CHECK(call("look", "GET", "").status == 200);
  auto reader_write = call("look", "POST", flavor);
  CHECK(reader_write.status == 403);
  CHECK(messageOf(reader_write) ==
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
  CHECK(call("s3cret", "POST", flavor).status == 200);
  http::HttpRequest version;
  version.method = "GET";
  version.path = "/v2.1/";
  CHECK(compute.handle(version).status == 200);
}

namespace {

ApiOptions withAliases() {
  ApiOptions o;
  for (const char* text : {R"({"name": "nic", "vendor_id": "8086", "product_id": "10ca"})",
                           R"({"name": "nvme", "resource_class": "nvme_disk"})"}) {
    auto a = pci::parseAlias(text);
    REQUIRE(a.ok());
    o.pci.aliases.insert(o.pci.aliases.end(), a->begin(), a->end());
  }
  return o;
}

}  // namespace

TEST_CASE("PCI extra specs: the alias syntax, defined aliases, the NUMA policy, group_policy") {
  Fixture fx(withAliases());
  const std::string id = fx.createFlavor();
  const std::string path = "/v2.1/flavors/" + id + "/os-extra_specs";
  const std::string form = "; allowed: NAME:COUNT[, NAME:COUNT...] with COUNT an integer >= 1";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"pci_passthrough:alias": "nic"})",
       "pci_passthrough:alias='nic' is invalid: item 'nic' has no ':COUNT'" + form},
      {R"({"pci_passthrough:alias": "nic:0"})",
       "pci_passthrough:alias='nic:0' is invalid: the count of 'nic' is '0', not an integer >= 1" +
           form},
      {R"({"pci_passthrough:alias": "nic:1,,nvme:1"})",
       "pci_passthrough:alias='nic:1,,nvme:1' is invalid: it has an empty item" + form},
      {R"({"pci_passthrough:alias": "nic:1, gpu:2"})",
       "pci_passthrough:alias='nic:1, gpu:2' is invalid: alias 'gpu' is not defined in [pci] "
       "alias; allowed: nic, nvme"},
      {R"({"hw:pci_numa_affinity_policy": "strict"})",
       "hw:pci_numa_affinity_policy='strict' is invalid; allowed: required, legacy, preferred, "
       "socket"},
      {R"({"group_policy": "spread"})",
       "group_policy='spread' is invalid: not a placement group policy; allowed: none, isolate"},
  };
  for (const auto& [specs, message] : cases) {
    INFO(specs);
    auto res = fx.call(false, "POST", path, R"({"extra_specs": )" + specs + "}");
    CHECK(res.status == 400);
    CHECK(messageOf(res) == message);
    // One key at a time (openstack flavor set sends PUT per key too).
    const std::string key = nlohmann::json::parse(specs).begin().key();
    auto put = fx.call(false, "PUT", path + "/" + key, specs);
    CHECK(put.status == 400);
    CHECK(messageOf(put) == message);
  }
  CHECK(fx.call(false, "GET", path).body == R"({"extra_specs":{}})");
  auto ok = fx.call(
      false, "POST", path,
      R"({"extra_specs": {"pci_passthrough:alias": "nic:2, nvme:1", "hw:pci_numa_affinity_policy": "socket", "group_policy": "isolate"}})");
  CHECK(ok.status == 200);
}

TEST_CASE("PCI aliases need [pci] alias: without it every alias is refused") {
  Fixture fx;
  const std::string id = fx.createFlavor();
  auto res = fx.call(false, "POST", "/v2.1/flavors/" + id + "/os-extra_specs",
                     R"({"extra_specs": {"pci_passthrough:alias": "nic:1"}})");
  CHECK(res.status == 400);
  CHECK(messageOf(res) ==
        "pci_passthrough:alias='nic:1' is invalid: alias 'nic' is not defined in [pci] alias; "
        "allowed: none: [pci] alias defines no alias");
}

TEST_CASE("the image's PCI NUMA policy is checked when set, by create and by patch") {
  Fixture fx(withAliases());
  const std::string message =
      "hw_pci_numa_affinity_policy='Required' is invalid; allowed: required, legacy, preferred, "
      "socket";
  auto create =
      fx.call(true, "POST", "/v2/images", R"({"hw_pci_numa_affinity_policy": "Required"})");
  CHECK(create.status == 400);
  CHECK(messageOf(create) == message);
  const std::string id = fx.createImage(R"("name": "p")");
  auto patch =
      fx.call(true, "PATCH", "/v2/images/" + id,
              R"([{"op": "add", "path": "/hw_pci_numa_affinity_policy", "value": "Required"}])",
              "application/openstack-images-v2.1-json-patch", "");
  CHECK(patch.status == 400);
  CHECK(messageOf(patch) == message);
  CHECK(fx.createImage(R"("name": "q", "hw_pci_numa_affinity_policy": "preferred")").size() == 36);
}

TEST_CASE("server create checks the whole PCI request: flavor and image policies must agree") {
  Fixture fx(withAliases());
  const std::string flavor = fx.createFlavor(
      R"({"pci_passthrough:alias": "nic:1", "hw:pci_numa_affinity_policy": "required"})");
  const std::string differs =
      fx.createImage(R"("name": "i", "hw_pci_numa_affinity_policy": "preferred")");
  const std::string agrees =
      fx.createImage(R"("name": "j", "hw_pci_numa_affinity_policy": "required")");
  auto body = [&](const std::string& image) {
    return R"({"server": {"name": "s", "flavorRef": ")" + flavor + R"(", "imageRef": ")" + image +
           R"(", "networks": "none"}})";
  };
  auto res = fx.call(false, "POST", "/v2.1/servers", body(differs));
  CHECK(res.status == 400);
  CHECK(messageOf(res) ==
        "hw:pci_numa_affinity_policy='required' is invalid: the image's "
        "hw_pci_numa_affinity_policy='preferred' differs from the flavor's; allowed: the same "
        "value in both, or only one of them");
  CHECK(fx.call(false, "POST", "/v2.1/servers", body(agrees)).status == 202);
  // A flavor stored before its alias was removed from [pci] is refused at create.
  ApiOptions none;
  ComputeApi without(*fx.state, none);
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/v2.1/servers";
  r.body = body(agrees);
  r.headers = {{"x-auth-token", "admin"},
               {"openstack-api-version", "compute 2.92"},
               {"content-type", "application/json"}};
  auto stale = without.handle(r);
  CHECK(stale.status == 400);
  CHECK(messageOf(stale) ==
        "pci_passthrough:alias='nic:1' is invalid: alias 'nic' is not defined in [pci] alias; "
        "allowed: none: [pci] alias defines no alias");
}

TEST_CASE("a server's claimed allocation is stored and survives a restart; old records read {}") {
  ServerRecord s;
  s.id = "x";
  s.allocations = nlohmann::json::parse(R"({"cn": {"resources": {"VCPU": 1}}})");
  CHECK(serverFromDoc(toDoc(s)).allocations == s.allocations);
  nlohmann::json old = toDoc(s);
  old.erase("allocations");
  CHECK(serverFromDoc(old).allocations == nlohmann::json::object());
}

TEST_CASE("placement extra specs are checked when set, and unknown namespaces refused") {
  Fixture fx;
  const std::string id = fx.createFlavor();
  const std::string path = "/v2.1/flavors/" + id + "/os-extra_specs";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"trait:GOLD": "required"})",
       "trait:GOLD='required' is invalid: GOLD is neither a standard trait nor a custom one; "
       "allowed: a standard trait (os-traits or COMPUTE_IOMMU_MODEL_*) or CUSTOM_[A-Z0-9_]+ after "
       "the ':'"},
      {R"({"trait:CUSTOM_GOLD": "maybe"})",
       "trait:CUSTOM_GOLD='maybe' is invalid: not a trait requirement; allowed: required, "
       "forbidden"},
      {R"({"resources1:VGPU": "one"})",
       "resources1:VGPU='one' is invalid: not a resource count; allowed: a whole number from 0 to "
       "2147483647"},
      {R"({"resources:CUSTOM_x": "1"})",
       "resources:CUSTOM_x='1' is invalid: CUSTOM_x is not a valid custom resource class; "
       "allowed: a standard resource class (VCPU, MEMORY_MB, DISK_GB, PCI_DEVICE, SRIOV_NET_VF, "
       "NUMA_SOCKET, NUMA_CORE, NUMA_THREAD, NUMA_MEMORY_MB, IPV4_ADDRESS, VGPU, "
       "VGPU_DISPLAY_HEAD, NET_BW_EGR_KILOBIT_PER_SEC, NET_BW_IGR_KILOBIT_PER_SEC, PCPU, "
       "MEM_ENCRYPTION_CONTEXT, FPGA, PGPU, NET_PACKET_RATE_KILOPACKET_PER_SEC, "
       "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC, NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC) or "
       "CUSTOM_[A-Z0-9_]+"},
      {R"({"resources.1:VGPU": "1"})",
       "resources.1:VGPU='1' is invalid: '.1' is not a request group suffix; allowed: a group "
       "suffix of 1 to 64 characters from a-z, A-Z, 0-9, _, -"},
      {R"({"member_of": "agg1"})",
       "member_of='agg1' is invalid: 'agg1' is not an aggregate UUID; allowed: an aggregate UUID, "
       "or in:UUID,UUID,... for any of several, either with a leading '!' to keep out of them"},
      {R"({"quota:cpu_shares": "1024"})",
       "quota:cpu_shares='1024' is invalid: Stratus does not act on this extra spec; allowed: "
       "extra specs in the namespaces Stratus acts on: hw: (hw:viommu_model, hw:viommu_accel, "
       "hw:locked_memory, hw:mem_page_size, hw:pci_numa_affinity_policy), pci_passthrough:alias, "
       "group_policy, "
       "resources[SUFFIX]:RESOURCE_CLASS, trait[SUFFIX]:TRAIT, member_of[SUFFIX] (or [api] "
       "allow_unknown_extra_specs = true to store others)"},
  };
  for (const auto& [specs, message] : cases) {
    INFO(specs);
    auto res = fx.call(false, "POST", path, R"({"extra_specs": )" + specs + "}");
    CHECK(res.status == 400);
    CHECK(messageOf(res) == message);
    const std::string key = nlohmann::json::parse(specs).begin().key();
    auto put = fx.call(false, "PUT", path + "/" + key, specs);
    CHECK(put.status == 400);
    CHECK(messageOf(put) == message);
  }
  CHECK(fx.call(false, "GET", path).body == R"({"extra_specs":{}})");
  auto ok = fx.call(false, "POST", path,
                    R"({"extra_specs": {"resources:VCPU": "0", "resources:PCPU": "1", )"
                    R"("resources1:VGPU": "1", "trait:CUSTOM_GOLD": "required", )"
                    R"("trait1:CUSTOM_A": "forbidden"}})");
  CHECK(ok.status == 200);
}

TEST_CASE("[api] allow_unknown_extra_specs stores other namespaces; create honours it too") {
  ApiOptions allow;
  allow.allow_unknown_extra_specs = true;
  Fixture fx(allow);
  const std::string flavor = fx.createFlavor(R"({"quota:cpu_shares": "1024"})");
  const std::string image = fx.createImage(R"("name": "i")");
  const std::string body = R"({"server": {"name": "s", "flavorRef": ")" + flavor +
                           R"(", "imageRef": ")" + image + R"(", "networks": "none"}})";
  CHECK(fx.call(false, "POST", "/v2.1/servers", body).status == 202);
  // Unknown keys in the namespaces Stratus honours are refused whatever the option says.
  auto hw = fx.call(false, "POST", "/v2.1/flavors/" + flavor + "/os-extra_specs",
                    R"({"extra_specs": {"trait:CUSTOM_X": "preferred"}})");
  CHECK(hw.status == 400);
  // The same stored flavor, read by an API that does not allow them.
  ApiOptions strict_options;
  ComputeApi strict(*fx.state, strict_options);
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/v2.1/servers";
  r.body = body;
  r.headers = {{"x-auth-token", "admin"},
               {"openstack-api-version", "compute 2.92"},
               {"content-type", "application/json"}};
  auto refused = strict.handle(r);
  CHECK(refused.status == 400);
  CHECK_THAT(messageOf(refused),
             Catch::StartsWith("quota:cpu_shares='1024' is invalid: Stratus does not act on this "
                               "extra spec; allowed: extra specs in the namespaces"));
}

TEST_CASE("image trait properties: only required, checked by create and by patch") {
  Fixture fx;
  const std::string message =
      "trait:CUSTOM_GOLD='forbidden' is invalid: an image may only require a trait; allowed: "
      "required";
  auto create = fx.call(true, "POST", "/v2/images", R"({"trait:CUSTOM_GOLD": "forbidden"})");
  CHECK(create.status == 400);
  CHECK(messageOf(create) == message);
  const std::string id = fx.createImage(R"("name": "p")");
  auto patch = fx.call(true, "PATCH", "/v2/images/" + id,
                       R"([{"op": "add", "path": "/trait:CUSTOM_GOLD", "value": "forbidden"}])",
                       "application/openstack-images-v2.1-json-patch", "");
  CHECK(patch.status == 400);
  CHECK(messageOf(patch) == message);
  auto bad_name = fx.call(true, "POST", "/v2/images", R"({"trait:gold": "required"})");
  CHECK(bad_name.status == 400);
  CHECK(messageOf(bad_name) ==
        "trait:gold='required' is invalid: gold is neither a standard trait nor a custom one; "
        "allowed: a standard trait (os-traits or COMPUTE_IOMMU_MODEL_*) or CUSTOM_[A-Z0-9_]+ "
        "after the ':'");
  // Other properties are Glance's free-form metadata.
  CHECK(fx.createImage(R"("name": "q", "trait:CUSTOM_GOLD": "required", "os_distro": "debian")")
            .size() == 36);
}

TEST_CASE("server create: the flavor and image placement requests checked together") {
  Fixture fx;
  const std::string plain = fx.createImage(R"("name": "i")");
  const std::string gold = fx.createImage(R"("name": "g", "trait:CUSTOM_GOLD": "required")");
  auto body = [&](const std::string& f, const std::string& i) {
    return R"({"server": {"name": "s", "flavorRef": ")" + f + R"(", "imageRef": ")" + i +
           R"(", "networks": "none"}})";
  };
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {fx.createFlavor(
           R"({"trait:COMPUTE_IOMMU_MODEL_INTEL": "forbidden", "hw:viommu_model": "intel"})"),
       plain,
       "trait:COMPUTE_IOMMU_MODEL_INTEL='forbidden' is invalid: COMPUTE_IOMMU_MODEL_INTEL would "
       "be both required, by prefilter viommu_model (hw:viommu_model=intel), and forbidden, by "
       "flavor trait:COMPUTE_IOMMU_MODEL_INTEL=forbidden; allowed: a trait that is not also "
       "required elsewhere: drop one of the two"},
      {fx.createFlavor(R"({"trait:CUSTOM_GOLD": "forbidden"})"), gold,
       "trait:CUSTOM_GOLD='forbidden' is invalid: CUSTOM_GOLD would be both required, by image "
       "trait:CUSTOM_GOLD=required, and forbidden, by flavor trait:CUSTOM_GOLD=forbidden; "
       "allowed: a trait that is not also required elsewhere: drop one of the two"},
      {fx.createFlavor(R"({"resources1:VGPU": "1", "resources2:VGPU": "1"})"), plain,
       "group_policy='' is invalid: the flavor has 2 numbered request groups (1, 2), so it must "
       "say whether they may share a provider; allowed: none, isolate"},
      {fx.createFlavor(R"({"trait1:CUSTOM_A": "required"})"), plain,
       "trait1:CUSTOM_A='required' is invalid: request group 1 asks for no resources, and "
       "placement needs some in every numbered group; allowed: a resources1:RESOURCE_CLASS extra "
       "spec next to it"},
  };
  for (const auto& [f, i, message] : cases) {
    INFO(message);
    auto res = fx.call(false, "POST", "/v2.1/servers", body(f, i));
    CHECK(res.status == 400);
    CHECK(messageOf(res) == message);
  }
  const std::string fine = fx.createFlavor(
      R"({"trait:CUSTOM_GOLD": "required", "resources1:VGPU": "1", "resources2:VGPU": "1", )"
      R"("group_policy": "isolate"})");
  CHECK(fx.call(false, "POST", "/v2.1/servers", body(fine, gold)).status == 202);
}

TEST_CASE("host report: pci_owners is an object of PCI address -> server UUID") {
  Fixture fx;
  std::ifstream in(std::string(STRATUS_VIRT_TESTDATA) + "/hosts/x86-kvm-libvirt9.json");
  REQUIRE(in.good());
  const std::string facts((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string uuid = "\"provider_uuid\": \"6f9619ff-8b86-4d11-b42d-00c04fc964ff\"";
  auto not_object = fx.call(false, "PUT", "/stratus/v1/hosts/cn1",
                            "{" + uuid + ", \"facts\": " + facts + ", \"pci_owners\": [1]}");
  CHECK(not_object.status == 400);
  CHECK(messageOf(not_object) ==
        "pci_owners=[1] is invalid; allowed: an object of PCI address -> server UUID");
  auto not_string =
      fx.call(false, "PUT", "/stratus/v1/hosts/cn1",
              "{" + uuid + ", \"facts\": " + facts + ", \"pci_owners\": {\"0000:01:10.0\": 7}}");
  CHECK(not_string.status == 400);
  CHECK(messageOf(not_string) ==
        "pci_owners[0000:01:10.0]=7 is invalid; allowed: a server UUID string");
  auto ok = fx.call(
      false, "PUT", "/stratus/v1/hosts/cn1",
      "{" + uuid + ", \"facts\": " + facts + ", \"pci_owners\": {\"0000:01:10.0\": \"s1\"}}");
  CHECK(ok.status == 200);
  std::lock_guard lock(fx.state->mu);
  CHECK(fx.state->hosts.at("cn1").pci_owners ==
        std::map<std::string, std::string>{{"0000:01:10.0", "s1"}});
}
