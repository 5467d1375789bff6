#!/usr/bin/env bash
# Installs what the tests need (Debian packages; npm packages for the component fixtures),
# builds everything with warnings as errors, and runs every test: unit, integration, e2e
# (network namespaces; they say "skipped: needs root" when not root), conformance and fuzz
# labels, through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
scripts/install-npm.sh tests/k8s-schema tests/fixtures/components   # kubernetes-models; jco
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DWASMESH_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
cd build-test
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ../scripts/fuzz.sh
