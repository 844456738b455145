#!/usr/bin/env bash
# Boot requests end to end on 127.0.0.1: stratus-placement, stratus-api and one
# stratus-compute on the real libvirt. Every model the host reports boots with the
# vIOMMU in its live XML; a request no host can take ends in ERROR with the reason; bad
# input gets 400s that name key, value and what is allowed; deletes remove guest and
# allocation; kill -9 of the API or the agent mid-boot loses nothing and leaks nothing.
# Usage: boot_e2e_test.sh BUILD_BIN_DIR
set -u
bin=$1
. "$(dirname "$0")/stack.sh"
host="e2e-$$"

start_placement && start_api || { echo "FAIL: services did not start"; exit 1; }
start_agent "$host"
capi GET /v2.1/os-hypervisors
check "the agent reports its host" wait_for 15 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$host\"'"
traits=$("$bin/stratus" host traits)

# ---------------------------------------------------------------- bad input
capi POST /v2.1/flavors '{"flavor": {"name": "bad", "vcpus": 1, "ram": 0, "disk": 1}}'
expect "flavor ram 0" 400 "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1."
capi POST /v2.1/flavors '{"flavor": {"name": "bad", "vcpus": 1, "ram": 64, "disk": 1, "colour": "red"}}'
expect "flavor with an unknown field" 400 "additional property 'colour' is not allowed"
make_flavor e2e.virtio 128 '{"hw:viommu_model": "virtio"}'; virtio_flavor=$flavor_id
capi POST "/v2.1/flavors/$virtio_flavor/os-extra_specs" '{"extra_specs": {"hw:viommu_model": "bogus"}}'
expect "extra spec hw:viommu_model=bogus" 400 "hw:viommu_model='bogus' is invalid"
capi POST "/v2.1/flavors/$virtio_flavor/os-extra_specs" '{"extra_specs": {"hw:numa_nodes": "2"}}'
expect "an hw: extra spec Stratus does not implement" 400 "hw:numa_nodes"
capi POST "/v2.1/flavors/$virtio_flavor/os-extra_specs" '{"extra_specs": {"hw:mem_page_size": 2048}}'
expect "extra spec value not a string" 400 "values must be strings"
iapi POST /v2/images '{"name": "bad", "hw_viommu_model": "Intel"}'
expect "image property hw_viommu_model=Intel" 400 "hw_viommu_model='Intel' is invalid"
iapi POST /v2/images '{"name": "bad", "disk_format": "floppy"}'
expect "image disk_format" 400 "Invalid value for 'disk_format': 'floppy'; allowed: aki, ami, ari, iso, ploop, qcow2, raw, vdi, vhd, vhdx, vmdk, null"
iapi POST /v2/images '{"name": "bad", "status": "active"}'
expect "image read-only status" 403 "Attribute 'status' is read-only."
make_image e2e-x86 ', "hw_architecture": "x86_64", "hw_machine_type": "q35"'; x86_image=$image_id
iapi PATCH "/v2/images/$x86_image" '[{"op": "add", "path": "/hw_locked_memory", "value": "maybe"}]' application/openstack-images-v2.1-json-patch
expect "image patch hw_locked_memory=maybe" 400 "hw_locked_memory='maybe' is invalid"
capi POST /v2.1/servers "{\"server\": {\"name\": \"$(printf 'x%.0s' $(seq 256))\", \"flavorRef\": \"$virtio_flavor\", \"imageRef\": \"$x86_image\", \"networks\": \"none\"}}"
expect "server name of 256 characters" 400 "Invalid input for field/attribute name."
capi POST /v2.1/servers "{\"server\": {\"name\": \"s\", \"imageRef\": \"$x86_image\", \"networks\": \"none\"}}"
expect "server without flavorRef" 400 "'flavorRef' is a required property"
make_image e2e-intel ', "hw_viommu_model": "intel"'; intel_image=$image_id
capi POST /v2.1/servers "{\"server\": {\"name\": \"s\", \"flavorRef\": \"$virtio_flavor\", \"imageRef\": \"$intel_image\", \"networks\": \"none\"}}"
expect "flavor and image disagree on the model" 400 "hw_viommu_model='intel' is invalid: it conflicts with the flavor's hw:viommu_model='virtio'"
make_flavor e2e.locked 128 '{"hw:locked_memory": "true"}'
capi POST /v2.1/servers "{\"server\": {\"name\": \"s\", \"flavorRef\": \"$flavor_id\", \"imageRef\": \"$x86_image\", \"networks\": \"none\"}}"
expect "locked memory without a page size" 400 "hw:locked_memory"
make_flavor e2e.smmuv3 128 '{"hw:viommu_model": "smmuv3"}'; smmu_flavor=$flavor_id
capi POST /v2.1/servers "{\"server\": {\"name\": \"s\", \"flavorRef\": \"$smmu_flavor\", \"imageRef\": \"$x86_image\", \"networks\": \"none\"}}"
expect "smmuv3 for an x86_64 q35 guest" 400 "hw:viommu_model='smmuv3'"
out=$(curl -s -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: compute 2.99' "$compute_url/v2.1/flavors"); status=406; body=$out
expect "microversion 2.99" 406 "Version 2.99 is not supported by the API. Minimum is 2.1 and maximum is 2.92."
capi GET /v2.1/servers/detail
check "nothing was created by the refused requests" test "$(jget 'len(d["servers"])')" = 0

# ---------------------------------------------------------------- every reported model boots
booted=()
for model in intel virtio auto; do
  upper=$(echo "$model" | tr a-z A-Z)
  grep -qx "COMPUTE_IOMMU_MODEL_$upper" <<<"$traits" || continue
  make_flavor "e2e.boot.$model" 128 "{\"hw:viommu_model\": \"$model\"}"
  boot "e2e-$model" "$flavor_id" "$x86_image"
  booted+=("$server_id")
  if wait_status "$server_id" ACTIVE 60; then
    capi GET "/v2.1/servers/$server_id"
    resolved=$(jget 'd["server"]["stratus:viommu_model_resolved"]')
    xml=$(virsh -c qemu:///system dumpxml "stratus-$server_id")
    check "$model server ACTIVE with <iommu model='$resolved'> live" grep -q "<iommu model='$resolved'" <<<"$xml"
    check "$model server holds one allocation" test "$(allocations_of "$server_id")" = 1
  else
    echo "FAIL: $model server did not become ACTIVE: $(server_status "$server_id") $body"; failures=$((failures + 1))
  fi
done
[ "${#booted[@]}" -gt 0 ] || { echo "FAIL: the host reports no x86_64 model"; failures=$((failures + 1)); }

# ---------------------------------------------------------------- no host
make_image e2e-arm ', "hw_architecture": "aarch64", "hw_machine_type": "virt"'; arm_image=$image_id
if ! grep -qx HW_ARCH_AARCH64 <<<"$traits"; then
  boot e2e-nohost "$smmu_flavor" "$arm_image"
  check "no host: ERROR" wait_status "$server_id" ERROR 20
  capi GET "/v2.1/servers/$server_id"
  fault=$(jget 'd["server"]["fault"]["message"]')
  check "the fault says which prefilter removed the host ($fault)" grep -qE "No valid host was found: 1 host has .*prefilter (viommu_model|architecture) .* removed 1, leaving 0" <<<"$fault"
  check "no allocation for the failed server" test "$(allocations_of "$server_id")" = 0
fi

# ---------------------------------------------------------------- delete
for id in "${booted[@]}"; do
  capi DELETE "/v2.1/servers/$id"
  check "delete answers 204" test "$status" = 204
done
for id in "${booted[@]}"; do
  check "server $id gone after delete" wait_status "$id" gone 30
  check "its guest is gone" sh -c "! virsh -c qemu:///system domstate stratus-$id >/dev/null 2>&1"
  check "its allocation is gone" test "$(allocations_of "$id")" = 0
done

# ---------------------------------------------------------------- kill -9 mid-boot
virtio_or_auto=$(grep -qx COMPUTE_IOMMU_MODEL_VIRTIO <<<"$traits" && echo "$virtio_flavor")
[ -z "$virtio_or_auto" ] && { make_flavor e2e.auto2 128 '{"hw:viommu_model": "auto"}'; virtio_or_auto=$flavor_id; }
boot e2e-api-killed "$virtio_or_auto" "$x86_image"; s1=$server_id
kill -9 "$api_pid"; wait "$api_pid" 2>/dev/null
start_api
check "API killed mid-boot: the server still becomes ACTIVE" wait_status "$s1" ACTIVE 60
check "API killed mid-boot: exactly one allocation" test "$(allocations_of "$s1")" = 1

kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
boot e2e-agent-down "$virtio_or_auto" "$x86_image"; s2=$server_id
sleep 2
check "agent down: the server waits in BUILD" test "$(server_status "$s2")" = BUILD
capi DELETE "/v2.1/servers/$s1"
sleep 1
check "agent down: a deleted server waits for its guest to go" test "$(server_status "$s1")" = ACTIVE
# Two guests named like servers the API does not know, both copies of this agent's
# guest of s1 (so with its owner metadata): one left over from us, it must go; one
# recording another agent (another cloud on this libvirt, same host name), it must stay.
agent_id=$(cat "$tmp/instances/agent_id")
other_id=$(cat /proc/sys/kernel/random/uuid)
orphan="stratus-$(cat /proc/sys/kernel/random/uuid)"
foreign="stratus-$(cat /proc/sys/kernel/random/uuid)"
clone_guest() {  # clone_guest NAME SED-EXPRESSION: defines (not starts) a copy of s1's guest
  virsh -c qemu:///system dumpxml --inactive "stratus-$s1" |
    sed -e "s|<name>stratus-$s1</name>|<name>$1</name>|" -e '/<uuid>/d' -e "$2" >"$tmp/$1.xml"
  virsh -c qemu:///system define "$tmp/$1.xml" >/dev/null
}
clone_guest "$orphan" ''
clone_guest "$foreign" "s|agent=\"$agent_id\"|agent=\"$other_id\"|"
check "the foreign guest records the other agent" sh -c "virsh -c qemu:///system metadata $foreign https://stratus.dev/xmlns/guest-owner/1 | grep -qF 'agent=\"$other_id\"'"
start_agent "$host"
check "agent restarted: the waiting server becomes ACTIVE" wait_status "$s2" ACTIVE 60
check "agent restarted: the delete finishes" wait_status "$s1" gone 30
check "agent restarted: no guest and no allocation left for the deleted server" sh -c "! virsh -c qemu:///system domstate stratus-$s1 >/dev/null 2>&1 && test \$(curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' $placement_url/allocations/$s1 | grep -c resources) = 0"
check "agent restarted: the orphan guest is removed" wait_for 15 sh -c "! virsh -c qemu:///system domstate $orphan >/dev/null 2>&1"
logged() { sed 's/^[^ ]* [^ ]*: //' "$tmp/agent-$host.log" | grep -cxF -- "$1"; }  # times a message was logged
check "agent restarted: the orphan's removal is logged, naming this agent" test "$(logged "removed orphan guest $orphan of this agent (host $host, agent $agent_id): the API places no such server on any host")" = 1
sleep 2  # several more passes
check "agent restarted: the other agent's guest is left alone" virsh -c qemu:///system domstate "$foreign"
check "agent restarted: ... and named once" test "$(logged "left guest $foreign alone: it belongs to host $host, agent $other_id, not to this agent (host $host, agent $agent_id)")" = 1
virsh -c qemu:///system undefine --nvram "$foreign" >/dev/null 2>&1
capi DELETE "/v2.1/servers/$s2"
check "last server deleted" wait_status "$s2" gone 30

if [ "$failures" -ne 0 ]; then
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -20
  echo "--- agent log"; tail -20 "$tmp/agent-$host.log"
  echo "$failures check(s) failed"; exit 1
fi
echo "all end-to-end checks passed"
