#!/usr/bin/env bash
# Time to first byte of new connections: no proxy, wasmesh on a detected port, wasmesh on an
# opaque port, haproxy (mode tcp), nginx (stream); for HTTP/1.1 and for a server-first
# protocol; on 127.0.0.1, in one run.
#
#   bench/ttfb.sh [PATH/TO/wasmesh]
#
# Without an argument it builds wasmesh (Release) in build-bench/ from the working tree, or,
# with BENCH_COMMIT set, from that commit exactly (`git archive`, in build-bench/commit-<sha>/).
# It always builds the ttfb tool (bench/tools/ttfb.cc) in build-bench/. Writes
# bench/reports/ttfb-<date>.md and prints it. See bench/README.md.
#
# Knobs (environment): BENCH_ROUNDS (3; the report gives the median), BENCH_CONNECTIONS
# (measured connections per configuration, protocol and round, 5000), BENCH_WARMUP (500),
# BENCH_WORKERS (threads of every proxy, 2), BENCH_PORT_BASE (15200), BENCH_COMMIT,
# BENCH_REPORT (report path).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-5000}
warmup=${BENCH_WARMUP:-500}
workers=${BENCH_WORKERS:-2}
base=${BENCH_PORT_BASE:-15200}
commit_wanted=${BENCH_COMMIT:-}
report=${BENCH_REPORT:-$here/reports/ttfb-$(date +%F).md}

protocols=(greeting http)
configs=(direct wasmesh-detect wasmesh-opaque haproxy nginx)
# Backends: the ttfb servers. Each listens on two ports; the second ones are added to
# wasmesh's outbound.opaque_ports, the first ones are not (so they are detected).
declare -A backend=([greeting]=$((base + 2)) [http]=$((base + 3)))
declare -A backend_opaque=([greeting]=$((base + 4)) [http]=$((base + 5)))
declare -A front=(
  ["direct greeting"]=$((base + 2)) ["direct http"]=$((base + 3))
  ["wasmesh-detect greeting"]=$((base + 11)) ["wasmesh-detect http"]=$((base + 12))
  ["wasmesh-opaque greeting"]=$((base + 13)) ["wasmesh-opaque http"]=$((base + 14))
  ["haproxy greeting"]=$((base + 21)) ["haproxy http"]=$((base + 22))
  ["nginx greeting"]=$((base + 31)) ["nginx http"]=$((base + 32))
)
wasmesh_admin=$((base + 19))
nginx_stream_module=/usr/lib/nginx/modules/ngx_stream_module.so

