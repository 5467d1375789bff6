#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/ and runs
# each for FUZZ_SECONDS (default 60) on a scratch copy of its seed corpus. Fails on any crash,
# sanitizer report, broken invariant or slow input; the input that did it is kept in
# build-fuzz/artifacts/. New corpus entries stay in the scratch copy, never in the repository.
#   scripts/fuzz.sh                       # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh http # one target, longer
# FUZZ_BUILD_DIR (default build-fuzz) builds elsewhere, so people sharing a checkout can fuzz
# at the same time without sharing a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test   # clang and libclang-rt-14-dev (libFuzzer) among them

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(clienthello http transportheader headermap component http1)
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWASMESH_BUILD_FUZZ=ON -DWASMESH_WERROR=ON -DWASMESH_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/wasmesh_fuzz_}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/artifacts"
for target in "${targets[@]}"; do
  cp -r "tests/fuzz/corpus/$target" "$scratch/$target"
  log=$build/fuzz-$target.log
  echo "fuzz $target: ${seconds}s, log in $log" >&2
  # -timeout: an input taking seconds is a bug for a first-bytes classifier, not a slow test.
  if ! "$build/tests/fuzz/wasmesh_fuzz_$target" "$scratch/$target" \
      -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz $target: FAILED; reproduce with $build/tests/fuzz/wasmesh_fuzz_$target" \
      "$build/artifacts/$target-<file>" >&2
    exit 1
  fi
  grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$log" >&2
done
