#!/usr/bin/env bash
# stratus-compute publishes exactly the PCI providers `stratus pci providers` prints
# (names, parent, resource classes, totals, reserved, traits), as children of its
# compute node in a real stratus-placement on 127.0.0.1; and a [pci] that does not fit
# the host's devices stops it at start with exit 2 and the one-line message.
# Facts: a captured host with the node devices ../shared/labs/vfio captured.
# Usage: pci_agent_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
cap=$src/../shared/labs/vfio/captured
if [ ! -d "$cap/nodedev" ]; then
  echo "SKIP: $cap is not here (it comes with ../shared)"
  exit 77
fi
tmp=$(mktemp -d)
placement=
cleanup() {
  [ -n "$placement" ] && { kill "$placement" 2>/dev/null; wait "$placement" 2>/dev/null; }
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS COMMAND...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}

host="pci-agent-$$"
lab=()
for f in pcie-root-port-of-igb igb-pf-with-2-vfs igb-vf0 igb-vf1-bound-vfio-pci e1000e nvme; do
  lab+=(--nodedev-xml "$cap/nodedev/$f.xml")
done
# A host facts document: a captured x86 host with the lab's PCI devices.
"$bin/stratus" pci devices "${lab[@]}" --host "$host" -f json >"$tmp/devices.json" || { echo "FAIL: stratus pci devices"; exit 1; }
/usr/bin/python3 - "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$tmp/devices.json" >"$tmp/facts.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
devices = json.load(open(sys.argv[2]))
for d in devices:
    for k in ("device_spec", "tags", "provider", "reserved"):
        d.pop(k, None)
facts["pci_devices"] = devices
print(json.dumps(facts))
PY

port=$(free_port)
url="http://127.0.0.1:$port"
cat >"$tmp/stratus.conf" <<CONF
[DEFAULT]
host = $host
[placement]
url = $url
[compute]
instances_path = $tmp/instances
[pci]
device_spec = {"vendor_id": "8086", "product_id": "10ca", "managed": "no"}
device_spec = {"address": "0000:02:00.0", "traits": "blue, big"}
device_spec = {"vendor_id": "1b36", "product_id": "0010", "resource_class": "nvme", "traits": "fast"}
CONF

"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/placement.log" 2>&1 &
placement=$!
check "placement is up" wait_for 10 curl -sf -o /dev/null -H 'X-Auth-Token: admin' "$url/"

"$bin/stratus" pci providers --host-facts "$tmp/facts.json" --config "$tmp/stratus.conf" --host "$host" \
  -f json >"$tmp/expected.json"
check "stratus pci providers plans three providers" \
  /usr/bin/python3 -c "import json,sys; sys.exit(0 if len(json.load(open('$tmp/expected.json'))) == 3 else 1)"
check "stratus-compute --once syncs" sh -c "'$bin/stratus-compute' --once --host-facts '$tmp/facts.json' \
  --config '$tmp/stratus.conf' --host '$host' >'$tmp/agent.log' 2>&1"
check "the agent logs the PCI providers it created" \
  grep -q "pci providers +${host}_0000:01:00.0 +${host}_0000:02:00.0 +${host}_0000:03:00.0" "$tmp/agent.log"

# What placement holds under the compute node, in `stratus pci providers`' shape.
/usr/bin/python3 - "$url" "$host" >"$tmp/published.json" <<'PY'
import json, sys, urllib.request
url, host = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(url + path, headers={
        "X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.26"})
    return json.load(urllib.request.urlopen(req))
root = get("/resource_providers?name=" + host)["resource_providers"][0]
names = {p["uuid"]: p["name"] for p in get("/resource_providers")["resource_providers"]}
out = []
for p in get("/resource_providers?in_tree=" + root["uuid"])["resource_providers"]:
    if p["uuid"] == root["uuid"]:
        continue
    inv = get("/resource_providers/%s/inventories" % p["uuid"])["inventories"]
    (rc, i), = inv.items()
    out.append({"name": p["name"], "parent": names[p["parent_provider_uuid"]],
                "resource_class": rc, "total": i["total"], "reserved": i["reserved"],
                "max_unit": i["max_unit"], "allocation_ratio": i["allocation_ratio"],
                "traits": sorted(get("/resource_providers/%s/traits" % p["uuid"])["traits"])})
print(json.dumps(sorted(out, key=lambda p: p["name"]), indent=1))
PY
check "placement holds exactly what stratus pci providers prints" /usr/bin/python3 - "$tmp/expected.json" "$tmp/published.json" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
keys = ("name", "parent", "resource_class", "total", "reserved", "traits")
w = [{k: p[k] for k in keys} for p in want]
g = [{k: p[k] for k in keys} for p in got]
ok = w == g and all(p["max_unit"] == p["total"] and p["allocation_ratio"] == 1.0 for p in got)
if not ok:
    print("wanted:", json.dumps(w), "\ngot:   ", json.dumps(got))
sys.exit(0 if ok else 1)
PY

before=$(curl -sf -H 'X-Auth-Token: admin' "$url/resource_providers" | md5sum)
check "a second --once writes nothing" sh -c "'$bin/stratus-compute' --once --host-facts '$tmp/facts.json' \
  --config '$tmp/stratus.conf' --host '$host' 2>&1 | grep -q 'in sync, nothing written'"
after=$(curl -sf -H 'X-Auth-Token: admin' "$url/resource_providers" | md5sum)
check "provider generations unchanged" test "$before" = "$after"

# A spec for the PF and one for its VFs: refused at start, exit 2, one line, nothing written.
cat >"$tmp/bad.conf" <<CONF
[placement]
url = $url
[compute]
instances_path = $tmp/instances
[pci]
device_spec = {"vendor_id": "8086", "product_id": "10c9"}
device_spec = {"vendor_id": "8086", "product_id": "10ca"}
CONF
want='stratus-compute: [pci] device_spec='"'"'{"vendor_id": "8086", "product_id": "10ca"}'"'"' is invalid: it matches VF 0000:01:10.0 of PF 0000:01:00.0, which device_spec {"vendor_id": "8086", "product_id": "10c9"} matches; allowed: device specs that match either a PF or its VFs, not both'
for mode in --once ""; do
  "$bin/stratus-compute" $mode --host-facts "$tmp/facts.json" --config "$tmp/bad.conf" \
    --host "bad-$host" >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  check "a [pci] that does not fit the host: exit 2 (${mode:-running})" test "$rc" = 2
  # Running, the start line is logged first; the error is still the last and only other line.
  check "... with its one-line message (${mode:-running})" test "$(tail -n 1 "$tmp/bad.err")" = "$want"
  check "... and nothing else went wrong (${mode:-running})" test "$(grep -vc ' stratus-compute: host ' "$tmp/bad.err")" = 1
done
check "... and no provider for that host" sh -c "! curl -sf -H 'X-Auth-Token: admin' '$url/resource_providers?name=bad-$host' | grep -q uuid"

echo "$failures failure(s)"
[ "$failures" = 0 ]
