// One libpq connection to a Stratus PostgreSQL database: opened from a
// postgresql://USER[:PASS]@HOST[:PORT]/DB URL (common/db_url.h), schema migrated by
// version as on SQLite (common/sqlite_schema.h), and reconnected when it breaks.
//
// Errors: a connection that is down or breaks during a call is ErrorCode::kUnavailable
// (placement answers 503; the caller may retry once PostgreSQL is back); a statement
// the server rejects with the connection intact is kInternal. Messages carry the URL
// with its password hidden. Not thread-safe: callers serialise their calls.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/pg_handles.h"
#include "common/result.h"

namespace stratus {

class PgSession {
 public:
  // Connects (5 s timeout) and applies migrations[v] for every version v the
  // database has not reached, each in its own transaction under an advisory lock so
  // two processes starting together do not both migrate. A database newer than
  // `migrations` is refused (FailedPrecondition), naming `program`.
  static Result<std::unique_ptr<PgSession>> open(const std::string& url,
                                                 std::span<const char* const> migrations,
                                                 std::string_view program);

  // One statement with text parameters ($1, $2, ...).
  Result<PgResult> exec(const char* sql, const std::vector<std::string>& params = {});

  // A read-only statement outside a transaction: when it finds the connection broken
  // (the server restarted since the last call), once more on a fresh one.
  Result<PgResult> read(const char* sql, const std::vector<std::string>& params = {});

  // BEGIN, body, COMMIT; ROLLBACK when the body fails. A connection found broken
  // before BEGIN is reset first, so the first call after PostgreSQL returns works.
  Status transaction(const std::function<Status()>& body);

  // The same in steps, for a transaction that spans several calls. `begin_sql` is
  // BEGIN with its options ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").
  // Between begin() and commit() or rollback() a broken connection is not reset:
  // the statements after the break fail (kUnavailable) instead of running outside
  // the transaction. A COMMIT whose answer is lost is kUnavailable with the outcome
  // unknown; callers that must know read it back (placement's change log).
  Status begin(const char* begin_sql = "BEGIN");
  Status commit();
  void rollback();

 private:
  PgSession(PgConn conn, std::string shown_url)
      : conn_(std::move(conn)), shown_url_(std::move(shown_url)) {}
  Status reconnectIfBroken();
  Error failure(const std::string& what) const;

  PgConn conn_;
  std::string shown_url_;  // redacted
  bool in_transaction_ = false;
};

}  // namespace stratus
