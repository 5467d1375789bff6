#!/usr/bin/env bash
# Installs the Debian bookworm packages wasmesh needs. Idempotent: installs only what is
# missing, and runs apt-get update only when something is.
#   scripts/install-deps.sh build   # compile wasmesh and run the demo
#   scripts/install-deps.sh test    # + everything the test suite drives (CI)
#   scripts/install-deps.sh bench   # + the proxies and load generators bench/ compares
set -euo pipefail

build_packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libboost-system1.81-dev   # Asio (coroutines), Beast, System
  libboost-json1.81-dev                      # the identity service API and TokenReview
  libssl-dev libnghttp2-dev zlib1g-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
)
test_packages=(
  libgtest-dev libgmock-dev googletest
  iproute2 iptables procps curl python3 prometheus   # prometheus ships promtool
  nats-server libnats-dev nghttp2-server nghttp2-client   # e2e protocol detection peers
  clang-format clang-tidy clang libclang-rt-14-dev   # the last two: scripts/fuzz.sh (libFuzzer)
)
bench_packages=(haproxy iperf3 wrk nginx libnginx-mod-stream)

want=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_packages[@]}") ;;
  bench) want+=("${test_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for package in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
# libboost1.81-dev conflicts with bookworm's default 1.74 headers; apt replaces them.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
