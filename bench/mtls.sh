#!/usr/bin/env bash
# mTLS benchmark: two wasmesh proxies (client side A, server side B, mesh TLS between them)
# vs two haproxy instances doing the same mutual TLS (`ssl crt ... verify required`) vs no
# proxy, on 127.0.0.1, in one run.
#
#   bench/mtls.sh [PATH/TO/wasmesh]
#
# Without an argument it builds wasmesh (Release) in build-bench/, as bench/run.sh does. It
# always builds the connrate tool there. Writes bench/reports/mtls-<date>.md and prints it.
# See bench/README.md ("mTLS: mtls.sh").
#
# Knobs (environment): BENCH_SECONDS (per measurement, 6), BENCH_ROUNDS (3; the report gives
# the median), BENCH_STREAMS (iperf3 -P for "many", 16), BENCH_CONCURRENCY (connections in
# flight for connrate, 32), BENCH_IDLE_CONNS (500), BENCH_WORKERS (threads of each proxy, 2),
# BENCH_PORT_BASE (15300), BENCH_REPORT (report path).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
seconds=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-3}
streams=${BENCH_STREAMS:-16}
concurrency=${BENCH_CONCURRENCY:-32}
idle_conns=${BENCH_IDLE_CONNS:-500}
workers=${BENCH_WORKERS:-2}
base=${BENCH_PORT_BASE:-15300}
report=${BENCH_REPORT:-$here/reports/mtls-$(date +%F).md}

trust_domain=cluster.local
client_id=spiffe://$trust_domain/ns/default/sa/web
server_id=spiffe://$trust_domain/ns/default/sa/db
server_name=db.default.serviceaccount.identity.$trust_domain
alpn=wasmesh.io/transport/1

echo_port=$((base + 2))
iperf_port=$((base + 3))
# Fronts (plain TCP, where the load generator connects to proxy A).
declare -A iperf_front=([direct]=$iperf_port [wasmesh]=$((base + 11)) [haproxy]=$((base + 21)))
declare -A echo_front=([direct]=$echo_port [wasmesh]=$((base + 12)) [haproxy]=$((base + 22)))
# mTLS hops, A -> B. wasmesh B has one mesh port; the transport header names the target.
# haproxy has no such header, so B has one TLS port per backend.
wasmesh_mesh=$((base + 15))
haproxy_tls_iperf=$((base + 25))
haproxy_tls_echo=$((base + 26))
wasmesh_admin_a=$((base + 17))
wasmesh_admin_b=$((base + 18))

