// In-process timing of GET /allocation_candidates on a loaded placement database,
// without HTTP: where the service's own time goes. Prints median and p99 in ms.
// Usage: placement_candidates_bench sqlite:///path/p.db [ITERATIONS] [QUERY]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "placement/service.h"
#include "placement/store.h"

using namespace stratus::placement;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s sqlite:///path/p.db [ITERATIONS] [QUERY]\n", argv[0]);
    return 2;
  }
  const int iterations = argc > 2 ? std::stoi(argv[2]) : 200;
  const std::string query =
      argc > 3 ? argv[3]
               : "resources=VCPU:2,MEMORY_MB:2048,DISK_GB:20&required=COMPUTE_VIOMMU_MODEL_VIRTIO"
                 "&limit=1000";
  auto store = openStore(argv[1]);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  auto service = PlacementService::create(std::move(*store), ServiceOptions{});
  if (!service) {
    std::fprintf(stderr, "%s\n", service.error().message.c_str());
    return 1;
  }
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int i = 0; i < iterations; ++i) {
    HttpRequest r;
    r.method = "GET";
    splitTarget("/allocation_candidates?" + query, r.path, r.query);
    r.headers["x-auth-token"] = "admin";
    r.headers["openstack-api-version"] = "placement 1.39";
    const auto start = std::chrono::steady_clock::now();
    auto res = (*service)->handle(r);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    bytes = res.body.size();
    if (res.status != 200) {
      std::fprintf(stderr, "status %d: %s\n", res.status, res.body.c_str());
      return 1;
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf("{\"iterations\": %d, \"bytes\": %zu, \"median_ms\": %.3f, \"p99_ms\": %.3f}\n",
              iterations, bytes, ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  return 0;
}
