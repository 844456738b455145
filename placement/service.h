// The Placement API over an in-memory view of the data, written through to a Store.
// Reads take a shared lock; each write takes the exclusive lock, checks generations
// and capacity, commits to the store, and only then changes memory, so an
// acknowledged write is durable and concurrent claims never exceed capacity.
//
// On a shared store (several instances on one PostgreSQL database, store.h) a read
// first applies whatever other instances committed since this one last looked, and
// a write does so under the database's write lock before it checks anything: the
// checks run against the database's current state, and a read that starts after a
// write was acknowledged anywhere sees it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/auth.h"
#include "common/clock.h"
#include "common/result.h"
#include "http/pipeline.h"
#include "placement/candidates.h"
#include "placement/consumer_body.h"
#include "placement/http_types.h"
#include "placement/microversion.h"
#include "placement/model.h"
#include "placement/service_util.h"
#include "placement/store.h"
#include "placement/trait_order.h"

namespace stratus::placement {

struct ServiceOptions {
  AuthMode auth = AuthMode::kNoAuth;  // common/auth.h
  // kToken: token -> roles (comma-separated), e.g. "admin" or "reader".
  std::map<std::string, std::string> tokens;
  // One line per request (http/pipeline.h); unset: none.
  std::function<void(const std::string&)> log;
};

class PlacementService {
 public:
  // `clock` stamps created_at, updated_at and Last-Modified; it must outlive the service.
  static Result<std::unique_ptr<PlacementService>> create(std::unique_ptr<Store> store,
                                                          ServiceOptions options,
                                                          Clock& clock = realClock());

  // Everything: version negotiation, auth, routing, errors, common headers.
  HttpResponse handle(HttpRequest& request);
  // An error response for failures before routing (body too large, bad URL).
  HttpResponse errorFor(int status, const std::string& detail) const;

  struct Counters {
    std::uint64_t requests = 0;
    std::uint64_t writes = 0;  // requests that committed something
  };
  Counters counters() const;

 private:
  PlacementService(std::unique_ptr<Store> store, ServiceOptions options, Clock& clock);
  std::int64_t now() const { return clock_.unixSeconds(); }
  void cacheHeaders(HttpResponse& res, const HttpRequest& r, std::int64_t modified_unix) const {
    addCacheHeaders(res, r, modified_unix, now());
  }
  std::vector<http::Route> routes();  // routes.cpp
  Status loadFromStore();

  // Held by every write: the exclusive lock and, on a shared store, the database's
  // write lock. Ending it without a commit rolls the database's write back.
  class WriteLock {
   public:
    WriteLock(PlacementService& s, std::unique_lock<std::shared_mutex> lock)
        : s_(&s), lock_(std::move(lock)) {}
    WriteLock(WriteLock&& o) noexcept
        : s_(std::exchange(o.s_, nullptr)), lock_(std::move(o.lock_)) {}
    WriteLock& operator=(WriteLock&&) = delete;
    ~WriteLock() {
      if (s_ != nullptr) s_->store_->abortWrite();
    }

   private:
    PlacementService* s_;
    std::unique_lock<std::shared_mutex> lock_;
  };
  // Unavailable (503) when a shared store cannot be reached.
  Result<WriteLock> writeLock();
  Result<std::shared_lock<std::shared_mutex>> readLock();
  // Applies what other instances committed; caller holds mu_ exclusively.
  Status applyChanges(StoreChanges changes);
  void clearState();

