#!/usr/bin/env bash
# Two stratus-api and two stratus-placement instances behind HAProxy (scripts/stratus-cluster,
# every host simulated: dry-run guests, so no real libvirt), agents talking through
# HAProxy, a boot load through HAProxy, and kill -9 of api-1 and placement-1 in the middle:
#  - every acknowledged create is there afterwards, and ends ACTIVE or ERROR with a reason;
#  - each ACTIVE server holds exactly one allocation, on its own host's provider; ERROR
#    and deleted ones none; placement's consumers are exactly the ACTIVE servers (nothing
#    leaked, nothing scheduled twice); no provider is used over its capacity;
#  - once api-1 is back (`up`), os-services reads the same on both instances.
# Names of its own (br-stratk, 10.79.0.0/24, stratus-cnk-N, stratus_cluster_kill_*).
# Usage: kill_test.sh BUILD_BIN_DIR SOURCE_DIR [SERVERS]
set -u
bin=$1
src=$2
n_servers=${3:-40}
script=$src/scripts/stratus-cluster
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to create network namespaces and a bridge"; exit 77; }
probe_ns=stratus-cnk-probe-$$
if ! ip netns add "$probe_ns" 2>/dev/null; then
  echo "skipped: cannot create a network namespace here (ip netns add failed)"; exit 77
fi
ip netns del "$probe_ns"
command -v haproxy >/dev/null || "$src/scripts/install-deps" >/dev/null
command -v haproxy >/dev/null || { echo "skipped: HAProxy is not installed and could not be"; exit 77; }
"$src/scripts/start-postgres" >/dev/null 2>&1 || { echo "skipped: PostgreSQL does not start here (scripts/start-postgres failed)"; exit 77; }

tmp=$(mktemp -d)
export STRATUS_BIN=$bin STRATUS_CLUSTER_DIR=$tmp/cluster STRATUS_CLUSTER_BRIDGE=br-stratk \
  STRATUS_CLUSTER_NET=10.79.0 STRATUS_CLUSTER_NS_PREFIX=stratus-cnk- \
  STRATUS_CLUSTER_DB_PREFIX=stratus_cluster_kill STRATUS_CLUSTER_HOSTS=4 STRATUS_CLUSTER_LIBVIRT=0 \
  STRATUS_CLUSTER_SERVICE_DOWN_TIME=10 STRATUS_CLUSTER_API=2 STRATUS_CLUSTER_PLACEMENT=2
front=10.79.0.1
failures=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
drop_dbs() {
  for db in stratus_cluster_kill_placement stratus_cluster_kill_api; do
    runuser -u postgres -- psql -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  done
}
cleanup() {
  "$script" down >/dev/null 2>&1
  drop_dbs
  rm -rf "$tmp"
}
trap cleanup EXIT
drop_dbs

