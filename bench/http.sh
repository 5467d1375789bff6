#!/usr/bin/env bash
# HTTP benchmark: wasmesh's HTTP proxying vs haproxy (mode http) vs nginx (proxy_pass) vs no
# proxy, on 127.0.0.1, in one run, every proxy with the same number of worker threads:
#
#   h1    HTTP/1.1 keep-alive, wrk --latency, 128 B and 64 KiB responses;
#   h2    HTTP/2 with prior knowledge (h2c), h2load, the same two sizes, through every proxy
#         that speaks h2c to its client;
#   mesh  two meshed wasmesh proxies (mutual TLS between them) vs a pair of haproxy http
#         proxies chained over mutual TLS vs no proxy, at a constant 1,000 requests/s with
#         1 KiB responses (bench/tools/ratehttp.cc, an open-loop generator).
#
#   bench/http.sh [PATH/TO/wasmesh]
#
# Without an argument it builds wasmesh (Release) in build-bench/ (or BENCH_BUILD), as the
# other benches do; it always builds the ratehttp tool there. The upstream is a separate nginx
# serving static files (HTTP/1.1 and h2c ports). Writes bench/reports/http-<date>.md (made by
# bench/tools/http_report.py from this run's records) and prints it. See bench/README.md
# ("HTTP: http.sh").
#
# Knobs (environment): BENCH_SECONDS (per measured load, 8), BENCH_WARMUP (unmeasured load
# before each, 2 s), BENCH_ROUNDS (3; the report gives the median), BENCH_WORKERS (threads of
# every proxy: wasmesh proxy.workers, haproxy nbthread, nginx worker_processes; 2),
# BENCH_BACKEND_WORKERS (the upstream nginx's worker_processes, = BENCH_WORKERS),
# BENCH_CONNECTIONS (wrk connections, 64), BENCH_WRK_THREADS (wrk and h2load threads, 2),
# BENCH_H2_CLIENTS (h2load -c, 16), BENCH_H2_STREAMS (h2load -m, 10), BENCH_RATE (mesh part,
# requests/s, 1000), BENCH_RATE_SECONDS (15), BENCH_RATE_CONNECTIONS (16), BENCH_RT (1: run
# ratehttp under SCHED_FIFO when root, so that its own wake-ups are on time; 0: never),
# BENCH_PARTS (h1,h2,mesh), BENCH_PORT_BASE (15400), BENCH_BUILD (build directory),
# BENCH_JOBS (build parallelism, 2), BENCH_REPORT (report path), BENCH_KEEP_LOGS (keep the
# temporary directory).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${BENCH_BUILD:-$root/build-bench}
seconds=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-2}
rounds=${BENCH_ROUNDS:-3}
workers=${BENCH_WORKERS:-2}
backend_workers=${BENCH_BACKEND_WORKERS:-$workers}
connections=${BENCH_CONNECTIONS:-64}
wrk_threads=${BENCH_WRK_THREADS:-2}
h2_clients=${BENCH_H2_CLIENTS:-16}
h2_streams=${BENCH_H2_STREAMS:-10}
rate=${BENCH_RATE:-1000}
rate_seconds=${BENCH_RATE_SECONDS:-15}
rate_connections=${BENCH_RATE_CONNECTIONS:-16}
realtime=${BENCH_RT:-1}
parts=${BENCH_PARTS:-h1,h2,mesh}
base=${BENCH_PORT_BASE:-15400}
jobs=${BENCH_JOBS:-2}
report=${BENCH_REPORT:-$here/reports/http-$(date +%F).md}

trust_domain=cluster.local
client_id=spiffe://$trust_domain/ns/default/sa/web
server_id=spiffe://$trust_domain/ns/default/sa/db
server_name=db.default.serviceaccount.identity.$trust_domain

# Ports. The upstream nginx: HTTP/1.1 and h2c.
backend_h1=$((base + 1))
backend_h2=$((base + 2))
wasmesh_h1=$((base + 11))     # route to backend_h1 (detected: HTTP/1)
wasmesh_h2=$((base + 12))     # route to backend_h2 (detected: HTTP/2, so h2 upstream)
wasmesh_admin=$((base + 19))
haproxy_h1=$((base + 21))     # h1 -> h1
haproxy_h2=$((base + 22))     # h2c -> h1
haproxy_h2h2=$((base + 23))   # h2c -> h2c
nginx_h1=$((base + 31))       # h1 -> h1
nginx_h2=$((base + 32))       # h2c -> h1 (nginx proxies HTTP/1.x only)
mesh_front_wasmesh=$((base + 41))
mesh_port_wasmesh=$((base + 42))
mesh_admin_a=$((base + 47))
mesh_admin_b=$((base + 48))
mesh_front_haproxy=$((base + 51))
mesh_port_haproxy=$((base + 52))
all_ports=("$backend_h1" "$backend_h2" "$wasmesh_h1" "$wasmesh_h2" "$wasmesh_admin" "$haproxy_h1"
  "$haproxy_h2" "$haproxy_h2h2" "$nginx_h1" "$nginx_h2" "$mesh_front_wasmesh"
  "$mesh_port_wasmesh" "$mesh_admin_a" "$mesh_admin_b" "$mesh_front_haproxy" "$mesh_port_haproxy")

