#!/usr/bin/env bash
# Placement on PostgreSQL (issue 16), in one run, with the peers' loader and client
# (../shared/peers/placement/load.py and bench.py):
#  1. stratus-placement on SQLite and on PostgreSQL, N providers each: candidates,
#     trait reads and writes, claims (one client and 4 clients);
#  2. stratus-placement and OpenStack Placement 8.0 on the same PostgreSQL server
#     (SQLAlchemy through python3-psycopg2), PEER_N providers each: trait writes and
#     claims, one client;
#  3. two stratus-placement instances on the PostgreSQL database of step 1 behind
#     HAProxy (round robin): claims from 8 clients.
# Usage: bench/placement_pg.sh [N [PEER_N [OUT_DIR]]]   (as root, after scripts/build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
peer_n=${2:-1000}
out=${3:-/tmp/stratus-bench-pg}
peers=../shared/peers/placement
py=/usr/bin/python3
[ -x "$peers/run_placement.sh" ] || { echo "needs ../shared/peers/placement" >&2; exit 2; }
bash ../shared/peers/install-peers >/dev/null
apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-psycopg2 haproxy >/dev/null
scripts/start-postgres >/dev/null
rm -rf "$out"; mkdir -p "$out"
base=$(cat /etc/stratus/postgres.url)
password=$(cat /etc/stratus/postgres-password)
lat=${LAT_SECONDS:-10}; tput=${TPUT_SECONDS:-8}
bench_args=(--lat-requests "${LAT_REQUESTS:-200}" --lat-seconds "$lat"
            --tput-requests "${TPUT_REQUESTS:-3000}" --tput-seconds "$tput")
psql_admin() { runuser -u postgres -- psql -X -q -tA -v ON_ERROR_STOP=1 "$@"; }
dbs=(stratus_bench_big stratus_bench_small peer_bench)
for d in "${dbs[@]}"; do
  psql_admin -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null
  psql_admin -c "CREATE DATABASE $d OWNER stratus" >/dev/null
done
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$out/peer/gunicorn.pid" ] && kill "$(cat "$out/peer/gunicorn.pid")" 2>/dev/null || true
  for d in "${dbs[@]}"; do psql_admin -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

start_stratus() {  # start_stratus NAME PORT DB_URL
  build/bin/stratus-placement --bind "127.0.0.1:$2" --db "$3" >"$out/$1.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/" -o /dev/null && return 0; sleep 0.1; done
  echo "$1 did not start" >&2; exit 1
}
load() {  # load NAME PORT COUNT
  local start end
  start=$(date +%s.%N)
  $py "$peers/load.py" "http://127.0.0.1:$2" "$3" --out "$out/load-$1.json" >"$out/load-$1.log" 2>&1
  end=$(date +%s.%N)
  echo "$1: loaded $3 providers in $(echo "$end - $start" | bc) s"
}
bench() {  # bench NAME PORT COUNT SCENARIOS [EXTRA...]
  local name=$1 port=$2 count=$3 scen=$4; shift 4
  $py "$peers/bench.py" "http://127.0.0.1:$port" --n "$count" --scenarios "$scen" \
    "${bench_args[@]}" "$@" --out "$out/bench-$name.json" >"$out/bench-$name.log" 2>&1
}

echo "== 1. stratus on SQLite and on PostgreSQL, $n providers"
start_stratus sqlite 18801 "sqlite://$out/sqlite/p.db"
start_stratus pg 18802 "${base}stratus_bench_big"
load sqlite 18801 "$n"
load pg 18802 "$n"
scen=ac_limit1000,ac_forbidden,ac_anyof,get_traits,put_traits,claim
bench sqlite 18801 "$n" "$scen" --concurrency 4
bench pg 18802 "$n" "$scen" --concurrency 4
$py "$peers/summarize_bench.py" "$out/bench-pg.json" "$out/bench-sqlite.json"

echo "== 2. stratus and OpenStack Placement 8.0 on the same PostgreSQL, $peer_n providers"
start_stratus pg-small 18803 "${base}stratus_bench_small"
mkdir -p "$out/peer"
cat >"$out/peer/placement.conf" <<CONF
[DEFAULT]
debug = false
log_file = $out/peer/placement.log
[api]
auth_strategy = noauth2
[placement_database]
connection = postgresql+psycopg2://stratus:$password@127.0.0.1:${STRATUS_PG_PORT:-5432}/peer_bench
[placement]
randomize_allocation_candidates = false
CONF
/usr/bin/placement-manage --config-dir "$out/peer" db sync >"$out/peer/db_sync.log" 2>&1
# The same server the peers' run_placement.sh starts (gunicorn, 1 worker x 1 thread).
OS_PLACEMENT_CONFIG_DIR="$out/peer" $py -m gunicorn --chdir "$(cd "$peers" && pwd)" \
  --bind 127.0.0.1:18804 --workers 1 --threads 1 --worker-class gthread --keep-alive 30 \
  --timeout 300 --pid "$out/peer/gunicorn.pid" --daemon --error-logfile "$out/peer/gunicorn.log" \
  placement_wsgi_app:application
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18804/ -o /dev/null && break; sleep 0.2; done
load pg-small 18803 "$peer_n"
load peer-pg 18804 "$peer_n"
bench pg-small 18803 "$peer_n" put_traits,claim --concurrency 1
bench peer-pg 18804 "$peer_n" put_traits,claim --concurrency 1
$py "$peers/summarize_bench.py" "$out/bench-pg-small.json" "$out/bench-peer-pg.json"

echo "== 3. two stratus instances on one PostgreSQL database behind HAProxy, 8 clients"
start_stratus pg-second 18805 "${base}stratus_bench_big"
cat >"$out/haproxy.cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend placement
  bind 127.0.0.1:18806
  default_backend instances
backend instances
  balance roundrobin
  server a 127.0.0.1:18802
  server b 127.0.0.1:18805
EOF
haproxy -f "$out/haproxy.cfg" -db >"$out/haproxy.log" 2>&1 &
pids+=("$!")
sleep 1
bench two-haproxy 18806 "$n" claim --concurrency 8
$py - "$out/bench-two-haproxy.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["scenarios"]["claim"]["throughput"]
print("claims through HAProxy over two instances, 8 clients: %s req/s, median %s ms, p99 %s ms, statuses %s"
      % (t["throughput_rps"], t.get("median_ms"), t.get("p99_ms"), t["status_counts"]))
EOF
