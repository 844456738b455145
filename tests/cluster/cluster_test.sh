#!/usr/bin/env bash
# scripts/stratus-cluster end to end, with the real openstack CLI through HAProxy:
#  (a) up (twice: the second changes nothing); every agent `up` in compute service list
#      and hypervisor list; one server booted on a simulated host goes ACTIVE;
#  (b) one compute namespace cut off (its veth down): its agent turns `down` after
#      [api] service_down_time and takes no new servers; link up again: it turns `up`,
#      its server and allocation are untouched, its provider is not duplicated;
#  (c) down leaves no namespace, veth, bridge or process of its own.
# Plus every refused setting, with its exact message.
# It runs on names of its own (bridge br-stratt, 10.78.0.0/24, namespaces stratus-cnt-N,
# databases stratus_cluster_test_*), so a cluster started by hand is not touched.
# Usage: cluster_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
script=$src/scripts/stratus-cluster
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to create network namespaces and a bridge"; exit 77; }
probe_ns=stratus-cnt-probe-$$
if ! ip netns add "$probe_ns" 2>/dev/null; then
  echo "skipped: cannot create a network namespace here (ip netns add failed)"; exit 77
fi
ip netns del "$probe_ns"
if ! ip link add "brp$$" type bridge 2>/dev/null; then
  echo "skipped: cannot create a Linux bridge here (ip link add type bridge failed)"; exit 77
fi
ip link del "brp$$"
if ! [ -x /usr/bin/openstack ]; then
  [ -f "$src/../shared/peers/install-peers" ] && bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
  [ -x /usr/bin/openstack ] || { echo "skipped: the openstack CLI is not installed"; exit 77; }
fi
command -v haproxy >/dev/null || "$src/scripts/install-deps" >/dev/null

tmp=$(mktemp -d)
export STRATUS_BIN=$bin STRATUS_CLUSTER_DIR=$tmp/cluster STRATUS_CLUSTER_BRIDGE=br-stratt \
  STRATUS_CLUSTER_NET=10.78.0 STRATUS_CLUSTER_NS_PREFIX=stratus-cnt- \
  STRATUS_CLUSTER_DB_PREFIX=stratus_cluster_test STRATUS_CLUSTER_HOSTS=3 \
  STRATUS_CLUSTER_SERVICE_DOWN_TIME=5 STRATUS_CLUSTER_API=2
