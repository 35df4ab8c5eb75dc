"""The string and bitmap commands (src/commands/string_cmds.cc), checked
against Debian's redis-server 7.0 (differential tests: the same commands on
both servers, identical replies, errors, OBJECT ENCODING and TTLs), plus the
properties that cannot be compared byte for byte (expiry in real time, WATCH,
limits that need a reconfigured server)."""
import random
import time

import pytest
import redis


# ---------------------------------------------------------------- helpers

from differential import outcome, raw, same  # noqa: E402,F401
from differential import assert_same_keyspace_events, resp3_transcript as _resp3_transcript  # noqa: E402


def encoding(c, key):
    try:
        return raw(c, "OBJECT", "ENCODING", key)
    except redis.ResponseError as e:
        return ("error", str(e))


def same_state(r, real, keys, ctx=""):
    """Each key has the same encoding, the same value and the same TTL
    (seconds, +-1 for a second boundary crossed between the two reads)."""
    for k in keys:
        assert encoding(r, k) == encoding(real, k), f"{ctx}: OBJECT ENCODING {k!r}"
        assert outcome(r, "TYPE", k) == outcome(real, "TYPE", k), f"{ctx}: TYPE {k!r}"
        if raw(r, "TYPE", k) == b"string":
            assert raw(r, "GET", k) == raw(real, "GET", k), f"{ctx}: GET {k!r}"
        ours, theirs = raw(r, "TTL", k), raw(real, "TTL", k)
        if ours < 0 or theirs < 0:
            assert ours == theirs, f"{ctx}: TTL {k!r} ours {ours} redis {theirs}"
        else:
            assert abs(ours - theirs) <= 1, f"{ctx}: TTL {k!r} ours {ours} redis {theirs}"


def run_diff(r, real, commands, keys=None):
    """Runs each command on both servers; after each, compares the replies
    and the state of `keys` (by default every key named in the sequence's
    second position)."""
    if keys is None:
        keys = sorted({cmd[1] for cmd in commands if len(cmd) > 1})
    for cmd in commands:
        same(r, real, *cmd)
        same_state(r, real, keys, ctx=repr(cmd))


def make_list(c, key):
    """A non-string key for WRONGTYPE checks; skips when the server has no
    list type yet."""
    try:
        raw(c, "RPUSH", key, "x")
    except redis.ResponseError as e:
        pytest.skip(f"no list type to provoke WRONGTYPE: {e}")


INT64_MAX = 2**63 - 1
INT64_MIN = -2**63

# Values whose encodings differ: shared ints, plain ints, non-canonical
# integers (which stay strings), the embstr limit (44 bytes) and binary data.
VALUES = [
    "0", "1", "9999", "10000", "-1", "-0", "01", "+1", " 1", "1 ", "1.0", "1e3",
    str(INT64_MAX), str(INT64_MIN), str(INT64_MAX + 1), str(INT64_MIN - 1),
    "12345678901234567890", "-1234567890123456789", "123456789012345678901",
    "", "a", "hello", "x" * 44, "x" * 45, "y" * 100, "\x00\xff\x01binary\r\n", "3.14", "inf", "nan",
]


# ---------------------------------------------------------------- GET / SET

def test_get_set_values_and_encodings(r, real):
    cmds = []
    for i, v in enumerate(VALUES):
        cmds += [("SET", f"k{i}", v), ("GET", f"k{i}"), ("STRLEN", f"k{i}")]
    cmds += [("GET", "missing"), ("STRLEN", "missing")]
    run_diff(r, real, cmds)
    # Overwriting changes the encoding both ways.
    run_diff(r, real, [("SET", "o", "5"), ("SET", "o", "x" * 50), ("SET", "o", "short"),
                       ("SET", "o", "123456"), ("SET", "o", "")])


def test_shared_integers_refcount(r, real):
    for v in ["0", "9999", "10000", "-1"]:
        same(r, real, "SET", "k", v)
        same(r, real, "OBJECT", "REFCOUNT", "k")


