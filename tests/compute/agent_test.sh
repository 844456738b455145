#!/usr/bin/env bash
# stratus-compute as operators run it: against a stratus-placement binary on
# 127.0.0.1, probing the real libvirt; started before placement is up, surviving a
# placement restart; the operator CLI and the real `openstack` CLI see what it
# published; and the same core scenario against OpenStack Placement 8.0.
# Usage: agent_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "${peer_state:-}" ] && STATE_DIR=$peer_state "$src/../shared/peers/placement/run_placement.sh" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
skips=()  # parts that could not run here: the test then exits 77 (skipped), not 0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS COMMAND...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
traits_of() {  # traits_of URL UUID -> sorted trait names, one per line
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.26' "$1/resource_providers/$2/traits" |
    /usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin)["traits"])))'
}
expect_exit() {  # expect_exit DESCRIPTION RC REGEX COMMAND...: exit code RC, output matching REGEX
  local what=$1 want=$2 rx=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$want" ] && printf '%s\n' "$out" | grep -qE -- "$rx"; then
    echo "ok: $what"
  else
    echo "FAIL: $what (exit $rc, wanted $want): $out"; failures=$((failures + 1))
  fi
}
uuid_of() {  # uuid_of URL NAME
  curl -sf -H 'X-Auth-Token: admin' "$1/resource_providers?name=$2" |
    /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["resource_providers"]; print(r[0]["uuid"] if r else "")'
}

port=$(free_port)
url="http://127.0.0.1:$port"
host="agent-test-$$"
cat >"$tmp/stratus.conf" <<CONF
[DEFAULT]
host = $host
[placement]
url = $url
[compute]
resource_provider_sync_interval = 1
instances_path = $tmp/instances
CONF

# --- started before placement: it retries with backoff and keeps running
"$bin/stratus-compute" --config "$tmp/stratus.conf" >"$tmp/agent.log" 2>&1 &
agent=$!; pids+=("$agent")
check "agent logs a clear line while placement is down" \
  wait_for 5 grep -q "sync failed (attempt 1): placement GET /resource_providers?name=$host: cannot reach $url" "$tmp/agent.log"
"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/placement.log" 2>&1 &
placement=$!; pids+=("$placement")
check "agent catches up once placement is up" wait_for 10 grep -q "sync recovered" "$tmp/agent.log"
uuid=$(uuid_of "$url" "$host")
check "provider named after the host" test -n "$uuid"
"$bin/stratus" host traits >"$tmp/expected-traits"
traits_of "$url" "$uuid" >"$tmp/traits"
check "provider has exactly the traits the live host implies" diff "$tmp/expected-traits" "$tmp/traits"

# --- operator traits survive resyncs; nothing written while nothing changes
check "operator sets CUSTOM_GOLD and COMPUTE_STATUS_DISABLED" \
  "$bin/stratus" trait set --config "$tmp/stratus.conf" --provider "$host" CUSTOM_GOLD COMPUTE_STATUS_DISABLED -f value
sleep 2.5
check "operator traits survive two syncs" sh -c "'$bin/stratus' trait list --config '$tmp/stratus.conf' --provider '$host' -f value | grep -qx 'CUSTOM_GOLD other' && '$bin/stratus' trait list --config '$tmp/stratus.conf' --provider '$host' -f value | grep -qx 'COMPUTE_STATUS_DISABLED other'"
writes_before=$(grep -cE '^(PUT|POST|DELETE) ' "$tmp/placement.log")
sleep 2.5
writes_after=$(grep -cE '^(PUT|POST|DELETE) ' "$tmp/placement.log")
check "syncs with nothing changed write nothing ($writes_before -> $writes_after writes)" test "$writes_before" = "$writes_after"

# --- placement restarted on the same database mid-run
kill "$placement"; wait "$placement" 2>/dev/null
check "agent reports placement gone" wait_for 5 sh -c "grep -c 'sync failed' '$tmp/agent.log' | grep -qv '^1$'"
"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >>"$tmp/placement.log" 2>&1 &
placement=$!; pids+=("$placement")
check "agent survives a placement restart" wait_for 10 sh -c "test \$(grep -c 'sync recovered' '$tmp/agent.log') -ge 2"
check "agent still running" kill -0 "$agent"
check "operator trait kept across the restart" sh -c "'$bin/stratus' trait list --config '$tmp/stratus.conf' --provider '$host' -f value | grep -qx 'CUSTOM_GOLD other'"