log() { echo "http bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in wrk haproxy nginx h2load python3 ss cmake curl openssl pgrep; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (scripts/install-deps.sh bench; h2load is in nghttp2-client, scripts/install-deps.sh test)"
done
has_part() { [[ ",$parts," == *",$1,"* ]]; }

# ---------------------------------------------------------------------------------------------
# binaries
if [ $# -ge 1 ]; then
  wasmesh=$(realpath "$1")
  [ -x "$wasmesh" ] || die "$wasmesh is not an executable"
  build_targets=(ratehttp)
else
  wasmesh=$build/proxy/app/wasmesh
  build_targets=(wasmesh ratehttp)
fi
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DWASMESH_BUILD_BENCH=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWASMESH_BUILD_TESTS=OFF \
    -DWASMESH_BUILD_BENCH=ON >/dev/null
fi
log "building ${build_targets[*]} in $build"
cmake --build "$build" -j"$jobs" --target "${build_targets[@]}" >/dev/null
ratehttp=$build/bench/ratehttp
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
wasmesh_build_type=$build_type
if [ $# -ge 1 ]; then
  cache=$(dirname "$(dirname "$(dirname "$wasmesh")")")/CMakeCache.txt
  wasmesh_build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null || true)
  wasmesh_build_type=${wasmesh_build_type:-unknown}
fi
rt_prefix=()
if [ "$realtime" = 1 ] && [ "$(id -u)" = 0 ] && command -v chrt >/dev/null; then
  rt_prefix=(chrt -f 10)
fi

# ---------------------------------------------------------------------------------------------
# processes and cleanup
work=$(mktemp -d /tmp/wasmesh-http.XXXXXX)
chmod 755 "$work"  # nginx workers run as nobody and read the files below
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

for port in "${all_ports[@]}"; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use (BENCH_PORT_BASE)"; fi
done

wait_listening() {  # port...
  local port i
  for port in "$@"; do
    for i in $(seq 100); do
      ss -Hltn "sport = :$port" | grep -q . && break
      [ "$i" -eq 100 ] && die "nothing listens on $port"
      sleep 0.1
    done
  done
}

mkdir -p "$work/raw" "$work/www" "$work/tmp"
chmod 777 "$work/tmp"
results=$work/results.tsv
: >"$results"
: >"$work/anomalies.md"
: >"$work/commands.txt"
record() {  # a command line for the report, once
  grep -qxF -- "$1" "$work/commands.txt" || echo "$1" >>"$work/commands.txt"
}
emit() {  # part target case round key=value...: one record for http_report.py
  local IFS=$'\t'
  echo "$*" >>"$results"
}
anomaly() { printf -- '- %s\n' "$*" >>"$work/anomalies.md"; log "anomaly: $*"; }

# Response bodies: 128 B, 1 KiB, 64 KiB.
declare -A size_bytes=([128]=128 [1k]=1024 [64k]=65536)
for name in "${!size_bytes[@]}"; do
  head -c "${size_bytes[$name]}" /dev/zero | tr '\0' x >"$work/www/$name"
done

# ---------------------------------------------------------------------------------------------
# configurations
max_conns=$(( ($(ulimit -Hn) - 200) / 2 ))
[ "$max_conns" -gt 100000 ] && max_conns=100000
nginx_temp_paths="client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi; uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;"

cat >"$work/backend.conf" <<EOF
# The upstream: static files from memory (page cache), HTTP/1.1 and h2c (prior knowledge).
worker_processes $backend_workers;
daemon off;
pid $work/backend.pid;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 1000000;
    $nginx_temp_paths
    default_type application/octet-stream;
    server { listen 127.0.0.1:$backend_h1; root $work/www; }
    server { listen 127.0.0.1:$backend_h2 http2; root $work/www; }
}
EOF

cat >"$work/wasmesh.yaml" <<EOF
# Two explicit routes; neither target port is in a port class, so every connection goes
# through protocol detection: HTTP/1 is served by the HTTP/1 codec and proxied over pooled
# HTTP/1.1 upstream connections, the HTTP/2 preface by the HTTP/2 codec and proxied over a
# shared HTTP/2 upstream connection (a detected h2 client gets an h2 upstream).
proxy: {workers: $workers}
log: {level: info}
admin: {listen: '127.0.0.1:$wasmesh_admin'}
inbound: {listen: []}
outbound: {listen: []}
routes:
  - {name: h1, direction: outbound, listen: '127.0.0.1:$wasmesh_h1', target: '127.0.0.1:$backend_h1'}
  - {name: h2, direction: outbound, listen: '127.0.0.1:$wasmesh_h2', target: '127.0.0.1:$backend_h2'}
EOF

cat >"$work/haproxy.cfg" <<EOF
global
    nbthread $workers
    maxconn $max_conns
    stats socket $work/haproxy.sock

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s

frontend h1
    bind 127.0.0.1:$haproxy_h1
    default_backend upstream_h1

frontend h2_to_h1
    bind 127.0.0.1:$haproxy_h2 proto h2
    default_backend upstream_h1

frontend h2_to_h2
    bind 127.0.0.1:$haproxy_h2h2 proto h2
    default_backend upstream_h2

backend upstream_h1
    server s1 127.0.0.1:$backend_h1

backend upstream_h2
    server s1 127.0.0.1:$backend_h2 proto h2
EOF

cat >"$work/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 1000000;
    $nginx_temp_paths
    upstream upstream_h1 {
        server 127.0.0.1:$backend_h1;
        keepalive $connections;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$nginx_h1;
        listen 127.0.0.1:$nginx_h2 http2;
        location / {
            proxy_pass http://upstream_h1;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF

# The meshed pair: one CA, two workload identities (as bench/mtls.sh).
cd "$work"
if has_part mesh; then
  record "wasmesh identity ca init --trust-domain $trust_domain --out CA"
  "$wasmesh" identity ca init --trust-domain "$trust_domain" --out CA >/dev/null
  record "wasmesh identity issue --ca CA --id $client_id --out WEB"
  "$wasmesh" identity issue --ca CA --id "$client_id" --out WEB >/dev/null
  record "wasmesh identity issue --ca CA --id $server_id --out DB"
  "$wasmesh" identity issue --ca CA --id "$server_id" --out DB >/dev/null
  record "cat WEB/tls.crt WEB/tls.key >WEB.pem; cat DB/tls.crt DB/tls.key >DB.pem   # for haproxy"
  cat WEB/tls.crt WEB/tls.key >WEB.pem
  cat DB/tls.crt DB/tls.key >DB.pem
fi
cat >"$work/wasmesh-b.yaml" <<EOF
# B: the server's proxy. A connection to its inbound port is a mesh connection (TLS 1.3,
# client certificate required); the transport header says http2, so B serves the requests
# and sends each to the target port as HTTP/1.1 (l5d-orig-proto), carrying A's identity.
proxy: {workers: $workers}
log: {level: info}
admin: {listen: '127.0.0.1:$mesh_admin_b'}
inbound: {listen: ['127.0.0.1:$mesh_port_wasmesh']}
outbound: {listen: []}
identity: {id: '$server_id', trust_anchors: CA/ca.crt, cert_file: DB/tls.crt, key_file: DB/tls.key}
EOF
cat >"$work/disc.yaml" <<EOF
destinations:
  - addresses: ["127.0.0.1/32"]
    identity: $server_id
    mesh_port: $mesh_port_wasmesh
EOF
cat >"$work/wasmesh-a.yaml" <<EOF
# A: the client's proxy. The route's target is a discovered (meshed) destination on a port
# of no class: A detects HTTP/1 and sends every request over one shared HTTP/2 connection
# per worker, mutual TLS 1.3, to B's inbound port.
proxy: {workers: $workers}
log: {level: info}
admin: {listen: '127.0.0.1:$mesh_admin_a'}
inbound: {listen: []}
outbound: {listen: []}
routes:
  - {name: app, direction: outbound, listen: '127.0.0.1:$mesh_front_wasmesh', target: '127.0.0.1:$backend_h1'}
identity: {id: '$client_id', trust_anchors: CA/ca.crt, cert_file: WEB/tls.crt, key_file: WEB/tls.key}
discovery: {file: disc.yaml}
EOF
cat >"$work/haproxy-b.cfg" <<EOF
# B: terminates mutual TLS (client certificate required, same CA), HTTP/2 by ALPN, and
# proxies to the upstream over pooled HTTP/1.1 connections.
global
    nbthread $workers
    maxconn $max_conns
    stats socket $work/haproxy-b.sock

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend mesh
    bind 127.0.0.1:$mesh_port_haproxy ssl crt DB.pem ca-file CA/ca.crt verify required ssl-min-ver TLSv1.3 alpn h2
    default_backend upstream_h1

backend upstream_h1
    server s1 127.0.0.1:$backend_h1
EOF
cat >"$work/haproxy-a.cfg" <<EOF
# A: HTTP/1.1 from the client; to B over mutual TLS 1.3 (client certificate, B's certificate
# verified against the CA and the SNI name), HTTP/2 by ALPN, connections reused.
global
    nbthread $workers
    maxconn $max_conns
    stats socket $work/haproxy-a.sock

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend app
    bind 127.0.0.1:$mesh_front_haproxy
    default_backend mesh

backend mesh
    server b 127.0.0.1:$mesh_port_haproxy ssl crt WEB.pem ca-file CA/ca.crt verify required sni str($server_name) alpn h2 ssl-min-ver TLSv1.3
EOF

nginx -t -q -p "$work/" -e "$work/backend.err" -c "$work/backend.conf" || die "nginx rejects backend.conf"
nginx -t -q -p "$work/" -e "$work/nginx.err" -c "$work/nginx.conf" || die "nginx rejects nginx.conf"
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejects haproxy.cfg"
"$wasmesh" proxy --check --config "$work/wasmesh.yaml" >/dev/null || die "wasmesh rejects wasmesh.yaml"

# ---------------------------------------------------------------------------------------------
# the upstream
record "nginx -p ./ -e backend.err -c backend.conf     # the upstream (daemon off)"
nginx -p "$work/" -e "$work/backend.err" -c "$work/backend.conf" >"$work/backend.log" 2>&1 &
backend_pid=$!
pids+=("$backend_pid")
wait_listening "$backend_h1" "$backend_h2"

# ---------------------------------------------------------------------------------------------
# proxies: name -> pid; nginx's pid is its master (its workers are its children)
declare -A pid_of=()
declare -A logfile_of=()
start_proxy() {  # name: wasmesh haproxy nginx wasmesh-a wasmesh-b haproxy-a haproxy-b
  local name=$1 pid i
  case $name in
    wasmesh | wasmesh-a | wasmesh-b)
      record "wasmesh proxy --config $name.yaml"
      "$wasmesh" proxy --config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
      pid=$!
      logfile_of[$name]=$work/$name.log
      ;;
    haproxy | haproxy-a | haproxy-b)
      record "haproxy -db -f $name.cfg"
      haproxy -db -f "$work/$name.cfg" >"$work/$name.log" 2>&1 &
      pid=$!
      logfile_of[$name]=$work/$name.log
      ;;
    nginx)
      record "nginx -p ./ -e nginx.err -c nginx.conf         # the proxying nginx (daemon off)"
      nginx -p "$work/" -e "$work/nginx.err" -c "$work/nginx.conf" >"$work/nginx.log" 2>&1 &
      pid=$!
      logfile_of[$name]=$work/nginx.err
      ;;
  esac
  pids+=("$pid")
  pid_of[$name]=$pid
  case $name in
    wasmesh) wait_listening "$wasmesh_h1" "$wasmesh_h2" ;;
    haproxy) wait_listening "$haproxy_h1" "$haproxy_h2" "$haproxy_h2h2" ;;
    nginx) wait_listening "$nginx_h1" "$nginx_h2" ;;
    wasmesh-a) wait_listening "$mesh_front_wasmesh" ;;
    wasmesh-b) wait_listening "$mesh_port_wasmesh" ;;
    haproxy-a) wait_listening "$mesh_front_haproxy" ;;
    haproxy-b) wait_listening "$mesh_port_haproxy" ;;
  esac
  case $name in
    wasmesh | wasmesh-a | wasmesh-b)
      local admin=$wasmesh_admin code
      [ "$name" = wasmesh-a ] && admin=$mesh_admin_a
      [ "$name" = wasmesh-b ] && admin=$mesh_admin_b
      for i in $(seq 50); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/ready" || true)
        [ "$code" = 200 ] && break
        [ "$i" -eq 50 ] && die "$name: /ready answered $code for 5 s"
        sleep 0.1
      done
      ;;
    nginx)  # its workers are up when they listen; give them a moment to be forked
      for i in $(seq 50); do
        [ "$(pgrep -c -P "$pid" || true)" -ge "$workers" ] && break
        sleep 0.1
      done
      ;;
  esac
}
# Graceful stops: wasmesh drains on SIGTERM, haproxy soft-stops on SIGUSR1, nginx on SIGQUIT.
stop_proxy() {  # name context
  local name=$1 context=$2 pid signal=TERM status=0 killed='' i
  pid=${pid_of[$name]}
  case $name in haproxy*) signal=USR1 ;; nginx) signal=QUIT ;; esac
  kill -"$signal" "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    killed=yes
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  if [ -n "$killed" ] || [ "$status" -ne 0 ]; then
    local what="exit status $status after SIG$signal"
    [ "$status" -gt 128 ] && what="killed by signal $((status - 128)) after SIG$signal"
    [ -n "$killed" ] && what="still running 10 s after SIG$signal; SIGKILLed"
    anomaly "$name ($context): $what; last log lines: $(tail -3 "${logfile_of[$name]}" | tr '\n' ' ')"
  fi
  cp "${logfile_of[$name]}" "$work/raw/$name.$context.log" 2>/dev/null || true
  unset "pid_of[$name]"
}
# A proxy that died during a load: recorded, and restarted for what follows.
check_alive() {  # name context
  local name=$1 pid=${pid_of[$1]} status=0
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" 2>/dev/null || status=$?
  local what="exited with status $status"
  [ "$status" -gt 128 ] && what="killed by signal $((status - 128))"
  anomaly "**$name died** during $2: $what; last log lines: $(tail -5 "${logfile_of[$name]}" | tr '\n' ' ')"
  cp "${logfile_of[$name]}" "$work/raw/$name.$2.died.log" 2>/dev/null || true
  start_proxy "$name"
  return 1
}

