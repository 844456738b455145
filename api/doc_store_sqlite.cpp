#include <filesystem>
#include <mutex>

#include "api/doc_store.h"
#include "common/db_url.h"
#include "common/sqlite_handles.h"
#include "common/sqlite_schema.h"

namespace stratus::api {
namespace {

const char* const kMigrations[] = {
    "CREATE TABLE docs (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
    "PRIMARY KEY (kind, id));",
};

class SqliteDocStore final : public DocStore {
 public:
  explicit SqliteDocStore(SqliteDb db) : db_(std::move(db)) {}

  Status init() { return prepareSqliteDatabase(db_.get(), kMigrations, "stratus-api"); }

  Status put(std::string_view kind, const std::string& id, const nlohmann::json& doc) override {
    std::lock_guard lock(mu_);
    auto st = prepare("INSERT OR REPLACE INTO docs (kind, id, body) VALUES (?, ?, ?)");
    if (!st) return st.takeError();
    const std::string body = doc.dump();
    sqlite3_bind_text(st->get(), 1, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st->get(), 2, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st->get(), 3, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return dbError("writing");
    return okStatus();
  }

  Status remove(std::string_view kind, const std::string& id) override {
    std::lock_guard lock(mu_);
    auto st = prepare("DELETE FROM docs WHERE kind = ? AND id = ?");
    if (!st) return st.takeError();
    sqlite3_bind_text(st->get(), 1, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st->get(), 2, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return dbError("deleting");
    return okStatus();
  }

  Result<std::vector<nlohmann::json>> loadAll(std::string_view kind) override {
    std::lock_guard lock(mu_);
    auto st = prepare("SELECT body FROM docs WHERE kind = ? ORDER BY rowid");
    if (!st) return st.takeError();
    sqlite3_bind_text(st->get(), 1, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
    std::vector<nlohmann::json> out;
    int rc;
    while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st->get(), 0));
      auto doc = nlohmann::json::parse(text ? text : "", nullptr, false);
      if (doc.is_discarded()) {
        return Error::make(ErrorCode::kInternal,
                           "a stored " + std::string(kind) + " document is not JSON");
      }
      out.push_back(std::move(doc));
    }
    if (rc != SQLITE_DONE) return dbError("reading");
    return out;
  }

 private:
  Status exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Error::make(ErrorCode::kInternal, "database: " + msg);
    }
    return okStatus();
  }
  Result<SqliteStmt> prepare(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
      return dbError("preparing");
    }
    return SqliteStmt(raw);
  }
  Error dbError(const char* what) {
    return Error::make(ErrorCode::kInternal,
                       std::string("database error ") + what + ": " + sqlite3_errmsg(db_.get()));
  }

  std::mutex mu_;
  SqliteDb db_;
};

}  // namespace

Result<std::unique_ptr<DocStore>> openSqliteDocStore(const std::string& url) {
  const std::string scheme = "sqlite://";
  if (!url.starts_with(scheme) || url.size() == scheme.size()) {
    return Error::invalid("--db", redactDbUrl(url), kDbUrlForms,
                          "not a database URL Stratus supports");
  }
  const std::filesystem::path path = url.substr(scheme.size());
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) {
    return Error::precondition(
        "--db", url,
        "cannot open " + path.string() + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  auto store = std::make_unique<SqliteDocStore>(std::move(db));
  STRATUS_RETURN_IF_ERROR(store->init());
  return std::unique_ptr<DocStore>(std::move(store));
}

}  // namespace stratus::api
