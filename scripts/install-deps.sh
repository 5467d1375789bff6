#!/usr/bin/env bash
# Installs the Debian bookworm packages wasmesh needs. Idempotent: installs only what is
# missing, and runs apt-get update only when something is.
#   scripts/install-deps.sh build   # compile wasmesh and run the demo
#   scripts/install-deps.sh test    # + everything the test suite drives (CI)
#   scripts/install-deps.sh bench   # + the proxies and load generators bench/ compares
# V8 comes from Debian's libnode108, unpacked into WASMESH_LIBNODE_PREFIX (default
# /opt/wasmesh-libnode) rather than installed: apt refuses libnode-dev next to another
# Node.js package, and embedding V8 needs none of the JS packages it depends on.
set -euo pipefail

build_packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-system1.81-dev   # Asio (coroutines), Beast, System
  libboost-json1.81-dev                      # the identity service API and TokenReview
  libssl-dev libnghttp2-dev zlib1g-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  wabt                                       # the wasm interpreter backend, wat2wasm, wast2json
  libbrotli1 libc-ares2 libicu72 libuv1      # what libnode.so.108 (the V8 backend) links to
)
test_packages=(
  libgtest-dev libgmock-dev googletest
  iproute2 iptables procps curl python3 prometheus   # prometheus ships promtool
  nats-server libnats-dev nghttp2-server nghttp2-client   # e2e protocol detection peers
  tcpdump testssl.sh openssl                 # e2e capture of mesh TLS; TLS posture check
  clang-format clang-tidy clang libclang-rt-14-dev   # the last two: scripts/fuzz.sh (libFuzzer)
  lld wasi-libc libclang-rt-14-dev-wasm32            # C test fixtures compiled to wasm32-wasi
  python3-h2 python3-hyperframe python3-grpcio wrk   # HTTP/2 frames, gRPC peers, HTTP load
)
bench_packages=(
  haproxy iperf3 wrk nginx libnginx-mod-stream   # the proxies and loads bench/*.sh compare
  libbenchmark-dev time                          # bench/tools/WasmCallBench.cc; wasm_bench.py
  node-acorn node-cjs-module-lexer node-undici   # builtins Debian's Node 18 loads (bench/wasm.sh)
)

want=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_packages[@]}") ;;
  bench) want+=("${test_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
apt_updated=
apt_update() {
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

missing=()
for package in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt_update
  # libboost1.81-dev conflicts with bookworm's default 1.74 headers; apt replaces them.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# npm for the test suite's npm packages (scripts/install-npm.sh): any Node.js with npm will
# do, so a machine that has one keeps it; otherwise Debian's.
if [ "${1:-build}" != build ] && ! command -v npm >/dev/null; then
  echo "installing: nodejs npm" >&2
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
fi

# V8 for the wasm host: libnode108 + libnode-dev unpacked into a private prefix. The marker
# file names the version unpacked, so a half-finished unpack is redone.
libnode_prefix=${WASMESH_LIBNODE_PREFIX:-/opt/wasmesh-libnode}
if [ ! -f "$libnode_prefix/.unpacked" ]; then
  echo "unpacking libnode108 and libnode-dev into $libnode_prefix" >&2
  apt-cache show libnode108 libnode-dev >/dev/null 2>&1 || apt_update
  download_dir=$(mktemp -d)
  chmod a+rwx "$download_dir"   # apt-get download drops privileges to _apt
  if ! (cd "$download_dir" && apt-get download -qq libnode108 libnode-dev 2>/dev/null); then
    apt_update
    (cd "$download_dir" && apt-get download -qq libnode108 libnode-dev)
  fi
  $SUDO rm -rf "$libnode_prefix"
  $SUDO mkdir -p "$libnode_prefix"
  for deb in "$download_dir"/*.deb; do $SUDO dpkg -x "$deb" "$libnode_prefix"; done
  dpkg-deb -f "$download_dir"/libnode108_*.deb Version | $SUDO tee "$libnode_prefix/.unpacked" >/dev/null
  rm -rf "$download_dir"
fi

# bench/wasm.sh compares with Debian's Node 18, whose V8 is the one libnode108 (our V8
# backend) carries: its nodejs package (a small binary linking libnode.so.108) of exactly
# libnode108's version, unpacked next to it rather than installed, for the same reason.
if [ "${1:-build}" = bench ] && [ ! -x "$libnode_prefix/usr/bin/node" ]; then
  libnode_version=$(cat "$libnode_prefix/.unpacked")
  echo "unpacking nodejs $libnode_version into $libnode_prefix" >&2
  download_dir=$(mktemp -d)
  chmod a+rwx "$download_dir"
  if ! (cd "$download_dir" && apt-get download -qq "nodejs=$libnode_version" 2>/dev/null); then
    apt_update
    (cd "$download_dir" && apt-get download -qq "nodejs=$libnode_version")
  fi
  $SUDO dpkg -x "$download_dir"/nodejs_*.deb "$libnode_prefix"
  rm -rf "$download_dir"
fi
