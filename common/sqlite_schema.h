// Opening a Stratus SQLite database: WAL, synchronous=FULL (an acknowledged write
// survives power loss), a busy timeout, and the schema migrated by version.
#pragma once

#include <span>
#include <string_view>

#include "common/result.h"
#include "common/sqlite_handles.h"

namespace stratus {

// Applies migrations[v] for every version v the database has not reached, each in its
// own transaction. A database newer than `migrations` is refused, naming `program`.
Status prepareSqliteDatabase(sqlite3* db, std::span<const char* const> migrations,
                             std::string_view program);

}  // namespace stratus
