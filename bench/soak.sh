#!/usr/bin/env bash
# Soak benchmark (docs/benchmarks.md, "Soak"; issue 8, item 3): DURATION seconds of
# connect/disconnect churn on /ws/live-calls, steady publishing through POST /api/events, slow
# consumers that the gateway closes (1013) and that recover with `since`, and concurrent browser
# test calls relayed to the tests' fake Vapi. Reports RSS and open descriptors over time,
# deliveries and losses, close codes, and PASS/FAIL against the targets: RSS grows less than 5 %
# after the warm-up, descriptors return to their baseline, recovering clients lose no event.
# voxgate runs on 127.0.0.1 with a temporary config and database and is stopped at the end.
#
#   bench/soak.sh              build the release preset (incremental), then run
#   bench/soak.sh BUILD_DIR    use BUILD_DIR/voxgate
#
# Environment: PORT (18484), DURATION (600 s), WARMUP (60 s), QUICK=1 (a 60 s smoke run, 15 s
# warm-up), RATE (80 events/s), ORGS (8), CHURN (100 viewers), SLOW (20 viewers), CALLS (6
# concurrent test calls), QUEUE_BYTES ("64KiB", [live] queue_bytes), HISTORY (2000, [history]
# max_events_per_org: events an org keeps for recovery), PYTHON (/usr/bin/python3,
# with python3-websockets), DRIVER_ARGS (more options for bench/soak/driver.py), KEEP=1 (keep the
# temp dir with the logs). Exits non-zero when a target is missed. Every wait is bounded: the
# driver runs under a timeout, and so does every start and stop.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-18484}
if [[ ${QUICK:-0} == 1 ]]; then
  DURATION=${DURATION:-60} WARMUP=${WARMUP:-15}
else
  DURATION=${DURATION:-600} WARMUP=${WARMUP:-60}
fi
RATE=${RATE:-80} ORGS=${ORGS:-8} CHURN=${CHURN:-100} SLOW=${SLOW:-20} CALLS=${CALLS:-6}
QUEUE_BYTES=${QUEUE_BYTES:-64KiB} HISTORY=${HISTORY:-2000}
PYTHON=${PYTHON:-/usr/bin/python3}
# A provider call ends on the provider's side after this many 20 ms frames (30 s); the driver's
# calls last 10-45 s, so some end there and the rest by the browser.
PROVIDER_CLOSE_AFTER_FRAMES=${PROVIDER_CLOSE_AFTER_FRAMES:-1500}

die() { echo "soak.sh: $*" >&2; exit 1; }

"$PYTHON" -c 'import websockets' 2>/dev/null || die "$PYTHON lacks websockets (python3-websockets)"
# These would override the config file written below.
unset SUPABASE_JWT_SECRET VOXGATE_API_KEY VOXGATE_DB DATABASE_URL NATS_URL VAPI_API_KEY \
  VAPI_BASE_URL VAPI_ASSISTANT_ID FRONTEND_URL CORS_ORIGIN ALLOWED_WS_ORIGINS

