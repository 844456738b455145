// The change log that lets several processes share one Stratus PostgreSQL database
// and keep in-memory copies of it current: placement's Store and the API's DocStore
// both own one, and keep only their own tables and kinds of key.
//
// Shape. Two libpq sessions: reads (latestSeq, snapshots, plain reads) and writes (one
// transaction from openWrite() to commitWrite()/abortWrite()); a write keeps its
// transaction open while the caller checks it, and reads must neither wait for it
// nor run inside it. The database holds the tables the owner's migrations create:
//   change_seq (one BOOLEAN, seq BIGINT)   one row, the last committed sequence
//   changes    (seq BIGINT, kind TEXT, key TEXT)   the keys each commit touched
// (columns by position; the API names the third one id).
//
// Why. Every write, from any process, holds the change_seq row locked from openWrite()
// to COMMIT (SELECT ... FOR UPDATE), so writers take turns across processes and the
// number each leaves there orders the commits. A reader learns of other processes'
// commits by a synchronous SELECT of that number before it reads (read-your-writes
// across instances) rather than by LISTEN/NOTIFY, whose delivery is asynchronous
// (README, "Why no LISTEN/NOTIFY").
//
// Units: sequences are commit counts (int64, 0 before the first commit). The log keeps
// at least kKeep commits, pruned every kPruneEvery commits; a process further behind
// than that sees covers() false and reloads everything.
//
// Errors: those of PgSession (common/pg_session.h): kUnavailable when PostgreSQL is
// down or the connection breaks, kInternal for a refused statement.
//
// Threads: reads are serialised by their own mutex. openWrite() takes the write mutex
// and keeps it until commitWrite() or abortWrite(); writeOpen() and writes() are for
// the thread that holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/pg_session.h"

namespace stratus {

// The first column of the first row as an integer; -1 when there is no row or it is NULL.
Result<std::int64_t> pgFirstInt(Result<PgResult> res);

class PgChangeLog {
 public:
  static constexpr std::int64_t kKeep = 20000;
  static constexpr std::int64_t kPruneEvery = 512;

  // Opens both sessions (each migrates as PgSession::open does, naming `program`).
  static Result<std::unique_ptr<PgChangeLog>> open(const std::string& url,
                                                   std::span<const char* const> migrations,
                                                   std::string_view program);

  // The last committed sequence.
  Result<std::int64_t> latestSeq();

  // body(reads) on the read session, outside a transaction (see PgSession::read).
  template <typename Body>
  auto read(Body&& body) {
    std::lock_guard lock(reads_mu_);
    return body(*reads_);
  }

  // body(reads, seq) in one REPEATABLE READ READ ONLY snapshot, `seq` the last
  // sequence committed in it: what body reads is exactly the state after commit seq.
  template <typename Body>
  auto snapshot(Body&& body) -> decltype(body(std::declval<PgSession&>(), std::int64_t{})) {
    std::lock_guard lock(reads_mu_);
    STRATUS_RETURN_IF_ERROR(reads_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    auto seq = pgFirstInt(reads_->exec("SELECT seq FROM change_seq"));
    if (!seq) {
      reads_->rollback();
      return seq.takeError();
    }
    auto out = body(*reads_, *seq);
    reads_->rollback();
    return out;
  }

  // Whether `changes` still holds every commit after `from` (inside a transaction of
  // `db`); false when pruned past it, and the caller must reload everything.
  static Result<bool> covers(PgSession& db, std::int64_t from);

  // BEGIN on the write session with the change_seq row locked, waiting while another
  // process's write is open; returns the sequence it found (every commit up to it is
  // visible to the write's READ COMMITTED statements from here on).
  Result<std::int64_t> openWrite();
  bool writeOpen() const { return open_.owns_lock(); }
  PgSession& writes() { return *writes_; }

  // Logs `keys` (kind, key) under the next sequence, moves change_seq to it, prunes
  // when due and commits. No keys: rolls back (nothing was written). A failed step
  // rolls back. A lost answer to COMMIT is kUnavailable with the outcome unknown; the
  // next catch-up reads whichever it was. Without an open write: nothing, ok.
  Status commitWrite(const std::vector<std::pair<std::string, std::string>>& keys);
  void abortWrite();

 private:
  PgChangeLog(std::unique_ptr<PgSession> reads, std::unique_ptr<PgSession> writes)
      : reads_(std::move(reads)), writes_(std::move(writes)) {}
  Status logKeys(const std::vector<std::pair<std::string, std::string>>& keys);

  std::mutex reads_mu_;
  std::unique_ptr<PgSession> reads_;
  std::mutex writes_mu_;
  std::unique_ptr<PgSession> writes_;
  std::unique_lock<std::mutex> open_;  // held from openWrite() to commitWrite()/abortWrite()
  std::int64_t open_at_ = 0;           // the sequence the open write found
};

}  // namespace stratus
