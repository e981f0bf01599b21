#!/usr/bin/env bash
# Real PostgreSQL and NATS servers from Debian's packages for the tests, on loopback, with their
# data in a folder of the caller's: nothing system-wide is started or changed.
#   services.sh start DIR     starts both, prints VOXGATE_TEST_PG_URL=… and VOXGATE_TEST_NATS_URL=…
#   services.sh stop DIR      stops both (and is safe to run twice)
#   services.sh start-pg|stop-pg|start-nats|stop-nats DIR   one server, for restart tests
# PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` user.
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

die() { echo "services: $*" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_pg_owner() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port, chosen once per folder, so a restarted server comes back where clients expect it.
port_of() {
  local file="$dir/$1.port"
  [[ -f $file ]] || free_port >"$file"
  cat "$file"
}

start_pg() {
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL is not installed (bash scripts/setup.sh --test)"
  local data="$dir/pg" port
  port=$(port_of pg)
  if [[ ! -f $data/PG_VERSION ]]; then
    mkdir -p "$data"
    ((EUID == 0)) && chown postgres: "$data"
    as_pg_owner "$PG_BIN/initdb" -D "$data" -A trust -U voxgate --no-sync -E UTF8 >"$dir/pg-initdb.log" 2>&1 ||
      { cat "$dir/pg-initdb.log" >&2; die "initdb failed"; }
  fi
  # fsync off: test data need not survive a power cut, and the tests run faster.
  as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c max_connections=200" start >/dev/null ||
    { tail -n 20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
  "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U voxgate -d postgres -qtA \
    -c "SELECT 1 FROM pg_database WHERE datname = 'voxgate'" | grep -q 1 ||
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U voxgate voxgate
  echo "VOXGATE_TEST_PG_URL=postgres://voxgate@127.0.0.1:$port/voxgate"
}

stop_pg() {
  [[ -f $dir/pg/postmaster.pid ]] || return 0
  as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w -t 30 stop >/dev/null
}

start_nats() {
  command -v nats-server >/dev/null || die "nats-server is not installed (bash scripts/setup.sh --test)"
  local port
  port=$(port_of nats)
  # Its own output goes to the log: an inherited stdout would keep the caller's pipe open.
  nats-server -a 127.0.0.1 -p "$port" -P "$dir/nats.pid" -l "$dir/nats.log" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "VOXGATE_TEST_NATS_URL=nats://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/nats.log" >&2
  die "nats-server did not start"
}

stop_nats() {
  [[ -f $dir/nats.pid ]] || return 0
  local pid
  pid=$(cat "$dir/nats.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/nats.pid"
}

command="${1:-}"
dir="${2:-}"
[[ -n $command && -n $dir ]] || die "usage: services.sh start|stop|start-pg|stop-pg|start-nats|stop-nats DIR"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
# The postgres user must reach its data folder inside the caller's (mktemp makes it 0700).
((EUID == 0)) && chmod 755 "$dir"

case "$command" in
  start) start_pg; start_nats ;;
  stop) stop_nats; stop_pg ;;
  start-pg) start_pg ;;
  stop-pg) stop_pg ;;
  start-nats) start_nats ;;
  stop-nats) stop_nats ;;
  *) die "unknown command $command" ;;
esac
