#!/usr/bin/env bash
# PCI passthrough end to end with real VFIO: stratus-placement and stratus-api on this
# machine, one stratus-compute whose libvirt is the VFIO lab's L1 (libvirt 12.9 / QEMU
# 11.1 with an emulated Intel IOMMU, two SR-IOV igb PFs, one on NUMA node 1, and an
# e1000e; ../shared/labs/vfio) through libvirt's ssh transport, and whose kernel facts
# come from a `lab.sh sysfs` snapshot (--kernel-root). Through the compute API: VFs and
# a whole device are scheduled by placement, claimed, assigned and seen in the guests'
# live XML; the NUMA policy confines a guest to its device's node; a request for more
# than is free ends ERROR saying why; a vIOMMU guest takes a VF; deletes free devices; a
# restarted agent gives no device twice.
# Usage: pci_vfio_e2e_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
lab=$src/../shared/labs/vfio/lab.sh
if [ "$(id -u)" != 0 ]; then echo "SKIP: the VFIO lab needs root"; exit 77; fi
# The lab runs L1 under TCG (this kind of host has no usable KVM), so /dev/kvm is not needed.
[ -x "$lab" ] || [ -f "$lab" ] || { echo "FAIL: $lab is missing"; exit 1; }

echo "== lab: build (a no-op when built) and start"
started_lab=0
# A running L1 is reused as it is (build refuses to run under it).
if ! bash "$lab" status 2>/dev/null | grep -q running; then
  bash "$lab" build >/tmp/stratus-vfio-lab-build.log 2>&1 || {
    echo "FAIL: lab.sh build failed"; tail -20 /tmp/stratus-vfio-lab-build.log; exit 1; }
  bash "$lab" start || { echo "FAIL: lab.sh start failed"; exit 1; }
  started_lab=1
fi
uri=$(bash "$lab" uri)
lssh() { bash "$lab" ssh "$@"; }

. "$src/tests/api/stack.sh"
lab_cleanup() {
  # Guests of this run first (they hold the VFs), then the stack, then L1 if we booted it.
  for g in $(virsh -c "$uri" list --all --name 2>/dev/null | grep -E '^stratus-' || true); do
    virsh -c "$uri" destroy "$g" >/dev/null 2>&1
    virsh -c "$uri" undefine "$g" >/dev/null 2>&1
  done
  stack_cleanup
  [ "$started_lab" = 1 ] && bash "$lab" stop >/dev/null 2>&1
}
trap lab_cleanup EXIT

echo "== L1: two VFs on each igb PF"
for pf in 0000:01:00.0 0000:81:00.0; do
  lssh "n=/sys/bus/pci/devices/$pf/sriov_numvfs; [ \$(cat \$n) = 2 ] || { echo 0 > \$n; echo 2 > \$n; }" ||
    { echo "FAIL: cannot enable VFs on $pf"; exit 1; }
done
# Leftovers of an interrupted earlier run would hold VFs.
for g in $(virsh -c "$uri" list --all --name | grep -E '^stratus-' || true); do
  virsh -c "$uri" destroy "$g" >/dev/null 2>&1; virsh -c "$uri" undefine "$g" >/dev/null 2>&1
done
bash "$lab" sysfs "$tmp/l1-root" >/dev/null || { echo "FAIL: lab.sh sysfs"; exit 1; }

