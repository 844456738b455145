# Sourced by the end-to-end tests: starts stratus-placement, stratus-api and agents on
# free ports on 127.0.0.1 in a temporary directory, with helpers to talk to them.
# Needs: $bin (build/bin) set by the caller. Cleans up on exit.
tmp=$(mktemp -d)
pids=()
stack_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  # Only guests whose owner metadata names one of this stack's agents (the agent_id each
  # keeps under its instances path): another stack's guests on the same libvirt stay.
  local ids
  ids=$(find "$tmp" -name agent_id -exec cat {} + 2>/dev/null | sort -u)
  for g in $(virsh -c qemu:///system list --all --name 2>/dev/null | grep -E '^stratus-[0-9a-f]{8}-' || true); do
    [ -n "$ids" ] || break
    owner=$(virsh -c qemu:///system metadata "$g" https://stratus.dev/xmlns/guest-owner/1 2>/dev/null) || continue
    grep -qF -f <(printf '%s\n' "$ids" | sed 's/.*/agent="&"/') <<<"$owner" || continue
    virsh -c qemu:///system destroy "$g" >/dev/null 2>&1
    virsh -c qemu:///system undefine --nvram "$g" >/dev/null 2>&1
  done
  rm -rf "$tmp"
}
trap stack_cleanup EXIT
failures=0
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS COMMAND...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
p_port=$(free_port); c_port=$(free_port); i_port=$(free_port)
placement_url=http://127.0.0.1:$p_port
compute_url=http://127.0.0.1:$c_port
image_url=http://127.0.0.1:$i_port

start_placement() {
  "$bin/stratus-placement" --bind "127.0.0.1:$p_port" --db "sqlite://$tmp/placement.db" >>"$tmp/placement.log" 2>&1 &
  placement_pid=$!; pids+=("$placement_pid")
  wait_for 10 curl -sf "$placement_url/" -o /dev/null
}
start_api() {  # start_api [ARGS...]: extra arguments for stratus-api (e.g. --config FILE)
  "$bin/stratus-api" --bind "127.0.0.1:$c_port" --image-bind "127.0.0.1:$i_port" \
    --db "sqlite://$tmp/api.db" --placement-url "$placement_url" "$@" >>"$tmp/api.log" 2>&1 &
  api_pid=$!; pids+=("$api_pid")
  wait_for 10 curl -sf "$compute_url/v2.1" -o /dev/null
}
start_agent() {  # start_agent NAME [ARGS...]: sets agent_pid
  local name=$1; shift
  "$bin/stratus-compute" --host "$name" --api-url "$compute_url" --placement-url "$placement_url" \
    --instances-path "$tmp/instances" "$@" >>"$tmp/agent-$name.log" 2>&1 &
  agent_pid=$!; pids+=("$agent_pid")
}
# capi METHOD PATH [JSON] -> body on stdout, status in $status
capi() {
  local out
  if [ $# -ge 3 ]; then
    out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' -H 'Content-Type: application/json' \
      -H 'OpenStack-API-Version: compute 2.92' -d "$3" "$compute_url$2")
  else
    out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: compute 2.92' "$compute_url$2")
  fi
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}
iapi() {  # iapi METHOD PATH [JSON [CONTENT-TYPE]]
  local out
  if [ $# -ge 3 ]; then
    out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' -H "Content-Type: ${4:-application/json}" \
      --data-binary "$3" "$image_url$2")
  else
    out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'X-Auth-Token: admin' "$image_url$2")
  fi
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}
jget() { printf '%s' "$body" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
expect() {  # expect DESCRIPTION STATUS SUBSTRING: checks the last capi/iapi answer
  if [ "$status" = "$2" ] && printf '%s' "$body" | grep -qF -- "$3"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: got $status $body"; failures=$((failures + 1))
  fi
}
server_status() {  # server_status ID -> prints status or "gone"
  capi GET "/v2.1/servers/$1"
  if [ "$status" = 404 ]; then echo gone; else jget 'd["server"]["status"]'; fi
}
wait_status() {  # wait_status ID WANT SECONDS
  for _ in $(seq 1 $(( $3 * 5 ))); do
    [ "$(server_status "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
allocations_of() {  # allocations_of CONSUMER -> number of providers it holds
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.39' "$placement_url/allocations/$1" |
    /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["allocations"]))'
}
make_image() {  # make_image NAME PROPS_JSON_FRAGMENT -> id in $image_id
  iapi POST /v2/images "{\"name\": \"$1\", \"disk_format\": \"raw\", \"container_format\": \"bare\"$2}"
  image_id=$(jget 'd["id"]')
  iapi PUT "/v2/images/$image_id/file" "" application/octet-stream
}
make_flavor() {  # make_flavor NAME RAM SPECS_JSON -> id in $flavor_id
  capi POST /v2.1/flavors "{\"flavor\": {\"name\": \"$1\", \"vcpus\": 1, \"ram\": $2, \"disk\": 1}}"
  flavor_id=$(jget 'd["flavor"]["id"]')
  capi POST "/v2.1/flavors/$flavor_id/os-extra_specs" "{\"extra_specs\": $3}"
}
boot() {  # boot NAME FLAVOR IMAGE -> id in $server_id
  capi POST /v2.1/servers "{\"server\": {\"name\": \"$1\", \"flavorRef\": \"$2\", \"imageRef\": \"$3\", \"networks\": \"none\"}}"
  server_id=$(jget 'd["server"]["id"]')
}
