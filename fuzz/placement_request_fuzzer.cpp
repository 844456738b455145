// Fuzz target: one whole request (method, target with its query string, JSON
// body) through PlacementService::handle, over a real SQLite store seeded with a
// provider, inventory, traits and a claim. Whatever the bytes, the service must
// answer below 500, and every error must be Placement's error document.
//
// Input: "METHOD TARGET\n" then the body. Built with libFuzzer under clang
// (-DSTRATUS_FUZZ=ON); under any compiler replay_main.cpp runs it over the
// corpus in fuzz/corpus/placement_request (ctest placement:fuzz-corpus).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

#include "placement/service.h"
#include "placement/store.h"

using namespace stratus;
using namespace stratus::placement;

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& input, const HttpResponse& res) {
  std::fprintf(stderr, "FUZZ FAILURE: %s\ninput: %s\nstatus: %d\nbody: %s\n", what.c_str(),
               input.c_str(), res.status, res.body.c_str());
  std::abort();
}

HttpResponse call(PlacementService& s, const std::string& method, const std::string& target,
                  const std::string& body) {
  HttpRequest r;
  r.method = method;
  if (!http::splitTarget(target, r.path, r.query)) return s.errorFor(400, "bad target");
  r.headers["x-auth-token"] = "admin";
  r.headers["openstack-api-version"] = "placement latest";
  r.headers["accept"] = "application/json";
  r.headers["content-type"] = "application/json";
  r.body = body;
  return s.handle(r);
}

PlacementService& service() {
  static std::unique_ptr<PlacementService> svc = [] {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("stratus-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto store = openStore("sqlite://" + (dir / "placement.db").string());
    if (!store) std::abort();
    auto created = PlacementService::create(std::move(*store), {});
    if (!created) std::abort();
    auto s = std::move(*created);
    const std::string rp = "7b0a2a8e-0000-4000-8000-0000000000a1";
    call(*s, "POST", "/resource_providers", R"({"name": "cn1", "uuid": ")" + rp + "\"}");
    call(*s, "PUT", "/resource_providers/" + rp + "/inventories",
         R"({"resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8}}})");
    call(*s, "PUT", "/resource_providers/" + rp + "/traits",
         R"({"resource_provider_generation": 1, "traits": ["HW_CPU_X86_AVX"]})");
    call(*s, "PUT", "/allocations/7b0a2a8e-0000-4000-8000-0000000000c1",
         R"({"allocations": {")" + rp +
             R"(": {"resources": {"VCPU": 1}}}, "consumer_generation": null,
             "project_id": "p", "user_id": "u", "consumer_type": "INSTANCE"})");
    return s;
  }();
  return *svc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto line_end = input.find('\n');
  const std::string line = input.substr(0, line_end);
  const std::string body = line_end == std::string::npos ? "" : input.substr(line_end + 1);
  const auto space = line.find(' ');
  if (space == std::string::npos) return 0;
  const std::string method = line.substr(0, space);
  const std::string target = line.substr(space + 1);
  if (target.empty() || target[0] != '/') return 0;

  const HttpResponse res = call(service(), method, target, body);
  if (res.status >= 500) fail("a 5xx", input, res);
  if (res.status >= 400) {
    auto doc = nlohmann::json::parse(res.body, nullptr, false);
    if (doc.is_discarded() || !doc.contains("errors") || !doc["errors"].is_array() ||
        doc["errors"].empty() || doc["errors"][0].value("status", 0) != res.status ||
        !doc["errors"][0].contains("detail")) {
      fail("an error that is not Placement's error document", input, res);
    }
  }
  return 0;
}