log() { echo "mtls: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in haproxy iperf3 python3 ss cmake curl; do
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
wasmesh_build_type=$build_type
if [ $# -ge 1 ]; then
  # A binary from a build directory: its cache says how it was built.
  cache=$(dirname "$(dirname "$(dirname "$wasmesh")")")/CMakeCache.txt
  wasmesh_build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null || true)
  wasmesh_build_type=${wasmesh_build_type:-unknown}
fi

# ---------------------------------------------------------------------------------------------
# processes and cleanup
work=$(mktemp -d /tmp/wasmesh-mtls.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${BENCH_KEEP_LOGS:-}" ]; then
    log "logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)"

for port in "$echo_port" "$iperf_port" "${iperf_front[wasmesh]}" "${echo_front[wasmesh]}" \
  "${iperf_front[haproxy]}" "${echo_front[haproxy]}" "$wasmesh_mesh" "$haproxy_tls_iperf" \
  "$haproxy_tls_echo" "$wasmesh_admin_a" "$wasmesh_admin_b"; do
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

commands=()  # in the order first run, for the report
record() {
  local line=$1 c
  for c in "${commands[@]}"; do [ "$c" = "$line" ] && return; done
  commands+=("$line")
}

# ---------------------------------------------------------------------------------------------
# PKI: one CA, two workload identities, made by wasmesh itself; haproxy reads the same files.
cd "$work"
record "wasmesh identity ca init --trust-domain $trust_domain --out CA"
"$wasmesh" identity ca init --trust-domain "$trust_domain" --out CA >/dev/null
record "wasmesh identity issue --ca CA --id $client_id --out WEB"
"$wasmesh" identity issue --ca CA --id "$client_id" --out WEB >/dev/null
record "wasmesh identity issue --ca CA --id $server_id --out DB"
"$wasmesh" identity issue --ca CA --id "$server_id" --out DB >/dev/null
record "cat WEB/tls.crt WEB/tls.key >WEB.pem; cat DB/tls.crt DB/tls.key >DB.pem   # for haproxy"
cat WEB/tls.crt WEB/tls.key >WEB.pem
cat DB/tls.crt DB/tls.key >DB.pem
cert_info=$(openssl x509 -in DB/tls.crt -noout -text 2>/dev/null |
  sed -n 's/^ *\(Public Key Algorithm: .*\|Signature Algorithm: .*\)$/\1/p' | sort -u | paste -sd';' || true)

# ---------------------------------------------------------------------------------------------
# backends
"$connrate" echo "$echo_port" --threads 1 >"$work/echo.log" 2>&1 &
pids+=($!)
record "connrate echo $echo_port --threads 1        # echo backend"
iperf3 -s -p "$iperf_port" >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
record "iperf3 -s -p $iperf_port                    # throughput backend"
wait_listening "$echo_port" "$iperf_port"

max_conns=$(( ($(ulimit -Hn) - 200) / 2 ))
[ "$max_conns" -gt 100000 ] && max_conns=100000

# ---------------------------------------------------------------------------------------------
# configurations
cat >wasmesh-b.yaml <<EOF
# B: server side. A direct connection to the inbound listener is a mesh connection: TLS 1.3,
# client certificate required, ALPN $alpn, SNI $server_name, then the
# transport header naming the target port on 127.0.0.1.
proxy: {workers: $workers}
log: {level: info}
admin: {listen: '127.0.0.1:$wasmesh_admin_b'}
inbound: {listen: ['127.0.0.1:$wasmesh_mesh'], max_connections: $max_conns}
outbound: {listen: []}
identity: {id: '$server_id', trust_anchors: CA/ca.crt, cert_file: DB/tls.crt, key_file: DB/tls.key}
EOF
cat >disc.yaml <<EOF
destinations:
  - addresses: ["127.0.0.1/32"]
    identity: $server_id
    mesh_port: $wasmesh_mesh
EOF
cat >wasmesh-a.yaml <<EOF
# A: client side. Both routes target 127.0.0.1, a discovered destination with a mesh port,
# so A connects to B's mesh port with mesh TLS and asks B for the target port.
proxy: {workers: $workers}
log: {level: info}
admin: {listen: '127.0.0.1:$wasmesh_admin_a'}
inbound: {listen: []}
outbound: {listen: [], max_connections: $max_conns}
routes:
  - {name: iperf, direction: outbound, listen: '127.0.0.1:${iperf_front[wasmesh]}', target: '127.0.0.1:$iperf_port'}
  - {name: echo, direction: outbound, listen: '127.0.0.1:${echo_front[wasmesh]}', target: '127.0.0.1:$echo_port'}
identity: {id: '$client_id', trust_anchors: CA/ca.crt, cert_file: WEB/tls.crt, key_file: WEB/tls.key}
discovery: {file: disc.yaml}
EOF
cat >haproxy-b.cfg <<EOF
# B: server side, terminates mutual TLS (client certificate required, same CA), forwards.
global
    nbthread $workers
    maxconn $max_conns
    tune.ssl.cachesize 0
    stats socket $work/haproxy-b.sock

defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h

frontend tls_iperf
    bind 127.0.0.1:$haproxy_tls_iperf ssl crt DB.pem ca-file CA/ca.crt verify required ssl-min-ver TLSv1.3 no-tls-tickets alpn $alpn
    default_backend iperf_server

backend iperf_server
    server s1 127.0.0.1:$iperf_port

frontend tls_echo
    bind 127.0.0.1:$haproxy_tls_echo ssl crt DB.pem ca-file CA/ca.crt verify required ssl-min-ver TLSv1.3 no-tls-tickets alpn $alpn
    default_backend echo_server

backend echo_server
    server s1 127.0.0.1:$echo_port
EOF
cat >haproxy-a.cfg <<EOF
# A: client side, plain TCP in, mutual TLS to B (client certificate, B's certificate verified
# against the CA and the SNI name), no session reuse.
global
    nbthread $workers
    maxconn $max_conns
    tune.ssl.cachesize 0
    stats socket $work/haproxy-a.sock

defaults
    mode tcp
    timeout connect 1s
    timeout client 1h
    timeout server 1h

frontend iperf
    bind 127.0.0.1:${iperf_front[haproxy]}
    default_backend iperf_tls

backend iperf_tls
    server b 127.0.0.1:$haproxy_tls_iperf ssl crt WEB.pem ca-file CA/ca.crt verify required sni str($server_name) alpn $alpn ssl-min-ver TLSv1.3 no-ssl-reuse

frontend echo
    bind 127.0.0.1:${echo_front[haproxy]}
    default_backend echo_tls

backend echo_tls
    server b 127.0.0.1:$haproxy_tls_echo ssl crt WEB.pem ca-file CA/ca.crt verify required sni str($server_name) alpn $alpn ssl-min-ver TLSv1.3 no-ssl-reuse
EOF

# ---------------------------------------------------------------------------------------------
# proxy pairs
declare -A pid_of  # side (a, b) -> pid of the running pair
anomalies=()
start_one() {  # target side
  local target=$1 side=$2 pid i
  case $target in
    wasmesh)
      record "wasmesh proxy --config wasmesh-$side.yaml"
      "$wasmesh" proxy --config "wasmesh-$side.yaml" >"$work/wasmesh-$side.log" 2>&1 &
      pid=$!
      pids+=("$pid")
      for i in $(seq 100); do
        grep -q "wasmesh proxy ready" "$work/wasmesh-$side.log" && break
        kill -0 "$pid" 2>/dev/null || { cat "$work/wasmesh-$side.log" >&2; die "wasmesh $side exited"; }
        [ "$i" -eq 100 ] && die "wasmesh $side not ready after 10 s"
        sleep 0.1
      done
      ;;
    haproxy)
      record "haproxy -db -f haproxy-$side.cfg"
      haproxy -db -f "haproxy-$side.cfg" >"$work/haproxy-$side.log" 2>&1 &
      pid=$!
      pids+=("$pid")
      ;;
  esac
  pid_of[$side]=$pid
}
start_pair() {  # target
  start_one "$1" b
  start_one "$1" a
  if [ "$1" = wasmesh ]; then
    wait_listening "$wasmesh_mesh" "${iperf_front[wasmesh]}" "${echo_front[wasmesh]}"
    local port code
    for port in "$wasmesh_admin_a" "$wasmesh_admin_b"; do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
      [ "$code" = 200 ] || die "wasmesh admin $port: /ready returned $code"
    done
  else
    wait_listening "$haproxy_tls_iperf" "$haproxy_tls_echo" "${iperf_front[haproxy]}" \
      "${echo_front[haproxy]}"
  fi
}
# Graceful stop: wasmesh drains on SIGTERM, haproxy soft-stops on SIGUSR1.
stop_pair() {  # target round
  local target=$1 round=$2 side pid i status killed signal=TERM
  [ "$target" = haproxy ] && signal=USR1
  for side in a b; do
    pid=${pid_of[$side]} status=0 killed=
    kill -"$signal" "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      killed=yes
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || status=$?
    if [ -n "$killed" ] || [ "$status" -ne 0 ]; then
      local what="exit status $status after SIG$signal"
      [ "$status" -gt 128 ] && what="killed by signal $((status - 128)) (SIG$(kill -l $((status - 128)))) after SIG$signal"
      [ -n "$killed" ] && what="still running 10 s after SIG$signal; SIGKILLed"
      log "$target $side round $round: $what"
      anomalies+=("$target $side, round $round: $what. Last log lines:"$'\n'"$(tail -5 "$work/$target-$side.log" | sed 's/^/    /')")
    fi
  done
  # Keep each round's logs (they go into the report if anything went wrong).
  for side in a b; do
    cp "$work/$target-$side.log" "$work/$target-$side.round$round.log" 2>/dev/null || true
  done
  pid_of=()
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo x; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo x; }  # utime + stime, all threads
# A proxy that died during a load is an anomaly, recorded with its exit status and log; the
# pair is restarted so that the remaining loads of the round still run (and say so).
check_pair() {  # target round load -> 0 if both alive, 1 if one died (then restarted)
  local target=$1 round=$2 load=$3 side pid status died=
  [ "$target" = direct ] && return 0
  for side in a b; do
    pid=${pid_of[$side]}
    kill -0 "$pid" 2>/dev/null && continue
    status=0
    wait "$pid" 2>/dev/null || status=$?
    local what="exited with status $status"
    [ "$status" -gt 128 ] && what="killed by signal $((status - 128)) (SIG$(kill -l $((status - 128))))"
    log "$target $side round $round: $what during $load"
    cp "$work/$target-$side.log" "$work/$target-$side.round$round-died.log" 2>/dev/null || true
    local how=""
    if [[ $load == iperf3* ]] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit("error" in d or d["end"]["sum_received"]["bytes"] == 0)' "$work/iperf.json" 2>/dev/null; then
      how=" iperf3 completed its test and its results exchange (over its control connection, through A and B) before that, so the process died while the connections were being closed; the figure is kept and marked ⚠."
    fi
    anomalies+=("**$target $side died** during round $round, load \`$load\`: $what.$how Last log lines:"$'\n\n'"$(tail -5 "$work/$target-$side.log" | sed 's/^/    /')")
    died=yes
  done
  [ -z "$died" ] && return 0
  for side in a b; do
    pid=${pid_of[$side]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  log "$target round $round: restarting the pair for the remaining loads"
  restarts+=("$target, round $round, after \`$load\`")
  start_pair "$target"
  sleep 1
  return 1
}
restarts=()
clk_tck=$(getconf CLK_TCK)

# mTLS evidence, read before and after each load:
#  wasmesh: A's tcp_open_total{direction="outbound",peer="dst",tls="true",server_id=<db>}
#           B's tcp_open_total{direction="inbound",peer="src",tls="true",client_id=<web>}
#           and both's *_tcp_errors_total;
#  haproxy: CumSslConns from `show info` on A's and B's stats sockets.
metric_sum() {  # port name must-contain...
  local port=$1 name=$2
  shift 2
  { curl -sf "http://127.0.0.1:$port/metrics" || echo "unreachable"; } | python3 -c '
import sys
name, needles = sys.argv[1], sys.argv[2:]
total = 0
for line in sys.stdin:
    if line.startswith("unreachable"):
        print("x"); sys.exit()
    if line.startswith("#") or not line.startswith(name):
        continue
    series, _, value = line.rstrip().rpartition(" ")
    if all(n in series for n in needles):
        total += float(value)
print(int(total))' "$name" "$@"
}
haproxy_info() {  # socket field
  python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show info\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
for line in data.decode().splitlines():
    k, _, v = line.partition(": ")
    if k == sys.argv[2]:
        print(v)
        break
else:
    print("-")
EOF
}
evidence() {  # target -> "a_tls b_tls a_errors b_errors"
  case $1 in
    wasmesh)
      echo "$(metric_sum "$wasmesh_admin_a" tcp_open_total 'direction="outbound"' 'peer="dst"' \
        'tls="true"' "server_id=\"$server_id\"")" \
        "$(metric_sum "$wasmesh_admin_b" tcp_open_total 'direction="inbound"' 'peer="src"' \
        'tls="true"' "client_id=\"$client_id\"")" \
        "$(metric_sum "$wasmesh_admin_a" outbound_tcp_errors_total)" \
        "$(metric_sum "$wasmesh_admin_b" inbound_tcp_errors_total)"
      ;;
    haproxy)
      echo "$(haproxy_info "$work/haproxy-a.sock" CumSslConns)" \
        "$(haproxy_info "$work/haproxy-b.sock" CumSslConns)" 0 0
      ;;
    *) echo "0 0 0 0" ;;
  esac
}

