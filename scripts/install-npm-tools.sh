#!/usr/bin/env bash
# Installs the npm packages the test fixtures need, from the committed package.json and
# package-lock.json of each directory below (npm ci: exactly the locked versions). Idempotent:
# a directory is installed again only when its lock file changed (a stamp in node_modules
# records the lock file's hash). Node.js and npm come from Debian (nodejs, npm) when the
# machine has neither.
#   scripts/install-npm-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

npm_directories=(
  tests/fixtures/components   # jco (and the componentize-js it brings): component fixtures
)

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing: nodejs npm" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
fi

for directory in "${npm_directories[@]}"; do
  stamp=$directory/node_modules/.wasmesh-lock-sha256
  want=$(sha256sum "$directory/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    continue
  fi
  echo "npm ci in $directory" >&2
  (cd "$directory" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
done
