#!/usr/bin/env bash
# Load through two stratus-api instances on one PostgreSQL database: N boot requests,
# alternating between the instances, against H simulated hosts (stratus-compute with
# --host-facts and --guest-driver dry-run, half of them reporting to each instance),
# one stratus-placement on SQLite, all on 127.0.0.1. Servers ask for 4 vCPUs and a
# mix of vIOMMU models and arches, as bench/boot_load.sh. Prints boots per second, the
# p50/p99 time from a create's 202 to the server seen ACTIVE (polled every 0.2 s, so
# up to 0.2 s late), and checks that no host is over capacity, each server holds at
# most one allocation and every server ends ACTIVE or ERROR with a reason.
# Usage: bench/multi_api_boot.sh [N=1000] [H=200] [BIN_DIR=build/bin]   (root: makes a database)
set -u
n=${1:-1000}
hosts=${2:-200}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${3:-$src/build/bin}
. "$src/tests/api/stack.sh"
"$src/scripts/start-postgres" >/dev/null || { echo "PostgreSQL did not start"; exit 1; }
base=$(cat /etc/stratus/postgres.url)
db=stratus_bench_multi_api_$$
runuser -u postgres -- psql -X -q -c "CREATE DATABASE $db OWNER stratus" || exit 1
drop_db() { runuser -u postgres -- psql -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; }
trap 'stack_cleanup; drop_db' EXIT
start_placement || { echo "placement did not start"; exit 1; }
c2_port=$(free_port); i2_port=$(free_port)
compute2_url=http://127.0.0.1:$c2_port
for which in 1 2; do
  if [ "$which" = 1 ]; then cp=$c_port ip=$i_port; else cp=$c2_port ip=$i2_port; fi
  "$bin/stratus-api" --bind "127.0.0.1:$cp" --image-bind "127.0.0.1:$ip" --db "$base$db" \
    --placement-url "$placement_url" >>"$tmp/api-$which.log" 2>&1 &
  pids+=("$!")
  wait_for 20 curl -sf "http://127.0.0.1:$cp/v2.1" -o /dev/null || { echo "api-$which did not start"; exit 1; }
