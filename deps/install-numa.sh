#!/bin/sh
# Installs what the two-node VM test (tests/numa, `make test-numa`) needs on
# top of deps/install.sh, and fetches the guest kernel.
#
#   qemu-system-x86  the VM (TCG: this kind of machine has no usable KVM)
#   busybox-static   the guest's whole userland (one static binary)
#   numactl          copied into the guest; also in deps/install.sh
#
# The guest kernel is Debian's 6.12 cloud kernel: the first Debian kernel that
# reads the VM's HMAT table into memory tiers (6.1 boots but leaves both
# nodes in one tier). It is fetched with `apt-get download` and only its
# vmlinuz is taken out with `dpkg-deb -x`: nothing is installed on the host.
#
# Usage: install-numa.sh CACHE_DIR. Prints the vmlinuz path on the last line
# of stdout. Idempotent: does nothing that is already done.
set -eu

CACHE=${1:?usage: install-numa.sh CACHE_DIR}
KERNEL_META=linux-image-6.12-cloud-amd64

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in qemu-system-x86 busybox-static numactl; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  echo "deps: installing:$missing" >&2
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

mkdir -p "$CACHE"
# The meta package depends on exactly one versioned image package.
image=$(apt-cache depends "$KERNEL_META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
if [ -z "$image" ]; then
  $SUDO apt-get update -qq >&2
  image=$(apt-cache depends "$KERNEL_META" | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
fi
[ -n "$image" ] || { echo "deps: cannot resolve $KERNEL_META" >&2; exit 1; }
version=${image#linux-image-}
vmlinuz="$CACHE/vmlinuz-$version"
if [ ! -s "$vmlinuz" ]; then
  tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
  chmod 755 "$tmp"  # apt-get download runs as _apt and must write there
  (cd "$tmp" && apt-get download -q "$image" >&2)
  dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
  cp "$tmp/root/boot/vmlinuz-$version" "$vmlinuz.part"
  mv "$vmlinuz.part" "$vmlinuz"
  rm -rf "$tmp"
fi
echo "$vmlinuz"
