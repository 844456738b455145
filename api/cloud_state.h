// Everything the API knows, in memory, written through to the DocStore: a change is
// stored before it is visible, so an acknowledged request survives a restart. One
// mutex guards it all; nobody holds it across a call to another service.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/doc_store.h"
#include "api/model.h"
#include "virt/host_facts.h"

namespace stratus::api {

class CloudState {
 public:
  explicit CloudState(std::unique_ptr<DocStore> store) : store_(std::move(store)) {}

  // Reads every document back after a restart.
  Status load();

  std::mutex mu;
  // Wakes the conductor when a server needs it.
  std::condition_variable work;

  std::map<std::string, FlavorRecord> flavors;  // by id
  std::map<std::string, ImageRecord> images;
  std::map<std::string, ServerRecord> servers;
  std::map<std::string, HostRecord> hosts;        // by host name
  std::map<std::string, ServiceRecord> services;  // by host name
  std::map<int, AggregateRecord> aggregates;      // by id
  // Parsed once per report, for the scheduler: by provider UUID.
  std::map<std::string, virt::HostFacts> host_facts;
  // When each host's agent last asked for work (memory only: a heartbeat, not state).
  std::map<std::string, std::int64_t> host_seen;

  // Store, then memory. Callers hold `mu`.
  Status save(const FlavorRecord& r);
  Status save(const ImageRecord& r);
  Status save(ServerRecord r);
  Status save(const HostRecord& r);
  Status save(const ServiceRecord& r);
  Status save(const AggregateRecord& r);
  Status eraseAggregate(int id);
  Status eraseFlavor(const std::string& id);
  Status eraseImage(const std::string& id);
  Status eraseServer(const std::string& id);
  // The host, its facts, heartbeat and service: what DELETE /os-services/{id} forgets.
  Status eraseHost(const std::string& name);

 private:
  std::unique_ptr<DocStore> store_;
};

}  // namespace stratus::api
