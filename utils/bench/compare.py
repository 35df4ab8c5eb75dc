#!/usr/bin/python3
"""Side-by-side benchmark of tieredis (src/redis-server) and Debian's Redis 7.0.

What it measures, on the same machine in the same run:

  throughput  redis-benchmark SET GET INCR LPUSH RPOP SADD HSET ZADD LRANGE_100
              MSET, 50 clients, pipeline 1 and 16, values 64 B and 1 KiB,
              random keyspace of 1,000,000 (-r): requests/s, p50 and p99
              latency (redis-benchmark 7.0's --csv columns); plus tierload's
              Zipf(0.99) 90% GET / 10% SET mix over a loaded keyspace; PUBLISH
              of 64 B messages to 1, 10 and 100 subscribers (tierload
              publishing, utils/bench/subscribers.py reading); and the Zipf
              mix with client-side caching on every connection (CLIENT
              TRACKING ON, invalidations redirected to a subscriber).
  memory      1,000,000 keys of 64 B and of 1 KiB (tierload --load), one
              dataset each of hashes, lists, sets and zsets with ten 64 B
              elements, and one per large or special encoding (quicklist,
              hashtable hash and set, intset, skiplist): used_memory and RSS
              per key and per element for both servers and, for ours, DRAM
              and NVM bytes per key and the DRAM:NVM ratio. Deltas over the
              empty server.
  eviction    at the memory limit: both servers with the same maxmemory, a
              quarter of a 1,000,000-key dataset of 64 B or 1 KiB values,
              allkeys-lru and allkeys-lfu: SET throughput and latency while
              every write evicts (tierload, uniform keys), then the hit
              ratio of a Zipf(0.99) 90% GET / 10% SET mix (INFO
              keyspace_hits / misses over the mix), and evicted_keys.
  fork        on the 1,000,000 x 1 KiB dataset: latest_fork_usec and BGSAVE
              wall time, then rdb_last_cow_size of a BGSAVE during which a
              client overwrites 10% of the keys, and for ours the part of it
              on each tier (rdb_last_cow_size_dram/_nvm).

How it keeps the comparison fair:
  - both servers get exactly the same command-line flags (no persistence:
    --save "" --appendonly no), nothing else;
  - with 2+ CPUs the servers are pinned (taskset) to CPU 0 and every client
    to the others, so client and server never fight for a core;
  - throughput workloads run on both servers back to back, interleaved
    workload by workload, the order alternating each round; the tables
    report the median of the rounds and the ratio ours/Redis;
  - both servers see the same sequence of commands: state that a workload
    needs (GET after SET, RPOP after LPUSH) is kept, everything else is
    flushed right after the run, which also bounds memory;
  - memory workloads run on a fresh server each (RSS never shrinks), one
    server at a time; they are deterministic, so they run once;
  - the fork dataset is loaded once per round on a fresh server, the order
    of the two servers alternating each round (the one loaded first gets
    the previous servers' freshly freed, fragmented pages, which makes its
    fork slower), and the table reports the medians.

A workload whose command our server rejects (ERR unknown command: a type not
merged yet) is skipped on both servers and reported as skipped, with the
error. Any other failure is an error row, and the exit status is 1.

Output (--out, default utils/bench/results/<date>-<commit>/, or
utils/bench/results/tmp/ for --quick): results.md (the tables, with the
machine, the commit and the commands in the header), results.json (every
run), commands.txt (every command line executed), throughput_ratio.png and
memory_per_key.png.

Run it through utils/bench/compare.sh or `make bench`; --help lists the
options.
"""
import argparse
import csv
import datetime
import fnmatch
import io
import json
import os
import platform
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# redis-benchmark's tests: (workload prefix, -t name, label prefix of its CSV
# row, command probed on our server before running it).
BENCH_TESTS = [
    ("set", "set", "SET", ["SET", "__bench_probe__:s", "x"]),
    ("get", "get", "GET", ["GET", "__bench_probe__:s"]),
    ("incr", "incr", "INCR", ["INCR", "__bench_probe__:n"]),
    ("lpush", "lpush", "LPUSH", ["LPUSH", "__bench_probe__:l", "x"]),
    ("rpop", "rpop", "RPOP", ["RPOP", "__bench_probe__:l"]),
    ("sadd", "sadd", "SADD", ["SADD", "__bench_probe__:t", "x"]),
    ("hset", "hset", "HSET", ["HSET", "__bench_probe__:h", "f", "x"]),
    ("zadd", "zadd", "ZADD", ["ZADD", "__bench_probe__:z", "1", "x"]),
    ("lrange_100", "lrange_100", "LRANGE_100", ["LRANGE", "__bench_probe__:l", "0", "99"]),
    ("mset", "mset", "MSET", ["MSET", "__bench_probe__:s", "x", "__bench_probe__:s2", "y"]),
]
# GET reads what SET wrote, RPOP pops what LPUSH pushed: the server keeps its
# data from the first to the second.
FEEDS_NEXT = {"set", "lpush"}
# MSET writes 10 keys per request and LRANGE_100 returns 100 elements: a
# quarter of the requests keeps their run time in line with the others.
HEAVY = {"mset", "lrange_100"}
PIPELINES = [1, 16]
SIZES = [64, 1024]
BENCH_CLIENTS = 50
BENCH_KEYSPACE = 1000000

# Memory datasets: (name, description, template, elements per key, value
# size, probe). A dataset of M elements per key uses 1/M of the keys, so
# every dataset writes the same number of values. The first six are the
# issue's; the rest pin the per-element cost of each large or special
# encoding ({field} makes intset members the integers 0..499).
MEMORY_SETS = [
    ("mem-string-64", "strings, 64 B values", "SET {key} {value}", 1, 64, ["SET", "__bench_probe__", "x"]),
    ("mem-string-1k", "strings, 1 KiB values", "SET {key} {value}", 1, 1024, ["SET", "__bench_probe__", "x"]),
    ("mem-hash", "hashes, 10 fields of 64 B", "HSET {key} f{field} {value}", 10, 64,
     ["HSET", "__bench_probe__", "f", "x"]),
    ("mem-list", "lists, 10 elements of 64 B", "RPUSH {key} {value}", 10, 64, ["RPUSH", "__bench_probe__", "x"]),
    ("mem-set", "sets, 10 members of 64 B", "SADD {key} {value}", 10, 64, ["SADD", "__bench_probe__", "x"]),
    ("mem-zset", "zsets, 10 members of 64 B", "ZADD {key} {score} {value}", 10, 64,
     ["ZADD", "__bench_probe__", "1", "x"]),
    ("mem-list-quicklist", "lists, 1,000 elements of 100 B (quicklist)", "RPUSH {key} {value}", 1000, 100,
     ["RPUSH", "__bench_probe__", "x"]),
    ("mem-hash-hashtable", "hashes, 20 fields of 100 B (hashtable)", "HSET {key} f{field} {value}", 20, 100,
     ["HSET", "__bench_probe__", "f", "x"]),
    ("mem-set-hashtable", "sets, 1,000 members of 100 B (hashtable)", "SADD {key} {value}", 1000, 100,
     ["SADD", "__bench_probe__", "x"]),
    ("mem-set-intset", "sets, 500 integers (intset)", "SADD {key} {field}", 500, 8,
     ["SADD", "__bench_probe__", "1"]),
    ("mem-zset-skiplist", "zsets, 1,000 members of 100 B (skiplist)", "ZADD {key} {score} {value}", 1000, 100,
     ["ZADD", "__bench_probe__", "1", "x"]),
    # Streams (issue 15): 1,000 entries per stream, one field each.
    ("mem-stream-64", "streams, 1,000 entries of 64 B", "XADD {key} * f {value}", 1000, 64,
     ["XADD", "__bench_probe__", "*", "f", "x"]),
    ("mem-stream-1k", "streams, 1,000 entries of 1 KiB", "XADD {key} * f {value}", 1000, 1024,
     ["XADD", "__bench_probe__", "*", "f", "x"]),
]
FORK_NAME = "fork-1k"
FORK_SIZE = 1024
FORK_OVERWRITE_FRACTION = 0.10

