#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs the gateway with the embedded
# defaults (SQLite, in-process fan-out, the echo agent) on http://127.0.0.1:8080.
# Without --config or VOXGATE_CONFIG it uses voxgate.local.toml (or VOXGATE_LOCAL_CONFIG), written
# on first run: development tokens on, this machine's pages allowed, a random JWT secret.
# Extra arguments go to `voxgate serve`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh release

args=("$@")
if [[ -z ${VOXGATE_CONFIG:-} && " $* " != *" --config "* && " $* " != *" --config="* ]]; then
  local_config="${VOXGATE_LOCAL_CONFIG:-voxgate.local.toml}"
  if [[ ! -f $local_config ]]; then
    secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    cat >"$local_config" <<TOML
# Written by scripts/serve.sh for local development; not for production (see voxgate.example.toml).
[dev]
enabled = true   # the pages' "development token" button

[auth]
jwt_secret = "$secret"

[origins]
allow = ["http://127.0.0.1:*", "http://localhost:*"]
TOML
    echo "serve: wrote $local_config (development tokens on, pages of this machine allowed)"
  fi
  args=(--config "$local_config" "${args[@]}")
  echo "serve: open the address below (http://127.0.0.1:8080 by default) and sign in with \"Use a development token\""
fi
exec build/release/voxgate serve "${args[@]}"