log() { echo "ttfb: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in haproxy nginx python3 ss cmake curl git; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh bench)"
done
[ -f "$nginx_stream_module" ] || die "$nginx_stream_module missing (libnginx-mod-stream)"

# ---------------------------------------------------------------------------------------------
# binaries
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DWASMESH_BUILD_BENCH=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=OFF \
    -DWASMESH_BUILD_BENCH=ON >/dev/null
fi
build_targets=(ttfb)
source_dirs="common metrics identity policy wasm deploy proxy CMakeLists.txt cmake"
source_note=
if [ $# -ge 1 ]; then
  wasmesh=$(realpath "$1")
  [ -x "$wasmesh" ] || die "$wasmesh is not an executable"
  [ -z "$commit_wanted" ] || die "give either a binary or BENCH_COMMIT, not both"
  source_note="a binary given on the command line; the checkout was at commit $(git -C "$root" rev-parse --short HEAD)"
elif [ -n "$commit_wanted" ]; then
  sha=$(git -C "$root" rev-parse --verify "$commit_wanted^{commit}") || die "no commit $commit_wanted"
  commit_dir=$build/commit-${sha:0:12}
  if [ ! -d "$commit_dir/src" ]; then
    log "exporting commit ${sha:0:12} to $commit_dir/src"
    mkdir -p "$commit_dir/src.tmp"
    git -C "$root" archive "$sha" | tar -x -C "$commit_dir/src.tmp"
    mv "$commit_dir/src.tmp" "$commit_dir/src"
  fi
  if [ ! -f "$commit_dir/build/CMakeCache.txt" ]; then
    cmake -S "$commit_dir/src" -B "$commit_dir/build" -DCMAKE_BUILD_TYPE=Release \
      -DWASMESH_BUILD_TESTS=OFF -DWASMESH_BUILD_BENCH=OFF >/dev/null
  fi
  log "building wasmesh at ${sha:0:12} in $commit_dir/build"
  cmake --build "$commit_dir/build" -j"$(nproc)" --target wasmesh >/dev/null
  wasmesh=$commit_dir/build/proxy/app/wasmesh
  source_note="commit $(git -C "$root" log -1 --format='%h (%s)' "$sha"), exported with git archive; Release build"
  last_source=$(git -C "$root" log -1 --format='%h (%s)' "$sha" -- $source_dirs)
  [ "$last_source" = "$(git -C "$root" log -1 --format='%h (%s)' "$sha")" ] ||
    source_note+="; the last commit in it that changed wasmesh's sources is $last_source"
else
  wasmesh=$build/proxy/app/wasmesh
  build_targets+=(wasmesh)
  dirty=
  if [ -n "$(git -C "$root" status --porcelain -- $source_dirs 2>/dev/null)" ]; then
    dirty=" + uncommitted source changes in the working tree"
  fi
  source_note="the working tree at commit $(git -C "$root" log -1 --format='%h (%s)')$dirty; $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt") build"
fi
log "building ${build_targets[*]} in $build"
cmake --build "$build" -j"$(nproc)" --target "${build_targets[@]}" >/dev/null
ttfb=$build/bench/ttfb
tool_build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")

# ---------------------------------------------------------------------------------------------
# processes and cleanup
work=$(mktemp -d /tmp/wasmesh-ttfb.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)"

for key in "${!front[@]}"; do
  port=${front[$key]}
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use (BENCH_PORT_BASE)"; fi
done
for port in "${backend_opaque[@]}" "$wasmesh_admin"; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use (BENCH_PORT_BASE)"; fi
done

wait_listening() {  # port...: without connecting (a probe would be a connection to measure)
  local port i
  for port in "$@"; do
    for i in $(seq 100); do
      ss -Hltn "sport = :$port" | grep -q . && break
      [ "$i" -eq 100 ] && die "nothing listens on $port"
      sleep 0.1
    done
  done
}

commands=()  # in the order first run, for the report
record() {
  local line=$1 c
  for c in "${commands[@]}"; do [ "$c" = "$line" ] && return; done
  commands+=("$line")
}

for proto in "${protocols[@]}"; do
  "$ttfb" server "$proto" "${backend[$proto]}" "${backend_opaque[$proto]}" --threads 1 \
    >"$work/server-$proto.log" 2>&1 &
  pids+=($!)
  record "ttfb server $proto ${backend[$proto]} ${backend_opaque[$proto]} --threads 1   # backend"
done
wait_listening "${backend[@]}" "${backend_opaque[@]}"

# ---------------------------------------------------------------------------------------------
# proxy configurations
defaults=$("$wasmesh" proxy --print-defaults) || die "$wasmesh proxy --print-defaults failed"
default_opaque=$(awk '/^outbound:/ {s=1; next} /^[^ ]/ {s=0} s && $1 == "opaque_ports:" {print $2; exit}' \
  <<<"$defaults" | tr -d '"')
[ -n "$default_opaque" ] || die "this wasmesh has no outbound.opaque_ports (no protocol detection)"
cat >"$work/wasmesh.yaml" <<EOF
proxy: {workers: $workers}
log: {level: info}   # info logs no per-connection lines; "ready" is info
admin: {listen: "127.0.0.1:$wasmesh_admin"}
inbound: {listen: []}
outbound:
  listen: []
  # The defaults plus the two backend ports that the *-opaque routes target.
  opaque_ports: "$default_opaque,${backend_opaque[greeting]},${backend_opaque[http]}"
routes:   # direction: outbound (the default), so outbound.opaque_ports applies
  - {name: greeting-detect, listen: "127.0.0.1:${front[wasmesh-detect greeting]}", target: "127.0.0.1:${backend[greeting]}"}
  - {name: http-detect, listen: "127.0.0.1:${front[wasmesh-detect http]}", target: "127.0.0.1:${backend[http]}"}
  - {name: greeting-opaque, listen: "127.0.0.1:${front[wasmesh-opaque greeting]}", target: "127.0.0.1:${backend_opaque[greeting]}"}
  - {name: http-opaque, listen: "127.0.0.1:${front[wasmesh-opaque http]}", target: "127.0.0.1:${backend_opaque[http]}"}
EOF
"$wasmesh" proxy --check --config "$work/wasmesh.yaml" >"$work/wasmesh-check.log" 2>&1 ||
  { cat "$work/wasmesh-check.log" >&2; die "wasmesh rejects wasmesh.yaml"; }

cat >"$work/haproxy.cfg" <<EOF
global
    nbthread $workers
    maxconn 4096

defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h

frontend greeting
    bind 127.0.0.1:${front[haproxy greeting]}
    default_backend greeting_server

backend greeting_server
    server s1 127.0.0.1:${backend[greeting]}

frontend http
    bind 127.0.0.1:${front[haproxy http]}
    default_backend http_server

backend http_server
    server s1 127.0.0.1:${backend[http]}
EOF
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejects haproxy.cfg"

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
load_module $nginx_stream_module;
daemon off;
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;

events {
    worker_connections 4096;
}

stream {
    server {
        listen 127.0.0.1:${front[nginx greeting]};
        proxy_pass 127.0.0.1:${backend[greeting]};
        proxy_connect_timeout 1s;
        proxy_timeout 1h;
    }
    server {
        listen 127.0.0.1:${front[nginx http]};
        proxy_pass 127.0.0.1:${backend[http]};
        proxy_connect_timeout 1s;
        proxy_timeout 1h;
    }
}
EOF
nginx -t -q -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" ||
  die "nginx rejects nginx.conf"

# ---------------------------------------------------------------------------------------------
# running the proxies
proxy_pid=
start_proxy() {  # wasmesh|haproxy|nginx
  case $1 in
    wasmesh)
      record "$wasmesh proxy --config wasmesh.yaml"
      "$wasmesh" proxy --config "$work/wasmesh.yaml" >"$work/wasmesh.log" 2>&1 &
      proxy_pid=$!
      pids+=("$proxy_pid")
      local i
      for i in $(seq 100); do
        grep -q "wasmesh proxy ready" "$work/wasmesh.log" && break
        kill -0 "$proxy_pid" 2>/dev/null || { cat "$work/wasmesh.log" >&2; die "wasmesh exited"; }
        [ "$i" -eq 100 ] && die "wasmesh not ready after 10 s"
        sleep 0.1
      done
      wait_listening "${front[wasmesh-detect greeting]}" "${front[wasmesh-detect http]}" \
        "${front[wasmesh-opaque greeting]}" "${front[wasmesh-opaque http]}"
      ;;
    haproxy)
      record "haproxy -db -f haproxy.cfg"
      haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
      proxy_pid=$!
      pids+=("$proxy_pid")
      wait_listening "${front[haproxy greeting]}" "${front[haproxy http]}"
      ;;
    nginx)
      record "nginx -p nginx/ -e nginx/error.log -c nginx/nginx.conf   # nginx.conf has daemon off"
      nginx -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" \
        >"$work/nginx.log" 2>&1 &
      proxy_pid=$!
      pids+=("$proxy_pid")
      wait_listening "${front[nginx greeting]}" "${front[nginx http]}"
      ;;
  esac
  sleep 0.5  # let every worker thread/process reach its event loop
}
anomalies=()
# Graceful stops: wasmesh drains on SIGTERM, haproxy soft-stops on SIGUSR1, nginx on SIGQUIT.
# Every measured connection is closed by then, so each should exit 0 at once.
stop_proxy() {  # name round
  local name=$1 round=$2 i status=0 killed= signal=TERM
  [ "$name" = haproxy ] && signal=USR1
  [ "$name" = nginx ] && signal=QUIT
  kill -"$signal" "$proxy_pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$proxy_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$proxy_pid" 2>/dev/null; then
    killed=yes
    kill -KILL "$proxy_pid" 2>/dev/null || true
  fi
  wait "$proxy_pid" 2>/dev/null || status=$?
  if [ -n "$killed" ] || [ "$status" -ne 0 ]; then
    local what="exit status $status after SIG$signal"
    [ -n "$killed" ] && what="still running 10 s after SIG$signal; SIGKILLed"
    log "$name round $round: $what"
    local logfile=$work/$name.log
    [ "$name" = nginx ] && logfile=$work/nginx/error.log
    anomalies+=("$name, round $round: $what. Last log lines:"$'\n'"$(tail -5 "$logfile" | sed 's/^/    /')")
  fi
  proxy_pid=
}

