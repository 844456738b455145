// The API's documents on PostgreSQL: one table, jsonb bodies, (kind, id) primary key,
// and the change log that lets several instances share it (api/doc_store.h).
// docs.seq orders loadAll like SQLite's rowid under INSERT OR REPLACE: by last write.
#include <map>
#include <mutex>
#include <set>

#include "api/doc_store.h"
#include "common/db_url.h"
#include "common/pg_change_log.h"

namespace stratus::api {
namespace {

const char* const kMigrations[] = {
    "CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, "
    "seq BIGSERIAL NOT NULL, PRIMARY KEY (kind, id));",
    "CREATE TABLE change_seq (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),"
    " seq BIGINT NOT NULL);"
    "INSERT INTO change_seq VALUES (TRUE, 0);"
    "CREATE TABLE changes (seq BIGINT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL);"
    "CREATE INDEX changes_by_seq ON changes (seq);"
    "CREATE TABLE host_seen (host TEXT PRIMARY KEY, at BIGINT NOT NULL);",
};

// The current documents of every key committed in (from, to]; caller is in a transaction.
Result<DocChanges> readChanges(PgSession& db, std::int64_t from, std::int64_t to) {
  DocChanges ch;
  ch.seq = to;
  if (to <= from) return ch;
  auto covered = PgChangeLog::covers(db, from);
  if (!covered) return covered.takeError();
  if (!*covered) {
    ch.reload = true;
    return ch;
  }
  // One row per key: its document now, or NULL when it is gone.
  auto res = db.exec(
      "SELECT c.kind, c.id, d.body FROM (SELECT kind, id, max(seq) AS last FROM changes "
      "WHERE seq > $1::bigint AND seq <= $2::bigint GROUP BY kind, id) c "
      "LEFT JOIN docs d ON d.kind = c.kind AND d.id = c.id ORDER BY c.last",
      {std::to_string(from), std::to_string(to)});
  if (!res) return res.takeError();
  for (int i = 0; i < PQntuples(res->get()); ++i) {
    DocChange c{PQgetvalue(res->get(), i, 0), PQgetvalue(res->get(), i, 1), std::nullopt};
    if (!PQgetisnull(res->get(), i, 2)) {
      auto doc = nlohmann::json::parse(PQgetvalue(res->get(), i, 2), nullptr, false);
      if (doc.is_discarded()) {
        return Error::make(ErrorCode::kInternal, "a stored " + c.kind + " document is not JSON");
      }
      c.doc = std::move(doc);
    }
    ch.docs.push_back(std::move(c));
  }
  return ch;
}

class PostgresDocStore final : public DocStore {
 public:
  explicit PostgresDocStore(std::unique_ptr<PgChangeLog> log) : log_(std::move(log)) {}

  bool shared() const override { return true; }

  Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) override {
    return inWrite(
        [&] {
          return toStatus(log_->writes().exec(
              "INSERT INTO docs (kind, id, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (kind, id) "
              "DO UPDATE SET body = excluded.body, seq = excluded.seq",
              {std::string(kind), id, doc.dump()}));
        },
        kind, id);
  }

  Status remove(std::string_view kind, const std::string& id) override {
    return inWrite(
        [&]() -> Status {
          STRATUS_RETURN_IF_ERROR(log_->writes().exec(
              "DELETE FROM docs WHERE kind = $1 AND id = $2", {std::string(kind), id}));
          // A forgotten host's heartbeat goes with it.
          if (kind == "host") {
            return toStatus(log_->writes().exec("DELETE FROM host_seen WHERE host = $1", {id}));
          }
          return okStatus();
        },
        kind, id);
  }

  Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) override {
    return log_->read([&](PgSession& db) -> Result<std::vector<nlohmann::json>> {
      auto res = db.read("SELECT body FROM docs WHERE kind = $1 ORDER BY seq", {std::string(kind)});
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
    });
  }

  Result<std::int64_t> latestSeq() override { return log_->latestSeq(); }

  Result<DocChanges> changesSince(std::int64_t seq) override {
    return log_->snapshot([&](PgSession& db, std::int64_t to) { return readChanges(db, seq, to); });
  }

  Result<DocChanges> beginWrite(std::int64_t seq) override {
    auto at = log_->openWrite();
    if (!at) return at.takeError();
    // READ COMMITTED: each statement from here on sees every commit before ours.
    auto ch = readChanges(log_->writes(), seq, *at);
    if (!ch) abortWrite();
    return ch;
  }

  Status commitWrite() override {
    if (!log_->writeOpen()) return okStatus();
    std::vector<std::pair<std::string, std::string>> keys(touched_.begin(), touched_.end());
    touched_.clear();
    return log_->commitWrite(keys);
  }

  void abortWrite() override {
    if (!log_->writeOpen()) return;
    touched_.clear();
    log_->abortWrite();
  }

  Status putHeartbeat(const std::string& host, std::int64_t at) override {
    return log_->read([&](PgSession& db) {
      // GREATEST: two instances hearing one agent never move its time back.
      return toStatus(db.read(
          "INSERT INTO host_seen VALUES ($1, $2::bigint) ON CONFLICT (host) DO UPDATE SET at = "
          "GREATEST(host_seen.at, excluded.at)",
          {host, std::to_string(at)}));
    });
  }

  Result<std::map<std::string, std::int64_t>> loadHeartbeats() override {
    return log_->read([&](PgSession& db) -> Result<std::map<std::string, std::int64_t>> {
      auto res = db.read("SELECT host, at FROM host_seen");
      if (!res) return res.takeError();
      std::map<std::string, std::int64_t> out;
      for (int i = 0; i < PQntuples(res->get()); ++i) {
        out[PQgetvalue(res->get(), i, 0)] = std::stoll(PQgetvalue(res->get(), i, 1));
      }
      return out;
    });
  }

 private:
  // Runs `body` in the open write, or in one of its own when none is open.
  template <typename Body>
  Status inWrite(Body&& body, std::string_view kind, const std::string& id) {
    const bool own = !log_->writeOpen();
    if (own) STRATUS_RETURN_IF_ERROR(log_->openWrite());
    auto s = body();
    if (!s) {
      abortWrite();  // the transaction is failed: nothing after it may commit
      return s;
    }
    touched_.emplace(std::string(kind), id);
    return own ? commitWrite() : okStatus();
  }

  std::unique_ptr<PgChangeLog> log_;
  std::set<std::pair<std::string, std::string>> touched_;  // (kind, id) in the open write
};

}  // namespace

Result<std::unique_ptr<DocStore>> openPostgresDocStore(const std::string& url) {
  auto log = PgChangeLog::open(url, kMigrations, "stratus-api");
  if (!log) return log.takeError();
  return std::unique_ptr<DocStore>(std::make_unique<PostgresDocStore>(std::move(*log)));
}

Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url) {
  if (isPostgresUrl(url)) return openPostgresDocStore(url);
  return openSqliteDocStore(url);  // refuses anything that is not sqlite:// either
}

}  // namespace stratus::api
