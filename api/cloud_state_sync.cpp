// How an instance's memory follows the others' commits on a shared DocStore, and the
// read and write scopes every handler and the conductor take (api/cloud_state.h).
#include "api/cloud_state.h"
#include "common/log.h"

namespace stratus::api {

Status CloudState::noted(Status s) {
  if (!s && in_write_) failed_ = true;
  return s;
}

void CloudState::undo() {
  // Newest first, so a key saved twice ends at its value before the scope.
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  undo_.clear();
}

Status CloudState::applyDoc(const DocChange& c) {
  try {
    if (c.kind == "flavor") {
      if (c.doc) flavors[c.id] = flavorFromDoc(*c.doc);
      else flavors.erase(c.id);
    } else if (c.kind == "image") {
      if (c.doc) images[c.id] = imageFromDoc(*c.doc);
      else images.erase(c.id);
    } else if (c.kind == "server") {
      if (c.doc) servers[c.id] = serverFromDoc(*c.doc);
      else servers.erase(c.id);
    } else if (c.kind == "host") {
      if (auto it = hosts.find(c.id); it != hosts.end()) host_facts.erase(it->second.id);
      if (c.doc) {
        auto r = hostFromDoc(*c.doc);
        if (auto facts = virt::hostFactsFromJson(r.facts)) host_facts[r.id] = std::move(*facts);
        hosts[c.id] = std::move(r);
      } else {
        hosts.erase(c.id);
        host_seen.erase(c.id);
      }
    } else if (c.kind == "service") {
      if (c.doc) services[c.id] = serviceFromDoc(*c.doc);
      else services.erase(c.id);
    } else if (c.kind == "aggregate") {
      if (c.doc) aggregates[std::stoi(c.id)] = aggregateFromDoc(*c.doc);
      else aggregates.erase(std::stoi(c.id));
    }
  } catch (const std::exception& e) {
    return Error::make(ErrorCode::kInternal, "a stored " + c.kind + " document (" + c.id +
                                                 ") does not read back: " + e.what());
  }
  return okStatus();
}

Status CloudState::applyChanges(DocChanges ch) {
  if (ch.reload) {
    // Too far behind for the log: everything again, as at start.
    clearAll();
    auto seq = store_->latestSeq();
    if (!seq) return seq.takeError();
    STRATUS_RETURN_IF_ERROR(loadAll());
    applied_seq_.store(*seq);
    return okStatus();
  }
  for (const auto& c : ch.docs) STRATUS_RETURN_IF_ERROR(applyDoc(c));
  if (ch.seq > applied_seq_.load()) applied_seq_.store(ch.seq);
  return okStatus();
}

Result<CloudState::ReadScope> CloudState::read() {
  if (store_->shared()) {
    // One round trip when nothing changed; the catch-up itself happens under `mu`.
    auto latest = store_->latestSeq();
    if (!latest) return latest.takeError();
    if (*latest > applied_seq_.load()) {
      std::unique_lock lock(mu);
      if (*latest > applied_seq_.load()) {
        auto changes = store_->changesSince(applied_seq_.load());
        if (!changes) return changes.takeError();
        STRATUS_RETURN_IF_ERROR(applyChanges(std::move(*changes)));
      }
      return ReadScope(std::move(lock));
    }
  }
  return ReadScope(std::unique_lock(mu));
}

Result<CloudState::WriteScope> CloudState::write() {
  std::unique_lock lock(mu);
  auto changes = store_->beginWrite(applied_seq_.load());
  if (!changes) return changes.takeError();
  if (auto s = applyChanges(std::move(*changes)); !s) {
    store_->abortWrite();
    return s.error();
  }
  in_write_ = true;
  failed_ = false;
  undo_.clear();
  return WriteScope(*this, std::move(lock));
}

Status CloudState::WriteScope::commit() {
  if (state_ == nullptr || !lock_.owns_lock()) return okStatus();
  CloudState& st = *state_;
  Status s = okStatus();
  if (st.failed_) {
    st.store_->abortWrite();
    st.undo();
    s = Error::make(ErrorCode::kUnavailable, "a write to the database failed; nothing was changed");
  } else if (auto c = st.store_->commitWrite(); !c) {
    st.undo();
    s = c;
  }
  st.undo_.clear();
  st.in_write_ = false;
  st.failed_ = false;
  lock_.unlock();
  return s;
}

void CloudState::WriteScope::abort() {
  if (state_ == nullptr || !lock_.owns_lock()) return;
  state_->store_->abortWrite();
  state_->undo();
  state_->in_write_ = false;
  state_->failed_ = false;
  lock_.unlock();
}

CloudState::WriteScope::~WriteScope() {
  if (state_ == nullptr || !lock_.owns_lock()) return;
  if (auto s = commit(); !s) logLine("a write was not committed: " + s.error().message);
}

void CloudState::heartbeat(const std::string& host, std::int64_t at) {
  host_seen[host] = std::max(host_seen[host], at);
  if (!store_->shared()) return;
  auto& written = seen_written_[host];
  if (at - written < kHeartbeatWriteSeconds) return;
  if (auto s = store_->putHeartbeat(host, at); !s) {
    logLine("heartbeat of " + host + " not stored: " + s.error().message);
    return;
  }
  written = at;
}

Status CloudState::refreshHeartbeats(std::int64_t max_age_s) {
  if (!store_->shared()) return okStatus();
  const std::int64_t now = unixNow();
  if (max_age_s > 0 && now - heartbeats_read_at_ < max_age_s) return okStatus();
  auto seen = store_->loadHeartbeats();
  if (!seen) return seen.takeError();
  for (const auto& [host, at] : *seen) {
    if (!hosts.contains(host)) continue;  // a forgotten host's row may linger a moment
    host_seen[host] = std::max(host_seen[host], at);
  }
  heartbeats_read_at_ = now;
  return okStatus();
}

}  // namespace stratus::api