def test_set_option_syntax(r, real):
    opts = [
        [], ["NX"], ["XX"], ["nx"], ["NX", "XX"], ["XX", "NX"], ["NX", "NX"], ["GET"], ["GET", "GET"],
        ["NX", "GET"], ["XX", "GET"], ["KEEPTTL"], ["KEEPTTL", "KEEPTTL"], ["EX", "10", "KEEPTTL"],
        ["KEEPTTL", "EX", "10"], ["EX", "10", "PX", "100"], ["EX", "10", "EX", "20"],
        ["PX", "10", "PX", "20000"], ["EXAT", "10", "PXAT", "10"], ["EX"], ["PX"], ["EXAT"], ["PXAT"],
        ["EX", "10", "NX", "XX"], ["FOO"], ["PERSIST"], ["EX", "abc"], ["EX", "0"], ["EX", "-5"],
        ["PX", "0"], ["EXAT", "0"], ["PXAT", "-1"], ["EX", "1.5"], ["EX", "9223372036854775"],
        ["EX", "9223372036854775808"], ["PX", str(INT64_MAX)], ["EXAT", str(INT64_MAX)],
        ["PXAT", str(INT64_MAX)], ["EX", "abc", "NX", "XX"], ["NX", "EX", "abc"], ["GET", "EX", "0"],
    ]
    for o in opts:
        for present in (False, True):
            raw(r, "DEL", "k")
            raw(real, "DEL", "k")
            if present:
                same(r, real, "SET", "k", "old")
            same(r, real, "SET", "k", "new", *o)
            same_state(r, real, ["k"], ctx=repr(o))


def test_set_wrong_arity(r, real):
    same(r, real, "SET", "k")
    same(r, real, "SET")
    same(r, real, "GET")
    same(r, real, "GET", "a", "b")


def test_set_expire_options_and_ttl(r, real):
    now = int(time.time())
    run_diff(r, real, [
        ("SET", "a", "v", "EX", "100"),
        ("SET", "b", "v", "PX", "100000"),
        ("SET", "c", "v", "EXAT", str(now + 200)),
        ("SET", "d", "v", "PXAT", str((now + 300) * 1000)),
        ("SET", "a", "w", "KEEPTTL"),
        ("SET", "b", "w"),
        ("SET", "c", "w", "XX", "KEEPTTL"),
        ("SET", "d", "w", "NX", "EX", "5"),
        ("SET", "e", "1", "XX", "EX", "5"),
    ])
    for k, lo, hi in [("a", 99000, 100000), ("c", 198000, 200000), ("d", 298000, 300000)]:
        assert lo <= r.pttl(k) <= hi, k
    assert r.pttl("b") == -1


def test_set_deadline_in_the_past(r, real):
    # Redis 7.0: the key is stored with its (past) deadline, the reply is OK,
    # and the key is gone at its next access.
    run_diff(r, real, [("SET", "p", "v", "PXAT", "1"), ("SET", "q", "v", "EXAT", "1"),
                       ("EXISTS", "p", "q"), ("GET", "p"), ("SET", "p", "again", "NX"), ("GET", "p")])


def test_set_keepttl_on_expired_key(r):
    r.set("k", "v", px=30)
    time.sleep(0.1)
    assert r.set("k", "w", keepttl=True)
    assert r.get("k") == b"w"
    assert r.ttl("k") == -1


def test_set_get_option(r, real):
    run_diff(r, real, [
        ("SET", "k", "v1", "GET"), ("SET", "k", "v2", "GET"), ("SET", "k", "v3", "NX", "GET"),
        ("SET", "k", "v4", "XX", "GET"), ("SET", "n", "v", "XX", "GET"), ("SET", "m", "v", "NX", "GET"),
        ("SET", "k", "12", "GET"), ("SET", "k", "x", "GET", "EX", "100"), ("SET", "k", "y", "GET", "EX", "0"),
    ])


def test_setnx_setex_psetex(r, real):
    run_diff(r, real, [
        ("SETNX", "a", "1"), ("SETNX", "a", "2"), ("SETEX", "b", "100", "v"), ("SETEX", "b", "0", "v"),
        ("SETEX", "b", "-1", "v"), ("SETEX", "b", "x", "v"), ("SETEX", "b", "9223372036854775", "v"),
        ("PSETEX", "c", "100000", "12"), ("PSETEX", "c", "0", "v"), ("PSETEX", "c", "abc", "v"),
        ("SETEX", "a", "50", "10000"), ("SETNX", "a", "3"),
    ])


def test_getset_getdel(r, real):
    run_diff(r, real, [
        ("GETSET", "a", "1"), ("GETSET", "a", "hello"), ("SET", "t", "v", "EX", "100"), ("GETSET", "t", "w"),
        ("GETDEL", "a"), ("GETDEL", "a"), ("GETDEL", "t"), ("GETSET", "a", "x" * 60), ("GETDEL", "a"),
    ])


