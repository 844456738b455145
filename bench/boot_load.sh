#!/usr/bin/env bash
# Load: N boot requests against H simulated hosts. H stratus-compute agents run with
# --host-facts (the captures in virt/testdata/hosts, round robin) and --guest-driver
# dry-run (each guest is planned and rendered for its host, not started), against one
# stratus-placement and one stratus-api on 127.0.0.1. Servers ask for 4 vCPUs and a mix
# of vIOMMU models and arches, so the hosts run out of room before the requests do.
# Prints boots per second; checks that no host is over capacity and that every server
# ends ACTIVE or in ERROR with a reason.
# Usage: [CONDUCTOR_WORKERS=4] bench/boot_load.sh [N=500] [H=100] [BIN_DIR=build/bin]
set -u
n=${1:-500}
hosts=${2:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${3:-$src/build/bin}
. "$src/tests/api/stack.sh"
# CONDUCTOR_WORKERS (default 4, the product default): [api] conductor_workers.
cat >"$tmp/api.conf" <<CONF
[api]
conductor_workers = ${CONDUCTOR_WORKERS:-4}
CONF
start_placement && start_api --config "$tmp/api.conf" || { echo "services did not start"; exit 1; }
cat >"$tmp/agent.conf" <<CONF
[compute]
work_poll_interval_ms = 200
CONF
captures=("$src"/virt/testdata/hosts/*.json)
for i in $(seq 1 "$hosts"); do
  start_agent "sim-$i" --config "$tmp/agent.conf" --host-facts "${captures[$(( (i - 1) % ${#captures[@]} ))]}" --guest-driver dry-run
done
if ! wait_for 120 sh -c "test \$(curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -o hypervisor_hostname | wc -l) -ge $hosts"; then
  reported=$(curl -sf -H 'X-Auth-Token: admin' "$compute_url/v2.1/os-hypervisors" | grep -o '"hypervisor_hostname": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
  echo "only $(echo "$reported" | grep -c .) of $hosts agents reported in 120 s; the first that did not:"
  for i in $(seq 1 "$hosts"); do
    echo "$reported" | grep -qx "sim-$i" && continue
    echo "--- sim-$i"; tail -n 5 "$tmp/agent-sim-$i.log"
    missing=$(( ${missing:-0} + 1 )); [ "$missing" -ge 3 ] && break
  done
  exit 1
fi

/usr/bin/python3 - "$compute_url" "$image_url" "$placement_url" "$n" <<'PY'
import json, sys, time, threading, urllib.request
compute, image, placement, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def call(base, method, path, body=None, ctype="application/json", extra=None):
    h = {"X-Auth-Token": "admin", "OpenStack-API-Version": "compute 2.92"}
    if extra: h.update(extra)
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = ctype
    req = urllib.request.Request(base + path, data=data, headers=h, method=method)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None
images = {}
for arch, machine in (("x86_64", "q35"), ("aarch64", "virt")):
    img = call(image, "POST", "/v2/images", {"name": "load-" + arch, "hw_architecture": arch, "hw_machine_type": machine})
    call(image, "PUT", "/v2/images/%s/file" % img["id"], b"", "application/octet-stream")
    images[arch] = img["id"]
flavors = {}
for model in ("virtio", "auto", "intel", "smmuv3"):
    f = call(compute, "POST", "/v2.1/flavors", {"flavor": {"name": "load." + model, "vcpus": 4, "ram": 2048, "disk": 1}})["flavor"]
    call(compute, "POST", "/v2.1/flavors/%s/os-extra_specs" % f["id"], {"extra_specs": {"hw:viommu_model": model}})
    flavors[model] = f["id"]
mix = [("virtio", "x86_64"), ("auto", "x86_64"), ("intel", "x86_64"), ("smmuv3", "aarch64"), ("auto", "aarch64"), ("virtio", "aarch64")]
ids, lock = [], threading.Lock()
sent = {}  # server id -> when its POST was sent (client clock)
def worker(k):
    for i in range(k, n, 8):
        model, arch = mix[i % len(mix)]
        t = time.time()
        s = call(compute, "POST", "/v2.1/servers", {"server": {"name": "load-%d" % i, "flavorRef": flavors[model], "imageRef": images[arch], "networks": "none"}})
        with lock:
            ids.append(s["server"]["id"])
            sent[s["server"]["id"]] = t
start = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
posted = time.time()
active_at = {}  # server id -> first list that showed it ACTIVE (so +- one list's time)
while True:
    servers = call(compute, "GET", "/v2.1/servers/detail")["servers"]
    now = time.time()
    for s in servers:
        if s["status"] == "ACTIVE" and s["id"] not in active_at: active_at[s["id"]] = now
    if sum(1 for s in servers if s["status"] == "BUILD") == 0: break
    if time.time() - start > 1800: print("timed out with servers in BUILD"); sys.exit(1)
    time.sleep(0.1)
done = time.time()
active = [s for s in servers if s["status"] == "ACTIVE"]
errors = [s for s in servers if s["status"] == "ERROR"]
no_reason = [s for s in errors if not s.get("fault", {}).get("message")]
over = []
prov = json.loads(urllib.request.urlopen(urllib.request.Request(placement + "/resource_providers", headers={"X-Auth-Token": "admin"})).read())["resource_providers"]
for rp in prov:
    hdr = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
    inv = json.loads(urllib.request.urlopen(urllib.request.Request(placement + "/resource_providers/%s/inventories" % rp["uuid"], headers=hdr)).read())["inventories"]
    use = json.loads(urllib.request.urlopen(urllib.request.Request(placement + "/resource_providers/%s/usages" % rp["uuid"], headers=hdr)).read())["usages"]
    for rc, u in use.items():
        cap = (inv[rc]["total"] - inv[rc]["reserved"]) * inv[rc]["allocation_ratio"]
        if u > cap: over.append("%s %s %d > %g" % (rp["name"], rc, u, cap))
placed = sum(1 for s in active)
print("boot load: %d requests, %d hosts: %d ACTIVE, %d ERROR (%d without a reason)" % (n, len(prov), len(active), len(errors), len(no_reason)))
print("boot load: requests posted in %.2f s; all settled after %.2f s: %.1f boots/s (ACTIVE per second of the whole run), %.1f settled/s (ACTIVE or ERROR)" % (posted - start, done - start, placed / (done - start), len(servers) / (done - start)))
lat = sorted(active_at[i] - sent[i] for i in active_at if i in sent)
if lat:
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print("boot load: request to ACTIVE (seen by a list every 0.1 s): p50 %.2f s, p99 %.2f s, max %.2f s" % (pick(0.5), pick(0.99), lat[-1]))
if errors:
    reasons = {}
    for s in errors:
        key = s["fault"]["message"].split(";")[0][:90]
        reasons[key] = reasons.get(key, 0) + 1
    for k, v in sorted(reasons.items(), key=lambda x: -x[1])[:4]: print("  %4d x %s" % (v, k))
print("boot load: hosts over capacity: %d" % len(over))
for o in over[:5]: print("  " + o)
sys.exit(1 if over or no_reason or len(servers) != n else 0)
PY
