# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run): one server at a time on 127.0.0.1:$PORT,
# started in the background with its log in $WORK/voxgate.log, its pid in SERVER_PID, and
# always stopped on exit. The sourcing script sets ROOT, PORT and WORK and defines die().
# wait_healthy and stop_process serve a script that runs more servers beside it
# (bench/cluster_fanout.sh).

SERVER_PID=

# Sets BUILD, VOXGATE and LOADGEN from the build folder given, else builds the release preset
# (incrementally) with voxgate, voxgate_loadgen and the further targets named, and uses it.
#   use_build "${1:-}" [TARGET...]
use_build() {
  local dir=$1
  shift
  if [[ -n $dir ]]; then
    BUILD=$(cd "$dir" && pwd) || die "no build directory $dir"
  else
    BUILD=$ROOT/build/release
    (cd "$ROOT" && { [[ -f $BUILD/build.ninja ]] || cmake --preset release; } &&
      cmake --build --preset release --target voxgate voxgate_loadgen "$@" -j 2) >&2
  fi
  # shellcheck disable=SC2034  # read by the sourcing script
  VOXGATE=$BUILD/voxgate
  LOADGEN=$BUILD/bench/voxgate_loadgen
  [[ -x $LOADGEN ]] || die "$LOADGEN is missing"
  command -v curl >/dev/null || die "curl is needed to wait for /health"
}

# The per-client limits (docs/limits.md) turned off, for [limits]: every benchmark client is
# 127.0.0.1, one user per org and one API key.
client_limits_off() {
  cat <<TOML
connections_per_ip = 0
connection_rate_per_ip = 0
connections_per_user = 0
publish_rate_per_key = 0
test_calls_per_org = 0
subscribes_per_connection = 0
TOML
}

# The live-calls benchmarks' server settings (SECRET, API_KEY): write_live_config FILE
# MAX_CONNECTIONS SQLITE_FILE. body_bytes fits a batch of 1,000 events.
write_live_config() {
  cat >"$1" <<TOML
[limits]
max_connections = $2
body_bytes = "8MiB"
$(client_limits_off)

[log]
level = "warn"

[auth]
jwt_secret = "$SECRET"

[publish]
api_keys = ["$API_KEY"]
max_batch = 1000

[store]
path = "$3"

[history]
max_events_per_org = 10000
TOML
}

random_hex() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

answers_on() { curl -sf --max-time 1 "http://127.0.0.1:$1/health" >/dev/null 2>&1; }
answers_on_port() { answers_on "$PORT"; }

# Stops one process started here: TERM, then KILL after 15 s.
stop_process() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  stop_process "$SERVER_PID"
  SERVER_PID=
}

cleanup() {
  stop_server
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (10 s at most) until 127.0.0.1:PORT answers /health while PID runs: wait_healthy PID PORT LOG
wait_healthy() {
  for _ in $(seq 1 100); do
    answers_on "$2" && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$3" >&2
  die "the server did not become healthy on 127.0.0.1:$2"
}

# Runs "$@" in the background as the server and waits (bounded) until /health answers.
launch_server() {
  "$@" >>"$WORK/voxgate.log" 2>&1 &
  SERVER_PID=$!
  wait_healthy "$SERVER_PID" "$PORT" "$WORK/voxgate.log"
}
