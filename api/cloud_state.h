// Everything the API knows, in memory, written through to the DocStore: a change is
// stored before it is visible, so an acknowledged request survives a restart. One
// mutex guards it all; nobody holds it across a call to another service.
//
// Several instances may share one PostgreSQL database (api/doc_store.h). Then memory
// follows the others' commits: a read scope (read()) first catches up on what was
// committed since this instance last looked (read-your-writes across instances); a
// write scope (write()) takes the database's write lock, catches up inside it, lets
// the handler check and save, and commits once. A failed save or commit undoes what
// the scope changed in memory, so memory never holds what the database does not.
// Errors from either scope are Unavailable (the handler answers 503) or Internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <utility>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/doc_store.h"
#include "api/model.h"
#include "virt/host_facts.h"

namespace stratus::api {

class CloudState {
 public:
  explicit CloudState(std::unique_ptr<DocStore> store) : store_(std::move(store)) {}

  // Reads every document back after a restart.
  Status load();

  // Holds `mu` (caught up) until it goes out of scope or unlock().
  class ReadScope {
   public:
    explicit ReadScope(std::unique_lock<std::mutex> lock) : lock_(std::move(lock)) {}
    void unlock() { lock_.unlock(); }

   private:
    std::unique_lock<std::mutex> lock_;
  };

  // Holds `mu` and the database's write lock. commit() makes the saves durable and
  // releases both; leaving the scope without commit() commits what was saved unless a
  // save failed (then the saves are undone), logging a failed commit.
  class WriteScope {
   public:
    explicit WriteScope(CloudState& state, std::unique_lock<std::mutex> lock)
        : state_(&state), lock_(std::move(lock)) {}
    WriteScope(WriteScope&& o) noexcept
        : state_(std::exchange(o.state_, nullptr)), lock_(std::move(o.lock_)) {}
    WriteScope& operator=(WriteScope&&) = delete;
    ~WriteScope();
    // Errors: the store's, after the scope's changes were taken out of memory again.
    Status commit();
    // Rolls back the database and memory.
    void abort();

   private:
    CloudState* state_;
    std::unique_lock<std::mutex> lock_;
  };

  Result<ReadScope> read();
  Result<WriteScope> write();

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
  // When each host's agent last asked for work: a heartbeat, kept apart from the
  // change log (DocStore::putHeartbeat); refreshHeartbeats() merges the others'.
  std::map<std::string, std::int64_t> host_seen;

  // The agent of `host` was heard of at `at`. Callers hold `mu`. Stored at most every
  // kHeartbeatWriteSeconds per host; a store failure is logged, not returned (the
  // next poll writes it again).
  void heartbeat(const std::string& host, std::int64_t at);
  static constexpr std::int64_t kHeartbeatWriteSeconds = 2;
  // Merges the stored heartbeats into host_seen (every instance's), at most once per
  // `max_age_s` (0: now). Callers hold `mu`. A failure keeps the old values.
  Status refreshHeartbeats(std::int64_t max_age_s = 0);

  // Store, then memory. Callers hold `mu`, in a write scope when saving several.
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

  // The sequence memory has caught up to (0 on SQLite).
  std::int64_t appliedSeq() const { return applied_seq_.load(); }

 private:
  Status loadAll();
  void clearAll();
  Status applyChanges(DocChanges ch);
  Status applyDoc(const DocChange& c);
  // Remembers how to restore the entry `key` of `map` if the scope is undone.
  template <typename Map, typename Key>
  void remember(Map& map, const Key& key);
  Status noted(Status s);  // a failed save poisons the scope
  void undo();

  std::unique_ptr<DocStore> store_;
  std::atomic<std::int64_t> applied_seq_{0};
  bool in_write_ = false;
  bool failed_ = false;
  std::vector<std::function<void()>> undo_;
  std::map<std::string, std::int64_t> seen_written_;  // host -> last heartbeat stored
  std::int64_t heartbeats_read_at_ = 0;
};

}  // namespace stratus::api
