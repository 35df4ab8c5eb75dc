#!/bin/sh
# Installs the Debian packages tieredis builds, tests and benchmarks with
# (and fuzzes with, given the argument `fuzz`).
# Does nothing when every package is already present, so `make test` and
# `make run` can call it every time. Nothing is vendored: this list is the
# whole of our third-party code.
set -eu

PACKAGES="
  build-essential cmake pkg-config
  libjemalloc-dev libnuma-dev numactl libhiredis-dev
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-xdist python3-redis python3-matplotlib
  redis-tools redis-server redis-sentinel prometheus-redis-exporter
"
# `install.sh fuzz` (make fuzz) adds what the libFuzzer targets build with:
# clang, its runtimes (libclang_rt.fuzzer, asan, ubsan: libclang-rt-14-dev)
# and llvm-symbolizer (llvm-14) for readable crash stacks.
if [ "${1:-}" = "fuzz" ]; then
  PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev llvm-14"
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps the image small; policy-rc.d stops Debian's
# redis-server package from starting a system instance on port 6379 that
# would collide with ours.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends $missing
