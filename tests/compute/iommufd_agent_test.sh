#!/usr/bin/env bash
# stratus-compute with [pci] iommufd = yes on a host that cannot use iommufd stops at start
# with exit 2 and one line naming the key, the value and what the host lacks, and publishes
# nothing; with iommufd = auto the same host syncs, and with yes a host that can syncs. A
# running agent whose host loses iommufd keeps going and logs the reason once per loss.
# Facts: captured host documents in virt/testdata/hosts (README.md there says where each
# came from): the libvirt 12.9 lab host under kvm (no /dev/iommu, no VFIO cdev, domain
# capabilities without the hostdev iommufd enum), the libvirt 9.0 host, and the VFIO lab
# L1 with iommufd.
# Usage: iommufd_agent_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
hosts=$src/virt/testdata/hosts
# tmp, pids (stopped at exit), check, free_port, wait_for.
. "$src/tests/api/stack.sh"
conf() {  # conf FILE MODE
  cat >"$1" <<CONF
[placement]
url = $url
[compute]
instances_path = $tmp/instances
[pci]
iommufd = $2
CONF
}
no_provider() {  # no_provider NAME
  ! curl -sf -H 'X-Auth-Token: admin' "$url/resource_providers?name=$1" | grep -q uuid
}

port=$(free_port)
url="http://127.0.0.1:$port"
"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/placement.log" 2>&1 &
pids+=("$!")
check "placement is up" wait_for 10 curl -sf -o /dev/null -H 'X-Auth-Token: admin' "$url/"
conf "$tmp/yes.conf" yes
conf "$tmp/auto.conf" auto

lacks_cdev="/dev/iommu is missing (kernel without iommufd); no VFIO device cdev under /dev/vfio/devices (kernel without VFIO_DEVICE_CDEV, or no device bound to vfio-pci yet)"
want="stratus-compute: [pci] iommufd='yes' is invalid: this host cannot use iommufd: libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'; $lacks_cdev; allowed: auto, no"
for mode in --once ""; do
  host="iommufd-no-$$${mode:+-once}"
  "$bin/stratus-compute" $mode --host-facts "$hosts/stack-versions-x86-kvm-libvirt12.9.json" \
    --config "$tmp/yes.conf" --host "$host" >"$tmp/no.out" 2>"$tmp/no.err"
  rc=$?
  check "iommufd = yes on the 12.9 host without iommufd: exit 2 (${mode:-running})" test "$rc" = 2
  # Running, the start line is logged first; the error is the last and only other line.
  check "... with its one-line message (${mode:-running})" test "$(tail -n 1 "$tmp/no.err")" = "$want"
  check "... and nothing else went wrong (${mode:-running})" test "$(grep -vc ' stratus-compute: host ' "$tmp/no.err")" = 1
  check "... and no provider for that host (${mode:-running})" no_provider "$host"
done
[ "$failures" = 0 ] || { echo "got:"; cat "$tmp/no.err"; }

# libvirt 9.0: the version is the first thing it lacks.
"$bin/stratus-compute" --once --host-facts "$hosts/x86-kvm-libvirt9.json" --config "$tmp/yes.conf" \
  --host "iommufd-old-$$" >"$tmp/old.out" 2>"$tmp/old.err"
rc=$?
check "iommufd = yes on the libvirt 9.0 host: exit 2" test "$rc" = 2
check "... naming the libvirt version first" test "$(cat "$tmp/old.err")" = \
  "stratus-compute: [pci] iommufd='yes' is invalid: this host cannot use iommufd: libvirt 9.0.0 is older than 12.1.0; libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'; $lacks_cdev; allowed: auto, no"

check "iommufd = auto on the same 12.9 host starts and syncs" sh -c "'$bin/stratus-compute' --once \
  --host-facts '$hosts/stack-versions-x86-kvm-libvirt12.9.json' --config '$tmp/auto.conf' \
  --host 'iommufd-auto-$$' >'$tmp/auto.log' 2>&1"
check "... creating its provider" grep -q "created" "$tmp/auto.log"
check "iommufd = yes on the VFIO lab L1 (iommufd, cdevs) starts and syncs" sh -c "'$bin/stratus-compute' --once \
  --host-facts '$hosts/x86-kvm-libvirt12-iommufd.json' --config '$tmp/yes.conf' \
  --host 'iommufd-yes-$$' >'$tmp/yes.log' 2>&1"
check "... creating its provider" grep -q "created" "$tmp/yes.log"

# Running, a host that loses iommufd under yes: the agent keeps going and says so once.
cp "$hosts/x86-kvm-libvirt12-iommufd.json" "$tmp/facts.json"
sed 's/^\[compute\]$/[compute]\nresource_provider_sync_interval = 1/' "$tmp/yes.conf" >"$tmp/yes-fast.conf"
"$bin/stratus-compute" --host-facts "$tmp/facts.json" --config "$tmp/yes-fast.conf" \
  --host "iommufd-lose-$$" >"$tmp/lose.out" 2>"$tmp/lose.err" &
agent=$!; pids+=("$agent")
check "a running agent with iommufd = yes syncs" wait_for 10 grep -q "created" "$tmp/lose.err"
cp "$hosts/stack-versions-x86-kvm-libvirt12.9.json" "$tmp/facts.json"
warn="warning: [pci] iommufd='yes' is invalid: this host cannot use iommufd: libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'; $lacks_cdev; allowed: auto, no"
check "... warns when the host loses iommufd" wait_for 10 grep -qF "$warn" "$tmp/lose.err"
sleep 3  # three more syncs
check "... once, and keeps running" sh -c "test \$(grep -cF \"$warn\" '$tmp/lose.err') = 1 && kill -0 $agent"
cp "$hosts/x86-kvm-libvirt12-iommufd.json" "$tmp/facts.json"
sleep 2
cp "$hosts/stack-versions-x86-kvm-libvirt12.9.json" "$tmp/facts.json"
check "... and again after the host had it back" wait_for 10 sh -c "test \$(grep -cF \"$warn\" '$tmp/lose.err') = 2"
kill "$agent"; wait "$agent" 2>/dev/null

echo "$failures failure(s)"
[ "$failures" = 0 ]
