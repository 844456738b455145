#!/usr/bin/env bash
# Flavor and image placement requests end to end with the unmodified openstack CLI:
# stratus-placement, stratus-api and two stratus-compute agents reporting captured facts
# (dry-run guests). Shows: trait:CUSTOM_GOLD=required lands only on the host that has the
# trait; forbidden keeps servers off it; resources:CUSTOM_MAGIC=1 lands on the one
# provider an operator gave that class, and a second ends ERROR naming the key; with
# the trait gone from every host the server ends ERROR naming trait:CUSTOM_GOLD; bad
# keys are refused when set (exit status and message from the CLI).
# Usage: flavor_request_e2e_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/osc_lib.sh"
require_osc "$src"
. "$(dirname "$0")/stack.sh"
gold="gold-$$"
plain="plain-$$"
cat >"$tmp/agent.conf" <<CONF
[compute]
work_poll_interval_ms = 200
# Frequent syncs: the operator's inventory below must survive them.
resource_provider_sync_interval = 1
CONF
for h in "$gold" "$plain"; do
  /usr/bin/python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); f["hostname"]=sys.argv[2]; print(json.dumps(f))' \
    "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$h" >"$tmp/$h.json"
done
start_placement && start_api || { echo "FAIL: services did not start"; exit 1; }
for h in "$gold" "$plain"; do
  start_agent "$h" --config "$tmp/agent.conf" --host-facts "$tmp/$h.json" --guest-driver dry-run
done
for h in "$gold" "$plain"; do
  check "agent $h reports" wait_for 20 sh -c \
    "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$h\"'"
done
sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
    -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
osc() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" /usr/bin/openstack --os-cloud stratus "$@"; }
oscp() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" /usr/bin/openstack --os-cloud stratus-placement --os-placement-api-version 1.39 "$@"; }
field() { osc server show "$1" -f value -c "$2" 2>/dev/null; }
wait_server() {  # wait_server NAME: until ACTIVE or ERROR (30 s); prints the status
  local s=""
  for _ in $(seq 1 150); do
    s=$(field "$1" status)
    case "$s" in ACTIVE|ERROR) break ;; esac
    sleep 0.2
  done
  echo "$s"
}
refused() {  # refused DESCRIPTION SUBSTRING CMD...: the CLI fails and prints SUBSTRING
  local what=$1 want=$2; shift 2
  local out
  if out=$("$@" 2>&1); then
    echo "FAIL: $what: the command succeeded"; failures=$((failures + 1))
  elif printf '%s' "$out" | grep -qF -- "$want"; then
    echo "ok: $what"
  else
    echo "FAIL: $what: $out"; failures=$((failures + 1))
  fi
}

"$bin/stratus" trait set --placement-url "$placement_url" --provider "$gold" CUSTOM_GOLD >/dev/null
check "CUSTOM_GOLD is on $gold's provider" sh -c \
  "'$bin/stratus' trait list -f value --placement-url '$placement_url' --provider '$gold' | grep -qE '^CUSTOM_GOLD([[:space:]]|$)'"
: >"$tmp/empty.raw"
osc image create --disk-format raw --container-format bare --file "$tmp/empty.raw" img >/dev/null
osc flavor create --vcpus 1 --ram 64 --disk 1 f-gold >/dev/null
osc flavor set --property trait:CUSTOM_GOLD=required f-gold
check "the flavor keeps trait:CUSTOM_GOLD=required" sh -c \
  "OS_CLIENT_CONFIG_FILE='$tmp/clouds.yaml' /usr/bin/openstack --os-cloud stratus flavor show f-gold -f value -c properties | grep -q CUSTOM_GOLD"
refused "a trait that is neither standard nor custom is refused when set" \
  "trait:GOLD='required' is invalid: GOLD is neither a standard trait nor a custom one" \
  osc flavor set --property trait:GOLD=required f-gold
refused "a value other than required/forbidden is refused when set" \
  "trait:CUSTOM_GOLD='preferred' is invalid: not a trait requirement; allowed: required, forbidden" \
  osc flavor set --property trait:CUSTOM_GOLD=preferred f-gold
refused "an extra spec Stratus does not act on is refused, listing what it honours" \
  "quota:cpu_shares='1024' is invalid: Stratus does not act on this extra spec; allowed: extra specs in the namespaces Stratus acts on: hw: (" \
  osc flavor set --property quota:cpu_shares=1024 f-gold