results=$work/results.tsv  # round, config, protocol, key, value
: >"$results"
measure() {  # config protocol round
  local config=$1 proto=$2 round=$3 port=${front["$1 $2"]} line key value
  record "ttfb client $proto 127.0.0.1:<port> --connections $connections --warmup $warmup"
  "$ttfb" client "$proto" "127.0.0.1:$port" --connections "$connections" --warmup "$warmup" \
    >"$work/client.out" 2>"$work/client.err" || true
  line=$(tail -1 "$work/client.out")
  log "round $round $config $proto: $line"
  if [ -s "$work/client.err" ]; then
    log "  $(head -3 "$work/client.err" | tr '\n' ' ')"
    anomalies+=("$config $proto, round $round: $(head -3 "$work/client.err" | tr '\n' ' ')")
  fi
  for key in n errors p50_us p90_us p99_us max_us mean_us connect_p50_us; do
    value=$(sed -n "s/.* $key=\([0-9.]*\).*/\1/p" <<<" $line")
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$config" "$proto" "$key" "${value:-error}" >>"$results"
  done
}
measure_both() {  # config round: both protocols, their order alternating with the round
  local config=$1 round=$2 order=("${protocols[@]}")
  [ $((round % 2)) -eq 0 ] && order=(http greeting)
  local proto
  for proto in "${order[@]}"; do measure "$config" "$proto" "$round"; done
}

