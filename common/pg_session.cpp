#include "common/pg_session.h"

#include "common/db_url.h"

namespace stratus {
namespace {

// pg_advisory_xact_lock key for schema migrations: any constant shared by every
// Stratus program works; this one spells "STRA".
constexpr const char* kMigrationLock = "1398035009";

std::string trimmed(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Error PgSession::failure(const std::string& what) const {
  const bool down = PQstatus(conn_.get()) != CONNECTION_OK;
  return Error::make(
      down ? ErrorCode::kUnavailable : ErrorCode::kInternal,
      "database " + shown_url_ + " " + what + ": " + trimmed(PQerrorMessage(conn_.get())));
}

Status PgSession::reconnectIfBroken() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return okStatus();
  if (in_transaction_) return failure("lost the connection inside a transaction");
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) return failure("cannot be reached");
  return okStatus();
}

Result<PgResult> PgSession::exec(const char* sql, const std::vector<std::string>& params) {
  STRATUS_RETURN_IF_ERROR(reconnectIfBroken());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  // Without parameters PQexec, which (unlike PQexecParams) takes several statements:
  // a migration step is one string of DDL.
  PgResult res(values.empty() ? PQexec(conn_.get(), sql)
                              : PQexecParams(conn_.get(), sql, static_cast<int>(values.size()),
                                             nullptr, values.data(), nullptr, nullptr, 0));
  const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return failure(std::string("refused ") + sql);
  }
  return res;
}

Result<PgResult> PgSession::read(const char* sql, const std::vector<std::string>& params) {
  auto res = exec(sql, params);
  if (!res && !in_transaction_ && PQstatus(conn_.get()) != CONNECTION_OK) res = exec(sql, params);
  return res;
}

Status PgSession::begin(const char* begin_sql) {
  auto begin = exec(begin_sql);
  if (!begin && PQstatus(conn_.get()) != CONNECTION_OK) {
    // The server may have restarted since the last call: nothing has run yet, so
    // one fresh connection and a second BEGIN are safe.
    begin = exec(begin_sql);
  }
  if (!begin) return begin.takeError();
  in_transaction_ = true;
  return okStatus();
}

Status PgSession::commit() {
  auto done = exec("COMMIT");
  in_transaction_ = false;
  return toStatus(std::move(done));
}

void PgSession::rollback() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) (void)exec("ROLLBACK");
  in_transaction_ = false;
}

Status PgSession::transaction(const std::function<Status()>& body) {
  STRATUS_RETURN_IF_ERROR(begin());
  auto s = body();
  if (s) return commit();
  rollback();
  return s;
}

Result<std::unique_ptr<PgSession>> PgSession::open(const std::string& url,
                                                   std::span<const char* const> migrations,
                                                   std::string_view program) {
  auto parsed = parsePostgresUrl(url);
  if (!parsed) return parsed.takeError();
  const std::string app(program);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), "5", app.c_str(), nullptr};
  PgConn conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn) return Error::make(ErrorCode::kUnavailable, "libpq: out of memory");
  std::unique_ptr<PgSession> s(new PgSession(std::move(conn), redactDbUrl(url)));
  if (PQstatus(s->conn_.get()) != CONNECTION_OK) return s->failure("cannot be reached");
  // Notices (e.g. "relation already exists, skipping") would go to stderr otherwise.
  PQsetNoticeProcessor(
      s->conn_.get(), [](void*, const char*) {}, nullptr);

  STRATUS_RETURN_IF_ERROR(s->exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)"));
  const int target = static_cast<int>(migrations.size());
  for (;;) {
    int version = 0;
    bool done = false;
    STRATUS_RETURN_IF_ERROR(s->transaction([&]() -> Status {
      auto lock = s->exec("SELECT pg_advisory_xact_lock($1::bigint)", {kMigrationLock});
      if (!lock) return lock.takeError();
      auto row = s->exec("SELECT version FROM schema_version");
      if (!row) return row.takeError();
      if (PQntuples(row->get()) > 0) version = std::stoi(PQgetvalue(row->get(), 0, 0));
      if (version > target) {
        return Error::make(ErrorCode::kFailedPrecondition,
                           "the database has schema version " + std::to_string(version) +
                               ", newer than this " + app + " knows (" + std::to_string(target) +
                               ")");
      }
      if (version == target) {
        done = true;
        return okStatus();
      }
      STRATUS_RETURN_IF_ERROR(s->exec(migrations[version]));
      STRATUS_RETURN_IF_ERROR(s->exec("DELETE FROM schema_version"));
      return toStatus(s->exec("INSERT INTO schema_version VALUES ($1::integer)",
                              {std::to_string(version + 1)}));
    }));
    if (done) break;
  }
  return s;
}

}  // namespace stratus
