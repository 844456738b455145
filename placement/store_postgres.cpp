// placement's Store on PostgreSQL: the same four tables as on SQLite, documents as
// jsonb, plus a change log so that several instances can share the database.
//
// Every commit, from any instance, holds the one row of change_seq locked from the
// start of its write until COMMIT (SELECT ... FOR UPDATE): writers take turns across
// instances, and the number they leave there orders the commits. Each commit logs
// the keys it touched under its number. An instance that is behind reads the
// current rows of those keys (changesSince) before a read, and inside its write
// lock before it checks a write (beginWrite), so its checks see every commit
// before its own and its reads see every commit acknowledged before they started.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "common/pg_session.h"
#include "placement/store.h"
#include "placement/store_batch.h"

namespace stratus::placement {
namespace {

// Each version is applied once, in order (common/pg_session.h). custom_traits.seq
// keeps the order traits were created in, which GET /traits lists them by.
const char* const kMigrations[] = {
    "CREATE TABLE providers (uuid TEXT PRIMARY KEY, doc JSONB NOT NULL);"
    "CREATE TABLE consumers (uuid TEXT PRIMARY KEY, doc JSONB NOT NULL);"
    "CREATE TABLE custom_traits (name TEXT PRIMARY KEY, seq BIGSERIAL NOT NULL);"
    "CREATE TABLE resource_classes (name TEXT PRIMARY KEY, id INTEGER NOT NULL);",
    "CREATE TABLE change_seq (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),"
    " seq BIGINT NOT NULL);"
    "INSERT INTO change_seq VALUES (TRUE, 0);"
    "CREATE TABLE changes (seq BIGINT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL);"
    "CREATE INDEX changes_by_seq ON changes (seq);",
};

// The log keeps at least this many commits; an instance further behind reloads.
constexpr std::int64_t kChangeLogKeep = 20000;

const BatchSql kBatchSql{
    .put_provider =
        "INSERT INTO providers VALUES ($1, $2::jsonb) ON CONFLICT (uuid) DO "
        "UPDATE SET doc = excluded.doc",
    .delete_provider = "DELETE FROM providers WHERE uuid = $1",
    .put_consumer =
        "INSERT INTO consumers VALUES ($1, $2::jsonb) ON CONFLICT (uuid) DO "
        "UPDATE SET doc = excluded.doc",
    .delete_consumer = "DELETE FROM consumers WHERE uuid = $1",
    .put_trait = "INSERT INTO custom_traits (name) VALUES ($1) ON CONFLICT DO NOTHING",
    .delete_trait = "DELETE FROM custom_traits WHERE name = $1",
    .put_resource_class =
        "INSERT INTO resource_classes VALUES ($1, $2::integer) "
        "ON CONFLICT (name) DO UPDATE SET id = excluded.id",
    .delete_resource_class = "DELETE FROM resource_classes WHERE name = $1",
};

// A text[] literal for "= ANY($1::text[])"; every element quoted.
std::string textArray(const std::set<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Result<std::int64_t> firstInt(Result<PgResult> res) {
  if (!res) return res.takeError();
  if (PQntuples(res->get()) == 0 || PQgetisnull(res->get(), 0, 0)) return std::int64_t{-1};
  return std::stoll(PQgetvalue(res->get(), 0, 0));
}

Error unparsable(const std::exception& e) {
  return Error::make(ErrorCode::kInternal,
                     std::string("the database holds a document that does not parse: ") + e.what());
}

// Runs `sql` and calls each(result, row) per row.
template <typename Each>
Status forRows(PgSession& db, const char* sql, const std::vector<std::string>& args, Each&& each) {
  auto res = db.exec(sql, args);
  if (!res) return res.takeError();
  for (int i = 0; i < PQntuples(res->get()); ++i) each(res->get(), i);
  return okStatus();
}

// The current rows of every key committed in (from, to]; caller is in a transaction.
Result<StoreChanges> readChanges(PgSession& db, std::int64_t from, std::int64_t to) {
  StoreChanges ch;
  ch.seq = to;
  if (to <= from) return ch;
  auto first = firstInt(
      db.exec("SELECT min(seq) FROM changes WHERE seq > $1::bigint", {std::to_string(from)}));
  if (!first) return first.takeError();
  if (*first != from + 1) {
    ch.reload = true;
    return ch;
  }
  std::map<std::string, std::set<std::string>> keys;  // kind -> keys
  STRATUS_RETURN_IF_ERROR(
      forRows(db,
              "SELECT DISTINCT kind, key FROM changes WHERE seq > $1::bigint AND seq <= "
              "$2::bigint",
              {std::to_string(from), std::to_string(to)},
              [&](PGresult* r, int i) { keys[PQgetvalue(r, i, 0)].insert(PQgetvalue(r, i, 1)); }));
  // Whatever is no longer in its table was deleted.
  auto present = [&](const char* kind, const char* sql, auto&& each) -> Status {
    auto& wanted = keys[kind];
    if (wanted.empty()) return okStatus();
    std::set<std::string> gone = wanted;
    STRATUS_RETURN_IF_ERROR(forRows(db, sql, {textArray(wanted)}, [&](PGresult* r, int i) {
      gone.erase(PQgetvalue(r, i, 0));
      each(r, i);
    }));
    for (const auto& k : gone) {
      if (std::string(kind) == kChangeProvider) ch.delete_providers.push_back(k);
      if (std::string(kind) == kChangeConsumer) ch.delete_consumers.push_back(k);
      if (std::string(kind) == kChangeTrait) ch.delete_traits.push_back(k);
      if (std::string(kind) == kChangeResourceClass) ch.delete_resource_classes.push_back(k);
    }
    return okStatus();
  };
  try {
    STRATUS_RETURN_IF_ERROR(present(
        kChangeProvider, "SELECT uuid, doc FROM providers WHERE uuid = ANY($1::text[])",
        [&](PGresult* r, int i) {
          ch.put_providers.push_back(providerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 1))));
        }));
    STRATUS_RETURN_IF_ERROR(present(
        kChangeConsumer, "SELECT uuid, doc FROM consumers WHERE uuid = ANY($1::text[])",
        [&](PGresult* r, int i) {
          ch.put_consumers.push_back(consumerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 1))));
        }));
  } catch (const nlohmann::json::exception& e) {
    return unparsable(e);
  }
  STRATUS_RETURN_IF_ERROR(present(
      kChangeTrait, "SELECT name FROM custom_traits WHERE name = ANY($1::text[]) ORDER BY seq",
      [&](PGresult* r, int i) { ch.put_traits.emplace_back(PQgetvalue(r, i, 0)); }));
  STRATUS_RETURN_IF_ERROR(present(
      kChangeResourceClass, "SELECT name, id FROM resource_classes WHERE name = ANY($1::text[])",
      [&](PGresult* r, int i) {
        ch.put_resource_classes[PQgetvalue(r, i, 0)] = std::stoi(PQgetvalue(r, i, 1));
      }));
  return ch;
}

