"""Helpers for the persistence tests: datasets, key-by-key snapshots, and
starting servers (ours or Debian's) on a directory that outlives them."""
import os
import random
import subprocess
import time

import redis

from conftest import OUR_SERVER, free_port

DBS = 16


def fill_dataset(c, n=200, seed=1, collections=True):
    """Strings of every RDB string encoding (int8/16/32, big ints, short,
    LZF-compressible, binary), with and without TTLs, in several dbs, and
    (collections) lists, hashes, sets and zsets in every encoding."""
    for db in (0, 3, 9):
        c.execute_command("SELECT", db)
        p = c.pipeline(transaction=False)
        for i in range(n):
            k = f"k:{db}:{i}"
            kind = i % 8
            if kind == 0:
                p.set(k, str(i - n))                 # small ints (int8/16)
            elif kind == 1:
                p.set(k, str(2 ** 40 + i))           # too big for int32: digits
            elif kind == 2:
                p.set(k, "v" * (30 + i))             # LZF-compressible
            elif kind == 3:
                p.set(k, bytes([j % 256 for j in range(i % 300)]))  # binary
            elif kind == 4:
                p.set(k, f"val{i}", ex=1000 + i)     # TTL
            elif kind == 5:
                p.set(k, "x" * 2000, px=3_600_000)   # long value with TTL
            elif kind == 6:
                p.set(k, "007")                      # not canonical: stays a string
            else:
                p.set(k, str(-(2 ** 31)))            # int32 min
        p.execute()
        if collections:
            fill_collections(c, db, seed)
    c.execute_command("SELECT", 0)


def fill_collections(c, db, seed):
    """Lists, hashes, sets and zsets in each of their encodings (and the
    RDB types they are saved as), some with TTLs, in the selected db."""
    rnd = random.Random(seed * 100 + db)
    p = c.pipeline(transaction=False)
    for i in range(6):
        big = i % 2 == 1
        n = 2000 if big else 5
        # lists: quicklist nodes (many when big), ints and strings mixed
        p.rpush(f"list:{db}:{i}", *[rnd.choice([str(j), "e" * (j % 90), str(-j * 1000003)]) for j in range(n)])
        # hashes: listpack, or hashtable (many fields, or one long value)
        fields = {f"f{j}": rnd.choice([str(j), "v" * (j % 70), "w" * 200 if j == 3 and i == 2 else "x"])
                  for j in range(600 if big else 4)}
        p.hset(f"hash:{db}:{i}", mapping=fields)
        # sets: intset (ints only), or hashtable
        members = [str(j * 7) for j in range(n)] if i < 2 else [f"m{j}" for j in range(n)]
        p.sadd(f"set:{db}:{i}", *members)
        # zsets: listpack, or skiplist; integral, fractional and inf scores
        scores = {f"z{j}": rnd.choice([j, j / 3, float("inf"), -1.5e-7]) for j in range(300 if big else 6)}
        p.zadd(f"zset:{db}:{i}", scores)
        if i % 3 == 0:
            for t in ("list", "hash", "set", "zset"):
                p.pexpire(f"{t}:{db}:{i}", 3_600_000 + i)
    p.execute()


def value_of(c, key, t):
    if t == b"string":
        return c.get(key)
    if t == b"list":
        return c.lrange(key, 0, -1)
    if t == b"hash":
        return sorted(c.hgetall(key).items())
    if t == b"set":
        return sorted(c.smembers(key))
    if t == b"zset":
        return c.zrange(key, 0, -1, withscores=True)
    raise AssertionError(f"unexpected type {t}")


def snapshot(port, ttl_slack_ms=5000):
    """{(db, key): (type, value, ttl bucket)} over every db. TTLs are
    compared as 'none' or rounded down to ttl_slack_ms."""
    wait_ready(port)
    out = {}
    for db in range(DBS):
        c = redis.Redis(host="127.0.0.1", port=port, db=db, socket_timeout=30)
        for key in c.scan_iter(count=1000):
            t = c.type(key)
            if t == b"none":
                continue  # expired between SCAN and TYPE
            pttl = c.pttl(key)
            enc = c.object("encoding", key)
            out[(db, key)] = (t, enc, value_of(c, key, t), None if pttl < 0 else pttl // ttl_slack_ms)
        c.close()
    return out


def wait_ready(port, timeout=30):
    """Waits until the server answers commands (start-up loading is over)."""
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    deadline = time.time() + timeout
    while True:
        try:
            c.ping()
            break
        except redis.exceptions.BusyLoadingError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    c.close()


def assert_same(a, b):
    assert a.keys() == b.keys(), f"keys differ: only in first {list(a.keys() - b.keys())[:5]}, " \
                                 f"only in second {list(b.keys() - a.keys())[:5]}"
    for k in a:
        ta, ea, va, la = a[k]
        tb, eb, vb, lb = b[k]
        assert (ta, ea, va) == (tb, eb, vb), k
        # TTL buckets may straddle a boundary between the two reads.
        assert (la is None) == (lb is None), k
        if la is not None:
            assert abs(la - lb) <= 1, k


def wait_for(pred, timeout=20, interval=0.02, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def info(c, section="persistence"):
    return c.info(section)


def wait_bgsave(c):
    wait_for(lambda: info(c)["rdb_bgsave_in_progress"] == 0, what="bgsave to finish")


def wait_rewrite(c):
    wait_for(lambda: info(c)["aof_rewrite_in_progress"] == 0 and info(c)["aof_rewrite_scheduled"] == 0,
             what="aof rewrite to finish")


def stop(s):
    """Stops a ServerProcess with SIGTERM (which saves when save points are
    configured) and waits for it."""
    s.proc.terminate()
    s.proc.wait(timeout=20)


def run_until_exit(args, cwd, timeout=20):
    """Runs a server expected to refuse to start; returns (returncode, log)."""
    log = os.path.join(cwd, "refuse.log")
    if os.path.exists(log):
        os.unlink(log)
    cmd = [OUR_SERVER, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir", cwd,
           "--logfile", log] + list(args)
    p = subprocess.run(cmd, cwd=cwd, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(log, errors="replace") as f:
        return p.returncode, f.read()
