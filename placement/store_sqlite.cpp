#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <unordered_map>

#include "common/db_url.h"
#include "common/sqlite_handles.h"
#include "common/sqlite_schema.h"
#include "placement/store.h"
#include "placement/store_batch.h"

namespace stratus::placement {
namespace {

using Db = SqliteDb;
using Stmt = SqliteStmt;

// Each version is applied once, in order; the number stored says how far a
// database has come.
const char* const kMigrations[] = {
    "CREATE TABLE providers (uuid TEXT PRIMARY KEY, doc TEXT NOT NULL);"
    "CREATE TABLE consumers (uuid TEXT PRIMARY KEY, doc TEXT NOT NULL);"
    "CREATE TABLE custom_traits (name TEXT PRIMARY KEY);"
    "CREATE TABLE resource_classes (name TEXT PRIMARY KEY, id INTEGER NOT NULL);",
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Db db) : db_(std::move(db)) {}

  Status init() { return prepareSqliteDatabase(db_.get(), kMigrations, "stratus-placement"); }

  Result<StoreSnapshot> load() override {
    StoreSnapshot snap;
    try {
      auto rows = [&](const char* sql, auto&& each) -> Status {
        auto st = prepare(sql);
        if (!st) return st.takeError();
        int rc;
        while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) each(st->get());
        if (rc != SQLITE_DONE) return dbError("reading");
        return okStatus();
      };
      STRATUS_RETURN_IF_ERROR(rows("SELECT doc FROM providers", [&](sqlite3_stmt* s) {
        snap.providers.push_back(providerFromJson(nlohmann::json::parse(text(s, 0))));
      }));
      STRATUS_RETURN_IF_ERROR(rows("SELECT doc FROM consumers", [&](sqlite3_stmt* s) {
        snap.consumers.push_back(consumerFromJson(nlohmann::json::parse(text(s, 0))));
      }));
      STRATUS_RETURN_IF_ERROR(
          rows("SELECT name FROM custom_traits ORDER BY rowid",
               [&](sqlite3_stmt* s) { snap.custom_traits.push_back(text(s, 0)); }));
      STRATUS_RETURN_IF_ERROR(rows("SELECT name, id FROM resource_classes", [&](sqlite3_stmt* s) {
        snap.custom_resource_classes[text(s, 0)] = sqlite3_column_int(s, 1);
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
    STRATUS_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    auto s = apply(b);
    if (!s) {
      (void)exec("ROLLBACK");
      return s;
    }
    return exec("COMMIT");
  }

 private:
  Status apply(const WriteBatch& b) {
    // Upserts rewrite a row where it is; REPLACE would delete and re-insert it and
    // touch the uuid index too: more pages to write and sync per commit.
    static const BatchSql kSql{
        .put_provider =
            "INSERT INTO providers VALUES (?, ?) ON CONFLICT(uuid) DO "
            "UPDATE SET doc = excluded.doc",
        .delete_provider = "DELETE FROM providers WHERE uuid = ?",
        .put_consumer =
            "INSERT INTO consumers VALUES (?, ?) ON CONFLICT(uuid) DO "
            "UPDATE SET doc = excluded.doc",
        .delete_consumer = "DELETE FROM consumers WHERE uuid = ?",
        .put_trait = "INSERT OR IGNORE INTO custom_traits VALUES (?)",
        .delete_trait = "DELETE FROM custom_traits WHERE name = ?",
        .put_resource_class = "INSERT OR REPLACE INTO resource_classes VALUES (?, ?)",
        .delete_resource_class = "DELETE FROM resource_classes WHERE name = ?",
    };
    return writeBatch(b, kSql, [this](const char* sql, const std::vector<std::string>& args) {
      return run(sql, args);
    });
  }

  static std::string text(sqlite3_stmt* s, int col) {
    const auto* t = sqlite3_column_text(s, col);
    return t != nullptr ? reinterpret_cast<const char*>(t) : "";
  }

  Error dbError(const std::string& what) const {
    return Error::make(ErrorCode::kUnavailable,
                       "database error " + what + ": " + sqlite3_errmsg(db_.get()));
  }

  Status exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return dbError(std::string("running ") + sql);
    }
    return okStatus();
  }

  Result<Stmt> prepare(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
      return dbError(std::string("preparing ") + sql);
    }
    return Stmt(raw);
  }

  // Writes reuse their prepared statements: `sql` is always a literal, so its
  // address names it.
  Status run(const char* sql, const std::vector<std::string>& args) {
    auto cached = statements_.find(sql);
    if (cached == statements_.end()) {
      auto st = prepare(sql);
      if (!st) return st.takeError();
      cached = statements_.emplace(sql, std::move(*st)).first;
    }
    sqlite3_stmt* st = cached->second.get();
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (std::size_t i = 0; i < args.size(); ++i) {
      sqlite3_bind_text(st, static_cast<int>(i + 1), args[i].c_str(),
                        static_cast<int>(args[i].size()), SQLITE_TRANSIENT);
    }
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return dbError(std::string("writing"));
    return okStatus();
  }

  Db db_;
  std::unordered_map<const char*, Stmt> statements_;  // destroyed before db_
};

}  // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& url) {
  const std::string scheme = "sqlite://";
  if (!url.starts_with(scheme) || url.size() == scheme.size()) {
    return Error::invalid("--db", redactDbUrl(url), kDbUrlForms,
                          "not a database URL Stratus supports");
  }
  std::string path = url.substr(scheme.size());
  if (path.find(":memory:") != std::string::npos) {
    return Error::invalid("--db", url, "a file path", "an in-memory database loses every write");
  }
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Error::make(ErrorCode::kUnavailable,
                       "cannot open the database " + path + ": " +
                           (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  auto store = std::make_unique<SqliteStore>(std::move(db));
  STRATUS_RETURN_IF_ERROR(store->init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace stratus::placement
