// Golden cases: testdata/cases/NAME.json (host, flavor, image, optional passthrough) must
// give exactly NAME.xml, or NAME.err holding the rejection message. STRATUS_UPDATE_GOLDEN=1
// rewrites the expectations; review the diff before committing it. Never on CI (the CI
// variable set): there it fails instead, so a run cannot pass by rewriting what it checks.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/skip.h"
#include "virt/domain_render.h"
#include "virt/guest_plan.h"

namespace fs = std::filesystem;
using namespace stratus::virt;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What the case produces: the XML, or "error: <message>\n".
std::pair<bool, std::string> runCase(const json& c) {
  const fs::path hosts = fs::path(STRATUS_VIRT_TESTDATA) / "hosts";
  json host_doc = json::parse(slurp(hosts / (c.at("host").get<std::string>() + ".json")));
  if (c.contains("host_overrides")) host_doc.merge_patch(c.at("host_overrides"));
  auto host = hostFactsFromJson(host_doc);
  REQUIRE(host.ok());

  Flavor flavor;
  const auto& f = c.at("flavor");
  flavor.name = f.at("name");
  flavor.vcpus = f.at("vcpus");
  flavor.ram_mib = f.at("ram");
  flavor.extra_specs = f.at("extra_specs").get<std::map<std::string, std::string>>();
  auto image = c.at("image").get<ImageProperties>();

  auto plan = planGuest(flavor, image, *host, VirtConfig{});
  if (!plan) return {false, plan.error().message + "\n"};
  // "passthrough": {"iommufd": "auto|yes|no", "hostdevs": [{"address", "managed"}]}, as the
  // spawner hands over the devices placement assigned.
  if (c.contains("passthrough")) {
    const auto& p = c.at("passthrough");
    GuestPassthrough pt;
    auto mode = parseIommufdMode(p.at("iommufd").get<std::string>(), "passthrough.iommufd");
    REQUIRE(mode.ok());
    pt.iommufd = *mode;
    for (const auto& h : p.at("hostdevs")) {
      HostdevDef dev;
      dev.address = h.at("address").get<std::string>();
      dev.managed = h.at("managed").get<bool>();
      pt.hostdevs.push_back(dev);
    }
    if (auto ok = checkPassthrough(*plan, pt, *host); !ok) {
      return {false, ok.error().message + "\n"};
    }
    addPassthrough(*plan, pt, *host);
  }
  auto xml = renderDomainXml(plan->domain);
  REQUIRE(xml.ok());
  return {true, *xml};
}

}  // namespace

TEST_CASE("golden cases render exactly their .xml or reject with their .err") {
  const fs::path dir = fs::path(STRATUS_VIRT_TESTDATA) / "cases";
  const bool update = std::getenv("STRATUS_UPDATE_GOLDEN") != nullptr;
  if (update && stratus::test::onCi()) {
    FAIL(
        "STRATUS_UPDATE_GOLDEN is set while CI is set: golden files are not rewritten on CI; "
        "rewrite them on a workstation and commit the reviewed diff");
  }
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 60);

  for (const auto& path : cases) {
    const std::string name = path.stem().string();
    DYNAMIC_SECTION(name) {
      auto [ok, got] = runCase(json::parse(slurp(path)));
      const fs::path xml_path = dir / (name + ".xml");
      const fs::path err_path = dir / (name + ".err");
      if (update) {
        fs::remove(xml_path);
        fs::remove(err_path);
        std::ofstream(ok ? xml_path : err_path) << got;
        continue;
      }
      INFO("case " << name);
      if (fs::exists(xml_path)) {
        CHECK(ok);
        CHECK(got == slurp(xml_path));
      } else {
        REQUIRE(fs::exists(err_path));
        CHECK_FALSE(ok);
        CHECK(got == slurp(err_path));
      }
    }
  }
}
