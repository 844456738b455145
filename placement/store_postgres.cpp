// placement's Store on PostgreSQL: the same four tables as on SQLite, documents as
// jsonb, plus the change log (common/pg_change_log.h) so that several instances can
// share the database.
//
// An instance that is behind reads the current rows of the keys committed since
// (changesSince) before a read, and inside the write lock before it checks a write
// (beginWrite), so its checks see every commit before its own and its reads see
// every commit acknowledged before they started.
#include <algorithm>
#include <map>
#include <set>

#include "common/pg_change_log.h"
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
  auto covered = PgChangeLog::covers(db, from);
  if (!covered) return covered.takeError();
  if (!*covered) {
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

// Every row of the four tables as of commit `seq`; caller is in a snapshot.
Result<StoreSnapshot> loadAll(PgSession& db, std::int64_t seq) {
  StoreSnapshot snap;
  snap.seq = seq;
  try {
    STRATUS_RETURN_IF_ERROR(forRows(db, "SELECT doc FROM providers", {}, [&](PGresult* r, int i) {
      snap.providers.push_back(providerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
    }));
    STRATUS_RETURN_IF_ERROR(forRows(db, "SELECT doc FROM consumers", {}, [&](PGresult* r, int i) {
      snap.consumers.push_back(consumerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
    }));
  } catch (const nlohmann::json::exception& e) {
    return unparsable(e);
  }
  STRATUS_RETURN_IF_ERROR(
      forRows(db, "SELECT name FROM custom_traits ORDER BY seq", {},
              [&](PGresult* r, int i) { snap.custom_traits.emplace_back(PQgetvalue(r, i, 0)); }));
  STRATUS_RETURN_IF_ERROR(
      forRows(db, "SELECT name, id FROM resource_classes", {}, [&](PGresult* r, int i) {
        snap.custom_resource_classes[PQgetvalue(r, i, 0)] = std::stoi(PQgetvalue(r, i, 1));
      }));
  return snap;
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<PgChangeLog> log) : log_(std::move(log)) {}

  bool shared() const override { return true; }

  Result<StoreSnapshot> load() override { return log_->snapshot(loadAll); }

  Result<std::int64_t> latestSeq() override { return log_->latestSeq(); }

  Result<StoreChanges> changesSince(std::int64_t seq) override {
    return log_->snapshot([&](PgSession& db, std::int64_t to) { return readChanges(db, seq, to); });
  }

  Result<StoreChanges> beginWrite(std::int64_t seq) override {
    auto at = log_->openWrite();
    if (!at) return at.takeError();
    // READ COMMITTED: each statement from here on sees every commit before ours.
    auto ch = readChanges(log_->writes(), seq, *at);
    if (!ch) abortWrite();
    return ch;
  }

  void abortWrite() override { log_->abortWrite(); }

  Status commit(const WriteBatch& b) override {
    if (!log_->writeOpen()) {
      if (b.empty()) return okStatus();
      // A caller that checked nothing against others.
      STRATUS_RETURN_IF_ERROR(log_->openWrite());
    }
    if (b.empty()) return log_->commitWrite({});  // rolls back
    auto s =
        writeBatch(b, kBatchSql, [this](const char* sql, const std::vector<std::string>& args) {
          return toStatus(log_->writes().exec(sql, args));
        });
    if (!s) {
      log_->abortWrite();
      return s;
    }
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [kind, key] : changedKeys(b)) keys.emplace_back(kind, key);
    return log_->commitWrite(keys);
  }

 private:
  std::unique_ptr<PgChangeLog> log_;
};

}  // namespace

Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url) {
  auto log = PgChangeLog::open(url, kMigrations, "stratus-placement");
  if (!log) return log.takeError();
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(std::move(*log)));
}

}  // namespace stratus::placement
