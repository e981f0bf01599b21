#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan) in build/fuzz and runs each for
# SECONDS (default 30) on a copy of its seed corpus. Exits non-zero when any target finds a
# crash, leak, undefined behaviour, timeout or out-of-memory; docs/fuzzing.md says what then.
#
#   scripts/fuzz.sh [SECONDS]
#   FUZZ_TARGETS="jwt origin" scripts/fuzz.sh 60   # some targets only (names as in tests/fuzz)
#   FUZZ_JOBS=2 scripts/fuzz.sh                     # build parallelism (default: all cores)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-30}"
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi

build=build/fuzz
all_targets=(origin jwt jwks publish vapi_webhook config live_calls http_router)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"
for name in "${targets[@]}"; do
  if [[ ! -f tests/fuzz/${name}_fuzz.cpp ]]; then
    echo "fuzz: no target \"$name\"; targets: ${all_targets[*]}" >&2
    exit 2
  fi
done

if ! command -v clang++ >/dev/null || ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "fuzz: needs clang and libFuzzer: apt-get install clang libclang-rt-14-dev (or scripts/setup.sh --test)" >&2
  exit 2
fi

# Only the libraries and the targets: no unit tests, benchmarks or voxgate binary. Assertions
# stay on (no NDEBUG): a failed BOOST_ASSERT is a finding too; line tables suffice for traces.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DVOXGATE_FUZZ=ON -DVOXGATE_TESTS=OFF -DVOXGATE_BENCH=OFF >/dev/null
cmake --build "$build" -j "${FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/%/_fuzz}"

# Seeds are copied: libFuzzer adds what it finds to the corpus folder, never to the repository.
# TMPDIR there too, so the targets' scratch folders go with it.
work=$(mktemp -d "${TMPDIR:-/tmp}/voxgate-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/logs"

failed=()
for name in "${targets[@]}"; do
  binary="$build/tests/fuzz/${name}_fuzz"
  artifacts="$build/artifacts/$name"
  log="$build/logs/$name.log"
  corpus="$work/corpus/$name"
  mkdir -p "$artifacts" "$corpus" "$work/tmp/$name"
  cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/")
  [[ -f tests/fuzz/$name.dict ]] && options+=(-dict="tests/fuzz/$name.dict")
  before=$(find "$artifacts" -type f | sort)

  status=0
  TMPDIR="$work/tmp/$name" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$binary" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  if ((status == 0)); then
    echo "fuzz: ok    $name: $runs runs in ${seconds}s, $coverage"
    continue
  fi
  failed+=("$name")
  echo "fuzz: FAIL  $name (exit $status) after $runs runs; the end of $log:"
  tail -n 40 "$log" | sed 's/^/    /'
  new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | grep . || true)
  for artifact in $new; do
    echo "fuzz: input saved as $artifact"
    echo "fuzz: reproduce with: $binary $artifact"
    echo "fuzz: minimise with:  $binary -minimize_crash=1 -runs=10000 $artifact"
  done
  [[ -n $new ]] || echo "fuzz: no input saved; rerun: $binary ${options[*]} tests/fuzz/corpus/$name"
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: FAILED: ${failed[*]} (see docs/fuzzing.md: each finding becomes a fix and a unit test)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
