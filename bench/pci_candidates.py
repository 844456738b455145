#!/usr/bin/python3
"""PCI providers in placement at fleet scale: load and measure allocation candidates.

  pci_candidates.py load BASE_URL HOSTS [--concurrency 8]
  pci_candidates.py measure BASE_URL [--requests 200] [--seconds 60] [--out FILE]

load: HOSTS compute nodes (VCPU 64, MEMORY_MB 262144, DISK_GB 2000), each with 8 PCI
child providers as the Stratus agent publishes them (named "<host>_<address>", trait
COMPUTE_MANAGED_PCI_DEVICE): 4 SR-IOV PFs of 8 VFs each (CUSTOM_PCI_8086_10CA, total 8)
and 4 whole NVMe drives (CUSTOM_PCI_1B36_0010, total 1). Deterministic names and UUIDs,
so both services get the same data.

measure: the query a flavor with pci_passthrough:alias=nic:2 and group_policy=isolate
becomes (each device its own numbered group), plus a one-VF query; prints candidate
counts and latency percentiles as JSON.

Uses the peer's stdlib client (../shared/peers/placement/placement_client.py).
"""
import argparse
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers", "placement"))
from placement_client import Client, percentiles  # noqa: E402

NS = uuid.UUID("0c7f3a52-55f1-4b36-9a0e-2d4c6b8e1f09")
VF_RC = "CUSTOM_PCI_8086_10CA"
NVME_RC = "CUSTOM_PCI_1B36_0010"

QUERIES = {
    "two_vfs_isolate": ("/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:1"
                        "&resources1=%s:1&required1=COMPUTE_MANAGED_PCI_DEVICE"
                        "&resources2=%s:1&required2=COMPUTE_MANAGED_PCI_DEVICE"
                        "&group_policy=isolate&limit=1000" % (VF_RC, VF_RC)),
    "one_vf": ("/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:1"
               "&resources1=%s:1&group_policy=none&limit=1000" % VF_RC),
}


def ok(resp, what):
    if resp.status >= 300:
        raise SystemExit("%s: %d %s" % (what, resp.status, resp.body[:300]))
    return resp.json()


def load_host(client, i):
    name = "pcn-%05d" % i
    root = str(uuid.uuid5(NS, name))
    r = client.post("/resource_providers", {"name": name, "uuid": root})
    if r.status == 409:
        return 0
    gen = ok(r, "create " + name)["generation"]
    ok(client.put("/resource_providers/%s/inventories" % root, {
        "resource_provider_generation": gen,
        "inventories": {
            "VCPU": {"total": 64, "allocation_ratio": 4.0},
            "MEMORY_MB": {"total": 262144, "reserved": 512},
            "DISK_GB": {"total": 2000}}}), "inventory " + name)
    requests = 2
    for d in range(8):
        pf = d < 4
        address = "0000:%02x:00.0" % (0x10 + d)
        child_name = "%s_%s" % (name, address.upper())
        child = str(uuid.uuid5(NS, child_name))
        g = ok(client.post("/resource_providers", {
            "name": child_name, "uuid": child, "parent_provider_uuid": root}),
            "create " + child_name)["generation"]
        rc, total = (VF_RC, 8) if pf else (NVME_RC, 1)
        g = ok(client.put("/resource_providers/%s/inventories" % child, {
            "resource_provider_generation": g,
            "inventories": {rc: {"total": total, "max_unit": total}}}),
            "inventory " + child_name)["resource_provider_generation"]
        ok(client.put("/resource_providers/%s/traits" % child, {
            "resource_provider_generation": g,
            "traits": ["COMPUTE_MANAGED_PCI_DEVICE"]}), "traits " + child_name)
        requests += 3
    return requests


def cmd_load(args):
    client = Client(args.base_url)
    for rc in (VF_RC, NVME_RC):
        r = client.put("/resource_classes/" + rc, None)
        if r.status not in (201, 204):
            raise SystemExit("resource class %s: %d %s" % (rc, r.status, r.body[:200]))
    start = time.time()
    with ThreadPoolExecutor(args.concurrency) as pool:
        total = sum(pool.map(lambda i: load_host(client, i), range(args.hosts)))
    wall = time.time() - start
    print(json.dumps({"hosts": args.hosts, "providers": args.hosts * 9,
                      "requests": total, "wall_s": round(wall, 1)}))


def cmd_measure(args):
    client = Client(args.base_url)
    out = {}
    for name, path in QUERIES.items():
        body = ok(client.get(path), name)
        counts = {"candidates": len(body["allocation_requests"]),
                  "summaries": len(body["provider_summaries"])}
        samples = []
        deadline = time.time() + args.seconds
        while len(samples) < args.requests and time.time() < deadline:
            t = time.perf_counter()
            r = client.get(path)
            samples.append(time.perf_counter() - t)
            if r.status != 200:
                raise SystemExit("%s: %d" % (name, r.status))
        out[name] = dict(counts, **percentiles(samples))
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("base_url")
    lp.add_argument("hosts", type=int)
    lp.add_argument("--concurrency", type=int, default=8)
    mp = sub.add_parser("measure")
    mp.add_argument("base_url")
    mp.add_argument("--requests", type=int, default=200)
    mp.add_argument("--seconds", type=float, default=60)
    mp.add_argument("--out")
    args = ap.parse_args()
    (cmd_load if args.cmd == "load" else cmd_measure)(args)


if __name__ == "__main__":
    main()
