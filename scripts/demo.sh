#!/usr/bin/env bash
# Installs what the build needs, builds wasmesh (Release), and runs `wasmesh demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=OFF -DWASMESH_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target wasmesh
exec build/proxy/app/wasmesh demo "$@"