# --- the operator CLI: errors
expect_exit "bad trait name exits 2 naming it" 2 "TRAIT='lowercase' is invalid" \
  "$bin/stratus" trait set --config "$tmp/stratus.conf" --provider "$host" lowercase
expect_exit "unknown provider exits 1 with the HTTP status" 1 "no-such-host.*\(HTTP 404\)" \
  "$bin/stratus" provider show --config "$tmp/stratus.conf" no-such-host
out=$("$bin/stratus" trait unset --config "$tmp/stratus.conf" --provider "$host" HW_ARCH_X86_64 -f value 2>&1)
check "unset removes only what was named" sh -c "! echo '$out' | grep -q '^HW_ARCH_X86_64 ' && echo '$out' | grep -q '^CUSTOM_GOLD other'"
check "the agent puts back a trait it owns at the next sync" wait_for 5 sh -c "'$bin/stratus' trait list --config '$tmp/stratus.conf' --provider '$host' -f value | grep -qx 'HW_ARCH_X86_64 agent'"

# --- the real openstack CLI sees what the agent published
if [ -x /usr/bin/openstack ] && /usr/bin/python3 -c "import osc_placement" 2>/dev/null; then
  cat >"$tmp/clouds.yaml" <<YAML
clouds:
  test-placement:
    auth_type: admin_token
    auth:
      endpoint: $url
      token: admin
    placement_api_version: "1"
YAML
  OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" HOME="$tmp" /usr/bin/openstack --os-cloud test-placement \
    resource provider trait list "$uuid" -f value 2>&1 | sort >"$tmp/osc-traits"
  traits_of "$url" "$uuid" >"$tmp/traits"
  check "openstack resource provider trait list shows the published traits" diff "$tmp/traits" "$tmp/osc-traits"
else
  skips+=("the openstack CLI with osc-placement is not installed (../shared/peers/install-peers)")
fi

# --- --once exits non-zero with the reason
expect_exit "--once against a dead placement exits 1 with the reason" 1 "cannot reach http://127.0.0.1:1" \
  "$bin/stratus-compute" --once --host x --placement-url "http://127.0.0.1:1" --instances-path "$tmp/instances"
expect_exit "a bad --placement-url exits 2 naming it" 2 "placement-url='ftp://x' is invalid" \
  "$bin/stratus-compute" --once --placement-url ftp://x

# --- the same core scenario against OpenStack Placement 8.0
peer="$src/../shared/peers/placement/run_placement.sh"
if [ -x "$peer" ] && ! /usr/bin/python3 -c "import placement" 2>/dev/null && [ "$(id -u)" = 0 ]; then
  bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