done
cat >"$tmp/agent.conf" <<CONF
[compute]
work_poll_interval_ms = 200
CONF
captures=("$src"/virt/testdata/hosts/*.json)
for i in $(seq 1 "$hosts"); do
  url=$compute_url; [ $((i % 2)) = 0 ] && url=$compute2_url
  "$bin/stratus-compute" --host "sim-$i" --api-url "$url" --placement-url "$placement_url" \
    --instances-path "$tmp/instances" --config "$tmp/agent.conf" \
    --host-facts "${captures[$(( (i - 1) % ${#captures[@]} ))]}" --guest-driver dry-run >>"$tmp/agent-sim-$i.log" 2>&1 &
  pids+=("$!")
done
wait_for 120 sh -c "test \$(curl -sf -H 'X-Auth-Token: admin' $compute2_url/v2.1/os-hypervisors | grep -o hypervisor_hostname | wc -l) -ge $hosts" ||
  { echo "only some agents reported"; exit 1; }

/usr/bin/python3 - "$compute_url" "$compute2_url" "$image_url" "$placement_url" "$n" <<'PY'
import json, sys, time, threading, urllib.request
c1, c2, image, placement, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def call(base, method, path, body=None, ctype="application/json", extra=None):
    h = {"X-Auth-Token": "admin", "OpenStack-API-Version": "compute 2.92"}
    if extra: h.update(extra)
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = ctype
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data, headers=h, method=method)) as r:
        raw = r.read()
        return json.loads(raw) if raw else None
images = {}
for arch, machine in (("x86_64", "q35"), ("aarch64", "virt")):
    img = call(image, "POST", "/v2/images", {"name": "load-" + arch, "hw_architecture": arch, "hw_machine_type": machine})
    call(image, "PUT", "/v2/images/%s/file" % img["id"], b"", "application/octet-stream")
    images[arch] = img["id"]
flavors = {}
for model in ("virtio", "auto", "intel", "smmuv3"):
    f = call(c2, "POST", "/v2.1/flavors", {"flavor": {"name": "load." + model, "vcpus": 4, "ram": 2048, "disk": 1}})["flavor"]
    call(c1, "POST", "/v2.1/flavors/%s/os-extra_specs" % f["id"], {"extra_specs": {"hw:viommu_model": model}})
    flavors[model] = f["id"]
mix = [("virtio", "x86_64"), ("auto", "x86_64"), ("intel", "x86_64"), ("smmuv3", "aarch64"), ("auto", "aarch64"), ("virtio", "aarch64")]
posted_at, lock = {}, threading.Lock()
def worker(k):
    for i in range(k, n, 8):
        model, arch = mix[i % len(mix)]
        s = call(c1 if i % 2 else c2, "POST", "/v2.1/servers", {"server": {"name": "load-%d" % i, "flavorRef": flavors[model], "imageRef": images[arch], "networks": "none"}})
        with lock: posted_at[s["server"]["id"]] = time.time()
start = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in threads: t.start()
active_at = {}
def watch():
    while len(posted_at) < n or any(i not in active_at for i in list(posted_at)):
        now = time.time()
        for s in call(c1 if int(now * 5) % 2 else c2, "GET", "/v2.1/servers/detail")["servers"]:
            if s["status"] != "BUILD" and s["id"] not in active_at: active_at[s["id"]] = (now, s["status"])
        if now - start > 900: return
        time.sleep(0.2)
w = threading.Thread(target=watch); w.start()
for t in threads: t.join()
posted = time.time()
w.join()
done = max((t for t, _ in active_at.values()), default=time.time())
servers = call(c1, "GET", "/v2.1/servers/detail")["servers"]
active = [s for s in servers if s["status"] == "ACTIVE"]
errors = [s for s in servers if s["status"] == "ERROR"]
no_reason = [s for s in errors if not s.get("fault", {}).get("message")]
lat = sorted(active_at[s["id"]][0] - posted_at[s["id"]] for s in active if s["id"] in active_at and s["id"] in posted_at)
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
hdr = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
get = lambda path: json.loads(urllib.request.urlopen(urllib.request.Request(placement + path, headers=hdr)).read())
over, consumers = [], {}
for rp in get("/resource_providers")["resource_providers"]:
    inv = get("/resource_providers/%s/inventories" % rp["uuid"])["inventories"]
    use = get("/resource_providers/%s/usages" % rp["uuid"])["usages"]
    for c in get("/resource_providers/%s/allocations" % rp["uuid"])["allocations"]: consumers[c] = consumers.get(c, 0) + 1
    for rc, u in use.items():
        cap = (inv[rc]["total"] - inv[rc]["reserved"]) * inv[rc]["allocation_ratio"]
        if u > cap: over.append("%s %s %d > %g" % (rp["name"], rc, u, cap))
twice = [c for c, k in consumers.items() if k > 1]
leaked = set(consumers) - {s["id"] for s in active}
print("multi-api boot load: %d requests over 2 API instances, %d hosts: %d ACTIVE, %d ERROR (%d without a reason)" % (n, len(get("/resource_providers")["resource_providers"]), len(active), len(errors), len(no_reason)))
print("multi-api boot load: posted in %.2f s; all settled after %.2f s: %.1f boots/s (ACTIVE per second of the whole run)" % (posted - start, done - start, len(active) / (done - start)))
print("multi-api boot load: 202 -> ACTIVE p50 %.2f s, p99 %.2f s, max %.2f s" % (pct(0.5), pct(0.99), lat[-1] if lat else float("nan")))
if errors:
    reasons = {}
    for s in errors:
        key = s["fault"]["message"].split(";")[0][:90]
        reasons[key] = reasons.get(key, 0) + 1
    for k, v in sorted(reasons.items(), key=lambda x: -x[1])[:4]: print("  %4d x %s" % (v, k))
print("multi-api boot load: hosts over capacity: %d; consumers on several providers: %d; allocations not of an ACTIVE server: %d" % (len(over), len(twice), len(leaked)))
for o in over[:5]: print("  " + o)
sys.exit(1 if over or twice or leaked or no_reason or len(servers) != n else 0)
PY