# tierload mixes over a keyspace loaded with 64 B values.
TIERLOAD_MIXES = [("tierload-zipf-p1-64", 1), ("tierload-zipf-p16-64", 16)]

# Messaging: PUBLISH to N subscribers, and the Zipf mix with tracking.
PUBLISH_SETS = [("publish-1sub-64", 1), ("publish-10sub-64", 10), ("publish-100sub-64", 100)]
TRACKING_MIX = "tracking-zipf-p16-64"
SUBSCRIBERS = os.path.join(ROOT, "utils", "bench", "subscribers.py")

# Eviction at the limit: (name, maxmemory-policy, value size). Both servers
# get the same maxmemory: a quarter of KEYS x (size + EVICT_KEY_OVERHEAD),
# where the overhead is about what Redis 7.0 spends per key beyond the value
# (measured by mem-string-64: 168 B per 64 B key), and at least
# EVICT_MIN_MAXMEMORY: an empty server and 50 clients' buffers take about
# 1 MB, which a small --keys would otherwise leave no room beside. The SET
# phase writes 2 x KEYS random keys; the mix then runs KEYS requests.
EVICT_SETS = [("evict-lru-64", "allkeys-lru", 64), ("evict-lru-1k", "allkeys-lru", 1024),
              ("evict-lfu-64", "allkeys-lfu", 64), ("evict-lfu-1k", "allkeys-lfu", 1024)]
EVICT_KEY_OVERHEAD = 104
EVICT_MIN_MAXMEMORY = 4 << 20

# Commands of the newer families, by redis-benchmark with a command line
# (50 clients, pipeline 16, __rand_int__ over 1,000,000): (name, set-up
# commands sent once to each server, the command, the share of --requests
# x 5 it runs: commands that do milliseconds of work per call run fewer).
# The set-up makes the data the command reads; {sha} is the SHA1 of
# BENCH_SCRIPT.
BENCH_SCRIPT = "return redis.call('GET', KEYS[1])"
BENCH_LIBRARY = "#!lua name=benchlib\nredis.register_function('bench_get', function(keys) return redis.call('GET', keys[1]) end)"
BITMAP_BYTES = 1 << 20
# A consumer-group round trip in one script ({stream_sha}): produce an entry
# (the stream capped near 1,000), read one as consumer c of group g, ACK it.
STREAM_SCRIPT = ("redis.call('XADD', KEYS[1], 'MAXLEN', '~', '1000', '*', 'f', ARGV[1]) "
                 "local r = redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', KEYS[1], '>') "
                 "if r then redis.call('XACK', KEYS[1], 'g', r[1][2][1][1]) end return 1")
COMMAND_SETS = [
    ("evalsha-p16", [["SCRIPT", "LOAD", BENCH_SCRIPT]], ["EVALSHA", "{sha}", "1", "key:__rand_int__"], 1),
    ("fcall-p16", [["FUNCTION", "LOAD", "REPLACE", BENCH_LIBRARY]], ["FCALL", "bench_get", "1", "key:__rand_int__"], 1),
    ("pfadd-p16", [], ["PFADD", "hll", "element:__rand_int__"], 1),
    ("pfcount10-p16", [["PFADD", f"hll:{k}"] + [f"e{k}:{i}" for i in range(2000)] for k in range(10)],
     ["PFCOUNT"] + [f"hll:{k}" for k in range(10)], 0.02),
    # (__rand_int__ is zero-padded, which a bit offset may not be: random
    # keys instead, each a small bitmap.)
    ("setbit-p16", [], ["SETBIT", "bits:__rand_int__", "1000", "1"], 1),
    ("bitcount-1mib-p16", [["SETRANGE", "bitmap", str(BITMAP_BYTES - 1), "x"]] +
     [["SETBIT", "bitmap", str(i * 7919 % (BITMAP_BYTES * 8)), "1"] for i in range(2000)], ["BITCOUNT", "bitmap"],
     0.02),
    ("geoadd-p16", [], ["GEOADD", "geo", "13.361389", "38.115556", "member:__rand_int__"], 1),
    ("geosearch-p16", [["GEOADD", "places"] + [x for i in range(5000) for x in
                                               (f"{12 + (i * 37 % 1000) / 250:.6f}",
                                                f"{36 + (i * 91 % 1000) / 250:.6f}", f"p{i}")]],
     ["GEOSEARCH", "places", "FROMLONLAT", "14", "38", "BYRADIUS", "50", "km", "ASC", "COUNT", "10"], 0.05),
    # Streams: appends (capped so that a run's memory stays bounded, which
    # also exercises approximate trimming), a 100-entry range read, and a
    # consumer-group round trip (XADD + XREADGROUP + XACK).
    ("xadd-64-p16", [], ["XADD", "bench:stream", "MAXLEN", "~", "100000", "*", "field", "v" * 64], 1),
    ("xadd-1k-p16", [], ["XADD", "bench:stream", "MAXLEN", "~", "100000", "*", "field", "v" * 1024], 1),
    ("xrange100-p16", [["XADD", "bench:range", "*", "field", "v" * 64] for _ in range(1000)],
     ["XRANGE", "bench:range", "-", "+", "COUNT", "100"], 0.2),
    ("xreadgroup-xack-p16", [["XGROUP", "CREATE", "bench:q", "g", "$", "MKSTREAM"], ["SCRIPT", "LOAD", STREAM_SCRIPT]],
     ["EVALSHA", "{stream_sha}", "1", "bench:q", "v" * 64], 0.5),
]

# The tiering engine: KEYS x 1 KiB loaded under static placement (every
# payload on NVM), then the Zipf(0.99) 90/10 mix with our server under
# static and under hot with tier-dram-max-memory = the DRAM used after the
# load (metadata) + 10% of the payload bytes, and Redis beside them. After
# TIER_WARMUP_S of the mix (the engine converges; static and Redis run it
# too), CONFIG RESETSTAT and TIER_MEASURE_S measured. Then, for hot, the hot
# set moves (tierload --key-offset KEYS/2) and the DRAM read share is read
# every second until it is back to 90% of its steady value (at most
# TIER_RECOVERY_MAX_S).
TIER_HOT = "tier-hot-zipf-1k"
TIER_WARMUP_S = 30
TIER_MEASURE_S = 20
TIER_RECOVERY_MAX_S = 90


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="compare.sh",
        description="Benchmark src/redis-server against Debian's redis-server 7.0, side by side.")
    p.add_argument("--quick", action="store_true",
                   help="every workload briefly (a smoke run, figures are not meaningful)")
    p.add_argument("--rounds", type=int, default=None, help="rounds of the throughput workloads (default 3, quick 1)")
    p.add_argument("--workloads", default="*",
                   help="comma-separated glob patterns of workload names, e.g. 'set-*,mem-*' (see --list)")
    p.add_argument("--out", default=None, help="results folder")
    p.add_argument("--keys", type=int, default=None,
                   help="keys of the memory, fork and tierload datasets (default 1000000, quick 20000)")
    p.add_argument("--requests", type=int, default=None,
                   help="redis-benchmark -n at pipeline 1 (default 200000, quick 2000; x5 at pipeline 16)")
    p.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"), help="our server binary")
    p.add_argument("--redis", default="/usr/bin/redis-server", help="the reference redis-server")
    p.add_argument("--tierload", default=os.environ.get(
        "TIERLOAD", os.path.join(ROOT, "build", "utils", "tierload", "tierload")), help="tierload binary")
    p.add_argument("--no-build", action="store_true", help="(compare.sh) do not run make build first")
    p.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    p.add_argument("--list", action="store_true", help="print the workload names and exit")
    args = p.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.keys is None:
        args.keys = 20000 if args.quick else 1000000
    if args.requests is None:
        args.requests = 2000 if args.quick else 200000
    if args.rounds < 1 or args.keys < 10 or args.requests < 1:
        p.error("--rounds, --keys (>= 10) and --requests must be positive")
    return args


