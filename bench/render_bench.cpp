// Render throughput (parse + plan + render, guests/s) over captured host facts, and
// the wall time of a live probe. Prints one JSON object. Not a test: figures go to
// BENCHMARKS.md with the command that produced them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "virt/domain_render.h"
#include "virt/guest_plan.h"
#include "virt/host_probe_libvirt.h"

using namespace stratus::virt;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Case {
  const char* name;
  const char* host;
  Flavor flavor;
  ImageProperties image;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string testdata = argc > 1 ? argv[1] : "virt/testdata";
  const int iterations = argc > 2 ? std::stoi(argv[2]) : 200000;
  const int probes = argc > 3 ? std::stoi(argv[3]) : 20;

  std::vector<Case> cases = {
      {"intel-kvm", "x86-kvm-libvirt9", {"g", 4, 4096, 0, {{"hw:viommu_model", "intel"}}}, {}},
      {"auto-kvm", "x86-kvm-libvirt9", {"g", 4, 4096, 0, {{"hw:viommu_model", "auto"}}}, {}},
      {"smmuv3-aarch64",
       "aarch64-kvm-libvirt9",
       {"g", 4, 4096, 0, {{"hw:viommu_model", "smmuv3"}}},
       {}},
      {"virtio-hugepages-locked",
       "x86-kvm-libvirt9",
       {"g",
        2,
        64,
        0,
        {{"hw:viommu_model", "virtio"}, {"hw:mem_page_size", "2MiB"}, {"hw:locked_memory", "yes"}}},
       {}},
      {"rejected-conflict",
       "x86-kvm-libvirt9",
       {"g", 1, 256, 0, {{"hw:viommu_model", "intel"}}},
       {{"hw_viommu_model", "virtio"}}},
  };

  std::printf("{\n  \"render\": {\n");
  for (std::size_t c = 0; c < cases.size(); ++c) {
    auto host = loadHostFacts(testdata + "/hosts/" + cases[c].host + ".json");
    if (!host) {
      std::fprintf(stderr, "%s\n", host.error().message.c_str());
      return 1;
    }
    std::size_t bytes = 0;
    const auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) {
      auto plan = planGuest(cases[c].flavor, cases[c].image, *host, VirtConfig{});
      if (plan)
        bytes += renderDomainXml(plan->domain)->size();
      else
        bytes += plan.error().message.size();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("    \"%s\": {\"guests_per_s\": %.0f, \"us_per_guest\": %.2f, \"bytes\": %zu}%s\n",
                cases[c].name, iterations / secs, secs * 1e6 / iterations, bytes / iterations,
                c + 1 < cases.size() ? "," : "");
  }
  std::printf("  },\n");

  auto conn = LibvirtConnection::open("qemu:///system");
  if (!conn) {
    std::printf("  \"probe\": null\n}\n");
    return 0;
  }
  std::vector<double> ms;
  for (int i = 0; i < probes; ++i) {
    const auto start = Clock::now();
    auto facts = probeHost(*conn, VirtTypeSetting::kAuto);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!facts) {
      std::fprintf(stderr, "%s\n", facts.error().message.c_str());
      return 1;
    }
  }
  std::printf(
      "  \"probe\": {\"runs\": %d, \"median_ms\": %.1f, \"min_ms\": %.1f, \"max_ms\": %.1f}\n}\n",
      probes, median(ms), *std::min_element(ms.begin(), ms.end()),
      *std::max_element(ms.begin(), ms.end()));
  return 0;
}
