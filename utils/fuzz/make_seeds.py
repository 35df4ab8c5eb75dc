#!/usr/bin/python3
"""Regenerates the seed corpora and dictionaries of the fuzz targets
(tests/fuzz/corpus/<target>/, tests/fuzz/dict/<target>.dict).

Seeds come from real files: Debian's redis-server 7.0 and our
src/redis-server are started side by side (loopback, temporary dirs), filled
with the same dataset (every type and encoding, expiries, two dbs), and
asked for DUMP payloads, RDB files (SAVE), AOF directories (appendonly, with
and without an RDB preamble, with timestamps) and CONFIG REWRITE output.
Encodings no 7.0 server writes any more (ziplist, zipmap, quicklist of
ziplists, plain list/set/zset/hash, string-scored zsets, RDB version 9) are
built here byte by byte. Every seed stays small (a few KB).

Run with Debian's Python, after `make build`:
    /usr/bin/python3 utils/fuzz/make_seeds.py [--ours src/redis-server] [--redis /usr/bin/redis-server]
"""
import argparse
import os
import shutil
import struct
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import dump_util  # noqa: E402  (Redis's CRC-64 and the DUMP footer)
from conftest import ServerProcess  # noqa: E402

FUZZ_DIR = os.path.join(ROOT, "tests", "fuzz")
AOF_SEPARATOR = b"\n%%FILE%%\n"  # tests/fuzz/aof_fuzz.cc
# A deadline far in the future (2100-01-01), so expiring keys survive every
# load of the seeds (the RDB target drops keys expired at 2025-01-01).
FAR_FUTURE_MS = 4102444800000
# Hidden settings, which CONFIG GET * leaves out (config_set_fuzz.cc asks for
# them by name, so its name selector counts them).
HIDDEN_CONFIGS = ["use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period",
                  "loading-process-events-interval-bytes"]


# ----------------------------------------------------------------- servers

class Server(ServerProcess):
    """The integration tests' server (loopback, free port, own temporary
    dir), with a redis-py client in .c and a way to wait for its forks."""

    def __init__(self, binary, *args, config_text=None):
        super().__init__(binary, args, config_text)
        self.c = self.client()

    def wait_no_child(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            p = self.c.info("persistence")
            if not p.get("rdb_bgsave_in_progress") and not p.get("aof_rewrite_in_progress") \
                    and not p.get("aof_rewrite_scheduled"):
                return
            time.sleep(0.05)
        raise RuntimeError("background save did not finish")


# ----------------------------------------------------------------- dataset

def populate(c):
    """Every type in every encoding Redis 7.0 keeps in memory (small
    thresholds where a big value would be needed), expiries, a second db."""
    c.config_set("list-max-listpack-size", 4)
    c.config_set("list-compress-depth", 1)
    c.set("str:raw", "r" * 60)
    c.set("str:emb", "hello")
    c.set("str:int", 12345)
    c.set("str:int64", -9223372036854775808)
    c.set("str:lzf", "abcdefgh" * 40)
    c.set("str:bin", bytes(range(256)))
    c.rpush("list:small", "a", "1", "-5", "x" * 30)
    c.rpush("list:nodes", *[f"item-{i}-" + "z" * (i % 7) for i in range(40)])
    c.rpush("list:ints", *[i * 1000003 - 17 for i in range(-10, 10)])
    c.sadd("set:int16", 1, 2, 3, -4)
    c.sadd("set:int32", 70000, -70000, 5)
    c.sadd("set:int64", 2 ** 40, -2 ** 40, 0)
    c.sadd("set:ht", "a", "b", "c", "1")
    c.zadd("zset:lp", {"a": 1, "b": 2.5, "c": -3, "d": 1e300, "e": float("inf"), "f": 0})
    c.zadd("zset:sl", {"m" * 70: 1, "n": 2, "o": -0.5})
    c.hset("hash:lp", mapping={"f1": "v1", "f2": "123", "f3": "x" * 20, "n": "-7"})
    c.hset("hash:ht", mapping={"f": "y" * 70, "g": "1"})
    c.set("exp:str", "v")
    c.pexpireat("exp:str", FAR_FUTURE_MS)
    c.rpush("exp:list", "a", "b")
    c.pexpireat("exp:list", FAR_FUTURE_MS)
    c.execute_command("SELECT", 3)
    c.set("db3:key", "in db 3")
    c.hset("db3:hash", "a", "b")
    c.execute_command("SELECT", 0)


def pair_servers(ours, real, *args):
    return [("redis", Server(real, *args)), ("ours", Server(ours, *args))]


# ----------------------------------------------------------------- crafted encodings

def rdb_string(b):
    return dump_util.rdb_len(len(b)) + b


def ziplist(elems):
    """A ziplist (Redis <= 6.2) of byte strings and ints in every encoding."""
    body, prev, last = b"", 0, 10
    for e in elems:
        if isinstance(e, int):
            if 0 <= e <= 12:
                enc = bytes([0xF1 + e])
            elif -128 <= e <= 127:
                enc = b"\xFE" + struct.pack("<b", e)
            elif -2 ** 15 <= e < 2 ** 15:
                enc = b"\xC0" + struct.pack("<h", e)
            elif -2 ** 23 <= e < 2 ** 23:
                enc = b"\xF0" + struct.pack("<i", e)[:3]
            elif -2 ** 31 <= e < 2 ** 31:
                enc = b"\xD0" + struct.pack("<i", e)
            else:
                enc = b"\xE0" + struct.pack("<q", e)
        elif len(e) <= 63:
            enc = bytes([len(e)]) + e
        elif len(e) <= 16383:
            enc = bytes([0x40 | (len(e) >> 8), len(e) & 0xFF]) + e
        else:
            enc = b"\x80" + struct.pack(">I", len(e)) + e
        pl = bytes([prev]) if prev < 254 else b"\xFE" + struct.pack("<I", prev)
        entry = pl + enc
        last = 10 + len(body)
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, last, min(len(elems), 65535)) + body + b"\xFF"


