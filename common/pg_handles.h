// RAII owners for libpq's connection and result handles.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace stratus {

struct PgFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgFinish>;
using PgResult = std::unique_ptr<PGresult, PgClear>;

}  // namespace stratus
