#!/usr/bin/env bash
# Live-calls benchmarks (docs/benchmarks.md, "Live calls"): (a) subscribed connections per
# second, (b) fan-out rate search, (c) memory per idle subscriber, against a voxgate started
# here on 127.0.0.1 with a temporary config and database, stopped again at the end.
#
#   bench/live_calls.sh              build the release preset (incremental), then run
#   bench/live_calls.sh BUILD_DIR    use BUILD_DIR/voxgate and BUILD_DIR/bench/voxgate_loadgen
#
# Environment: PORT (18480), SCENARIOS ("a b c", the ones to run), QUICK=1 (a short smoke run with 500 connections), the sizes below,
# POLL_SLEEP_US (the load generator's --poll-sleep-us, default 0), and FLOOR=1 to run the same
# scenarios against voxgate_floor_server (the least work the scenarios can observe: what this
# machine allows). Every step is bounded: each load generator run has a timeout, so does every
# wait.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-18480}
if [[ ${QUICK:-0} == 1 ]]; then
  CONNECT_N=${CONNECT_N:-500} ROUNDS=${ROUNDS:-2} SUBSCRIBERS=${SUBSCRIBERS:-500}
  ORGS=${ORGS:-10} MEMORY_LEVELS=${MEMORY_LEVELS:-300,500}
  SEARCH_ARGS=${SEARCH_ARGS:---rate-start 500 --max-steps 3 --refine-steps 1 --step-s 2 --sustain-s 3 --half-s 2}
else
  CONNECT_N=${CONNECT_N:-10000} ROUNDS=${ROUNDS:-3} SUBSCRIBERS=${SUBSCRIBERS:-10000}
  ORGS=${ORGS:-100} MEMORY_LEVELS=${MEMORY_LEVELS:-10000,19000}
  SEARCH_ARGS=${SEARCH_ARGS:-}
fi

die() { echo "live_calls.sh: $*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/voxgate-bench.XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
use_build "${1:-}" voxgate_floor_server
FLOOR_SERVER=$BUILD/bench/voxgate_floor_server
if [[ ${FLOOR:-0} == 1 ]]; then
  [[ -x $FLOOR_SERVER ]] || die "$FLOOR_SERVER is missing"
else
  [[ -x $VOXGATE ]] || die "$VOXGATE is missing"
fi
SECRET=$(random_hex)
API_KEY=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
RESULTS=$WORK/results.txt

# max_connections above the 19,000 of (c).
write_live_config "$WORK/voxgate.toml" 19500 "$WORK/voxgate.db"

# A fresh server and database for each scenario, so one scenario's leftovers (connections
# being retired, history rows, allocator state) do not weigh on the next.
start_server() {
  stop_server
  rm -f "$WORK"/voxgate.db*
  if [[ ${FLOOR:-0} == 1 ]]; then
    launch_server "$FLOOR_SERVER" "$PORT"
  else
    launch_server "$VOXGATE" serve --config "$WORK/voxgate.toml" --listen "127.0.0.1:$PORT"
  fi
}

loadgen() {
  local limit=$1
  shift
  timeout --signal=INT --kill-after=10 "$limit" "$LOADGEN" "$@" --port "$PORT" \
    --jwt-secret "$SECRET" --pid "$SERVER_PID" --poll-sleep-us "${POLL_SLEEP_US:-0}" |
    tee -a "$RESULTS"
}

if answers_on_port; then
  die "something already answers on 127.0.0.1:$PORT; set PORT"
fi
if [[ ${FLOOR:-0} == 1 ]]; then SERVER_NAME="voxgate_floor_server (calibration)"
else SERVER_NAME="voxgate $("$VOXGATE" --version 2>/dev/null | head -n1)"; fi
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), server: $SERVER_NAME," \
  "poll sleep ${POLL_SLEEP_US:-0} us" >&2

SCENARIOS=${SCENARIOS:-a b c}
if [[ " $SCENARIOS " == *" a "* ]]; then
  echo "# (a) connect + subscribe rate: $CONNECT_N connections x $ROUNDS rounds" >&2
  start_server
  loadgen 600 connect-rate --connections "$CONNECT_N" --rounds "$ROUNDS" --orgs "$ORGS" || true
fi

if [[ " $SCENARIOS " == *" b "* ]]; then
  echo "# (b) fan-out: $SUBSCRIBERS subscribers over $ORGS orgs, rate search" >&2
  start_server
  # shellcheck disable=SC2086  # SEARCH_ARGS is a list of options
  loadgen 1800 fanout --subscribers "$SUBSCRIBERS" --orgs "$ORGS" --api-key "$API_KEY" \
    $SEARCH_ARGS || true
  curl -sf "http://127.0.0.1:$PORT/metrics" | grep -E '^voxgate_(events|ws_closes|live)' >&2 ||
    true
fi

if [[ " $SCENARIOS " == *" c "* ]]; then
  echo "# (c) idle memory at $MEMORY_LEVELS connections" >&2
  start_server
  loadgen 600 idle-memory --connections "$MEMORY_LEVELS" --orgs "$ORGS" || true
fi
stop_server

# Summary: each figure beside its target (issue 3, item 7).
value() { grep "^summary scenario=$1 " "$RESULTS" | tail -n1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
verdict() {  # verdict NAME VALUE OP TARGET UNIT
  local met=missed
  [[ -n $2 ]] && awk -v v="$2" -v t="$4" "BEGIN{exit !(v $3 t)}" && met=met
  printf '%-44s %12s %-6s target %s %s %s\n' "$1" "${2:-n/a}" "$5" "$3" "$4" "$met"
}
echo
echo "== live calls: summary ($SERVER_NAME) =="
verdict "(a) subscribed connections/s (median)" "$(value connect-rate median_subscribed_per_s)" ">=" 20000 "/s"
verdict "(b) sustained deliveries/s" "$(value fanout sustained_deliveries_per_s)" ">=" 80000 "/s"
verdict "(b) server CPU per delivery" "$(value fanout server_cpu_us_per_delivery)" "<=" 6 "us"
printf '%-44s %12s %-6s (no target)\n' "(b) p50 at half rate" "$(value fanout half_p50_ms)" ms
verdict "(b) p99 at half rate" "$(value fanout half_p99_ms)" "<=" 5 "ms"
for n in ${MEMORY_LEVELS//,/ }; do
  verdict "(c) bytes per idle connection at $n" "$(value idle-memory "bytes_per_connection_at_$n")" "<=" 2048 "B"
done
if grep -qE '"level":"(error|warn)"' "$WORK/voxgate.log"; then
  echo
  echo "server warnings and errors (first 10 of $(grep -cE '"level":"(error|warn)"' "$WORK/voxgate.log")):"
  grep -E '"level":"(error|warn)"' "$WORK/voxgate.log" | head -n 10
fi
