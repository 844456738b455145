#!/usr/bin/env bash
# Operators' own inventories and Nova's provider config files, with the binaries: a real
# stratus-placement on 127.0.0.1 and stratus-compute --once on captured host facts.
# An inventory set with the openstack CLI survives the agent's syncs; a provider config
# file's custom inventory and trait appear in placement and go again when the file stops
# naming them; a bad file stops the agent with exit 2 and one line naming file and field.
# Usage: provider_config_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
placement=
cleanup() {
  [ -n "$placement" ] && { kill "$placement" 2>/dev/null; wait "$placement" 2>/dev/null; }
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
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
get() {  # get PATH -> JSON
  curl -sf -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.26' "$url$1"
}
inventory() {  # inventory UUID CLASS -> "total reserved allocation_ratio", or "none"
  get "/resource_providers/$1/inventories" | /usr/bin/python3 -c '
import json, sys
inv = json.load(sys.stdin)["inventories"].get(sys.argv[1])
print("none" if inv is None else "%d %d %s" % (inv["total"], inv["reserved"], inv["allocation_ratio"]))' "$2"
}
has_trait() {  # has_trait UUID TRAIT
  get "/resource_providers/$1/traits" | /usr/bin/python3 -c '
import json, sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin)["traits"] else 1)' "$2"
}

port=$(free_port)
url="http://127.0.0.1:$port"
host="pc-agent-$$"
"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/placement.log" 2>&1 &
placement=$!
check "placement is up" wait_for 10 curl -sf -o /dev/null -H 'X-Auth-Token: admin' "$url/"

mkdir -p "$tmp/pc"
cat >"$tmp/stratus.conf" <<CONF
[DEFAULT]
host = $host
[placement]
url = $url
[compute]
instances_path = $tmp/instances
host_facts = $src/virt/testdata/hosts/x86-kvm-libvirt9.json
provider_config_location = $tmp/pc
CONF
cat >"$tmp/pc/compute.yaml" <<'YAML'
meta:
  schema_version: '1.0'
providers:
  - identification:
      uuid: $COMPUTE_NODE
    inventories:
      additional:
        - CUSTOM_FPGA_SLOTS:
            total: 4
            reserved: 1
            allocation_ratio: 2.0
    traits:
      additional:
        - CUSTOM_RACK_7
YAML
agent() { "$bin/stratus-compute" --once --config "$tmp/stratus.conf" "$@" >>"$tmp/agent.log" 2>&1; }

check "stratus-compute --once publishes the host with a provider config" agent
uuid=$(get "/resource_providers?name=$host" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["resource_providers"][0]["uuid"])')
check "the file's CUSTOM_FPGA_SLOTS is in placement (total 4, reserved 1, ratio 2.0)" \
  test "$(inventory "$uuid" CUSTOM_FPGA_SLOTS)" = "4 1 2.0"
check "the file's CUSTOM_RACK_7 is on the provider" has_trait "$uuid" CUSTOM_RACK_7
check "the agent's own VCPU is there too" test "$(inventory "$uuid" VCPU)" = "2 0 4.0"

# The operator's own class, set the way Nova's operators do it.
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
  osc() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" HOME="$tmp" /usr/bin/openstack --os-cloud test-placement "$@" >>"$tmp/osc.log" 2>&1; }
  check "openstack resource class create CUSTOM_X" osc --os-placement-api-version 1.2 resource class create CUSTOM_X
  check "openstack resource provider inventory set --resource CUSTOM_X=4 --amend" \
    osc resource provider inventory set "$uuid" --resource CUSTOM_X=4 --amend
