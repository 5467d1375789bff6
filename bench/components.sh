#!/usr/bin/env bash
# The component bench: `wasmesh wasm serve` against `jco serve` (Node) on the same wasi:http
# components, both engines, and the C handler compiled natively; requests/s and p50/p99 (wrk),
# start-up to the first answer, RSS, and the cost of an instantiation per request; and
# `wasm serve` over HTTP/2 (h2c, h2load), which jco serve does not speak.
#
#   bench/components.sh
#
# Builds wasmesh, the component fixtures (they need jco: scripts/install-npm.sh
# tests/fixtures/components), component_bench and native_hello in build-bench/ (Release),
# then runs bench/tools/components_bench.py, which writes bench/reports/components-<date>.md
# and prints it. See bench/README.md.
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_SECONDS (10 per load), BENCH_CONNECTIONS (16),
# BENCH_REPORT (report path), BENCH_BUILD (a build directory to use instead of build-bench/,
# for example the tests' Release build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${BENCH_BUILD:-$root/build-bench}
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
report=${BENCH_REPORT:-$here/reports/components-$(date +%F).md}

log() { echo "component bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in python3 cmake clang wrk h2load curl node git; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh bench)"
done
"$root/scripts/install-npm.sh" tests/fixtures/components

# The fixtures are built with the tests' CMake code, so the tests are configured (not built).
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DWASMESH_BUILD_BENCH=ON -DWASMESH_BUILD_TESTS=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=ON \
    -DWASMESH_BUILD_BENCH=ON >/dev/null
fi
log "building in $build"
cmake --build "$build" -j"$(nproc)" \
  --target wasmesh wasmesh_engine_v8 wasmesh_component_fixtures component_bench native_hello \
  >/dev/null

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
jco_version=$(node -p "require('$root/tests/fixtures/components/node_modules/@bytecodealliance/jco/package.json').version")
python3 "$here/tools/components_bench.py" \
  --wasmesh "$build/proxy/app/wasmesh" \
  --fixtures "$build/tests/fixtures/components" \
  --jco "node $root/tests/fixtures/components/run-jco.mjs" \
  --native "$build/bench/native_hello" \
  --component-bench "$build/bench/component_bench" \
  --rounds "$rounds" --seconds "$seconds" --connections "$connections" \
  --report "$report" \
  --command "bench/components.sh (BENCH_ROUNDS=$rounds BENCH_SECONDS=$seconds BENCH_CONNECTIONS=$connections, build $(basename "$build"))" \
  --commit "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!*.md' || echo ' + uncommitted changes')" \
  --version "machine=$cpu, $(nproc) cores, Linux $(uname -r)" \
  --version "jco $jco_version (componentize-js inside), Node $(node --version)" \
  --version "wasmesh wasm serve: defaults (1 event-loop thread, one guest thread per core, 2 instances made ahead per thread)" \
  --version "native_hello: one epoll thread per core"
log "report: $report"
