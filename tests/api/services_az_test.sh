#!/usr/bin/env bash
# Compute services, limits, aggregates and availability zones with the real openstack
# CLI against stratus-api, stratus-placement and three simulated hosts (captured facts,
# dry-run guests). Shows: the services listed up; a disabled one (with its reason)
# takes no new server and carries COMPUTE_STATUS_DISABLED in placement until enabled;
# 400s naming key and value; limits; an aggregate with a zone and a server asking for
# that zone landing there; an unknown zone refused; a down, empty service deleted with
# its provider, an up one refused. Usage: services_az_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
if ! [ -x /usr/bin/openstack ]; then
  if [ "$(id -u)" = 0 ] && [ -f "$src/../shared/peers/install-peers" ]; then
    bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
  fi
  [ -x /usr/bin/openstack ] || { echo "skipped: the openstack CLI is not installed"; exit 77; }
fi
. "$(dirname "$0")/stack.sh"
a="sa-a-$$"; b="sa-b-$$"; gone="sa-c-$$"

cat >"$tmp/api.conf" <<CONF
[api]
service_down_time = 4
CONF
cat >"$tmp/agent.conf" <<CONF
[compute]
work_poll_interval_ms = 200
CONF
for h in "$a" "$b" "$gone"; do
  /usr/bin/python3 - "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$h" >"$tmp/facts-$h.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
facts["hostname"] = sys.argv[2]
print(json.dumps(facts))
PY
done

start_placement || { echo "FAIL: placement did not start"; exit 1; }
"$bin/stratus-api" --config "$tmp/api.conf" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
  --db "sqlite://$tmp/api.db" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
api_pid=$!; pids+=("$api_pid")
wait_for 10 curl -sf "$compute_url/v2.1" -o /dev/null || { echo "FAIL: api did not start"; cat "$tmp/api.log"; exit 1; }
for h in "$a" "$b"; do
  start_agent "$h" --config "$tmp/agent.conf" --host-facts "$tmp/facts-$h.json" --guest-driver dry-run
done
# The third host reports once and stops: its service goes down.
"$bin/stratus-compute" --once --host "$gone" --api-url "$compute_url" --placement-url "$placement_url" \
  --instances-path "$tmp/instances" --host-facts "$tmp/facts-$gone.json" --guest-driver dry-run >>"$tmp/agent-$gone.log" 2>&1
for h in "$a" "$b"; do
  wait_for 20 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-services | grep -q '\"$h\"'" ||
    { echo "FAIL: $h did not report"; exit 1; }
done

sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
    -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
osc() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" /usr/bin/openstack --os-cloud stratus "$@"; }
# The service row of host $1 in `compute service list --long -f json`, as "Status State Reason".
svc_row() {
  osc compute service list --long -f json | /usr/bin/python3 -c "
import json, sys
for s in json.load(sys.stdin):
    if s['Host'] == '$1':
        print(s['Binary'], s['Status'], s['State'], s['Disabled Reason'], s['Zone'])"
}
provider_traits() {  # provider_traits HOST -> traits, one a line
  local uuid
  uuid=$(curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' \
    "$placement_url/resource_providers?name=$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["resource_providers"][0]["uuid"])')
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' \
    "$placement_url/resource_providers/$uuid/traits" | /usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["traits"]))'
}
has_trait() { local t; t=$(provider_traits "$1") && grep -qx "$2" <<<"$t"; }  # has_trait HOST TRAIT
lacks_trait() { local t; t=$(provider_traits "$1") && [ -n "$t" ] && ! grep -qx "$2" <<<"$t"; }

# ---------------------------------------------------------------- services
check "compute service list: $a up and enabled" test "$(svc_row "$a")" = "nova-compute enabled up None nova"
check "compute service list: $b up and enabled" test "$(svc_row "$b")" = "nova-compute enabled up None nova"
check "compute service list: $gone down once its agent stopped" wait_for 10 sh -c "[ \"\$(OS_CLIENT_CONFIG_FILE=$tmp/clouds.yaml /usr/bin/openstack --os-cloud stratus compute service list --host $gone -f value -c State)\" = down ]"

out=$(osc compute service set --disable --disable-reason "disk swap" "$a" nova-compute 2>&1)
check "compute service set --disable --disable-reason (got: $out)" test -z "$out"
check "the disabled service shows its reason" test "$(svc_row "$a")" = "nova-compute disabled up disk swap nova"
check "$a's provider carries COMPUTE_STATUS_DISABLED" has_trait "$a" COMPUTE_STATUS_DISABLED
sleep 2  # two agent syncs later the trait is still there: the agent does not own it
check "the agent keeps COMPUTE_STATUS_DISABLED" has_trait "$a" COMPUTE_STATUS_DISABLED

make_image sa-img ''; image=$image_id
make_flavor sa.small 64 '{}'; flavor=$flavor_id
ids=()
for n in 1 2 3; do boot "sa-$n" "$flavor" "$image"; ids+=("$server_id"); done
for id in "${ids[@]}"; do
  wait_status "$id" ACTIVE 30 || echo "FAIL: $id did not become ACTIVE: $body"
  capi GET "/v2.1/servers/$id"
  check "server $id avoided the disabled $a" test "$(jget 'd["server"]["OS-EXT-SRV-ATTR:host"]')" = "$b"