def test_getex(r, real):
    now = int(time.time())
    run_diff(r, real, [
        ("SET", "k", "7"), ("GETEX", "k"), ("GETEX", "k", "EX", "100"), ("GETEX", "k", "PERSIST"),
        ("GETEX", "k", "PX", "50000"), ("GETEX", "k", "EXAT", str(now + 500)),
        ("GETEX", "k", "PXAT", str((now + 600) * 1000)), ("GETEX", "k", "PERSIST", "PERSIST"),
        ("GETEX", "k", "EX", "5", "EX", "6"), ("GETEX", "k", "PERSIST", "EX", "5"),
        ("GETEX", "k", "EX", "5", "PERSIST"), ("GETEX", "k", "PX", "5", "EXAT", "99999999999"),
        ("GETEX", "k", "NX"), ("GETEX", "k", "KEEPTTL"), ("GETEX", "k", "GET"), ("GETEX", "k", "EX"),
        ("GETEX", "k", "EX", "0"), ("GETEX", "k", "EX", "a"), ("GETEX", "k", "EX", "9223372036854775"),
        ("GETEX", "nokey", "EX", "0"), ("GETEX", "nokey", "EX", "a"), ("GETEX", "nokey"),
        ("GETEX", "k", "PXAT", "1"), ("EXISTS", "k"), ("GETEX", "k"),
        ("SET", "j", "v"), ("GETEX", "j", "EXAT", "1"), ("EXISTS", "j"),
    ])


# ---------------------------------------------------------------- MGET / MSET

def test_mget_mset_msetnx(r, real):
    run_diff(r, real, [
        ("MSET", "a", "1", "b", "hello", "c", "x" * 50), ("MGET", "a", "b", "c", "d"),
        ("MSET", "a", "1", "b"), ("MSET", "a"), ("MSETNX", "a", "2", "d", "4"), ("MSETNX", "d", "4", "e", "5"),
        ("MSETNX", "f", "1", "f", "2"), ("MSET", "x", "1", "x", "2"), ("MGET", "x", "f", "d", "e"),
        ("MSETNX", "g"), ("SET", "t", "v", "EX", "100"), ("MSET", "t", "w"),
    ], keys=["a", "b", "c", "d", "e", "f", "x", "t"])


# ---------------------------------------------------------------- APPEND / SETRANGE / GETRANGE

def test_append(r, real):
    run_diff(r, real, [
        ("APPEND", "n", "123"), ("APPEND", "n", "4"), ("APPEND", "s", "hello"), ("APPEND", "s", " world"),
        ("APPEND", "s", ""), ("SET", "i", "5"), ("APPEND", "i", ""), ("SET", "e", "abc"), ("APPEND", "e", "d"),
        ("SET", "big", "z" * 100), ("APPEND", "big", "q" * 1000), ("STRLEN", "big"),
        ("SET", "t", "v", "EX", "100"), ("APPEND", "t", "w"),
    ])


def test_append_to_shared_integer_leaves_pool_intact(r):
    r.set("a", "100")
    r.set("b", "100")  # the same shared object
    assert r.append("a", "0") == 4
    assert r.get("a") == b"1000" and r.get("b") == b"100"
    assert r.object("encoding", "b") == b"int"


def test_getrange_substr(r, real):
    cmds = [("SET", "s", "Hello World"), ("SET", "n", "-12345"), ("SET", "e", "")]
    ranges = [(0, 4), (-5, -1), (-1, -5), (5, 2), (0, 100), (-100, -50), (-100, 2), (0, -1), (-1, 0),
              (3, 3), (20, 30), (INT64_MIN, INT64_MAX), (INT64_MAX, INT64_MIN), (-1, -1)]
    for k in ["s", "n", "e", "missing"]:
        for a, b in ranges:
            cmds.append(("GETRANGE", k, str(a), str(b)))
            cmds.append(("SUBSTR", k, str(a), str(b)))
    cmds += [("GETRANGE", "s", "a", "1"), ("GETRANGE", "s", "1", "1.5"), ("GETRANGE", "missing", "x", "1")]
    run_diff(r, real, cmds, keys=["s", "n", "e"])


def test_setrange(r, real):
    run_diff(r, real, [
        ("SET", "s", "Hello World"), ("SETRANGE", "s", "6", "Redis"), ("SETRANGE", "s", "20", "x"),
        ("SETRANGE", "s", "0", ""), ("SETRANGE", "s", "100", ""), ("SETRANGE", "nk", "3", "abc"),
        ("SETRANGE", "nk2", "5", ""), ("SETRANGE", "nk2", "-1", ""), ("SETRANGE", "nk2", "a", "x"),
        ("SETRANGE", "s", "-1", "x"), ("SET", "n", "5"), ("SETRANGE", "n", "0", "7"),
        ("SET", "m", "123"), ("SETRANGE", "m", "1", "x"), ("SETRANGE", "s", str(INT64_MAX), "x"),
        ("SETRANGE", "s", str(512 * 1024 * 1024), "x"), ("SETRANGE", "nk3", str(512 * 1024 * 1024), ""),
        ("SETRANGE", "nk3", str(512 * 1024 * 1024 - 1), "xy"),
        ("SET", "t", "v", "EX", "100"), ("SETRANGE", "t", "1", "w"),
    ], keys=["s", "nk", "nk2", "nk3", "n", "m", "t"])


