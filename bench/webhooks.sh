#!/usr/bin/env bash
# Vapi webhook benchmark (docs/benchmarks.md, "Vapi webhooks"; issue 4: "the handler answers
# before any slow work: benchmark its p99 under load"): signed Vapi server messages of many
# concurrent calls through POST /api/webhooks/vapi at fixed rates, with live-calls subscribers
# of the same orgs so the fan-out load is present, against a voxgate started here on 127.0.0.1
# with a temporary config and database, stopped again at the end.
#
#   bench/webhooks.sh              build the release preset (incremental), then run
#   bench/webhooks.sh BUILD_DIR    use BUILD_DIR/voxgate and BUILD_DIR/bench/voxgate_loadgen
#
# Environment: PORT (18481), RATES (messages/s, one step each: "250,500,1000"), STEP_S (10),
# SUBSCRIBERS (1000, 0 for none), ORGS (50), CALLS (1000 concurrent calls), CONNECTIONS (32
# keep-alive connections), REPEAT_PCT (2, repeated deliveries), QUICK=1 (a short smoke run),
# POLL_SLEEP_US (the load generator's --poll-sleep-us, default 0), LOADGEN_ARGS (more options
# for voxgate_loadgen webhooks), KEEP=1 (keep the temp dir with the log). Every step is bounded:
# the load generator runs under a timeout, and so does every wait.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-18481}
if [[ ${QUICK:-0} == 1 ]]; then
  RATES=${RATES:-100,200} STEP_S=${STEP_S:-3} WARMUP_S=${WARMUP_S:-1}
  SUBSCRIBERS=${SUBSCRIBERS:-100} ORGS=${ORGS:-10} CALLS=${CALLS:-200}
else
  RATES=${RATES:-250,500,1000} STEP_S=${STEP_S:-10} WARMUP_S=${WARMUP_S:-3}
  SUBSCRIBERS=${SUBSCRIBERS:-1000} ORGS=${ORGS:-50} CALLS=${CALLS:-1000}
fi
CONNECTIONS=${CONNECTIONS:-32} REPEAT_PCT=${REPEAT_PCT:-2} DRAIN_S=${DRAIN_S:-3}

die() { echo "webhooks.sh: $*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/voxgate-webhooks.XXXXXX)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
use_build "${1:-}"
[[ -x $VOXGATE ]] || die "$VOXGATE is missing"
JWT_SECRET=$(random_hex)
WEBHOOK_SECRET=$(random_hex)
RESULTS=$WORK/results.txt

# Everything else default: two I/O threads, synchronous = normal, body_bytes 1 MiB, the
# de-duplication window 24 h, the replay window 5 min.
cat >"$WORK/voxgate.toml" <<TOML
[limits]
max_connections = $((SUBSCRIBERS + CONNECTIONS + 500))
$(client_limits_off)

[log]
level = "warn"

[auth]
jwt_secret = "$JWT_SECRET"

[vapi]
webhook_secret = "$WEBHOOK_SECRET"

[store]
path = "$WORK/voxgate.db"
TOML

start_server() {
  launch_server "$VOXGATE" serve --config "$WORK/voxgate.toml" --listen "127.0.0.1:$PORT"
}

if answers_on_port; then
  die "something already answers on 127.0.0.1:$PORT; set PORT"
fi
SERVER_NAME="voxgate $("$VOXGATE" --version 2>/dev/null | head -n1)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), server: $SERVER_NAME," \
  "poll sleep ${POLL_SLEEP_US:-0} us" >&2
echo "# webhooks: $RATES messages/s, $STEP_S s each, $CALLS concurrent calls over $ORGS orgs," \
  "$CONNECTIONS connections, $REPEAT_PCT % repeats, $SUBSCRIBERS subscribers" >&2

start_server
# The bound: opening the subscribers, the warm-up, each step with its drain and pause, a margin.
STEPS=$(tr ',' '\n' <<<"$RATES" | grep -c .)
LIMIT=$(awk -v n="$STEPS" -v s="$STEP_S" -v w="$WARMUP_S" -v d="$DRAIN_S" \
  'BEGIN { printf "%d", 60 + w + d + 1 + n * (s + d + 1) + 60 }')
# shellcheck disable=SC2086  # LOADGEN_ARGS is a list of options
timeout --signal=INT --kill-after=10 "$LIMIT" "$LOADGEN" webhooks --port "$PORT" \
  --jwt-secret "$JWT_SECRET" --webhook-secret "$WEBHOOK_SECRET" --pid "$SERVER_PID" \
  --poll-sleep-us "${POLL_SLEEP_US:-0}" --rate "$RATES" --step-s "$STEP_S" \
  --warmup-s "$WARMUP_S" --drain-s "$DRAIN_S" --subscribers "$SUBSCRIBERS" --orgs "$ORGS" \
  --calls "$CALLS" --connections "$CONNECTIONS" --repeat-pct "$REPEAT_PCT" ${LOADGEN_ARGS:-} |
  tee -a "$RESULTS" || true
curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" |
  grep -E '^voxgate_(webhooks_total|events_)' >&2 || true
stop_server

# One row per step: the answer latency the issue asks for, and what else each step saw.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
echo
echo "== Vapi webhooks: summary ($SERVER_NAME) =="
printf '%8s %8s %8s %8s %8s %9s %9s %9s %11s %17s %4s\n' rate sent/s p50_ms p99_ms max_ms \
  stored duplicate other cpu_us/msg deliveries ok
grep '^result scenario=webhooks phase=step ' "$RESULTS" | while read -r line; do
  deliveries=-
  if [[ -n $(field "$line" subscribers) ]]; then
    deliveries="$(field "$line" deliveries_received)/$(field "$line" deliveries_expected)"
  fi
  printf '%8s %8s %8s %8s %8s %9s %9s %9s %11s %17s %4s\n' "$(field "$line" rate)" \
    "$(field "$line" messages_per_s)" "$(field "$line" p50_ms)" "$(field "$line" p99_ms)" \
    "$(field "$line" max_ms)" "$(field "$line" stored)" "$(field "$line" duplicate)" \
    "$(field "$line" other)" "$(field "$line" server_cpu_us_per_message)" "$deliveries" \
    "$(field "$line" ok)"
done
grep -q '^summary scenario=webhooks ' "$RESULTS" || echo "(no summary: the load generator failed)"
if grep -qE '"level":"(error|warn)"' "$WORK/voxgate.log"; then
  echo
  echo "server warnings and errors (first 10 of $(grep -cE '"level":"(error|warn)"' "$WORK/voxgate.log")):"
  grep -E '"level":"(error|warn)"' "$WORK/voxgate.log" | head -n 10
fi