WORK=$(mktemp -d /tmp/voxgate-soak.XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
use_build "${1:-}"
[[ -x $VOXGATE ]] || die "$VOXGATE is missing"
SECRET=$(random_hex)
API_KEY=bench-$(random_hex)
PROVIDER_KEY=sk-soak-$(random_hex)
PROVIDER_PID=

# The fake provider goes first, then lib.sh's cleanup (the server, the temp dir).
# shellcheck disable=SC2317  # run by the trap
soak_cleanup() {
  if [[ -n $PROVIDER_PID ]]; then
    stop_process "$PROVIDER_PID"
    PROVIDER_PID=
  fi
  cleanup
}
trap soak_cleanup EXIT

if answers_on_port; then
  die "something already answers on 127.0.0.1:$PORT; set PORT"
fi

# The tests' fake Vapi in a process of its own; it prints its port first.
"$PYTHON" "$ROOT/bench/soak/fake_provider.py" --api-key "$PROVIDER_KEY" \
  --close-after-frames "$PROVIDER_CLOSE_AFTER_FRAMES" >"$WORK/provider.out" \
  2>"$WORK/provider.err" &
PROVIDER_PID=$!
for _ in $(seq 1 100); do
  [[ -s $WORK/provider.out ]] && break
  kill -0 "$PROVIDER_PID" 2>/dev/null || break
  sleep 0.1
done
PROVIDER_PORT=$(head -n 1 "$WORK/provider.out")
[[ $PROVIDER_PORT =~ ^[0-9]+$ ]] ||
  die "the fake provider did not start: $(cat "$WORK/provider.err")"

# Small outbound queues so stalled readers are closed within seconds; a history that wraps
# during the run (10 events/s per org) but holds far more than a stalled reader misses (with
# HISTORY below ~400, slow consumers come back after their events were pruned).
# The per-client abuse limits (issue 8, item 2; docs/limits.md), raised far above this load,
# which all comes from 127.0.0.1, but left on (unlike lib.sh's client_limits_off) so their
# per-address, per-user and per-org bookkeeping is soaked too. A build without one of them
# refuses the key, so each goes in only when check-config accepts it.
ABUSE_LIMITS=(
  "connections_per_ip = 100000"
  "connection_rate_per_ip = 100000"
  "connections_per_user = 100000"
  "publish_rate_per_key = 100000"
  "test_calls_per_org = 10000"
  "subscribes_per_connection = 10000"
)
LIMIT_LINES=''
MISSING_LIMITS=''
for line in "${ABUSE_LIMITS[@]}"; do
  printf '[limits]\n%s\n' "$line" >"$WORK/probe.toml"
  if "$VOXGATE" check-config --config "$WORK/probe.toml" >/dev/null 2>&1; then
    LIMIT_LINES+=$line$'\n'
  else
    MISSING_LIMITS+=" ${line%% *}"
  fi
done
[[ -z $MISSING_LIMITS ]] || echo "# this voxgate has no [limits]$MISSING_LIMITS; left out" >&2

cat >"$WORK/voxgate.toml" <<TOML
[limits]
max_connections = $((CHURN + SLOW + CALLS * 2 + ORGS + 500))
$LIMIT_LINES
[log]
level = "warn"

[auth]
jwt_secret = "$SECRET"

[publish]
api_keys = ["$API_KEY"]

[store]
path = "$WORK/voxgate.db"

[history]
max_events_per_org = $HISTORY

[live]
queue_bytes = "$QUEUE_BYTES"

[vapi]
provider = "vapi"
api_key = "$PROVIDER_KEY"
base_url = "http://127.0.0.1:$PROVIDER_PORT"
assistant_id = "asst-soak"
TOML
"$VOXGATE" check-config --config "$WORK/voxgate.toml" >"$WORK/check-config.txt" 2>&1 ||
  die "the soak config is refused: $(tail -n 5 "$WORK/check-config.txt")"

launch_server "$VOXGATE" serve --config "$WORK/voxgate.toml" --listen "127.0.0.1:$PORT"
SERVER_NAME="voxgate $("$VOXGATE" --version 2>/dev/null | head -n1)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start," \
  "server: $SERVER_NAME ($BUILD)" >&2
echo "# soak: $DURATION s (warm-up $WARMUP s), $RATE events/s over $ORGS orgs, $CHURN churning" \
  "and $SLOW slow viewers, $CALLS concurrent test calls, queue_bytes $QUEUE_BYTES," \
  "history $HISTORY events per org" >&2

# The bound: the load, stopping it, the viewers' catch-up, the watchers, the descriptor wait.
LIMIT=$(awk -v d="$DURATION" 'BEGIN { printf "%d", d + 60 + 60 + 45 + 60 + 120 }')
status=0
# shellcheck disable=SC2086  # DRIVER_ARGS is a list of options
timeout --signal=INT --kill-after=10 "$LIMIT" "$PYTHON" "$ROOT/bench/soak/driver.py" \
  --port "$PORT" --pid "$SERVER_PID" --jwt-secret "$SECRET" --api-key "$API_KEY" \
  --duration "$DURATION" --warmup "$WARMUP" --rate "$RATE" --orgs "$ORGS" --churn "$CHURN" \
  --slow "$SLOW" --calls "$CALLS" ${DRIVER_ARGS:-} || status=$?
stop_server
stop_process "$PROVIDER_PID"
PROVIDER_PID=
echo
sed -n '2,$p' "$WORK/provider.out"
if [[ -s $WORK/provider.err ]]; then
  echo "fake provider errors (first 10 lines):"
  head -n 10 "$WORK/provider.err"
fi
if grep -qE '"level":"(error|warn)"' "$WORK/voxgate.log"; then
  echo "server warnings and errors (first 10 of $(grep -cE '"level":"(error|warn)"' "$WORK/voxgate.log")):"
  grep -E '"level":"(error|warn)"' "$WORK/voxgate.log" | head -n 10
fi
[[ $status == 0 ]] || echo "soak.sh: a target was missed or the driver failed (status $status)" >&2
exit "$status"
