#!/usr/bin/env bash
# ../shared/peers/placement/osc.sh (16 steps of the openstack CLI's placement commands)
# against a fresh stratus-placement on 127.0.0.1.
# Usage: osc_test.sh STRATUS_PLACEMENT SOURCE_DIR
set -u
server=$1
src=$2
script="$src/../shared/peers/placement/osc.sh"
[ -f "$script" ] || { echo "skipped: $script is not here (it comes with ../shared)"; exit 77; }
if ! /usr/bin/python3 -c "import osc_placement" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
  else echo "skipped: osc-placement is not installed and this is not root"; exit 77; fi
fi
tmp=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
bash "$script" "http://127.0.0.1:$port" >"$tmp/out" 2>&1
rc=$?
tail -3 "$tmp/out"
exit $rc
