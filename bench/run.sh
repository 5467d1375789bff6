#!/usr/bin/env bash
# TCP benchmark: wasmesh vs haproxy (mode tcp) vs no proxy, on 127.0.0.1, in one run.
#
#   bench/run.sh [PATH/TO/wasmesh]
#
# Without an argument it builds wasmesh (Release) in build-bench/. It always builds the
# connrate tool there. Writes bench/reports/tcp-<date>.md and prints it. See bench/README.md.
#
# Knobs (environment): BENCH_SECONDS (per measurement, default 6), BENCH_ROUNDS (default 3;
# the report gives the median), BENCH_STREAMS (iperf3 -P for "many", 16), BENCH_CONCURRENCY
# (connections in flight for connrate, 32), BENCH_IDLE_CONNS (1000), BENCH_WORKERS (2),
# BENCH_PORT_BASE (15100), BENCH_REPORT (report path).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
seconds=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-3}
streams=${BENCH_STREAMS:-16}
concurrency=${BENCH_CONCURRENCY:-32}
idle_conns=${BENCH_IDLE_CONNS:-1000}
workers=${BENCH_WORKERS:-2}
base=${BENCH_PORT_BASE:-15100}
report=${BENCH_REPORT:-$here/reports/tcp-$(date +%F).md}

echo_port=$((base + 2))
iperf_port=$((base + 3))
declare -A iperf_front=([direct]=$iperf_port [wasmesh]=$((base + 11)) [haproxy]=$((base + 21)))
declare -A echo_front=([direct]=$echo_port [wasmesh]=$((base + 12)) [haproxy]=$((base + 22)))
wasmesh_admin=$((base + 19))

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in haproxy iperf3 python3 ss cmake; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh bench)"
done

