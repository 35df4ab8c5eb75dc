"""BITOP, BITFIELD and BITFIELD_RO (src/commands/string_cmds.cc), checked
against Debian's redis-server 7.0: the same commands on both servers give
identical replies, errors, values, encodings, dirty counts and keyspace
events. SETBIT/GETBIT/BITCOUNT/BITPOS are covered in test_string.py."""
import random

import pytest

from differential import assert_breaks_watch, assert_same_keyspace_events, outcome, raw, same  # noqa: F401
from differential import resp3_transcript


def same_values(r, real, keys, ctx=""):
    for k in keys:
        assert outcome(r, "GET", k) == outcome(real, "GET", k), f"{ctx}: GET {k!r}"
        assert outcome(r, "OBJECT", "ENCODING", k) == outcome(real, "OBJECT", "ENCODING", k), f"{ctx}: {k!r}"
        assert raw(r, "TTL", k) == raw(real, "TTL", k), f"{ctx}: TTL {k!r}"


def run_diff(r, real, cmds, keys):
    for cmd in cmds:
        same(r, real, *cmd)
        same_values(r, real, keys, ctx=repr(cmd))


# ---------------------------------------------------------------- BITOP

def test_bitop_examples(r, real):
    cmds = [("SET", "a", "foobar"), ("SET", "b", "abcdef"), ("SET", "n", "12345"), ("SET", "e", ""),
            ("SET", "long", "x" * 100), ("SET", "d", "old", "EX", "100"), ("RPUSH", "l", "x")]
    for op in ["AND", "or", "Xor"]:
        cmds += [("BITOP", op, "d", "a", "b"), ("BITOP", op, "d", "a", "long"), ("BITOP", op, "d", "long", "a", "n"),
                 ("BITOP", op, "d", "a"), ("BITOP", op, "d", "missing"), ("BITOP", op, "d", "a", "missing"),
                 ("BITOP", op, "d", "missing", "a"), ("BITOP", op, "d", "e", "e"), ("BITOP", op, "d", "a", "l"),
                 ("BITOP", op, "d", "l", "missing"), ("BITOP", op, "a", "a", "b"), ("SET", "d", "z", "EX", "100")]
    cmds += [("BITOP", "NOT", "d", "a"), ("BITOP", "not", "d", "n"), ("BITOP", "NOT", "d", "missing"),
             ("BITOP", "NOT", "d", "a", "b"), ("BITOP", "NOT", "d", "l"), ("BITOP", "nand", "d", "a"),
             ("BITOP", "NOT", "d", "e"), ("BITOP", "NOT", "d", "d"), ("BITOP", "AND", "d"), ("BITOP", "AND"),
             ("BITOP", "AND", "l", "a"), ("TYPE", "l"), ("BITOP", "OR", "n2", "n", "n"), ("STRLEN", "n2")]
    run_diff(r, real, cmds, keys=["a", "b", "n", "e", "long", "d", "n2"])


def test_bitop_random(r, real):
    rnd = random.Random(16)
    for _ in range(200):
        keys = []
        for i in range(rnd.randint(1, 4)):
            n = rnd.randint(0, 40)
            data = bytes(rnd.randrange(256) for _ in range(n))
            for c in (r, real):
                c.set(f"s{i}", data)
            keys.append(f"s{i}")
        if rnd.random() < 0.3:
            keys.append("nokey")
        op = rnd.choice(["AND", "OR", "XOR", "NOT"])
        if op == "NOT":
            keys = keys[:1]
        same(r, real, "BITOP", op, "dst", *keys)
        assert raw(r, "GET", "dst") == raw(real, "GET", "dst"), (op, keys)


def test_bitop_large_word_path(r, real):
    rnd = random.Random(3)
    a = bytes(rnd.randrange(256) for _ in range(100003))
    b = bytes(rnd.randrange(256) for _ in range(70001))
    for c in (r, real):
        c.mset({"a": a, "b": b})
    for op in ["AND", "OR", "XOR"]:
        same(r, real, "BITOP", op, "d", "a", "b", "a")
        assert raw(r, "GET", "d") == raw(real, "GET", "d")
        same(r, real, "BITCOUNT", "d")
    same(r, real, "BITOP", "NOT", "d", "a")
    assert raw(r, "GET", "d") == raw(real, "GET", "d")