tree() { echo "$1"; pgrep -P "$1" || true; }  # a process and its children (nginx workers)
cpu_ticks() {  # pid -> utime + stime of it and its children, all threads
  local total=0 p v
  for p in $(tree "$1"); do
    v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) || continue
    total=$((total + v))
  done
  echo "$total"
}
status_kb() {  # pid field -> the sum over it and its children
  local total=0 p v
  for p in $(tree "$1"); do
    v=$(awk -v k="$2:" '$1 == k {print $2}' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
metric_sum() {  # port name must-contain...: the sum of matching series on a wasmesh admin port
  local port=$1 name=$2
  shift 2
  { curl -sf "http://127.0.0.1:$port/metrics" || echo unreachable; } | python3 -c '
import sys
name, needles = sys.argv[1], sys.argv[2:]
total = 0
for line in sys.stdin:
    if line.startswith("unreachable"):
        print("x"); sys.exit()
    if line.startswith("#") or not line.startswith(name + "{"):
        continue
    series, _, value = line.rstrip().rpartition(" ")
    if all(n in series for n in needles):
        total += float(value)
print(int(total))' "$name" "$@"
}
haproxy_info() {  # socket field
  python3 - "$1" "$2" <<'EOF'
import socket, sys
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"show info\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
except OSError:
    print("x"); sys.exit()
for line in data.decode().splitlines():
    k, _, v = line.partition(": ")
    if k == sys.argv[2]:
        print(v)
        break
else:
    print("x")
EOF
}
# Requests the proxy itself counted (a check that the load went through it).
counted() {  # target
  case $1 in
    wasmesh) metric_sum "$wasmesh_admin" request_total 'direction="outbound"' ;;
    haproxy | haproxy-h2) haproxy_info "$work/haproxy.sock" CumReq ;;
    *) echo "-" ;;
  esac
}
process_of() {  # target -> the proxy process name
  case $1 in haproxy-h2) echo haproxy ;; *) echo "$1" ;; esac
}

