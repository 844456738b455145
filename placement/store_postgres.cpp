// placement's Store on PostgreSQL: the same four tables as on SQLite, documents as
// jsonb. Only this process writes its database (several instances on one database
// are not safe yet: each keeps its own in-memory model and does not see the others).
#include <mutex>

#include "common/pg_session.h"
#include "placement/store.h"

namespace stratus::placement {
namespace {

// Each version is applied once, in order (common/pg_session.h). custom_traits.seq
// keeps the order traits were created in, which GET /traits lists them by.
const char* const kMigrations[] = {
    "CREATE TABLE providers (uuid TEXT PRIMARY KEY, doc JSONB NOT NULL);"
    "CREATE TABLE consumers (uuid TEXT PRIMARY KEY, doc JSONB NOT NULL);"
    "CREATE TABLE custom_traits (name TEXT PRIMARY KEY, seq BIGSERIAL NOT NULL);"
    "CREATE TABLE resource_classes (name TEXT PRIMARY KEY, id INTEGER NOT NULL);",
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<PgSession> db) : db_(std::move(db)) {}

  Result<StoreSnapshot> load() override {
    std::lock_guard lock(mu_);
    StoreSnapshot snap;
    try {
      auto rows = [&](const char* sql, auto&& each) -> Status {
        auto res = db_->exec(sql);
        if (!res) return res.takeError();
        for (int i = 0; i < PQntuples(res->get()); ++i) each(res->get(), i);
        return okStatus();
      };
      STRATUS_RETURN_IF_ERROR(rows("SELECT doc FROM providers", [&](PGresult* r, int i) {
        snap.providers.push_back(providerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
      }));
      STRATUS_RETURN_IF_ERROR(rows("SELECT doc FROM consumers", [&](PGresult* r, int i) {
        snap.consumers.push_back(consumerFromJson(nlohmann::json::parse(PQgetvalue(r, i, 0))));
      }));
      STRATUS_RETURN_IF_ERROR(
          rows("SELECT name FROM custom_traits ORDER BY seq",
               [&](PGresult* r, int i) { snap.custom_traits.emplace_back(PQgetvalue(r, i, 0)); }));
      STRATUS_RETURN_IF_ERROR(
          rows("SELECT name, id FROM resource_classes", [&](PGresult* r, int i) {
            snap.custom_resource_classes[PQgetvalue(r, i, 0)] = std::stoi(PQgetvalue(r, i, 1));
          }));
    } catch (const nlohmann::json::exception& e) {
      return Error::make(
          ErrorCode::kInternal,
          std::string("the database holds a document that does not parse: ") + e.what());
    }
    return snap;
  }

  Status commit(const WriteBatch& b) override {
    if (b.empty()) return okStatus();
    std::lock_guard lock(mu_);
    return db_->transaction([&] { return apply(b); });
  }

 private:
  Status run(const char* sql, const std::vector<std::string>& args) {
    return toStatus(db_->exec(sql, args));
  }

  Status apply(const WriteBatch& b) {
    for (const auto* p : b.put_providers) {
      STRATUS_RETURN_IF_ERROR(
          run("INSERT INTO providers VALUES ($1, $2::jsonb) ON CONFLICT (uuid) DO "
              "UPDATE SET doc = excluded.doc",
              {p->uuid, providerToJson(*p).dump()}));
    }
    for (const auto& u : b.delete_providers) {
      STRATUS_RETURN_IF_ERROR(run("DELETE FROM providers WHERE uuid = $1", {u}));
    }
    for (const auto* c : b.put_consumers) {
      STRATUS_RETURN_IF_ERROR(
          run("INSERT INTO consumers VALUES ($1, $2::jsonb) ON CONFLICT (uuid) DO "
              "UPDATE SET doc = excluded.doc",
              {c->uuid, consumerToJson(*c).dump()}));
    }
    for (const auto& u : b.delete_consumers) {
      STRATUS_RETURN_IF_ERROR(run("DELETE FROM consumers WHERE uuid = $1", {u}));
    }
    for (const auto& t : b.put_traits) {
      STRATUS_RETURN_IF_ERROR(
          run("INSERT INTO custom_traits (name) VALUES ($1) ON CONFLICT DO NOTHING", {t}));
    }
    for (const auto& t : b.delete_traits) {
      STRATUS_RETURN_IF_ERROR(run("DELETE FROM custom_traits WHERE name = $1", {t}));
    }
    for (const auto& [name, id] : b.put_resource_classes) {
      STRATUS_RETURN_IF_ERROR(
          run("INSERT INTO resource_classes VALUES ($1, $2::integer) ON CONFLICT (name) DO "
              "UPDATE SET id = excluded.id",
              {name, std::to_string(id)}));
    }
    for (const auto& n : b.delete_resource_classes) {
      STRATUS_RETURN_IF_ERROR(run("DELETE FROM resource_classes WHERE name = $1", {n}));
    }
    return okStatus();
  }

  std::mutex mu_;
  std::unique_ptr<PgSession> db_;
};

}  // namespace

Result<std::unique_ptr<Store>> openPostgresStore(const std::string& url) {
  auto db = PgSession::open(url, kMigrations, "stratus-placement");
  if (!db) return db.takeError();
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(std::move(*db)));
}

}  // namespace stratus::placement
