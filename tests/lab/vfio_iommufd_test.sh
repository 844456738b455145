#!/usr/bin/env bash
# iommufd-backed hostdevs started for real (issue 15): stratus-placement and stratus-api on
# this machine, one stratus-compute with [pci] iommufd = yes whose libvirt is the VFIO lab's
# L1 (libvirt 12.9 / QEMU 11.1, kernel 7.3 with the lab's iommufd and VFIO cdev modules, an
# emulated Intel IOMMU; ../shared/labs/vfio) and whose kernel facts are a `lab.sh sysfs`
# snapshot. Checks: the traits the agent publishes for that host (CUSTOM_IOMMUFD and
# CUSTOM_VFIO_CDEV; no nesting or dirty tracking, which L1's emulated VT-d does not offer),
# then a server with two VFs behind an intel vIOMMU becomes ACTIVE with
# <driver iommufd='yes'/> on both hostdevs in its live XML, QEMU in L1 has one iommufd object
# that both vfio-pci devices use (its argv), the domain runs, and QEMU's locked-memory limit
# is libvirt 12.9's (2 x RAM + 1 GiB: libvirt counts each device behind a vIOMMU also with
# iommufd, so Stratus renders no <memtune>; virt/guest_plan.h).
# Usage: vfio_iommufd_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
lab=$src/../shared/labs/vfio/lab.sh
if [ "$(id -u)" != 0 ]; then echo "SKIP: the VFIO lab needs root"; exit 77; fi
[ -f "$lab" ] || { echo "FAIL: $lab is missing"; exit 1; }

echo "== lab: build (a no-op when built) and start"
started_lab=0
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
  for g in $(virsh -c "$uri" list --all --name 2>/dev/null | grep -E '^stratus-' || true); do
    virsh -c "$uri" destroy "$g" >/dev/null 2>&1
    virsh -c "$uri" undefine "$g" >/dev/null 2>&1
  done
  virsh -c "$uri" nodedev-reattach pci_0000_01_10_4 >/dev/null 2>&1
  stack_cleanup
  [ "$started_lab" = 1 ] && bash "$lab" stop >/dev/null 2>&1
}
trap lab_cleanup EXIT

# Without the lab's modules L1 has no /dev/iommu and domcaps list only iommufd 'no'
# (REFERENCE.md §2): then this host cannot do what the test is about.
if ! lssh 'test -c /dev/iommu'; then
  echo "SKIP: L1 has no /dev/iommu (the lab's iommufd modules are not loaded; ../shared/labs/vfio REFERENCE.md §2)"
  exit 77
fi
echo "== L1: three VFs on 0000:01:00.0; the third bound to vfio-pci, so the kernel shows a VFIO cdev"
lssh "n=/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs; [ \$(cat \$n) = 3 ] || { echo 0 > \$n; echo 3 > \$n; }" ||
  { echo "FAIL: cannot enable VFs"; exit 1; }
for g in $(virsh -c "$uri" list --all --name | grep -E '^stratus-' || true); do
  virsh -c "$uri" destroy "$g" >/dev/null 2>&1; virsh -c "$uri" undefine "$g" >/dev/null 2>&1
done
virsh -c "$uri" nodedev-detach pci_0000_01_10_4 --driver vfio >/dev/null ||
  { echo "FAIL: cannot bind 0000:01:10.4 to vfio-pci"; exit 1; }
bash "$lab" sysfs "$tmp/l1-root" >/dev/null || { echo "FAIL: lab.sh sysfs"; exit 1; }
check "the snapshot has /dev/iommu and a VFIO cdev" sh -c "test -e '$tmp/l1-root/dev/iommu' && ls '$tmp/l1-root/dev/vfio/devices/' | grep -q '^vfio'"