# Checks the answer through a target before its loads: a proxy that answers something else
# cannot post a number.
check_answer() {  # label url size h2
  local label=$1 url=$2 size=$3 got
  if [ "$4" = h2 ]; then
    got=$(curl -s --http2-prior-knowledge -o "$work/check.body" -w '%{http_code} %{http_version} %{size_download}' "$url" || true)
    [ "$got" = "200 2 ${size_bytes[$size]}" ] || die "$label: $url answered '$got', not '200 2 ${size_bytes[$size]}'"
  else
    got=$(curl -s -o "$work/check.body" -w '%{http_code} %{http_version} %{size_download}' "$url" || true)
    [ "$got" = "200 1.1 ${size_bytes[$size]}" ] || die "$label: $url answered '$got', not '200 1.1 ${size_bytes[$size]}'"
  fi
  cmp -s "$work/check.body" "$work/www/$size" || die "$label: $url answered other bytes"
}

h1_port() { case $1 in direct) echo "$backend_h1" ;; wasmesh) echo "$wasmesh_h1" ;; haproxy) echo "$haproxy_h1" ;; nginx) echo "$nginx_h1" ;; esac; }
h2_port() {
  case $1 in
    direct) echo "$backend_h2" ;; wasmesh) echo "$wasmesh_h2" ;; haproxy) echo "$haproxy_h2" ;;
    haproxy-h2) echo "$haproxy_h2h2" ;; nginx) echo "$nginx_h2" ;;
  esac
}