declare -A result  # "$target $metric $round" -> value
set_result() { result["$1 $2 $3"]=$4; }

# Runs a load while measuring the CPU of both proxies of the pair and the mTLS counters;
# stores <metric>_cpu (CPU seconds of A+B), <metric>_cpua / _cpub, <metric>_wall (s),
# <metric>_tls (A's and B's mTLS connection counts, "a/b") and <metric>_tlserr.
with_cpu() {  # target metric round command...
  local target=$1 metric=$2 round=$3
  shift 3
  local a0 b0 a1 b1 start end ev0 ev1
  ev0=$(evidence "$target")
  if [ "$target" != direct ]; then
    a0=$(cpu_ticks "${pid_of[a]}"); b0=$(cpu_ticks "${pid_of[b]}")
  fi
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  if [ "$target" != direct ]; then
    a1=$(cpu_ticks "${pid_of[a]}"); b1=$(cpu_ticks "${pid_of[b]}")
    if [ "$a1" = x ] || [ "$b1" = x ]; then
      # A proxy of the pair is gone: no CPU figure, no counters; check_pair records it.
      local m
      for m in cpu cpua cpub tls tlserr; do set_result "$target" "${metric}_$m" "$round" error; done
    else
      set_result "$target" "${metric}_cpua" "$round" "$(python3 -c "print(round(($a1 - $a0) / $clk_tck, 2))")"
      set_result "$target" "${metric}_cpub" "$round" "$(python3 -c "print(round(($b1 - $b0) / $clk_tck, 2))")"
      set_result "$target" "${metric}_cpu" "$round" "$(python3 -c "print(round(($a1 - $a0 + $b1 - $b0) / $clk_tck, 2))")"
      ev1=$(evidence "$target")
      read -r -a e0 <<<"$ev0"
      read -r -a e1 <<<"$ev1"
      if [[ "$ev0 $ev1" =~ ^[0-9\ ]+$ ]]; then
        set_result "$target" "${metric}_tls" "$round" "$((e1[0] - e0[0]))/$((e1[1] - e0[1]))"
        set_result "$target" "${metric}_tlserr" "$round" "$((e1[2] - e0[2] + e1[3] - e0[3]))"
      else  # an admin port stopped answering: the process died at the end of the load
        set_result "$target" "${metric}_tls" "$round" error
        set_result "$target" "${metric}_tlserr" "$round" error
      fi
    fi
  fi
  set_result "$target" "${metric}_wall" "$round" "$(python3 -c "print(round($end - $start, 2))")"
}