host="l1-iommufd"
# 01:10.4 stays out of device_spec: it is only there to show the kernel's VFIO cdevs.
cat >"$tmp/pci.conf" <<'CONF'
[pci]
device_spec = {"address": "0000:01:10.0"}
device_spec = {"address": "0000:01:10.2"}
alias = {"name": "nic", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF"}
iommufd = yes
CONF

start_placement || { echo "FAIL: placement did not start"; exit 1; }
"$bin/stratus-api" --config "$tmp/pci.conf" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
  --db "sqlite://$tmp/api.db" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
api_pid=$!; pids+=("$api_pid")
wait_for 20 curl -sf "$compute_url/v2.1" -o /dev/null || { echo "FAIL: the API did not start"; cat "$tmp/api.log"; exit 1; }
start_agent "$host" --config "$tmp/pci.conf" --libvirt-uri "$uri" --kernel-root "$tmp/l1-root"

pplace() {
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' "$placement_url$1"
}
check "the agent publishes its host" wait_for 300 sh -c \
  "curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' '$placement_url/resource_providers?name=$host' | grep -q '\"$host\"'"
root=$(pplace "/resource_providers?name=$host" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["resource_providers"]; print(r[0]["uuid"] if r else "")')
iommufd_traits() {
  pplace "/resource_providers/$root/traits" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(t for t in json.load(sys.stdin)["traits"] if t.startswith(("CUSTOM_IOMMUFD","CUSTOM_VFIO")))))'
}
traits_ok() { test "$(iommufd_traits)" = "CUSTOM_IOMMUFD CUSTOM_VFIO_CDEV"; }
check "its iommufd traits are exactly CUSTOM_IOMMUFD CUSTOM_VFIO_CDEV" wait_for 60 traits_ok
echo "  (published: $(iommufd_traits))"
check "the agent reports its host to the API" wait_for 60 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$host\"'"

make_image lab-x86 ', "hw_architecture": "x86_64", "hw_machine_type": "q35"'; image=$image_id
make_flavor lab.iommufd 256 '{"pci_passthrough:alias": "nic:2", "hw:viommu_model": "intel"}'
boot lab-iommufd "$flavor_id" "$image"
if check "a server with two iommufd VFs behind intel becomes ACTIVE" wait_status "$server_id" ACTIVE 420; then
  dom="stratus-$server_id"
  xml=$(virsh -c "$uri" dumpxml "$dom")
  n_fd=$(printf '%s' "$xml" | /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.stdin.read())
print(sum(1 for h in d.findall("./devices/hostdev[@type=\"pci\"]") if h.find("./driver[@iommufd=\"yes\"]") is not None))')
  check "both hostdevs have <driver iommufd='yes'/> in the live XML ($n_fd)" test "$n_fd" = 2
  check "the guest has <iommu model='intel'>" grep -q "<iommu model='intel'>" <<<"$xml"
  check "the domain is running" sh -c "virsh -c '$uri' domstate '$dom' | grep -qx running"
  # One login for all of QEMU's /proc in L1, retried: on a loaded host an ssh login into
  # the TCG guest can time out in the banner exchange.
  proc=""
  for _ in 1 2 3 4 5; do
    proc=$(lssh "pid=\$(cat /run/libvirt/qemu/$dom.pid) && tr '\\0' '\\n' < /proc/\$pid/cmdline && echo '== fd' && ls -l /proc/\$pid/fd && echo '== limits' && grep 'Max locked memory' /proc/\$pid/limits") && break
    proc=""; sleep 5
  done
  argv=$(sed '/^== fd$/,$d' <<<"$proc")
  check "QEMU has one iommufd object" test "$(grep -c '"qom-type":"iommufd"' <<<"$argv")" = 1
  check "both vfio-pci devices use it" test "$(grep '"driver":"vfio-pci"' <<<"$argv" | grep -c '"iommufd":"iommufd0"')" = 2
  check "QEMU holds /dev/iommu open" grep -q -- '-> /dev/iommu$' <<<"$proc"
  memlock=$(awk '/^Max locked memory/ {print $4}' <<<"$proc")
  check "its locked-memory limit is libvirt's 2 x 256 MiB + 1 GiB ($memlock)" test "$memlock" = 1610612736
  capi DELETE "/v2.1/servers/$server_id"
  check "the server is deleted" wait_status "$server_id" gone 300
fi

if [ "$failures" -ne 0 ]; then
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -30
  echo "--- agent log"; tail -40 "$tmp/agent-$host.log"
  echo "$failures check(s) failed"; exit 1
fi
echo "all iommufd lab checks passed"
