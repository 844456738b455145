#!/usr/bin/env bash
# An operator's day with the unmodified openstack CLI against stratus-placement,
# stratus-api, one stratus-compute on the real libvirt and one simulated host (captured
# facts, dry-run guests): a flavor with trait: and resources: properties, a bad property
# refused with its message, a custom trait put on the real host with osc-placement, the
# compute service disabled (a server then ends ERROR naming the prefilter) and enabled
# again, a server created on the real libvirt and taken through stop, start, reboot
# --hard, pause, unpause, suspend and resume with the states the CLI shows, a flavor
# requiring a trait placement does not know (the fault names the request and how many
# hosts it removed), availability zone list, limits show --absolute, server delete.
# Guests boot without a disk, so nothing answers ACPI: stop takes the fallback after the
# short shutdown_timeout given to the agent below.
# Usage: osc_operator_scenario_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/osc_lib.sh"
require_osc "$src"
virsh -c qemu:///system version >/dev/null 2>&1 || { echo "skipped: no libvirt at qemu:///system"; exit 77; }
# One test at a time on the real local libvirt.
exec 9>/tmp/stratus-real-libvirt.lock
flock -w 600 9 || { echo "FAIL: the real-libvirt lock stayed taken for 600 s"; exit 1; }
. "$(dirname "$0")/stack.sh"
real="op-kvm-$$"; sim="op-sim-$$"
cat >"$tmp/agent.conf" <<'EOF'
[compute]
shutdown_timeout = 3
soft_reboot_timeout = 3
work_poll_interval_ms = 300
EOF
/usr/bin/python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); f["hostname"]=sys.argv[2]; print(json.dumps(f))' \
  "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$sim" >"$tmp/$sim.json"
start_placement && start_api || { echo "FAIL: services did not start"; exit 1; }
start_agent "$real" --config "$tmp/agent.conf"
# Started after the real agent has written its agent_id, and with an instances path of
# its own: two agents creating one agent_id at once race on its temporary file.
wait_for 10 test -s "$tmp/instances/agent_id" || { echo "FAIL: agent $real wrote no agent_id"; exit 1; }
"$bin/stratus-compute" --host "$sim" --api-url "$compute_url" --placement-url "$placement_url" \
  --instances-path "$tmp/instances-sim" --config "$tmp/agent.conf" --host-facts "$tmp/$sim.json" \
  --guest-driver dry-run >>"$tmp/agent-$sim.log" 2>&1 &
pids+=("$!")
for h in "$real" "$sim"; do
  wait_for 20 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$h\"'" ||
    { echo "FAIL: agent $h did not report"; tail -5 "$tmp/agent-$h.log"; exit 1; }
done
sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
    -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
export HOME="$tmp/home"; mkdir -p "$HOME"
osc() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" timeout 60 /usr/bin/openstack --os-cloud stratus "$@" </dev/null 2>&1; }
oscp() {
  OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" timeout 60 /usr/bin/openstack --os-cloud stratus-placement \
    --os-placement-api-version 1.39 "$@" </dev/null 2>&1
}
field() { osc server show "$1" -f value -c "$2"; }
wait_server() {  # wait_server NAME: until ACTIVE or ERROR (60 s); prints the status
  local s="" end=$((SECONDS + 60))
  while [ $SECONDS -lt $end ]; do
    s=$(field "$1" status)
    case "$s" in ACTIVE|ERROR) break ;; esac
    sleep 0.3
  done
  echo "$s"
}
refused() {  # refused DESCRIPTION SUBSTRING CMD...: the CLI fails and prints SUBSTRING
  local what=$1 want=$2; shift 2
  local out
  if out=$("$@"); then
    echo "FAIL: $what: the command succeeded: $out"; failures=$((failures + 1))
  elif printf '%s' "$out" | grep -qF -- "$want"; then
    echo "ok: $what"
  else
    echo "FAIL: $what: $out"; failures=$((failures + 1))
  fi
}
same() {  # same DESCRIPTION WANT GOT
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$3', wanted '$2'"; failures=$((failures + 1)); fi
}
# The service row of host $1 in `compute service list --long -f json`, as "Binary Status State Reason Zone".
svc_row() {
  osc compute service list --long -f json | /usr/bin/python3 -c "
import json, sys
for s in json.load(sys.stdin):
    if s['Host'] == '$1':
        print(s['Binary'], s['Status'], s['State'], s['Disabled Reason'], s['Zone'])"
}

