#!/usr/bin/env bash
# clang-format (must already be formatted) and clang-tidy over every C++ source we own.
# Needs a configured build directory for compile_commands.json (default build-test).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
mapfile -t sources < <(git ls-files '*.cc' '*.h' | grep -vE '^(tests|bench)/')
clang-format --dry-run --Werror "${sources[@]}"
mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
# GCC-only warning flags in the compile database are unknown to clang.
clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option "${units[@]}"
