// Against the real libvirt on this machine (qemu:///system): probe, render, validate,
// define with validation, start, read back and remove. Leaves no domains behind.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/skip.h"
#include "virt/domain_render.h"
#include "virt/guest_boot_libvirt.h"
#include "virt/guest_plan.h"
#include "virt/host_probe_libvirt.h"
#include "virt/host_traits.h"

using namespace stratus;
using namespace stratus::virt;
namespace fs = std::filesystem;

namespace {

const char* kUri = "qemu:///system";
const std::string kPrefix = "stratus-itest-";

// One connection for the whole run; null when libvirt is not reachable.
LibvirtConnection* connection() {
  static auto conn = LibvirtConnection::open(kUri);
  return conn.ok() ? &conn.value() : nullptr;
}

#define REQUIRE_LIBVIRT()                                                         \
  do {                                                                            \
    if (connection() == nullptr)                                                  \
      STRATUS_SKIP(kUri << " does not answer (run scripts/start-libvirt first)"); \
  } while (false)

// virt-xml-validate against libvirt's own schema.
bool schemaValid(const std::string& xml, std::string& output) {
  const fs::path file =
      fs::temp_directory_path() / ("stratus-validate-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(file) << xml;
  const std::string cmd = "virt-xml-validate " + file.string() + " domain 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512];
  output.clear();
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int rc = p != nullptr ? ::pclose(p) : -1;
  fs::remove(file);
  return rc == 0;
}

// How the running guest's XML shows the vIOMMU (libvirt adds an <alias> inside).
std::string expectedIommu(ViommuModel model, VirtType type) {
  switch (model) {
    case ViommuModel::kIntel:
      return type == VirtType::kKvm
                 ? "<iommu model='intel'>\n      <driver intremap='on' caching_mode='on' eim='on' "
                   "iotlb='on' aw_bits='48'/>\n"
                 : "<iommu model='intel'>\n      <driver intremap='on' caching_mode='on' "
                   "iotlb='on' aw_bits='48'/>\n";
    case ViommuModel::kSmmuv3:
      return "<iommu model='smmuv3'>\n      <alias name='iommu0'/>";
    case ViommuModel::kVirtio:
      return "<iommu model='virtio'>\n      <alias name='iommu0'/>";
    default:
      return "";
  }
}

void cleanupLeftovers() {
  if (connection() == nullptr) return;
  LibvirtGuests guests(*connection());
  auto names = guests.names();
  if (!names) return;
  for (const auto& n : *names) {
    if (n.rfind(kPrefix, 0) == 0) (void)guests.destroyAndUndefine(n);
  }
}

std::vector<std::string> leftovers() {
  std::vector<std::string> out;
  auto names = LibvirtGuests(*connection()).names();
  REQUIRE(names.ok());
  for (const auto& n : *names) {
    if (n.rfind(kPrefix, 0) == 0) out.push_back(n);
  }
  return out;
}

struct Boot {
  std::string arch;
  ViommuModel model;
};

// Boots one guest per model the host reports, for each arch it runs under `type`.
void bootEveryReportedModel(VirtTypeSetting setting) {
  auto facts = probeHost(*connection(), setting);
  REQUIRE(facts.ok());
  const auto traits = hostViommuAndArchTraits(*facts, traits::TraitsConfig{});
  std::vector<Boot> boots;
  for (const char* arch : {"x86_64", "aarch64"}) {
    if (!facts->runsArch(arch)) continue;
    for (auto model : kConcreteViommuModels) {
      const bool fits = model == ViommuModel::kVirtio ||
                        (model == ViommuModel::kIntel && std::string(arch) == "x86_64") ||
                        (model == ViommuModel::kSmmuv3 && std::string(arch) == "aarch64");
      if (fits && traits.count("COMPUTE_IOMMU_MODEL_" + std::string(viommuTraitSuffix(model)))) {
        boots.push_back({arch, model});
      }
    }
  }
  REQUIRE_FALSE(boots.empty());
  LibvirtGuests guests(*connection());
  for (const auto& b : boots) {
    const std::string name = kPrefix + std::string(virtTypeName(facts->virt_type)) + "-" + b.arch +
                             "-" + std::string(viommuModelName(b.model));
    DYNAMIC_SECTION(name) {
      Flavor flavor{name, 1, 128, 0, {{"hw:viommu_model", std::string(viommuModelName(b.model))}}};
      auto plan = planGuest(flavor, {{"hw_architecture", b.arch}}, *facts, VirtConfig{});
      REQUIRE(plan.ok());
      auto xml = renderDomainXml(plan->domain);
      REQUIRE(xml.ok());
      std::string out;
      INFO(*xml);
      CHECK(schemaValid(*xml, out));
      INFO(out);
      auto started = guests.defineAndStart(*xml);
      INFO((started.ok() ? std::string("started") : started.error().message));
      REQUIRE(started.ok());
      auto live = guests.liveXml(name);
      REQUIRE(live.ok());
      CHECK(live->find(expectedIommu(b.model, facts->virt_type)) != std::string::npos);
      if (b.model == ViommuModel::kIntel) {
        CHECK(live->find("<ioapic driver='qemu'/>") != std::string::npos);
      }
      CHECK(live->find("<domain type='" + std::string(virtTypeName(facts->virt_type)) + "'") !=
            std::string::npos);
      CHECK(guests.destroyAndUndefine(name).ok());
    }
  }
}

}  // namespace

TEST_CASE("the live host probes into consistent facts") {
  REQUIRE_LIBVIRT();
  auto facts = probeHost(*connection(), VirtTypeSetting::kAuto);
  REQUIRE(facts.ok());
  CHECK_FALSE(facts->hostname.empty());
  CHECK(facts->libvirt_version >= Version{6, 0, 0});
  CHECK(facts->qemu_version >= Version{4, 0, 0});
  CHECK(facts->runsArch(facts->arch));
  REQUIRE_FALSE(facts->numa_cells.empty());
  CHECK(facts->cpuCount() > 0);
  for (const auto& cell : facts->numa_cells) {
    for (const auto& p : cell.pages) CHECK(p.free <= p.total);
  }
  CHECK_FALSE(facts->iommu.kernel_version.empty());
  // The document written is the document read.
  auto back = hostFactsFromJson(hostFactsToJson(*facts));
  REQUIRE(back.ok());
  CHECK(hostFactsToJson(*back) == hostFactsToJson(*facts));
  const bool kvm_usable = facts->virt_type == VirtType::kKvm;
  INFO("virt type " << virtTypeName(facts->virt_type));
  if (fs::exists("/dev/kvm")) CHECK(kvm_usable);
}

TEST_CASE("every model the host reports boots under its virt type") {
  REQUIRE_LIBVIRT();
  cleanupLeftovers();
  bootEveryReportedModel(VirtTypeSetting::kAuto);
  CHECK(leftovers().empty());
}

TEST_CASE("every model boots under qemu (TCG), aarch64 included") {
  REQUIRE_LIBVIRT();
  cleanupLeftovers();
  bootEveryReportedModel(VirtTypeSetting::kQemu);
  CHECK(leftovers().empty());
}

TEST_CASE("a define libvirt's schema refuses is reported with libvirt's message") {
  REQUIRE_LIBVIRT();
  auto facts = probeHost(*connection(), VirtTypeSetting::kQemu);
  REQUIRE(facts.ok());
  auto plan = planGuest(Flavor{kPrefix + "bad", 1, 128, 0, {{"hw:viommu_model", "intel"}}}, {},
                        *facts, VirtConfig{});
  REQUIRE(plan.ok());
  std::string xml = *renderDomainXml(plan->domain);
  // An attribute libvirt 9.0 does not know: a plain define would drop it silently.
  const std::string driver = "<driver intremap=\"on\"";
  xml.replace(xml.find(driver), driver.size(), "<driver dma_translation=\"on\" intremap=\"on\"");
  auto r = LibvirtGuests(*connection()).defineAndStart(xml);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("libvirt refused the domain definition: ") == 0);
  CHECK(r.error().message.find("schema") != std::string::npos);
  CHECK(leftovers().empty());
}