def test_setrange_to_the_limit(r):
    # 512 MB - 1 is the last byte proto-max-bulk-len allows.
    assert r.setrange("big", 512 * 1024 * 1024 - 1, "x") == 512 * 1024 * 1024
    assert r.strlen("big") == 512 * 1024 * 1024
    assert r.getrange("big", -2, -1) == b"\x00x"
    r.delete("big")


def test_proto_max_bulk_len_limits_append_and_setrange(r, real):
    for c in (r, real):
        try:
            c.config_set("proto-max-bulk-len", 1024 * 1024)
        except redis.ResponseError as e:
            pytest.skip(f"proto-max-bulk-len not settable: {e}")
    try:
        run_diff(r, real, [
            ("SET", "a", "x" * 1000), ("APPEND", "a", "y" * (1024 * 1024 - 1000)), ("APPEND", "a", "z"),
            ("STRLEN", "a"), ("SETRANGE", "b", str(1024 * 1024), "x"), ("SETRANGE", "b", str(1024 * 1024 - 1), "x"),
            ("SETBIT", "c", str(8 * 1024 * 1024), "1"), ("GETBIT", "c", str(8 * 1024 * 1024)),
            ("SETBIT", "c", str(8 * 1024 * 1024 - 1), "1"),
        ])
    finally:
        for c in (r, real):
            c.config_set("proto-max-bulk-len", 512 * 1024 * 1024)


# ---------------------------------------------------------------- INCR family

def test_incr_decr(r, real):
    cmds = []
    for v in ["10", "9999", "10000", "-1", "0", "-10001", " 1", "01", "-0", "1.5", "abc", "",
              str(INT64_MAX), str(INT64_MIN), "x" * 50]:
        cmds += [("SET", "k", v), ("INCR", "k"), ("OBJECT", "REFCOUNT", "k"), ("DECR", "k"),
                 ("OBJECT", "REFCOUNT", "k"), ("DECR", "k"), ("INCRBY", "k", "5"), ("DECRBY", "k", "5")]
    cmds += [("DEL", "k"), ("INCR", "k"), ("DEL", "k"), ("DECR", "k"), ("DEL", "k"), ("INCRBY", "k", "-20000")]
    run_diff(r, real, cmds)


def test_incrby_arguments_and_overflow(r, real):
    run_diff(r, real, [
        ("SET", "e", "5"), ("INCRBY", "e", str(INT64_MAX)), ("INCRBY", "e", "abc"), ("INCRBY", "e", "1.5"),
        ("INCRBY", "e", "99999999999999999999"), ("INCRBY", "e", " 1"), ("INCRBY", "e", ""),
        ("DECRBY", "e", str(INT64_MIN)), ("DECRBY", "e", str(INT64_MAX)), ("DECRBY", "e", "3"),
        ("SET", "m", str(INT64_MIN)), ("DECR", "m"), ("DECRBY", "m", "1"), ("INCRBY", "m", "-1"),
        ("INCRBY", "m", str(INT64_MAX)), ("SET", "p", str(INT64_MAX)), ("INCR", "p"), ("INCRBY", "p", "0"),
        ("SET", "t", "100000", "EX", "100"), ("INCR", "t"), ("SET", "t2", "1", "EX", "100"), ("INCR", "t2"),
    ])


def test_incr_reuses_object_in_place(r):
    r.set("c", "100000")
    for _ in range(100):
        r.incr("c")
    assert r.get("c") == b"100100"
    assert r.object("refcount", "c") == 1


