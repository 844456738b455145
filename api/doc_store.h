// Where the API keeps flavors, images, servers and hosts: JSON documents by kind and
// id, written through on every change, on SQLite or PostgreSQL (one table, jsonb).
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

// Dispatches on the scheme (common/db_url.h): "sqlite:///abs/path", "sqlite://rel/path"
// or "postgresql://USER[:PASS]@HOST[:PORT]/DB"; the schema is created or migrated.
// Any other value is an InvalidArgument naming it (password hidden) and the forms.
Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url);
// The back ends (doc_store_sqlite.cpp, doc_store_postgres.cpp).
Result<std::unique_ptr<DocStore>> openSqliteDocStore(const std::string& url);
Result<std::unique_ptr<DocStore>> openPostgresDocStore(const std::string& url);

}  // namespace stratus::api
