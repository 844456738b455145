#!/usr/bin/env bash
# Runs OpenStack Placement's own gabbi API tests (core and seeded groups, from
# ../shared/peers/placement) against a fresh stratus-placement on 127.0.0.1.
# Every test of every file must pass, as they do against OpenStack Placement 8.0.
# Usage: run_gabbits_test.sh STRATUS_PLACEMENT SOURCE_DIR
set -u
server=$1
src=$2
peers="$src/../shared/peers/placement"
if [ ! -x "$peers/run_gabbits.sh" ]; then
  echo "skipped: $peers is not here (it comes with ../shared)"
  exit 77
fi
if ! /usr/bin/python3 -c "import gabbi" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    bash "$src/../shared/peers/install-peers" >/dev/null
  else
    echo "skipped: python3-gabbi is not installed and this is not root"
    exit 77
  fi
fi
tmp=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null && break
  sleep 0.1
done
"$peers/run_gabbits.sh" "http://127.0.0.1:$port" --groups core,seeded >"$tmp/out.txt" 2>&1
cat "$tmp/out.txt" | grep -E "^(OK|FAIL)|passed"
if ! grep -qE "^[1-9][0-9]* passed, 0 failed" "$tmp/out.txt"; then
  echo "FAIL: not every core and seeded gabbit passed ; the failing ones are above"
  exit 1
fi
