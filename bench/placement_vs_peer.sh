#!/usr/bin/env bash
# stratus-placement against OpenStack Placement 8.0, side by side in one run: the same
# loader, the same data (seeded), the same benchmark client, back to back.
# Usage: bench/placement_vs_peer.sh N [OUT_DIR]   (after scripts/build; needs ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: placement_vs_peer.sh N [OUT_DIR]}
out=${2:-/tmp/stratus-bench-$n}
peers=../shared/peers/placement
[ -x "$peers/run_placement.sh" ] || { echo "needs ../shared/peers/placement" >&2; exit 2; }
bash ../shared/peers/install-peers >/dev/null
mkdir -p "$out"
ours_port=8791
peer_port=8779
bench_args=(--lat-requests "${LAT_REQUESTS:-200}" --lat-seconds "${LAT_SECONDS:-15}"
            --tput-requests "${TPUT_REQUESTS:-3000}" --tput-seconds "${TPUT_SECONDS:-10}")

rm -rf "$out/stratus-db"
build/bin/stratus-placement --bind "127.0.0.1:$ours_port" --db "sqlite://$out/stratus-db/p.db" \
  >"$out/stratus.log" 2>&1 &
ours=$!
PORT=$peer_port STATE_DIR="$out/peer" "$peers/run_placement.sh" reset >"$out/peer-start.log" 2>&1
trap 'kill $ours 2>/dev/null || true; PORT=$peer_port STATE_DIR="$out/peer" "$peers/run_placement.sh" stop >/dev/null 2>&1 || true' EXIT
sleep 1

rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
peer_pid() { pgrep -f "gunicorn.*$peer_port" | tail -1; }

for target in stratus:$ours_port peer:$peer_port; do
  name=${target%%:*}
  port=${target##*:}
  start=$(date +%s.%N)
  /usr/bin/python3 "$peers/load.py" "http://127.0.0.1:$port" "$n" --out "$out/load-$name.json" \
    >"$out/load-$name.log" 2>&1
  end=$(date +%s.%N)
  echo "$name load of $n providers: $(echo "$end - $start" | bc) s"
done
echo "stratus RSS after load: $(rss_kib $ours) KiB; peer RSS: $(rss_kib "$(peer_pid)") KiB"
for target in stratus:$ours_port peer:$peer_port; do
  name=${target%%:*}
  port=${target##*:}
  /usr/bin/python3 "$peers/bench.py" "http://127.0.0.1:$port" --n "$n" "${bench_args[@]}" \
    --out "$out/bench-$name.json" >"$out/bench-$name.log" 2>&1
done
/usr/bin/python3 "$peers/summarize_bench.py" "$out/bench-stratus.json" "$out/bench-peer.json"