def all_workload_names():
    names = []
    for pipeline in PIPELINES:
        for size in SIZES:
            for prefix, _, _, _ in BENCH_TESTS:
                names.append(bench_name(prefix, pipeline, size))
    names += [n for n, _ in TIERLOAD_MIXES]
    names += [n for n, _ in PUBLISH_SETS] + [TRACKING_MIX]
    names += [c[0] for c in COMMAND_SETS]
    names += [m[0] for m in MEMORY_SETS]
    names += [e[0] for e in EVICT_SETS]
    names.append(TIER_HOT)
    names.append(FORK_NAME)
    return names


def bench_name(prefix, pipeline, size):
    return f"{prefix}-p{pipeline}-{'1k' if size == 1024 else size}"


def selected(name, patterns):
    return any(fnmatch.fnmatchcase(name, pat.strip()) for pat in patterns.split(",") if pat.strip())


# ---- Processes -------------------------------------------------------------------

class Recorder:
    """Runs commands, remembering each command line for commands.txt."""

    def __init__(self):
        self.lines = []

    def run(self, cmd, timeout):
        self.lines.append(shlex.join(cmd))
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def popen(self, cmd):
        self.lines.append(shlex.join(cmd) + "   # concurrently")
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process on a free loopback port, in its own temporary dir."""

    def __init__(self, label, binary, pin, recorder, extra_flags=()):
        import redis  # python3-redis, from deps/install.sh
        self.label = label
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix=f"tieredis-bench-{label}-")
        self.port = free_port()
        self.flags = server_flags(self.port, self.dir) + list(extra_flags)
        cmd = pin + [binary] + self.flags
        recorder.lines.append(shlex.join(cmd))
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{label} server exited: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"{label} server did not listen within 20 s")
                time.sleep(0.02)
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=600)

    def info(self, section="all"):
        return self.client.info(section)

    def probe(self, command):
        """None when the server accepts `command`, else its error text."""
        import redis
        try:
            self.client.execute_command(*command)
            return None
        except redis.ResponseError as e:
            return str(e)
        finally:
            self.client.execute_command("DEL", *[a for a in command[1:] if a.startswith("__bench_probe__")])

    def flush(self):
        self.client.flushall()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def server_flags(port, directory):
    return ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory, "--logfile", os.path.join(directory, "server.log")]


def cpu_plan():
    """(taskset prefix for servers, taskset prefix for clients, description)."""
    n = os.cpu_count() or 1
    if n < 2 or shutil.which("taskset") is None:
        return [], [], "not pinned (one CPU)" if n < 2 else "not pinned (no taskset)"
    clients = "1" if n == 2 else f"1-{n - 1}"
    return (["taskset", "-c", "0"], ["taskset", "-c", clients],
            f"servers on CPU 0 (taskset -c 0), clients on CPU {clients}")


# ---- Workloads ---------------------------------------------------------------------

def run_redis_benchmark(rec, pin, server, test, label, pipeline, size, requests, timeout):
    cmd = pin + ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-c", str(BENCH_CLIENTS),
                 "-n", str(requests), "-r", str(BENCH_KEYSPACE), "-P", str(pipeline), "-d", str(size),
                 "-t", test, "--csv"]
    out = rec.run(cmd, timeout)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "error" in text.lower():
        raise RuntimeError(f"redis-benchmark failed (exit {out.returncode}): {text.strip()[:500]}")
    for row in csv.DictReader(io.StringIO(out.stdout)):
        if row["test"].upper().startswith(label):
            return {"rps": float(row["rps"]), "p50_ms": float(row["p50_latency_ms"]),
                    "p99_ms": float(row["p99_latency_ms"])}
    raise RuntimeError(f"no {label} row in redis-benchmark --csv output: {out.stdout[:300]}")


def run_tierload(rec, pin, args, server, extra, timeout):
    cmd = pin + [args.tierload, "-h", "127.0.0.1", "-p", str(server.port), "--json"] + extra
    out = rec.run(cmd, timeout)
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"tierload failed (exit {out.returncode}): {(out.stderr or out.stdout).strip()[:500]}")
    if out.returncode != 0 or report["errors"]:
        raise RuntimeError(f"tierload: {report['errors']} error replies, first: {report['first_error']}")
    return report


def median_row(runs):
    return {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p99_ms")}


class Harness:
    def __init__(self, args):
        self.args = args
        self.rec = Recorder()
        self.server_pin, self.client_pin, self.pin_text = cpu_plan()
        self.rows = {}  # workload name -> result dict
        self.started = []
        self.versions = {}
        self.timeout = 120 if args.quick else 3600

    def start(self, label, extra_flags=()):
        binary = self.args.ours if label == "ours" else self.args.redis
        s = Server(label, binary, self.server_pin, self.rec, extra_flags)
        self.started.append(s)
        if label not in self.versions:
            info = s.info("server")
            v = f"redis_version {info.get('redis_version')}"
            if "tieredis_version" in info:
                v = f"tieredis {info['tieredis_version']}, " + v
            self.versions[label] = v
        return s

    def stop(self, s):
        s.stop()
        self.started.remove(s)

    def stop_all(self):
        for s in list(self.started):
            self.stop(s)

    # -- throughput --

    def throughput(self):
        args = self.args
        work = []
        for pipeline in PIPELINES:
            for size in SIZES:
                for prefix, test, label, probe in BENCH_TESTS:
                    name = bench_name(prefix, pipeline, size)
                    if selected(name, args.workloads):
                        work.append((name, prefix, test, label, probe, pipeline, size))
        mixes = [(n, p) for n, p in TIERLOAD_MIXES if selected(n, args.workloads)]
        publishes = [(n, k) for n, k in PUBLISH_SETS if selected(n, args.workloads)]
        tracking = selected(TRACKING_MIX, args.workloads)
        commands = [c for c in COMMAND_SETS if selected(c[0], args.workloads)]
        if not work and not mixes and not publishes and not tracking and not commands:
            return
        servers = {"ours": self.start("ours"), "redis": self.start("redis")}
        try:
            runnable = []
            for w in work:
                err = servers["ours"].probe(w[4])
                if err is not None:
                    self.rows[w[0]] = {"kind": "throughput", "status": "skipped",
                                       "reason": f"our server rejects {w[4][0]}: {err}"}
                else:
                    runnable.append(w)
                    self.rows[w[0]] = {"kind": "throughput", "status": "ok", "pipeline": w[5], "size": w[6],
                                       "runs": {"ours": [], "redis": []}}
            for rnd in range(args.rounds):
                order = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
                for s in servers.values():
                    s.flush()
                for name, prefix, test, label, _, pipeline, size in runnable:
                    row = self.rows[name]
                    if row["status"] != "ok":
                        continue
                    n = args.requests * (5 if pipeline > 1 else 1) // (4 if prefix in HEAVY else 1)
                    row["requests"] = max(n, 1)
                    for who in order:
                        try:
                            r = run_redis_benchmark(self.rec, self.client_pin, servers[who], test, label,
                                                    pipeline, size, row["requests"], self.timeout)
                            row["runs"][who].append(r)
                        except (RuntimeError, subprocess.TimeoutExpired) as e:
                            row.update(status="error", reason=f"{who}: {e}")
                            break
                        if prefix not in FEEDS_NEXT:
                            servers[who].flush()
            self.tierload_mixes(servers, mixes)
            self.messaging(servers, publishes, tracking)
            self.command_workloads(servers, commands)
        finally:
            for s in servers.values():
                self.stop(s)
        for name, row in self.rows.items():
            if row.get("kind") == "throughput" and row["status"] == "ok":
                row["ours"] = median_row(row["runs"]["ours"])
                row["redis"] = median_row(row["runs"]["redis"])

    def tierload_mixes(self, servers, mixes):
        if not mixes:
            return
        args = self.args
        for s in servers.values():
            s.flush()
            run_tierload(self.rec, self.client_pin, args, s,
                         ["--load", str(args.keys), "-d", "64", "-c", str(BENCH_CLIENTS), "-P", "16"], self.timeout)
        for name, pipeline in mixes:
            self.rows[name] = {"kind": "throughput", "status": "ok", "pipeline": pipeline, "size": 64,
                               "runs": {"ours": [], "redis": []}}
        length = ["-n", str(args.requests * 5)] if args.quick else ["--duration", "5"]
        for rnd in range(args.rounds):
            order = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
            for name, pipeline in mixes:
                row = self.rows[name]
                if row["status"] != "ok":
                    continue
                for who in order:
                    try:
                        rep = run_tierload(self.rec, self.client_pin, args, servers[who],
                                           ["--keys", str(args.keys), "--dist", "zipf:0.99", "--reads", "0.9",
                                            "-d", "64", "-c", str(BENCH_CLIENTS), "-P", str(pipeline),
                                            "--seed", str(rnd + 1)] + length, self.timeout)
                        row["runs"][who].append({"rps": rep["rps"], "p50_ms": rep["latency_ms"]["p50"],
                                                 "p99_ms": rep["latency_ms"]["p99"]})
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        row.update(status="error", reason=f"{who}: {e}")
                        break

    # -- commands of the newer families --

    def command_workloads(self, servers, commands):
        if not commands:
            return
        args = self.args
        import hashlib
        sha = hashlib.sha1(BENCH_SCRIPT.encode()).hexdigest()
        stream_sha = hashlib.sha1(STREAM_SCRIPT.encode()).hexdigest()
        for name, setup, command, share in commands:
            n = max(int(args.requests * 5 * share), 100)
            row = {"kind": "throughput", "status": "ok", "pipeline": 16, "size": 0, "requests": n,
                   "runs": {"ours": [], "redis": []}}
            self.rows[name] = row
            for who, s in servers.items():
                s.flush()
                try:
                    for cmd in setup:
                        s.client.execute_command(*cmd)
                except Exception as e:  # noqa: BLE001 - any failure is the row's error
                    row.update(status="error", reason=f"{who}: set-up {setup[0][0]}: {e}")
            if row["status"] != "ok":
                continue
            line = [a.replace("{sha}", sha).replace("{stream_sha}", stream_sha) for a in command]
            for rnd in range(args.rounds):
                order = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
                for who in order:
                    cmd = self.client_pin + ["redis-benchmark", "-h", "127.0.0.1", "-p", str(servers[who].port),
                                             "-c", str(BENCH_CLIENTS), "-n", str(n), "-r", str(BENCH_KEYSPACE),
                                             "-P", "16", "--csv"] + line
                    out = self.rec.run(cmd, self.timeout)
                    rows = list(csv.DictReader(io.StringIO(out.stdout)))
                    if out.returncode != 0 or not rows or "error" in (out.stdout + out.stderr).lower():
                        row.update(status="error", reason=f"{who}: {(out.stdout + out.stderr).strip()[:300]}")
                        break
                    r = rows[-1]
                    row["runs"][who].append({"rps": float(r["rps"]), "p50_ms": float(r["p50_latency_ms"]),
                                             "p99_ms": float(r["p99_latency_ms"])})
                if row["status"] != "ok":
                    break
        for s in servers.values():
            s.flush()

    # -- messaging --

    def start_subscribers(self, server, n, channel):
        """A subscribers.py process (pinned with the clients): returns it and
        the subscribers' client ids once they are subscribed."""
        cmd = self.client_pin + ["/usr/bin/python3", SUBSCRIBERS, str(server.port), str(n), channel]
        self.rec.lines.append(shlex.join(cmd) + "   # concurrently")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline().split()
        if not line or line[0] != "ready":
            proc.kill()
            raise RuntimeError(f"subscribers did not start: {line}")
        return proc, [int(x) for x in line[1:]]

    @staticmethod
    def stop_subscribers(proc):
        """Bytes the subscribers received."""
        out, _ = proc.communicate(input="", timeout=60)
        return int(out.split()[-1])

    def messaging(self, servers, publishes, tracking):
        if not publishes and not tracking:
            return
        args = self.args
        # A slow reader must not be disconnected mid-run: both servers the
        # same (no pubsub output limit), so both pay the same for a backlog.
        for s in servers.values():
            s.client.config_set("client-output-buffer-limit", "pubsub 0 0 0")
        n = args.requests * 5
        for name, _ in publishes:
            self.rows[name] = {"kind": "throughput", "status": "ok", "pipeline": 16, "size": 64, "requests": n,
                               "runs": {"ours": [], "redis": []}}
        if tracking:
            self.rows[TRACKING_MIX] = {"kind": "throughput", "status": "ok", "pipeline": 16, "size": 64,
                                       "runs": {"ours": [], "redis": []}}
            for s in servers.values():
                s.flush()
                run_tierload(self.rec, self.client_pin, args, s,
                             ["--load", str(args.keys), "-d", "64", "-c", str(BENCH_CLIENTS), "-P", "16"],
                             self.timeout)
        length = ["-n", str(n)] if args.quick else ["--duration", "5"]
        for rnd in range(args.rounds):
            order = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
            for name, subscribers in publishes:
                self.with_subscribers(servers, order, self.rows[name], subscribers, "bench", lambda ids: [
                    "--command", "PUBLISH bench {value}", "--reads", "0", "-d", "64", "-c", str(BENCH_CLIENTS),
                    "-P", "16", "-n", str(n)])
            if tracking:
                self.with_subscribers(servers, order, self.rows[TRACKING_MIX], 1, "__redis__:invalidate", lambda ids: [
                    "--keys", str(args.keys), "--dist", "zipf:0.99", "--reads", "0.9", "-d", "64",
                    "-c", str(BENCH_CLIENTS), "-P", "16", "--seed", str(rnd + 1),
                    "--setup", f"CLIENT TRACKING ON REDIRECT {ids[0]}"] + length)

    def with_subscribers(self, servers, order, row, subscribers, channel, tierload_args):
        """One run per server, in order, of tierload with tierload_args(ids)
        while `subscribers` clients read `channel`; they must receive
        something. Appends the run to row, or marks it an error."""
        for who in order:
            if row["status"] != "ok":
                return
            try:
                proc, ids = self.start_subscribers(servers[who], subscribers, channel)
                try:
                    rep = run_tierload(self.rec, self.client_pin, self.args, servers[who], tierload_args(ids),
                                       self.timeout)
                finally:
                    received = self.stop_subscribers(proc)
                if received == 0:
                    raise RuntimeError(f"nothing reached the subscribers of {channel}")
                row["runs"][who].append({"rps": rep["rps"], "p50_ms": rep["latency_ms"]["p50"],
                                         "p99_ms": rep["latency_ms"]["p99"]})
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                row.update(status="error", reason=f"{who}: {e}")

    # -- memory and fork --

    def memory_and_fork(self):
        args = self.args
        sets = [m for m in MEMORY_SETS if selected(m[0], args.workloads)]
        want_fork = selected(FORK_NAME, args.workloads)
        if want_fork and not any(m[0] == "mem-string-1k" for m in sets):
            sets.append(("fork-dataset", "", "SET {key} {value}", 1, FORK_SIZE, ["SET", "__bench_probe__", "x"]))
        for name, desc, template, elements, size, probe in sets:
            keys = args.keys if elements == 1 else max(args.keys // elements, 1)
            row = {"kind": "memory", "status": "ok", "desc": desc, "keys": keys, "elements": elements,
                   "size": size, "template": template}
            fork_here = want_fork and size == FORK_SIZE and elements == 1
            fork_row = {"kind": "fork", "status": "ok", "keys": keys, "size": size}
            fork_runs = {"ours": [], "redis": []}
            # Fork cost is page-table copying, and its time per page depends
            # on how physically contiguous the pages are (the kernel's struct
            # page accesses prefetch well along contiguous runs). The server
            # loaded first after the previous servers exit gets their freshly
            # freed, fragmented pages: measured here, whichever server loaded
            # first had runs of ~4 pages and the other runs of tens, and its
            # fork took 1.3-1.5x longer, whichever binary it was. So the fork
            # dataset is loaded --rounds times, the order alternating each
            # round, and the table reports medians; the memory figures come
            # from the first round.
            for rnd in range(args.rounds if fork_here else 1):
                order = ("ours", "redis") if rnd % 2 == 0 else ("redis", "ours")
                for who in order:
                    s = self.start(who)
                    try:
                        if who == "ours":
                            err = s.probe(probe)
                            if err is not None:
                                reason = f"our server rejects {probe[0]}: {err}"
                                row.update(status="skipped", reason=reason)
                                break
                        before = settled_memory_info(s)
                        try:
                            run_tierload(self.rec, self.client_pin, args, s,
                                         ["--load", str(keys), "--elements", str(elements), "--command", template,
                                          "-d", str(size), "-c", str(BENCH_CLIENTS), "-P", "16"], self.timeout)
                        except (RuntimeError, subprocess.TimeoutExpired) as e:
                            row.update(status="error", reason=f"{who}: {e}")
                            break
                        after = settled_memory_info(s)
                        if rnd == 0:
                            row[who] = memory_figures(before, after, keys)
                        if fork_here:
                            self.fork(s, who, keys, size, fork_row)
                            if fork_row["status"] == "ok":
                                fork_runs[who].append(fork_row.pop(who))
                    finally:
                        self.stop(s)
                if row["status"] != "ok" or fork_row["status"] != "ok":
                    break
            if name != "fork-dataset":
                self.rows[name] = row
            if fork_here:
                if row["status"] == "error" and fork_row["status"] == "ok":
                    fork_row.update(status="error", reason="loading the dataset failed: " + row["reason"])
                elif row["status"] == "skipped":
                    fork_row.update(status="skipped", reason=row["reason"])
                if fork_row["status"] == "ok":
                    for who, runs in fork_runs.items():
                        fork_row[who] = median_fork_run(runs)
                self.rows[FORK_NAME] = fork_row

    def fork(self, s, who, keys, size, fork_row):
        import redis
        if fork_row["status"] != "ok":
            return
        try:
            s.client.execute_command("BGSAVE")
        except redis.ResponseError as e:
            if who == "ours":
                fork_row.update(status="skipped", reason=f"our server rejects BGSAVE: {e}")
            else:
                fork_row.update(status="error", reason=f"{who}: BGSAVE: {e}")
            return
        plain = wait_bgsave(s, time.monotonic())
        # Second save with a client overwriting the first 10% of the keys
        # (same size) while the child writes: the pages it dirties are copied.
        overwrite = max(int(keys * FORK_OVERWRITE_FRACTION), 1)
        t0 = time.monotonic()
        s.client.execute_command("BGSAVE")
        writer = self.rec.popen(self.client_pin + [
            self.args.tierload, "-h", "127.0.0.1", "-p", str(s.port), "--json", "--load", str(overwrite),
            "-d", str(size), "-c", str(BENCH_CLIENTS), "-P", "16"])
        busy = wait_bgsave(s, t0, writer)
        out, err = writer.communicate(timeout=self.timeout)
        if writer.returncode != 0:
            fork_row.update(status="error", reason=f"{who}: overwrite client failed: {err.strip() or out.strip()}")
            return
        if plain["status"] != "ok" or busy["status"] != "ok":
            fork_row.update(status="error", reason=f"{who}: BGSAVE status {plain['status']}/{busy['status']}")
            return
        fork_row[who] = {"fork_usec": plain["fork_usec"], "bgsave_s": plain["wall_s"],
                         "cow_idle_bytes": plain["cow_bytes"], "cow_bytes": busy["cow_bytes"],
                         "cow_dram_bytes": busy["cow_dram_bytes"], "cow_nvm_bytes": busy["cow_nvm_bytes"],
                         "bgsave_busy_s": busy["wall_s"], "overwritten_keys": overwrite,
                         "overwrite_within_save": busy["writer_done_first"]}

    # -- eviction --

    def evict(self):
        args = self.args
        sets = [e for e in EVICT_SETS if selected(e[0], args.workloads)]
        for name, policy, size in sets:
            maxmemory = max(args.keys * (size + EVICT_KEY_OVERHEAD) // 4, EVICT_MIN_MAXMEMORY)
            row = {"kind": "evict", "status": "ok", "policy": policy, "size": size, "keys": args.keys,
                   "maxmemory": maxmemory, "runs": {"ours": [], "redis": []}}
            self.rows[name] = row
            flags = ["--maxmemory", str(maxmemory), "--maxmemory-policy", policy]
            for rnd in range(args.rounds):
                order = ("ours", "redis") if rnd % 2 == 0 else ("redis", "ours")
                for who in order:
                    s = self.start(who, flags)
                    try:
                        row["runs"][who].append(self.evict_run(s, size, rnd))
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        row.update(status="error", reason=f"{who}: {e}")
                    finally:
                        self.stop(s)
                    if row["status"] != "ok":
                        break
                if row["status"] != "ok":
                    break
            if row["status"] == "ok":
                for who, runs in row["runs"].items():
                    row[who] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}

    def evict_run(self, s, size, rnd):
        args = self.args
        fill = run_tierload(self.rec, self.client_pin, args, s,
                            ["--keys", str(args.keys), "--dist", "uniform", "--reads", "0", "-d", str(size),
                             "-c", str(BENCH_CLIENTS), "-P", "16", "-n", str(2 * args.keys),
                             "--seed", str(rnd + 1)], self.timeout)
        used = s.info("memory")["used_memory"]
        s.client.config_resetstat()
        run_tierload(self.rec, self.client_pin, args, s,
                     ["--keys", str(args.keys), "--dist", "zipf:0.99", "--reads", "0.9", "-d", str(size),
                      "-c", str(BENCH_CLIENTS), "-P", "16", "-n", str(args.keys), "--seed", str(rnd + 1)],
                     self.timeout)
        stats = s.info("stats")
        hits, misses = stats["keyspace_hits"], stats["keyspace_misses"]
        return {"rps": fill["rps"], "p50_ms": fill["latency_ms"]["p50"], "p99_ms": fill["latency_ms"]["p99"],
                "used_memory": used, "hit_ratio": hits / max(hits + misses, 1),
                "evicted_keys": stats["evicted_keys"]}

    # -- orchestration --

    # -- tiering engine --

    def tier_hot(self):
        args = self.args
        if not selected(TIER_HOT, args.workloads):
            return
        row = {"kind": "tiering", "status": "ok", "keys": args.keys, "runs": {}}
        self.rows[TIER_HOT] = row
        warm, measure = (3, 3) if args.quick else (TIER_WARMUP_S, TIER_MEASURE_S)
        for who in ("ours-static", "ours-hot", "redis"):
            s = self.start("redis" if who == "redis" else "ours")
            try:
                row["runs"][who] = self.tier_hot_run(s, who, warm, measure)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                row.update(status="error", reason=f"{who}: {e}")
            finally:
                self.stop(s)
            if row["status"] != "ok":
                return
        row["ideal_share"] = zipf_head_share(args.keys, args.keys // 10, 0.99)

    def tier_mix(self, s, seconds, offset=0, seed=1):
        args = self.args
        return run_tierload(self.rec, self.client_pin, args, s,
                            ["--keys", str(args.keys), "--dist", "zipf:0.99", "--reads", "0.9", "-d", "1024",
                             "-c", str(BENCH_CLIENTS), "-P", "16", "--duration", str(seconds),
                             "--key-offset", str(offset), "--seed", str(seed)], self.timeout)

    def tier_hot_run(self, s, who, warm, measure):
        args = self.args
        run_tierload(self.rec, self.client_pin, args, s,
                     ["--load", str(args.keys), "-d", "1024", "-c", str(BENCH_CLIENTS), "-P", "16"], self.timeout)
        out = {}
        if who != "redis":
            m = s.info("memory")
            out["payload"] = m["used_memory_nvm"]
            out["budget"] = m["used_memory_dram"] + m["used_memory_nvm"] // 10
            if who == "ours-hot":
                s.client.config_set("tier-dram-max-memory", out["budget"])
                s.client.config_set("tier-policy", "hot")
        self.tier_mix(s, warm, seed=7)
        s.client.config_resetstat()
        rep = self.tier_mix(s, measure)
        out.update(rps=rep["rps"], p50_ms=rep["latency_ms"]["p50"], p99_ms=rep["latency_ms"]["p99"])
        if who == "redis":
            return out
        m = s.info("memory")
        reads = m["tier_reads_dram"] + m["tier_reads_nvm"]
        out.update(dram_share=m["tier_reads_dram"] / max(reads, 1), used_memory_dram=m["used_memory_dram"],
                   mem_clients_normal=m["mem_clients_normal"], promotions=m["tier_promotions"],
                   demotions=m["tier_demotions"])
        if who == "ours-hot":
            out["recovery_s"] = None
            out["recovery_trace"] = []
            start = time.time()
            while time.time() - start < TIER_RECOVERY_MAX_S:
                before = s.info("memory")
                self.tier_mix(s, 1, offset=args.keys // 2, seed=11 + len(out["recovery_trace"]))
                after = s.info("memory")
                d = after["tier_reads_dram"] - before["tier_reads_dram"]
                n = after["tier_reads_nvm"] - before["tier_reads_nvm"]
                share = d / max(d + n, 1)
                out["recovery_trace"].append(round(share, 4))
                if share >= 0.9 * out["dram_share"]:
                    out["recovery_s"] = round(time.time() - start, 1)
                    break
        return out

    def run(self):
        try:
            self.throughput()
            self.evict()
            self.tier_hot()
            self.memory_and_fork()
        finally:
            self.stop_all()


def zipf_head_share(n, k, s):
    """The share of Zipf(s) draws over n keys that fall on the k hottest."""
    weights = [i ** -s for i in range(1, n + 1)]
    return sum(weights[:k]) / sum(weights)


def median_fork_run(runs):
    """The per-field median of one server's fork rounds (every round kept under "rounds")."""
    out = {"rounds": runs}
    for field in ("fork_usec", "bgsave_s", "cow_idle_bytes", "cow_bytes", "cow_dram_bytes", "cow_nvm_bytes",
                  "bgsave_busy_s"):
        values = [r[field] for r in runs if r.get(field) is not None]
        out[field] = statistics.median(values) if values else None
    out["overwritten_keys"] = runs[0]["overwritten_keys"]
    # "yes" only if the overwrite finished within the save in every round.
    out["overwrite_within_save"] = all(r["overwrite_within_save"] for r in runs)
    return out


def wait_bgsave(s, t0, writer=None):
    """Polls INFO until the BGSAVE started at t0 ends; returns its figures."""
    writer_done_first = None
    while True:
        info = s.info("persistence")
        if writer is not None and writer_done_first is None and writer.poll() is not None:
            writer_done_first = info.get("rdb_bgsave_in_progress", 0) == 1
        if info.get("rdb_bgsave_in_progress", 0) == 0:
            break
        time.sleep(0.005)
    wall = time.monotonic() - t0
    if writer is not None and writer_done_first is None:
        writer_done_first = False
    stats = s.info("stats")
    return {"status": info.get("rdb_last_bgsave_status"), "wall_s": wall,
            "fork_usec": stats.get("latest_fork_usec"), "cow_bytes": info.get("rdb_last_cow_size"),
            # Ours only: the copy-on-write split by tier.
            "cow_dram_bytes": info.get("rdb_last_cow_size_dram"), "cow_nvm_bytes": info.get("rdb_last_cow_size_nvm"),
            "writer_done_first": writer_done_first}


# Redis refreshes used_memory_rss in serverCron (every 100 ms at hz 10), so
# INFO read right after a load shows the RSS of before it: wait out a few
# cron periods first.
RSS_SETTLE_S = 0.35


def settled_memory_info(s):
    time.sleep(RSS_SETTLE_S)
    return s.info("memory")


def memory_figures(before, after, keys):
    def delta(field):
        if field not in after or field not in before:
            return None
        return (after[field] - before[field]) / keys

    fig = {"used_memory_per_key": delta("used_memory"), "rss_per_key": delta("used_memory_rss"),
           "used_memory": after.get("used_memory"), "rss": after.get("used_memory_rss")}
    if "used_memory_dram" in after:
        fig["dram_per_key"] = delta("used_memory_dram")
        fig["nvm_per_key"] = delta("used_memory_nvm")
        fig["dram_nvm_ratio"] = after.get("dram_nvm_ratio")
    return fig


# ---- Report ----------------------------------------------------------------------

def git(*a):
    try:
        return subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}{mem}"


def fmt_num(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def render(h, commit, argv, when):
    args = h.args
    lines = [f"# tieredis vs Redis 7.0: {when}", ""]
    lines.append(f"- commit: `{commit}`")
    lines.append(f"- machine: {machine()}")
    lines.append(f"- ours: `{args.ours}` ({h.versions.get('ours', 'not started')}); "
                 f"Redis: `{args.redis}` ({h.versions.get('redis', 'not started')})")
    lines.append("- both servers: `<binary> " + shlex.join(server_flags(0, "DIR")).replace("--port 0", "--port PORT")
                 + "`; " + h.pin_text)
    mode = "quick (smoke run: figures are not meaningful)" if args.quick else "full"
    lines.append(f"- mode: {mode}; {args.rounds} round(s) of the throughput workloads, interleaved "
                 "workload by workload, order alternating per round; medians")
    lines.append(f"- harness: `{shlex.join(['utils/bench/compare.sh'] + argv)}`")
    n16 = args.requests * 5
    lines.append(f"- redis-benchmark: `redis-benchmark -h 127.0.0.1 -p PORT -c {BENCH_CLIENTS} -n N "
                 f"-r {BENCH_KEYSPACE} -P PIPELINE -d SIZE -t TEST --csv` with N = {args.requests:,} (pipeline 1), "
                 f"{n16:,} (pipeline 16), a quarter of that for MSET and LRANGE_100")
    mix_len = f"-n {args.requests * 5}" if args.quick else "--duration 5"
    lines.append(f"- tierload mix: `tierload -p PORT --keys {args.keys} --dist zipf:0.99 --reads 0.9 -d 64 "
                 f"-c {BENCH_CLIENTS} -P PIPELINE --seed ROUND {mix_len}` after "
                 f"`tierload -p PORT --load {args.keys} -d 64 -c {BENCH_CLIENTS} -P 16`")
    lines.append(f"- memory: `tierload -p PORT --load KEYS --elements M --command TEMPLATE -d SIZE "
                 f"-c {BENCH_CLIENTS} -P 16` on a fresh server; per key = (INFO after - INFO before) / KEYS")
    lines.append(f"- fork: {args.rounds} round(s) on fresh servers, the loading order alternating per round; medians. "
                 f"Each: BGSAVE, then BGSAVE with `tierload --load {max(int(args.keys * FORK_OVERWRITE_FRACTION), 1)} "
                 f"-d {FORK_SIZE} -c {BENCH_CLIENTS} -P 16` running (overwrites 10% of the keys)")
    lines.append("- every command line executed: commands.txt; every run: results.json")
    lines.append("")

    lines.append(f"## Throughput ({BENCH_CLIENTS} clients, random keyspace {BENCH_KEYSPACE:,})")
    lines.append("")
    lines.append("| workload | ours req/s | Redis req/s | ratio | ours p50 ms | Redis p50 ms | ours p99 ms | "
                 "Redis p99 ms | p99 ratio |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in rows_of(h, "throughput"):
        if row["status"] != "ok":
            lines.append(f"| {name} | {row['status']}: {md_escape(row['reason'])} | | | | | | | |")
            continue
        o, r = row["ours"], row["redis"]
        lines.append(f"| {name} | {fmt_num(o['rps'])} | {fmt_num(r['rps'])} | {fmt_ratio(o['rps'], r['rps'])} | "
                     f"{o['p50_ms']:.3f} | {r['p50_ms']:.3f} | {o['p99_ms']:.3f} | {r['p99_ms']:.3f} | "
                     f"{fmt_ratio(o['p99_ms'], r['p99_ms'])} |")
    lines.append("")

    lines.append("## Memory per key (bytes, over the empty server)")
    lines.append("")
    lines.append("The last three columns divide by the elements instead of the keys.")
    lines.append("")
    lines.append("| workload | dataset | keys | ours used_memory | Redis used_memory | ratio | ours RSS | Redis RSS | "
                 "ours DRAM | ours NVM | DRAM:NVM | ours DRAM / Redis | per element: ours DRAM | ours NVM | Redis |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in rows_of(h, "memory"):
        dataset = md_escape(row["desc"])
        if row["status"] != "ok":
            lines.append(f"| {name} | {dataset} | {row['keys']:,} | {row['status']}: {md_escape(row['reason'])} "
                         "| | | | | | | | | | | |")
            continue
        o, r = row["ours"], row["redis"]
        dram, nvm = o.get("dram_per_key"), o.get("nvm_per_key")
        ratio = f"1:{nvm / dram:.1f}" if dram and nvm is not None else "n/a"
        lines.append(f"| {name} | {dataset} | {row['keys']:,} | {fmt_num(o['used_memory_per_key'], 1)} | "
                     f"{fmt_num(r['used_memory_per_key'], 1)} | "
                     f"{fmt_ratio(o['used_memory_per_key'], r['used_memory_per_key'])} | "
                     f"{fmt_num(o['rss_per_key'], 1)} | {fmt_num(r['rss_per_key'], 1)} | {fmt_num(dram, 1)} | "
                     f"{fmt_num(nvm, 1)} | {ratio} | {fmt_ratio(dram, r['used_memory_per_key'])} | "
                     f"{per_element(dram, row)} | {per_element(nvm, row)} | "
                     f"{per_element(r['used_memory_per_key'], row)} |")
    lines.append("")

    evict_rows = list(rows_of(h, "evict"))
    if evict_rows:
        lines.append(f"## At the memory limit ({args.keys:,} keys, maxmemory = a quarter of the dataset)")
        lines.append("")
        lines.append(f"SET: `tierload --keys {args.keys} --dist uniform --reads 0 -d SIZE -c {BENCH_CLIENTS} -P 16 "
                     f"-n {2 * args.keys}` on a fresh server; then CONFIG RESETSTAT and the mix "
                     f"`tierload --keys {args.keys} --dist zipf:0.99 --reads 0.9 -d SIZE -c {BENCH_CLIENTS} -P 16 "
                     f"-n {args.keys}`; hit ratio = keyspace_hits / (hits + misses) over the mix.")
        lines.append("")
        lines.append("| workload | maxmemory | ours SET req/s | Redis SET req/s | ratio | ours p99 ms | Redis p99 ms | "
                     "ours used_memory | Redis used_memory | ours hit ratio | Redis hit ratio | "
                     "ours evicted (mix) | Redis evicted (mix) |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, row in evict_rows:
            if row["status"] != "ok":
                lines.append(f"| {name} | {row['status']}: {md_escape(row['reason'])} | | | | | | | | | | | |")
                continue
            o, r = row["ours"], row["redis"]
            lines.append(f"| {name} | {fmt_num(row['maxmemory'])} | {fmt_num(o['rps'])} | {fmt_num(r['rps'])} | "
                         f"{fmt_ratio(o['rps'], r['rps'])} | {o['p99_ms']:.3f} | {r['p99_ms']:.3f} | "
                         f"{fmt_num(o['used_memory'])} | {fmt_num(r['used_memory'])} | "
                         f"{o['hit_ratio']:.4f} | {r['hit_ratio']:.4f} | {fmt_num(o['evicted_keys'])} | "
                         f"{fmt_num(r['evicted_keys'])} |")
        lines.append("")

    row = h.rows.get(TIER_HOT)
    if row is not None:
        lines.append(f"## Tiering engine ({row['keys']:,} keys x 1 KiB, Zipf(0.99) 90% GET / 10% SET)")
        lines.append("")
        if row["status"] != "ok":
            lines.append(f"{TIER_HOT}: {row['status']}: {md_escape(row['reason'])}")
        else:
            runs = row["runs"]
            st, hot, red = runs["ours-static"], runs["ours-hot"], runs["redis"]
            lines.append(f"Loaded with `tierload --load {row['keys']} -d 1024`; hot gets "
                         f"`tier-dram-max-memory` = DRAM after the load + 10% of the payload "
                         f"({fmt_num(hot['budget'])} bytes); {TIER_WARMUP_S} s of the mix, CONFIG RESETSTAT, "
                         f"{TIER_MEASURE_S} s measured (`tierload --dist zipf:0.99 --reads 0.9 -d 1024 -c "
                         f"{BENCH_CLIENTS} -P 16`). Ideal DRAM read share (the hottest 10% of keys in DRAM): "
                         f"{row['ideal_share']:.4f}.")
            lines.append("")
            lines.append("| server | req/s | p50 ms | p99 ms | DRAM read share | share / ideal | used_memory_dram | "
                         "promotions | demotions |")
            lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for who in ("ours-static", "ours-hot"):
                r = runs[who]
                lines.append(f"| {who} | {fmt_num(r['rps'])} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
                             f"{r['dram_share']:.4f} | {r['dram_share'] / row['ideal_share']:.3f} | "
                             f"{fmt_num(r['used_memory_dram'])} | {fmt_num(r['promotions'])} | "
                             f"{fmt_num(r['demotions'])} |")
            lines.append(f"| redis | {fmt_num(red['rps'])} | {red['p50_ms']:.3f} | {red['p99_ms']:.3f} | | | | | |")
            lines.append("")
            lines.append(f"Throughput ours-hot / ours-static: {fmt_ratio(hot['rps'], st['rps'])}; "
                         f"ours-hot / Redis: {fmt_ratio(hot['rps'], red['rps'])}; ours-static / Redis: "
                         f"{fmt_ratio(st['rps'], red['rps'])}. After the hot set moved (--key-offset "
                         f"{row['keys'] // 2}): DRAM read share back to 90% of steady after "
                         f"{hot['recovery_s'] if hot['recovery_s'] is not None else 'more than %d' % TIER_RECOVERY_MAX_S} s "
                         f"(per second: {', '.join(str(x) for x in hot['recovery_trace'])}).")
        lines.append("")

    row = h.rows.get(FORK_NAME)
    if row is not None:
        lines.append(f"## Fork ({row['keys']:,} keys x {row['size']} B)")
        lines.append("")
        if row["status"] != "ok":
            lines.append(f"{FORK_NAME}: {row['status']}: {md_escape(row['reason'])}")
        else:
            lines.append("| workload | server | latest_fork_usec | BGSAVE wall s | COW bytes, idle | "
                         "COW bytes, 10% overwritten | of which DRAM | of which NVM | overwrite done within the save |")
            lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
            for who, label in (("ours", "ours"), ("redis", "Redis")):
                f = row[who]
                lines.append(f"| {FORK_NAME} | {label} | {fmt_num(f['fork_usec'])} | {f['bgsave_s']:.3f} | "
                             f"{fmt_num(f['cow_idle_bytes'])} | {fmt_num(f['cow_bytes'])} | "
                             f"{fmt_num(f.get('cow_dram_bytes'))} | {fmt_num(f.get('cow_nvm_bytes'))} | "
                             f"{'yes' if f['overwrite_within_save'] else 'no (COW undercounts)'} |")
            lines.append(f"| {FORK_NAME} | ours/Redis | {fmt_ratio(row['ours']['fork_usec'], row['redis']['fork_usec'])} | "
                         f"{fmt_ratio(row['ours']['bgsave_s'], row['redis']['bgsave_s'])} | | "
                         f"{fmt_ratio(row['ours']['cow_bytes'], row['redis']['cow_bytes'])} | | | |")
        lines.append("")

    lines.append("## Charts")
    lines.append("")
    lines.append("![throughput ratio](throughput_ratio.png)")
    lines.append("")
    lines.append("![memory per key](memory_per_key.png)")
    lines.append("")
    return "\n".join(lines)


def per_element(per_key, row):
    return fmt_num(per_key / row["elements"], 1) if per_key is not None else "n/a"


def rows_of(h, kind, ok_only=False):
    """(name, row) of the workloads of `kind` that ran or were skipped, in
    the canonical order."""
    for name in all_workload_names():
        row = h.rows.get(name)
        if row is not None and row.get("kind") == kind and (not ok_only or row["status"] == "ok"):
            yield name, row


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def charts(h, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, _ in rows_of(h, "throughput", ok_only=True)]
    fig, axes = plt.subplots(1, 2, figsize=(12, max(3, 0.28 * len(names) + 1.5)), sharey=True)
    tput = [h.rows[n]["ours"]["rps"] / h.rows[n]["redis"]["rps"] for n in names]
    p99 = [h.rows[n]["ours"]["p99_ms"] / h.rows[n]["redis"]["p99_ms"] if h.rows[n]["redis"]["p99_ms"] else 0
           for n in names]
    colors = ["tab:blue" if h.rows[n]["pipeline"] == 1 else "tab:orange" for n in names]
    ys = range(len(names))
    axes[0].barh(ys, tput, color=colors)
    axes[0].axvline(1.0, color="black", linewidth=1)
    axes[0].set_title("throughput, ours / Redis (higher is better)")
    axes[1].barh(ys, p99, color=colors)
    axes[1].axvline(1.1, color="black", linewidth=1, linestyle="--")
    axes[1].set_title("p99 latency, ours / Redis (lower is better; dashed: 1.1)")
    axes[0].set_yticks(list(ys))
    axes[0].set_yticklabels(names, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("blue: pipeline 1, orange: pipeline 16")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "throughput_ratio.png"), dpi=110)
    plt.close(fig)

    mem = [n for n, _ in rows_of(h, "memory", ok_only=True)]
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(mem) + 2), 4.5))
    width = 0.38
    # Per element, so that datasets of 1 and of 1,000 elements per key share
    # one scale (for strings an element is a key).
    for i, n in enumerate(mem):
        row = h.rows[n]
        o, r, m = row["ours"], row["redis"], row["elements"]
        dram = (o.get("dram_per_key") or 0) / m
        nvm = (o.get("nvm_per_key") or 0) / m
        ax.bar(i - width / 2, dram, width, color="tab:red", label="ours: DRAM" if i == 0 else None)
        ax.bar(i - width / 2, nvm, width, bottom=dram, color="tab:green", label="ours: NVM" if i == 0 else None)
        ax.bar(i + width / 2, (r["used_memory_per_key"] or 0) / m, width, color="tab:gray",
               label="Redis 7.0: used_memory" if i == 0 else None)
    ax.set_xticks(list(range(len(mem))))
    ax.set_xticklabels(mem, fontsize=8, rotation=20)
    ax.set_ylabel("bytes per element")
    ax.set_title("memory per element (per key for strings): ours (DRAM + NVM) beside Redis")
    if mem:
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "memory_per_key.png"), dpi=110)
    plt.close(fig)


