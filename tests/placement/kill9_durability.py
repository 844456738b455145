#!/usr/bin/python3
"""kill -9 of stratus-placement in the middle of a write load loses no
acknowledged write, and the service restarts on the same database.

  kill9_durability.py STRATUS_PLACEMENT [ROUNDS]

Each round starts the server on the same SQLite file, runs writers on 127.0.0.1
(provider creates, inventories, traits, claims, and racing claims on one small
shared provider), kills the server with SIGKILL while they write, restarts it,
and checks that everything a writer saw acknowledged is there, with at least
the acknowledged generation, and that no provider holds more than its capacity.
Writes that were in flight when the server died may or may not be there: the
client never learnt their outcome. Exit 0 on success, 1 with the differences.
"""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HEADERS = {"x-auth-token": "admin", "openstack-api-version": "placement 1.39",
           "accept": "application/json", "content-type": "application/json"}
SHARED_RP = "5b0a2a8e-0000-4000-8000-00000000beef"
SHARED_CAPACITY = 10


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, body=None):
        """(status, decoded body) or None when the server gave no answer."""
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.conn.request(method, path, None if body is None else json.dumps(body), HEADERS)
            r = self.conn.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None)
        except (OSError, http.client.HTTPException, ValueError):
            self.conn = None
            return None


def start_server(binary, port, db, log):
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1:%d" % port, "--db", "sqlite://" + db],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    c = Client(port)
    while time.monotonic() < deadline:
        got = c.call("GET", "/")
        if got and got[0] == 200:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("FAIL: stratus-placement did not answer on port %d after a start" % port)


class Acknowledged:
    """What writers were told succeeded, by kind."""

    def __init__(self):
        self.lock = threading.Lock()
        self.providers = set()
        self.generations = {}  # provider -> last acknowledged generation
        self.inventories = {}  # provider -> total
        self.traits = {}  # provider -> traits
        self.claims = {}  # consumer -> provider

    def note(self, **kw):
        with self.lock:
            for k, v in kw.items():
                getattr(self, k).update(v) if isinstance(v, dict) else getattr(self, k).add(v)


def writer(port, ack, stop, wid):
    c = Client(port)
    k = 0
    while not stop.is_set():
        k += 1
        rp = str(uuid.uuid4())
        got = c.call("POST", "/resource_providers", {"name": "w%d-%d-%s" % (wid, k, rp[:8]), "uuid": rp})
        if not got or got[0] != 200:
            continue
        ack.note(providers=rp, generations={rp: 0})
        got = c.call("PUT", "/resource_providers/%s/inventories" % rp,
                     {"resource_provider_generation": 0,
                      "inventories": {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}}})
        if not got or got[0] != 200:
            continue
        gen = got[1]["resource_provider_generation"]
        ack.note(inventories={rp: 8}, generations={rp: gen})
        traits = ["HW_CPU_X86_AVX", "COMPUTE_IOMMU_MODEL_VIRTIO"]
        got = c.call("PUT", "/resource_providers/%s/traits" % rp,
                     {"resource_provider_generation": gen, "traits": traits})
        if not got or got[0] != 200:
            continue
        ack.note(traits={rp: sorted(traits)}, generations={rp: got[1]["resource_provider_generation"]})
        consumer = str(uuid.uuid4())
        got = c.call("PUT", "/allocations/" + consumer,
                     {"allocations": {rp: {"resources": {"VCPU": 2}}}, "consumer_generation": None,
                      "project_id": "p", "user_id": "u", "consumer_type": "INSTANCE"})
        if got and got[0] == 204:
            ack.note(claims={consumer: rp})