out=$("$script" up 2>&1); rc=$?
echo "$out"
check "up exits 0 with two api and two placement instances" test "$rc" = 0
[ "$rc" = 0 ] || { tail -n 30 "$STRATUS_CLUSTER_DIR"/logs/*.log; exit 1; }
# [api] compute_link_prefix / image_public_endpoint: links name HAProxy, whichever instance answers.
links_to_front() {  # links_to_front DOC INSTANCE_OCTET
  grep -qF '"href":"http://10.79.0.1:8774/v2.1/"' <<<"${1// /}" && ! grep -qF "10.79.0.$2" <<<"$1"
}
for inst in 21 22; do
  doc=$(curl -sf "http://10.79.0.$inst:8774/v2.1")
  check "api at 10.79.0.$inst: its version document links to HAProxy (got: $doc)" links_to_front "$doc" "$inst"
done

# The load and every check after it, in one python program: it reads the pid files to
# kill api-1 and placement-1 once half the creates are acknowledged.
python3 - "$front" "$STRATUS_CLUSTER_DIR/run" "$n_servers" <<'PY'
import concurrent.futures, json, os, signal, sys, threading, time, urllib.error, urllib.request
front, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
compute, image, placement = f"http://{front}:8774", f"http://{front}:9292", f"http://{front}:8778"
H = {"X-Auth-Token": "admin", "Content-Type": "application/json"}
failed = 0
def check(what, ok):
    global failed
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failed += 0 if ok else 1
def call(method, url, body=None, headers=None, tries=30):
    # Retried while HAProxy moves traffic off a killed instance (connection reset, 502,
    # 503): the client does what an openstack client behind a load balancer would.
    for i in range(tries):
        req = urllib.request.Request(url, method=method, headers={**H, **(headers or {})},
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                data = r.read()
                return r.status, json.loads(data) if data else None
        except urllib.error.HTTPError as e:
            if e.code not in (502, 503, 504): return e.code, e.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{method} {url}: no answer after {tries} tries")
P = {"OpenStack-API-Version": "placement 1.39"}

st, img = call("POST", image + "/v2/images", {"name": "kill-img", "disk_format": "raw", "container_format": "bare"})
call("PUT", image + f"/v2/images/{img['id']}/file", None, {"Content-Type": "application/octet-stream"})
st, fl = call("POST", compute + "/v2.1/flavors", {"flavor": {"name": "kill.small", "vcpus": 1, "ram": 64, "disk": 1}})
flavor = fl["flavor"]["id"]

acked, lock, killed = [], threading.Lock(), []
def kill_half():
    for name in ("api-1", "placement-1"):
        pid = int(open(f"{run}/{name}.pid").read())
        os.kill(pid, signal.SIGKILL)
        killed.append(name)
def boot(i):
    st, body = call("POST", compute + "/v2.1/servers",
                    {"server": {"name": f"kill-{i}", "imageRef": img["id"], "flavorRef": flavor, "networks": "none"}},
                    {"OpenStack-API-Version": "compute 2.37"})
    if st == 202:
        with lock:
            acked.append(body["server"]["id"])
            if len(acked) == n // 2: kill_half()
    return st
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    codes = list(pool.map(boot, range(n)))
check(f"every create answered 202 (got {sorted(set(codes))}), api-1 and placement-1 killed mid-load ({killed})",
      set(codes) == {202} and len(killed) == 2)

def servers():
    st, body = call("GET", compute + "/v2.1/servers/detail")
    return {s["id"]: s for s in body["servers"]}
deadline = time.time() + 180
while time.time() < deadline:
    ss = servers()
    if all(s["status"] in ("ACTIVE", "ERROR") for s in ss.values()) and set(acked) <= set(ss): break
    time.sleep(2)
ss = servers()
check(f"every acknowledged create is there ({len(set(acked) - set(ss))} of {len(acked)} missing)", set(acked) <= set(ss))
states = {}
for s in ss.values(): states[s["status"]] = states.get(s["status"], 0) + 1
check(f"every server ends ACTIVE or ERROR (got {states})", set(states) <= {"ACTIVE", "ERROR"})
no_reason = [i for i, s in ss.items() if s["status"] == "ERROR" and not (s.get("fault") or {}).get("message")]
check(f"every ERROR server says why ({len(no_reason)} without a fault message)", not no_reason)

time.sleep(5)  # the conductor gives back an ERROR server's claim on its next pass
st, rps = call("GET", placement + "/resource_providers", headers=P)
by_uuid = {p["uuid"]: p["name"] for p in rps["resource_providers"]}
consumers, over = {}, []
for uuid, name in by_uuid.items():
    st, al = call("GET", placement + f"/resource_providers/{uuid}/allocations", headers=P)
    for c in al["allocations"]: consumers.setdefault(c, []).append(name)
    st, inv = call("GET", placement + f"/resource_providers/{uuid}/inventories", headers=P)
    st, use = call("GET", placement + f"/resource_providers/{uuid}/usages", headers=P)
    for rc, i in inv["inventories"].items():
        cap = (i["total"] - i["reserved"]) * i["allocation_ratio"]
        if use["usages"].get(rc, 0) > cap: over.append(f"{name} {rc} {use['usages'][rc]} > {cap}")
active = {i for i, s in ss.items() if s["status"] == "ACTIVE"}
check(f"placement's consumers are exactly the ACTIVE servers ({len(set(consumers) - active)} leaked, "
      f"{len(active - set(consumers))} ACTIVE without one)", set(consumers) == active)
twice = {c: h for c, h in consumers.items() if len(h) != 1}
check(f"each consumer on one provider ({len(twice)} on several)", not twice)
wrong = [i for i in active if consumers.get(i) != [ss[i]["OS-EXT-SRV-ATTR:host"]]]
check(f"each ACTIVE server's allocation is on its own host ({len(wrong)} elsewhere)", not wrong)
check(f"no provider over capacity ({over})", not over)
print(f"   ({len(active)} ACTIVE, {len(ss) - len(active)} ERROR)")
reasons = {}
for s in ss.values():
    if s["status"] == "ERROR":
        k = s["fault"]["message"][:100]
        reasons[k] = reasons.get(k, 0) + 1
for k, v in reasons.items(): print(f"   {v} x {k}")
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || failures=$((failures + 1))
# Takeover happened, not merely survival: api-2's conductor found leases api-1 held when it
# died and scheduled those servers itself (the checks above cover how they all ended).
took=$(grep -c "taking over from conductor" "$STRATUS_CLUSTER_DIR/logs/api-2.log" 2>/dev/null)
check "api-2 took over servers whose lease api-1 held (${took:-0} taken over)" test "${took:-0}" -ge 1

out=$("$script" up 2>&1); rc=$?
check "up brings api-1 and placement-1 back" test "$rc" = 0
view() {  # the services one instance shows, by host and state
  curl -sf -H 'X-Auth-Token: admin' "http://10.79.0.$1:8774/v2.1/os-services" |
    python3 -c 'import json, sys; print(" ".join(sorted(s["host"] + "=" + s["state"] for s in json.load(sys.stdin)["services"])))'
}
a=$(view 21); b=$(view 22)
check "os-services agrees on both instances (api-1: $a; api-2: $b)" test -n "$a" -a "$a" = "$b"
check "every agent up (got: $a)" test "$(grep -o '=up' <<<"$a" | wc -l)" = 4

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed; logs in $STRATUS_CLUSTER_DIR/logs:"
  for f in "$STRATUS_CLUSTER_DIR"/logs/*.log; do echo "--- $f"; tail -n 20 "$f"; done
  trap - EXIT; "$script" down >/dev/null 2>&1; drop_dbs
  exit 1
fi
echo "all checks passed"
