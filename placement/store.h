// Where placement's data survives restarts. The service keeps everything in memory
// (fast reads, indexes for candidates) and writes each change through a Store in one
// atomic, durable batch before acknowledging it, on SQLite or PostgreSQL. On
// PostgreSQL several instances may share one database (shared() below).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "placement/model.h"

namespace stratus::placement {

struct StoreSnapshot {
  std::int64_t seq = 0;  // the change sequence this snapshot is at (shared stores; else 0)
  std::vector<Provider> providers;
  std::vector<Consumer> consumers;
  std::vector<std::string> custom_traits;              // oldest first
  std::map<std::string, int> custom_resource_classes;  // name -> id
};

// Everything one API call changes, applied all or nothing.
struct WriteBatch {
  std::vector<const Provider*> put_providers;
  std::vector<std::string> delete_providers;
  std::vector<const Consumer*> put_consumers;
  std::vector<std::string> delete_consumers;
  std::vector<std::string> put_traits;
  std::vector<std::string> delete_traits;
  std::vector<std::pair<std::string, int>> put_resource_classes;
  std::vector<std::string> delete_resource_classes;

  bool empty() const {
    return put_providers.empty() && delete_providers.empty() && put_consumers.empty() &&
           delete_consumers.empty() && put_traits.empty() && delete_traits.empty() &&
           put_resource_classes.empty() && delete_resource_classes.empty();
  }
};

// What other instances on a shared database committed after a change sequence
// number: the current state of every key they touched (absent from its table: a
// delete).
struct StoreChanges {
  std::int64_t seq = 0;  // the sequence these changes bring the caller to
  // The change log no longer reaches back to the caller's sequence (it is pruned):
  // drop everything and load() again.
  bool reload = false;
  std::vector<Provider> put_providers;
  std::vector<std::string> delete_providers;
  std::vector<Consumer> put_consumers;
  std::vector<std::string> delete_consumers;
  std::vector<std::string> put_traits;  // in creation order
  std::vector<std::string> delete_traits;
  std::map<std::string, int> put_resource_classes;
  std::vector<std::string> delete_resource_classes;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<StoreSnapshot> load() = 0;
  // Inside a write opened by beginWrite(), commits it and closes it; otherwise one
  // transaction of its own. Durable when it returns ok.
  virtual Status commit(const WriteBatch& batch) = 0;

  // True where several processes may serve the same database (PostgreSQL). Such a
  // store numbers its commits with a change sequence and keeps a log of the keys
  // each touched, so every instance can follow the others.
  virtual bool shared() const { return false; }
  // The sequence number of the last write any instance committed.
  virtual Result<std::int64_t> latestSeq() { return std::int64_t{0}; }
  // What was committed after `seq`, read from one consistent snapshot.
  virtual Result<StoreChanges> changesSince(std::int64_t seq) {
    StoreChanges none;
    none.seq = seq;
    return none;
  }
  // Opens a write: waits for the database's write lock (one writer at a time across
  // every instance, held until commit() or abortWrite()), then returns what others
  // committed after `seq`, so the caller checks generations and capacity against
  // the database's current state before it commits.
  virtual Result<StoreChanges> beginWrite(std::int64_t seq) { return changesSince(seq); }
  // Rolls back a write beginWrite() opened; nothing when none is open.
  virtual void abortWrite() {}
};

// Dispatches on the scheme (common/db_url.h): "sqlite:///var/lib/stratus/placement.db"
// (absolute) or "sqlite://relative.db" (":memory:" is refused: an acknowledged write
// must survive), or "postgresql://USER[:PASS]@HOST[:PORT]/DB". Any other value is an
// InvalidArgument naming it (password hidden) and the allowed forms.
Result<std::unique_ptr<Store>> openStore(const std::string& url);

// The back ends openStore picks from (store_sqlite.cpp, store_postgres.cpp).
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& url);
// Schema created or migrated on open; a commit is one transaction, and a connection
// that broke is reset on the next call. Unreachable: ErrorCode::kUnavailable.
Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url);

}  // namespace stratus::placement