# ---------------------------------------------------------------------------------------------
# binaries
if [ $# -ge 1 ]; then
  wasmesh=$(realpath "$1")
  [ -x "$wasmesh" ] || die "$wasmesh is not an executable"
  build_targets=(connrate)
else
  wasmesh=$build/proxy/app/wasmesh
  build_targets=(wasmesh connrate)
fi
# Configure every time: cheap, and it picks up bench/CMakeLists.txt changes. An existing
# build directory keeps its build type (reported below).
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DWASMESH_BUILD_BENCH=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=OFF \
    -DWASMESH_BUILD_BENCH=ON >/dev/null
fi
log "building ${build_targets[*]} in $build"
cmake --build "$build" -j"$(nproc)" --target "${build_targets[@]}" >/dev/null
connrate=$build/bench/connrate
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")

# ---------------------------------------------------------------------------------------------
# processes and cleanup
work=$(mktemp -d /tmp/wasmesh-bench.XXXXXX)
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

for port in "$echo_port" "$iperf_port" "${iperf_front[wasmesh]}" "${echo_front[wasmesh]}" \
  "${iperf_front[haproxy]}" "${echo_front[haproxy]}" "$wasmesh_admin"; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use (BENCH_PORT_BASE)"; fi
done

wait_listening() {  # port...: without connecting (a probe would be a connection to count)
  local port i
  for port in "$@"; do
    for i in $(seq 100); do
      ss -Hltn "sport = :$port" | grep -q . && break
      [ "$i" -eq 100 ] && die "nothing listens on $port"
      sleep 0.1
    done
  done
}

# Commands, in the order first run, for the report.
commands=()
record() {
  local line=$1 c
  for c in "${commands[@]}"; do [ "$c" = "$line" ] && return; done
  commands+=("$line")
}

"$connrate" echo "$echo_port" --threads 1 >"$work/echo.log" 2>&1 &
pids+=($!)
record "connrate echo $echo_port --threads 1        # echo backend"
iperf3 -s -p "$iperf_port" >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
record "iperf3 -s -p $iperf_port                    # throughput backend"
wait_listening "$echo_port" "$iperf_port"

# Connection limits: haproxy needs 2 descriptors per connection and refuses to start when
# maxconn does not fit the hard file limit; wasmesh gets the same limit.
max_conns=$(( ($(ulimit -Hn) - 200) / 2 ))
[ "$max_conns" -gt 100000 ] && max_conns=100000

cat >"$work/wasmesh.yaml" <<EOF
proxy: {workers: $workers}
log: {level: info}   # info logs no per-connection lines; "ready" is info
admin: {listen: "127.0.0.1:$wasmesh_admin"}
inbound: {listen: []}
outbound: {listen: [], max_connections: $max_conns}   # the routes are outbound
routes:
  - {name: iperf, listen: "127.0.0.1:${iperf_front[wasmesh]}", target: "127.0.0.1:$iperf_port"}
  - {name: echo, listen: "127.0.0.1:${echo_front[wasmesh]}", target: "127.0.0.1:$echo_port"}
EOF
cat >"$work/haproxy.cfg" <<EOF
global
    nbthread $workers
    maxconn $max_conns

defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h

frontend iperf
    bind 127.0.0.1:${iperf_front[haproxy]}
    default_backend iperf_server

backend iperf_server
    server s1 127.0.0.1:$iperf_port

frontend echo
    bind 127.0.0.1:${echo_front[haproxy]}
    default_backend echo_server

backend echo_server
    server s1 127.0.0.1:$echo_port
EOF

proxy_pid=
start_proxy() {  # name
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
      ;;
    haproxy)
      record "haproxy -db -f haproxy.cfg"
      haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
      proxy_pid=$!
      pids+=("$proxy_pid")
      ;;
  esac
  wait_listening "${iperf_front[$1]}" "${echo_front[$1]}"
}
anomalies=()
# Graceful stop of both: wasmesh drains on SIGTERM, haproxy soft-stops on SIGUSR1 (its
# SIGTERM is an immediate stop that exits 143). The connections are all closed by then.
stop_proxy() {  # target round; notes anything but a clean exit 0 within 10 s
  local target=$1 round=$2 i status=0 killed= signal=TERM
  [ "$target" = haproxy ] && signal=USR1
  kill -"$signal" "$proxy_pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$proxy_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$proxy_pid" 2>/dev/null; then
    killed=yes
    kill -KILL "$proxy_pid" 2>/dev/null || true
  fi
  wait "$proxy_pid" 2>/dev/null || status=$?
  if [ -n "$killed" ] || [ "$status" -ne 0 ]; then
    local what="exit status $status after SIG$signal"
    [ "$status" -gt 128 ] && what="killed by signal $((status - 128)) (SIG$(kill -l $((status - 128)))) after SIG$signal"
    [ -n "$killed" ] && what="still running 10 s after SIG$signal; SIGKILLed"
    log "$target round $round: $what"
    anomalies+=("$target, round $round: $what. Last log lines:"$'\n'"$(tail -5 "$work/$target.log" | sed 's/^/    /')")
  fi
  proxy_pid=
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, all threads
clk_tck=$(getconf CLK_TCK)

declare -A result  # "$target $metric $round" -> value
set_result() { result["$1 $2 $3"]=$4; }

# Runs a load command while measuring the proxy's CPU; stores "<metric>_cpu" as percent of
# one core.
with_cpu() {  # target metric round command...
  local target=$1 metric=$2 round=$3
  shift 3
  local before after start end
  if [ "$target" != direct ]; then before=$(cpu_ticks "$proxy_pid"); fi
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  if [ "$target" != direct ]; then
    after=$(cpu_ticks "$proxy_pid")
    set_result "$target" "${metric}_cpu" "$round" \
      "$(python3 -c "print(round(100 * ($after - $before) / $clk_tck / ($end - $start)))")"
  fi
}

iperf() {  # target round streams metric
  local target=$1 round=$2 n=$3 metric=$4 port=${iperf_front[$1]}
  record "iperf3 -c 127.0.0.1 -p <port> -t $seconds -O 1 -P $n -J"
  with_cpu "$target" "$metric" "$round" \
    iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -O 1 -P "$n" -J >"$work/iperf.json" || true
  local mbps
  mbps=$(python3 - "$work/iperf.json" <<'EOF'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except ValueError:
    print("error"); sys.exit()
if "error" in data:
    print("error"); print(data["error"], file=sys.stderr); sys.exit()
print(round(data["end"]["sum_received"]["bits_per_second"] / 8 / 1e6))
EOF
  )
  log "$target round $round iperf3 -P $n: $mbps MB/s"
  set_result "$target" "$metric" "$round" "$mbps"
}

connrate_run() {  # target round
  local target=$1 round=$2 port=${echo_front[$1]}
  record "connrate rate 127.0.0.1:<port> --seconds $seconds --concurrency $concurrency --bytes 16"
  with_cpu "$target" rate "$round" \
    "$connrate" rate "127.0.0.1:$port" --seconds "$seconds" --concurrency "$concurrency" \
    --bytes 16 >"$work/rate.out" 2>&1 || true
  local line
  line=$(tail -1 "$work/rate.out")
  log "$target round $round connrate: $line"
  local key value
  for key in rate errors connect_errors p50_us p99_us; do
    value=$(sed -n "s/.*\b$key=\([0-9]*\).*/\1/p" <<<"$line")
    set_result "$target" "$key" "$round" "${value:-error}"
  done
}

measure_proxy() {  # target round
  local target=$1 round=$2
  start_proxy "$target"
  sleep 1
  set_result "$target" idle_rss "$round" "$(status_kb "$proxy_pid" VmRSS)"

  record "connrate hold 127.0.0.1:<echo port> $idle_conns --seconds 300   # RSS read after 'held'"
  "$connrate" hold "127.0.0.1:${echo_front[$target]}" "$idle_conns" --seconds 300 \
    >"$work/hold.out" 2>&1 &
  local hold=$! i
  pids+=("$hold")
  for i in $(seq 300); do
    grep -q "^held" "$work/hold.out" && break
    kill -0 "$hold" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "^held" "$work/hold.out"; then
    sleep 1
    set_result "$target" held_rss "$round" "$(status_kb "$proxy_pid" VmRSS)"
  else
    log "$target: holding $idle_conns connections failed: $(cat "$work/hold.out")"
    set_result "$target" held_rss "$round" error
  fi
  kill "$hold" 2>/dev/null || true
  wait "$hold" 2>/dev/null || true
  sleep 1

  iperf "$target" "$round" 1 tput1
  iperf "$target" "$round" "$streams" tputN
  connrate_run "$target" "$round"
  set_result "$target" peak_rss "$round" "$(status_kb "$proxy_pid" VmHWM)"
  set_result "$target" after_rss "$round" "$(status_kb "$proxy_pid" VmRSS)"
  log "$target round $round RSS kB: idle ${result["$target idle_rss $round"]}," \
    "$idle_conns idle conns ${result["$target held_rss $round"]}," \
    "peak ${result["$target peak_rss $round"]}"
  stop_proxy "$target" "$round"
}

# How busy the host already is (other jobs compete with the benchmark for the same cores).
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
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
  iperf direct "$round" 1 tput1
  iperf direct "$round" "$streams" tputN
  connrate_run direct "$round"
  # Alternate the order so that drift (thermal, neighbours) does not favour one proxy.
  if [ $((round % 2)) -eq 1 ]; then order=(wasmesh haproxy); else order=(haproxy wasmesh); fi
  for target in "${order[@]}"; do measure_proxy "$target" "$round"; done
done
elapsed=$(($(date +%s) - started))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(host_busy)

# ---------------------------------------------------------------------------------------------
# report
median() {  # target metric -> median over rounds, "error" if any round failed
  local target=$1 metric=$2 values=() r v
  for r in $(seq "$rounds"); do
    v=${result["$target $metric $r"]:-}
    [ -z "$v" ] && { echo "-"; return; }
    [ "$v" = error ] && { echo error; return; }
    values+=("$v")
  done
  printf '%s\n' "${values[@]}" | sort -n | python3 -c \
    'import sys, statistics; v=[float(x) for x in sys.stdin]; m=statistics.median(v); print(int(m) if m == int(m) else round(m, 1))'
}
all_rounds() {
  local target=$1 metric=$2 out=() r
  for r in $(seq "$rounds"); do out+=("${result["$target $metric $r"]:--}"); done
  local IFS=/
  echo "${out[*]}"
}
per_unit() {  # target metric -> median over rounds of CPU ms per GB, or µs per connection
  local target=$1 metric=$2 r values=()
  for r in $(seq "$rounds"); do
    values+=("${result["$target ${metric}_cpu $r"]:-x}:${result["$target $metric $r"]:-x}")
  done
  python3 - "${values[@]}" <<'EOF'
import statistics, sys
out = []
for pair in sys.argv[1:]:
    cpu, rate = pair.split(":")
    try:
        # cores / (MB/s) = core-s per MB = ms per GB / 1e6; cores / (conn/s) = µs / 1e6
        out.append(float(cpu) / 100 / float(rate) * 1e6)
    except (ValueError, ZeroDivisionError):
        print("-"); sys.exit()
print(round(statistics.median(out), 1) if out else "-")
EOF
}
ratio() {  # a b
  python3 - "$1" "$2" <<'EOF'
import sys
try:
    a, b = float(sys.argv[1]), float(sys.argv[2])
    print(f"{a / b:.2f}" if b else "-")
except ValueError:
    print("-")
EOF
}
mb() { python3 -c "import sys; v=sys.argv[1]; print(round(float(v)/1024, 1) if v.replace('.','').isdigit() else v)" "$1"; }

dirty=
if [ -n "$(git -C "$root" status --porcelain -- common metrics identity policy wasm proxy 2>/dev/null)" ]; then
  dirty=" + uncommitted source changes"
fi
machine_cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo "# TCP proxy benchmark: wasmesh vs haproxy ($(date +%F))"
  echo
  echo "Generated by \`bench/run.sh\` (see bench/README.md) in ${elapsed} s; every figure below"
  echo "comes from that run. Each value is the **median of $rounds rounds** (per-round values"
  echo "further down); each load measurement lasts $seconds s. Everything runs on 127.0.0.1."
  echo
  echo "**Caveat:** this machine has $(nproc) cores, shared by the proxy ($workers worker threads),"
  echo "the load generator (iperf3 client, connrate) and the backend (iperf3 server, echo"
  echo "server). Absolute numbers are bounded by that; the ratios are what this run says."
  echo "Other work on the host competes for the same cores: before the run the CPUs were"
  echo "${busy_before}% busy (2 s sample, nothing of the benchmark running), ${busy_after}% after it;"
  echo "load average before: $load_before, after: $load_after."
  echo
  echo "## Results"
  echo
  echo "| metric | direct (no proxy) | wasmesh | haproxy | wasmesh / haproxy |"
  echo "|---|---:|---:|---:|---:|"
  row() {  # label metric [mib]
    local d w h
    d=$(median direct "$2"); w=$(median wasmesh "$2"); h=$(median haproxy "$2")
    if [ "${3:-}" = mib ]; then w=$(mb "$w"); h=$(mb "$h"); fi
    echo "| $1 | $d | $w | $h | $(ratio "$w" "$h") |"
  }
  row "throughput, 1 connection (MB/s)" tput1
  row "throughput, $streams connections (MB/s)" tputN
  row "new connections/s ($concurrency in flight, 16 B echo)" rate
  row "connection latency p50 (µs)" p50_us
  row "connection latency p99 (µs)" p99_us
  row "connrate failed connections" errors
  row "idle RSS after start (MiB)" idle_rss mib
  row "RSS with $idle_conns idle connections (MiB)" held_rss mib
  row "peak RSS, VmHWM after the load (MiB)" peak_rss mib
  row "RSS after the load (MiB)" after_rss mib
  echo
  echo "Proxy CPU during each load, in % of one core (utime+stime of all threads / wall time):"
  echo
  echo "| load | wasmesh | haproxy | wasmesh / haproxy |"
  echo "|---|---:|---:|---:|"
  for m in tput1:"throughput, 1 connection" tputN:"throughput, $streams connections" \
    rate:"new connections"; do
    w=$(median wasmesh "${m%%:*}_cpu"); h=$(median haproxy "${m%%:*}_cpu")
    echo "| ${m#*:} | $w | $h | $(ratio "$w" "$h") |"
  done
  echo
  echo "Proxy CPU per unit of work (per round: CPU% / 100 / rate, then the median; lower is"
  echo "better, and less sensitive than the rates to what else competes for the cores):"
  echo
  echo "| cost | wasmesh | haproxy | wasmesh / haproxy |"
  echo "|---|---:|---:|---:|"
  for m in tput1:"CPU ms per GB, 1 connection" tputN:"CPU ms per GB, $streams connections" \
    rate:"CPU µs per new connection"; do
    w=$(per_unit wasmesh "${m%%:*}"); h=$(per_unit haproxy "${m%%:*}")
    echo "| ${m#*:} | $w | $h | $(ratio "$w" "$h") |"
  done
  echo
  echo "Per round (round 1/2/...; odd rounds run wasmesh first, even rounds haproxy first):"
  echo
  echo "| metric | direct | wasmesh | haproxy |"
  echo "|---|---|---|---|"
  for m in tput1 tputN rate errors connect_errors p50_us p99_us idle_rss held_rss peak_rss \
    tput1_cpu tputN_cpu rate_cpu; do
    echo "| $m | $(all_rounds direct $m) | $(all_rounds wasmesh $m) | $(all_rounds haproxy $m) |"
  done
  echo
  echo "RSS values in the per-round table are in kB (VmRSS / VmHWM from /proc/PID/status; the"
  echo "kernel keeps these counters per CPU, so two readings can disagree by a few hundred kB)."
  echo
  echo "## Process exits"
  echo
  if [ ${#anomalies[@]} -eq 0 ]; then
    echo "Every proxy process exited with status 0 within 10 s of its stop signal (wasmesh"
    echo "SIGTERM, haproxy SIGUSR1)."
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
  echo "- wasmesh: $("$wasmesh" --version 2>/dev/null | head -1 || true) ($build_type build, commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty), \`$wasmesh\`"
  echo "- haproxy: $(haproxy -v | head -1)"
  echo "- iperf3: $(iperf3 -v | head -1)"
  echo "- connrate: bench/tools/connrate.cc, $build_type build"
  echo
  echo "## Commands"
  echo
  echo "Ports: echo backend $echo_port, iperf3 server $iperf_port; the proxies listen on"
  echo "$((base + 11))/$((base + 12)) (wasmesh) and $((base + 21))/$((base + 22)) (haproxy) for"
  echo "iperf3/echo, and \`direct\` uses the backend ports. \`<port>\` below is one of those."
  echo
  echo '```sh'
  printf '%s\n' "${commands[@]}"
  echo '```'
  echo
  echo "Sequence per proxy and round: start it, wait 1 s, read VmRSS (idle); open"
  echo "$idle_conns connections with \`connrate hold\` (each echoes 4 bytes so it is established"
  echo "through to the backend), wait 1 s, read VmRSS; close them; iperf3 -P 1, iperf3 -P"
  echo "$streams, connrate rate; read VmHWM and VmRSS; SIGTERM. The \"direct\" column runs the"
  echo "same loads against the backends without a proxy."
  echo
  echo "wasmesh.yaml:"
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
  echo "Kernel settings in effect: \`net.ipv4.ip_local_port_range = $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')\`,"
  echo "\`net.ipv4.tcp_tw_reuse = $(sysctl -n net.ipv4.tcp_tw_reuse)\`, \`net.core.somaxconn = $(sysctl -n net.core.somaxconn)\`, \`ulimit -n = $(ulimit -n)\`."
} >"$work/report.md"

mkdir -p "$(dirname "$report")"
cp "$work/report.md" "$report"
cat "$report"
log "report written to $report"