TEST_CASE(
    "locked memory that the host cannot lock fails with libvirt's message and leaves nothing") {
  REQUIRE_LIBVIRT();
  auto facts = probeHost(*connection(), VirtTypeSetting::kAuto);
  REQUIRE(facts.ok());
  Flavor flavor{
      kPrefix + "locked",
      1,
      128,
      0,
      {{"hw:viommu_model", "intel"}, {"hw:locked_memory", "true"}, {"hw:mem_page_size", "small"}}};
  auto plan = planGuest(flavor, {}, *facts, VirtConfig{});
  REQUIRE(plan.ok());
  auto xml = renderDomainXml(plan->domain);
  REQUIRE(xml.ok());
  CHECK(xml->find("<locked/>") != std::string::npos);
  std::string out;
  CHECK(schemaValid(*xml, out));
  LibvirtGuests guests(*connection());
  auto r = guests.defineAndStart(*xml);
  if (r.ok()) {
    // A host that allows mlock: the guest really runs with locked memory.
    CHECK(guests.liveXml(flavor.name)->find("<locked/>") != std::string::npos);
    CHECK(guests.destroyAndUndefine(flavor.name).ok());
  } else {
    // This sandbox cannot raise RLIMIT_MEMLOCK (../shared/fixtures/README.md).
    CHECK(r.error().message.find("libvirt could not start the guest: ") == 0);
    CHECK(r.error().message.find("locked memory") != std::string::npos);
  }
  CHECK(leftovers().empty());
}

