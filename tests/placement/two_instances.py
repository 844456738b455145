#!/usr/bin/env python3
"""Claims and reads across two stratus-placement instances on one PostgreSQL database.

Usage: two_instances.py URL_A URL_B

1. Racing claims: 8 clients, each on its own keep-alive connection, alternate
   between A and B and make 2,000 claims in all for 1 VCPU on one of five
   providers holding 40 VCPU each (200 units for 2,000 claims). Every answer must
   be 204 or a 409; exactly 200 claims may be accepted, each of them must be
   present afterwards on both instances, and the usages on both must equal the
   capacity.
2. Read-your-writes: a claim acknowledged by A is absent from the candidates B
   returns right after, and a delete acknowledged by B is seen by A's next
   candidates, 100 times in a row.
Prints one line per failed check and exits 1 when any failed.
"""
import http.client
import json
import random
import sys
import threading
import urllib.parse
import uuid

HEADERS = {
    "X-Auth-Token": "admin",
    "OpenStack-API-Version": "placement 1.39",
    "Content-Type": "application/json",
    "Accept": "application/json",
}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what)


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def call(self, method, path, body=None):
        data = json.dumps(body) if body is not None else None
        self.conn.request(method, path, body=data, headers=HEADERS)
        res = self.conn.getresponse()
        raw = res.read()
        return res.status, (json.loads(raw) if raw else None)


def claim_body(rp):
    return {
        "allocations": {rp: {"resources": {"VCPU": 1}}},
        "consumer_generation": None,
        "project_id": "p",
        "user_id": "u",
        "consumer_type": "INSTANCE",
    }


def make_provider(c, name, vcpus):
    rp = str(uuid.uuid4())
    status, _ = c.call("POST", "/resource_providers", {"name": name, "uuid": rp})
    assert status == 200, status
    status, _ = c.call(
        "PUT",
        f"/resource_providers/{rp}/inventories",
        {"resource_provider_generation": 0, "inventories": {"VCPU": {"total": vcpus}}},
    )
    assert status == 200, status
    return rp


def racing_claims(urls):
    setup = Client(urls[0])
    providers = [make_provider(setup, f"race-{i}", 40) for i in range(5)]
    capacity = 40 * len(providers)
    accepted, statuses = [], {}
    lock = threading.Lock()

    def client(n):
        conns = [Client(u) for u in urls]
        rnd = random.Random(n)
        for i in range(250):
            consumer = str(uuid.uuid4())
            rp = rnd.choice(providers)
            status, _ = conns[(n + i) % 2].call("PUT", f"/allocations/{consumer}", claim_body(rp))
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 204:
                    accepted.append((consumer, rp))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"racing claims: {statuses}")
    check(set(statuses) <= {204, 409}, f"every answer is 204 or 409, got {statuses}")
    check(len(accepted) == capacity, f"{capacity} claims accepted, got {len(accepted)}")
    for url in urls:
        c = Client(url)
        for rp in providers:
            _, usages = c.call("GET", f"/resource_providers/{rp}/usages")
            check(usages["usages"]["VCPU"] == 40, f"{url}: {rp} uses 40 VCPU, got {usages}")
        missing = 0
        for consumer, rp in accepted:
            _, got = c.call("GET", f"/allocations/{consumer}")
            if got["allocations"].get(rp, {}).get("resources") != {"VCPU": 1}:
                missing += 1
        check(missing == 0, f"{url}: every accepted claim is there, {missing} missing")


def read_your_writes(urls):
    a, b = Client(urls[0]), Client(urls[1])
    rp = make_provider(a, "ryw", 1)
    query = f"/allocation_candidates?resources=VCPU:1&in_tree={rp}"
    stale = 0
    for _ in range(100):
        consumer = str(uuid.uuid4())
        status, _ = a.call("PUT", f"/allocations/{consumer}", claim_body(rp))
        check(status == 204, f"claim on A answered {status}")
        _, cands = b.call("GET", query)
        if cands["allocation_requests"]:
            stale += 1
        status, _ = b.call("DELETE", f"/allocations/{consumer}")
        check(status == 204, f"delete on B answered {status}")
        _, cands = a.call("GET", query)
        if len(cands["allocation_requests"]) != 1:
            stale += 1
    check(stale == 0, f"read-your-writes across instances: {stale} stale answers in 200")
    print(f"read-your-writes: {200 - stale} of 200 reads saw the other instance's write")


def main():
    urls = sys.argv[1:3]
    racing_claims(urls)
    read_your_writes(urls)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
