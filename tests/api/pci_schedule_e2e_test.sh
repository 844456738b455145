#!/usr/bin/env bash
# PCI requests end to end on 127.0.0.1: a real stratus-placement, stratus-api with a
# [pci] alias, and one stratus-compute reporting captured facts with two SR-IOV PFs
# (dry-run guests). The agent publishes the PCI providers from its [pci] device_spec
# (<host>_<ADDRESS>, uuid providerUuidFor); the second PF appears when the agent restarts
# with facts that have it.
# Shows: nic:1 boots ACTIVE with its allocation on the device provider; two servers take
# the provider's two units and a third ends ERROR naming the request; group_policy=isolate
# with nic:2 needs two providers. Usage: pci_schedule_e2e_test.sh BUILD_BIN_DIR
set -u
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/stack.sh"
host="pci-$$"
rc=CUSTOM_PCI_8086_10CA

cat >"$tmp/api.conf" <<CONF
[pci]
alias = {"name": "nic", "vendor_id": "8086", "product_id": "10ca"}
CONF
cat >"$tmp/agent.conf" <<CONF
[compute]
work_poll_interval_ms = 200
resource_provider_sync_interval = 1
[pci]
device_spec = {"vendor_id": "8086", "product_id": "10ca"}
CONF
# Captured facts plus two igb PFs (8086:10c9) with VFs (8086:10ca).
# facts.json has the first PF only, facts2.json both.
/usr/bin/python3 - "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$host" "$tmp" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
facts["hostname"] = sys.argv[2]
def dev(addr, product, dev_type, parent=None, vfs=(), group=0):
    return {"address": addr, "vendor_id": "8086", "product_id": product, "class": "020000",
            "dev_type": dev_type, "parent_addr": parent, "numa_node": 0, "iommu_group": group,
            "iommu_group_members": [addr], "driver": "vfio-pci" if parent else "igb",
            "vf_max": 7 if dev_type == "type-PF" else 0, "vfs": list(vfs),
            "iommu_unit": None, "vfio_cdev": None}
devices = []
for n, (pf, vfs) in enumerate([("0000:81:00.0", ["0000:81:10.0", "0000:81:10.2"]),
                               ("0000:82:00.0", ["0000:82:10.0"])]):
    devices.append(dev(pf, "10c9", "type-PF", vfs=vfs, group=10 * n))
    devices += [dev(v, "10ca", "type-VF", parent=pf, group=10 * n + i + 1) for i, v in enumerate(vfs)]
facts["pci_devices"] = devices
json.dump(facts, open(sys.argv[3] + "/facts2.json", "w"))
facts["pci_devices"] = [d for d in devices if not d["address"].startswith("0000:82")]
json.dump(facts, open(sys.argv[3] + "/facts.json", "w"))
PY

"$bin/stratus-placement" --bind "127.0.0.1:$p_port" --db "sqlite://$tmp/placement.db" >>"$tmp/placement.log" 2>&1 &
pids+=("$!")
wait_for 10 curl -sf "$placement_url/" -o /dev/null || { echo "FAIL: placement did not start"; exit 1; }
"$bin/stratus-api" --config "$tmp/api.conf" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
  --db "sqlite://$tmp/api.db" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
pids+=("$!")
wait_for 10 curl -sf "$compute_url/v2.1" -o /dev/null || { echo "FAIL: api did not start"; cat "$tmp/api.log"; exit 1; }
start_agent "$host" --config "$tmp/agent.conf" --host-facts "$tmp/facts.json" --guest-driver dry-run
check "the agent reports its host" wait_for 20 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$host\"'"

