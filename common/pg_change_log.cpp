#include "common/pg_change_log.h"

namespace stratus {

Result<std::int64_t> pgFirstInt(Result<PgResult> res) {
  if (!res) return res.takeError();
  if (PQntuples(res->get()) == 0 || PQgetisnull(res->get(), 0, 0)) return std::int64_t{-1};
  return std::stoll(PQgetvalue(res->get(), 0, 0));
}

Result<std::unique_ptr<PgChangeLog>> PgChangeLog::open(const std::string& url,
                                                       std::span<const char* const> migrations,
                                                       std::string_view program) {
  auto reads = PgSession::open(url, migrations, program);
  if (!reads) return reads.takeError();
  auto writes = PgSession::open(url, migrations, program);
  if (!writes) return writes.takeError();
  return std::unique_ptr<PgChangeLog>(new PgChangeLog(std::move(*reads), std::move(*writes)));
}

Result<std::int64_t> PgChangeLog::latestSeq() {
  std::lock_guard lock(reads_mu_);
  return pgFirstInt(reads_->read("SELECT seq FROM change_seq"));
}

Result<bool> PgChangeLog::covers(PgSession& db, std::int64_t from) {
  auto first = pgFirstInt(
      db.exec("SELECT min(seq) FROM changes WHERE seq > $1::bigint", {std::to_string(from)}));
  if (!first) return first.takeError();
  return *first == from + 1;
}

Result<std::int64_t> PgChangeLog::openWrite() {
  std::unique_lock lock(writes_mu_);
  STRATUS_RETURN_IF_ERROR(writes_->begin());
  auto at = pgFirstInt(writes_->exec("SELECT seq FROM change_seq FOR UPDATE"));
  if (!at) {
    writes_->rollback();
    return at.takeError();
  }
  open_at_ = *at;
  open_ = std::move(lock);
  return open_at_;
}

Status PgChangeLog::logKeys(const std::vector<std::pair<std::string, std::string>>& keys) {
  const std::string seq = std::to_string(open_at_ + 1);
  for (const auto& [kind, key] : keys) {
    STRATUS_RETURN_IF_ERROR(
        writes_->exec("INSERT INTO changes VALUES ($1::bigint, $2, $3)", {seq, kind, key}));
  }
  STRATUS_RETURN_IF_ERROR(writes_->exec("UPDATE change_seq SET seq = $1::bigint", {seq}));
  if ((open_at_ + 1) % kPruneEvery == 0) {
    STRATUS_RETURN_IF_ERROR(writes_->exec("DELETE FROM changes WHERE seq <= $1::bigint",
                                          {std::to_string(open_at_ + 1 - kKeep)}));
  }
  return okStatus();
}

Status PgChangeLog::commitWrite(const std::vector<std::pair<std::string, std::string>>& keys) {
  if (!open_.owns_lock()) return okStatus();
  std::unique_lock lock = std::move(open_);  // released on every way out
  if (keys.empty()) {
    writes_->rollback();
    return okStatus();
  }
  auto s = logKeys(keys);
  if (!s) {
    writes_->rollback();
    return s;
  }
  return writes_->commit();
}

void PgChangeLog::abortWrite() {
  if (!open_.owns_lock()) return;
  writes_->rollback();
  open_.unlock();
}

}  // namespace stratus
