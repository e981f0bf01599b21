#!/usr/bin/env bash
# Fan-out over several nodes (docs/benchmarks.md, "Several nodes: PostgreSQL and NATS"): the same
# fixed-rate steps of the live-calls fan-out scenario against three configurations (a fourth on
# request), each on a fresh database:
#   A  one node on SQLite (the default), as the reference
#   B  one node on PostgreSQL + NATS
#   C  two nodes on PostgreSQL + NATS, subscribers and publish connections spread over both
#   D  (only when asked for in CONFIGS) two nodes on PostgreSQL + NATS, every subscriber on the
#      second, every publish to the first: each delivery crosses NATS
# PostgreSQL and nats-server come from tests/services/services.sh on 127.0.0.1; they and every
# voxgate started here are stopped on exit, whatever happens.
#
#   bench/cluster_fanout.sh              build the release preset (incremental), then run
#   bench/cluster_fanout.sh BUILD_DIR    use BUILD_DIR/voxgate and BUILD_DIR/bench/voxgate_loadgen
#
# Environment: PORT (18482; the second node listens on PORT+1), CONFIGS ("A B C"; add D for
# it), RATES (events/s, one step each, "100 200 400 600 800"), STEP_S (10), SUBSCRIBERS (4000),
# ORGS (40), PUBLISHERS (4), POLL_SLEEP_US (0), KEEP=1 (keep the work folder: logs, raw result
# lines), QUICK=1 (a smoke run: 400 subscribers over 10 orgs, 50 and 100 events/s, 3 s steps).
# Every load generator run has a timeout, so does every wait.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-18482}
PORT2=$((PORT + 1))
if [[ ${QUICK:-0} == 1 ]]; then
  SUBSCRIBERS=${SUBSCRIBERS:-400} ORGS=${ORGS:-10} RATES=${RATES:-50 100} STEP_S=${STEP_S:-3}
  WARMUP_S=${WARMUP_S:-1}
else
  SUBSCRIBERS=${SUBSCRIBERS:-4000} ORGS=${ORGS:-40} RATES=${RATES:-100 200 400 600 800}
  STEP_S=${STEP_S:-10} WARMUP_S=${WARMUP_S:-3}