detect_metrics=
host_busy() {  # percent of all CPUs busy over 2 s
  local a b
  a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat)
  python3 - "$a" "$b" <<'EOF'
import sys
a, b = ([int(x) for x in line.split()[1:]] for line in sys.argv[1:])
d = [y - x for x, y in zip(a, b)]
idle = d[3] + d[4]  # idle + iowait
print(round(100 * (1 - idle / sum(d))))
EOF
}
busy_before=$(host_busy)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
for round in $(seq "$rounds"); do
  # Alternate the order so that drift (neighbours, caches) favours no configuration.
  if [ $((round % 2)) -eq 1 ]; then
    order=(direct wasmesh haproxy nginx); wasmesh_order=(wasmesh-detect wasmesh-opaque)
  else
    order=(nginx haproxy wasmesh direct); wasmesh_order=(wasmesh-opaque wasmesh-detect)
  fi
  for target in "${order[@]}"; do
    case $target in
      direct) measure_both direct "$round" ;;
      wasmesh)
        start_proxy wasmesh
        for config in "${wasmesh_order[@]}"; do measure_both "$config" "$round"; done
        # What detection decided, from the proxy's own counters (this round's process only).
        detect_metrics=$(curl -sf "http://127.0.0.1:$wasmesh_admin/metrics" |
          grep -E '^[a-z_]*detect[a-z_]*(_total|_count|_sum)\{' || true)
        stop_proxy wasmesh "$round"
        ;;
      *)
        start_proxy "$target"
        measure_both "$target" "$round"
        stop_proxy "$target" "$round"
        ;;
    esac
  done
