#!/usr/bin/python3
"""Replication figures, side by side with Debian's Redis 7.0:

- full-sync time: a master holding N keys of S bytes, a fresh replica of
  the same server attached; the time from REPLICAOF to
  master_link_status:up, disk-based and diskless, ours -> ours against
  Redis -> Redis;
- with --throughput: the master's SET throughput (redis-benchmark, 50
  clients, pipeline 16) with one replica attached against none, as a
  ratio per server, and the replication lag meanwhile (the master's
  master_repl_offset minus the replica's slave_repl_offset, sampled every
  50 ms while the load runs).

    /usr/bin/python3 utils/bench/repl_sync.py [--keys 1000000] [--value-size 1024]
                                                [--ours src/redis-server] [--runs 1]
    /usr/bin/python3 utils/bench/repl_sync.py --throughput [--requests 1000000]
    /usr/bin/python3 utils/bench/repl_sync.py --lag-rate 100000 [--seconds 10]

- with --lag-rate R: SETs at a held rate of R per second (batches of R/100
  every 10 ms on one connection, replies drained) for --seconds, and the
  replication lag meanwhile, sampled every 50 ms: the same load for both
  servers, below what either master can take.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, *args):
    d = tempfile.mkdtemp(prefix="repl-bench-")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                             "--appendonly", "no", "--logfile", os.path.join(d, "log"), *args],
                            cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = redis.Redis(port=port, socket_timeout=600)
    deadline = time.time() + 20
    while True:
        try:
            c.ping()
            break
        except redis.ConnectionError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{binary} did not start")
            time.sleep(0.05)
    return proc, c, port, d


def stop(proc, d):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(d, ignore_errors=True)


def populate(port, keys, size):
    """SET key:<i> <size random-looking bytes> through redis-cli --pipe."""
    cli = subprocess.Popen(["redis-cli", "-p", str(port), "--pipe"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL)
    seed = os.urandom(size * 2).hex().encode()
    batch = []
    for i in range(keys):
        k = b"key:%d" % i
        off = (i * 7919) % (len(seed) - size)
        v = seed[off:off + size]
        batch.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
        if len(batch) == 10000:
            cli.stdin.write(b"".join(batch))
            batch = []
    cli.stdin.write(b"".join(batch))
    cli.stdin.close()
    cli.wait()


def measure(binary, mode, keys, size):
    diskless = "yes" if mode == "diskless" else "no"
    mproc, mc, mport, mdir = start(binary, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
    try:
        populate(mport, keys, size)
        assert mc.dbsize() == keys, mc.dbsize()
        sproc, sc, _, sdir = start(binary)
        try:
            t0 = time.time()
            sc.execute_command("REPLICAOF", "127.0.0.1", mport)
            while sc.info("replication").get("master_link_status") != "up":
                time.sleep(0.02)
            secs = time.time() - t0
            assert sc.dbsize() == keys
            while mc.info("persistence")["rdb_bgsave_in_progress"]:
                time.sleep(0.05)
            p = mc.info("persistence")
            cow = (p.get("rdb_last_cow_size", 0), p.get("rdb_last_cow_size_dram"), p.get("rdb_last_cow_size_nvm"))
        finally:
            stop(sproc, sdir)
    finally:
        stop(mproc, mdir)
    return secs, cow


class LagSampler:
    """The master's master_repl_offset minus the replica's slave_repl_offset,
    every 50 ms from start() to stop() (which returns the samples)."""

    def __init__(self, mc, sc):
        self.mc, self.sc, self.lags, self.done = mc, sc, [], False
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        while not self.done:
            m = self.mc.info("replication")["master_repl_offset"]
            self.lags.append(max(0, m - self.sc.info("replication")["slave_repl_offset"]))
            time.sleep(0.05)

    def start(self):
        self.thread.start()

    def stop(self):
        self.done = True
        self.thread.join()
        return self.lags


def set_rps(port, requests, size):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(requests), "-c", "50",
                          "-P", "16", "-d", str(size), "-r", "100000", "-q"],
                         capture_output=True, text=True, check=True).stdout
    # "SET: 123456.79 requests per second, p50=..."
    return float(out.split("SET:")[-1].split("requests")[0])


def throughput(binary, requests, size):
    mproc, mc, mport, mdir = start(binary, "--repl-diskless-sync-delay", "0")
    try:
        alone = set_rps(mport, requests, size)
        sproc, sc, _, sdir = start(binary, "--replicaof", "127.0.0.1", str(mport))
        try:
            while sc.info("replication").get("master_link_status") != "up":
                time.sleep(0.02)
            sampler = LagSampler(mc, sc)
            sampler.start()
            replicated = set_rps(mport, requests, size)
            lags = sampler.stop()
        finally:
            stop(sproc, sdir)
    finally:
        stop(mproc, mdir)
    return alone, replicated, sum(lags) / max(1, len(lags)), max(lags, default=0)


def held_rate_lag(binary, rate, seconds, size):
    mproc, mc, mport, mdir = start(binary)
    try:
        sproc, sc, _, sdir = start(binary, "--replicaof", "127.0.0.1", str(mport))
        try:
            while sc.info("replication").get("master_link_status") != "up":
                time.sleep(0.02)
            per_batch = max(1, rate // 100)
            v = b"v" * size
            batch = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v)
                             for k in (b"key:%d" % i for i in range(per_batch)))
            sock = socket.create_connection(("127.0.0.1", mport))
            sock.setblocking(False)
            sampler = LagSampler(mc, sc)
            sampler.start()
            start_t = time.time()
            sent = 0
            while time.time() - start_t < seconds:
                due = start_t + sent * 0.01
                if time.time() < due:
                    time.sleep(due - time.time())
                sock.setblocking(True)
                sock.sendall(batch)
                sock.setblocking(False)
                sent += 1
                try:
                    while sock.recv(1 << 20):
                        pass
                except BlockingIOError:
                    pass
            achieved = sent * per_batch / (time.time() - start_t)
            lags = sampler.stop()
            sock.close()
        finally:
            stop(sproc, sdir)
    finally:
        stop(mproc, mdir)
    lags.sort()
    return achieved, sum(lags) / max(1, len(lags)), lags[len(lags) * 99 // 100] if lags else 0, max(lags, default=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--value-size", type=int, default=1024)
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--lag-rate", type=int, default=0)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    if a.lag_rate:
        print(f"replication lag under {a.lag_rate} SET/s of {a.value_size} B for {a.seconds} s")
        for name, binary in (("ours", a.ours), ("redis", a.redis)):
            rate, mean, p99, worst = held_rate_lag(binary, a.lag_rate, a.seconds, a.value_size)
            print(f"  {name:5s} held {rate:9.0f}/s  lag mean {mean / 1024:7.1f} KiB  p99 {p99 / 1024:7.1f} KiB  "
                  f"max {worst / 1024:7.1f} KiB", flush=True)
        return 0
    if a.throughput:
        print(f"SET throughput of the master, {a.requests} requests of {a.value_size} B, -c 50 -P 16")
        for name, binary in (("ours", a.ours), ("redis", a.redis)):
            alone, replicated, lag_mean, lag_max = throughput(binary, a.requests, a.value_size)
            print(f"  {name:5s} alone {alone:10.0f}/s  with a replica {replicated:10.0f}/s  "
                  f"ratio {replicated / alone:.2f}  lag mean {lag_mean / 1024:.0f} KiB max {lag_max / 1024:.0f} KiB",
                  flush=True)
        return 0
    print(f"full sync of {a.keys} keys x {a.value_size} B, loopback, time to master_link_status:up")
    for mode in ("disk", "diskless"):
        res = {}
        for name, binary in (("ours", a.ours), ("redis", a.redis)):
            secs, cow = min(measure(binary, mode, a.keys, a.value_size) for _ in range(a.runs))
            res[name] = secs
            split = f" (DRAM {cow[1]}, NVM {cow[2]})" if cow[1] is not None else ""
            print(f"  {mode:8s} {name:5s} {secs:7.2f} s   master COW {cow[0]} B{split}", flush=True)
        print(f"  {mode:8s} ours/redis time ratio {res['ours'] / res['redis']:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