# ---------------------------------------------------------------- flavors and image
: >"$tmp/empty.raw"
out=$(osc image create --disk-format raw --container-format bare --file "$tmp/empty.raw" \
  --property hw_architecture=x86_64 --property hw_machine_type=q35 op-img -f value -c id)
check "image create ($out)" test -n "$out"
out=$(osc flavor create --vcpus 1 --ram 128 --disk 1 --property trait:CUSTOM_OPS=required \
  --property resources:MEMORY_MB=192 op.ops -f value -c name)
same "flavor create with trait: and resources: properties" op.ops "$out"
same "flavor show lists both properties" "{'resources:MEMORY_MB': '192', 'trait:CUSTOM_OPS': 'required'}" \
  "$(osc flavor show op.ops -f value -c properties)"
refused "a count that is not a non-negative integer is refused when set" \
  "resources:MEMORY_MB='lots' is invalid: not a resource count; allowed: a whole number from 0 to 2147483647" \
  osc flavor set --property resources:MEMORY_MB=lots op.ops
refused "a trait value other than required/forbidden is refused when set" \
  "trait:CUSTOM_OPS='preferred' is invalid: not a trait requirement; allowed: required, forbidden" \
  osc flavor set --property trait:CUSTOM_OPS=preferred op.ops
same "the refused properties left the flavor as it was" "{'resources:MEMORY_MB': '192', 'trait:CUSTOM_OPS': 'required'}" \
  "$(osc flavor show op.ops -f value -c properties)"

# ---------------------------------------------------------------- an operator trait on the real host
real_rp=$(oscp resource provider list --name "$real" -f value -c uuid)
oscp trait create CUSTOM_OPS >/dev/null
# `resource provider trait set` replaces the list: send the agent's traits with ours. A
# sync of the agent in between bumps the generation; then ask again.
for _ in 1 2 3 4 5; do
  mapfile -t have < <(oscp resource provider trait list "$real_rp" -f value -c name)
  args=(); for t in "${have[@]}" CUSTOM_OPS; do args+=(--trait "$t"); done
  oscp resource provider trait set "${args[@]}" "$real_rp" >/dev/null && break
  sleep 0.5
done
check "CUSTOM_OPS is on $real's provider" sh -c "printf '%s\n' \"\$1\" | grep -qx CUSTOM_OPS" _ \
  "$(oscp resource provider trait list "$real_rp" -f value -c name)"

# ---------------------------------------------------------------- compute services
same "compute service list: $real up and enabled" "nova-compute enabled up None nova" "$(svc_row "$real")"
same "compute service list: $sim up and enabled" "nova-compute enabled up None nova" "$(svc_row "$sim")"
out=$(osc compute service set --disable --disable-reason "firmware update" "$real" nova-compute)
same "compute service set --disable --disable-reason prints nothing" "" "$out"
same "compute service list shows it disabled with its reason" "nova-compute disabled up firmware update nova" "$(svc_row "$real")"
osc server create --flavor op.ops --image op-img --nic none op-0 >/dev/null
same "op-0 (CUSTOM_OPS, only on the disabled host) ends ERROR" ERROR "$(wait_server op-0)"
fault0=$(osc server show op-0 -f json -c fault | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["fault"]["message"])')
same "op-0's fault names the disabled-host prefilter" \
  "No valid host was found: 2 hosts have DISK_GB=1, MEMORY_MB=192, VCPU=1; flavor trait:CUSTOM_OPS=required removed 1 host, leaving 1; prefilter disabled_host (DISK_GB=1, MEMORY_MB=192, VCPU=1; required CUSTOM_OPS; required HW_ARCH_X86_64; forbidden COMPUTE_STATUS_DISABLED) removed 1, leaving 0" \
  "$fault0"
out=$(osc compute service set --enable "$real" nova-compute)
same "compute service set --enable prints nothing" "" "$out"
same "compute service list shows it enabled, the reason gone" "nova-compute enabled up None nova" "$(svc_row "$real")"