# ---------------------------------------------------------------- BITFIELD

def test_bitfield_examples(r, real):
    cmds = [("SET", "k", "foobar"), ("SET", "n", "1234"), ("RPUSH", "l", "x")]
    for key in ["k", "n", "missing", "l"]:
        cmds += [("BITFIELD", key), ("BITFIELD", key, "GET", "u8", "0"), ("BITFIELD", key, "GET", "i8", "0"),
                 ("BITFIELD", key, "GET", "i64", "0"), ("BITFIELD", key, "GET", "u63", "3"),
                 ("BITFIELD", key, "GET", "i5", "#3"), ("BITFIELD", key, "GET", "u4", "100"),
                 ("BITFIELD", key, "GET", "u63", "45"), ("BITFIELD", key, "GET", "i64", "#0", "GET", "u1", "7"),
                 ("BITFIELD_RO", key, "GET", "u8", "8"), ("BITFIELD_RO", key), ("BITFIELD_RO", key, "GET", "u2", "#9")]
    cmds += [
        ("BITFIELD", "k", "GET", "u64", "0"), ("BITFIELD", "k", "GET", "i65", "0"), ("BITFIELD", "k", "GET", "u0", "0"),
        ("BITFIELD", "k", "GET", "i0", "0"), ("BITFIELD", "k", "GET", "x8", "0"), ("BITFIELD", "k", "GET", "", "0"),
        ("BITFIELD", "k", "GET", "u", "0"), ("BITFIELD", "k", "GET", "I8", "0"), ("BITFIELD", "k", "GET", "U8", "0"),
        ("BITFIELD", "k", "GET", "u08", "0"), ("BITFIELD", "k", "GET", "u+8", "0"), ("BITFIELD", "k", "GET", "u8", "-1"),
        ("BITFIELD", "k", "GET", "u8", "a"), ("BITFIELD", "k", "GET", "u8", "#"), ("BITFIELD", "k", "GET", "u8", "#-1"),
        ("BITFIELD", "k", "GET", "u8", "4294967296"), ("BITFIELD", "k", "GET", "u8", "4294967295"),
        ("BITFIELD", "k", "GET", "u8", "##1"), ("BITFIELD", "k", "GET", "u8", "#536870911"),
        ("BITFIELD", "k", "GET", "u8", "#536870912"), ("BITFIELD", "k", "GET", "i64", "#9223372036854775807"),
        ("BITFIELD", "k", "GET", "u8"), ("BITFIELD", "k", "SET", "u8", "0"), ("BITFIELD", "k", "FOO"),
        ("BITFIELD", "k", "OVERFLOW"), ("BITFIELD", "k", "OVERFLOW", "foo"), ("BITFIELD", "k", "OVERFLOW", "sat"),
        ("BITFIELD", "k", "OVERFLOW", "foo", "GET", "x8", "0"), ("BITFIELD", "k", "GET", "x8", "0", "OVERFLOW", "foo"),
        ("BITFIELD", "k", "SET", "u8", "0", "a"), ("BITFIELD", "k", "INCRBY", "u8", "0", "1.5"),
        ("BITFIELD", "k", "INCRBY", "u8", "0", "99999999999999999999"), ("BITFIELD", "k", "SET", "u8", "x", "a"),
        ("BITFIELD", "k", "GET", "u8", "0", "SET", "u8", "0", "65"), ("BITFIELD", "k", "INCRBY", "i8", "#1", "3"),
        ("BITFIELD", "k", "SET", "i16", "#100", "-2", "GET", "i16", "#100"), ("STRLEN", "k"),
        ("BITFIELD_RO", "k", "SET", "u8", "0", "1"), ("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"),
        ("BITFIELD_RO", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "x"), ("BITFIELD_RO", "k", "OVERFLOW", "SAT"),
        ("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"), ("BITFIELD_RO", "missing", "SET", "u8", "0", "1"),
        ("BITFIELD", "l", "SET", "u8", "0", "1"), ("BITFIELD", "new", "SET", "u1", "1000", "1"), ("GET", "new"),
        ("BITFIELD", "new2", "INCRBY", "i64", "0", "0"), ("BITFIELD", "n", "SET", "u8", "0", "50"),
        ("SET", "t", "v", "EX", "100"), ("BITFIELD", "t", "SET", "u8", "0", "1"),
        ("BITFIELD", "new3", "OVERFLOW", "FAIL", "SET", "u2", "0", "7"), ("EXISTS", "new3"),
        ("BITFIELD", "k", "INCRBY", "u63", "5", "9223372036854775807"),
        ("BITFIELD", "k", "SET", "i64", "13", "-9223372036854775808"), ("BITFIELD", "k", "GET", "i64", "13"),
    ]
    run_diff(r, real, cmds, keys=["k", "n", "new", "new2", "new3", "t"])