# One measured load: CPU ticks of the proxy (and of the upstream) before and after, wall
# time, the proxy's own request count, the tool's output into raw/.
measure() {  # part target case round raw-file command...
  local part=$1 target=$2 case=$3 round=$4 raw=$5
  shift 5
  local proc pid='' c0=0 c1=0 b0 b1 n0 n1 start end status=0
  proc=$(process_of "$target")
  [ "$target" != direct ] && pid=${pid_of[$proc]}
  n0=$(counted "$target")
  [ -n "$pid" ] && c0=$(cpu_ticks "$pid")
  b0=$(cpu_ticks "$backend_pid")
  start=$(date +%s.%N)
  "$@" >"$work/raw/$raw" 2>&1 || status=$?
  end=$(date +%s.%N)
  [ -n "$pid" ] && c1=$(cpu_ticks "$pid")
  b1=$(cpu_ticks "$backend_pid")
  n1=$(counted "$target")
  local proxy_ticks=-
  [ -n "$pid" ] && proxy_ticks=$((c1 - c0))
  local counted_delta=-
  [[ "$n0$n1" =~ ^[0-9]+$ ]] && counted_delta=$((n1 - n0))
  emit "$part" "$target" "$case" "$round" "raw=$raw" "status=$status" \
    "wall=$(python3 -c "print(round($end - $start, 3))")" "proxy_ticks=$proxy_ticks" \
    "backend_ticks=$((b1 - b0))" "counted=$counted_delta"
  [ "$status" -eq 0 ] || anomaly "$part $target $case round $round: \`$1\` exited with status $status: $(tail -2 "$work/raw/$raw" | tr '\n' ' ')"
  if [ -n "$pid" ]; then check_alive "$proc" "$part-$case-round$round" || true; fi
}

