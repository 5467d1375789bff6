#!/usr/bin/env bash
# The Wasm bench: CPU-heavy WASI programs through `wasmesh wasm run` on V8 and wabt, against
# the same programs built natively and run by Node's V8 with node:wasi; and the cost of a call
# across the host/guest boundary on each backend and in Node. All in one run.
#
#   bench/wasm.sh
#
# Builds wasmesh, its V8 module, the programs (bench/wasm/programs, clang -O2, wasm32-wasi and
# native) and wasm_call_bench in build-bench/ (Release), then runs bench/tools/wasm_bench.py,
# which writes bench/reports/wasm-<date>.md and prints it. See bench/README.md.
#
# Nodes compared: `node` on PATH if there is one, and Debian's Node 18 (the nodejs package of
# the same version as libnode108, which scripts/install-deps.sh bench unpacks next to it), whose
# V8 is exactly the one wasmesh embeds.
#
# Knobs (environment): BENCH_ROUNDS (5; the report gives the median), BENCH_NO_WABT=1 (skip
# the interpreter, which is the slow part), BENCH_CALL_MIN_TIME (seconds per call benchmark,
# 0.5), BENCH_REPORT (report path), WASMESH_LIBNODE_PREFIX (/opt/wasmesh-libnode).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
rounds=${BENCH_ROUNDS:-5}
report=${BENCH_REPORT:-$here/reports/wasm-$(date +%F).md}
libnode_prefix=${WASMESH_LIBNODE_PREFIX:-/opt/wasmesh-libnode}
libnode_lib=$libnode_prefix/usr/lib/x86_64-linux-gnu

log() { echo "wasm bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in python3 cmake clang git; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh bench)"
done

if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DWASMESH_BUILD_BENCH=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=OFF \
    -DWASMESH_BUILD_BENCH=ON >/dev/null
fi
log "building in $build"
cmake --build "$build" -j"$(nproc)" \
  --target wasmesh wasmesh_engine_v8 wasm_bench_programs wasm_call_bench >/dev/null

nodes=()
versions=()
if command -v node >/dev/null; then
  nodes+=(--node "node $(node --version)=node --no-warnings")
  versions+=(--version "node $(node --version)=V8 $(node -p process.versions.v8)")
fi
debian_node=$libnode_prefix/usr/bin/node
if [ -x "$debian_node" ]; then
  node18="env LD_LIBRARY_PATH=$libnode_lib $debian_node --no-warnings"
  # Debian's Node 18 loads some of its builtins from node-acorn, node-cjs-module-lexer and
  # node-undici (scripts/install-deps.sh bench installs them).
  node18_label="node $($node18 --version) (Debian, libnode108)"
  nodes+=(--node "$node18_label=$node18")
  versions+=(--version "$node18_label=V8 $($node18 -p process.versions.v8)")
else
  log "no Debian Node 18 at $debian_node (scripts/install-deps.sh bench unpacks it); skipped"
fi
[ ${#nodes[@]} -gt 0 ] || log "no Node at all: the report will have no Node column"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
v8_version_header=$libnode_prefix/usr/include/node/v8-version.h
wasmesh_v8=V8\ $(awk '/define V8_(MAJOR_VERSION|MINOR_VERSION|BUILD_NUMBER|PATCH_LEVEL) /{v = v (v ? "." : "") $3} END {print v}' "$v8_version_header")
args=(
  --programs "$build/bench/wasm"
  --wasmesh "$build/proxy/app/wasmesh"
  --call-bench "$build/bench/wasm_call_bench"
  --calls-module "$build/bench/calls.wasm"
  --call-min-time "${BENCH_CALL_MIN_TIME:-0.5}"
  --rounds "$rounds"
  --report "$report"
  --command "bench/wasm.sh (BENCH_ROUNDS=$rounds)"
  --commit "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!*.md' || echo ' + uncommitted changes')"
  --version "machine=$cpu, $(nproc) cores, Linux $(uname -r)"
  --version "clang=$(clang --version | head -1)"
  --version "wasmesh v8=$wasmesh_v8, from libnode108 $(cat "$libnode_prefix/.unpacked")"
  "${nodes[@]}" "${versions[@]}"
)
[ -z "${BENCH_NO_WABT:-}" ] || args+=(--no-wabt)
python3 "$here/tools/wasm_bench.py" "${args[@]}"
log "report: $report"
