# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run): one server at a time on 127.0.0.1:$PORT,
# started in the background with its log in $WORK/voxgate.log, its pid in SERVER_PID, and
# always stopped on exit. The sourcing script sets PORT and WORK and defines die().

SERVER_PID=

random_hex() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

answers_on_port() { curl -sf --max-time 1 "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; }

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

cleanup() {
  stop_server
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs "$@" in the background as the server and waits (bounded) until /health answers.
launch_server() {
  "$@" >>"$WORK/voxgate.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    answers_on_port && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$WORK/voxgate.log" >&2
  die "the server did not become healthy on 127.0.0.1:$PORT"
}