  // Handlers, one per route and method.
  Result<HttpResponse> root(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> listTraits(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getTrait(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putTrait(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteTrait(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> listResourceClasses(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> createResourceClass(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getResourceClass(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putResourceClass(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteResourceClass(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> listProviders(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> createProvider(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getProvider(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> updateProvider(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteProvider(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getProviderTraits(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putProviderTraits(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteProviderTraits(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getInventories(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putInventories(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> postInventory(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteInventories(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getInventory(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putInventory(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteInventory(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getAggregates(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putAggregates(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getProviderUsages(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getProviderAllocations(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getAllocations(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> putAllocations(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> postAllocations(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> deleteAllocations(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getUsages(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> getAllocationCandidates(const HttpRequest& r, const PathParams& p);
  Result<HttpResponse> reshape(const HttpRequest& r, const PathParams& p);

  // Checks capacity, generations and existence for all writes together, then
  // commits them as one batch. Caller holds no lock.
  Result<HttpResponse> writeConsumers(const HttpRequest& r, std::vector<ConsumerWrite> writes);

  // One provider's read-check-commit, as every single-provider write does it: under
  // the write lock, find the provider `uuid` names (404 in Placement's shape), let
  // `change` check and edit a copy (an Error refuses the write and changes nothing),
  // bump the copy's generation when `bump` is set, stamp updated_at, commit, build the
  // answer with `reply` from the committed copy, and only then change memory. Caller
  // holds no lock.
  using ProviderChange = std::function<Status(Provider&)>;
  using ProviderReply = std::function<HttpResponse(const Provider&)>;
  Result<HttpResponse> withProvider(const HttpRequest& r, const std::string& uuid,
                                    const ProviderChange& change, const ProviderReply& reply,
                                    bool bump = true);

  // Stores a new custom resource class with the next free id; caller holds mu_.
  Result<HttpResponse> addCustomClass(const HttpRequest& r, const std::string& name);

  // Helpers shared by handlers (service.cpp).
  bool isResourceClass(const std::string& name) const;
  // The classes of `p` that hold allocations and `drop` selects, joined in
  // Placement's class-id order (standard classes first, then custom ones by
  // creation): Placement's "in use" messages list them so.
  std::string classesInUse(const Provider& p,
                           const std::function<bool(const std::string&)>& drop) const;
  bool traitExists(const std::string& name) const;
  nlohmann::json providerJson(const Provider& p, const HttpRequest& r) const;
  std::int64_t used(const std::string& rp, const std::string& rc) const;
  const ResourceAmounts* usageOf(const std::string& rp) const;  // null: nothing used
  void applyProvider(Provider p);
  void eraseProvider(const std::string& uuid);
  // Derives p's rooms and cached candidate summary from its inventories and usage.
  void indexUsage(Provider& p);
  // The same for rp after its usage changed.
  void reindexUsage(const std::string& rp);
  void applyConsumer(Consumer c);
  void eraseConsumer(const std::string& uuid);
  Status commit(const WriteBatch& batch);

  ServiceOptions options_;
  Clock& clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::Pipeline> pipeline_;

  mutable std::shared_mutex mu_;
  // The store's change sequence memory is at (shared stores; written under mu_).
  std::atomic<std::int64_t> applied_seq_{0};
  std::unordered_map<std::string, Provider> providers_;   // by uuid
  std::unordered_map<std::string, std::string> by_name_;  // name -> uuid
  TraitOrder trait_order_;  // the custom traits, and the order traits are listed in
  std::map<std::string, int> custom_classes_;  // name -> id
  std::int64_t classes_updated_at_ = 0;
  std::unordered_map<std::string, Consumer> consumers_;
  // provider uuid -> class -> used, kept in step with consumers_.
  std::unordered_map<std::string, ResourceAmounts> usage_;
  // Roots by (created_at, uuid), and the providers that share their inventory.
  RootIndex roots_by_age_;
  std::set<std::string> sharing_;
  NameIds trait_ids_;  // interned names behind every Provider::trait_ids
  NameIds class_ids_;  // and behind every Provider::rooms
  // root provider uuid -> the providers of its tree.
  std::unordered_map<std::string, std::set<std::string>> trees_;
  // provider uuid -> consumers with allocations against it.
  std::unordered_map<std::string, std::set<std::string>> consumers_of_;

  mutable std::mutex counters_mu_;
  Counters counters_;
};

}  // namespace stratus::placement
