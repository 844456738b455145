#!/usr/bin/env bash
# PCI passthrough's placement query at fleet scale, stratus-placement against OpenStack
# Placement 8.0 side by side in one run: HOSTS compute nodes with 8 PCI child providers
# each, then allocation candidates for two VFs from different PFs (group_policy=isolate).
# Usage: bench/pci_vs_peer.sh HOSTS [OUT_DIR]   (after scripts/build; needs ../shared)
# REUSE=1 keeps what an earlier run with the same OUT_DIR loaded into both (loading 9,000
# providers into the peer takes about 40 minutes) and only measures again.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:?usage: pci_vs_peer.sh HOSTS [OUT_DIR]}
out=${2:-/tmp/stratus-pci-bench-$hosts}
peers=../shared/peers/placement
[ -x "$peers/run_placement.sh" ] || { echo "needs ../shared/peers/placement" >&2; exit 2; }
bash ../shared/peers/install-peers >/dev/null
mkdir -p "$out"
ours_port=8792
peer_port=8780
reuse=${REUSE:-0}
[ "$reuse" = 1 ] && [ -f "$out/stratus-db/p.db" ] && [ -f "$out/peer/placement.sqlite" ] || reuse=0
[ "$reuse" = 1 ] || rm -rf "$out/stratus-db"
mkdir -p "$out/stratus-db"
build/bin/stratus-placement --bind "127.0.0.1:$ours_port" --db "sqlite://$out/stratus-db/p.db" \
  >"$out/stratus.log" 2>&1 &
ours=$!
PORT=$peer_port STATE_DIR="$out/peer" "$peers/run_placement.sh" stop >/dev/null 2>&1 || true
PORT=$peer_port STATE_DIR="$out/peer" "$peers/run_placement.sh" "$([ "$reuse" = 1 ] && echo start || echo reset)" \
  >"$out/peer-start.log" 2>&1
trap 'kill $ours 2>/dev/null || true; PORT=$peer_port STATE_DIR="$out/peer" "$peers/run_placement.sh" stop >/dev/null 2>&1 || true' EXIT
sleep 1
for target in stratus:$ours_port peer:$peer_port; do
  [ "$reuse" = 1 ] && break
  name=${target%%:*}; port=${target##*:}
  echo "$name load: $(/usr/bin/python3 bench/pci_candidates.py load "http://127.0.0.1:$port" "$hosts")"
done
for target in stratus:$ours_port peer:$peer_port; do
  name=${target%%:*}; port=${target##*:}
  /usr/bin/python3 bench/pci_candidates.py measure "http://127.0.0.1:$port" \
    --requests "${REQUESTS:-200}" --seconds "${SECONDS_PER_QUERY:-60}" --out "$out/measure-$name.json" >/dev/null
done
/usr/bin/python3 - "$out/measure-stratus.json" "$out/measure-peer.json" <<'PY'
import json, sys
ours, peer = (json.load(open(p)) for p in sys.argv[1:3])
print("%-16s %10s %10s %9s %9s %9s %9s %7s" % ("query", "cand ours", "cand peer", "p50 ours", "p99 ours", "p50 peer", "p99 peer", "ratio"))
for q in ours:
    o, p = ours[q], peer[q]
    print("%-16s %10d %10d %8.2fms %8.2fms %8.1fms %8.1fms %6.0fx" % (
        q, o["candidates"], p["candidates"], o["median_ms"], o["p99_ms"], p["median_ms"], p["p99_ms"], p["median_ms"] / o["median_ms"]))
PY
