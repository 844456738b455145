#include "pci/pci_numa.h"

#include <algorithm>
#include <set>

namespace stratus::pci {
namespace {

const virt::NumaCellFacts* cell(const virt::HostFacts& host, int id) {
  for (const auto& c : host.numa_cells) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string deviceList(const std::vector<DeviceNode>& devices) {
  std::string out;
  for (const auto& d : devices) {
    out += (out.empty() ? "" : ", ") + d.address + " (node " +
           (d.numa_node ? std::to_string(*d.numa_node) : std::string("unknown")) + ")";
  }
  return out;
}

}  // namespace

std::string cpusetText(const std::vector<int>& ids) {
  std::vector<int> sorted(ids);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(sorted[i]);
    if (j > i) out += "-" + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

Result<std::optional<GuestNumaPlacement>> numaPlacementFor(NumaPolicy policy,
                                                           const std::string& policy_source,
                                                           const std::vector<DeviceNode>& devices,
                                                           std::uint64_t ram_mib,
                                                           const virt::HostFacts& host) {
  if (devices.empty() || host.numa_cells.size() <= 1) return std::optional<GuestNumaPlacement>();
  const std::string what = "PCI NUMA affinity policy '" + std::string(numaPolicyName(policy)) +
                           "' (" + policy_source + ")";
  std::set<int> known;
  bool unknown = false;
  for (const auto& d : devices) {
    if (d.numa_node) {
      known.insert(*d.numa_node);
    } else {
      unknown = true;
    }
  }
  const auto fail = [&](const std::string& why) -> Result<std::optional<GuestNumaPlacement>> {
    return Error::make(ErrorCode::kFailedPrecondition, what + " cannot be met on host " +
                                                           host.hostname + ": " + why +
                                                           "; devices: " + deviceList(devices));
  };
  if (policy == NumaPolicy::kPreferred) {
    if (known.size() != 1) return std::optional<GuestNumaPlacement>();
    return std::optional<GuestNumaPlacement>(GuestNumaPlacement{false, {*known.begin()}, {}});
  }
  if (policy == NumaPolicy::kLegacy && known.empty()) return std::optional<GuestNumaPlacement>();
  if (unknown && policy != NumaPolicy::kLegacy) {
    return fail("the host does not report the NUMA node of every device");
  }

  std::set<int> nodes;
  if (policy == NumaPolicy::kSocket) {
    std::set<int> sockets;
    for (int n : known) {
      const auto* c = cell(host, n);
      if (c == nullptr) return fail("the host has no NUMA cell " + std::to_string(n));
      if (!c->socket_id) {
        return fail("the host does not report the socket of NUMA cell " + std::to_string(n));
      }
      sockets.insert(*c->socket_id);
    }
    if (sockets.size() != 1) return fail("the devices are on different sockets");
    for (const auto& c : host.numa_cells) {
      if (c.socket_id == *sockets.begin()) nodes.insert(c.id);
    }
  } else {
    if (known.size() != 1) {
      return fail("the devices are on different NUMA nodes and a guest lives on one");
    }
    if (cell(host, *known.begin()) == nullptr) {
      return fail("the host has no NUMA cell " + std::to_string(*known.begin()));
    }
    nodes = known;
  }

  GuestNumaPlacement out;
  std::uint64_t memory_kib = 0;
  for (int n : nodes) {
    const auto* c = cell(host, n);
    out.nodes.push_back(n);
    out.cpus.insert(out.cpus.end(), c->cpus.begin(), c->cpus.end());
    memory_kib += c->memory_kib;
  }
  std::sort(out.cpus.begin(), out.cpus.end());
  if (ram_mib * 1024 > memory_kib) {
    return fail("the guest's " + std::to_string(ram_mib) + " MiB do not fit in NUMA node(s) " +
                cpusetText(out.nodes) + " (" + std::to_string(memory_kib / 1024) + " MiB)");
  }
  if (out.cpus.empty()) return fail("NUMA node(s) " + cpusetText(out.nodes) + " have no CPUs");
  return std::optional<GuestNumaPlacement>(std::move(out));
}

}  // namespace stratus::pci