done
elapsed=$(($(date +%s) - started))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(host_busy)

# ---------------------------------------------------------------------------------------------
# report
tables=$(python3 - "$results" "$rounds" <<'EOF'
import statistics, sys
from collections import defaultdict

path, rounds = sys.argv[1], int(sys.argv[2])
values = defaultdict(dict)  # (config, proto, key) -> {round: value}
for line in open(path):
    r, config, proto, key, value = line.rstrip("\n").split("\t")
    values[(config, proto, key)][int(r)] = value

configs = ["direct", "wasmesh-detect", "wasmesh-opaque", "haproxy", "nginx"]
labels = {
    "direct": "direct (no proxy)",
    "wasmesh-detect": "wasmesh, detected port",
    "wasmesh-opaque": "wasmesh, opaque port",
    "haproxy": "haproxy (mode tcp)",
    "nginx": "nginx (stream)",
}
protocols = {"greeting": "server speaks first (greeting)", "http": "HTTP/1.1 (client speaks first)"}
keys = ["p50_us", "p90_us", "p99_us", "max_us"]

def per_round(config, proto, key):
    got = values.get((config, proto, key), {})
    out = []
    for r in range(1, rounds + 1):
        try:
            out.append(float(got[r]))
        except (KeyError, ValueError):
            out.append(None)
    return out

def median(config, proto, key):
    v = per_round(config, proto, key)
    return None if None in v else statistics.median(v)

def fmt(x, digits=1):
    return "error" if x is None else f"{x:.{digits}f}"

def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"

for proto, title in protocols.items():
    print(f"### {title}\n")
    print("| configuration | p50 µs | p90 µs | p99 µs | max µs | errors "
          "| p50 / direct | p99 / direct | p50 / haproxy | p99 / haproxy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    d50, d99 = median("direct", proto, "p50_us"), median("direct", proto, "p99_us")
    h50, h99 = median("haproxy", proto, "p50_us"), median("haproxy", proto, "p99_us")
    for config in configs:
        m = [median(config, proto, k) for k in keys]
        errors = per_round(config, proto, "errors")
        errors = "error" if None in errors else str(int(sum(errors)))
        print(f"| {labels[config]} | " + " | ".join(fmt(x) for x in m) + f" | {errors} | "
              f"{ratio(m[0], d50)} | {ratio(m[2], d99)} | {ratio(m[0], h50)} | {ratio(m[2], h99)} |")
    print()

print("### What the proxy adds, and what detection adds\n")
print("Per round, the difference of two configurations' percentiles (same round, so the same")
print("host conditions; for wasmesh the same process), then the median of those differences:\n")
print("| protocol | difference | p50 µs | p99 µs | per round, p50 |")
print("|---|---|---:|---:|---|")
pairs = [
    ("wasmesh-detect", "wasmesh-opaque", "detection: wasmesh detected port − wasmesh opaque port"),
    ("wasmesh-opaque", "direct", "wasmesh opaque port − direct"),
    ("wasmesh-detect", "direct", "wasmesh detected port − direct"),
    ("haproxy", "direct", "haproxy − direct"),
    ("nginx", "direct", "nginx − direct"),
]
for proto in protocols:
    for a, b, label in pairs:
        cells, rounds_p50 = [], []
        for key in ("p50_us", "p99_us"):
            va, vb = per_round(a, proto, key), per_round(b, proto, key)
            diffs = [None if x is None or y is None else x - y for x, y in zip(va, vb)]
            cells.append("error" if None in diffs else f"{statistics.median(diffs):+.1f}")
            if key == "p50_us":
                rounds_p50 = ["-" if d is None else f"{d:+.1f}" for d in diffs]
        print(f"| {proto} | {label} | {cells[0]} | {cells[1]} | {' / '.join(rounds_p50)} |")
print()

print("### Per round\n")
print("Round 1/2/...: odd rounds run direct, wasmesh (detected port, then opaque port),")
print("haproxy, nginx; even rounds the reverse. Within a configuration odd rounds measure")
print("greeting first, even rounds http first.\n")
print("| protocol | configuration | n | errors | p50 µs | p90 µs | p99 µs | max µs | mean µs | connect() p50 µs |")
print("|---|---|---|---|---|---|---|---|---|---|")
for proto in protocols:
    for config in configs:
        cells = []
        for key in ["n", "errors", "p50_us", "p90_us", "p99_us", "max_us", "mean_us", "connect_p50_us"]:
            got = values.get((config, proto, key), {})
            cells.append("/".join(got.get(r, "-") for r in range(1, rounds + 1)))
        print(f"| {proto} | {labels[config]} | " + " | ".join(cells) + " |")
EOF
)

machine_cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo "# Time to first byte of a new connection: wasmesh vs haproxy vs nginx ($(date +%F))"
  echo
  echo "Generated by \`bench/ttfb.sh\` (see bench/README.md) in ${elapsed} s; every figure below"
  echo "comes from that run. Each value is the **median of $rounds rounds** (per-round values"
  echo "further down); each round measures $connections new connections per configuration and"
  echo "protocol, one after the other, after $warmup unmeasured ones. Everything runs on 127.0.0.1."
  echo
  echo "wasmesh measured: $source_note."
  echo
  echo "A sample is the time from the start of \`connect()\` to the return of the \`recv()\` that"
  echo "brings the first response byte (CLOCK_MONOTONIC): for **greeting** the server writes a"
  echo "16-byte banner on accept and the client sends nothing first; for **http** the client"
  echo "sends a 31-byte GET right after \`connect()\` returns and waits for the 69-byte 200 response."
  echo "Through a proxy that is: the client's handshake with the proxy, the proxy's accept, its"
  echo "connect to the backend, and the relay of the first bytes (plus, on the detected port,"
  echo "whatever protocol detection costs)."
  echo
  echo "**Caveat:** this machine has $(nproc) cores, shared by the proxy ($workers worker"
  echo "threads or processes), the client and the backend; each connection wakes all three."
  echo "Before the run the CPUs were ${busy_before}% busy (2 s sample, nothing of the benchmark"
  echo "running), ${busy_after}% after it; load average before: $load_before, after: $load_after."
  echo "Differences of a few µs are within noise; the per-round values show the spread."
  echo
  echo "## Results"
  echo
  echo "$tables"
  echo
  echo "## What wasmesh's detection decided"
  echo
  if [ -n "$detect_metrics" ]; then
    echo "Counters from wasmesh's \`/metrics\` at the end of round $rounds (that round's process"
    echo "only: $((connections + warmup)) connections on each of the two detected-port routes; the"
    echo "opaque-port routes are not counted here by design):"
    echo
    echo '```'
    echo "$detect_metrics"
    echo '```'
    echo
    python3 - "$detect_metrics" <<'EOF'
import re, sys
series = {}
for line in sys.argv[1].splitlines():
    m = re.match(r'wasmesh_tcp_detect_duration_seconds_(sum|count)\{(.*)\} (\S+)', line)
    if m:
        series.setdefault(m.group(2), {})[m.group(1)] = float(m.group(3))
for labels, v in sorted(series.items()):
    if v.get("count"):
        print(f"- {labels}: {int(v['count'])} decisions, mean time from accept to decision "
              f"{v['sum'] / v['count'] * 1e6:.1f} µs")
EOF
  else
    echo "wasmesh's \`/metrics\` had no detection counters at the end of round $rounds: this build"
    echo "does not detect protocols (or does not count it), so \"detected port\" and \"opaque"
    echo "port\" differ only in configuration."
  fi
  echo
  echo "## Process exits and client errors"
  echo
  if [ ${#anomalies[@]} -eq 0 ]; then
    echo "Every proxy process exited with status 0 within 10 s of its stop signal (wasmesh"
    echo "SIGTERM, haproxy SIGUSR1, nginx SIGQUIT), and no client reported an error."
  else
    echo "Not clean:"
    echo
    for a in "${anomalies[@]}"; do echo "- $a"; echo; done
  fi
  echo
  echo "## Machine and versions"
  echo
  echo "- CPU: $machine_cpu; nproc: $(nproc); memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- kernel: $(uname -sr); $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "- wasmesh: $("$wasmesh" --version 2>/dev/null | head -1 || true), $source_note"
  echo "- haproxy: $(haproxy -v | head -1)"
  echo "- nginx: $(nginx -v 2>&1) with $(dpkg-query -W -f='${Package} ${Version}' libnginx-mod-stream 2>/dev/null || echo 'the stream module')"
  tool_commit=$(git -C "$root" log -1 --format=%h -- bench/tools/ttfb.cc 2>/dev/null || true)
  git -C "$root" diff --quiet HEAD -- bench/tools/ttfb.cc 2>/dev/null || tool_commit+=" + uncommitted changes"
  echo "- ttfb: bench/tools/ttfb.cc at ${tool_commit:-an uncommitted version}, $tool_build_type build"
  echo
  echo "## Commands"
  echo
  echo "Run as \`$(for v in BENCH_ROUNDS BENCH_CONNECTIONS BENCH_WARMUP BENCH_WORKERS BENCH_PORT_BASE BENCH_COMMIT BENCH_REPORT; do [ -n "${!v:-}" ] && printf '%s=%s ' "$v" "${!v}"; done)bench/ttfb.sh$( [ $# -ge 1 ] && printf ' %s' "$1")\`."
  echo "Ports: backends greeting ${backend[greeting]} and http ${backend[http]} (and"
  echo "${backend_opaque[greeting]}/${backend_opaque[http]}, the same servers, for the opaque"
  echo "routes); wasmesh detected ${front[wasmesh-detect greeting]}/${front[wasmesh-detect http]},"
  echo "opaque ${front[wasmesh-opaque greeting]}/${front[wasmesh-opaque http]}; haproxy"
  echo "${front[haproxy greeting]}/${front[haproxy http]}; nginx ${front[nginx greeting]}/${front[nginx http]}"
  echo "(greeting/http); \`direct\` uses the backend ports. \`<port>\` below is one of those;"
  echo "config files are in a temporary directory."
  echo
  echo '```sh'
  printf '%s\n' "${commands[@]}"
  echo '```'
  echo
  echo "wasmesh.yaml (\`wasmesh proxy --check\` accepted it):"
  echo
  echo '```yaml'
  cat "$work/wasmesh.yaml"
  echo '```'
  echo
  echo "haproxy.cfg:"
  echo
  echo '```'
  cat "$work/haproxy.cfg"
  echo '```'
  echo
  echo "nginx.conf:"
  echo
  echo '```nginx'
  cat "$work/nginx/nginx.conf"
  echo '```'
  echo
  echo "Kernel settings in effect: \`net.ipv4.tcp_tw_reuse = $(sysctl -n net.ipv4.tcp_tw_reuse)\`,"
  echo "\`net.ipv4.ip_local_port_range = $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')\`, \`ulimit -n = $(ulimit -n)\`."
} >"$work/report.md"

mkdir -p "$(dirname "$report")"
cp "$work/report.md" "$report"
cat "$report"
log "report written to $report"
