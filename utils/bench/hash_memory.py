#!/usr/bin/python3
"""Bytes per hash field on each tier, next to Debian's redis-server.

Starts our src/redis-server and /usr/bin/redis-server on free loopback
ports, loads N hashes of F fields with V-byte values into each (pipelined),
and prints the growth of used_memory_dram / used_memory_nvm (ours) and
used_memory (Redis) divided by N * F, with the encoding both chose.

    /usr/bin/python3 utils/bench/hash_memory.py [--hashes 10000] [--fields 20] [--value 100 10]
        [--policy static|dram-only]
"""
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


def start(binary, extra):
    d = tempfile.mkdtemp(prefix="hashmem-")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                             "--appendonly", "no"] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            c.ping()
            return proc, c, d
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"{binary} did not start")


def load(c, hashes, fields, value):
    with c.pipeline(transaction=False) as p:
        for i in range(hashes):
            p.hset(f"user:{i}", mapping={f"field:{j}": value for j in range(fields)})
            if i % 500 == 499:
                p.execute()
        p.execute()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hashes", type=int, default=10000)
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--value", type=int, nargs="+", default=[100, 10])
    ap.add_argument("--policy", default="static")
    a = ap.parse_args()
    n = a.hashes * a.fields
    print(f"{a.hashes} hashes x {a.fields} fields, tier-policy {a.policy}; bytes per field")
    print(f"{'value':>6} {'encoding':>10} {'ours dram':>10} {'ours nvm':>9} {'ours total':>11} {'redis':>7}")
    for v in a.value:
        row = {}
        for name, binary, extra in (("ours", os.path.join(ROOT, "src", "redis-server"), ["--tier-policy", a.policy]),
                                    ("redis", "/usr/bin/redis-server", [])):
            proc, c, d = start(binary, extra)
            try:
                before = c.info("memory")
                load(c, a.hashes, a.fields, b"v" * v)
                after = c.info("memory")
                row[name] = (after, before, c.object("encoding", "user:0").decode())
            finally:
                proc.terminate()
                proc.wait()
                shutil.rmtree(d, ignore_errors=True)
        oa, ob, enc = row["ours"]
        ra, rb, renc = row["redis"]
        dram = (oa["used_memory_dram"] - ob["used_memory_dram"]) / n
        nvm = (oa["used_memory_nvm"] - ob["used_memory_nvm"]) / n
        real = (ra["used_memory"] - rb["used_memory"]) / n
        enc_text = enc if enc == renc else f"{enc}/{renc}"
        print(f"{v:>6} {enc_text:>10} {dram:>10.1f} {nvm:>9.1f} {dram + nvm:>11.1f} {real:>7.1f}")


if __name__ == "__main__":
    main()