h1_loads() {  # target round
  local target=$1 round=$2 size url
  for size in 128 64k; do
    url="http://127.0.0.1:$(h1_port "$target")/$size"
    check_answer "$target" "$url" "$size" h1
    record "wrk -t$wrk_threads -c$connections -d${warmup}s <url>          # warm-up, not measured"
    wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null 2>&1 || true
    record "wrk -t$wrk_threads -c$connections -d${seconds}s --latency <url>"
    measure h1 "$target" "$size" "$round" "h1.$target.$size.r$round.wrk" \
      wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency "$url"
    log "h1 $target $size round $round: $(grep -E 'Requests/sec' "$work/raw/h1.$target.$size.r$round.wrk" || echo failed)"
  done
}

h2_loads() {  # target round
  local target=$1 round=$2 size url raw
  for size in 128 64k; do
    url="http://127.0.0.1:$(h2_port "$target")/$size"
    check_answer "$target" "$url" "$size" h2
    record "h2load -c $h2_clients -m $h2_streams -t $wrk_threads -D $warmup <url>      # warm-up, not measured"
    h2load -c "$h2_clients" -m "$h2_streams" -t "$wrk_threads" -D "$warmup" "$url" >/dev/null 2>&1 || true
    raw=h2.$target.$size.r$round.h2load
    record "h2load -c $h2_clients -m $h2_streams -t $wrk_threads -D $seconds --log-file <log> <url>"
    measure h2 "$target" "$size" "$round" "$raw" \
      h2load -c "$h2_clients" -m "$h2_streams" -t "$wrk_threads" -D "$seconds" \
      --log-file "$work/raw/$raw.log" "$url"
    log "h2 $target $size round $round: $(grep -E '^finished' "$work/raw/$raw" || echo failed)"
  done
}

# Idle RSS, the loads of one part, peak RSS; a fresh proxy process for each part and round.
run_target() {  # part target round
  local part=$1 target=$2 round=$3 proc
  proc=$(process_of "$target")
  if [ "$target" != direct ]; then
    start_proxy "$proc"
    sleep 1
    emit "$part" "$target" idle "$round" "rss_kb=$(status_kb "${pid_of[$proc]}" VmRSS)" \
      "processes=$(tree "${pid_of[$proc]}" | wc -l)"
  fi
  "${part}_loads" "$target" "$round"
  if [ "$target" = haproxy ] && [ "$part" = h2 ]; then
    h2_loads haproxy-h2 "$round"  # the same process, its h2 -> h2 frontend
  fi
  if [ "$target" != direct ]; then
    emit "$part" "$target" peak "$round" "hwm_kb=$(status_kb "${pid_of[$proc]}" VmHWM)" \
      "rss_kb=$(status_kb "${pid_of[$proc]}" VmRSS)"
    stop_proxy "$proc" "$part-round$round"
  fi
}