def test_incrbyfloat(r, real):
    cmds = [("SET", "f", "10.5"), ("INCRBYFLOAT", "f", "0.1"), ("INCRBYFLOAT", "f", "5.0e3"),
            ("INCRBYFLOAT", "f", "1e-5"), ("INCRBYFLOAT", "f", "-5010.60001"), ("SET", "g", "3"),
            ("INCRBYFLOAT", "g", "2"), ("INCRBYFLOAT", "g", "1e308"), ("INCRBYFLOAT", "g", "1e308"),
            ("INCRBYFLOAT", "h", "1.7976931348623157e308"), ("INCRBYFLOAT", "h", "inf"),
            ("INCRBYFLOAT", "h", "-inf"), ("INCRBYFLOAT", "h", "nan"), ("INCRBYFLOAT", "h", "abc"),
            ("INCRBYFLOAT", "h", " 1"), ("INCRBYFLOAT", "h", "1 "), ("INCRBYFLOAT", "h", ""),
            ("SET", "s", "abc"), ("INCRBYFLOAT", "s", "1"), ("SET", "s", "1.5 "), ("INCRBYFLOAT", "s", "1"),
            ("INCRBYFLOAT", "z", "0x10"), ("INCRBYFLOAT", "z2", "1e400"), ("INCRBYFLOAT", "z3", "-0.0"),
            ("INCRBYFLOAT", "z4", "3.0000000000000000000001"), ("INCRBYFLOAT", "z5", "1.23456789012345678901"),
            ("INCRBYFLOAT", "z6", "123456789012345678901234567890"), ("INCRBYFLOAT", "z7", "0.1"),
            ("INCRBYFLOAT", "z7", "0.2"), ("INCRBYFLOAT", "z8", "1e-300"), ("INCRBYFLOAT", "z9", "-17"),
            ("INCRBYFLOAT", "z9", "+17"), ("INCRBYFLOAT", "z10", "5.0e3"), ("INCRBYFLOAT", "z11", "1e-5"),
            ("SET", "i", str(INT64_MAX)), ("INCRBYFLOAT", "i", "1"), ("SET", "t", "1", "EX", "100"),
            ("INCRBYFLOAT", "t", "1.5")]
    run_diff(r, real, cmds)


# ---------------------------------------------------------------- LCS

