#!/usr/bin/env bash
# Configures and builds one CMake preset: release (default), debug or asan.
set -euo pipefail

preset="${1:-release}"
case "$preset" in
  release | debug | asan) ;;
  *) echo "usage: scripts/build.sh [release|debug|asan]" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# VOXGATE_JOBS caps parallelism on shared machines.
jobs="${VOXGATE_JOBS:-$(nproc)}"

cmake --preset "$preset"
cmake --build --preset "$preset" -j "$jobs"
