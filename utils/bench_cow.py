#!/usr/bin/python3
"""Fork time and copy-on-write of a BGSAVE, ours next to Debian's Redis 7.0.

For each server: start it on a free loopback port in a temporary dir, load
N keys of VALUE bytes (random, so RDB compression cannot shortcut the save),
BGSAVE, and while the child runs overwrite OVERWRITE_PCT % of the keys
(random keys, new random values) from one pipelined client. Then report
latest_fork_usec, rdb_last_cow_size (and our per-tier split), the BGSAVE
time and whether the overwrites finished while the child was still running.

    /usr/bin/python3 utils/bench_cow.py [--keys 1000000] [--value 1024] [--overwrite-pct 10]
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(ROOT, "src", "redis-server")
REAL = "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(binary, keys, value, pct, batch=5000):
    d = tempfile.mkdtemp(prefix="bench-cow-")
    port = free_port()
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                          "--appendonly", "no", "--logfile", os.path.join(d, "log")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=300)
        for _ in range(200):
            try:
                c.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        rnd = random.Random(1)
        blob = os.urandom(value * 64)  # values are windows into random bytes
        t0 = time.time()
        for start in range(0, keys, batch):
            pipe = c.pipeline(transaction=False)
            for i in range(start, min(keys, start + batch)):
                off = rnd.randrange(0, len(blob) - value)
                pipe.set(f"key:{i:08d}", blob[off:off + value])
            pipe.execute()
        load_s = time.time() - t0
        mem = c.info("memory")
        c.bgsave()
        t_fork = time.time()
        n_over = keys * pct // 100
        over = random.Random(2).sample(range(keys), n_over)
        for start in range(0, n_over, batch):
            pipe = c.pipeline(transaction=False)
            for i in over[start:start + batch]:
                off = rnd.randrange(0, len(blob) - value)
                pipe.set(f"key:{i:08d}", blob[off:off + value])
            pipe.execute()
        overwrite_s = time.time() - t_fork
        still_running = c.info("persistence")["rdb_bgsave_in_progress"] == 1
        while c.info("persistence")["rdb_bgsave_in_progress"] == 1:
            time.sleep(0.05)
        save_s = time.time() - t_fork
        pi = c.info("persistence")
        st = c.info("stats")
        out = {
            "binary": binary,
            "keys": c.dbsize(),
            "load_s": round(load_s, 1),
            "used_memory_mb": mem["used_memory"] // (1 << 20),
            "used_memory_nvm_mb": mem.get("used_memory_nvm", 0) // (1 << 20),
            "latest_fork_usec": st["latest_fork_usec"],
            "bgsave_s": round(save_s, 2),
            "overwrite_s": round(overwrite_s, 2),
            "overwrites_done_during_bgsave": still_running,
            "rdb_last_bgsave_status": pi["rdb_last_bgsave_status"],
            "rdb_last_cow_size_mb": round(pi["rdb_last_cow_size"] / (1 << 20), 1),
        }
        if "rdb_last_cow_size_nvm" in pi:
            out["rdb_last_cow_size_dram_mb"] = round(pi["rdb_last_cow_size_dram"] / (1 << 20), 1)
            out["rdb_last_cow_size_nvm_mb"] = round(pi["rdb_last_cow_size_nvm"] / (1 << 20), 1)
        return out
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value", type=int, default=1024)
    ap.add_argument("--overwrite-pct", type=int, default=10)
    ap.add_argument("--only", choices=["ours", "real"])
    a = ap.parse_args()
    for name, binary in (("ours", OURS), ("real", REAL)):
        if a.only and a.only != name:
            continue
        print(name, run(binary, a.keys, a.value, a.overwrite_pct), flush=True)


if __name__ == "__main__":
    main()
