# Sourced by the tests that drive the unmodified openstack CLI.
# require_osc SOURCE_DIR: installs the peers' CLI when it is missing and we are root,
# else exits 77 (a skip, with its reason).
require_osc() {
  osc_ready() { [ -x /usr/bin/openstack ] && /usr/bin/python3 -c "import osc_placement" 2>/dev/null; }
  if ! osc_ready; then
    if [ "$(id -u)" = 0 ] && [ -f "$1/../shared/peers/install-peers" ]; then
      bash "$1/../shared/peers/install-peers" >/dev/null 2>&1
    fi
    osc_ready || { echo "skipped: the openstack CLI with osc-placement is not installed"; exit 77; }
  fi
}

# The server-action helpers below need osc(), check() (stack.sh) and failures.
# "STATUS vm_state power_state" as `openstack server show -f json` prints them (power_state as Nova's code).
shown() {
  osc server show "$1" -f json -c status -c OS-EXT-STS:vm_state -c OS-EXT-STS:power_state |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["OS-EXT-STS:vm_state"], d["OS-EXT-STS:power_state"])' 2>/dev/null
}
wait_shown() {  # wait_shown ID "STATUS vm_state power" SECONDS; the last state seen in $last
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    last=$(shown "$1"); [ "$last" = "$2" ] && return 0; sleep 0.3
  done
  return 1
}
domstate() { virsh -c qemu:///system domstate --reason "stratus-$1" 2>&1 | head -1; }
act() {  # act DESCRIPTION ID "STATUS vm_state power" DOMSTATE-PREFIX openstack-args...
  local what=$1 id=$2 want=$3 dom=$4; shift 4
  out=$(osc "$@" "$id") || { echo "FAIL: $what: openstack $*: $out"; failures=$((failures + 1)); return; }
  if wait_shown "$id" "$want" 60; then
    echo "ok: $what: the CLI shows $want"
  else
    echo "FAIL: $what: the CLI shows '$last', wanted '$want'"; failures=$((failures + 1))
  fi
  local d; d=$(domstate "$id")
  check "$what: virsh domstate says '$dom' (got '$d')" test "${d#"$dom"}" != "$d"
}