def test_lcs_examples(r, real):
    cmds = [("MSET", "a", "ohmytext", "b", "mynewtext", "n1", "12345", "n2", "2345")]
    for opts in [[], ["LEN"], ["IDX"], ["IDX", "MINMATCHLEN", "4"], ["IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
                 ["IDX", "WITHMATCHLEN"], ["LEN", "IDX"], ["MINMATCHLEN"], ["MINMATCHLEN", "x"], ["FOO"],
                 ["IDX", "MINMATCHLEN", "-5"], ["LEN", "LEN", "IDX"], ["len"], ["idx", "withmatchlen"]]:
        for k1, k2 in [("a", "b"), ("b", "a"), ("a", "nokey"), ("nokey", "nokey2"), ("n1", "n2"), ("a", "a")]:
            cmds.append(("LCS", k1, k2, *opts))
    run_diff(r, real, cmds, keys=["a", "b"])


def test_lcs_random_against_redis(r, real):
    rnd = random.Random(20240607)
    for _ in range(150):
        alphabet = "ab" if rnd.random() < 0.5 else "abcdefgh"
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        for c in (r, real):
            c.mset({"a": a, "b": b})
        for opts in [[], ["LEN"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", str(rnd.randint(0, 4))]]:
            same(r, real, "LCS", "a", "b", *opts)


def test_lcs_table_limit(r, real):
    for c in (r, real):
        c.mset({"a": "a" * 20000, "b": "b" * 20000})
    same(r, real, "LCS", "a", "b", "LEN")


# ---------------------------------------------------------------- bitmaps

def test_bit_commands_examples(r, real):
    cmds = [("SET", "k", "foobar"), ("SET", "e", ""), ("SET", "n", "12"),
            ("SET", "ff", b"\xff\xf0\x00"), ("SET", "ones", b"\xff\xff")]
    for k in ["k", "e", "n", "ff", "ones", "missing"]:
        cmds += [("BITCOUNT", k), ("BITCOUNT", k, "1"), ("BITCOUNT", k, "a", "1"), ("BITCOUNT", k, "-1", "-5", "foo"),
                 ("BITCOUNT", k, "1", "1", "foo"), ("BITCOUNT", k, "1", "1", "bit"), ("BITCOUNT", k, "5", "30", "BIT"),
                 ("BITCOUNT", k, "-10", "-1", "bit"), ("BITCOUNT", k, "0", "-1"), ("BITCOUNT", k, "1", "2", "3", "4"),
                 ("BITCOUNT", k, "0", "0", "BYTE"), ("BITCOUNT", k, str(INT64_MIN), str(INT64_MAX), "bit"),
                 ("BITPOS", k, "0"), ("BITPOS", k, "1"), ("BITPOS", k, "2"), ("BITPOS", k, "a"),
                 ("BITPOS", k, "1", "x"), ("BITPOS", k, "1", "0", "x", "foo"), ("BITPOS", k, "1", "0", "1", "foo"),
                 ("BITPOS", k, "1", "0", "1", "bit", "extra"), ("BITPOS", k, "0", "1"), ("BITPOS", k, "1", "2"),
                 ("BITPOS", k, "0", "0", "0"), ("BITPOS", k, "0", "0", "-1"), ("BITPOS", k, "0", "3", "7", "bit"),
                 ("BITPOS", k, "1", "7", "13", "bit"), ("BITPOS", k, "0", "2", "-1", "bit"),
                 ("BITPOS", k, "0", "-1", "-1", "byte"), ("BITPOS", k, "1", "-1"), ("BITPOS", k, "0", "3", "bit"),
                 ("BITPOS", k, "0", "100"), ("BITPOS", k, "0", "-100", "100", "BIT"),
                 ("GETBIT", k, "0"), ("GETBIT", k, "1"), ("GETBIT", k, "-1"), ("GETBIT", k, "a"),
                 ("GETBIT", k, "4294967296"), ("GETBIT", k, "4294967295"), ("GETBIT", k, "100")]
    cmds += [("SETBIT", "n", "0", "1"), ("SETBIT", "k", "7", "2"), ("SETBIT", "k", "7", "a"),
             ("SETBIT", "k", "-1", "1"), ("SETBIT", "k", "4294967296", "1"), ("SETBIT", "nk", "10", "1"),
             ("SETBIT", "nk", "10", "1"), ("SETBIT", "nk", "10", "0"), ("SETBIT", "nk", "100", "0"),
             ("SETBIT", "k", "1", "1"), ("SETBIT", "k", "1", "0"), ("SET", "t", "v", "EX", "100"),
             ("SETBIT", "t", "3", "1")]
    run_diff(r, real, cmds, keys=["k", "e", "n", "ff", "ones", "nk", "t"])


def test_bits_random_against_redis(r, real):
    rnd = random.Random(77)
    for _ in range(300):
        n = rnd.randint(0, 24)
        data = bytes(rnd.choice([0, 0xFF, rnd.randrange(256)]) for _ in range(n))
        for c in (r, real):
            c.set("b", data)
        span = 8 * n + 20
        for _ in range(4):
            s, e = rnd.randint(-span, span), rnd.randint(-span, span)
            unit = rnd.choice([[], ["BIT"], ["BYTE"]])
            same(r, real, "BITCOUNT", "b", str(s), str(e), *unit)
            bit = str(rnd.randint(0, 1))
            same(r, real, "BITPOS", "b", bit)
            same(r, real, "BITPOS", "b", bit, str(s))
            same(r, real, "BITPOS", "b", bit, str(s), str(e), *unit)
            off = str(rnd.randint(0, 8 * n + 9))
            same(r, real, "GETBIT", "b", off)
        same(r, real, "BITCOUNT", "b")
        off = str(rnd.randint(0, 8 * n + 9))
        same(r, real, "SETBIT", "b", off, str(rnd.randint(0, 1)))
        same(r, real, "GET", "b")


# ---------------------------------------------------------------- errors shared by the family

def test_wrongtype_everywhere(r, real):
    for c in (r, real):
        make_list(c, "l")
    cmds = [("GET", "l"), ("SET", "l", "x", "GET"), ("SET", "l", "x", "NX", "GET"), ("GETSET", "l", "x"),
            ("GETDEL", "l"), ("GETEX", "l"), ("GETEX", "l", "EX", "0"), ("MGET", "l", "nokey"),
            ("APPEND", "l", "x"), ("STRLEN", "l"), ("INCR", "l"), ("DECR", "l"), ("INCRBY", "l", "1"),
            ("DECRBY", "l", "1"), ("INCRBYFLOAT", "l", "1"), ("GETRANGE", "l", "0", "1"),
            ("SETRANGE", "l", "0", "x"), ("SETRANGE", "l", "0", ""), ("SUBSTR", "l", "0", "1"),
            ("LCS", "l", "nokey"), ("LCS", "nokey", "l", "foo"), ("SETBIT", "l", "0", "1"), ("GETBIT", "l", "0"),
            ("BITCOUNT", "l"), ("BITPOS", "l", "1"), ("BITPOS", "l", "3"), ("SETNX", "l", "x"),
            ("MSETNX", "l", "x"), ("TYPE", "l"), ("SET", "l", "x", "XX"), ("TYPE", "l"), ("GET", "l")]
    for cmd in cmds:
        same(r, real, *cmd)


def test_arity_errors(r, real):
    for cmd in [("SETNX", "a"), ("SETEX", "a", "1"), ("PSETEX", "a"), ("GETSET", "a"), ("GETDEL",), ("GETEX",),
                ("MGET",), ("MSET", "a"), ("MSETNX", "a"), ("APPEND", "a"), ("STRLEN",), ("INCR",),
                ("DECRBY", "a"), ("INCRBYFLOAT", "a"), ("GETRANGE", "a", "1"), ("SETRANGE", "a", "1"),
                ("SUBSTR", "a"), ("LCS", "a"), ("SETBIT", "a", "1"), ("GETBIT", "a"), ("BITCOUNT",),
                ("BITPOS", "a")]:
        same(r, real, *cmd)


def test_command_info_matches_redis(r, real):
    names = ["get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "mset", "msetnx",
             "append", "strlen", "incr", "decr", "incrby", "decrby", "incrbyfloat", "getrange", "setrange",
             "substr", "lcs", "setbit", "getbit", "bitcount", "bitpos"]
    try:
        ours = raw(r, "COMMAND", "INFO", *names)
    except redis.ResponseError as e:
        pytest.skip(f"COMMAND INFO not available: {e}")
    theirs = raw(real, "COMMAND", "INFO", *names)

    def essentials(info):
        name, arity, flags, first, last, step, cats = info[:7]
        return name, arity, set(flags), first, last, step, set(cats)

    for o, t in zip(ours, theirs):
        assert essentials(o) == essentials(t)


def test_resp3_replies_match_redis(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("no real redis")
    cmds = [("FLUSHALL",), ("MSET", "a", "ohmytext", "b", "mynewtext"), ("LCS", "a", "b", "IDX", "WITHMATCHLEN"),
            ("LCS", "a", "b"), ("LCS", "a", "b", "LEN"), ("GET", "nokey"), ("MGET", "a", "nokey"),
            ("GETEX", "nokey"), ("GETDEL", "nokey"), ("SET", "a", "1", "NX"), ("SET", "a", "1", "NX", "GET"),
            ("GETSET", "nokey", "1"), ("INCRBYFLOAT", "f", "1.5"), ("GETRANGE", "nokey", "0", "1"),
            ("SET", "a", "v", "XX", "GET"), ("SETNX", "a", "x")]
    ours = _resp3_transcript(our_server.port, cmds)
    theirs = _resp3_transcript(real_server.port, cmds)
    assert ours == theirs


# ---------------------------------------------------------------- bookkeeping

def _dirty(c):
    return c.info("persistence")["rdb_changes_since_last_save"]


def test_dirty_counter_differential(r, real):
    seq = [
        ("SET", "a", "1"), ("SET", "a", "1", "NX"), ("SET", "a", "2", "XX", "EX", "100"), ("SETNX", "a", "3"),
        ("SETEX", "b", "100", "v"), ("GETSET", "b", "w"), ("GETDEL", "b"), ("GETDEL", "b"),
        ("GETEX", "a"), ("GETEX", "a", "PERSIST"), ("GETEX", "a", "PERSIST"), ("GETEX", "a", "EX", "100"),
        ("GETEX", "a", "PXAT", "1"), ("MSET", "a", "1", "b", "2", "c", "3"), ("MSETNX", "a", "1", "d", "2"),
        ("MSETNX", "d", "1", "e", "2"), ("APPEND", "a", ""), ("APPEND", "a", "x"), ("SETRANGE", "a", "0", ""),
        ("SETRANGE", "a", "0", "y"), ("SETRANGE", "z", "5", ""), ("INCR", "b"), ("DECRBY", "b", "5"),
        ("INCRBY", "b", "x"), ("INCRBYFLOAT", "b", "1.5"), ("SETBIT", "s", "3", "1"), ("SETBIT", "s", "3", "1"),
        ("SETBIT", "s", "3", "0"), ("SETBIT", "s", "30", "0"), ("GET", "a"), ("LCS", "a", "b"),
    ]
    for cmd in seq:
        before_ours, before_real = _dirty(r), _dirty(real)
        same(r, real, *cmd)
        assert _dirty(r) - before_ours == _dirty(real) - before_real, cmd


def test_keyspace_events_differential(our_server, real_server, r, real):
    seq = [("SET", "a", "1"), ("SET", "a", "2", "EX", "100"), ("SETEX", "b", "10", "v"), ("GETSET", "b", "w"),
           ("GETDEL", "b"), ("GETEX", "a", "PERSIST"), ("GETEX", "a", "EX", "10"), ("GETEX", "a", "PXAT", "1"),
           ("MSET", "a", "1", "b", "2"), ("APPEND", "a", "x"), ("SETRANGE", "a", "0", "y"), ("INCR", "b"),
           ("DECRBY", "b", "3"), ("INCRBYFLOAT", "b", "1.5"), ("SETBIT", "s", "1", "1"), ("SETBIT", "s", "1", "1"),
           ("MSETNX", "c", "1")]
    assert_same_keyspace_events(our_server, real_server, r, real, seq)


def test_watch_sees_string_changes(our_server, r):
    other = our_server.client()
    changes = [
        lambda: other.set("w", "x"), lambda: other.delete("w") and other.setnx("w", "x"),
        lambda: other.append("w", "x"), lambda: other.setrange("w", 0, "z"), lambda: other.incr("w2"),
        lambda: other.getdel("w"), lambda: other.getex("w", ex=100),
        lambda: other.getex("w", persist=True), lambda: other.getset("w", "q"), lambda: other.mset({"w": "1"}),
        lambda: other.setbit("w", 0, 1), lambda: other.incrbyfloat("w2", 1),
    ]
    for i, change in enumerate(changes):
        other.flushall()
        r.set("w", "5", ex=50)
        r.set("w2", "5")
        with r.pipeline() as p:
            p.watch("w", "w2")
            change()
            p.multi()
            p.set("w", "mine")
            with pytest.raises(redis.WatchError):
                p.execute()
                print("change", i, "did not invalidate WATCH")
    other.close()


def test_set_expiry_happens(r):
    r.set("a", "v", px=50)
    r.psetex("b", 50, "v")
    r.getex("c", px=50)  # missing: nothing happens
    r.set("d", "v")
    r.getex("d", px=50)
    time.sleep(0.15)
    assert r.mget("a", "b", "c", "d") == [None, None, None, None]
    assert r.dbsize() == 0


# ---------------------------------------------------------------- randomized differential

def _random_command(rnd, keys):
    k = rnd.choice(keys)
    v = rnd.choice(VALUES + [str(rnd.randint(-20000, 20000)), str(rnd.random() * 1000)])
    small = lambda: str(rnd.randint(-12, 12))  # noqa: E731
    choices = [
        lambda: ("SET", k, v),
        lambda: ("SET", k, v, *rnd.choice([["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", "100"], ["PX", "90000"],
                                           ["XX", "GET"], ["NX", "GET"], ["EX", "0"], ["KEEPTTL", "GET"]])),
        lambda: ("SETNX", k, v), lambda: ("SETEX", k, "200", v), lambda: ("GETSET", k, v), lambda: ("GETDEL", k),
        lambda: ("GETEX", k, *rnd.choice([[], ["PERSIST"], ["EX", "300"]])), lambda: ("GET", k),
        lambda: ("MGET", *rnd.sample(keys, 3)),
        lambda: ("MSET", k, v, rnd.choice(keys), rnd.choice(VALUES)),
        lambda: ("MSETNX", k, v, rnd.choice(keys), rnd.choice(VALUES)),
        lambda: ("APPEND", k, rnd.choice(["", "1", "x", "0" * 50])), lambda: ("STRLEN", k),
        lambda: ("INCR", k), lambda: ("DECR", k), lambda: ("INCRBY", k, str(rnd.randint(-20000, 20000))),
        lambda: ("DECRBY", k, str(rnd.randint(-5, 5))),
        lambda: ("INCRBYFLOAT", k, rnd.choice(["1.5", "-0.25", "3", "1e3", "0.1", "-100"])),
        lambda: ("GETRANGE", k, small(), small()), lambda: ("SETRANGE", k, str(rnd.randint(0, 50)),
                                                            rnd.choice(["", "ab", "7"])),
        lambda: ("LCS", k, rnd.choice(keys), *rnd.choice([[], ["LEN"], ["IDX", "WITHMATCHLEN"]])),
        lambda: ("SETBIT", k, str(rnd.randint(0, 100)), str(rnd.randint(0, 1))),
        lambda: ("GETBIT", k, str(rnd.randint(0, 100))), lambda: ("BITCOUNT", k, small(), small()),
        lambda: ("BITPOS", k, str(rnd.randint(0, 1)), small(), small(), rnd.choice(["BIT", "BYTE"])),
    ]
    return rnd.choice(choices)()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_against_redis(r, real, seed):
    rnd = random.Random(seed)
    keys = ["k0", "k1", "k2", "k3"]
    for step in range(400):
        cmd = _random_command(rnd, keys)
        same(r, real, *cmd)
        same_state(r, real, keys, ctx=f"step {step} {cmd!r}")
