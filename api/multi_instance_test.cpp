// Two CloudStates on one PostgreSQL database, each with its own memory, as two
// stratus-api instances: what one commits the other reads after its next read scope,
// a write scope catches up inside the database's write lock before the handler
// checks, a failed commit leaves memory as it was, heartbeats are shared, and a
// server's scheduling lease goes to one conductor at a time.
#include <catch2/catch.hpp>

#include "api/cloud_state.h"
#include "api/server_lease.h"
#include "tests/pg_test_db.h"
#include "tests/skip.h"
#include "virt/test_hosts.h"

using namespace stratus;
using namespace stratus::api;

namespace {

std::unique_ptr<CloudState> open(const std::string& url) {
  auto store = openDocStore(url);
  REQUIRE(store.ok());
  auto state = std::make_unique<CloudState>(std::move(*store));
  REQUIRE(state->load().ok());
  return state;
}

ServerRecord server(const std::string& id) {
  ServerRecord s;
  s.id = id;
  s.name = "vm-" + id;
  return s;
}

// Saves `s` in a write scope of its own and commits.
void commitServer(CloudState& state, const ServerRecord& s) {
  auto w = state.write();
  REQUIRE(w.ok());
  REQUIRE(state.save(s).ok());
  REQUIRE(w->commit().ok());
}

}  // namespace

TEST_CASE("leases: free, own or expired may be taken; only the owner records its pass") {
  ServerRecord s = server("s1");
  CHECK(leaseAvailable(s, "a", 100));
  takeLease(s, "a", 100);
  CHECK(s.lease_owner == "a");
  CHECK(s.lease_expires == 100 + kServerLeaseSeconds);
  CHECK(leaseAvailable(s, "a", 101));
  CHECK_FALSE(leaseAvailable(s, "b", 101));
  CHECK_FALSE(leaseAvailable(s, "b", 100 + kServerLeaseSeconds - 1));
  CHECK(leaseAvailable(s, "b", 100 + kServerLeaseSeconds));  // expired: a died
  CHECK(holdsLease(s, "a"));
  // Renewed once less than half the TTL is left, never earlier.
  CHECK_FALSE(leaseNeedsRenewal(s, 100 + kServerLeaseSeconds / 2));
  CHECK(leaseNeedsRenewal(s, 100 + kServerLeaseSeconds / 2 + 1));
  CHECK(leaseNeedsRenewal(s, 100 + kServerLeaseSeconds + 5));
  takeLease(s, "b", 200);
  CHECK_FALSE(holdsLease(s, "a"));
  clearLease(s);
  CHECK(s.lease_owner.empty());
  CHECK(s.lease_expires == 0);
}

TEST_CASE("postgresql, two API instances: a commit by one is read by the other") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  auto b = open(db.url());

  commitServer(*a, server("s1"));
  {
    auto r = b->read();
    REQUIRE(r.ok());
    REQUIRE(b->servers.contains("s1"));
    CHECK(b->servers.at("s1").name == "vm-s1");
  }
  CHECK(b->appliedSeq() == a->appliedSeq() + 1);  // a has not read its own commit yet

  // Deleted by b: gone from a's memory after a's next read.
  {
    auto w = b->write();
    REQUIRE(w.ok());
    REQUIRE(b->eraseServer("s1").ok());
    REQUIRE(w->commit().ok());
  }
  {
    auto r = a->read();
    REQUIRE(r.ok());
    CHECK_FALSE(a->servers.contains("s1"));
  }
  // A third instance started now loads what both committed.
  commitServer(*b, server("s2"));
  auto c = open(db.url());
  CHECK(c->servers.contains("s2"));
  CHECK_FALSE(c->servers.contains("s1"));
}

TEST_CASE("postgresql, two API instances: a write scope sees the other's commit before checking") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  auto b = open(db.url());
  {
    auto r = b->read();  // b's memory is current: no server yet
    REQUIRE(r.ok());
  }
  ServerRecord s = server("s1");
  s.task = ServerTask::kScheduling;
  commitServer(*a, s);

  // Conductor a takes the lease; conductor b, whose memory has not seen it, opens a
  // write scope and finds it taken: the scope caught up inside the lock.
  {
    auto w = a->write();
    REQUIRE(w.ok());
    ServerRecord mine = a->servers.at("s1");
    REQUIRE(leaseAvailable(mine, "conductor-a", unixNow()));
    takeLease(mine, "conductor-a", unixNow());
    REQUIRE(a->save(mine).ok());
    REQUIRE(w->commit().ok());
  }
  {
    auto w = b->write();
    REQUIRE(w.ok());
    REQUIRE(b->servers.contains("s1"));
    const ServerRecord& seen = b->servers.at("s1");
    CHECK(seen.lease_owner == "conductor-a");
    CHECK_FALSE(leaseAvailable(seen, "conductor-b", unixNow()));
    // Once it has expired (a died mid-boot), b takes it over.
    CHECK(leaseAvailable(seen, "conductor-b", seen.lease_expires));
  }
}

TEST_CASE("postgresql, two API instances: a write that does not commit leaves memory unchanged") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  commitServer(*a, server("s1"));
  {
    auto w = a->write();
    REQUIRE(w.ok());
    ServerRecord changed = a->servers.at("s1");
    changed.name = "renamed";
    REQUIRE(a->save(changed).ok());
    REQUIRE(a->save(server("s2")).ok());
    CHECK(a->servers.at("s1").name == "renamed");
    db.terminateSessions();  // the connection breaks before COMMIT
    auto committed = w->commit();
    REQUIRE_FALSE(committed.ok());
    CHECK(committed.error().code == ErrorCode::kUnavailable);
  }
  // Neither save stayed in memory; after reconnecting, the database agrees.
  CHECK(a->servers.at("s1").name == "vm-s1");
  CHECK_FALSE(a->servers.contains("s2"));
  auto b = open(db.url());
  CHECK(b->servers.at("s1").name == "vm-s1");
  CHECK_FALSE(b->servers.contains("s2"));
  // And a's next write works again (the session reconnects outside a transaction).
  commitServer(*a, server("s3"));
  auto r = b->read();
  REQUIRE(r.ok());
  CHECK(b->servers.contains("s3"));
}