def main(argv):
    args = parse_args(argv)
    if args.list:
        print("\n".join(all_workload_names()))
        return 0
    for path, what in ((args.ours, "our server"), (args.redis, "Redis"), (args.tierload, "tierload")):
        if not os.access(path, os.X_OK):
            print(f"compare: {what} not found at {path} (run make build / install redis-server)", file=sys.stderr)
            return 1
    if shutil.which("redis-benchmark") is None:
        print("compare: redis-benchmark not found (Debian package redis-tools)", file=sys.stderr)
        return 1
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+dirty"
    now = datetime.datetime.now()
    when = now.strftime("%Y-%m-%d %H:%M")
    out = args.out or os.path.join(ROOT, "utils", "bench", "results", "tmp" if args.quick else "",
                                   f"{now.strftime('%Y%m%d-%H%M%S')}-{commit.replace('+', '-')}")
    os.makedirs(out, exist_ok=True)

    h = Harness(args)
    try:
        h.run()
    except KeyboardInterrupt:
        print("compare: interrupted", file=sys.stderr)
        return 130
    md = render(h, commit, argv, when)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"commit": commit, "when": when, "machine": machine(), "versions": h.versions,
                   "args": vars(args), "workloads": h.rows}, f, indent=1, default=str)
    with open(os.path.join(out, "commands.txt"), "w") as f:
        f.write("\n".join(h.rec.lines) + "\n")
    if not args.no_charts:
        charts(h, out)
    print(md)
    print(f"results: {out}")
    errors = [n for n, r in h.rows.items() if r["status"] == "error"]
    if errors:
        print(f"compare: {len(errors)} workload(s) failed: {', '.join(errors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