def zipmap(pairs):
    """A zipmap (Redis <= 2.4 small hashes)."""
    def zlen(n):
        return bytes([n]) if n < 254 else b"\xFE" + struct.pack("<I", n)
    out = bytes([min(len(pairs), 254)])
    for k, v in pairs:
        out += zlen(len(k)) + k + zlen(len(v)) + b"\x00" + v
    return out + b"\xFF"


def old_score(d):
    """A zset score as RDB type 3 stores it: length-prefixed text."""
    if d != d:
        return b"\xFD"
    if d == float("inf"):
        return b"\xFE"
    if d == float("-inf"):
        return b"\xFF"
    s = repr(d).encode()
    return bytes([len(s)]) + s


def crafted_values():
    """(name, type byte + value) for the encodings no 7.0 server writes."""
    zl_mixed = ziplist([b"a", 5, -100, 300, -70000, 2 ** 40, b"hello", b"x" * 70, 12, 0])
    return [
        ("list_plain", bytes([1]) + dump_util.rdb_len(3) + rdb_string(b"a") + rdb_string(b"bb") + b"\xC0\x07"),
        ("list_ziplist", bytes([10]) + rdb_string(zl_mixed)),
        ("list_quicklist_ziplists", bytes([14, 3]) + rdb_string(ziplist([b"a", 1])) + rdb_string(ziplist([])) +
         rdb_string(ziplist([b"q" * 300, -2]))),
        ("list_quicklist2_plain_nodes", bytes([18, 2, 1]) + rdb_string(b"plain node") + b"\x01" +
         rdb_string(b"p" * 100)),
        ("set_plain", bytes([2]) + dump_util.rdb_len(3) + rdb_string(b"m1") + rdb_string(b"m2") + b"\xC0\x05"),
        ("zset_plain_text_scores", bytes([3]) + dump_util.rdb_len(4) +
         b"".join(rdb_string(m) + old_score(s) for m, s in
                  [(b"a", 1.5), (b"b", float("inf")), (b"c", float("-inf")), (b"d", -2.0)])),
        ("zset_binary_scores", bytes([5]) + dump_util.rdb_len(2) + rdb_string(b"a") + struct.pack("<d", 0.25) +
         rdb_string(b"b") + struct.pack("<d", -1e10)),
        ("zset_ziplist", bytes([12]) + rdb_string(ziplist([b"c", -3, b"a", 1, b"b", b"2.5", b"d", b"2.5"]))),
        ("hash_plain", bytes([4]) + dump_util.rdb_len(2) + rdb_string(b"f") + rdb_string(b"v") +
         rdb_string(b"g") + b"\xC0\x2A"),
        ("hash_ziplist", bytes([13]) + rdb_string(ziplist([b"f1", b"v1", b"f2", 2, b"f3", b"y" * 80]))),
        ("hash_zipmap", bytes([9]) + rdb_string(zipmap([(b"a", b"1"), (b"bb", b"two"), (b"k" * 300, b"v")]))),
        ("string_int8", b"\x00\xC0\x7F"),
        ("string_int16", b"\x00\xC1\x00\x80"),
        ("string_int32", b"\x00\xC2\x00\x00\x00\x80"),
    ]