done

capi GET "/v2.1/os-services?host=$a"
svc_a=$(jget 'd["services"][0]["id"]')
capi PUT "/v2.1/os-services/$svc_a" '{"status": "off"}'
expect "PUT os-services status=off" 400 "status='off' is invalid; allowed: enabled, disabled"
capi PUT "/v2.1/os-services/$svc_a" '{"status": "enabled", "disabled_reason": "x"}'
expect "a reason without status disabled" 400 "disabled_reason='x' is invalid: it is only taken together with status disabled"
capi PUT "/v2.1/os-services/not-a-uuid" '{"status": "enabled"}'
expect "a service id that is not a UUID" 400 "Invalid uuid not-a-uuid"
capi PUT "/v2.1/os-services/00000000-0000-4000-8000-000000000000" '{"status": "enabled"}'
expect "an unknown service" 404 "could not be found"
capi GET "/v2.1/os-services?zone=nova"
expect "an unknown filter" 400 "Invalid query parameter 'zone'; allowed: host, binary"

out=$(osc compute service set --enable "$a" nova-compute 2>&1)
check "compute service set --enable (got: $out)" test -z "$out"
check "enabled again, the reason gone" test "$(svc_row "$a")" = "nova-compute enabled up None nova"
check "$a's provider lost COMPUTE_STATUS_DISABLED (its other traits kept)" lacks_trait "$a" COMPUTE_STATUS_DISABLED

# ---------------------------------------------------------------- limits
limits=$(osc limits show --absolute -f json 2>&1)
val() { printf '%s' "$limits" | /usr/bin/python3 -c "import json,sys; print({r['Name']: r['Value'] for r in json.load(sys.stdin)}['$1'])"; }
check "limits show --absolute: totalInstancesUsed 3 (got: $(val totalInstancesUsed 2>&1))" test "$(val totalInstancesUsed)" = 3
check "limits show --absolute: totalRAMUsed 192" test "$(val totalRAMUsed)" = 192
check "limits show --absolute: maxTotalInstances -1 (unlimited)" test "$(val maxTotalInstances)" = -1

# ---------------------------------------------------------------- aggregates and zones
out=$(osc aggregate create --zone az1 sa-agg -f json 2>&1)
agg=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
check "aggregate create --zone az1" test -n "$agg" || echo "$out"
out=$(osc aggregate add host sa-agg "$a" -f json 2>&1)
check "aggregate add host $a" grep -q "$a" <<<"$out" || echo "$out"
agg_uuid=$(capi GET "/v2.1/os-aggregates/$agg"; jget 'd["aggregate"]["uuid"]')
a_uuid=$(capi GET "/v2.1/os-services?host=$a"; jget 'd["services"][0]["id"]')
check "$a's provider is in the aggregate in placement" sh -c "curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' $placement_url/resource_providers/$a_uuid/aggregates | grep -q $agg_uuid"
zones=$(osc availability zone list --compute -f value -c 'Zone Name' -c 'Zone Status' 2>&1 | sort | tr '\n' ';')
check "availability zone list: az1 and nova (got: $zones)" test "$zones" = "az1 available;nova available;"
check "compute service list shows $a in az1" test "$(svc_row "$a")" = "nova-compute enabled up None az1"
capi POST /v2.1/servers "{\"server\": {\"name\": \"sa-az\", \"flavorRef\": \"$flavor\", \"imageRef\": \"$image\", \"networks\": \"none\", \"availability_zone\": \"az1\"}}"
az_server=$(jget 'd["server"]["id"]')
if wait_status "$az_server" ACTIVE 30; then
  capi GET "/v2.1/servers/$az_server"
  check "the az1 server landed on $a" test "$(jget 'd["server"]["OS-EXT-SRV-ATTR:host"]')" = "$a"
  check "the server shows OS-EXT-AZ:availability_zone az1" test "$(jget 'd["server"]["OS-EXT-AZ:availability_zone"]')" = az1
else
  echo "FAIL: the az1 server did not become ACTIVE: $body"; failures=$((failures + 1))
fi
capi POST /v2.1/servers "{\"server\": {\"name\": \"sa-nova\", \"flavorRef\": \"$flavor\", \"imageRef\": \"$image\", \"networks\": \"none\", \"availability_zone\": \"nova\"}}"
nova_server=$(jget 'd["server"]["id"]')
if wait_status "$nova_server" ACTIVE 30; then
  capi GET "/v2.1/servers/$nova_server"
  check "the nova-zone server stayed out of az1" test "$(jget 'd["server"]["OS-EXT-SRV-ATTR:host"]')" = "$b"
else
  echo "FAIL: the nova-zone server did not become ACTIVE: $body"; failures=$((failures + 1))