iperf() {  # target round streams metric
  local target=$1 round=$2 n=$3 metric=$4 port=${iperf_front[$1]}
  record "iperf3 -c 127.0.0.1 -p <front port> -t $seconds -O 1 -P $n -J"
  with_cpu "$target" "$metric" "$round" \
    iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -O 1 -P "$n" -J >"$work/iperf.json" || true
  local gbps
  gbps=$(python3 - "$work/iperf.json" <<'EOF'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except ValueError:
    print("error"); sys.exit()
if "error" in data:
    print("error"); print(data["error"], file=sys.stderr); sys.exit()
print(round(data["end"]["sum_received"]["bits_per_second"] / 1e9, 2))
EOF
  )
  log "$target round $round iperf3 -P $n: $gbps Gbit/s (mTLS conns A/B: ${result["$target ${metric}_tls $round"]:--})"
  set_result "$target" "$metric" "$round" "$gbps"
}

connrate_run() {  # target round
  local target=$1 round=$2 port=${echo_front[$1]}
  record "connrate rate 127.0.0.1:<front port> --seconds $seconds --concurrency $concurrency --bytes 16"
  with_cpu "$target" rate "$round" \
    "$connrate" rate "127.0.0.1:$port" --seconds "$seconds" --concurrency "$concurrency" \
    --bytes 16 >"$work/rate.out" 2>&1 || true
  local line
  line=$(tail -1 "$work/rate.out")
  log "$target round $round connrate: $line (mTLS conns A/B: ${result["$target rate_tls $round"]:--})"
  local key value
  for key in conns rate errors connect_errors p50_us p99_us; do
    value=$(sed -n "s/.*\b$key=\([0-9]*\).*/\1/p" <<<"$line")
    set_result "$target" "$key" "$round" "${value:-error}"
  done
}

