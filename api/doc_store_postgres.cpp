// The API's documents on PostgreSQL: one table, jsonb bodies, (kind, id) primary key.
// seq orders loadAll like SQLite's rowid under INSERT OR REPLACE: by last write.
#include <mutex>

#include "api/doc_store.h"
#include "common/db_url.h"
#include "common/pg_session.h"

namespace stratus::api {
namespace {

const char* const kMigrations[] = {
    "CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, "
    "seq BIGSERIAL NOT NULL, PRIMARY KEY (kind, id));",
};

class PostgresDocStore final : public DocStore {
 public:
  explicit PostgresDocStore(std::unique_ptr<PgSession> db) : db_(std::move(db)) {}

  Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) override {
    std::lock_guard lock(mu_);
    return toStatus(db_->exec(
        "INSERT INTO docs (kind, id, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (kind, id) "
        "DO UPDATE SET body = excluded.body, seq = excluded.seq",
        {std::string(kind), id, doc.dump()}));
  }

  Status remove(std::string_view kind, const std::string& id) override {
    std::lock_guard lock(mu_);
    return toStatus(
        db_->exec("DELETE FROM docs WHERE kind = $1 AND id = $2", {std::string(kind), id}));
  }

  Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) override {
    std::lock_guard lock(mu_);
    auto res = db_->exec("SELECT body FROM docs WHERE kind = $1 ORDER BY seq", {std::string(kind)});
    if (!res) return res.takeError();
    std::vector<nlohmann::json> out;
    for (int i = 0; i < PQntuples(res->get()); ++i) {
      auto doc = nlohmann::json::parse(PQgetvalue(res->get(), i, 0), nullptr, false);
      if (doc.is_discarded()) {
        return Error::make(ErrorCode::kInternal,
                           "a stored " + std::string(kind) + " document is not JSON");
      }
      out.push_back(std::move(doc));
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::unique_ptr<PgSession> db_;
};

}  // namespace

Result<std::unique_ptr<DocStore>> openPostgresDocStore(const std::string& url) {
  auto db = PgSession::open(url, kMigrations, "stratus-api");
  if (!db) return db.takeError();
  return std::unique_ptr<DocStore>(std::make_unique<PostgresDocStore>(std::move(*db)));
}

Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url) {
  if (isPostgresUrl(url)) return openPostgresDocStore(url);
  return openSqliteDocStore(url);  // refuses anything that is not sqlite:// either
}

}  // namespace stratus::api