# Two placement instances, as the layout's default: every agent's provider is created
# through one and read through the other.
export STRATUS_CLUSTER_PLACEMENT=${STRATUS_CLUSTER_TEST_PLACEMENT:-2}
front=10.78.0.1
failures=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
wait_for() {  # wait_for SECONDS COMMAND...
  local n=$(( $1 * 5 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
  return 1
}
drop_dbs() {
  for db in stratus_cluster_test_placement stratus_cluster_test_api; do
    runuser -u postgres -- psql -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  done
}
cleanup() {
  "$script" down >/dev/null 2>&1
  drop_dbs
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---------------------------------------------------------------- settings
refused() {  # refused VAR VALUE MESSAGE: status with VAR=VALUE exits 2 with MESSAGE
  local out rc
  out=$(env "$1=$2" "$script" status 2>&1); rc=$?
  if [ "$rc" = 2 ] && [ "$out" = "stratus-cluster: $3" ]; then echo "ok: $1='$2' refused"
  else echo "FAIL: $1='$2': exit $rc: $out"; failures=$((failures + 1)); fi
}
refused STRATUS_CLUSTER_HOSTS 0 "STRATUS_CLUSTER_HOSTS='0' is invalid; allowed: a whole number from 1 to 150"
refused STRATUS_CLUSTER_PLACEMENT two "STRATUS_CLUSTER_PLACEMENT='two' is invalid; allowed: a whole number from 1 to 9"
refused STRATUS_CLUSTER_API 10 "STRATUS_CLUSTER_API='10' is invalid; allowed: a whole number from 1 to 9"
refused STRATUS_CLUSTER_SERVICE_DOWN_TIME 0 "STRATUS_CLUSTER_SERVICE_DOWN_TIME='0' is invalid; allowed: a whole number from 1 to 999999999"
refused STRATUS_CLUSTER_LIBVIRT yes "STRATUS_CLUSTER_LIBVIRT='yes' is invalid; allowed: 0, 1"
refused STRATUS_CLUSTER_NET 10.78.0.0/24 "STRATUS_CLUSTER_NET='10.78.0.0/24' is invalid; allowed: the first three octets of a /24, e.g. 10.77.0"
refused STRATUS_CLUSTER_NET 10.300.0 "STRATUS_CLUSTER_NET='10.300.0' is invalid; allowed: the first three octets of a /24, e.g. 10.77.0"
refused STRATUS_CLUSTER_BRIDGE br-stratus-long "STRATUS_CLUSTER_BRIDGE='br-stratus-long' is invalid; allowed: 1 to 11 of [A-Za-z0-9_-], starting with a letter (veths are BRIDGE-N, 15 at most)"
refused STRATUS_CLUSTER_NS_PREFIX 'cn/' "STRATUS_CLUSTER_NS_PREFIX='cn/' is invalid; allowed: 1 to 41 of [A-Za-z0-9_.-], starting with a letter"
refused STRATUS_CLUSTER_DB_PREFIX 'Stratus-x' "STRATUS_CLUSTER_DB_PREFIX='Stratus-x' is invalid; allowed: 1 to 41 of [a-z0-9_], starting with a letter"
out=$("$script" sideways 2>&1); rc=$?
check "an unknown command exits 2 with the usage" test "$rc" = 2 -a -n "$(grep -F 'scripts/stratus-cluster up' <<<"$out")"

# ---------------------------------------------------------------- (a) up
drop_dbs
out=$("$script" up 2>&1); rc=$?
echo "$out"
check "up exits 0" test "$rc" = 0
check "up prints the haproxy row" grep -qE "^haproxy +$front:8778,8774,9292 +[0-9]+ +running" <<<"$out"
check "up prints each placement instance, UP in HAProxy's health check" \
  test "$(grep -cE '^placement-[0-9] +10\.78\.0\.1[0-9]:8778 +[0-9]+ +running, haproxy check: UP$' <<<"$out")" = "$STRATUS_CLUSTER_PLACEMENT"
check "up prints both api instances, UP in both HAProxy checks" \
  test "$(grep -cE '^api-[12] +10\.78\.0\.2[12]:8774,9292 +[0-9]+ +running, haproxy check: UP/UP$' <<<"$out")" = 2
for n in 1 2; do
  check "up prints simulated host stratus-cnt-$n up" \
    grep -qE "^stratus-cnt-$n +stratus-cnt-$n +10\.78\.0\.10$n +up +dry-run +[0-9]+ +enabled +up$" <<<"$out"
done
check "up prints the libvirt host stratus-cnt-3 up" \
  grep -qE '^stratus-cnt-3 +stratus-cnt-3 +10\.78\.0\.103 +up +libvirt +[0-9]+ +enabled +up$' <<<"$out"
pids_before=$(cat "$STRATUS_CLUSTER_DIR"/run/*.pid | sort)
out=$("$script" up 2>&1); rc=$?
check "a second up exits 0" test "$rc" = 0
check "a second up starts nothing new (same pids)" test "$(cat "$STRATUS_CLUSTER_DIR"/run/*.pid | sort)" = "$pids_before"
"$script" status >/dev/null 2>&1; rc=$?
check "status exits 0 with everything running" test "$rc" = 0

# The clouds of etc/clouds.yaml, moved to this test's network.
sed -e "s#10\.77\.0\.1:#$front:#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
export OS_CLIENT_CONFIG_FILE=$tmp/clouds.yaml
osc() { /usr/bin/openstack --os-cloud stratus-cluster "$@"; }
oscp() { /usr/bin/openstack --os-cloud stratus-cluster-placement "$@"; }
state_of() { osc compute service list --host "$1" -f value -c State 2>/dev/null; }
services=$(osc compute service list -f value -c Host -c State 2>&1)
check "compute service list: the three agents up (got: $(paste -sd, <<<"$services"))" \
  test "$(sort <<<"$services")" = "$(printf 'stratus-cnt-1 up\nstratus-cnt-2 up\nstratus-cnt-3 up')"
hv=$(osc hypervisor list -f value -c "Hypervisor Hostname" -c State 2>&1)
check "hypervisor list: the three hosts up (got: $(paste -sd, <<<"$hv"))" \
  test "$(sort <<<"$hv")" = "$(printf 'stratus-cnt-1 up\nstratus-cnt-2 up\nstratus-cnt-3 up')"
names=$(oscp resource provider list -f value -c name 2>&1 | sort)
check "resource provider list through HAProxy: one provider per host (got: $(paste -sd, <<<"$names"))" \
  test "$names" = "$(printf 'stratus-cnt-1\nstratus-cnt-2\nstratus-cnt-3')"

# Server s1 goes to stratus-cnt-1: the others are disabled while it is scheduled.
osc compute service set --disable --disable-reason "real libvirt: not for this test" stratus-cnt-3 nova-compute
osc compute service set --disable stratus-cnt-2 nova-compute
osc image create --disk-format raw --container-format bare --file /dev/null cl-img >/dev/null
osc flavor create --vcpus 1 --ram 64 --disk 1 cl.small >/dev/null
# `server create --wait` waits without a bound; 60 s is plenty for a dry-run boot.
s1=$(timeout 60 /usr/bin/openstack --os-cloud stratus-cluster server create --flavor cl.small --image cl-img \
  --nic none --wait cl-1 -f value -c id 2>&1 | tail -n 1)
server_row() { osc server show "$1" -f json 2>/dev/null | python3 -c '
import json, sys; s = json.load(sys.stdin); print(s["status"], s["OS-EXT-SRV-ATTR:host"])'; }
check "server create --wait: cl-1 ACTIVE on simulated host stratus-cnt-1 (got: $(server_row "$s1"))" \
  test "$(server_row "$s1")" = "ACTIVE stratus-cnt-1"
osc compute service set --enable stratus-cnt-2 nova-compute
allocs() {  # the consumer's allocations in placement, through HAProxy
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' "http://$front:8778/allocations/$1" |
    python3 -c 'import json, sys; a = json.load(sys.stdin)["allocations"]; print(json.dumps({k: v["resources"] for k, v in a.items()}, sort_keys=True))'
}
cn1_uuid=$(oscp resource provider list --name stratus-cnt-1 -f value -c uuid)
s1_allocs=$(allocs "$s1")
check "cl-1's allocation is on stratus-cnt-1's provider (got: $s1_allocs)" \
  test "$s1_allocs" = "{\"$cn1_uuid\": {\"DISK_GB\": 1, \"MEMORY_MB\": 64, \"VCPU\": 1}}"

# ---------------------------------------------------------------- (b) cut off
ip link set br-stratt-1 down
cut_at=$(date +%s)
check "stratus-cnt-1 turns down after service_down_time (5 s) with its link down" \
  wait_for 30 sh -c '[ "$(/usr/bin/openstack --os-cloud stratus-cluster compute service list --host stratus-cnt-1 -f value -c State)" = down ]'
echo "   (down $(( $(date +%s) - cut_at )) s after the cut)"
hv1=$(osc hypervisor list -f value -c "Hypervisor Hostname" -c State | grep '^stratus-cnt-1 ')
check "hypervisor list: stratus-cnt-1 down (got: $hv1)" test "$hv1" = "stratus-cnt-1 down"
out=$("$script" status 2>&1); rc=$?
check "status exits 3 and shows the link and service down" \
  test "$rc" = 3 -a -n "$(grep -E '^stratus-cnt-1 +stratus-cnt-1 +10\.78\.0\.101 +down +dry-run +[0-9]+ +enabled +down$' <<<"$out")"
for n in 2 3; do
  id=$(timeout 60 /usr/bin/openstack --os-cloud stratus-cluster server create --flavor cl.small --image cl-img \
    --nic none --wait "cl-$n" -f value -c id 2>&1 | tail -n 1)
  check "cl-$n, booted while stratus-cnt-1 is down, is ACTIVE on stratus-cnt-2 (got: $(server_row "$id"))" \
    test "$(server_row "$id")" = "ACTIVE stratus-cnt-2"
done

ip link set br-stratt-1 up
check "stratus-cnt-1 turns up again once its link is back" \
  wait_for 40 sh -c '[ "$(/usr/bin/openstack --os-cloud stratus-cluster compute service list --host stratus-cnt-1 -f value -c State)" = up ]'
check "cl-1 is untouched: ACTIVE on stratus-cnt-1" test "$(server_row "$s1")" = "ACTIVE stratus-cnt-1"
check "cl-1's allocation is unchanged" test -n "$s1_allocs" -a "$(allocs "$s1")" = "$s1_allocs"
sleep 6  # a full agent sync (every 5 s) after the return
names=$(oscp resource provider list -f value -c name 2>&1 | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd' ')
check "one provider per host after the return, none duplicated (got: $names)" \
  test "$names" = "stratus-cnt-1=1 stratus-cnt-2=1 stratus-cnt-3=1"
check "stratus-cnt-1's provider keeps its uuid" \
  test "$(oscp resource provider list --name stratus-cnt-1 -f value -c uuid)" = "$cn1_uuid"
if [ "$STRATUS_CLUSTER_PLACEMENT" -gt 1 ]; then
  # HAProxy's CSV: column 2 is the server, 8 its total sessions.
  served=$(curl -sf "http://$front:8404/;csv" | awk -F, '$1 == "placement" && $2 ~ /^placement-/ && $8 > 0' | wc -l)
  check "HAProxy spread placement traffic over all $STRATUS_CLUSTER_PLACEMENT instances" test "$served" = "$STRATUS_CLUSTER_PLACEMENT"
fi

# ---------------------------------------------------------------- (c) down
pids=$(cat "$STRATUS_CLUSTER_DIR"/run/*.pid)
out=$("$script" down 2>&1); rc=$?
check "down exits 0 (got: $out)" test "$rc" = 0
left=""
for p in $pids; do [ -d "/proc/$p" ] && left="$left $p"; done
check "down leaves none of the processes it started (left:$left)" test -z "$left"
check "down leaves no namespace" test -z "$(ip netns list | awk '{print $1}' | grep '^stratus-cnt-')"
check "down leaves no veth and no bridge" test -z "$(ip -o link show | grep -E 'br-stratt')"
check "status after down exits 3" sh -c '"$0" status >/dev/null 2>&1; [ $? = 3 ]' "$script"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed; logs in $STRATUS_CLUSTER_DIR/logs:"
  for f in "$STRATUS_CLUSTER_DIR"/logs/*.log; do echo "--- $f"; tail -n 20 "$f"; done
  exit 1
fi
echo "all checks passed"
