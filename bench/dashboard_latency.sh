#!/usr/bin/env bash
# Publish-to-dashboard latency in Debian's Chromium (issue 6: "within a second"):
#   bash bench/dashboard_latency.sh [build dir, default build/release]
# EVENTS and GAP_MS tune the run (bench/browser/dashboard_latency.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="${1:-build/release}"
[[ -x $build/voxgate ]] || { echo "no voxgate binary in $build" >&2; exit 1; }
[[ -d tests/browser/node_modules/playwright-core ]] || { echo "run: bash scripts/setup.sh --test" >&2; exit 1; }
VOXGATE_BIN="$(realpath "$build/voxgate")" \
  node bench/browser/dashboard_latency.mjs
