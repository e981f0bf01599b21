#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs the gateway with the embedded
# defaults (http://127.0.0.1:8080). Extra arguments go to `voxgate serve`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh release
exec build/release/voxgate serve "$@"