# ---------------------------------------------------------------- a server on the real libvirt
id=$(osc server create --flavor op.ops --image op-img --nic none op-1 -f value -c id)
same "op-1 becomes ACTIVE" ACTIVE "$(wait_server op-1)"
same "op-1 is on $real, the host with CUSTOM_OPS" "$real" "$(field op-1 OS-EXT-SRV-ATTR:host)"
alloc=$(oscp resource provider allocation show "$id" -f json |
  /usr/bin/python3 -c 'import json,sys; print(" ".join("%s=%s" % (k, v) for a in json.load(sys.stdin) for k, v in sorted(a["resources"].items())))')
same "op-1 holds MEMORY_MB=192 (resources: overrides the flavor's ram)" "DISK_GB=1 MEMORY_MB=192 VCPU=1" "$alloc"
check "ACTIVE: the CLI shows ACTIVE active 1" wait_shown "$id" "ACTIVE active 1" 10
out=$(osc server start "$id")
check "start on an ACTIVE server: 409 naming the vm_state ($out)" grep -qF \
  "Cannot os-start server $id: it is in vm_state active; allowed from vm_state stopped (HTTP 409)" <<<"$out"
act "stop (destroyed after shutdown_timeout: no ACPI here)" "$id" "SHUTOFF stopped 4" "shut off" server stop
act "start" "$id" "ACTIVE active 1" "running" server start
act "reboot --hard" "$id" "ACTIVE active 1" "running" server reboot --hard
act "pause" "$id" "PAUSED paused 3" "paused" server pause
act "unpause" "$id" "ACTIVE active 1" "running" server unpause
act "suspend" "$id" "SUSPENDED suspended 4" "shut off (saved)" server suspend
act "resume" "$id" "ACTIVE active 1" "running" server resume

# ---------------------------------------------------------------- a trait placement does not know
out=$(osc flavor create --vcpus 1 --ram 128 --disk 1 --property trait:CUSTOM_NOPE=required op.nope -f value -c name)
same "flavor create with trait:CUSTOM_NOPE=required" op.nope "$out"
osc server create --flavor op.nope --image op-img --nic none op-nope >/dev/null
same "op-nope ends ERROR" ERROR "$(wait_server op-nope)"
fault=$(osc server show op-nope -c fault -f value)
want="No valid host was found: 2 hosts have DISK_GB=1, MEMORY_MB=128, VCPU=1; flavor trait:CUSTOM_NOPE=required removed 2 hosts, leaving 0"
created=$(osc server show op-nope -c fault -f json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["fault"]["created"])')
same "server show -c fault names trait:CUSTOM_NOPE=required and the hosts it removed" \
  "{'code': 500, 'created': '$created', 'message': '$want'}" "$fault"

# ---------------------------------------------------------------- zones and limits
same "availability zone list" "nova available" "$(osc availability zone list --compute -f value -c 'Zone Name' -c 'Zone Status')"
limits=$(osc limits show --absolute -f json)
val() { printf '%s' "$limits" | /usr/bin/python3 -c "import json,sys; print({r['Name']: r['Value'] for r in json.load(sys.stdin)}['$1'])" 2>&1; }
same "limits show --absolute: totalInstancesUsed" 3 "$(val totalInstancesUsed)"
same "limits show --absolute: totalCoresUsed" 3 "$(val totalCoresUsed)"
same "limits show --absolute: maxTotalInstances unlimited" -1 "$(val maxTotalInstances)"

# ---------------------------------------------------------------- delete
out=$(osc server delete --wait op-1)
same "server delete --wait op-1" "" "$out"
# --wait reports "Error deleting server" when its first poll sees status ERROR, so the
# ERROR servers are deleted without it and waited for here.
for s in op-0 op-nope; do
  out=$(osc server delete "$s")
  same "server delete $s" "" "$out"
done
gone() { [ -z "$(osc server list -f value -c ID)" ]; }
check "server list is empty" wait_for 20 gone
check "op-1's guest is gone from libvirt" sh -c "! virsh -c qemu:///system dominfo stratus-$id >/dev/null 2>&1"
same "op-1 holds nothing in placement" "" "$(oscp resource provider allocation show "$id" -f value -c resources)"

if [ "$failures" -gt 0 ]; then
  echo "--- agent log"; tail -20 "$tmp/agent-$real.log"
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -20
  exit 1
fi
echo "ok: all"