def racer(port, ack, stop):
    """Claims one VCPU at a time on the shared provider until it is full."""
    c = Client(port)
    while not stop.is_set():
        consumer = str(uuid.uuid4())
        got = c.call("PUT", "/allocations/" + consumer,
                     {"allocations": {SHARED_RP: {"resources": {"VCPU": 1}}},
                      "consumer_generation": None, "project_id": "p", "user_id": "u",
                      "consumer_type": "INSTANCE"})
        if got and got[0] == 204:
            ack.note(claims={consumer: SHARED_RP})
        elif got and got[0] == 409:
            time.sleep(0.01)


def check(port, ack):
    c = Client(port)
    problems = []
    for rp in sorted(ack.providers):
        got = c.call("GET", "/resource_providers/" + rp)
        if not got or got[0] != 200:
            problems.append("acknowledged provider %s is gone (%s)" % (rp, got and got[0]))
            continue
        if got[1]["generation"] < ack.generations.get(rp, 0):
            problems.append("provider %s is at generation %d, below the acknowledged %d"
                            % (rp, got[1]["generation"], ack.generations[rp]))
    for rp, total in sorted(ack.inventories.items()):
        got = c.call("GET", "/resource_providers/%s/inventories" % rp)
        if not got or got[0] != 200 or got[1]["inventories"].get("VCPU", {}).get("total") != total:
            problems.append("acknowledged VCPU inventory of %s is not there" % rp)
    for rp, traits in sorted(ack.traits.items()):
        got = c.call("GET", "/resource_providers/%s/traits" % rp)
        if not got or got[0] != 200 or sorted(got[1]["traits"]) != traits:
            problems.append("acknowledged traits of %s are not there: %s" % (rp, got and got[1]))
    for consumer, rp in sorted(ack.claims.items()):
        got = c.call("GET", "/allocations/" + consumer)
        if not got or got[0] != 200 or rp not in got[1]["allocations"]:
            problems.append("acknowledged claim %s on %s is gone" % (consumer, rp))
    got = c.call("GET", "/resource_providers/%s/usages" % SHARED_RP)
    if not got or got[0] != 200 or got[1]["usages"].get("VCPU", 0) > SHARED_CAPACITY:
        problems.append("shared provider over capacity or unreadable: %s" % (got and got[1]))
    return problems


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    workdir = tempfile.mkdtemp(prefix="stratus-kill9-")
    db = os.path.join(workdir, "placement.db")
    log = open(os.path.join(workdir, "server.log"), "ab")
    port = free_port()
    ack = Acknowledged()
    proc = start_server(binary, port, db, log)
    c = Client(port)
    assert c.call("POST", "/resource_providers", {"name": "shared", "uuid": SHARED_RP})[0] == 200
    got = c.call("PUT", "/resource_providers/%s/inventories" % SHARED_RP,
                 {"resource_provider_generation": 0,
                  "inventories": {"VCPU": {"total": SHARED_CAPACITY}}})
    assert got[0] == 200, got
    ack.note(providers=SHARED_RP, generations={SHARED_RP: got[1]["resource_provider_generation"]})
    total_acked = 0
    for rnd in range(1, rounds + 1):
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(port, ack, stop, w)) for w in range(4)]
        threads += [threading.Thread(target=racer, args=(port, ack, stop)) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(1.0, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.2)  # let writers see the dead server before they stop
        stop.set()
        for t in threads:
            t.join()
        proc = start_server(binary, port, db, log)
        problems = check(port, ack)
        acked = len(ack.providers) + len(ack.inventories) + len(ack.traits) + len(ack.claims)
        print("round %d: killed -9 under load, restarted; %d acknowledged writes checked, "
              "%d problems" % (rnd, acked, len(problems)))
        if problems:
            for p in problems[:20]:
                print("  " + p)
            proc.kill()
            print("server log: " + os.path.join(workdir, "server.log"))
            return 1
        if acked <= total_acked:
            print("FAIL: round %d acknowledged no new writes; the load did not run" % rnd)
            proc.kill()
            return 1
        total_acked = acked
    proc.terminate()
    proc.wait()
    print("OK: %d kills, %d acknowledged writes all present after each restart" % (rounds, total_acked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
