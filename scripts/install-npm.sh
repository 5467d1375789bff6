#!/usr/bin/env bash
# Installs the npm packages of each directory given (each has a committed package.json and
# package-lock.json) with `npm ci`, exactly as locked. Idempotent: a directory whose
# node_modules was installed from the same lock file is left alone.
#   scripts/install-npm.sh tests/k8s-schema
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "install-npm: npm is missing: run scripts/install-deps.sh test" >&2
  exit 1
fi
for dir in "$@"; do
  marker="$dir/node_modules/.wasmesh-lock.sha256"
  wanted=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$wanted" ]; then
    continue
  fi
  echo "install-npm: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$wanted" > "$marker"
done
