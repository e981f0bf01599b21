#!/usr/bin/env bash
# Runs the web page tests in Debian's Chromium against a voxgate binary:
#   bash tests/browser/run.sh build/release/voxgate
# The microphone is a WAV spoken by espeak-ng; each test file runs in its own node process.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VOXGATE_BIN="$(realpath "${1:?usage: run.sh <voxgate binary>}")"
export VOXGATE_BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export FAKE_MIC_WAV="$work/microphone.wav"
espeak-ng -w "$FAKE_MIC_WAV" "Hello, this is a browser test call to voxgate. One, two, three, four, five."

cd "$here"
[[ -d node_modules/playwright-core ]] || { echo "run.sh: npm packages missing: bash scripts/setup.sh --test" >&2; exit 1; }
failed=0
for file in tests/*.test.mjs; do
  echo "=== $file"
  node --test "$file" || failed=1
done
exit $failed
