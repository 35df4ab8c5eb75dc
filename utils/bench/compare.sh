#!/bin/sh
# Benchmarks src/redis-server against Debian's redis-server 7.0 side by side:
# builds (unless --no-build), then runs utils/bench/compare.py with the
# system Python (which has redis-py and matplotlib from deps/install.sh).
# Options: --quick --rounds N --workloads GLOBS --out DIR --keys N
# --requests N --list --no-charts; --help for all of them.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
build=1
for arg in "$@"; do
  [ "$arg" = "--no-build" ] && build=0
  [ "$arg" = "--help" ] || [ "$arg" = "-h" ] || [ "$arg" = "--list" ] && build=0
done
if [ "$build" = 1 ]; then
  make -C "$ROOT" build >&2
fi
exec /usr/bin/python3 "$ROOT/utils/bench/compare.py" "$@"