class PostgresStore final : public Store {
 public:
  // Reads and writes use their own connections: a write keeps its transaction open
  // while the service checks it, and reads must not wait for that or run inside it.
  PostgresStore(std::unique_ptr<PgSession> reads, std::unique_ptr<PgSession> writes)
      : reads_(std::move(reads)), writes_(std::move(writes)) {}

  bool shared() const override { return true; }

  Result<StoreSnapshot> load() override {
    std::lock_guard lock(reads_mu_);
    STRATUS_RETURN_IF_ERROR(reads_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    auto snap = loadInTransaction();
    reads_->rollback();
    return snap;
  }

  Result<std::int64_t> latestSeq() override {
    std::lock_guard lock(reads_mu_);
    return firstInt(reads_->read("SELECT seq FROM change_seq"));
  }

  Result<StoreChanges> changesSince(std::int64_t seq) override {
    std::lock_guard lock(reads_mu_);
    STRATUS_RETURN_IF_ERROR(reads_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    auto to = firstInt(reads_->exec("SELECT seq FROM change_seq"));
    Result<StoreChanges> ch =
        to ? readChanges(*reads_, seq, *to) : Result<StoreChanges>(to.takeError());
    reads_->rollback();
    return ch;
  }

  Result<StoreChanges> beginWrite(std::int64_t seq) override {
    STRATUS_RETURN_IF_ERROR(openWrite());
    // READ COMMITTED: each statement from here on sees every commit before ours.
    auto ch = readChanges(*writes_, seq, open_at_);
    if (!ch) abortWrite();
    return ch;
  }

  void abortWrite() override {
    if (!open_.owns_lock()) return;
    writes_->rollback();
    open_.unlock();
  }

  Status commit(const WriteBatch& b) override {
    if (!open_.owns_lock()) {
      if (b.empty()) return okStatus();
      STRATUS_RETURN_IF_ERROR(openWrite());  // a caller that checked nothing against others
    }
    std::unique_lock lock = std::move(open_);
    if (b.empty()) {
      writes_->rollback();
      return okStatus();
    }
    auto s = logAndApply(b);
    if (!s) {
      writes_->rollback();
      return s;
    }
    return writes_->commit();
  }

 private:
  // BEGIN with the sequence row locked (waiting while another instance's write is
  // open); holds writes_mu_ until commit() or abortWrite().
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

  Result<StoreSnapshot> loadInTransaction() {
    StoreSnapshot snap;
    auto seq = firstInt(reads_->exec("SELECT seq FROM change_seq"));
    if (!seq) return seq.takeError();
    snap.seq = *seq;
    try {
      STRATUS_RETURN_IF_ERROR(
          forRows(*reads_, "SELECT doc FROM providers", {}, [&](PGresult* r, int i) {
            snap.providers.push_back(providerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
          }));
      STRATUS_RETURN_IF_ERROR(
          forRows(*reads_, "SELECT doc FROM consumers", {}, [&](PGresult* r, int i) {
            snap.consumers.push_back(consumerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
          }));
    } catch (const nlohmann::json::exception& e) {
      return unparsable(e);
    }
    STRATUS_RETURN_IF_ERROR(
        forRows(*reads_, "SELECT name FROM custom_traits ORDER BY seq", {},
                [&](PGresult* r, int i) { snap.custom_traits.emplace_back(PQgetvalue(r, i, 0)); }));
    STRATUS_RETURN_IF_ERROR(
        forRows(*reads_, "SELECT name, id FROM resource_classes", {}, [&](PGresult* r, int i) {
          snap.custom_resource_classes[PQgetvalue(r, i, 0)] = std::stoi(PQgetvalue(r, i, 1));
        }));
    return snap;
  }

  Status run(const char* sql, const std::vector<std::string>& args) {
    return toStatus(writes_->exec(sql, args));
  }

  Status logAndApply(const WriteBatch& b) {
    STRATUS_RETURN_IF_ERROR(writeBatch(
        b, kBatchSql,
        [this](const char* sql, const std::vector<std::string>& args) { return run(sql, args); }));
    const std::string seq = std::to_string(open_at_ + 1);
    for (const auto& [kind, key] : changedKeys(b)) {
      STRATUS_RETURN_IF_ERROR(
          run("INSERT INTO changes VALUES ($1::bigint, $2, $3)", {seq, kind, key}));
    }
    STRATUS_RETURN_IF_ERROR(run("UPDATE change_seq SET seq = $1::bigint", {seq}));
    if ((open_at_ + 1) % 512 == 0) {
      STRATUS_RETURN_IF_ERROR(run("DELETE FROM changes WHERE seq <= $1::bigint",
                                  {std::to_string(open_at_ + 1 - kChangeLogKeep)}));
    }
    return okStatus();
  }

  std::mutex reads_mu_;
  std::unique_ptr<PgSession> reads_;
  std::mutex writes_mu_;
  std::unique_ptr<PgSession> writes_;
  std::unique_lock<std::mutex> open_;  // held from beginWrite() to commit()/abortWrite()
  std::int64_t open_at_ = 0;           // the sequence the open write found
};

}  // namespace

Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url) {
  auto reads = PgSession::open(url, kMigrations, "stratus-placement");
  if (!reads) return reads.takeError();
  auto writes = PgSession::open(url, kMigrations, "stratus-placement");
  if (!writes) return writes.takeError();
  return std::unique_ptr<Store>(
      std::make_unique<PostgresStore>(std::move(*reads), std::move(*writes)));
}

}  // namespace stratus::placement