pair_kb() {  # field -> A + B in kB
  echo $(($(status_kb "${pid_of[a]}" "$1") + $(status_kb "${pid_of[b]}" "$1")))
}

measure_pair() {  # target round
  local target=$1 round=$2
  start_pair "$target"
  sleep 1
  set_result "$target" idle_rss "$round" "$(pair_kb VmRSS)"

  record "connrate hold 127.0.0.1:<echo front port> $idle_conns --seconds 300   # RSS read after 'held'"
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
    set_result "$target" held_rss "$round" "$(pair_kb VmRSS)"
  else
    log "$target: holding $idle_conns connections failed: $(cat "$work/hold.out")"
    set_result "$target" held_rss "$round" error
    anomalies+=("$target, round $round: \`connrate hold\` of $idle_conns connections failed: $(tr '\n' ' ' <"$work/hold.out")")
  fi
  kill "$hold" 2>/dev/null || true
  wait "$hold" 2>/dev/null || true
  sleep 1

  # A load during which a proxy died keeps its figure only if the load tool completed its
  # measurement (iperf3's JSON has its results, connrate had no failed connection); the
  # table marks it, and the anomaly list says what happened.
  check_pair "$target" "$round" "connrate hold" || true
  iperf "$target" "$round" 1 tput1
  check_pair "$target" "$round" "iperf3 -P 1" || result["$target tput1_died $round"]=yes
  iperf "$target" "$round" "$streams" tputN
  check_pair "$target" "$round" "iperf3 -P $streams" || result["$target tputN_died $round"]=yes
  connrate_run "$target" "$round"
  check_pair "$target" "$round" "connrate rate" || result["$target rate_died $round"]=yes
  # After a restart VmHWM covers only the loads since; the report says so.
  set_result "$target" peak_rss "$round" "$(pair_kb VmHWM)"
  log "$target round $round RSS kB (A+B): idle ${result["$target idle_rss $round"]}," \
    "$idle_conns idle conns ${result["$target held_rss $round"]}," \
    "peak ${result["$target peak_rss $round"]}"
  # A load that failed on a proxy is an anomaly, never a silent "error" cell.
  local m
  for m in tput1 tputN rate; do
    [ -n "${result["$target ${m}_died $round"]:-}" ] && continue  # listed by check_pair
    if [ "${result["$target $m $round"]}" = error ] ||
      [ "${result["$target ${m}_tlserr $round"]:-0}" != 0 ]; then
      anomalies+=("$target, round $round, load $m: result ${result["$target $m $round"]}, proxy error counters +${result["$target ${m}_tlserr $round"]:-?}")
    fi
  done
  if [ "$target" != direct ] && [ "${result["$target errors $round"]}" != 0 ]; then
    anomalies+=("$target, round $round: connrate reported errors: $(tail -3 "$work/rate.out" | tr '\n' ' ')")
  fi
  stop_pair "$target" "$round"
}

host_busy() {  # percent of all CPUs busy over 2 s
  local a b
  a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat)
  python3 - "$a" "$b" <<'EOF'
import sys
a, b = ([int(x) for x in line.split()[1:]] for line in sys.argv[1:])
d = [y - x for x, y in zip(a, b)]
idle = d[3] + d[4]
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
  if [ $((round % 2)) -eq 1 ]; then order=(wasmesh haproxy); else order=(haproxy wasmesh); fi
  for target in "${order[@]}"; do measure_pair "$target" "$round"; done
done
elapsed=$(($(date +%s) - started))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(host_busy)