host="l1-vfio"
cat >"$tmp/pci.conf" <<'CONF'
[pci]
device_spec = {"vendor_id": "8086", "product_id": "10ca"}
device_spec = {"address": "0000:02:00.0", "traits": "whole"}
alias = {"name": "nic", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF"}
alias = {"name": "nic-local", "vendor_id": "8086", "product_id": "10ca", "numa_policy": "required"}
alias = {"name": "e1000e", "vendor_id": "8086", "product_id": "10d3", "traits": "whole"}
CONF

start_placement || { echo "FAIL: placement did not start"; exit 1; }
"$bin/stratus-api" --config "$tmp/pci.conf" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
  --db "sqlite://$tmp/api.db" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
api_pid=$!; pids+=("$api_pid")
wait_for 20 curl -sf "$compute_url/v2.1" -o /dev/null || { echo "FAIL: the API did not start"; cat "$tmp/api.log"; exit 1; }
agent_args=(--config "$tmp/pci.conf" --libvirt-uri "$uri" --kernel-root "$tmp/l1-root")
start_agent "$host" "${agent_args[@]}"

# ---------------------------------------------------------------- providers
pplace() {  # pplace PATH -> body
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' "$placement_url$1"
}
check "the agent publishes its host and three PCI providers" wait_for 300 sh -c \
  "curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' '$placement_url/resource_providers' | grep -o '\"name\": *\"${host}_[^\"]*\"' | wc -l | grep -qx 3"
for p in "${host}_0000:01:00.0 CUSTOM_PCI_8086_10CA 2" "${host}_0000:81:00.0 CUSTOM_PCI_8086_10CA 2" "${host}_0000:02:00.0 CUSTOM_PCI_8086_10D3 1"; do
  set -- $p
  uuid=$(pplace "/resource_providers?name=$1" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["resource_providers"]; print(r[0]["uuid"] if r else "")')
  inv=$(pplace "/resource_providers/$uuid/inventories" 2>/dev/null | /usr/bin/python3 -c "import json,sys; i=json.load(sys.stdin)['inventories']; print(i.get('$2', {}).get('total'))" 2>/dev/null)
  check "provider $1 has $3 of $2" test "$inv" = "$3"
done
check "the agent reports its host to the API" wait_for 60 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$host\"'"

make_image lab-x86 ', "hw_architecture": "x86_64", "hw_machine_type": "q35"'; image=$image_id
live_xml() { virsh -c "$uri" dumpxml "stratus-$1" 2>/dev/null; }
# The PCI source addresses of a guest's hostdevs, "0000:01:10.0" form, one per line.
hostdevs_of() {
  live_xml "$1" | /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.stdin.read())
for h in d.findall("./devices/hostdev[@type=\"pci\"]"):
    a = h.find("./source/address")
    print("%04x:%02x:%02x.%x" % tuple(int(a.get(k), 16) for k in ("domain", "bus", "slot", "function")))'
}
boot_active() {  # boot_active NAME FLAVOR -> server_id; checks ACTIVE
  boot "$1" "$2" "$image"
  if wait_status "$server_id" ACTIVE 420; then return 0; fi
  capi GET "/v2.1/servers/$server_id"; echo "  server $1: $(jget 'd["server"].get("status")') $(jget 'd["server"].get("fault", {}).get("message", "")')"
  return 1
}

# ---------------------------------------------------------------- bad requests
make_flavor lab.bad 256 '{"pci_passthrough:alias": "gpu:1"}'
expect "an alias [pci] does not define" 400 "pci_passthrough:alias='gpu:1' is invalid: alias 'gpu' is not defined in [pci] alias; allowed: e1000e, nic, nic-local"
capi POST "/v2.1/flavors/$flavor_id/os-extra_specs" '{"extra_specs": {"pci_passthrough:alias": "nic:0"}}'
expect "a count below 1" 400 "the count of 'nic' is '0', not an integer >= 1"

# ---------------------------------------------------------------- NUMA: required puts the guest on node 1
make_flavor lab.local 256 '{"pci_passthrough:alias": "nic-local:1"}'; local_flavor=$flavor_id
if check "a required-NUMA VF server becomes ACTIVE" boot_active lab-local "$local_flavor"; then
  s_local=$server_id
  dev=$(hostdevs_of "$s_local")
  check "its VF is one of node 1's ($dev)" grep -qE '^0000:81:10\.[02]$' <<<"$dev"
  check "it is confined to node 1" sh -c "virsh -c '$uri' dumpxml stratus-$s_local | grep -q \"<memory mode='strict' nodeset='1'/>\""
fi

# ---------------------------------------------------------------- VFs: two servers, two VFs
make_flavor lab.nic 256 '{"pci_passthrough:alias": "nic:1"}'; nic_flavor=$flavor_id
check "a VF server becomes ACTIVE" boot_active lab-vf-a "$nic_flavor"; s_a=$server_id
check "a second VF server becomes ACTIVE" boot_active lab-vf-b "$nic_flavor"; s_b=$server_id
dev_a=$(hostdevs_of "$s_a"); dev_b=$(hostdevs_of "$s_b")
check "the first has a VF hostdev live ($dev_a)" grep -qE '^0000:(01|81):10\.[02]$' <<<"$dev_a"
check "the second has a VF hostdev live ($dev_b)" grep -qE '^0000:(01|81):10\.[02]$' <<<"$dev_b"
check "they got different VFs" test "$dev_a" != "$dev_b"
check "managed='yes' hostdev in the live XML" sh -c "virsh -c '$uri' dumpxml stratus-$s_a | grep -q \"<hostdev mode='subsystem' type='pci' managed='yes'>\""
check "the claim spans the compute node and the device provider" test "$(allocations_of "$s_a")" = 2

# ---------------------------------------------------------------- more than is free
make_flavor lab.nic2 256 '{"pci_passthrough:alias": "nic:2"}'; nic2_flavor=$flavor_id
boot lab-too-many "$nic2_flavor" "$image"; s_many=$server_id
check "nic:2 with one VF free ends ERROR" wait_status "$s_many" ERROR 120
capi GET "/v2.1/servers/$s_many"
fault=$(jget 'd["server"].get("fault", {}).get("message", "")')
check "its fault says why ($fault)" grep -qE "No valid host was found.*(CUSTOM_PCI_8086_10CA|nic)" <<<"$fault"
check "it holds no allocation" test "$(allocations_of "$s_many")" = 0

# ---------------------------------------------------------------- a whole device
make_flavor lab.whole 256 '{"pci_passthrough:alias": "e1000e:1"}'
if check "a whole-device (type-PCI) server becomes ACTIVE" boot_active lab-whole "$flavor_id"; then
  s_whole=$server_id
  check "it owns 0000:02:00.0" test "$(hostdevs_of "$s_whole")" = "0000:02:00.0"
fi

# ---------------------------------------------------------------- delete frees, vIOMMU guest takes the VF
capi DELETE "/v2.1/servers/$s_a"
check "delete of a VF server" wait_status "$s_a" gone 300
make_flavor lab.viommu 256 '{"pci_passthrough:alias": "nic:1", "hw:viommu_model": "intel"}'
if check "a vIOMMU guest with the freed VF becomes ACTIVE" boot_active lab-viommu "$flavor_id"; then
  s_viommu=$server_id
  xml=$(live_xml "$s_viommu")
  check "it has <iommu model='intel'> with caching_mode on" grep -q "caching_mode='on'" <<<"$xml"
  check "and the VF freed by the delete" test "$(hostdevs_of "$s_viommu")" = "$dev_a"
fi

# ---------------------------------------------------------------- agent restart double-books nothing
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
capi DELETE "/v2.1/servers/$s_b"
start_agent "$host" "${agent_args[@]}"
check "after a restart the pending delete finishes" wait_status "$s_b" gone 300
check "after a restart a VF server becomes ACTIVE" boot_active lab-after-restart "$nic_flavor"; s_after=$server_id
all=$(for g in $(virsh -c "$uri" list --name | grep -E '^stratus-'); do hostdevs_of "${g#stratus-}"; done | sort)
check "no device is in two guests ($(echo $all))" test "$(uniq -d <<<"$all" | wc -w)" = 0

# ---------------------------------------------------------------- everything deleted
for id in ${s_local:-} ${s_whole:-} ${s_viommu:-} ${s_after:-} $s_many; do capi DELETE "/v2.1/servers/$id"; done
for id in ${s_local:-} ${s_whole:-} ${s_viommu:-} ${s_after:-} $s_many; do
  check "server $id deleted" wait_status "$id" gone 300
done
check "no guest left in L1" test -z "$(virsh -c "$uri" list --all --name | grep -E '^stratus-')"

if [ "$failures" -ne 0 ]; then
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -30
  echo "--- agent log"; tail -40 "$tmp/agent-$host.log"
  echo "$failures check(s) failed"; exit 1
fi
echo "all VFIO lab checks passed"
