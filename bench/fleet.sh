#!/usr/bin/env bash
# Fleet simulation: N stratus-compute agents (--once, each with --host-facts from one of
# the captured hosts in virt/testdata/hosts, round robin) start together against one
# stratus-placement on 127.0.0.1. Prints the wall time until the last one finished its
# first sync, then checks that every provider holds exactly the traits its facts imply.
# Usage: bench/fleet.sh [N=200] [BOUND_SECONDS=120] [BIN_DIR=build/bin]
# Exit 1 if an agent failed, a provider's traits are wrong, or the bound was exceeded.
set -u
n=${1:-200}
bound=${2:-120}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${3:-$src/build/bin}
tmp=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$bin/stratus-placement" --bind "127.0.0.1:$port" --db "sqlite://$tmp/placement.db" >"$tmp/placement.log" 2>&1 &
placement=$!
trap 'kill $placement 2>/dev/null; wait $placement 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do curl -sf "$url/" >/dev/null && break; sleep 0.1; done

hosts=("$src"/virt/testdata/hosts/*.json)
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  facts=${hosts[$(( (i - 1) % ${#hosts[@]} ))]}
  "$bin/stratus-compute" --once --host "fleet-$i" --placement-url "$url" --host-facts "$facts" \
    --instances-path "$tmp/instances" >"$tmp/agent-$i.log" 2>&1 &
  echo "$! $i $facts" >>"$tmp/agents"
done
failed=0
while read -r pid i facts; do
  wait "$pid" || { echo "agent fleet-$i failed: $(tail -1 "$tmp/agent-$i.log")"; failed=$((failed + 1)); }
done <"$tmp/agents"
end=$(date +%s.%N)
elapsed=$(/usr/bin/python3 -c "print(f'{$end - $start:.2f}')")
echo "fleet: $n agents, first sync of all finished in $elapsed s ($failed failed)"

# Every provider has exactly the traits `stratus host traits` derives from its facts.
wrong=0
/usr/bin/python3 - "$url" >"$tmp/actual" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
def get(path):
    req = urllib.request.Request(url + path, headers={"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.26"})
    return json.load(urllib.request.urlopen(req))
for rp in get("/resource_providers")["resource_providers"]:
    traits = sorted(get("/resource_providers/%s/traits" % rp["uuid"])["traits"])
    print(rp["name"], ",".join(traits))
PY
declare -A expected
for facts in "${hosts[@]}"; do
  expected[$facts]=$("$bin/stratus" host traits --host-facts "$facts" | paste -sd, -)
done
while read -r pid i facts; do
  got=$(awk -v h="fleet-$i" '$1 == h {print $2}' "$tmp/actual")
  if [ "$got" != "${expected[$facts]}" ]; then
    echo "fleet-$i ($(basename "$facts")): traits '$got', expected '${expected[$facts]}'"
    wrong=$((wrong + 1))
  fi
done <"$tmp/agents"
echo "fleet: $(wc -l <"$tmp/actual") providers, $wrong with wrong traits"
over=$(/usr/bin/python3 -c "print(1 if $elapsed > $bound else 0)")
[ "$over" = 1 ] && echo "fleet: over the bound of $bound s"
[ "$failed" = 0 ] && [ "$wrong" = 0 ] && [ "$over" = 0 ]
