#!/usr/bin/python3
"""Bytes per zset member on each tier: loads the same zsets into our server
and into Debian's redis-server (each started fresh on a free loopback port)
and prints the used_memory deltas per member (ours split into DRAM and NVM).

  /usr/bin/python3 utils/bench/zset_memory.py [--keys 1000 --members 1000 --size 100]

Defaults give the two datasets of the zset report: 1,000 zsets x 1,000
members of 100 bytes (skiplist encoding), then 10,000 zsets x 10 members
(listpack encoding) of 60 and of 10 bytes."""
import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, extra=()):
    d = tempfile.mkdtemp(prefix="zset-mem-")
    port = free_port()
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", d, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(port=port, socket_timeout=120)
    for _ in range(200):
        try:
            c.ping()
            return p, c, d
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def mem(c):
    i = c.info("memory")
    return i["used_memory"], i.get("used_memory_dram", i["used_memory"]), i.get("used_memory_nvm", 0)


def load(c, keys, members, size, prefix):
    for k in range(keys):
        c.zadd(f"{prefix}{k}", {(f"{i:08}" + "m" * max(0, size - 8)): i * 1.5 for i in range(members)})


def measure(binary, keys, members, size, prefix):
    p, c, d = start(binary)
    try:
        load(c, 1, 10, 10, "warmup")  # first-use allocations outside the measurement
        before = mem(c)
        load(c, keys, members, size, prefix)
        after = mem(c)
        enc = c.object("encoding", f"{prefix}0").decode()
        n = keys * members
        return enc, [(a - b) / n for a, b in zip(after, before)]
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    args = ap.parse_args()
    for keys, members, size in ((1000, 1000, 100), (10000, 10, 60), (10000, 10, 10)):
        enc, ours = measure(args.ours, keys, members, size, "z")
        renc, real = measure(args.redis, keys, members, size, "z")
        print(f"{keys} zsets x {members} members of {size} B ({enc} / redis {renc}): per member "
              f"ours dram {ours[1]:.1f} B + nvm {ours[2]:.1f} B = {ours[0]:.1f} B; redis {real[0]:.1f} B")


if __name__ == "__main__":
    main()
