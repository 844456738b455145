#!/usr/bin/env bash
# stratus-placement and stratus-api on PostgreSQL (scripts/start-postgres): a provider
# with inventory, an allocation and a flavor survive a restart of both services; with
# PostgreSQL stopped a placement write and a read are refused with 503 in Placement's
# error shape and the write changes nothing, and once it is back the same write succeeds
# without a restart of the service. Stops and starts the local cluster: run serially.
# Usage: postgres_restart_test.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=$1; src=$2
if [ "$(id -u)" != 0 ] || ! command -v pg_ctlcluster >/dev/null; then
  echo "skipped: needs root and Debian's postgresql package (scripts/install-deps)"; exit 77
fi
if ! "$src/scripts/start-postgres" >/dev/null; then
  echo "skipped: scripts/start-postgres could not start PostgreSQL"; exit 77
fi
source "$(dirname "$0")/stack.sh"
base=$(cat /etc/stratus/postgres.url)
password=$(cat /etc/stratus/postgres-password)
pdb=stratus_it_$$_placement; adb=stratus_it_$$_api
psql_admin() { runuser -u postgres -- psql -X -q -tA -v ON_ERROR_STOP=1 "$@"; }
for d in $pdb $adb; do psql_admin -c "CREATE DATABASE $d OWNER stratus" >/dev/null; done
pg_cleanup() {
  "$src/scripts/start-postgres" >/dev/null 2>&1
  for d in $pdb $adb; do psql_admin -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
  stack_cleanup
}
trap pg_cleanup EXIT

start_placement() {
  "$bin/stratus-placement" --bind "127.0.0.1:$p_port" --db "$base$pdb" >>"$tmp/placement.log" 2>&1 &
  placement_pid=$!; pids+=("$placement_pid")
  wait_for 10 curl -sf "$placement_url/" -o /dev/null
}
start_api() {
  "$bin/stratus-api" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
    --db "$base$adb" --placement-url "$placement_url" >>"$tmp/api.log" 2>&1 &
  api_pid=$!; pids+=("$api_pid")
  wait_for 10 curl -sf "$compute_url/v2.1" -o /dev/null
}
papi() {  # papi METHOD PATH [JSON] -> body in $body, status in $status
  local out
  out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' \
    -H 'OpenStack-API-Version: placement 1.39' -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$placement_url$2")
  status=${out##*$'\n'}; body=${out%$'\n'*}
}
expect_status() {  # expect_status DESCRIPTION STATUS: for answers without a body
  check "$1 (got $status)" [ "$status" = "$2" ]
}
stop_both() {
  kill "$placement_pid" "$api_pid"; wait "$placement_pid" "$api_pid" 2>/dev/null
}

start_placement || { echo "FAIL: placement did not start on PostgreSQL"; cat "$tmp/placement.log"; exit 1; }
start_api || { echo "FAIL: api did not start on PostgreSQL"; cat "$tmp/api.log"; exit 1; }
rp=5c3b1f8e-1111-4a00-8000-00000000aaaa
consumer=5c3b1f8e-2222-4a00-8000-00000000bbbb
papi POST /resource_providers "{\"name\": \"pg-cn1\", \"uuid\": \"$rp\"}"
expect "provider created" 200 "$rp"
papi PUT "/resource_providers/$rp/inventories" '{"resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8}}}'
expect "inventory set" 200 '"VCPU"'
papi PUT "/allocations/$consumer" "{\"allocations\": {\"$rp\": {\"resources\": {\"VCPU\": 2}}}, \"project_id\": \"p\", \"user_id\": \"u\", \"consumer_generation\": null, \"consumer_type\": \"INSTANCE\"}"
check "allocation written (204): $body" [ "$status" = 204 ]
make_flavor pg.small 512 '{}'
check "flavor created" [ -n "$flavor_id" ]

stop_both
start_placement && start_api
check "both restarted on PostgreSQL" [ -n "$placement_pid" ]
papi GET "/resource_providers/$rp/inventories"
expect "inventory survives the restart" 200 '"total":8'
papi GET "/allocations/$consumer"
expect "allocation survives the restart" 200 '"VCPU":2'
capi GET "/v2.1/flavors/$flavor_id"
expect "flavor survives the restart" 200 '"pg.small"'
check "no password in the logs" bash -c "! grep -qF -- '$password' '$tmp/placement.log' '$tmp/api.log'"
check "logs show the redacted URL" grep -qF 'stratus:***@' "$tmp/placement.log"

"$src/scripts/start-postgres" stop >/dev/null
papi PUT /traits/CUSTOM_PG_DOWN
expect "a write with PostgreSQL down is a 503 in Placement's error shape" 503 '"errors"'
# A read needs the database too (it may hold another instance's writes).
papi GET /traits/CUSTOM_PG_DOWN
expect "a read with PostgreSQL down is a 503 in Placement's error shape" 503 '"errors"'
"$src/scripts/start-postgres" >/dev/null
papi GET /traits/CUSTOM_PG_DOWN
expect_status "the refused write changed nothing" 404
papi PUT /traits/CUSTOM_PG_DOWN
expect_status "the same write succeeds once PostgreSQL is back, without a restart" 201
stop_both
start_placement
papi GET /traits/CUSTOM_PG_DOWN
expect_status "and it was committed" 204

echo "failures: $failures"
[ "$failures" = 0 ]