fi
RATES=${RATES//,/ }
PUBLISHERS=${PUBLISHERS:-4}
CONFIGS=${CONFIGS:-A B C}

die() { echo "cluster_fanout.sh: $*" >&2; exit 1; }

PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[[ -x $PG_BIN/createdb ]] || die "PostgreSQL is not installed (bash scripts/setup.sh --test)"

# These would override the config files written below.
unset DATABASE_URL NATS_URL VOXGATE_DATABASE_URL VOXGATE_BROKER_URL VOXGATE_BROKER_SUBJECT

WORK=$(mktemp -d /tmp/voxgate-cluster-bench.XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
use_build "${1:-}"
[[ -x $VOXGATE ]] || die "$VOXGATE is missing"
# Its own folder under /tmp: as root, PostgreSQL runs as `postgres`, which cannot enter $WORK.
SERVICES=$(mktemp -d /tmp/voxgate-cluster-services.XXXXXX)
NODE2_PID=

stop_node2() {
  [[ -n $NODE2_PID ]] || return 0
  stop_process "$NODE2_PID"
  NODE2_PID=
}

# lib.sh's cleanup stops node 1 and removes $WORK; the second node and the services go first.
cluster_cleanup() {
  stop_node2
  stop_server
  timeout 90 bash "$ROOT/tests/services/services.sh" stop "$SERVICES" >/dev/null 2>&1 || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $SERVICES" >&2; else rm -rf "$SERVICES"; fi
  cleanup
}
trap cluster_cleanup EXIT

SECRET=$(random_hex)
API_KEY=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
RESULTS=$WORK/results.txt  # the load generator's lines, each prefixed with config=X
TABLE=$WORK/table.txt      # one line per step, as printed

for p in "$PORT" "$PORT2"; do
  answers_on "$p" && die "something already answers on 127.0.0.1:$p; set PORT"
done

echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "voxgate $("$VOXGATE" --version 2>/dev/null | head -n1), $SUBSCRIBERS subscribers over" \
  "$ORGS orgs, $PUBLISHERS publish connections, steps of $STEP_S s at $RATES events/s" >&2
echo "# starting PostgreSQL and nats-server (tests/services/services.sh)" >&2
SERVICE_URLS=$(timeout 120 bash "$ROOT/tests/services/services.sh" start "$SERVICES") ||
  die "the services did not start"
NATS_URL_BENCH=$(sed -n 's/^VOXGATE_TEST_NATS_URL=//p' <<<"$SERVICE_URLS")
PG_PORT=$(cat "$SERVICES/pg.port")
[[ -n $NATS_URL_BENCH && -n $PG_PORT ]] || die "services.sh printed no URLs: $SERVICE_URLS"

# A config with the settings of bench/live_calls.sh; with a database name, on PostgreSQL and
# NATS (a subject of its own, so no other run's messages arrive).
write_config() {  # write_config FILE CONFIG [DATABASE]
  write_live_config "$1" $((SUBSCRIBERS + 500)) "$WORK/voxgate-$2.db"
  [[ $# -ge 3 ]] || return 0
  cat >>"$1" <<TOML

[database]
url = "postgres://voxgate@127.0.0.1:$PG_PORT/$3"

[broker]
url = "$NATS_URL_BENCH"
subject = "voxgate.$3"
TOML
}

# Waits (10 s at most) until the node's /ready answers 200: its store and broker are up.
wait_ready() {
  for _ in $(seq 1 100); do
    curl -sf --max-time 1 "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "127.0.0.1:$1 is not ready: $(curl -s --max-time 1 "http://127.0.0.1:$1/ready")"
}

# CPU time so far, in clock ticks, of PostgreSQL (the postmaster and its backends) and
# nats-server. A backend that exits between two readings takes its time with it (the pool's
# connections stay open, so this undercounts little).
services_ticks() {
  local postmaster pid
  postmaster=$(head -n 1 "$SERVICES/pg/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster") "$(cat "$SERVICES/nats.pid")"; do
    cat "/proc/$pid/stat" 2>/dev/null || true
  done | sed 's/^.*) //' | awk '{t += $12 + $13} END {print t + 0}'  # utime, stime
}

# Busy and all jiffies of the whole machine so far, from the first line of /proc/stat.
machine_jiffies() {
  awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6; exit}' /proc/stat
}

# The value of KEY in a result line, or nothing: field LINE KEY
field() { { grep -o " $2=[^ ]*" <<<"$1" || true; } | head -n 1 | cut -d= -f2-; }

row() {
  printf '%-6s %6s %12s %8s %8s %8s %6s %5s %9s %-13s %10s %7s %8s %4s\n' "$@" | tee -a "$TABLE"
}

# One fixed-rate step: a fresh crowd of subscribers, the rate for SECONDS, the drain.
run_step() {  # run_step RATE SECONDS OUTPUT [load generator node options...]
  local rate=$1 seconds=$2 out=$3
  shift 3
  timeout --signal=INT --kill-after=10 $((seconds + 120)) "$LOADGEN" fanout "$@" \
    --jwt-secret "$SECRET" --api-key "$API_KEY" --subscribers "$SUBSCRIBERS" --orgs "$ORGS" \
    --publishers "$PUBLISHERS" --rate "$rate" --step-s "$seconds" \
    --poll-sleep-us "${POLL_SLEEP_US:-0}" >"$out" 2>>"$WORK/loadgen.err" || true
}

# A measured step, its result line kept in $RESULTS and shown as one row.
measure_step() {  # measure_step CONFIG RATE [load generator node options...]
  local config=$1 rate=$2 before=0 after=0 line received cpu per_node services=- machine
  local -a jiffies_before jiffies_after
  shift 2
  [[ $config == A ]] || before=$(services_ticks)
  read -r -a jiffies_before <<<"$(machine_jiffies)"
  run_step "$rate" "$STEP_S" "$WORK/step.txt" "$@"
  read -r -a jiffies_after <<<"$(machine_jiffies)"
  [[ $config == A ]] || after=$(services_ticks)
  machine=$(awk -v b=$((jiffies_after[0] - jiffies_before[0])) \
    -v t=$((jiffies_after[1] - jiffies_before[1])) -v n="$(nproc)" \
    'BEGIN {printf "%.0f", (t > 0 ? 100 * n * b / t : 0)}')
  sed "s/^/config=$config /" "$WORK/step.txt" >>"$RESULTS"
  line=$(grep '^result scenario=fanout phase=fixed ' "$WORK/step.txt" || true)
  if [[ -z $line ]]; then
    echo "$config $rate: no result line (see $WORK/loadgen.err)" | tee -a "$TABLE"
    return 0
  fi
  received=$(field "$line" received)
  if [[ $config != A ]] && ((${received:-0} > 0)); then
    services=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$received" \
      'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
  fi
  cpu=$(field "$line" server_cpu_pct)
  per_node=$(field "$line" server_cpu_pct_per_node)
  [[ -z $per_node ]] || cpu="$cpu ($per_node)"
  row "$config" "$rate" "$(field "$line" deliveries_per_s)" "$(field "$line" p50_ms)" \
    "$(field "$line" p99_ms)" "$(field "$line" max_ms)" "$(field "$line" lost)" \
    "$(field "$line" duplicates)" "$(field "$line" server_cpu_us_per_delivery)" "$cpu" \
    "$services" "$(field "$line" loadgen_cpu_pct)" "$machine" "$(field "$line" pass)"
  if [[ $(field "$line" pass) != yes || $(field "$line" dropped_subscribers) != 0 ]]; then
    echo "  ($config at $rate/s: dropped_subscribers=$(field "$line" dropped_subscribers)" \
      "misrouted=$(field "$line" misrouted) $(grep -o 'why=.*' <<<"$line"))" | tee -a "$TABLE"
  fi
}

run_config() {  # run_config CONFIG
  local config=$1 conf=$WORK/voxgate-$1.toml db=${1,,} store=SQLite rate log
  local -a ports=("$PORT") node_args logs=("$WORK/voxgate.log")
  case $config in
    A) write_config "$conf" A ;;
    B | C | D)
      db=bench_${config,,}_$$
      timeout 60 "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U voxgate "$db" ||
        die "createdb $db failed"
      write_config "$conf" "$config" "$db"
      store="PostgreSQL database $db + NATS"
      if [[ $config == [CD] ]]; then
        ports+=("$PORT2")
        logs+=("$WORK/voxgate-2.log")
      fi
      ;;
    *) die "unknown configuration $config (A, B, C or D)" ;;
  esac
  echo "# ($config) ${#ports[@]} node(s), $store" >&2
  : >"$WORK/voxgate.log"
  launch_server "$VOXGATE" serve --config "$conf" --listen "127.0.0.1:$PORT"
  node_args=(--port "$PORT" --pid "$SERVER_PID")
  if ((${#ports[@]} == 2)); then
    # The first node has created the schema; the second finds it.
    : >"$WORK/voxgate-2.log"
    "$VOXGATE" serve --config "$conf" --listen "127.0.0.1:$PORT2" >>"$WORK/voxgate-2.log" 2>&1 &
    NODE2_PID=$!
    wait_healthy "$NODE2_PID" "$PORT2" "$WORK/voxgate-2.log"
    if [[ $config == D ]]; then
      node_args=(--port "$PORT2" --publish-ports "$PORT" --pids "$SERVER_PID,$NODE2_PID")
    else
      node_args=(--ports "$PORT,$PORT2" --pids "$SERVER_PID,$NODE2_PID")
    fi
  fi
  for port in "${ports[@]}"; do wait_ready "$port"; done

  # Not reported: connections, the store and the allocator warm up.
  run_step "${RATES%% *}" "$WARMUP_S" "$WORK/warmup-$config.txt" "${node_args[@]}"
  sleep 1
  for rate in $RATES; do
    measure_step "$config" "$rate" "${node_args[@]}"
    sleep 2  # the last crowd's sockets are closed before the next one connects
  done

  for port in "${ports[@]}"; do
    curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" |
      grep -E '^voxgate_(events_(published|delivered|dropped|read_for_fanout)|ws_closes)' |
      sed "s/^/  ($config) node :$port  /" >>"$WORK/metrics.txt" || true
  done
  stop_node2
  stop_server
  for log in "${logs[@]}"; do
    { grep -E '"level":"(error|warn)"' "$log" || true; } |
      { grep -v 'no origin is allowed' || true; } | sed "s|^|  ($config) $(basename "$log"): |" >>"$WORK/warnings.txt"
    mv "$log" "${log%.log}-$config.log"
  done
}

: >"$WORK/warnings.txt"
: >"$WORK/metrics.txt"
row config ev/s deliveries/s p50_ms p99_ms max_ms lost dup vg_us/dlv vg_cpu% svc_us/dlv lg_cpu% \
  all_cpu% pass
for config in $CONFIGS; do run_config "$config"; done

echo
echo "== fan-out, $SUBSCRIBERS subscribers over $ORGS orgs, $STEP_S s steps =="
echo "A: one node, SQLite; B: one node, PostgreSQL + NATS; C: two nodes, PostgreSQL + NATS;"
echo "D: two nodes, subscribers on the second, publishes to the first"
echo "vg_us/dlv: CPU (utime + stime) of the voxgate process(es), summed over nodes, per delivery;"
echo "vg_cpu%: of one core (per node in brackets); svc_us/dlv: PostgreSQL + nats-server CPU per"
echo "delivery over the whole load generator run; lg_cpu%: the load generator's; all_cpu%: the"
echo "whole machine's over the run, of one core ($(nproc) cores: $((100 * $(nproc)))% is all of it)"
cat "$TABLE"
echo
echo "counters at the end of each configuration (a counter not shown is 0):"
cat "$WORK/metrics.txt"
if [[ -s $WORK/warnings.txt ]]; then
  echo
  echo "server warnings and errors (first 20 of $(wc -l <"$WORK/warnings.txt")):"
  head -n 20 "$WORK/warnings.txt"
fi
if [[ -s $WORK/loadgen.err ]] && grep -qv '^$' "$WORK/loadgen.err"; then
  echo
  echo "load generator notes (first 20 lines):"
  head -n 20 "$WORK/loadgen.err"
fi