# ---------------------------------------------------------------------------------------------
# report
median() {  # target metric -> median over rounds, "error" if any round failed
  # Rounds where the load failed are left out and counted: "1.2 (2 of 3 rounds)".
  local target=$1 metric=$2 values=() r v failed=0
  for r in $(seq "$rounds"); do
    v=${result["$target $metric $r"]:-}
    [ -z "$v" ] && { echo "-"; return; }
    if [ "$v" = error ] || [[ "$v" == *x* ]]; then failed=$((failed + 1)); continue; fi
    values+=("$v")
  done
  [ ${#values[@]} -eq 0 ] && { echo error; return; }
  local m
  m=$(printf '%s\n' "${values[@]}" | python3 -c \
    'import sys, statistics; v=[float(x) for x in sys.stdin]; m=statistics.median(v); print(int(m) if m == int(m) else round(m, 2))')
  local died=0 load=
  case $metric in
    tput1|tput1_cpu) load=tput1 ;; tputN|tputN_cpu) load=tputN ;;
    rate|rate_cpu|p50_us|p99_us|errors) load=rate ;;
  esac
  if [ -n "$load" ]; then
    for r in $(seq "$rounds"); do [ -n "${result["$target ${load}_died $r"]:-}" ] && died=$((died + 1)); done
  fi
  local note=()
  [ "$failed" -gt 0 ] && note+=("$((rounds - failed)) of $rounds rounds")
  [ "$died" -gt 0 ] && note+=("a proxy died at the end of the load in $died of $rounds rounds ⚠")
  if [ ${#note[@]} -gt 0 ]; then
    local IFS=';'
    echo "$m (${note[*]})"
  else
    echo "$m"
  fi
}
num() { echo "${1%% *}"; }  # the number of a median cell
all_rounds() {
  local target=$1 metric=$2 out=() r
  for r in $(seq "$rounds"); do out+=("${result["$target $metric $r"]:--}"); done
  local joined
  joined=$(printf ' · %s' "${out[@]}")
  echo "${joined:3}"
}
# Per round: CPU seconds / units of work, then the median. Units: GB (10^9 bytes) for the
# throughput loads (Gbit/s * wall / 8), connections for connrate.
per_unit() {  # target metric
  local target=$1 metric=$2 r values=()
  for r in $(seq "$rounds"); do
    values+=("${result["$target ${metric}_cpu $r"]:-x}:${result["$target $metric $r"]:-x}:${result["$target ${metric}_wall $r"]:-x}:${result["$target conns $r"]:-x}")
  done
  python3 - "$metric" "${values[@]}" <<'EOF'
import statistics, sys
metric = sys.argv[1]
out = []
for quad in sys.argv[2:]:
    cpu, rate, wall, conns = quad.split(":")
    try:
        if metric == "rate":
            out.append(float(cpu) / float(conns) * 1e6)           # CPU µs per connection
        else:
            out.append(float(cpu) / (float(rate) * float(wall) / 8) * 1e3)  # CPU ms per GB
    except (ValueError, ZeroDivisionError):
        continue  # a failed round
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
mb() { python3 -c "import sys; v=sys.argv[1]; n, _, rest = v.partition(' '); print((str(round(float(n)/1024, 1)) + (' ' + rest if rest else '')) if n.replace('.','').isdigit() else v)" "$1"; }

dirty=
if [ -n "$(git -C "$root" status --porcelain -- common metrics identity policy wasm proxy 2>/dev/null)" ]; then
  dirty=" + uncommitted source changes"
fi
machine_cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo "# mTLS benchmark: two wasmesh proxies vs two haproxy instances ($(date +%F))"
  echo
  echo "Generated by \`bench/mtls.sh${1:+ $1}\` (see bench/README.md) in ${elapsed} s; every"
  echo "figure below comes from that run. Each value is the **median of $rounds rounds**"
  echo "(per-round values further down); each load lasts $seconds s. Everything runs on 127.0.0.1."
  echo
  echo "Path: load generator → A (plain TCP front) → **mutual TLS 1.3** → B → backend. A"
  echo "presents the client certificate of \`$client_id\`, B the server"
  echo "certificate of \`$server_id\`, both ECDSA P-256 leaf certificates"
  echo "issued by \`wasmesh identity\` under one CA; each side verifies the other against that CA,"
  echo "A checks B's name (\`$server_name\`, sent as SNI), both"
  echo "offer ALPN \`$alpn\`. **Session resumption is off** on both pairs (wasmesh"
  echo "never resumes; haproxy A: \`no-ssl-reuse\`, haproxy B: \`no-tls-tickets\`, both"
  echo "\`tune.ssl.cachesize 0\`), so every connection through A is one full handshake"
  echo "(certificate exchange, ECDHE, two signatures, two chain verifications) between A and B."
  echo
  echo "**Caveat:** this machine has $(nproc) cores, shared by four proxy processes' threads (two"
  echo "per pair are running at a time, $workers worker threads each), the load generator and"
  echo "the backend. Absolute numbers are bounded by that; the ratios are what this run says."
  echo "Before the run the CPUs were ${busy_before}% busy (2 s sample), ${busy_after}% after it;"
  echo "load average before: $load_before, after: $load_after."
  echo
  echo "## Results"
  echo
  echo "| metric | direct (no proxy) | wasmesh A+B | haproxy A+B | wasmesh / haproxy |"
  echo "|---|---:|---:|---:|---:|"
  row() {  # label metric [mib]
    local d w h
    d=$(median direct "$2"); w=$(median wasmesh "$2"); h=$(median haproxy "$2")
    if [ "${3:-}" = mib ]; then d=-; w=$(mb "$w"); h=$(mb "$h"); fi
    echo "| $1 | $d | $w | $h | $(ratio "$(num "$w")" "$(num "$h")") |"
  }
  row "throughput, 1 connection (Gbit/s)" tput1
  row "throughput, $streams connections (Gbit/s)" tputN
  row "new connections/s = mTLS handshakes/s ($concurrency in flight, 16 B echo)" rate
  row "connection latency p50 (µs), connect to EOF" p50_us
  row "connection latency p99 (µs)" p99_us
  row "connrate failed connections" errors
  row "idle RSS after start, A+B (MiB)" idle_rss mib
  row "RSS with $idle_conns idle mTLS connections, A+B (MiB)" held_rss mib
  row "peak RSS, VmHWM after the loads, A+B (MiB)" peak_rss mib
  echo
  echo "CPU seconds of the pair (utime+stime of all threads of A and B, from /proc/PID/stat)"
  echo "during each ${seconds}-s load, and per unit of work (per round: CPU / work, then the median;"
  echo "lower is better, and less sensitive than the rates to what else got the cores):"
  echo
  echo "| load | wasmesh A+B CPU s | haproxy A+B CPU s | ratio | wasmesh per unit | haproxy per unit | ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for m in tput1:"throughput, 1 connection:CPU ms/GB" tputN:"throughput, $streams connections:CPU ms/GB" \
    rate:"new connections (handshakes):CPU µs/connection"; do
    key=${m%%:*}; rest=${m#*:}; label=${rest%%:*}; unit=${rest#*:}
    w=$(median wasmesh "${key}_cpu"); h=$(median haproxy "${key}_cpu")
    wu=$(per_unit wasmesh "$key"); hu=$(per_unit haproxy "$key")
    [[ "$w" == *⚠* ]] && wu="$wu ⚠"
    [[ "$h" == *⚠* ]] && hu="$hu ⚠"
    echo "| $label (per unit: $unit) | $w | $h | $(ratio "$(num "$w")" "$(num "$h")") | $wu | $hu | $(ratio "$(num "$wu")" "$(num "$hu")") |"
  done
  echo
  echo "Ratios are wasmesh / haproxy: above 1 is better for wasmesh on throughput and"
  echo "connections/s, below 1 is better for it on latency, RSS and CPU."
  echo
  echo "### It really was mutual TLS"
  echo
  echo "Counted by the proxies themselves around each load (sum over rounds). wasmesh: A's"
  echo "\`tcp_open_total{direction=\"outbound\",peer=\"dst\",tls=\"true\",server_id=\"$server_id\"}\`"
  echo "/ B's \`tcp_open_total{direction=\"inbound\",peer=\"src\",tls=\"true\",client_id=\"$client_id\"}\`;"
  echo "haproxy: \`CumSslConns\` of \`show info\` on A / on B. Next to them, the connections the"
  echo "load generator made (iperf3: $((1 + 1)) and $((streams + 1)) per run, with its control connection;"
  echo "connrate: completed connections, plus any cut short at the end)."
  echo
  echo "| load | wasmesh A/B mTLS conns | wasmesh error counters | haproxy A/B SSL conns | connrate completed (wasmesh · haproxy) |"
  echo "|---|---|---:|---|---|"
  sum_pairs() {  # target metric
    local r a=0 b=0 v bad=0
    for r in $(seq "$rounds"); do
      v=${result["$1 $2 $r"]:-0/0}
      [ "$v" = error ] && { bad=$((bad + 1)); continue; }
      a=$((a + ${v%/*})); b=$((b + ${v#*/}))
    done
    if [ "$bad" -gt 0 ]; then
      echo "$a/$b (+ $bad round(s) not counted: a proxy had died, its counters were gone)"
    else
      echo "$a/$b"
    fi
  }
  sum_plain() {
    local r s=0 v
    for r in $(seq "$rounds"); do v=${result["$1 $2 $r"]:-0}; [ "$v" = error ] && v=0; s=$((s + v)); done
    echo "$s"
  }
  conns_sum() {
    local r s=0 v
    for r in $(seq "$rounds"); do v=${result["$1 conns $r"]:-0}; [ "$v" = error ] && v=0; s=$((s + v)); done
    echo "$s"
  }
  for m in tput1:"iperf3 -P 1" tputN:"iperf3 -P $streams" rate:"connrate"; do
    key=${m%%:*}
    c="-"
    [ "$key" = rate ] && c="$(conns_sum wasmesh) · $(conns_sum haproxy)"
    echo "| ${m#*:} | $(sum_pairs wasmesh "${key}_tls") | $(sum_plain wasmesh "${key}_tlserr") | $(sum_pairs haproxy "${key}_tls") | $c |"
  done
  echo
  echo "(wasmesh's error counters are A's \`outbound_tcp_errors_total\` plus B's"
  echo "\`inbound_tcp_errors_total\`, all reasons.)"
  echo
  echo "### The difference that remains"
  echo
  echo "- wasmesh A writes, and B reads and decodes, a transport header of about 20 bytes at the"
  echo "  start of every mesh connection (it names the target port, so one mesh port serves every"
  echo "  target); haproxy sends no header, and B needs one TLS port per backend instead."
  echo "- wasmesh A also looks the target up in discovery (\`disc.yaml\`) and checks that B's"
  echo "  certificate carries the SPIFFE identity discovery expects; haproxy A checks the DNS name"
  echo "  against the SNI (\`verify required\` with \`sni\`). wasmesh B refuses a mesh request for its"
  echo "  own ports; haproxy B forwards unconditionally."
  echo "- wasmesh keeps per-connection metrics (the counters above, with identities as labels);"
  echo "  haproxy runs without logging and only its global counters."
  echo "- Certificates: $cert_info."
  echo
  echo "Per round (round 1 · 2 · ...; odd rounds run wasmesh first, even rounds haproxy first;"
  echo "CPU in seconds, RSS in kB; \`_tls\` is A/B as above):"
  echo
  echo "| metric | direct | wasmesh | haproxy |"
  echo "|---|---|---|---|"
  for m in tput1 tputN rate conns errors connect_errors p50_us p99_us idle_rss held_rss peak_rss \
    tput1_cpua tput1_cpub tputN_cpua tputN_cpub rate_cpua rate_cpub tput1_tls tputN_tls rate_tls; do
    echo "| $m | $(all_rounds direct $m) | $(all_rounds wasmesh $m) | $(all_rounds haproxy $m) |"
  done
  echo
  echo "## Anomalies and process exits"
  echo
  if [ ${#anomalies[@]} -eq 0 ]; then
    echo "None: no load failed, no proxy error counter grew, and every proxy process exited with"
    echo "status 0 within 10 s of its stop signal (wasmesh SIGTERM, haproxy SIGUSR1)."
  else
    echo "Not clean:"
    echo
    for a in "${anomalies[@]}"; do echo "- $a"; echo; done
    if [ ${#restarts[@]} -gt 0 ]; then
      echo "The pair was restarted after a proxy died (so the remaining loads of that round still"
      echo "ran, on a fresh pair; that round's peak RSS covers only the loads after the restart):"
      printf -- '- %s\n' "${restarts[@]}"
      echo
      echo "A load during which a proxy died keeps its figure only where the load tool completed"
      echo "its measurement; such cells are marked ⚠. Its CPU reading is lost with the process"
      echo "(\"n of $rounds rounds\" in the CPU rows)."
      echo
    fi
    echo "Proxy logs (wasmesh logs at \`info\`; \`-died\` files are the log of the process that died):"
    echo
    for f in "$work"/wasmesh-?.round*.log "$work"/haproxy-?.round*.log; do
      [ -s "$f" ] || continue
      echo "\`$(basename "$f")\` (last 15 lines):"
      echo
      echo '```'
      tail -15 "$f"
      echo '```'
      echo
    done
  fi
  echo
  echo "## Machine and versions"
  echo
  echo "- CPU: $machine_cpu; nproc: $(nproc); memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- kernel: $(uname -sr); $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "- wasmesh: $("$wasmesh" --version 2>/dev/null | head -1 || true) ($wasmesh_build_type build, checkout at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty), \`$wasmesh\`"
  echo "- haproxy: $(haproxy -v | head -1); $(haproxy -vv 2>/dev/null | grep -m1 'Running on OpenSSL' || true)"
  echo "- OpenSSL (system): $(openssl version 2>/dev/null || echo unknown); wasmesh's TLS library: $(ldd "$wasmesh" 2>/dev/null | grep -oE 'lib(ssl|crypto)[^ ]*' | sort -u | paste -sd' ' || echo unknown)"
  echo "- iperf3: $(iperf3 -v | head -1)"
  echo "- connrate: bench/tools/connrate.cc, $build_type build"
  echo
  echo "## Commands"
  echo
  echo "Ports: echo backend $echo_port, iperf3 server $iperf_port. wasmesh A fronts"
  echo "${iperf_front[wasmesh]}/${echo_front[wasmesh]} (iperf3/echo), B's mesh port $wasmesh_mesh, admin"
  echo "$wasmesh_admin_a/$wasmesh_admin_b; haproxy A fronts ${iperf_front[haproxy]}/${echo_front[haproxy]}, B's TLS ports"
  echo "$haproxy_tls_iperf/$haproxy_tls_echo. \`direct\` uses the backend ports. Run in a temporary directory holding"
  echo "the files below."
  echo
  echo '```sh'
  printf '%s\n' "${commands[@]}"
  echo '```'
  echo
  echo "Sequence per pair and round: start B, then A, wait until both listen (wasmesh: \"wasmesh"
  echo "proxy ready\" in each log and \`GET /ready\` = 200 on both admin ports), wait 1 s, read"
  echo "VmRSS of both (idle); open $idle_conns connections with \`connrate hold\` (each echoes 4"
  echo "bytes, so each is established end to end, mTLS handshake included), wait 1 s, read VmRSS;"
  echo "close them; iperf3 -P 1, iperf3 -P $streams, connrate rate, each with CPU ticks and mTLS"
  echo "counters read before and after; read VmHWM; stop A and B (wasmesh SIGTERM, haproxy SIGUSR1)."
  echo
  for f in wasmesh-a.yaml wasmesh-b.yaml disc.yaml; do
    echo "$f:"
    echo
    echo '```yaml'
    cat "$work/$f"
    echo '```'
    echo
  done
  for f in haproxy-a.cfg haproxy-b.cfg; do
    echo "$f:"
    echo
    echo '```'
    cat "$work/$f"
    echo '```'
    echo
  done
  echo "Kernel settings in effect: \`net.ipv4.ip_local_port_range = $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')\`,"
  echo "\`net.ipv4.tcp_tw_reuse = $(sysctl -n net.ipv4.tcp_tw_reuse)\`, \`net.core.somaxconn = $(sysctl -n net.core.somaxconn)\`, \`ulimit -n = $(ulimit -n)\`."
} >"$work/report.md"

mkdir -p "$(dirname "$report")"
cp "$work/report.md" "$report"
cat "$report"
log "report written to $report"
