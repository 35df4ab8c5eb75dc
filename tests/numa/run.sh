#!/bin/bash
# The two-node VM test (issue 7): proves on a real CPU-less NUMA node that
# payload pages land on it, that a full node spills instead of killing the
# server, and that INFO tells the physical truth.
#
#   tests/numa/run.sh            (or `make test-numa`)
#
# Environment: BUILD (the build directory, default build), NUMA_VM_TIMEOUT
# (seconds before the VM counts as hung, default 900), NUMA_VM_KEEP=1 (keep
# the VM's work directory for inspection).
#
# What it does:
#  1. deps/install-numa.sh installs qemu-system-x86, busybox-static and
#     numactl if missing and fetches Debian's 6.12 cloud kernel into
#     $BUILD/numa-cache (once).
#  2. Builds an initramfs: busybox, tests/numa/guest_init.sh as /init, the
#     built src/redis-server (debug info stripped), redis-cli, numactl, their
#     shared libraries at the paths ldd names, and numa_helper (compiled here,
#     statically).
#  3. Boots qemu under TCG (this kind of machine has no usable KVM) with
#     node 0 = 2 CPUs + 768 MiB and node 1 = no CPUs + 256 MiB, HMAT saying
#     node 1 is slower (300 ns, 5 GB/s against 80 ns, 20 GB/s) so the kernel
#     puts it in a lower memory tier. nokaslr: with a randomised kernel base
#     the kernel image sometimes lands in node 1 and takes 37 MiB of it.
#  4. Reads the serial console: every scenario must print PASS (4 may print
#     SKIP while BGSAVE is not implemented), the guest must print DONE, and
#     qemu's exit status must carry the same verdict (isa-debug-exit: the
#     guest writes v, qemu exits with 2v+1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CACHE=$BUILD/numa-cache
WORK=$BUILD/numa-vm
TIMEOUT=${NUMA_VM_TIMEOUT:-900}
SCENARIOS="1 2 3 4 5 6"
SKIPPABLE=""

start=$(date +%s)
vmlinuz=$(sh "$ROOT/deps/install-numa.sh" "$CACHE" | tail -n 1)
server=$(readlink -f "$ROOT/src/redis-server")
[ -x "$server" ] || { echo "test-numa: $ROOT/src/redis-server is missing: run make build" >&2; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK/root"/{bin,usr/bin,tieredis,proc,sys,dev,tmp}
R=$WORK/root
cc -static -O2 -Wall -Werror -o "$R/bin/numa_helper" "$ROOT/tests/numa/numa_helper.c"
cp /bin/busybox "$R/bin/busybox"
strip --strip-debug -o "$R/tieredis/redis-server" "$server"
cp "$(command -v redis-cli)" "$R/usr/bin/redis-cli"
cp "$(command -v numactl)" "$R/usr/bin/numactl"
# Shared libraries and the dynamic loader, at the paths ldd prints.
for bin in "$server" "$(command -v redis-cli)" "$(command -v numactl)"; do
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | sort -u | while read -r lib; do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
install -m 755 "$ROOT/tests/numa/guest_init.sh" "$R/init"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$WORK/initramfs.gz"
echo "test-numa: kernel $(basename "$vmlinuz"), initramfs $(( $(stat -c %s "$WORK/initramfs.gz") >> 20 )) MiB"

console=$WORK/console.log
boot=$(date +%s)
set +e
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 \
  -accel tcg -cpu max -machine q35,hmat=on -smp 2 -m 1G \
  -object memory-backend-ram,id=m0,size=768M -object memory-backend-ram,id=m1,size=256M \
  -numa node,nodeid=0,cpus=0-1,memdev=m0,initiator=0 \
  -numa node,nodeid=1,memdev=m1,initiator=0 \
  -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=80 \
  -numa hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=20G \
  -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=300 \
  -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=5G \
  -kernel "$vmlinuz" -initrd "$WORK/initramfs.gz" \
  -append "console=ttyS0 nokaslr panic=-1 loglevel=4" \
  -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  < /dev/null 2>&1 | tr -d '\r' | tee "$console" | grep --line-buffered '^NUMA-TEST:'
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s)

fail=0
for n in $SCENARIOS; do
  line=$(grep -m1 "^NUMA-TEST: scenario $n " "$console" || true)
  case $line in
    *" PASS:"*) ;;
    *" SKIP:"*) [[ " $SKIPPABLE " == *" $n "* ]] || { echo "test-numa: scenario $n may not skip" >&2; fail=1; } ;;
    *" FAIL:"*) fail=1 ;;
    *) echo "test-numa: scenario $n printed no verdict" >&2; fail=1 ;;
  esac
done
grep -q '^NUMA-TEST: DONE failures=0$' "$console" || { echo "test-numa: the guest did not report DONE failures=0" >&2; fail=1; }
case $rc in
  1) ;;  # the guest wrote 0 to isa-debug-exit
  3) echo "test-numa: the guest reported failures (qemu exit 3)" >&2; fail=1 ;;
  124 | 137) echo "test-numa: the VM did not finish within $TIMEOUT s" >&2; fail=1 ;;
  *) echo "test-numa: qemu exited with $rc: no verdict (kernel panic or crash?)" >&2; fail=1 ;;
esac
echo "test-numa: VM run $((end - boot)) s, total $((end - start)) s (qemu exit $rc)"
if [ $fail -ne 0 ]; then
  echo "test-numa: FAILED; the console is in $console; its last lines:" >&2
  tail -n 30 "$console" >&2
  exit 1
fi
[ "${NUMA_VM_KEEP:-0}" = 1 ] || rm -rf "$R"
echo "test-numa: PASSED"