# The meshed pairs at a constant rate: CPU of A and B over the whole run (warm-up included:
# the rate is the same), VmRSS of both halfway through the measured part, VmHWM after.
mesh_evidence() {  # target -> key=value...
  case $1 in
    wasmesh)
      echo "a_requests_tls=$(metric_sum "$mesh_admin_a" request_total 'direction="outbound"' 'tls="true"' "server_id=\"$server_id\"")" \
        "b_requests_tls=$(metric_sum "$mesh_admin_b" request_total 'direction="inbound"' 'tls="true"' "client_id=\"$client_id\"")" \
        "a_mesh_conns=$(metric_sum "$mesh_admin_a" tcp_open_total 'direction="outbound"' 'peer="dst"' 'tls="true"')" \
        "b_mesh_conns=$(metric_sum "$mesh_admin_b" tcp_open_total 'direction="inbound"' 'peer="src"' 'tls="true"')" \
        "a_errors=$(metric_sum "$mesh_admin_a" outbound_http_errors_total)" \
        "b_errors=$(metric_sum "$mesh_admin_b" inbound_http_errors_total)"
      ;;
    haproxy)
      echo "a_requests=$(haproxy_info "$work/haproxy-a.sock" CumReq)" \
        "b_requests=$(haproxy_info "$work/haproxy-b.sock" CumReq)" \
        "a_ssl_conns=$(haproxy_info "$work/haproxy-a.sock" CumSslConns)" \
        "b_ssl_conns=$(haproxy_info "$work/haproxy-b.sock" CumSslConns)"
      ;;
  esac
}
mesh_run() {  # target round
  local target=$1 round=$2 front a='' b='' raw ev0='' ev1='' a0=0 b0=0 a1=0 b1=0 start end status=0
  local rss_a=- rss_b=-
  case $target in
    direct) front=$backend_h1 ;;
    wasmesh) front=$mesh_front_wasmesh ;;
    haproxy) front=$mesh_front_haproxy ;;
  esac
  if [ "$target" != direct ]; then
    start_proxy "$target-b"
    start_proxy "$target-a"
    a=${pid_of[$target-a]} b=${pid_of[$target-b]}
    sleep 1
    emit mesh "$target" idle "$round" "rss_a_kb=$(status_kb "$a" VmRSS)" "rss_b_kb=$(status_kb "$b" VmRSS)"
  fi
  check_answer "$target pair" "http://127.0.0.1:$front/1k" 1k h1
  raw=mesh.$target.r$round.rate
  record "${rt_prefix[*]}${rt_prefix[*]:+ }ratehttp 127.0.0.1:<front> --rate $rate --seconds $rate_seconds --warmup $warmup --connections $rate_connections --path /1k --expect-bytes 1024"
  [ -n "$a" ] && { a0=$(cpu_ticks "$a"); b0=$(cpu_ticks "$b"); ev0=$(mesh_evidence "$target"); }
  start=$(date +%s.%N)
  "${rt_prefix[@]}" "$ratehttp" "127.0.0.1:$front" --rate "$rate" --seconds "$rate_seconds" \
    --warmup "$warmup" --connections "$rate_connections" --path /1k --expect-bytes 1024 \
    >"$work/raw/$raw" 2>&1 &
  local load=$!
  pids+=("$load")
  if [ -n "$a" ]; then
    sleep "$(python3 -c "print($warmup + $rate_seconds / 2)")"
    rss_a=$(status_kb "$a" VmRSS) rss_b=$(status_kb "$b" VmRSS)
  fi
  wait "$load" || status=$?
  end=$(date +%s.%N)
  local fields=("raw=$raw" "status=$status" "wall=$(python3 -c "print(round($end - $start, 3))")")
  if [ -n "$a" ]; then
    a1=$(cpu_ticks "$a"); b1=$(cpu_ticks "$b"); ev1=$(mesh_evidence "$target")
    fields+=("a_ticks=$((a1 - a0))" "b_ticks=$((b1 - b0))" "rss_a_kb=$rss_a" "rss_b_kb=$rss_b"
      "hwm_a_kb=$(status_kb "$a" VmHWM)" "hwm_b_kb=$(status_kb "$b" VmHWM)"
      "before=${ev0// /,}" "after=${ev1// /,}")
  fi
  emit mesh "$target" 1k "$round" "${fields[@]}"
  [ "$status" -eq 0 ] || anomaly "mesh $target round $round: ratehttp exited with status $status: $(tail -2 "$work/raw/$raw" | tr '\n' ' ')"
  log "mesh $target round $round: $(cat "$work/raw/$raw")"
  if [ -n "$a" ]; then
    check_alive "$target-a" "mesh-round$round" || true
    check_alive "$target-b" "mesh-round$round" || true
    stop_proxy "$target-a" "mesh-round$round"
    stop_proxy "$target-b" "mesh-round$round"
  fi
}

host_busy() {  # percent of all CPUs busy over 2 s
  local a b
  a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat)
  python3 - "$a" "$b" <<'EOF'
import sys
a, b = ([int(x) for x in line.split()[1:]] for line in sys.argv[1:])
d = [y - x for x, y in zip(a, b)]
print(round(100 * (1 - (d[3] + d[4]) / sum(d))))
EOF
}

