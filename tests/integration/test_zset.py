"""The sorted set family: every command, its errors and reply shapes, run
side by side with Debian's redis-server 7.0 (raw replies compared exactly,
RESP2 and RESP3), the encodings at Redis's boundaries, COPY/RENAME/
DUMP/RESTORE (both directions with a real Redis), MEMORY USAGE, and where
the bytes of big zsets live (NVM vs DRAM)."""
import random

import pytest
import redis

from differential import raw, resp3_transcript, same

# Scores whose text Redis 7.0 formats in particular ways ("%.17g", inf,
# integers without ".0", negative zero, exponents).
TRICKY_SCORES = ["0.1", "1e300", "3.0", "-0.0", "1.5e-7", "inf", "-inf", "+inf", "1e17", "123456789012345678",
                 "4503599627370495", "4503599627370496", "-4503599627370495", "2.2250738585072014e-308",
                 "4e-320", "0x10", " 5", "1.7976931348623157e308", "-1e-300", "10", "-3", "0.30000000000000004",
                 # edges of the plain-integer fast path (commands/client.cc)
                 "-0", "-000", "000", "007", "-007", "999999999999999", "-999999999999999", "1234567890123456",
                 "-", "", "1-2", "12 ", "5\x00"]


def run_same(r, real, cmds):
    for cmd in cmds:
        same(r, real, *cmd)


def test_score_formatting(r, real):
    for i, s in enumerate(TRICKY_SCORES):
        run_same(r, real, [("ZADD", "z", s, f"m{i}"), ("ZSCORE", "z", f"m{i}"), ("ZINCRBY", "w", s, "x")])
    run_same(r, real, [("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZRANGE", "w", "0", "-1", "WITHSCORES"),
                       ("ZSCAN", "z", "0"), ("OBJECT", "ENCODING", "z"), ("ZMSCORE", "z", "m0", "m1", "no")])
    # The same scores in a skiplist-encoded zset. ZSCAN walks its dict, whose
    # order depends on each server's random hash seed: compare as sets.
    run_same(r, real, [("ZADD", "z", "1", "x" * 100), ("OBJECT", "ENCODING", "z"),
                       ("ZRANGE", "z", "0", "-1", "WITHSCORES")])
    scans = []
    for c in (r, real):
        cursor, items = raw(c, "ZSCAN", "z", "0", "COUNT", "1000")
        assert cursor == b"0"
        scans.append(sorted(zip(items[::2], items[1::2])))
    assert scans[0] == scans[1]


