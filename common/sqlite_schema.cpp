#include "common/sqlite_schema.h"

#include <string>

namespace stratus {
namespace {

Status exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Error::make(ErrorCode::kInternal, "database: " + msg);
  }
  return okStatus();
}

}  // namespace

Status prepareSqliteDatabase(sqlite3* db, std::span<const char* const> migrations,
                             std::string_view program) {
  STRATUS_RETURN_IF_ERROR(exec(db, "PRAGMA journal_mode=WAL"));
  STRATUS_RETURN_IF_ERROR(exec(db, "PRAGMA synchronous=FULL"));
  STRATUS_RETURN_IF_ERROR(exec(db, "PRAGMA busy_timeout=5000"));
  STRATUS_RETURN_IF_ERROR(exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)"));
  int version = 0;
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &raw, nullptr) !=
        SQLITE_OK) {
      return Error::make(ErrorCode::kInternal, std::string("database: ") + sqlite3_errmsg(db));
    }
    SqliteStmt st(raw);
    if (sqlite3_step(st.get()) == SQLITE_ROW) version = sqlite3_column_int(st.get(), 0);
  }
  const int target = static_cast<int>(migrations.size());
  if (version > target) {
    return Error::make(ErrorCode::kFailedPrecondition,
                       "the database has schema version " + std::to_string(version) +
                           ", newer than this " + std::string(program) + " knows (" +
                           std::to_string(target) + ")");
  }
  for (int v = version; v < target; ++v) {
    STRATUS_RETURN_IF_ERROR(exec(db, "BEGIN IMMEDIATE"));
    auto s = exec(db, migrations[v]);
    if (s) s = exec(db, "DELETE FROM schema_version");
    if (s) s = exec(db, "INSERT INTO schema_version VALUES (" + std::to_string(v + 1) + ")");
    if (!s) {
      (void)exec(db, "ROLLBACK");
      return s;
    }
    STRATUS_RETURN_IF_ERROR(exec(db, "COMMIT"));
  }
  return okStatus();
}

}  // namespace stratus