# ----------------------------------------------------------------- RDB files

def rdb_file(records, version=9):
    """A whole RDB file: header, records (bytes), EOF, CRC-64."""
    data = b"REDIS%04d" % version + b"".join(records) + b"\xFF"
    return data + dump_util.crc64(data).to_bytes(8, "little")


def rdb_aux(k, v):
    return b"\xFA" + rdb_string(k) + rdb_string(v)


def crafted_rdb():
    recs = [rdb_aux(b"redis-ver", b"5.0.7"), rdb_aux(b"redis-bits", b"\xC0\x40"), rdb_aux(b"lua", b"x"),
            b"\xFE\x00", b"\xFB\x08\x01"]
    for i, (name, body) in enumerate(crafted_values()):
        if i == 0:
            recs.append(b"\xFD" + struct.pack("<I", FAR_FUTURE_MS // 1000))  # EXPIRETIME (seconds)
        if i == 1:
            recs.append(b"\xF8\x05")  # IDLE
        if i == 2:
            recs.append(b"\xF9\x07")  # FREQ
        recs.append(body[:1] + rdb_string(name.encode()) + body[1:])
    return rdb_file(recs)


# ----------------------------------------------------------------- AOF

def read_aof_dir(server):
    """The container of aof_fuzz.cc: manifest, then files in load order."""
    d = os.path.join(server.dir, "appendonlydir")
    names = [n for n in os.listdir(d) if n.endswith(".manifest")]
    with open(os.path.join(d, names[0]), "rb") as f:
        manifest = f.read()
    base, incr, hist = [], [], []
    for line in manifest.decode().splitlines():
        w = line.split()
        if len(w) >= 6:
            {"b": base, "i": incr, "h": hist}[w[5]].append(w[1])
    parts = [manifest]
    for n in base + incr + hist:
        with open(os.path.join(d, n), "rb") as f:
            parts.append(f.read())
    return AOF_SEPARATOR.join(parts)


def aof_workload(c):
    """Commands of every family, as they reach an incr file."""
    c.set("s", "v", px=FAR_FUTURE_MS // 1000)
    c.append("s", "more")
    c.incrby("counter", 5)
    c.incrbyfloat("f", 1.5)
    c.setrange("s2", 3, "abc")
    c.getdel("str:emb")
    c.lpush("l", "a", "b", "c")
    c.linsert("l", "BEFORE", "b", "x")
    c.lset("l", 0, "first")
    c.ltrim("l", 0, 2)
    c.lmove("l", "l2", "LEFT", "RIGHT")
    c.rpop("list:small")
    c.sadd("s1", "a", "b", 1)
    c.smove("s1", "s3", "a")
    c.sunionstore("s4", "s1", "s3")
    c.srem("set:int16", 1)
    c.zadd("z", {"a": 1, "b": 2})
    c.zincrby("z", 2.5, "a")
    c.zunionstore("z2", ["z", "zset:lp"])
    c.zpopmin("z")
    c.hset("h", mapping={"a": "1", "b": "2"})
    c.hincrbyfloat("h", "a", 0.5)
    c.hdel("h", "b")
    c.expire("h", 100000)
    c.persist("h")
    c.rename("h", "h2")
    c.copy("h2", "h3")
    c.move("h3", 2)
    c.restore("restored", 0, c.dump("zset:sl"))
    c.sort("list:ints", store="sorted")
    c.delete("list:nodes")
    with c.pipeline(transaction=True) as p:
        p.set("in-multi", 1)
        p.lpush("in-multi-list", "x")
        p.execute()
    c.swapdb(0, 5)
    c.swapdb(0, 5)
    c.execute_command("SELECT", 3)
    c.flushdb()
    c.execute_command("SELECT", 0)


def aof_seeds(ours, real):
    out = {}
    for preamble in ("yes", "no"):
        for name, s in pair_servers(ours, real, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                                    "--appendfsync", "always"):
            try:
                populate(s.c)
                s.c.bgrewriteaof()
                s.wait_no_child()
                aof_workload(s.c)
                out[f"{name}_preamble_{preamble}"] = read_aof_dir(s)
            finally:
                s.stop()
    for name, s in pair_servers(ours, real, "--appendonly", "yes", "--aof-timestamp-enabled", "yes",
                                "--appendfsync", "always"):
        try:
            s.c.set("k", "v")
            s.c.lpush("l", 1, 2)
            out[f"{name}_timestamps"] = read_aof_dir(s)
        finally:
            s.stop()
    # Crafted: several incr files, a history entry, a quoted name, a
    # truncated last command, a MULTI without EXEC, a blocking command.
    manifest = (b"file appendonly.aof.1.base.aof seq 1 type b\n"
                b"file appendonly.aof.1.incr.aof seq 1 type h\n"
                b"file \"append only\\x41.aof.2.incr.aof\" seq 2 type i\n"
                b"file appendonly.aof.3.incr.aof seq 3 type i\n")
    cmd = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    out["crafted_multi_file"] = AOF_SEPARATOR.join([
        manifest, b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + cmd,
        b"*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\n1\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n",
        b"*1\r\n$5\r\nMULTI\r\n" + cmd + b"*1\r\n$4\r\nEXEC\r\n" + cmd[:-5]])
    out["crafted_multi_no_exec"] = AOF_SEPARATOR.join([
        b"file a.aof seq 1 type i\n", b"#TS:1700000000\r\n*1\r\n$5\r\nMULTI\r\n" + cmd])
    return out


# ----------------------------------------------------------------- config

CONFIG_SNIPPETS = {
    "types": b"""# every kind of directive
daemonize no
port 6380
tcp-backlog 128
timeout 0
maxmemory 2gb
maxmemory-policy allkeys-lru
maxmemory-clients 10%
hz 100
save 900 1
save 300 10
save ""
appendfsync everysec
notify-keyspace-events "KEA"
client-output-buffer-limit normal 0 0 0
client-output-buffer-limit replica 256mb 64mb 60
oom-score-adj-values 0 200 800
latency-tracking-info-percentiles 50 99 99.9
shutdown-on-sigterm nosave now
bind 127.0.0.1 -::1
tier-policy static
tier-nvm-min-size 128
tier-embstr-max 20
""",
    "quoting": b"""requirepass "pa ss\\"word\\x01\\n"
masterauth 'single \\' quoted'
dbfilename "dump \\t.rdb"
proc-title-template "{title} {listen-addr} {server-mode}"
rename-command CONFIG ""
rename-command FLUSHALL "b840fc02d524045429941cc15f59e41cb7be6c52"
user alice on >secret ~* +@all
loadmodule /nonexistent/module.so arg1
mymodule.setting value
sentinel
list-max-ziplist-entries 128
""",
    "aliases": b"""slaveof 127.0.0.1 6390
slave-read-only no
hash-max-ziplist-entries 64
zset-max-ziplist-value 32
lua-time-limit 1000
SLAVE-SERVE-STALE-DATA yes
""",
    "bad_line": b"port 6380\nthis-is-not-a-directive yes\n",
    "bad_quotes": b"requirepass \"unterminated\n",
}


def config_seeds(ours, real):
    out = dict(CONFIG_SNIPPETS)
    for name, path in (("debian_redis_conf", "/etc/redis/redis.conf"),
                       ("our_redis_conf", os.path.join(ROOT, "redis.conf"))):
        if os.path.exists(path):
            with open(path, "rb") as f:
                lines = [ln for ln in f.read().splitlines()
                         if ln.strip() and not ln.lstrip().startswith(b"#")
                         and ln.split()[0].lower() not in (b"include", b"logfile", b"dir", b"pidfile")]
            out[name] = b"\n".join(lines) + b"\n"
    # CONFIG REWRITE output of both servers after changing many settings.
    for name, binary in (("redis", real), ("ours", ours)):
        s = Server(binary, config_text="# seeds\nport 0\n")
        try:
            s.c.config_set("maxmemory", "123mb")
            s.c.config_set("save", "100 1 10 20")
            s.c.config_set("notify-keyspace-events", "Kx")
            s.c.config_set("client-output-buffer-limit", "pubsub 1mb 512kb 10")
            s.c.config_set("hash-max-listpack-entries", "17")
            s.c.config_set("masterauth", "a \"quoted\" pass")
            s.c.config_rewrite()
            with open(s.config, "rb") as f:
                lines = [ln for ln in f.read().splitlines()
                         if not ln.split() or ln.split()[0].lower() not in (b"logfile", b"dir", b"port")]
            out[f"{name}_rewrite"] = b"\n".join(lines) + b"\n"
        finally:
            s.stop()
    return out


def config_names(ours):
    s = Server(ours)
    try:
        names = sorted(set(k if isinstance(k, str) else k.decode() for k in s.c.config_get("*")) |
                       set(HIDDEN_CONFIGS))
        values = {k if isinstance(k, str) else k.decode(): v for k, v in s.c.config_get("*").items()}
        commands = sorted(set(c[0].decode() if isinstance(c[0], bytes) else c[0]
                              for c in s.c.execute_command("COMMAND")))
    finally:
        s.stop()
    return names, values, commands


def config_set_seeds(names, values):
    """config_set_fuzz.cc's format: flags, then <name index> <len> <value>."""
    index = {n: i for i, n in enumerate(names)}
    groups = [
        [("maxmemory", "1gb"), ("maxmemory-policy", "volatile-lfu"), ("hz", "1000"), ("timeout", "30")],
        [("save", "900 1 300 10"), ("appendfsync", "no"), ("notify-keyspace-events", "AKE"),
         ("client-output-buffer-limit", "normal 1mb 512kb 10 pubsub 0 0 0")],
        [("requirepass", "with space"), ("masterauth", "q\"uote"), ("dbfilename", "x y.rdb"),
         ("appendfilename", "a.aof")],
        [("bind", "127.0.0.1 ::1"), ("oom-score-adj-values", "1 2 3"),
         ("latency-tracking-info-percentiles", "1.5 99.99"), ("shutdown-on-sigint", "save now")],
        [("proc-title-template", "{title} {port}"), ("replicaof", "127.0.0.1 6399"), ("replicaof", "no one")],
        [("requirepass", "tab\there"), ("masteruser", "new\nline"), ("bind", "127.0.0.1\n"),
         ("cluster-announce-ip", "\x01\x7f")],
        [("tier-policy", "dram-only"), ("tier-nvm-min-size", "4096"), ("tier-embstr-max", "10"),
         ("tier-nvm-node", "auto")],
        [("slave-read-only", "no"), ("hash-max-ziplist-entries", "5"), ("lua-time-limit", "10")],
        [("save", ""), ("notify-keyspace-events", ""), ("maxmemory-clients", "5%")],
    ]
    # Every setting at its current value, ten to a seed.
    singles = [(n, values[n]) for n in sorted(values)]
    groups += [singles[i:i + 10] for i in range(0, len(singles), 10)]
    out = {}
    for gi, group in enumerate(groups):
        for flags in ((0, 1) if gi < 9 else (0,)):
            b = bytes([flags])
            for n, v in group:
                if n not in index:
                    continue
                v = v.encode() if isinstance(v, str) else v
                b += bytes([index[n], min(len(v), 255)]) + v[:255]
            if len(b) > 1:
                out[f"group{gi:02d}_{'one' if flags else 'each'}_call"] = b
    return out


# ----------------------------------------------------------------- RESP requests

def resp_seeds():
    def mb(*args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        return out
    streams = {
        "ping_inline": b"PING\r\n",
        "inline_quotes": b"SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\nGET  a\n\n",
        "multibulk_set_get": mb("SET", "key", "value") + mb("GET", "key"),
        "pipeline_mixed": mb("LPUSH", "l", "a", "b") + b"LRANGE l 0 -1\r\n" + mb("DEL", "l") + b"*0\r\n*-1\r\n",
        "binary_bulk": mb("SET", b"k\x00\r\n", bytes(range(256))),
        "big_count": b"*1024\r\n" + b"$1\r\nx\r\n" * 20,
        "errors": b"*2\r\n$3\r\nGET\r\n:5\r\n",
        "bad_bulk_len": b"*1\r\n$-5\r\n",
        "nul_in_inline": b"GET \x00key\r\n",
        "unbalanced": b"SET \"a\r\n",
    }
    out = {}
    for name, s in streams.items():
        for hdr_name, hdr in (("whole", b"\x00\x0c\x00\x00\x01\x00\x00\x00"),
                              ("bytes", b"\x00\x00\x00\x00\x02\x00\x00\x00"),
                              ("small_limits", b"\x03\x03\x10\x01\x03\x00\x00\x00")):
            out[f"{name}_{hdr_name}"] = hdr + s
    return out


# ----------------------------------------------------------------- dictionaries

def dict_lines(tokens):
    out = []
    for t in tokens:
        t = t.encode() if isinstance(t, str) else t
        esc = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\x%02X" % b for b in t)
        out.append(f'"{esc}"')
    return "\n".join(out) + "\n"


def dictionaries(names, commands):
    cmd_tokens = [c.upper() for c in commands if len(c) <= 16]
    return {
        "resp_parser": ["*", "$", "\r\n", "\n", "*1\r\n", "*2\r\n", "$0\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n",
                        "\"", "'", "\\x", "\\x41", "\\n", "\\\"", "\x00", "PING", "SET", "GET"],
        "restore": ["\x00", "\xFF", "\xC0", "\xC1", "\xC2", "\xC3", "\x80", "\x81", "\x40", "\xFE", "\xF0",
                    "\xD0", "\xE0", "\xF1", "\xFD", "\xF2", "\xF3", "\xF4", "\x01", "\x02", "\x0A", "\x0E",
                    "\x10", "\x11", "\x12", "\x0B", "\x0C", "\x0D", "\x09"],
        "rdb": ["REDIS0010", "REDIS0009", "REDIS0006", "\xFA", "\xFB", "\xFC", "\xFD", "\xFE", "\xF8", "\xF9",
                "\xF5", "\xF6", "\xF7", "\xFF", "redis-ver", "redis-bits", "ctime", "used-mem", "aof-base",
                "lua", "\xC0", "\xC1", "\xC2", "\xC3", "\x80", "\x81"],
        "aof": ["\n%%FILE%%\n", "file ", " seq ", " type b\n", " type i\n", " type h\n", "appendonly.aof",
                ".base.rdb", ".incr.aof", "#TS:", "*1\r\n$5\r\nMULTI\r\n", "*1\r\n$4\r\nEXEC\r\n", "REDIS0010",
                "\r\n$"] + cmd_tokens,
        "config": [n + " " for n in names] + ["yes", "no", "mb", "gb", "kb", "%", "\"", "'", "\\x", "\\n",
                                              "include ", "rename-command ", "user ", "loadmodule "],
        "config_set": ["yes", "no", "1mb", "1gb", "100%", "-1", " ", "\"", "'", "\\", "\n", "\r", "\x00",
                       "\x7f", "{title}", "{port}", "no one", "allkeys-lru", "normal ", "replica ", "pubsub "],
    }


# ----------------------------------------------------------- cluster bus

def bus_message(mtype, sender, data=b"", count=0, current_epoch=2, config_epoch=1, offset=0, slots=(),
                slaveof=b"", flags=1, mflags=0, ext=b"", n_ext=0):
    """One cluster bus message in Redis 7.0's layout (cluster.h's clusterMsg):
    the 2256-byte header, then `data` (gossip entries, FAIL, UPDATE, ...)
    and the ping extensions `ext`."""
    bitmap = bytearray(2048)
    for s in slots:
        bitmap[s // 8] |= 1 << (s & 7)
    body = data + ext
    hdr = struct.pack(">4sIHHHHQQQ40s2048s40s46sH30sHHHB3s", b"RCmb", 2256 + len(body), 1, 7001, mtype, count,
                      current_epoch, config_epoch, offset, sender, bytes(bitmap), slaveof, b"127.0.0.1",
                      n_ext, b"", 0, 17001, flags, 0, bytes([mflags, 0, 0]))
    assert len(hdr) == 2256
    return hdr + body


def gossip(name, flags, port, ip=b"127.0.0.1"):
    return struct.pack(">40sII46sHHHHH", name, 0, 0, ip, port, port + 10000, flags, 0, 0)


def cluster_bus_seeds():
    """Messages from the nodes of cluster::FuzzBusInput's table: myself
    'a'*40 (slots 0-8191), the master 'b'*40 (the rest), its replica 'c'*40;
    'd'*40 is new. Several messages per seed, as a link carries them."""
    a, b, c, d = (ch * 40 for ch in (b"a", b"b", b"c", b"d"))
    theirs = range(8192, 16384)
    host = b"node-b.example\0"
    ext = struct.pack(">HHI", 0, 0, 8 + (len(host) + 7) // 8 * 8) + host.ljust((len(host) + 7) // 8 * 8, b"\0")
    ping = bus_message(0, b, gossip(c, 2 | 4, 7002) + gossip(d, 1, 7004), count=2, slots=theirs, mflags=4,
                       ext=ext, n_ext=1)
    return {
        "ping_gossip_hostname": ping,
        "pong_steals_slots": bus_message(1, b, config_epoch=5, current_epoch=5, slots=range(0, 16384)),
        "meet_unknown": bus_message(2, d, gossip(b, 1, 7001), count=1, flags=1),
        "fail_of_master": ping + bus_message(3, c, b, flags=2, slaveof=b),
        "auth_request": bus_message(5, c, current_epoch=3, slots=theirs, flags=2, slaveof=b, mflags=2),
        "auth_ack": bus_message(6, b, current_epoch=3, slots=theirs),
        "update": bus_message(7, b, struct.pack(">Q40s", 9, b) + bytes(2048), current_epoch=9),
        "publish": bus_message(4, b, struct.pack(">II", 2, 5) + b"chmsg!!!"),
        "publishshard": bus_message(10, b, struct.pack(">II", 2, 5) + b"chmsg!!!", slots=theirs),
        "mfstart": bus_message(8, c, flags=2, slaveof=a),
        "replica_of_me_paused": bus_message(0, c, flags=2, slaveof=a, offset=100, mflags=1),
    }


# ----------------------------------------------------------------- main

def write_corpus(target, seeds):
    d = os.path.join(FUZZ_DIR, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for name, data in list(seeds.items()):
        if data in seen:  # ours and Redis often write the very same bytes
            del seeds[name]
            continue
        seen.add(data)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    total = sum(len(v) for v in seeds.values())
    print(f"{target}: {len(seeds)} seeds, {total} bytes, largest {max(len(v) for v in seeds.values())}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    a = ap.parse_args()
    ours, real = os.path.abspath(a.ours), a.redis

    restore, rdb = {}, {}
    for name, s in pair_servers(ours, real):
        try:
            populate(s.c)
            for key in sorted(k.decode() for k in s.c.keys("*")):
                payload = s.c.dump(key)
                restore[f"{name}_{key.replace(':', '_')}"] = payload[:-10]  # the target adds the footer
            s.c.save()
            with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
                rdb[f"{name}_all_types"] = f.read()
            s.c.config_set("rdbcompression", "no")
            s.c.save()
            with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
                rdb[f"{name}_uncompressed"] = f.read()
            s.c.flushall()
            s.c.set("only", "key")
            s.c.save()
            with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
                rdb[f"{name}_one_key"] = f.read()
        finally:
            s.stop()
    for name, body in crafted_values():
        restore[f"crafted_{name}"] = body
    rdb["crafted_v9_old_encodings"] = crafted_rdb()
    rdb["crafted_empty_v6"] = rdb_file([], version=6)
    rdb["crafted_v3_no_checksum"] = b"REDIS0003\xFE\x00\x00\x01k\x01v\xFF"

    names, values, commands = config_names(ours)
    write_corpus("resp_parser", resp_seeds())
    write_corpus("restore", restore)
    write_corpus("rdb", rdb)
    write_corpus("aof", aof_seeds(ours, real))
    write_corpus("config", config_seeds(ours, real))
    write_corpus("config_set", config_set_seeds(names, values))
    write_corpus("cluster_bus", cluster_bus_seeds())
    os.makedirs(os.path.join(FUZZ_DIR, "dict"), exist_ok=True)
    for target, tokens in dictionaries(names, commands).items():
        with open(os.path.join(FUZZ_DIR, "dict", f"{target}.dict"), "w") as f:
            f.write(f"# libFuzzer dictionary of {target}_fuzz, written by utils/fuzz/make_seeds.py\n")
            f.write(dict_lines(tokens))


if __name__ == "__main__":
    main()
