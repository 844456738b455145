#!/usr/bin/env bash
# ../shared/peers/osc/osc-scenario.sh, unchanged, with the real openstack CLI against
# stratus-api, stratus-placement and one stratus-compute on the real libvirt.
# Usage: osc_scenario_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
scenario="$src/../shared/peers/osc/osc-scenario.sh"
if [ ! -f "$scenario" ]; then
  echo "skipped: $scenario is not here (it comes with ../shared)"; exit 77
fi
if ! [ -x /usr/bin/openstack ] || ! /usr/bin/python3 -c "import osc_placement" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
  else
    echo "skipped: the openstack CLI with osc-placement is not installed and this is not root"; exit 77
  fi
fi
. "$(dirname "$0")/stack.sh"
start_placement && start_api || { echo "FAIL: services did not start"; exit 1; }
start_agent "osc-$$"
wait_for 15 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q 'osc-$$'" ||
  { echo "FAIL: the agent did not report"; exit 1; }
# etc/clouds.yaml with this run's ports.
sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
    -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
if bash "$scenario" "$tmp" >"$tmp/scenario.log" 2>&1; then
  grep -E "^### (ALL|\[)" "$tmp/scenario.log" | tail -3
  exit 0
fi
tail -40 "$tmp/scenario.log"
echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -10
exit 1
