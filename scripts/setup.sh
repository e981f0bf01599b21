#!/usr/bin/env bash
# Installs the Debian 12 packages voxgate needs to build; with --test, also what its tests need.
# Idempotent: asks dpkg first and touches apt only when something is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
usage() { echo "usage: scripts/setup.sh [--test]" >&2; }

BUILD_PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libnats-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

# Tests run with Debian's /usr/bin/python3 (python3-websockets), never a pyenv one; the web
# pages in Debian's Chromium driven by playwright-core (npm), with a microphone fed by espeak-ng;
# real PostgreSQL and NATS servers, started on loopback by tests/services/services.sh; clang's
# libFuzzer for scripts/fuzz.sh.
TEST_PACKAGES=(
  python3 python3-websockets python3-pytest curl openssl chromium espeak-ng
  postgresql nats-server clang libclang-rt-14-dev
)

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage; echo "setup: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

wanted=("${BUILD_PACKAGES[@]}")
if ((with_tests)); then
  wanted+=("${TEST_PACKAGES[@]}")
  # Node.js may come from elsewhere (NodeSource); Debian's is asked for only when none is there.
  command -v node >/dev/null || wanted+=(nodejs)
  command -v npm >/dev/null || wanted+=(npm)
fi

is_installed() {
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -qx 'install ok installed'
}

missing=()
for package in "${wanted[@]}"; do
  is_installed "$package" || missing+=("$package")
done

# The browser tests' npm packages, pinned by tests/browser/package-lock.json.
install_npm_packages() {
  ((with_tests)) || return 0
  local dir=tests/browser
  if [[ -f $dir/node_modules/.package-lock.json && $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
    echo "setup: npm packages of $dir present"
    return 0
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if ((major < 18)); then
    echo "setup: the browser tests need Node.js 18 or later; found $(node --version)" >&2
    exit 1
  fi
  echo "setup: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#wanted[@]} packages present"
  install_npm_packages
  exit 0
fi

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "setup: need root to install: ${missing[*]} (run as root or install sudo)" >&2
    exit 1
  fi
}

echo "setup: installing ${missing[*]}"
# env passes the setting through sudo, which resets the environment.
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

still_missing=()
for package in "${missing[@]}"; do
  is_installed "$package" || still_missing+=("$package")
done
if ((${#still_missing[@]} > 0)); then
  echo "setup: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "setup: installed ${#missing[@]} packages"
install_npm_packages