refused "an unknown standard resource class is refused when set" \
  "resources:VGPUS='1' is invalid: VGPUS is not a standard resource class" \
  osc flavor set --property resources:VGPUS=1 f-gold
refused "an image may only require a trait" \
  "trait:CUSTOM_GOLD='forbidden' is invalid: an image may only require a trait; allowed: required" \
  osc image set --property trait:CUSTOM_GOLD=forbidden img

for n in 1 2; do
  osc server create --flavor f-gold --image img --nic none "g$n" >/dev/null
  check "g$n (trait:CUSTOM_GOLD=required) is ACTIVE" test "$(wait_server "g$n")" = ACTIVE
  check "g$n is on $gold" test "$(field "g$n" OS-EXT-SRV-ATTR:host)" = "$gold"
done

osc flavor create --vcpus 1 --ram 64 --disk 1 f-nogold >/dev/null
osc flavor set --property trait:CUSTOM_GOLD=forbidden f-nogold
for n in 1 2; do
  osc server create --flavor f-nogold --image img --nic none "n$n" >/dev/null
  check "n$n (trait:CUSTOM_GOLD=forbidden) is ACTIVE" test "$(wait_server "n$n")" = ACTIVE
  check "n$n is on $plain" test "$(field "n$n" OS-EXT-SRV-ATTR:host)" = "$plain"
done

osc flavor create --vcpus 1 --ram 64 --disk 1 f-vcpu >/dev/null
osc flavor set --property trait:COMPUTE_IOMMU_MODEL_INTEL=forbidden --property hw:viommu_model=intel f-vcpu
refused "a trait both required (hw:viommu_model=intel) and forbidden is a 400 at create" \
  "COMPUTE_IOMMU_MODEL_INTEL would be both required, by prefilter viommu_model (hw:viommu_model=intel), and forbidden, by flavor trait:COMPUTE_IOMMU_MODEL_INTEL=forbidden" \
  osc server create --flavor f-vcpu --image img --nic none clash

# An operator's custom class on one provider: the agent's syncs (every second here) keep it.
plain_rp=$(oscp resource provider list --name "$plain" -f value -c uuid)
oscp resource class create CUSTOM_MAGIC >/dev/null
oscp resource provider inventory set "$plain_rp" --amend --resource CUSTOM_MAGIC=1 >/dev/null
magic_left() { oscp resource provider inventory list "$plain_rp" -f value -c resource_class | grep -qx CUSTOM_MAGIC; }
check "CUSTOM_MAGIC is in $plain's inventory" magic_left
sleep 3
check "it is still there after the agent's syncs" magic_left
osc flavor create --vcpus 1 --ram 64 --disk 1 f-magic >/dev/null
osc flavor set --property resources:CUSTOM_MAGIC=1 f-magic
osc server create --flavor f-magic --image img --nic none m1 >/dev/null
m1=$(wait_server m1)
check "m1 (resources:CUSTOM_MAGIC=1) is ACTIVE" test "$m1" = ACTIVE
check "m1 is on $plain, the provider with CUSTOM_MAGIC" test "$(field m1 OS-EXT-SRV-ATTR:host)" = "$plain"
osc server create --flavor f-magic --image img --nic none m2 >/dev/null
check "m2 ends ERROR: the one CUSTOM_MAGIC is taken" test "$(wait_server m2)" = ERROR
fault=$(field m2 fault)
check "m2's fault names resources:CUSTOM_MAGIC=1 ($fault)" sh -c \
  "printf '%s' \"\$1\" | grep -qF 'flavor resources:CUSTOM_MAGIC=1 removed 2 hosts, leaving 0'" _ "$fault"

"$bin/stratus" trait unset --placement-url "$placement_url" --provider "$gold" CUSTOM_GOLD >/dev/null
osc server create --flavor f-gold --image img --nic none g3 >/dev/null
check "g3 ends ERROR once no host has CUSTOM_GOLD" test "$(wait_server g3)" = ERROR
fault=$(field g3 fault)
check "g3's fault names the trait ($fault)" sh -c \
  "printf '%s' \"\$1\" | grep -qF 'flavor trait:CUSTOM_GOLD=required removed 2 hosts, leaving 0'" _ "$fault"

if [ "$failures" -ne 0 ]; then
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -20
fi
exit $(( failures > 0 ))