else
  echo "note: the openstack CLI with osc-placement is not installed; the operator's inventory is PUT with curl"
  curl -sf -X PUT -H 'X-Auth-Token: admin' -H 'OpenStack-API-Version: placement 1.26' "$url/resource_classes/CUSTOM_X" >/dev/null
  body=$(get "/resource_providers/$uuid/inventories" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
d["inventories"]["CUSTOM_X"] = {"total": 4}
print(json.dumps(d))')
  check "the operator PUTs CUSTOM_X=4" curl -sf -o /dev/null -X PUT -H 'X-Auth-Token: admin' \
    -H 'OpenStack-API-Version: placement 1.26' -H 'Content-Type: application/json' \
    -d "$body" "$url/resource_providers/$uuid/inventories"
fi
check "first sync after the operator's write" agent
check "second sync" agent
check "the operator's CUSTOM_X survives two syncs" test "$(inventory "$uuid" CUSTOM_X)" = "4 0 1.0"
check "the second sync wrote nothing" sh -c "tail -n 1 '$tmp/agent.log' | grep -q 'in sync, nothing written'"

# The file stops naming the FPGA slots: they go at the next start; the operator's stay.
cat >"$tmp/pc/compute.yaml" <<YAML
meta:
  schema_version: '1.0'
providers:
  - identification:
      name: $host
    traits:
      additional: [CUSTOM_RACK_7]
YAML
check "a sync with the changed file" agent
check "CUSTOM_FPGA_SLOTS is gone with the file's line" test "$(inventory "$uuid" CUSTOM_FPGA_SLOTS)" = "none"
check "CUSTOM_X, the operator's, is still there" test "$(inventory "$uuid" CUSTOM_X)" = "4 0 1.0"
check "CUSTOM_RACK_7 is still there" has_trait "$uuid" CUSTOM_RACK_7

# A bad file: exit 2, one line naming the file and the field, nothing written.
cat >"$tmp/pc/zz-bad.yaml" <<'YAML'
meta:
  schema_version: '1.0'
providers:
  - identification: {uuid: $COMPUTE_NODE}
    inventories:
      additional:
        - CUSTOM_Y: {total: -1}
YAML
want="stratus-compute: $tmp/pc/zz-bad.yaml: providers[0].inventories.additional[0].CUSTOM_Y.total='-1' is invalid: out of range; allowed: a whole number from 1 to 2147483647"
writes_before=$(grep -cE '^(PUT|POST|DELETE) ' "$tmp/placement.log")
for mode in --once ""; do
  "$bin/stratus-compute" $mode --config "$tmp/stratus.conf" >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  check "a bad provider config file: exit 2 (${mode:-running})" test "$rc" = 2
  check "... with one line naming the file and the field (${mode:-running})" \
    test "$(cat "$tmp/bad.err")" = "$want"
done
check "... and nothing written to placement" test "$(grep -cE '^(PUT|POST|DELETE) ' "$tmp/placement.log")" = "$writes_before"
# Files that parse but clash with this host: one provider named twice, by name and by uuid.
rm "$tmp/pc/zz-bad.yaml"
cat >"$tmp/pc/zz-twice.yaml" <<YAML
meta: {schema_version: '1.0'}
providers:
  - identification: {uuid: $uuid}
    traits: {additional: [CUSTOM_TWICE]}
YAML
want="stratus-compute: $tmp/pc/zz-twice.yaml: providers[0].identification='uuid $uuid' is invalid: it names provider $host, which $tmp/pc/compute.yaml: providers[0] names too; allowed: one entry per provider"
for mode in --once ""; do
  "$bin/stratus-compute" $mode --config "$tmp/stratus.conf" >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  check "one provider named twice: exit 2 (${mode:-running})" test "$rc" = 2
  check "... with its one line last (${mode:-running})" test "$(tail -n 1 "$tmp/bad.err")" = "$want"
done
check "... and nothing written to placement" test "$(grep -cE '^(PUT|POST|DELETE) ' "$tmp/placement.log")" = "$writes_before"
check "--provider-config-location '' reads no files" \
  "$bin/stratus-compute" --once --config "$tmp/stratus.conf" --provider-config-location ''
check "a directory that does not exist holds no files (as in Nova)" \
  "$bin/stratus-compute" --once --config "$tmp/stratus.conf" --provider-config-location "$tmp/no-such-dir"

if [ "$failures" -ne 0 ]; then
  echo "--- agent log"; tail -20 "$tmp/agent.log"
fi
echo "$failures failure(s)"
[ "$failures" = 0 ]