def test_bitfield_overflow_matrix(r, real):
    """Every overflow policy, sign and width against values at and past the
    limits, for SET and INCRBY."""
    values = [0, 1, -1, 2, -2, 3, 7, 8, -8, -9, 15, 16, 127, 128, -128, -129, 255, 256, 2**31 - 1, 2**31,
              -2**31, 2**32, 2**62, 2**63 - 1, -2**63, -2**63 + 1, 2**63 - 2, -(2**62)]
    types = ["u1", "u2", "u7", "u8", "u15", "u32", "u62", "u63", "i1", "i2", "i8", "i9", "i32", "i63", "i64"]
    for t in types:
        for ow in ["WRAP", "SAT", "FAIL"]:
            cmds = []
            for v in values:
                cmds.append(("BITFIELD", "m", "OVERFLOW", ow, "SET", t, "3", str(v)))
                cmds.append(("BITFIELD", "m", "OVERFLOW", ow, "INCRBY", t, "3", str(v), "GET", t, "3"))
                cmds.append(("BITFIELD", "m", "OVERFLOW", ow, "INCRBY", t, "3", str(-v if v != -2**63 else v)))
            with r.pipeline(transaction=False) as p1, real.pipeline(transaction=False) as p2:
                for cmd in cmds:
                    p1.execute_command(*cmd)
                    p2.execute_command(*cmd)
                ours = p1.execute(raise_on_error=False)
                theirs = p2.execute(raise_on_error=False)
            assert ours == theirs, (t, ow)
            assert raw(r, "GET", "m") == raw(real, "GET", "m"), (t, ow)


def test_bitfield_random(r, real):
    rnd = random.Random(42)
    data = bytes(rnd.randrange(256) for _ in range(30))
    for c in (r, real):
        c.set("f", data)
    for _ in range(400):
        args = []
        for _ in range(rnd.randint(1, 4)):
            sign = rnd.choice("iu")
            bits = rnd.randint(1, 64 if sign == "i" else 63)
            t = f"{sign}{bits}"
            off = rnd.choice([str(rnd.randint(0, 260)), f"#{rnd.randint(0, 8)}"])
            kind = rnd.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if kind == "GET":
                args += ["GET", t, off]
            elif kind == "OVERFLOW":
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            else:
                v = rnd.choice([rnd.randint(-2**63, 2**63 - 1), rnd.randint(-300, 300), 2**(bits - 1), -2**(bits - 1)])
                args += [kind, t, off, str(v)]
        same(r, real, "BITFIELD", "f", *args)
        assert raw(r, "GET", "f") == raw(real, "GET", "f"), args


def test_bitfield_proto_max_bulk_len(r, real):
    for c in (r, real):
        c.config_set("proto-max-bulk-len", str(1024 * 1024))
    try:
        for cmd in [("BITFIELD", "x", "SET", "u8", str(8 * 1024 * 1024), "1"),
                    ("BITFIELD", "x", "SET", "u8", str(8 * 1024 * 1024 - 8), "1"), ("STRLEN", "x"),
                    ("BITFIELD", "x", "SET", "u8", str(8 * 1024 * 1024 - 1), "1"), ("STRLEN", "x"),
                    ("BITFIELD", "x", "GET", "u8", "#131072"), ("SETBIT", "y", str(8 * 1024 * 1024), "1"),
                    ("SETBIT", "y", str(8 * 1024 * 1024 - 1), "1"), ("STRLEN", "y")]:
            same(r, real, *cmd)
    finally:
        for c in (r, real):
            c.config_set("proto-max-bulk-len", str(512 * 1024 * 1024))


