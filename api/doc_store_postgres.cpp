// The API's documents on PostgreSQL: one table, jsonb bodies, (kind, id) primary key,
// and the change log that lets several instances share it (api/doc_store.h).
// docs.seq orders loadAll like SQLite's rowid under INSERT OR REPLACE: by last write.
#include <map>
#include <mutex>
#include <set>

#include "api/doc_store.h"
#include "common/db_url.h"
#include "common/pg_session.h"

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

// The log keeps at least this many commits; an instance further behind reloads.
constexpr std::int64_t kChangeLogKeep = 20000;

Result<std::int64_t> firstInt(Result<PgResult> res) {
  if (!res) return res.takeError();
  if (PQntuples(res->get()) == 0 || PQgetisnull(res->get(), 0, 0)) return std::int64_t{-1};
  return std::stoll(PQgetvalue(res->get(), 0, 0));
}

// The current documents of every key committed in (from, to]; caller is in a transaction.
Result<DocChanges> readChanges(PgSession& db, std::int64_t from, std::int64_t to) {
  DocChanges ch;
  ch.seq = to;
  if (to <= from) return ch;
  auto first = firstInt(
      db.exec("SELECT min(seq) FROM changes WHERE seq > $1::bigint", {std::to_string(from)}));
  if (!first) return first.takeError();
  if (*first != from + 1) {
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
  // Reads and writes use their own connections: a write keeps its transaction open
  // while the handler checks it, and reads must not wait for it or run inside it.
  PostgresDocStore(std::unique_ptr<PgSession> reads, std::unique_ptr<PgSession> writes)
      : reads_(std::move(reads)), writes_(std::move(writes)) {}

  bool shared() const override { return true; }

  Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) override {
    return inWrite([&] {
      return toStatus(writes_->exec(
          "INSERT INTO docs (kind, id, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (kind, id) "
          "DO UPDATE SET body = excluded.body, seq = excluded.seq",
          {std::string(kind), id, doc.dump()}));
    }, kind, id);
  }

  Status remove(std::string_view kind, const std::string& id) override {
    return inWrite([&]() -> Status {
      STRATUS_RETURN_IF_ERROR(writes_->exec("DELETE FROM docs WHERE kind = $1 AND id = $2",
                                            {std::string(kind), id}));
      // A forgotten host's heartbeat goes with it.
      if (kind == "host") {
        return toStatus(writes_->exec("DELETE FROM host_seen WHERE host = $1", {id}));
      }
      return okStatus();
    }, kind, id);
  }

  Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) override {
    std::lock_guard lock(reads_mu_);
    auto res =
        reads_->read("SELECT body FROM docs WHERE kind = $1 ORDER BY seq", {std::string(kind)});
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

  Result<std::int64_t> latestSeq() override {
    std::lock_guard lock(reads_mu_);
    return firstInt(reads_->read("SELECT seq FROM change_seq"));
  }

  Result<DocChanges> changesSince(std::int64_t seq) override {
    std::lock_guard lock(reads_mu_);
    STRATUS_RETURN_IF_ERROR(reads_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    auto to = firstInt(reads_->exec("SELECT seq FROM change_seq"));
    Result<DocChanges> ch = to ? readChanges(*reads_, seq, *to) : Result<DocChanges>(to.takeError());
    reads_->rollback();
    return ch;
  }

  Result<DocChanges> beginWrite(std::int64_t seq) override {
    STRATUS_RETURN_IF_ERROR(openWrite());
    // READ COMMITTED: each statement from here on sees every commit before ours.
    auto ch = readChanges(*writes_, seq, open_at_);
    if (!ch) abortWrite();
    return ch;
  }

  Status commitWrite() override {
    if (!open_.owns_lock()) return okStatus();
    std::unique_lock lock = std::move(open_);
    if (touched_.empty()) {
      writes_->rollback();
      return okStatus();
    }
    auto s = logTouched();
    touched_.clear();
    if (!s) {
      writes_->rollback();
      return s;
    }
    return writes_->commit();
  }

  void abortWrite() override {
    if (!open_.owns_lock()) return;
    touched_.clear();
    writes_->rollback();
    open_.unlock();
  }

  Status putHeartbeat(const std::string& host, std::int64_t at) override {
    std::lock_guard lock(reads_mu_);
    // GREATEST: two instances hearing one agent never move its time back.
    return toStatus(reads_->read(
        "INSERT INTO host_seen VALUES ($1, $2::bigint) ON CONFLICT (host) DO UPDATE SET at = "
        "GREATEST(host_seen.at, excluded.at)",
        {host, std::to_string(at)}));
  }

  Result<std::map<std::string, std::int64_t>> loadHeartbeats() override {
    std::lock_guard lock(reads_mu_);
    auto res = reads_->read("SELECT host, at FROM host_seen");
    if (!res) return res.takeError();
    std::map<std::string, std::int64_t> out;
    for (int i = 0; i < PQntuples(res->get()); ++i) {
      out[PQgetvalue(res->get(), i, 0)] = std::stoll(PQgetvalue(res->get(), i, 1));
    }
    return out;
  }

 private:
  // BEGIN with the sequence row locked (waiting while another instance's write is
  // open); holds writes_mu_ until commitWrite() or abortWrite().
  Status openWrite() {
    std::unique_lock lock(writes_mu_);
    STRATUS_RETURN_IF_ERROR(writes_->begin());
    auto at = firstInt(writes_->exec("SELECT seq FROM change_seq FOR UPDATE"));
    if (!at) {
      writes_->rollback();
      return at.takeError();
    }
    open_at_ = *at;
    open_ = std::move(lock);
    return okStatus();
  }

  // Runs `body` in the open write, or in one of its own when none is open.
  template <typename Body>
  Status inWrite(Body&& body, std::string_view kind, const std::string& id) {
    const bool own = !open_.owns_lock();
    if (own) STRATUS_RETURN_IF_ERROR(openWrite());
    auto s = body();
    if (!s) {
      abortWrite();  // the transaction is failed: nothing after it may commit
      return s;
    }
    touched_.emplace(std::string(kind), id);
    return own ? commitWrite() : okStatus();
  }

  Status logTouched() {
    const std::string seq = std::to_string(open_at_ + 1);
    for (const auto& [kind, id] : touched_) {
      STRATUS_RETURN_IF_ERROR(
          writes_->exec("INSERT INTO changes VALUES ($1::bigint, $2, $3)", {seq, kind, id}));
    }
    STRATUS_RETURN_IF_ERROR(writes_->exec("UPDATE change_seq SET seq = $1::bigint", {seq}));
    if ((open_at_ + 1) % 512 == 0) {
      STRATUS_RETURN_IF_ERROR(writes_->exec("DELETE FROM changes WHERE seq <= $1::bigint",
                                            {std::to_string(open_at_ + 1 - kChangeLogKeep)}));
    }
    return okStatus();
  }

  std::mutex reads_mu_;
  std::unique_ptr<PgSession> reads_;
  std::mutex writes_mu_;
  std::unique_ptr<PgSession> writes_;
  std::unique_lock<std::mutex> open_;  // held from beginWrite() to commitWrite()/abortWrite()
  std::int64_t open_at_ = 0;           // the sequence the open write found
  std::set<std::pair<std::string, std::string>> touched_;  // (kind, id) in the open write
};

}  // namespace

Result<std::unique_ptr<DocStore>> openPostgresDocStore(const std::string& url) {
  auto reads = PgSession::open(url, kMigrations, "stratus-api");
  if (!reads) return reads.takeError();
  auto writes = PgSession::open(url, kMigrations, "stratus-api");
  if (!writes) return writes.takeError();
  return std::unique_ptr<DocStore>(
      std::make_unique<PostgresDocStore>(std::move(*reads), std::move(*writes)));
}

Result<std::unique_ptr<DocStore>> openDocStore(const std::string& url) {
  if (isPostgresUrl(url)) return openPostgresDocStore(url);
  return openSqliteDocStore(url);  // refuses anything that is not sqlite:// either
}

}  // namespace stratus::api
