// A throwaway PostgreSQL database for one test: created on a server that
// scripts/start-postgres started (role stratus has CREATEDB), dropped at the end.
// The server comes from $STRATUS_TEST_PG_URL or /etc/stratus/postgres.url, a URL
// without a database ("postgresql://stratus:PASS@127.0.0.1:5432/").
#pragma once

#include <string>

namespace stratus::test {

class PgTestDb {
 public:
  PgTestDb();   // creates stratus_test_<pid>_<n>; on failure reachable() is false
  ~PgTestDb();  // drops it, ending any session still connected
  PgTestDb(const PgTestDb&) = delete;
  PgTestDb& operator=(const PgTestDb&) = delete;

  bool reachable() const { return reason_.empty(); }
  const std::string& whyNot() const { return reason_; }  // for STRATUS_SKIP
  const std::string& url() const { return url_; }        // postgresql://.../stratus_test_...
  // Ends every session on the database (as an operator's pg_terminate_backend or a
  // server restart would), for reconnect tests. Returns how many it ended.
  int terminateSessions();

 private:
  bool admin(const std::string& sql, std::string* first_value = nullptr);
  std::string base_, name_, url_, reason_;
};

}  // namespace stratus::test
