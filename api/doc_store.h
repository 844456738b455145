// Where the API keeps flavors, images, servers and hosts: JSON documents by kind and
// id, written through on every change. SQLite here; PostgreSQL can take the same
// interface (one table, jsonb) for multi-node deployments.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::api {

class DocStore {
 public:
  virtual ~DocStore() = default;
  // Durable when it returns.
  virtual Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) = 0;
  virtual Status remove(std::string_view kind, const std::string& id) = 0;
  virtual Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) = 0;
};

// "sqlite:///abs/path" or "sqlite://rel/path"; the schema is created or migrated.
Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url);

}  // namespace stratus::api
