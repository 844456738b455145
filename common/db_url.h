// The database URLs every Stratus service takes in --db / [placement] db / [api] db.
//   sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH       an SQLite file
//   postgresql://USER[:PASS]@HOST[:PORT]/DB               a PostgreSQL database (libpq)
// USER, PASS and DB may be percent-encoded, as libpq reads them (RFC 3986 userinfo).
#pragma once

#include <string>

#include "common/result.h"

namespace stratus {

// What error messages list as the accepted forms.
inline constexpr const char* kDbUrlForms =
    "sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH or postgresql://USER[:PASS]@HOST[:PORT]/DB";

struct PostgresUrl {
  std::string user;
  std::string password;  // empty when the URL has none (libpq may then use ~/.pgpass)
  std::string host;
  int port = 5432;
  std::string dbname;
};

bool isPostgresUrl(const std::string& url);  // the scheme alone: "postgresql://" or "postgres://"

// Splits a postgresql:// URL; a missing user, host or database, a bad port or a query
// string is an InvalidArgument naming `key`, the URL with its password hidden and the
// allowed form.
Result<PostgresUrl> parsePostgresUrl(const std::string& url, const std::string& key = "--db");

// The URL with any password replaced by "***", for logs and error messages: a
// password must never reach either.
std::string redactDbUrl(const std::string& url);

}  // namespace stratus