TEST_CASE("postgresql, two API instances: an agent heard by one is up on the other") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  auto b = open(db.url());
  HostRecord h;
  h.name = "cn1";
  h.id = "5e1d0c3a-0000-4000-8000-0000000000a1";
  {
    auto w = a->write();
    REQUIRE(w.ok());
    REQUIRE(a->save(h).ok());
    REQUIRE(w->commit().ok());
  }
  const std::int64_t t = unixNow();
  {
    std::lock_guard lock(a->mu);
    a->heartbeat("cn1", t);
  }
  auto r = b->read();
  REQUIRE(r.ok());
  CHECK_FALSE(b->host_seen.contains("cn1"));
  REQUIRE(b->refreshHeartbeats().ok());
  REQUIRE(b->host_seen.contains("cn1"));
  CHECK(b->host_seen.at("cn1") == t);
  // An older time from another instance never moves it back.
  {
    std::lock_guard lock(a->mu);
    a->heartbeat("cn1", t - 100);
  }
  REQUIRE(b->refreshHeartbeats().ok());
  CHECK(b->host_seen.at("cn1") == t);
}

TEST_CASE("postgresql, two API instances: a slow owner renews its lease, and learns it lost it") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  auto b = open(db.url());
  // A simulated clock: the times are given, so the test does not wait out the TTL.
  const std::int64_t t0 = 1'000'000;
  ServerRecord s = server("s1");
  s.task = ServerTask::kScheduling;
  takeLease(s, "conductor-a", t0);
  commitServer(*a, s);

  // Half-way through its pass, a renews: b, past the first expiry, still finds it held.
  auto renewed = renewLease(*a, "s1", "conductor-a", t0 + 40);
  REQUIRE(renewed.ok());
  CHECK(*renewed == t0 + 40 + kServerLeaseSeconds);
  {
    auto w = b->write();
    REQUIRE(w.ok());
    CHECK(b->servers.at("s1").lease_expires == t0 + 40 + kServerLeaseSeconds);
    CHECK_FALSE(leaseAvailable(b->servers.at("s1"), "conductor-b", t0 + kServerLeaseSeconds));
  }
  // a stalls past the renewed expiry; b takes the server over.
  {
    auto w = b->write();
    REQUIRE(w.ok());
    ServerRecord theirs = b->servers.at("s1");
    const std::int64_t later = t0 + 41 + kServerLeaseSeconds;
    REQUIRE(leaseAvailable(theirs, "conductor-b", later));
    takeLease(theirs, "conductor-b", later);
    REQUIRE(b->save(theirs).ok());
    REQUIRE(w->commit().ok());
  }
  // a's next renewal, before its claim, is refused: its pass is abandoned.
  auto lost = renewLease(*a, "s1", "conductor-a", t0 + 42 + kServerLeaseSeconds);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::kConflict);
  CHECK(lost.error().message == "server s1: lease lost to conductor-b");
  // And the refusal changed nothing: the lease is b's with b's expiry.
  {
    auto r = a->read();
    REQUIRE(r.ok());
    CHECK(a->servers.at("s1").lease_owner == "conductor-b");
    CHECK(a->servers.at("s1").lease_expires == t0 + 41 + 2 * kServerLeaseSeconds);
  }
  // A server gone while the pass ran is lost too.
  auto gone = renewLease(*a, "nope", "conductor-a", t0);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().message == "server nope: lease lost: the server is gone");
}

TEST_CASE("postgresql, two API instances: an undone write scope restores the host's facts") {
  test::PgTestDb db;
  if (!db.reachable()) STRATUS_SKIP(db.whyNot());
  auto a = open(db.url());
  virt::HostFacts first = virt::testing::testHost("x86-kvm-libvirt9");
  first.hostname = "cn1";
  HostRecord h;
  h.name = "cn1";
  h.id = "5e1d0c3a-0000-4000-8000-0000000000a1";
  h.facts = virt::hostFactsToJson(first);
  {
    auto w = a->write();
    REQUIRE(w.ok());
    REQUIRE(a->save(h).ok());
    REQUIRE(w->commit().ok());
  }
  REQUIRE(a->host_facts.contains(h.id));
  CHECK(a->host_facts.at(h.id).hostname == "cn1");
  // A report with other facts whose commit fails: the facts go back with the record.
  {
    HostRecord changed = h;
    virt::HostFacts second = first;
    second.hostname = "cn1-renamed";
    changed.facts = virt::hostFactsToJson(second);
    auto w = a->write();
    REQUIRE(w.ok());
    REQUIRE(a->save(changed).ok());
    CHECK(a->host_facts.at(h.id).hostname == "cn1-renamed");
    db.terminateSessions();
    REQUIRE_FALSE(w->commit().ok());
  }
  REQUIRE(a->host_facts.contains(h.id));
  CHECK(a->host_facts.at(h.id).hostname == "cn1");
  // An erase that does not commit leaves them too.
  {
    auto w = a->write();
    REQUIRE(w.ok());
    REQUIRE(a->eraseHost("cn1").ok());
    CHECK_FALSE(a->host_facts.contains(h.id));
    db.terminateSessions();
    REQUIRE_FALSE(w->commit().ok());
  }
  REQUIRE(a->host_facts.contains(h.id));
  CHECK(a->host_facts.at(h.id).hostname == "cn1");
}
