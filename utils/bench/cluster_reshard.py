#!/usr/bin/python3
"""Resharding speed, side by side with Debian's Redis 7.0: keys per second
moved by `redis-cli --cluster reshard`.

For each server (ours, then Redis) a cluster of --nodes masters is made with
`redis-cli --cluster create`; the first --slots slots of the first node
(0, 1, 2, ...) are filled with --keys-per-slot keys each (small values,
through redis-cli --pipe), and the wall time of one
`redis-cli --cluster reshard --cluster-from <first> --cluster-to <second>
--cluster-slots <slots> --cluster-yes` is measured (redis-cli drives
CLUSTER SETSLOT, GETKEYSINSLOT and MIGRATE ... KEYS in batches of
--cluster-pipeline keys). The servers are stopped at the end (only the
processes this script started); every step has a deadline.

    /usr/bin/python3 utils/bench/cluster_reshard.py [--slots 1000] [--keys-per-slot 100]
        [--value-size 16] [--nodes 3] [--pipeline 10] [--runs 1]
        [--ours src/redis-server] [--redis /usr/bin/redis-server]

With --memory N: instead, the DRAM cost of the per-slot key index, i.e.
used_memory per key after DEBUG POPULATE N on one node with
cluster-enabled no and yes, ours and Redis's.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import Server, free_port  # noqa: E402 -- the side-by-side harness's server process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def crc16_table():
    t = []
    for i in range(256):
        crc = i << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        t.append(crc & 0xFFFF)
    return t


def tags_for_slots(n):
    """A hash tag for each of the slots 0..n-1 (CRC16 XMODEM mod 16384)."""
    table = crc16_table()
    found = {}
    i = 0
    while len(found) < n:
        tag = b"t%d" % i
        crc = 0
        for b in tag:
            crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ b) & 0xFF]
        slot = crc & 16383
        if slot < n and slot not in found:
            found[slot] = tag
        i += 1
    return [found[s] for s in range(n)]


class Commands:
    """The server command lines (compare.Server records them here)."""
    lines = []


def start_node(binary):
    return Server("cluster", binary, [], Commands, ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                                                    "--cluster-node-timeout", "5000"])


def cli(*args, timeout=600):
    out = subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(out.stdout[-2000:] + out.stderr)
    return out.stdout


def populate(port, tags, per_slot, size):
    v = b"v" * size
    cmds = []
    for tag in tags:
        for j in range(per_slot):
            k = b"{%s}:%d" % (tag, j)
            cmds.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=b"".join(cmds), stdout=subprocess.DEVNULL,
                   check=True, timeout=600)


def measure(binary, a, tags):
    nodes = [start_node(binary) for _ in range(a.nodes)]
    try:
        cli("--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes], "--cluster-yes")
        deadline = time.time() + 60
        while not all(b"cluster_state:ok" in n.client.execute_command("CLUSTER", "INFO") for n in nodes):
            if time.time() > deadline:
                raise RuntimeError("cluster did not converge")
            time.sleep(0.1)
        src, dst = nodes[0], nodes[1]
        # redis-cli --cluster create gives the first node slots 0..16384/nodes-1.
        assert int(src.client.execute_command("CLUSTER", "COUNTKEYSINSLOT", 0)) == 0
        populate(src.port, tags, a.keys_per_slot, a.value_size)
        moved = len(tags) * a.keys_per_slot
        assert src.client.dbsize() == moved, src.client.dbsize()
        ids = [n.client.execute_command("CLUSTER", "MYID").decode() for n in (src, dst)]
        t0 = time.time()
        cli("--cluster", "reshard", f"127.0.0.1:{src.port}", "--cluster-from", ids[0], "--cluster-to", ids[1],
            "--cluster-slots", str(len(tags)), "--cluster-pipeline", str(a.pipeline), "--cluster-yes")
        secs = time.time() - t0
        assert src.client.dbsize() == 0 and dst.client.dbsize() == moved, (src.client.dbsize(), dst.client.dbsize())
        return moved, secs
    finally:
        for n in nodes:
            n.stop()


def memory_per_key(binary, keys):
    """{cluster-enabled: used_memory bytes per key} after DEBUG POPULATE."""
    out = {}
    for enabled in ("no", "yes"):
        s = Server("memory", binary, [], Commands, ["--cluster-enabled", enabled, "--cluster-port", str(free_port()),
                                                    "--enable-debug-command", "yes"])
        try:
            base = s.client.info("memory")["used_memory"]
            s.client.execute_command("DEBUG", "POPULATE", keys)
            assert s.client.dbsize() == keys
            out[enabled] = (s.client.info("memory")["used_memory"] - base) / keys
        finally:
            s.stop()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slots", type=int, default=1000)
    ap.add_argument("--keys-per-slot", type=int, default=100)
    ap.add_argument("--value-size", type=int, default=16)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--pipeline", type=int, default=10, help="redis-cli --cluster-pipeline (its default: 10)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--memory", type=int, default=0, metavar="N")
    a = ap.parse_args()
    if a.memory:
        print(f"used_memory per key after DEBUG POPULATE {a.memory} (key:N -> value:N), one node")
        for name, binary in (("ours", a.ours), ("redis", a.redis)):
            m = memory_per_key(binary, a.memory)
            print(f"  {name:5s} cluster-enabled no {m['no']:6.1f} B  yes {m['yes']:6.1f} B  "
                  f"index {m['yes'] - m['no']:5.1f} B/key", flush=True)
        return 0
    if a.slots > 16384 // a.nodes:
        ap.error("--slots must be at most the first node's share of the slots")
    tags = tags_for_slots(a.slots)
    print(f"redis-cli --cluster reshard of {a.slots} slots x {a.keys_per_slot} keys of {a.value_size} B, "
          f"{a.nodes} masters, --cluster-pipeline {a.pipeline}, best of {a.runs}")
    rate = {}
    for name, binary in (("ours", a.ours), ("redis", a.redis)):
        best = None
        for _ in range(a.runs):
            moved, secs = measure(binary, a, tags)
            best = secs if best is None else min(best, secs)
        rate[name] = moved / best
        print(f"  {name:5s} {moved} keys in {best:6.2f} s = {rate[name]:9.0f} keys/s", flush=True)
    print(f"  ours/redis keys/s ratio {rate['ours'] / rate['redis']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
