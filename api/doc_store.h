// Where the API keeps flavors, images, servers and hosts: JSON documents by kind and
// id, written through on every change, on SQLite or PostgreSQL (one table, jsonb).
//
// On PostgreSQL several stratus-api instances may share the database (shared() is
// true), as placement's instances do (placement/store_postgres.cpp): every write holds
// the one row of change_seq locked from beginWrite() to commitWrite(), so writers take
// turns across instances, and logs the (kind, id) it touched under the next sequence
// number. An instance that is behind reads the current documents of those keys
// (changesSince, or beginWrite inside the lock). Heartbeats (when an agent last asked
// for work) are in their own table, upserted outside the log: they change every second
// and only os-services and the scheduler read them. SQLite serves one instance: its
// sequence stays 0 and every put is durable at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stratus::api {

// What other instances committed after some sequence: the current document of every
// key they touched (nullopt: deleted). reload: the log no longer reaches back that far.
struct DocChange {
  std::string kind, id;
  std::optional<nlohmann::json> doc;
};
struct DocChanges {
  std::int64_t seq = 0;  // the sequence these bring the reader to
  bool reload = false;
  std::vector<DocChange> docs;
};

class DocStore {
 public:
  virtual ~DocStore() = default;
  // Inside an open write (beginWrite): part of it, durable at commitWrite(). Outside
  // one: a write of its own, durable when it returns.
  virtual Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) = 0;
  virtual Status remove(std::string_view kind, const std::string& id) = 0;
  virtual Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) = 0;

  // Several instances may share it (PostgreSQL).
  virtual bool shared() const { return false; }
  // The last committed sequence (0 when not shared). Errors: Unavailable.
  virtual Result<std::int64_t> latestSeq() { return std::int64_t{0}; }
  virtual Result<DocChanges> changesSince(std::int64_t seq) { return DocChanges{seq, false, {}}; }
  // Opens a write: waits for the database's write lock, then returns what was committed
  // after `seq`. Until commitWrite() or abortWrite() the caller is the only writer.
  virtual Result<DocChanges> beginWrite(std::int64_t seq) { return DocChanges{seq, false, {}}; }
  // Commits the open write (one transaction; nothing written: rolled back). A lost
  // answer to COMMIT is Unavailable with the outcome unknown; the next catch-up reads
  // whichever it was.
  virtual Status commitWrite() { return okStatus(); }
  virtual void abortWrite() {}

  // When each host's agent was last heard of (unix s). Not shared: memory only.
  virtual Status putHeartbeat(const std::string& /*host*/, std::int64_t /*at*/) {
    return okStatus();
  }
  virtual Result<std::map<std::string, std::int64_t>> loadHeartbeats() {
    return std::map<std::string, std::int64_t>{};
  }
};

// Dispatches on the scheme (common/db_url.h): "sqlite:///abs/path", "sqlite://rel/path"
// or "postgresql://USER[:PASS]@HOST[:PORT]/DB"; the schema is created or migrated.
// Any other value is an InvalidArgument naming it (password hidden) and the forms.
Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url);
// The back ends (doc_store_sqlite.cpp, doc_store_postgres.cpp).
Result<std::unique_ptr<DocStore>> openSqliteDocStore(const std::string& url);
Result<std::unique_ptr<DocStore>> openPostgresDocStore(const std::string& url);

}  // namespace stratus::api
