// Where placement's data survives restarts. The service keeps everything in memory
// (fast reads, indexes for candidates) and writes each change through a Store in one
// atomic, durable batch before acknowledging it, on SQLite or PostgreSQL.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "placement/model.h"

namespace stratus::placement {

struct StoreSnapshot {
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

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<StoreSnapshot> load() = 0;
  virtual Status commit(const WriteBatch& batch) = 0;
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