def test_zadd_options_and_errors(r, real):
    cmds = [
        ("ZADD", "z"), ("ZADD", "z", "1"), ("ZADD", "z", "NX", "XX", "1", "a"), ("ZADD", "z", "GT", "LT", "1", "a"),
        ("ZADD", "z", "NX", "GT", "1", "a"), ("ZADD", "z", "NX", "LT", "1", "a"),
        ("ZADD", "z", "INCR", "1", "a", "2", "b"), ("ZADD", "z", "abc", "a"), ("ZADD", "z", "nan", "a"),
        ("ZADD", "z", "1", "a", "2"), ("ZADD", "z", "INCR", "1"), ("ZADD", "z", "1e400", "a"), ("ZADD", "z", "", "a"),
        ("ZADD", "z", "XX", "1", "a"), ("EXISTS", "z"), ("ZADD", "z", "XX", "INCR", "1", "a"),
        ("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("ZADD", "z", "CH", "1", "a", "5", "b", "4", "d"),
        ("ZADD", "z", "NX", "9", "a", "9", "e"), ("ZADD", "z", "XX", "CH", "9", "a", "9", "f"),
        ("ZADD", "z", "GT", "CH", "1", "a", "10", "b"), ("ZADD", "z", "LT", "CH", "1", "a", "10", "c"),
        ("ZADD", "z", "GT", "XX", "CH", "100", "a", "100", "new"), ("ZADD", "z", "INCR", "2.5", "a"),
        ("ZADD", "z", "NX", "INCR", "1", "a"), ("ZADD", "z", "GT", "INCR", "-1", "a"),
        ("ZADD", "z", "LT", "INCR", "-1", "a"), ("ZADD", "z", "INCR", "inf", "a"), ("ZADD", "z", "INCR", "-inf", "a"),
        ("ZINCRBY", "z", "-inf", "a"), ("ZINCRBY", "z", "abc", "a"), ("ZINCRBY", "z", "1"),
        ("ZINCRBY", "z", "nx", "a"), ("ZINCRBY", "z", "1", "newm"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
        ("ZADD", "z", "Ch", "nX", "1", "q"), ("SET", "str", "v"), ("ZADD", "str", "1", "a"),
        ("ZINCRBY", "str", "1", "a"), ("ZADD", "str", "abc", "a"),
    ]
    run_same(r, real, cmds)


def test_read_commands(r, real):
    setup = [("ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "-1", "e", "inf", "f", "-inf", "g"),
             ("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "10", "0", "9", "0", "")]
    big = [("ZADD", "big") + tuple(x for i in range(200) for x in (str(i % 17), f"m{i}")),
           ("ZADD", "biglex") + tuple(x for i in range(200) for x in ("0", f"m{i}"))]
    run_same(r, real, setup + big)
    # Lex ranges are defined only when all scores are equal; on a skiplist
    # with mixed scores the answer depends on its random levels.
    for k in ("z", "lex", "biglex", "nokey", "str"):
        run_same(r, real, [("ZLEXCOUNT", k, "-", "+"), ("ZLEXCOUNT", k, "[b", "(d"), ("ZLEXCOUNT", k, "a", "b"),
                           ("ZLEXCOUNT", k, "+", "-"), ("ZLEXCOUNT", k, "-", "-"), ("ZLEXCOUNT", k, "[m1", "[m2"),
                           ("ZLEXCOUNT", k, "(m1", "(m10"), ("ZLEXCOUNT", k, "[", "+")])
    for k in ("z", "big", "nokey", "str"):
        cmds = [
            ("ZCARD", k), ("ZSCORE", k, "a"), ("ZSCORE", k, "m5"), ("ZMSCORE", k, "a", "x", "m7"),
            ("ZRANK", k, "c"), ("ZREVRANK", k, "c"), ("ZRANK", k, "m100"), ("ZREVRANK", k, "m100"),
            ("ZRANK", k, "none"),
            ("ZCOUNT", k, "-inf", "+inf"), ("ZCOUNT", k, "(1", "3"), ("ZCOUNT", k, "2", "(2"), ("ZCOUNT", k, "5", "1"),
            ("ZCOUNT", k, "a", "1"), ("ZCOUNT", k, "1", "nan"), ("ZCOUNT", k, "(", "("),
        ]
        run_same(r, real, cmds)
    run_same(r, real, [("SET", "str", "x"), ("ZCARD", "str"), ("ZSCORE", "str", "a"), ("ZMSCORE", "str", "a"),
                       ("ZRANK", "str", "a"), ("ZCOUNT", "str", "0", "1"), ("ZLEXCOUNT", "str", "-", "+")])


def test_range_commands(r, real):
    run_same(r, real, [("ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "-1", "e", "inf", "f", "-inf", "g"),
                       ("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "10", "0", "9"),
                       ("ZADD", "big") + tuple(x for i in range(300) for x in (str(i % 23), f"m{i:03}")),
                       ("ZADD", "biglex") + tuple(x for i in range(300) for x in ("0", f"m{i:03}")),
                       ("SET", "str", "x")])
    lex_keys = ("z", "lex", "biglex", "nokey", "str")  # lex ranges need equal scores on a skiplist
    for k in ("z", "lex", "big", "biglex", "nokey", "str"):
        lex = k in lex_keys
        cmds = [
            ("ZRANGE", k, "0", "-1"), ("ZRANGE", k, "0", "-1", "WITHSCORES"), ("ZRANGE", k, "2", "4", "REV"),
            ("ZRANGE", k, "-3", "-1", "withscores", "rev"), ("ZRANGE", k, "5", "2"), ("ZRANGE", k, "100", "200"),
            ("ZRANGE", k, "-1000", "1000"), ("ZRANGE", k, "a", "1"),
            ("ZRANGE", k, "(1", "3", "BYSCORE"), ("ZRANGE", k, "3", "(1", "BYSCORE", "REV", "WITHSCORES"),
            ("ZRANGE", k, "-inf", "+inf", "BYSCORE", "LIMIT", "1", "3"),
            ("ZRANGE", k, "-inf", "+inf", "BYSCORE", "LIMIT", "2", "-1", "WITHSCORES"),
            ("ZRANGE", k, "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"),
            ("ZRANGE", k, "-inf", "+inf", "BYSCORE", "LIMIT", "1000", "2"),
            ("ZRANGE", k, "0", "-1", "LIMIT", "0", "1"), ("ZRANGE", k, "-", "+", "BYLEX", "WITHSCORES"),
            ("ZRANGE", k, "a", "b", "BYLEX"), ("ZRANGE", k, "(a", "(b", "BYSCORE"),
            ("ZRANGE", k, "0", "1", "BYSCORE", "BYLEX"), ("ZRANGE", k, "0", "-1", "REV", "REV"),
            ("ZRANGE", k, "0", "-1", "LIMIT", "0"), ("ZRANGE", k, "0", "1", "BYSCORE", "LIMIT", "x", "1"),
            ("ZRANGE", k, "0"),
            ("ZREVRANGE", k, "0", "2"), ("ZREVRANGE", k, "0", "-1", "WITHSCORES"), ("ZREVRANGE", k, "0", "1", "REV"),
            ("ZRANGEBYSCORE", k, "-inf", "inf"), ("ZRANGEBYSCORE", k, "(1", "(3", "WITHSCORES"),
            ("ZRANGEBYSCORE", k, "0", "10", "LIMIT", "1", "2"), ("ZRANGEBYSCORE", k, "0", "1", "LIMIT", "0"),
            ("ZRANGEBYSCORE", k, "1", "0"), ("ZRANGEBYSCORE", k, "1", "1"), ("ZRANGEBYSCORE", k, "(1", "1"),
            ("ZRANGEBYSCORE", k, "0", "1", "BYSCORE"),
            ("ZREVRANGEBYSCORE", k, "+inf", "-inf", "WITHSCORES"), ("ZREVRANGEBYSCORE", k, "3", "(1"),
            ("ZREVRANGEBYSCORE", k, "10", "0", "LIMIT", "2", "3", "WITHSCORES"),
            ("ZRANGEBYLEX", k, "a", "b"), ("ZRANGEBYLEX", k, "-", "+", "WITHSCORES"),
        ]
        if lex:
            cmds += [
                ("ZRANGE", k, "[b", "(e", "BYLEX"), ("ZRANGE", k, "+", "-", "BYLEX", "REV", "LIMIT", "1", "3"),
                ("ZRANGE", k, "-", "+", "BYLEX", "LIMIT", "0", "0"), ("ZRANGE", k, "[m010", "[m020", "BYLEX"),
                ("ZRANGEBYLEX", k, "-", "+"), ("ZRANGEBYLEX", k, "[a", "[c"),
                ("ZRANGEBYLEX", k, "(a", "+", "LIMIT", "1", "2"), ("ZRANGEBYLEX", k, "[", "+"),
                ("ZREVRANGEBYLEX", k, "+", "-"), ("ZREVRANGEBYLEX", k, "[d", "(a", "LIMIT", "0", "2"),
                ("ZREVRANGEBYLEX", k, "-", "+"), ("ZREVRANGEBYLEX", k, "[m200", "(m100", "LIMIT", "3", "5"),
            ]
        run_same(r, real, cmds)


def test_store_commands_and_encodings(r, real):
    run_same(r, real, [
        ("ZADD", "a", "1", "x", "2", "y", "inf", "z"), ("ZADD", "b", "10", "y", "-inf", "z", "3", "w"),
        ("ZADD", "big") + tuple(x for i in range(150) for x in (str(i), f"e{i}")),
        ("ZADD", "long", "1", "L" * 70, "2", "short"), ("SET", "str", "x"),
    ])
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        cmds = [
            (cmd, "d", "2", "a", "b"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "d"),
            (cmd, "d", "1", "big"), ("OBJECT", "ENCODING", "d"), (cmd, "d", "2", "big", "a"),
            ("OBJECT", "ENCODING", "d"), (cmd, "d", "1", "long"), ("OBJECT", "ENCODING", "d"),
            (cmd, "d", "3", "a", "b", "nokey"), ("EXISTS", "d"), (cmd, "d", "1", "nokey"), ("EXISTS", "d"),
            (cmd, "d", "0", "a"), (cmd, "d", "-1", "a"), (cmd, "d", "3", "a", "b"), (cmd, "d", "x", "a"),
            (cmd, "d", "1", "str"), (cmd, "d", "2", "a", "b", "WEIGHTS", "2", "0.5"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"), (cmd, "d", "2", "a", "b", "AGGREGATE", "MIN"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"), (cmd, "d", "2", "a", "b", "AGGREGATE", "max", "WEIGHTS", "0", "1"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"), (cmd, "d", "2", "a", "b", "WEIGHTS", "1", "x"),
            (cmd, "d", "2", "a", "b", "WEIGHTS", "1"), (cmd, "d", "2", "a", "b", "AGGREGATE", "avg"),
            (cmd, "d", "2", "a", "b", "WITHSCORES"), (cmd, "d", "2", "a", "a", "WEIGHTS", "inf", "-inf"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ]
        run_same(r, real, cmds)
    for cmd in ("ZUNION", "ZINTER", "ZDIFF"):
        run_same(r, real, [
            (cmd, "2", "a", "b"), (cmd, "2", "a", "b", "WITHSCORES"), (cmd, "2", "big", "a", "withscores"),
            (cmd, "1", "nokey"), (cmd, "0", "a"), (cmd, "2", "a"), (cmd, "1", "str"),
            (cmd, "2", "a", "b", "WEIGHTS", "3", "-2", "WITHSCORES", "WITHSCORES"),
            (cmd, "2", "a", "b", "AGGREGATE", "MAX", "withscores"), (cmd, "1", "a", "LIMIT", "1"),
        ])
    run_same(r, real, [
        ("ZINTERCARD", "2", "a", "b"), ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"), ("ZINTERCARD", "1", "big"),
        ("ZINTERCARD", "1", "big", "LIMIT", "10"), ("ZINTERCARD", "1", "big", "LIMIT", "0"),
        ("ZINTERCARD", "0", "a"), ("ZINTERCARD", "1", "a", "LIMIT", "-1"), ("ZINTERCARD", "1", "a", "LIMIT", "x"),
        ("ZINTERCARD", "2", "a"), ("ZINTERCARD", "1", "a", "WITHSCORES"), ("ZINTERCARD", "1", "str"),
        ("ZINTERCARD", "2", "a", "nokey"),
        ("ZRANGESTORE", "d", "big", "0", "-1"), ("OBJECT", "ENCODING", "d"), ("ZCARD", "d"),
        ("ZRANGESTORE", "d", "big", "0", "127"), ("OBJECT", "ENCODING", "d"),
        ("ZRANGESTORE", "d", "big", "0", "128"), ("OBJECT", "ENCODING", "d"),
        ("ZRANGESTORE", "d", "long", "0", "-1"), ("OBJECT", "ENCODING", "d"),
        ("ZRANGESTORE", "d", "big", "(10", "20", "BYSCORE", "LIMIT", "2", "3"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "big", "20", "10", "BYSCORE", "REV"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "a", "-", "+", "BYLEX"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "d", "a", "5", "6"), ("EXISTS", "d"), ("ZRANGESTORE", "d", "nokey", "0", "-1"),
        ("ZRANGESTORE", "d", "a", "0", "-1", "WITHSCORES"), ("ZRANGESTORE", "d", "str", "0", "-1"),
        ("ZRANGESTORE", "str", "a", "0", "-1"), ("TYPE", "str"),
    ])


def test_encoding_boundaries(r, real):
    for c in (r, real):
        c.config_set("zset-max-listpack-entries", 128)
        c.config_set("zset-max-listpack-value", 64)
    cmds = []
    for i in range(129):
        cmds.append(("ZADD", "n", str(i), f"m{i}"))
        if i in (0, 126, 127, 128):
            cmds.append(("OBJECT", "ENCODING", "n"))
    cmds += [("ZREM", "n", "m0", "m1"), ("OBJECT", "ENCODING", "n"),
             ("ZADD", "v", "1", "x" * 64), ("OBJECT", "ENCODING", "v"),
             ("ZADD", "v", "1", "y" * 65), ("OBJECT", "ENCODING", "v"),
             ("ZADD", "w", "1", "y" * 65), ("OBJECT", "ENCODING", "w"),
             ("ZADD", "w2", "1", "a", "2", "y" * 65), ("OBJECT", "ENCODING", "w2"),
             ("ZADD", "w3", "1", "y" * 65, "2", "a"), ("OBJECT", "ENCODING", "w3"),
             ("ZINCRBY", "w4", "1", "y" * 65), ("OBJECT", "ENCODING", "w4"),
             ("ZUNIONSTORE", "u", "1", "w3"), ("OBJECT", "ENCODING", "u"),
             ("ZREM", "w3", "y" * 65), ("OBJECT", "ENCODING", "w3"),
             ("ZUNIONSTORE", "u", "1", "w3"), ("OBJECT", "ENCODING", "u"),
             ("CONFIG", "SET", "zset-max-listpack-entries", "0"), ("ZADD", "zero", "1", "a"),
             ("OBJECT", "ENCODING", "zero"), ("CONFIG", "SET", "zset-max-listpack-entries", "3"),
             ("ZADD", "three", "1", "a", "2", "b", "3", "c"), ("OBJECT", "ENCODING", "three"),
             ("ZADD", "three", "4", "d"), ("OBJECT", "ENCODING", "three"),
             ("ZINTERSTORE", "i3", "1", "n"), ("OBJECT", "ENCODING", "i3"),
             ("ZREMRANGEBYRANK", "n", "3", "-1"), ("ZUNIONSTORE", "i3", "1", "n"), ("OBJECT", "ENCODING", "i3"),
             ("CONFIG", "SET", "zset-max-listpack-entries", "128")]
    run_same(r, real, cmds)


def test_remove_and_pop(r, real):
    data = tuple(x for i in range(20) for x in (str(i % 7), f"m{i}"))
    for enc_member in ("", "x" * 80):  # listpack, then skiplist
        cmds = [("DEL", "z"), ("ZADD", "z") + data + ("1", enc_member + "big"), ("OBJECT", "ENCODING", "z"),
                ("ZREM", "z", "m1", "m2", "nope", "m1"), ("ZREM", "nokey", "a"), ("ZREM", "z"),
                ("ZREMRANGEBYRANK", "z", "0", "1"), ("ZREMRANGEBYRANK", "z", "-2", "-1"),
                ("ZREMRANGEBYRANK", "z", "5", "2"), ("ZREMRANGEBYRANK", "z", "a", "1"),
                ("ZREMRANGEBYSCORE", "z", "(5", "6"), ("ZREMRANGEBYSCORE", "z", "x", "1"),
                ("ZREMRANGEBYSCORE", "z", "10", "1"), ("DEL", "zl"),
                ("ZADD", "zl") + tuple(x for i in range(20) for x in ("0", f"m{i}")) + ("0", enc_member + "big"),
                ("ZREMRANGEBYLEX", "zl", "[m10", "[m13"), ("ZREMRANGEBYLEX", "zl", "m", "n"),
                ("ZREMRANGEBYLEX", "zl", "(m5", "+"), ("ZRANGE", "zl", "0", "-1"), ("ZREMRANGEBYLEX", "zl", "-", "+"),
                ("EXISTS", "zl"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
                ("ZPOPMIN", "z"), ("ZPOPMAX", "z"), ("ZPOPMIN", "z", "2"), ("ZPOPMAX", "z", "0"),
                ("ZPOPMIN", "z", "-1"), ("ZPOPMIN", "z", "a"), ("ZPOPMIN", "z", "1", "2"), ("ZPOPMIN", "nokey"),
                ("ZPOPMIN", "nokey", "3"), ("ZMPOP", "2", "nokey", "z", "MIN"),
                ("ZMPOP", "2", "nokey", "z", "max", "COUNT", "2"), ("ZMPOP", "1", "nokey", "MIN"),
                ("ZMPOP", "0", "z", "MIN"), ("ZMPOP", "1", "z", "foo"), ("ZMPOP", "1", "z", "MIN", "COUNT", "0"),
                ("ZMPOP", "1", "z", "MIN", "COUNT", "-1"), ("ZMPOP", "2", "z", "MIN"), ("ZMPOP", "x", "z", "MIN"),
                ("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"), ("ZMPOP", "99999999999", "z", "min"),
                ("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZPOPMAX", "z", "1000"), ("EXISTS", "z"),
                ("ZADD", "z", "1", "a"), ("ZREM", "z", "a"), ("EXISTS", "z"),
                ("ZADD", "z", "1", "a"), ("ZREMRANGEBYSCORE", "z", "-inf", "inf"), ("EXISTS", "z"),
                ("SET", "str", "x"), ("ZREM", "str", "a"), ("ZPOPMIN", "str"), ("ZPOPMIN", "str", "0"),
                ("ZMPOP", "1", "str", "MIN"), ("ZREMRANGEBYRANK", "str", "0", "1")]
        run_same(r, real, cmds)


def test_zrandmember(r, real):
    run_same(r, real, [("ZADD", "small", "1", "a", "2", "b", "3", "c"), ("SET", "str", "x")])
    run_same(r, real, [("ZRANDMEMBER", "nokey"), ("ZRANDMEMBER", "nokey", "5"), ("ZRANDMEMBER", "small", "0"),
                       ("ZRANDMEMBER", "small", "3"), ("ZRANDMEMBER", "small", "10", "WITHSCORES"),
                       ("ZRANDMEMBER", "small", "a"), ("ZRANDMEMBER", "small", "-9223372036854775808"),
                       ("ZRANDMEMBER", "small", "-9223372036854775807", "WITHSCORES"),
                       ("ZRANDMEMBER", "small", "1", "foo"), ("ZRANDMEMBER", "small", "1", "withscores", "x"),
                       ("ZRANDMEMBER", "str"), ("ZRANDMEMBER", "str", "1"), ("ZRANDMEMBER", "nokey", "x")])
    for enc in ("", "y" * 70):
        r.delete("z")
        members = {f"{enc}m{i}".encode(): float(i) for i in range(40)}
        r.zadd("z", members)
        assert r.zrandmember("z") in members
        for count in (1, 5, 13, 39, 40, 100):
            got = raw(r, "ZRANDMEMBER", "z", str(count), "WITHSCORES")
            pairs = list(zip(got[::2], got[1::2]))
            assert len(pairs) == min(count, 40)
            assert len({m for m, _ in pairs}) == len(pairs)
            for m, s in pairs:
                assert float(s) == members[m]
        got = raw(r, "ZRANDMEMBER", "z", "-100")
        assert len(got) == 100 and set(got) <= set(members)


def test_zscan(r, real):
    run_same(r, real, [("ZADD", "z", "1", "a", "2.5", "b", "inf", "c", "-0.0", "d"), ("ZSCAN", "z", "0"),
                       ("ZSCAN", "z", "0", "MATCH", "[ab]"), ("ZSCAN", "z", "0", "COUNT", "1"),
                       ("ZSCAN", "z", "x"), ("ZSCAN", "z", "0", "TYPE", "zset"), ("ZSCAN", "z", "0", "COUNT", "0"),
                       ("ZSCAN", "nokey", "0"), ("SET", "str", "x"), ("ZSCAN", "str", "0")])
    members = {f"member:{i}".encode(): i * 0.5 for i in range(500)}
    r.zadd("big", members)
    assert r.object("encoding", "big") == b"skiplist"
    seen, cursor = {}, 0
    while True:
        cursor, items = r.zscan("big", cursor, count=20)
        seen.update(items)
        if cursor == 0:
            break
    assert seen == members
    _, items = r.zscan("big", 0, match="member:1?", count=1000)
    assert sorted(items) == sorted((f"member:1{d}".encode(), (10 + d) * 0.5) for d in range(10))


def test_wrong_arity(r, real):
    for cmd in ("ZADD", "ZINCRBY", "ZREM", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK",
                "ZRANGE", "ZRANGESTORE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX",
                "ZREVRANGE", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZMPOP",
                "ZRANDMEMBER", "ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD",
                "ZSCAN"):
        same(r, real, cmd)
        same(r, real, cmd, "k")


def test_command_info(r, real):
    names = ["zadd", "zincrby", "zrem", "zcard", "zcount", "zlexcount", "zscore", "zmscore", "zrank", "zrevrank",
             "zrange", "zrangestore", "zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex",
             "zrevrange", "zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax", "zmpop",
             "zrandmember", "zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore", "zintercard",
             "zscan"]
    for n in names:
        ours, theirs = raw(r, "COMMAND", "INFO", n)[0], raw(real, "COMMAND", "INFO", n)[0]
        # name, arity, flags, first, last, step, ACL categories
        assert ours[:7] == theirs[:7], n


def test_random_sequences_against_redis(r, real):
    rng = random.Random(2024)
    members = [f"m{i}" for i in range(30)] + ["", "10", "-5", "x" * 70]
    scores = ["0", "1", "-1", "2.5", "0.1", "inf", "-inf", "1e17", "-0"]
    for _ in range(600):
        k = rng.choice(["a", "b", "c"])
        m, s = rng.choice(members), rng.choice(scores)
        op = rng.randrange(12)
        if op < 4:
            cmd = ("ZADD", k, *rng.sample(["NX", "XX", "GT", "LT", "CH"], rng.randrange(2)), s, m)
        elif op == 4:
            cmd = ("ZINCRBY", k, s, m)
        elif op == 5:
            cmd = ("ZREM", k, m, rng.choice(members))
        elif op == 6:
            cmd = ("ZRANGE", k, "0", "-1", "WITHSCORES")
        elif op == 7:
            cmd = ("ZRANGEBYSCORE", k, rng.choice(["-inf", "(0", "1"]), rng.choice(["+inf", "(2.5", "1e17"]),
                   "WITHSCORES")
        elif op == 8:
            cmd = ("ZUNIONSTORE", "u", "3", "a", "b", "c", "WEIGHTS", "1", rng.choice(["2", "-1", "0"]), "1",
                   "AGGREGATE", rng.choice(["SUM", "MIN", "MAX"]))
        elif op == 9:
            cmd = ("ZINTER", "2", k, "u", "WITHSCORES")
        elif op == 10:
            cmd = (rng.choice(["ZPOPMIN", "ZPOPMAX"]), k, str(rng.randrange(3)))
        else:
            cmd = ("ZRANK", k, m)
        same(r, real, *cmd)
    for k in ("a", "b", "c", "u"):
        same(r, real, "ZRANGE", k, "0", "-1", "WITHSCORES")
        same(r, real, "OBJECT", "ENCODING", k)


# ---- RESP3 -----------------------------------------------------------------

def test_resp3_replies(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    cmds = [("ZADD", "z", "1", "a", "0.1", "b", "inf", "c", "-0.0", "d", "1e300", "e"),
            ("ZADD", "z", "INCR", "1.5", "a"), ("ZINCRBY", "z", "1", "b"), ("ZSCORE", "z", "c"),
            ("ZSCORE", "z", "nope"), ("ZMSCORE", "z", "a", "nope"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGE", "z", "0", "-1"), ("ZREVRANGE", "z", "0", "1", "WITHSCORES"),
            ("ZRANGEBYSCORE", "z", "-inf", "inf", "WITHSCORES", "LIMIT", "1", "2"),
            ("ZUNION", "2", "z", "z", "WITHSCORES"), ("ZINTER", "1", "z", "WITHSCORES"), ("ZDIFF", "1", "z"),
            ("ZRANDMEMBER", "z", "0", "WITHSCORES"), ("ZRANDMEMBER", "z", "10", "WITHSCORES"),
            ("ZRANDMEMBER", "nokey"), ("ZRANK", "z", "nope"), ("ZPOPMIN", "z"), ("ZPOPMIN", "z", "1"),
            ("ZPOPMAX", "z", "2"), ("ZMPOP", "1", "z", "MIN"), ("ZMPOP", "1", "nokey", "MIN"), ("ZPOPMIN", "nokey"),
            ("ZSCAN", "z", "0"), ("ZADD", "s", "1", "x" * 80), ("ZRANGE", "s", "0", "-1", "WITHSCORES"),
            ("ZADD", "z", "XX", "INCR", "1", "nope")]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)


# ---- keys: COPY, RENAME, DUMP/RESTORE, MEMORY USAGE --------------------------

def test_copy_rename_type(r):
    r.zadd("lp", {"a": 1, "b": 2.5})
    r.zadd("sl", {("x" * 100 + str(i)): i for i in range(200)})
    for k in ("lp", "sl"):
        enc = r.object("encoding", k)
        assert r.copy(k, k + ":c")
        assert r.object("encoding", k + ":c") == enc
        assert r.zrange(k + ":c", 0, -1, withscores=True) == r.zrange(k, 0, -1, withscores=True)
        r.zadd(k + ":c", {"new": 0})  # the copy is independent
        assert r.zscore(k, "new") is None
        assert r.type(k) == b"zset"
    r.rename("sl", "sl2")
    assert r.zcard("sl2") == 200 and not r.exists("sl")


def test_dump_restore_interop(r, real):
    datasets = {
        "lp": {"a": 1, "b": 0.1, "c": float("inf"), "d": -0.0, "e": 1e300, "12": 3, "f": 1.5e-7},
        "sl": {("member-" * 10 + str(i)): i * 0.25 for i in range(300)},
        "long": {"x" * 100: 1, "y": 2},
    }
    for name, data in datasets.items():
        for src, dst in ((r, real), (real, r)):
            src.delete(name)
            dst.delete(name)
            src.zadd(name, data)
            payload = src.dump(name)
            assert dst.restore(name, 0, payload)
            assert dst.zrange(name, 0, -1, withscores=True) == src.zrange(name, 0, -1, withscores=True)
            assert dst.object("encoding", name) == src.object("encoding", name)
    # Without LZF (values under 21 bytes) the payloads are byte-identical;
    # LZF output may differ by a byte between compressor implementations.
    for c in (r, real):
        c.delete("tiny")
        c.zadd("tiny", {"a": 1, "b": 2.5})
    assert r.dump("tiny") == real.dump("tiny")


def test_restore_rejects_bad_zsets(r, real):
    r.zadd("z", {"a": 1, "b": 2})
    good = r.dump("z")
    # Flip one byte at a time: never a crash, and the CRC catches it.
    for i in range(len(good) - 10):
        bad = bytearray(good)
        bad[i] ^= 0x40
        with pytest.raises(redis.ResponseError):
            r.restore("t", 0, bytes(bad), replace=True)
    assert r.ping()


def test_memory_usage_and_tiers(r):
    r.zadd("small", {"a": 1})
    r.zadd("big", {("v" * 100 + str(i)): i for i in range(1000)})
    small, big = r.memory_usage("small"), r.memory_usage("big", samples=0)
    assert 16 < small < 200
    # 1000 members of 100+ bytes, plus nodes and dict entries.
    assert big > 1000 * 150


def info_mem(c):
    i = c.info("memory")
    return i["used_memory_dram"], i["used_memory_nvm"]


def load_big_zsets(c, nkeys, members, size):
    # One command at a time: a pipeline would leave big query buffers in DRAM.
    for k in range(nkeys):
        c.zadd(f"z{k}", {(f"{i:08}" + "m" * (size - 8)): i for i in range(members)})


def test_big_zset_member_bytes_go_to_nvm(server_factory):
    nkeys, members, size = 20, 500, 100
    elements = nkeys * members
    s = server_factory()
    c = s.client()
    d0, n0 = info_mem(c)
    load_big_zsets(c, nkeys, members, size)
    d1, n1 = info_mem(c)
    assert c.object("encoding", "z0") == b"skiplist"
    # Every member string (100 bytes + sds header) is on NVM; DRAM holds only
    # the skiplist nodes, dict entries and tables (well under 200 B each).
    assert n1 - n0 >= elements * size, (d1 - d0, n1 - n0)
    assert d1 - d0 < elements * 200, (d1 - d0, n1 - n0)
    tier = raw(c, "MEMORY", "TIER", "z0")
    assert tier[tier.index(b"nvm_bytes") + 1] >= members * size

    s2 = server_factory("--tier-policy", "dram-only")
    c2 = s2.client()
    e0, m0 = info_mem(c2)
    load_big_zsets(c2, nkeys, members, size)
    e1, m1 = info_mem(c2)
    assert m1 - m0 == 0
    assert e1 - e0 >= (d1 - d0) + elements * size


def test_sets_as_inputs(r, real):
    # Plain sets count every member with score 1: intset and hashtable.
    run_same(r, real, [
        ("SADD", "ints", "1", "2", "3", "10"), ("SADD", "strs", "a", "b", "1", "x" * 70),
        ("ZADD", "z", "5", "1", "7", "a", "-1", "zz"), ("OBJECT", "ENCODING", "ints"), ("OBJECT", "ENCODING", "strs"),
        ("ZUNION", "3", "ints", "strs", "z", "WITHSCORES"), ("ZINTER", "2", "ints", "z", "WITHSCORES"),
        ("ZINTER", "2", "strs", "z", "WEIGHTS", "3", "2", "WITHSCORES"), ("ZDIFF", "2", "ints", "z", "WITHSCORES"),
        ("ZDIFF", "2", "z", "strs", "WITHSCORES"), ("ZINTERCARD", "2", "ints", "strs"),
        ("ZUNIONSTORE", "d", "2", "ints", "strs", "AGGREGATE", "MAX"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("OBJECT", "ENCODING", "d"), ("ZINTERSTORE", "d", "2", "ints", "ints"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZDIFFSTORE", "d", "1", "strs"), ("OBJECT", "ENCODING", "d"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("ZRANGE", "ints", "0", "-1"), ("ZCARD", "strs"),
    ])