fi
capi POST /v2.1/servers "{\"server\": {\"name\": \"sa-mars\", \"flavorRef\": \"$flavor\", \"imageRef\": \"$image\", \"networks\": \"none\", \"availability_zone\": \"mars\"}}"
expect "an unknown zone" 400 "availability_zone='mars' is invalid: no such zone; allowed: az1, nova"
out=$(osc server create --flavor "$flavor" --image "$image" --nic none --availability-zone mars sa-mars 2>&1)
check "openstack server create --availability-zone mars fails naming the zone (got: $out)" grep -q "availability_zone='mars' is invalid" <<<"$out"
# availability_zone ZONE:HOST (and ::NODE, :HOST:NODE) forces the host, admins only.
create_in() {  # create_in NAME ZONE [FLAVOR]
  capi POST /v2.1/servers "{\"server\": {\"name\": \"$1\", \"flavorRef\": \"${3:-$flavor}\", \"imageRef\": \"$image\", \"networks\": \"none\", \"availability_zone\": \"$2\"}}"
}
for zone in "nova:$b" "nova::$b" "nova:$b:$b"; do
  create_in sa-forced "$zone"; forced=$(jget 'd["server"]["id"]')
  if wait_status "$forced" ACTIVE 30; then
    capi GET "/v2.1/servers/$forced"
    check "availability_zone $zone: on $b" test "$(jget 'd["server"]["OS-EXT-SRV-ATTR:host"]')" = "$b"
    check "availability_zone $zone: claimed in placement" test "$(allocations_of "$forced")" = 1
  else
    echo "FAIL: the $zone server did not become ACTIVE: $body"; failures=$((failures + 1))
  fi
done
create_in sa-forced "az1:nohost"
expect "a forced host no agent reports" 400 "availability_zone='az1:nohost' is invalid: no compute host named nohost; allowed: "
create_in sa-forced "az1:$b"
expect "a forced host outside the zone" 400 "availability_zone='az1:$b' is invalid: host $b is in zone nova, not in az1; allowed: $a"
create_in sa-forced "nova:$b:$a"
expect "a node that is not the host's" 400 "availability_zone='nova:$b:$a' is invalid: node $a is not host $b's (each Stratus host has one node, named as the host); allowed: $b"
make_flavor sa.huge 100000000 '{}'; huge=$flavor_id
create_in sa-forced-huge "nova:$b" "$huge"; forced=$(jget 'd["server"]["id"]')
check "a forced host without room: ERROR" wait_status "$forced" ERROR 30
capi GET "/v2.1/servers/$forced"
check "... with a fault naming the host (got: $(jget 'd["server"].get("fault", {}).get("message")'))" sh -c "printf '%s' '$(jget 'd["server"]["fault"]["message"]' 2>/dev/null)' | grep -qF 'No valid host was found: the forced host $b cannot take the request (DISK_GB=1, MEMORY_MB=100000000, VCPU=1'"
out=$(OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" /usr/bin/openstack --os-cloud stratus server create --flavor "$flavor" --image "$image" --nic none --availability-zone "nova:$b" sa-forced-osc -f value -c id 2>&1)
check "openstack server create --availability-zone nova:$b ($out)" wait_status "$out" ACTIVE 30
capi GET "/v2.1/servers/$out"
check "... on $b" test "$(jget 'd["server"]["OS-EXT-SRV-ATTR:host"]')" = "$b"
capi POST "/v2.1/os-aggregates/$agg/action" '{"add_host": {"host": "nowhere"}}'
expect "add an unknown host" 404 "Compute host nowhere could not be found."
capi DELETE "/v2.1/os-aggregates/$agg"
expect "delete an aggregate with hosts" 400 "it still has hosts ($a)"

# ---------------------------------------------------------------- delete services
capi DELETE "/v2.1/os-services/$svc_a"
expect "delete an up service" 409 "is up"
capi GET "/v2.1/os-services?host=$gone"
gone_id=$(jget 'd["services"][0]["id"]')
provider_status() { curl -s -o /dev/null -w '%{http_code}' -H 'X-Auth-Token: admin' "$placement_url/resource_providers/$1"; }
check "the down service's provider is in placement before" test "$(provider_status "$gone_id")" = 200
capi DELETE "/v2.1/os-services/$gone_id"
check "delete the down, empty service: 204 (got $status $body)" test "$status" = 204
check "its provider is gone from placement" test "$(provider_status "$gone_id")" = 404
hosts=$(osc compute service list -f value -c Host | sort | tr '\n' ' ')
check "compute service list no longer shows it (got: $hosts)" test "$hosts" = "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')"

# ---------------------------------------------------------------- a restart keeps the state
osc compute service set --disable --disable-reason "after restart" "$b" nova-compute
kill "$api_pid"; wait "$api_pid" 2>/dev/null
"$bin/stratus-api" --config "$tmp/api.conf" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
  --db "sqlite://$tmp/api.db" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
api_pid=$!; pids+=("$api_pid")
wait_for 10 curl -sf "$compute_url/v2.1" -o /dev/null
check "after an API restart $b is still disabled with its reason" wait_for 10 sh -c "$(declare -f svc_row osc); tmp=$tmp; [ \"\$(svc_row $b)\" = 'nova-compute disabled up after restart nova' ]"

if [ "$failures" -gt 0 ]; then
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -15
  exit 1
fi
echo "ok: all"