pl() {  # pl METHOD PATH [JSON] -> body in $body, status in $status
  local out
  out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' -H 'Content-Type: application/json' \
    -H 'OpenStack-API-Version: placement 1.39' ${3:+-d "$3"} "$placement_url$2")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}
# providerUuidFor: a version 5 UUID under Stratus' namespace (common/uuid.cpp).
uuid_for() { /usr/bin/python3 -c 'import sys,uuid; print(uuid.uuid5(uuid.UUID("6b1f3c52-8e4d-4a17-9c2e-517ad09344e8"), sys.argv[1]))' "$1"; }
root=$(uuid_for "$host")
pl GET "/resource_providers/$root"
check "the compute node provider's uuid is providerUuidFor(host)" test "$status" = 200
device_provider() {  # device_provider ADDRESS TOTAL -> uuid in $dev once the agent published it
  local name="${host}_$(printf '%s' "$1" | tr a-f A-F)"
  dev=$(uuid_for "$name")
  local i
  for i in $(seq 1 100); do
    pl GET "/resource_providers/$dev/inventories"
    [ "$status" = 200 ] && [ "$(jget "d['inventories'].get('$rc', {}).get('total')")" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
holds() {  # holds CONSUMER PROVIDER N: the consumer's allocation has N of $rc on PROVIDER
  pl GET "/allocations/$1"
  [ "$(jget "d['allocations'].get('$2', {}).get('resources', {}).get('$rc', 0)")" = "$3" ]
}
fault_of() { capi GET "/v2.1/servers/$1"; jget 'd["server"].get("fault", {}).get("message", "")'; }

check "the agent publishes the first PF's provider with its 2 VFs" device_provider 0000:81:00.0 2
dev_a=$dev
make_image pci-img ''; image=$image_id

# ---------------------------------------------------------------- the door
make_flavor pci.bad 128 '{"pci_passthrough:alias": "gpu:1"}'
expect "an alias [pci] does not define" 400 "pci_passthrough:alias='gpu:1' is invalid: alias 'gpu' is not defined in [pci] alias; allowed: nic"
capi POST "/v2.1/flavors/$flavor_id/os-extra_specs" '{"extra_specs": {"group_policy": "spread"}}'
expect "group_policy=spread" 400 "group_policy='spread' is invalid: not a placement group policy; allowed: none, isolate"

# ---------------------------------------------------------------- one device each
make_flavor pci.nic1 128 '{"pci_passthrough:alias": "nic:1"}'; nic1=$flavor_id
expect "a flavor asking for nic:1" 200 "nic:1"
boot s1 "$nic1" "$image"; s1=$server_id
check "nic:1 boots ACTIVE" wait_status "$s1" ACTIVE 30
check "its allocation holds one device on the PF's provider" holds "$s1" "$dev_a" 1
check "and the compute node's resources" sh -c "curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' $placement_url/allocations/$s1 | grep -q '\"$root\"'"
boot s2 "$nic1" "$image"; s2=$server_id
check "a second nic:1 boots ACTIVE" wait_status "$s2" ACTIVE 30
check "it takes the provider's second unit" holds "$s2" "$dev_a" 1
boot s3 "$nic1" "$image"; s3=$server_id
check "a third nic:1 ends ERROR: no device is free" wait_status "$s3" ERROR 30
msg=$(fault_of "$s3")
check "its fault names the PCI request ($msg)" sh -c "printf '%s' \"\$1\" | grep -q 'No valid host was found: .*pci_passthrough:alias nic:1'" _ "$msg"
for s in "$s1" "$s2" "$s3"; do capi DELETE "/v2.1/servers/$s"; done
for s in "$s1" "$s2" "$s3"; do wait_status "$s" gone 30; done
pl GET "/resource_providers/$dev_a/usages"
check "deletes free the devices" test "$(jget "d['usages'].get('$rc', 0)")" = 0

# ---------------------------------------------------------------- group_policy
make_flavor pci.nic2 128 '{"pci_passthrough:alias": "nic:2"}'; nic2=$flavor_id
boot both "$nic2" "$image"; both=$server_id
check "nic:2 with group_policy none boots ACTIVE from one provider" wait_status "$both" ACTIVE 30
check "both units on that provider" holds "$both" "$dev_a" 2
capi DELETE "/v2.1/servers/$both"; wait_status "$both" gone 30
make_flavor pci.nic2.iso 128 '{"pci_passthrough:alias": "nic:2", "group_policy": "isolate"}'; iso=$flavor_id
boot lonely "$iso" "$image"; lonely=$server_id
check "isolate with nic:2 and one provider ends ERROR" wait_status "$lonely" ERROR 30
msg=$(fault_of "$lonely")
check "its fault names the request and the policy ($msg)" sh -c "printf '%s' \"\$1\" | grep -q 'pci_passthrough:alias nic:2 as groups 1-2 .*group_policy isolate'" _ "$msg"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null
start_agent "$host" --config "$tmp/agent.conf" --host-facts "$tmp/facts2.json" --guest-driver dry-run
check "restarted with a second PF, the agent publishes its provider" device_provider 0000:82:00.0 1
dev_b=$dev
boot apart "$iso" "$image"; apart=$server_id
check "with a second provider isolate boots ACTIVE" wait_status "$apart" ACTIVE 30
check "one device from the first PF" holds "$apart" "$dev_a" 1
check "one device from the second PF" holds "$apart" "$dev_b" 1
# hypervisor show carries the PCI providers, their usage and the server holding each.
capi GET "/v2.1/os-hypervisors/$root"
pci_view=$(jget 'json.dumps(sorted([(p["name"], p["resources"]["'"$rc"'"]["total"], p["resources"]["'"$rc"'"]["used"], [x["id"] for x in p["servers"]]) for p in d["hypervisor"]["pci_providers"]]))')
want=$(/usr/bin/python3 -c 'import json,sys; h,a=sys.argv[1:3]; print(json.dumps([[h+"_0000:81:00.0",2,1,[a]],[h+"_0000:82:00.0",1,1,[a]]]))' "$host" "$apart")
check "hypervisor show lists both PCI providers held by $apart ($pci_view)" test "$pci_view" = "$want"
# and which VF the server owns, from the agent's record (reported at its next sync).
owned_vf() {
  capi GET "/v2.1/os-hypervisors/$root"
  [ "$(jget 'sorted((d2["address"], d2["server_id"]) for p in d["hypervisor"]["pci_providers"] for d2 in p["devices"])')" = "[('0000:81:10.0', '$apart'), ('0000:82:10.0', '$apart')]" ]
}
check "hypervisor show names the VF of each PF that $apart owns" wait_for 10 owned_vf
if [ -x /usr/bin/openstack ]; then
  sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
      -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
  osc_out=$(OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" openstack --os-cloud stratus hypervisor show "$root" -f json 2>&1)
  check "openstack hypervisor show carries pci_providers with the server" \
    sh -c 'printf "%s" "$1" | grep -q "pci_providers" && printf "%s" "$1" | grep -q "$2"' _ "$osc_out" "$apart"
fi

if [ "$failures" -ne 0 ]; then
  echo "--- api.log"; tail -30 "$tmp/api.log"; echo "--- agent.log"; tail -30 "$tmp/agent-$host.log"
  echo "$failures check(s) failed"; exit 1
fi
echo "all checks passed"