TEST_CASE("huge pages reserved on the host are reported and back a guest") {
  REQUIRE_LIBVIRT();
  const fs::path knob = "/proc/sys/vm/nr_hugepages";
  std::string before;
  std::ifstream(knob) >> before;
  {
    std::ofstream set(knob);
    set << (std::stoul(before.empty() ? "0" : before) + 64);
  }
  struct Restore {
    fs::path knob;
    std::string value;
    ~Restore() { std::ofstream(knob) << value; }
  } restore{knob, before};
  auto facts = probeHost(*connection(), VirtTypeSetting::kAuto);
  REQUIRE(facts.ok());
  if (hostTraits(*facts, traits::TraitsConfig{}).count("CUSTOM_MEM_PAGE_SIZE_2048") == 0) {
    STRATUS_SKIP("2 MiB huge pages could not be reserved on this host");
  }
  Flavor flavor{
      kPrefix + "hugepages", 1, 64, 0, {{"hw:viommu_model", "auto"}, {"hw:mem_page_size", "2MiB"}}};
  auto plan = planGuest(flavor, {}, *facts, VirtConfig{});
  REQUIRE(plan.ok());
  CHECK(plan->page_kib == 2048u);
  LibvirtGuests guests(*connection());
  auto r = guests.defineAndStart(*renderDomainXml(plan->domain));
  INFO((r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  auto live = guests.liveXml(flavor.name);
  REQUIRE(live.ok());
  CHECK(live->find("<page size='2048' unit='KiB'/>") != std::string::npos);
  CHECK(guests.destroyAndUndefine(flavor.name).ok());
  CHECK(leftovers().empty());
}

TEST_CASE("deleting a guest that does not exist is NotFound") {
  REQUIRE_LIBVIRT();
  auto r = LibvirtGuests(*connection()).destroyAndUndefine(kPrefix + "never-defined");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kNotFound);
  CHECK(r.error().message == "no guest named 'stratus-itest-never-defined'");
}