fi
if [ -x "$peer" ] && /usr/bin/python3 -c "import placement" 2>/dev/null; then
  peer_port=$(free_port)
  peer_state="$tmp/peer"
  peer_url="http://127.0.0.1:$peer_port"
  PORT=$peer_port STATE_DIR=$peer_state "$peer" start >"$tmp/peer-start.log" 2>&1
  facts="$tmp/facts.json"
  cp "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$facts"
  peer_agent=(--once --host "peer-$host" --placement-url "$peer_url" --host-facts "$facts"
              --viommu-trait-prefix COMPUTE_VIOMMU_MODEL_ --instances-path "$tmp/instances")
  check "agent syncs to OpenStack Placement" "$bin/stratus-compute" "${peer_agent[@]}"
  peer_uuid=$(uuid_of "$peer_url" "peer-$host")
  traits_of "$peer_url" "$peer_uuid" >"$tmp/peer-traits"
  printf '%s\n' COMPUTE_VIOMMU_MODEL_AUTO COMPUTE_VIOMMU_MODEL_INTEL COMPUTE_VIOMMU_MODEL_VIRTIO \
    CUSTOM_MEM_PAGE_SIZE_2048 HW_ARCH_I686 HW_ARCH_X86_64 >"$tmp/peer-expected"
  check "OpenStack Placement holds the os-traits spelling and the custom page-size trait" diff "$tmp/peer-expected" "$tmp/peer-traits"
  check "operator trait on OpenStack Placement" \
    "$bin/stratus" trait set --placement-url "$peer_url" --viommu-trait-prefix COMPUTE_VIOMMU_MODEL_ --provider "peer-$host" CUSTOM_GOLD -f value
  cp "$src/virt/testdata/hosts/x86-kvm-libvirt8.2.json" "$facts"
  check "agent resyncs to OpenStack Placement after a libvirt downgrade" "$bin/stratus-compute" "${peer_agent[@]}"
  traits_of "$peer_url" "$peer_uuid" >"$tmp/peer-traits"
  printf '%s\n' COMPUTE_VIOMMU_MODEL_AUTO COMPUTE_VIOMMU_MODEL_INTEL CUSTOM_GOLD \
    CUSTOM_MEM_PAGE_SIZE_2048 HW_ARCH_I686 HW_ARCH_X86_64 >"$tmp/peer-expected"
  check "VIRTIO removed, CUSTOM_GOLD kept on OpenStack Placement" diff "$tmp/peer-expected" "$tmp/peer-traits"
  # A provider config file's custom class and an operator's one, on OpenStack Placement.
  mkdir -p "$tmp/peer-pc"
  printf '%s\n' "meta: {schema_version: '1.0'}" "providers:" "  - identification: {uuid: \$COMPUTE_NODE}" \
    "    inventories: {additional: [{CUSTOM_FPGA_SLOTS: {total: 4}}]}" \
    "    traits: {additional: [CUSTOM_RACK_7]}" >"$tmp/peer-pc/compute.yaml"
  peer_classes() {
    curl -sf -H 'X-Auth-Token: admin' "$peer_url/resource_providers/$peer_uuid/inventories" |
      /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["inventories"])))'
  }
  peer_amend() {  # peer_amend CLASS TOTAL: create the class, PUT the inventories with it added
    local hdr=(-H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.26') body
    curl -sf -o /dev/null -X PUT "${hdr[@]}" "$peer_url/resource_classes/$1" || return 1
    body=$(curl -sf "${hdr[@]}" "$peer_url/resource_providers/$peer_uuid/inventories" |
      /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); d["inventories"][sys.argv[1]]={"total": int(sys.argv[2])}; print(json.dumps(d))' "$1" "$2") || return 1
    curl -sf -o /dev/null -X PUT "${hdr[@]}" -H 'Content-Type: application/json' -d "$body" \
      "$peer_url/resource_providers/$peer_uuid/inventories"
  }
  check "operator adds CUSTOM_X=4 on OpenStack Placement" peer_amend CUSTOM_X 4
  check "agent syncs to OpenStack Placement with a provider config" \
    "$bin/stratus-compute" "${peer_agent[@]}" --provider-config-location "$tmp/peer-pc"
  check "OpenStack Placement holds the agent's, the file's and the operator's classes" \
    test "$(peer_classes)" = "CUSTOM_FPGA_SLOTS CUSTOM_X DISK_GB MEMORY_MB VCPU"
  check "and the file's trait" sh -c "curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.26' '$peer_url/resource_providers/$peer_uuid/traits' | grep -q CUSTOM_RACK_7"
  check "agent syncs to OpenStack Placement without the file" \
    "$bin/stratus-compute" "${peer_agent[@]}" --provider-config-location "$tmp/no-such-dir"
  check "the file's class is gone from OpenStack Placement, the operator's stays" \
    test "$(peer_classes)" = "CUSTOM_X DISK_GB MEMORY_MB VCPU"
else
  skips+=("OpenStack Placement (python3-placement from ../shared/peers/install-peers) is not available")
fi

if [ "$failures" -ne 0 ]; then
  echo "--- agent log"; tail -30 "$tmp/agent.log"
  echo "$failures check(s) failed"
  exit 1
fi
if [ "${#skips[@]}" -ne 0 ]; then
  for s in "${skips[@]}"; do echo "skipped: $s"; done
  echo "every agent check that ran passed; ${#skips[@]} part(s) skipped"
  exit 77
fi
echo "all agent checks passed"
