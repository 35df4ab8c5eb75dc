#!/usr/bin/python3
"""Cluster failover time, side by side with Debian's Redis 7.0.

For each server (ours, then Redis, alternating run by run): six nodes of
that server on loopback, made a cluster with `redis-cli --cluster create
--cluster-replicas 1`, the same cluster-node-timeout for both; a master
that holds keys is killed with SIGKILL, and the time is measured from the
kill until a client writing to a key of that master's slots on its replica
gets OK (before the promotion the replica answers -MOVED to the dead
master). Every process is one this script started; all are stopped at the
end of each run (by pid), and each wait is bounded.

    /usr/bin/python3 utils/bench/cluster_failover.py [--runs 3] [--node-timeout 2000]
                                                     [--ours src/redis-server] [--redis /usr/bin/redis-server]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import Server, free_port  # noqa: E402 -- the side-by-side harness's server process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Commands:
    """The server command lines (compare.Server records them here)."""
    lines = []


def start_node(binary, node_timeout):
    n = Server("failover", binary, [], Commands,
               ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                "--cluster-node-timeout", str(node_timeout), "--repl-diskless-sync-delay", "0"])
    n.c = redis.Redis(port=n.port, socket_timeout=5)
    return n


def wait(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if cond():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out: {what}")


def one_run(binary, node_timeout):
    nodes = [start_node(binary, node_timeout) for _ in range(6)]
    try:
        out = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes],
                              "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise RuntimeError(out.stdout + out.stderr)

        def converged():
            for n in nodes:
                view = n.c.execute_command("CLUSTER", "NODES").decode()
                if view.count("slave") != 3 or b"cluster_state:ok" not in n.c.execute_command("CLUSTER", "INFO"):
                    return False
            return True

        wait(converged, 30, "cluster convergence")
        by_id = {n.c.execute_command("CLUSTER", "MYID").decode(): n for n in nodes}
        master = replica = None
        for n in nodes:
            me = [ln.split() for ln in n.c.execute_command("CLUSTER", "NODES").decode().splitlines()
                  if "myself" in ln][0]
            if me[3] != "-":
                master, replica = by_id[me[3]], n
                break
        ranges = [r.partition("-") for r in [ln.split() for ln in master.c.execute_command(
            "CLUSTER", "NODES").decode().splitlines() if "myself" in ln][0][8:]]
        ranges = [(int(a), int(b or a)) for a, _, b in ranges]
        key = next(f"k{i}" for i in range(100000)
                   if any(a <= master.c.execute_command("CLUSTER", "KEYSLOT", f"k{i}") <= b for a, b in ranges))
        for i in range(100):
            master.c.set(f"{{{key}}}:{i}", i)
        wait(lambda: master.c.execute_command("WAIT", 1, 1000) >= 1, 30, "replica in sync")
        client = redis.Redis(port=replica.port, socket_timeout=5)
        t0 = time.monotonic()
        master.proc.send_signal(signal.SIGKILL)
        master.proc.wait()
        deadline = t0 + 120
        while time.monotonic() < deadline:
            try:
                if client.set(key, "after"):
                    return time.monotonic() - t0
            except redis.ResponseError:
                pass
            time.sleep(0.01)
        raise RuntimeError("no promotion within 120 s")
    finally:
        for n in nodes:
            n.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--node-timeout", type=int, default=2000)
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    a = ap.parse_args()
    times = {"ours": [], "redis": []}
    for run in range(a.runs):
        for name, binary in (("ours", a.ours), ("redis", a.redis)):
            t = one_run(binary, a.node_timeout)
            times[name].append(t)
            print(f"run {run + 1} {name:5s} failover {t * 1000:7.0f} ms", flush=True)
    print(f"\ncluster-node-timeout {a.node_timeout} ms, {a.runs} runs each: "
          "SIGKILL of a master -> the promoted replica answers SET OK")
    print(f"{'server':8s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s}")
    for name, ts in times.items():
        print(f"{name:8s} {statistics.median(ts) * 1000:10.0f} {min(ts) * 1000:8.0f} {max(ts) * 1000:8.0f}")
    ratio = statistics.median(times["ours"]) / statistics.median(times["redis"])
    print(f"ours / redis (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