# ---------------------------------------------------------------------------------------------
# the run
busy_before=$(host_busy)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_before=$(uptime)
started=$(date +%s)
for round in $(seq "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order=(direct wasmesh haproxy nginx); else order=(nginx haproxy wasmesh direct); fi
  if has_part h1; then for target in "${order[@]}"; do run_target h1 "$target" "$round"; done; fi
  if has_part h2; then for target in "${order[@]}"; do run_target h2 "$target" "$round"; done; fi
  if has_part mesh; then
    if [ $((round % 2)) -eq 1 ]; then pairs=(direct wasmesh haproxy); else pairs=(haproxy wasmesh direct); fi
    for target in "${pairs[@]}"; do mesh_run "$target" "$round"; done
  fi
done
elapsed=$(($(date +%s) - started))
busy_after=$(host_busy)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_after=$(uptime)

# ---------------------------------------------------------------------------------------------
# the report
dirty=
if [ -n "$(git -C "$root" status --porcelain -- common metrics identity policy wasm proxy 2>/dev/null)" ]; then
  dirty=" + uncommitted source changes"
fi
invocation="bench/http.sh${1:+ $1}"
settings="BENCH_SECONDS=$seconds BENCH_WARMUP=$warmup BENCH_ROUNDS=$rounds BENCH_WORKERS=$workers BENCH_BACKEND_WORKERS=$backend_workers BENCH_CONNECTIONS=$connections BENCH_WRK_THREADS=$wrk_threads BENCH_H2_CLIENTS=$h2_clients BENCH_H2_STREAMS=$h2_streams BENCH_RATE=$rate BENCH_RATE_SECONDS=$rate_seconds BENCH_RATE_CONNECTIONS=$rate_connections BENCH_RT=$realtime BENCH_PARTS=$parts"
{
  printf 'invocation\t%s\n' "$invocation"
  printf 'settings\t%s\n' "$settings"
  printf 'date\t%s\n' "$(date +%F)"
  printf 'elapsed\t%s\n' "$elapsed"
  printf 'busy_before\t%s\n' "$busy_before"
  printf 'busy_after\t%s\n' "$busy_after"
  printf 'load_before\t%s\n' "$load_before"
  printf 'load_after\t%s\n' "$load_after"
  printf 'uptime_before\t%s\n' "$uptime_before"
  printf 'uptime_after\t%s\n' "$uptime_after"
  printf 'clk_tck\t%s\n' "$(getconf CLK_TCK)"
  printf 'nproc\t%s\n' "$(nproc)"
  printf 'cpu\t%s\n' "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  printf 'memory\t%s\n' "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  printf 'kernel\t%s\n' "$(uname -sr); $(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release)"
  printf 'wasmesh\t%s\n' "$("$wasmesh" --version 2>/dev/null | head -1 || true) ($wasmesh_build_type build, checkout at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty)"
  printf 'haproxy\t%s\n' "$(haproxy -v | head -1); $(haproxy -vv 2>/dev/null | grep -m1 'Running on OpenSSL' || true)"
  printf 'nginx\t%s\n' "$(nginx -v 2>&1)"
  printf 'wrk\t%s\n' "$(wrk -v 2>&1 | head -1)"
  printf 'h2load\t%s\n' "$(h2load --version | head -1)"
  printf 'ratehttp\t%s\n' "bench/tools/ratehttp.cc, $build_type build${rt_prefix[*]:+, run under ${rt_prefix[*]} (SCHED_FIFO)}"
  printf 'parts\t%s\n' "$parts"
  printf 'workers\t%s\n' "$workers"
  printf 'backend_workers\t%s\n' "$backend_workers"
  printf 'seconds\t%s\n' "$seconds"
  printf 'warmup\t%s\n' "$warmup"
  printf 'rounds\t%s\n' "$rounds"
  printf 'connections\t%s\n' "$connections"
  printf 'wrk_threads\t%s\n' "$wrk_threads"
  printf 'h2_clients\t%s\n' "$h2_clients"
  printf 'h2_streams\t%s\n' "$h2_streams"
  printf 'rate\t%s\n' "$rate"
  printf 'rate_seconds\t%s\n' "$rate_seconds"
  printf 'rate_connections\t%s\n' "$rate_connections"
  printf 'ports\t%s\n' "upstream nginx $backend_h1 (HTTP/1.1) and $backend_h2 (h2c); wasmesh $wasmesh_h1 (h1) $wasmesh_h2 (h2c), admin $wasmesh_admin; haproxy $haproxy_h1 (h1) $haproxy_h2 (h2c to h1) $haproxy_h2h2 (h2c to h2c); nginx $nginx_h1 (h1) $nginx_h2 (h2c); mesh: wasmesh A $mesh_front_wasmesh, B $mesh_port_wasmesh, admin $mesh_admin_a/$mesh_admin_b; haproxy A $mesh_front_haproxy, B $mesh_port_haproxy"
  printf 'kernel_settings\t%s\n' "net.ipv4.ip_local_port_range = $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' '), net.core.somaxconn = $(sysctl -n net.core.somaxconn), ulimit -n = $(ulimit -n)"
  printf 'nginx_buffered_to_file\t%s\n' "$(grep -c 'buffered to a temporary file' "$work/nginx.err" 2>/dev/null || echo 0)"
} >"$work/meta.tsv"

python3 "$here/tools/http_report.py" --work "$work" --out "$work/report.md"
mkdir -p "$(dirname "$report")"
cp "$work/report.md" "$report"
cat "$report"
log "report written to $report"
