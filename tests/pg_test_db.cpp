#include "tests/pg_test_db.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "common/pg_handles.h"

namespace stratus::test {
namespace {

std::string baseUrl() {
  if (const char* env = std::getenv("STRATUS_TEST_PG_URL"); env != nullptr && *env != '\0') {
    return env;
  }
  std::ifstream in("/etc/stratus/postgres.url");
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

PgTestDb::PgTestDb() {
  static std::atomic<int> counter{0};
  base_ = baseUrl();
  if (base_.empty()) {
    reason_ =
        "no PostgreSQL: neither STRATUS_TEST_PG_URL nor /etc/stratus/postgres.url is set "
        "(run scripts/start-postgres)";
    return;
  }
  if (base_.back() != '/') base_ += '/';
  name_ = "stratus_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  if (!admin("DROP DATABASE IF EXISTS " + name_) || !admin("CREATE DATABASE " + name_)) return;
  url_ = base_ + name_;
}

PgTestDb::~PgTestDb() {
  if (reachable()) (void)admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

int PgTestDb::terminateSessions() {
  std::string n;
  if (!admin("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                 name_ + "' AND pid <> pg_backend_pid()",
             &n)) {
    return -1;
  }
  return std::atoi(n.c_str());
}

// One statement on the server's "postgres" database; the first failure's reason is
// kept (the URL in it is not printed: it holds the password).
bool PgTestDb::admin(const std::string& sql, std::string* first_value) {
  const std::string url = base_ + "postgres";
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), "5", nullptr};
  PgConn conn(PQconnectdbParams(keys, values, 1));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    if (reason_.empty())
      reason_ = std::string("PostgreSQL unreachable: ") + PQerrorMessage(conn.get());
    return false;
  }
  // "database ... does not exist, skipping" and the like would clutter test output.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  PgResult res(PQexec(conn.get(), sql.c_str()));
  const auto st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (reason_.empty()) reason_ = "PostgreSQL refused " + sql + ": " + PQerrorMessage(conn.get());
    return false;
  }
  if (first_value != nullptr && PQntuples(res.get()) > 0)
    *first_value = PQgetvalue(res.get(), 0, 0);
  return true;
}

}  // namespace stratus::test