# ---------------------------------------------------------------- bookkeeping

def _dirty(c):
    return c.info("persistence")["rdb_changes_since_last_save"]


def test_dirty_counter(r, real):
    seq = [("SET", "a", "xyz"), ("BITOP", "AND", "d", "a", "a"), ("BITOP", "AND", "d", "nokey"),
           ("BITOP", "AND", "d", "nokey"), ("BITOP", "OR", "d", "nokey", "a"),
           ("BITFIELD", "a", "GET", "u8", "0"), ("BITFIELD", "a", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "1"),
           ("BITFIELD", "a", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"),
           ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"), ("BITFIELD", "a", "SET", "u8", "x", "1")]
    for cmd in seq:
        before_ours, before_real = _dirty(r), _dirty(real)
        same(r, real, *cmd)
        assert _dirty(r) - before_ours == _dirty(real) - before_real, cmd


def test_keyspace_events(our_server, real_server, r, real):
    seq = [("SET", "a", "xyz"), ("BITOP", "AND", "d", "a", "a"), ("BITOP", "AND", "d", "nokey"),
           ("BITOP", "AND", "d", "nokey"), ("BITOP", "NOT", "e", "a"), ("BITFIELD", "a", "GET", "u8", "0"),
           ("BITFIELD", "a", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "1"),
           ("BITFIELD", "a", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"), ("BITFIELD", "n", "SET", "u8", "0", "1"),
           ("BITFIELD_RO", "a", "GET", "u8", "0")]
    assert_same_keyspace_events(our_server, real_server, r, real, seq)


def test_watch_sees_bitop_and_bitfield(our_server, r):
    other = our_server.client()
    for change in [lambda: other.bitop("AND", "w", "src"), lambda: other.bitfield("w").set("u8", 0, 1).execute()]:
        other.flushall()
        r.set("w", "5")
        r.set("src", "abc")
        assert_breaks_watch(r, change)
    other.close()


def test_command_info_matches_redis(r, real):
    names = ["bitop", "bitfield", "bitfield_ro"]
    ours = raw(r, "COMMAND", "INFO", *names)
    theirs = raw(real, "COMMAND", "INFO", *names)
    assert ours == theirs
    for n in names:
        same(r, real, "COMMAND", "GETKEYS", n, *(["AND", "d", "a", "b"] if n == "bitop" else ["k", "GET", "u8", "0"]))


def test_resp3(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("no real redis")
    cmds = [("SET", "a", "foo"), ("BITOP", "OR", "d", "a", "a"), ("BITFIELD", "a", "GET", "u8", "0", "SET", "i8", "0", "5"),
            ("BITFIELD", "a", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"), ("BITFIELD_RO", "zz", "GET", "i3", "1")]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)


def test_bitmaps_and_hlls_are_payloads_placed_by_size(r):
    """A bitmap or HLL is a string payload: grown by SETBIT/BITFIELD/BITOP or
    promoted to dense, it lands where placement puts large values (NVM at
    the default tier-nvm-min-size of 64 bytes), a small one stays in DRAM."""
    def tier(key):
        return raw(r, "MEMORY", "TIER", key)[1]

    r.setbit("small", 7, 1)
    assert tier("small") == b"dram"
    r.setbit("big", 8 * 1024 * 1024 - 1, 1)  # grows a new string to 1 MiB
    assert tier("big") == b"nvm"
    r.set("grow", "x")
    r.execute_command("BITFIELD", "grow", "SET", "u8", "#4096", "1")
    assert tier("grow") == b"nvm"
    r.execute_command("BITOP", "NOT", "inv", "big")
    assert tier("inv") == b"nvm"
    r.execute_command("PFADD", "hll", "a")
    assert tier("hll") == b"dram"  # 21 bytes, sparse
    r.execute_command("PFDEBUG", "TODENSE", "hll")
    assert tier("hll") == b"nvm"  # 12304 bytes, dense
