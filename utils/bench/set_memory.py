#!/usr/bin/python3
"""Bytes per set member on each tier, ours against Debian's redis-server.

Starts both servers on free loopback ports (ours: src/redis-server with its
default tier settings), loads the same dataset into each, and prints the
growth of used_memory_dram / used_memory_nvm (ours) and used_memory (Redis)
divided by the number of members. Datasets:

  strings  NSETS sets x NMEMBERS members of 100 bytes (hashtable encoding)
  ints     NSETS sets x NINTS integers < 2^31 (intset encoding, int32)

Usage: utils/bench/set_memory.py [NSETS] [NMEMBERS] [NINTS]   (1000 1000 500)
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary):
    d = tempfile.mkdtemp(prefix="setmem-")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            c.ping()
            return proc, c
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{binary} did not start")


def usage(c):
    m = c.info("memory")
    return m.get("used_memory_dram", m["used_memory"]), m.get("used_memory_nvm", 0)


def load(c, nsets, nmembers, member):
    for first in range(0, nsets, 10):  # small pipelines: keep the query buffer small
        with c.pipeline(transaction=False) as p:
            for s in range(first, min(nsets, first + 10)):
                p.sadd(f"set:{s}", *[member(s, m) for m in range(nmembers)])
            p.execute()


def measure(c, nsets, nmembers, member):
    c.flushall()
    c.execute_command("MEMORY", "PURGE")
    before = usage(c)
    load(c, nsets, nmembers, member)
    after = usage(c)
    enc = c.object("encoding", "set:0")
    n = nsets * nmembers
    return enc.decode(), (after[0] - before[0]) / n, (after[1] - before[1]) / n


def main():
    nsets = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    nmembers = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    nints = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    datasets = [
        (f"{nsets} sets x {nmembers} members of 100 B", nmembers,
         lambda s, m: f"{s:010d}:{m:010d}:".ljust(100, "v")),
        (f"{nsets} sets x {nints} int32 members", nints, lambda s, m: str(m * 100000 + s)),
    ]
    ours_p, ours = start(os.path.join(ROOT, "src", "redis-server"))
    real_p, real = start("/usr/bin/redis-server")
    try:
        for name, n, member in datasets:
            enc, dram, nvm = measure(ours, nsets, n, member)
            renc, rused, _ = measure(real, nsets, n, member)
            print(f"{name}: ours ({enc}) DRAM {dram:.1f} B + NVM {nvm:.1f} B = {dram + nvm:.1f} B/member; "
                  f"redis ({renc}) {rused:.1f} B/member; DRAM saved {100 * (1 - dram / rused):.0f}%")
            ours.flushall()
            real.flushall()
    finally:
        for p in (ours_p, real_p):
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
