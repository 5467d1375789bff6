#!/usr/bin/env bash
# Resident memory of an idle `wasmesh proxy` (2 workers, admin and one inbound listener on
# loopback, no outbound listener, no traffic): starts it RUNS times, reads /proc/PID/status
# 1 s after "wasmesh proxy ready", and prints VmRSS, RssAnon and RssFile of each run and the
# median VmRSS. docs/wasm.md quotes it.
#   scripts/idle-rss.sh BINARY [RUNS]
set -euo pipefail

binary=${1:?usage: scripts/idle-rss.sh BINARY [RUNS]}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/config.yaml" <<'YAML'
proxy: {workers: 2}
admin: {listen: '127.0.0.1:0'}
inbound: {listen: ['127.0.0.1:0']}
outbound: {listen: []}
YAML

field() { awk -v name="$1:" '$1 == name { print $2 }' "/proc/$2/status"; }

rss=()
for ((run = 1; run <= runs; run++)); do
  env -u WASMESH_WASM_V8_MODULE "$binary" proxy --config "$work/config.yaml" >"$work/log" 2>&1 &
  pid=$!
  for ((i = 0; i < 500; i++)); do
    grep -q "wasmesh proxy ready" "$work/log" && break
    sleep 0.01
  done
  grep -q "wasmesh proxy ready" "$work/log" || { cat "$work/log" >&2; exit 1; }
  sleep 1
  vmrss=$(field VmRSS "$pid")
  libnode=$(grep -c libnode "/proc/$pid/maps" || true)
  echo "run $run: VmRSS ${vmrss} kB, RssAnon $(field RssAnon "$pid") kB," \
       "RssFile $(field RssFile "$pid") kB, libnode mappings ${libnode}"
  rss+=("$vmrss")
  kill "$pid"
  wait "$pid" || true
done
median=$(printf '%s\n' "${rss[@]}" | sort -n |
  awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
awk -v kb="$median" 'BEGIN { printf "median VmRSS: %d kB (%.1f MiB)\n", kb, kb / 1024 }'
