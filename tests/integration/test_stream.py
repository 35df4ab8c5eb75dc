"""Streams (issue 15): every command of the family against Debian's
redis-server 7.0 -- replies and error texts byte for byte in RESP2 and RESP3
transcripts, a seeded random differential run over the commands that do not
report clock times, and what a user checks by hand (TYPE, OBJECT ENCODING,
MEMORY USAGE, node limits)."""
import random
import re
import time

import pytest
import redis

from differential import outcome, raw, resp2_transcript, resp3_transcript, same


# A script with fixed IDs (no clock), covering the replies and the errors.
SCRIPT = [
    ["XADD", "s", "1-1", "a", "1", "b", "2"],
    ["XADD", "s", "1-*", "a", "1", "b", "2"],
    ["XADD", "s", "1-1", "a", "1"],
    ["XADD", "s", "0-0", "a", "1"],
    ["XADD", "s", "0", "a", "1"],
    ["XADD", "s", "2", "a"],
    ["XADD", "s", "2"],
    ["XADD", "s", "bad-id", "a", "1"],
    ["XADD", "s", "-", "a", "1"],
    ["XADD", "s", "+", "a", "1"],
    ["XADD", "s", "3-18446744073709551615", "c", "3"],
    ["XADD", "s", "3-*", "c", "3"],
    ["XADD", "s", "4-x", "c", "3"],
    ["XADD", "s", "18446744073709551616-1", "c", "3"],
    ["XADD", "s", "5-1", "f1", "v1", "f2", "12345", "f3", ""],
    ["XADD", "s", "NOMKSTREAM", "6-1", "x", "y"],
    ["XADD", "missing", "NOMKSTREAM", "1-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "-1", "7-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "abc", "7-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "10", "MINID", "0", "7-1", "x", "y"],
    ["XADD", "s", "LIMIT", "10", "7-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "10", "LIMIT", "10", "7-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "~", "10", "LIMIT", "-1", "7-1", "x", "y"],
    ["XADD", "s", "MINID", "=", "1-2", "7-1", "x", "y"],
    ["XADD", "s", "MAXLEN", "~", "100", "LIMIT", "10", "8-1", "x", "y"],
    ["XLEN", "s"],
    ["XRANGE", "s", "-", "+"],
    ["XRANGE", "s", "-", "+", "COUNT", "2"],
    ["XRANGE", "s", "-", "+", "COUNT", "0"],
    ["XRANGE", "s", "-", "+", "COUNT", "-5"],
    ["XRANGE", "s", "(3", "+"],
    ["XRANGE", "s", "(3-18446744073709551615", "(7-1"],
    ["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"],
    ["XRANGE", "s", "-", "(0-0"],
    ["XRANGE", "s", "(", "+"],
    ["XRANGE", "s", "-", "+", "COUNT"],
    ["XRANGE", "s", "-", "+", "FOO", "1"],
    ["XRANGE", "s", "5", "5"],
    ["XRANGE", "missing", "-", "+"],
    ["XREVRANGE", "s", "+", "-"],
    ["XREVRANGE", "s", "+", "-", "COUNT", "1"],
    ["XREVRANGE", "s", "(7-1", "(3"],
    ["XDEL", "missing", "bad"],
    ["XDEL", "s", "bad"],
    ["XDEL", "s", "5-1", "99-1", "5-1"],
    ["XLEN", "s"],
    ["XTRIM", "s"],
    ["XTRIM", "s", "FOO", "1"],
    ["XTRIM", "s", "MAXLEN"],
    ["XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "1"],
    ["XTRIM", "s", "MAXLEN", "=", "3"],
    ["XTRIM", "s", "MINID", "3"],
    ["XTRIM", "missing", "MAXLEN", "0"],
    ["XRANGE", "s", "-", "+"],
    ["XSETID", "missing", "1-1"],
    ["XSETID", "s", "1-1"],
    ["XSETID", "s", "100-1"],
    ["XSETID", "s", "100-1", "ENTRIESADDED", "-1"],
    ["XSETID", "s", "100-1", "ENTRIESADDED", "0"],
    ["XSETID", "s", "100-1", "MAXDELETEDID", "200-0"],
    ["XSETID", "s", "100-1", "FOO"],
    ["XSETID", "s", "100-1", "ENTRIESADDED", "50", "MAXDELETEDID", "90-0"],
    ["XSETID", "s", "80-1"],
    ["XADD", "s", "100-1", "a", "b"],
    ["XADD", "s", "100-*", "a", "b"],
    ["XINFO", "STREAM", "s"],
    ["XINFO", "STREAM", "missing"],
    ["XINFO", "STREAM", "s", "FULL", "COUNT"],
    ["XINFO", "STREAM", "s", "FOO"],
    ["XINFO", "FOO", "s"],
    ["XINFO", "HELP"],
    ["XGROUP", "HELP"],
    ["XGROUP", "FOO"],
    ["XGROUP", "CREATE", "s"],
    ["XGROUP", "CREATE", "missing", "g", "$"],
    ["XGROUP", "CREATE", "s", "g", "bad"],
    ["XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "-2"],
    ["XGROUP", "CREATE", "s", "g", "0", "FOO"],
    ["XGROUP", "CREATE", "s", "g", "0"],
    ["XGROUP", "CREATE", "s", "g", "0"],
    ["XGROUP", "CREATE", "s", "g2", "$"],
    ["XGROUP", "CREATE", "s", "g3", "3", "ENTRIESREAD", "2"],
    ["XGROUP", "CREATE", "newkey", "g", "$", "MKSTREAM"],
    ["XINFO", "STREAM", "newkey"],
    ["XGROUP", "SETID", "s", "nogroup", "0"],
    ["XGROUP", "SETID", "missing", "g", "0"],
    ["XGROUP", "SETID", "s", "g3", "5", "ENTRIESREAD", "x"],
    ["XGROUP", "SETID", "s", "g3", "5", "FOO", "1"],
    ["XGROUP", "SETID", "s", "g3", "5", "ENTRIESREAD", "3"],
    ["XINFO", "GROUPS", "s"],
    ["XINFO", "GROUPS", "missing"],
    ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
    ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"],
    ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"],
    ["XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"],
    ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "bad"],
    ["XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"],
    ["XREADGROUP", "GROUP", "g3", "carol", "NOACK", "STREAMS", "s", ">"],
    ["XINFO", "GROUPS", "s"],
    ["XINFO", "CONSUMERS", "s", "nogroup"],
    ["XPENDING", "s", "g"],
    ["XPENDING", "s", "g3"],
    ["XPENDING", "s", "nogroup"],
    ["XPENDING", "missing", "g"],
    ["XPENDING", "s", "g", "-", "+"],
    ["XPENDING", "s", "g", "-", "+", "x"],
    ["XPENDING", "s", "g", "bad", "+", "10"],
    ["XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"],
    ["XPENDING", "s", "g", "IDLE", "0", "-", "+"],
    ["XPENDING", "s", "g", "-", "+", "10", "nobody"],
    ["XPENDING", "s", "g", "(", "+", "10"],
    ["XACK", "s", "g", "bad"],
    ["XACK", "s", "nog", "1-1"],
    ["XACK", "missing", "g", "1-1"],
    ["XACK", "s", "g", "1-1", "1-1", "50-50"],
    ["XPENDING", "s", "g"],
    ["XCLAIM", "s", "g", "dave", "x", "1-2"],
    ["XCLAIM", "s", "nog", "dave", "0", "1-2"],
    ["XCLAIM", "missing", "g", "dave", "0", "1-2"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "FOO"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "IDLE", "x"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "TIME", "x"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "RETRYCOUNT", "x"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "LASTID", "x"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "JUSTID"],
    ["XCLAIM", "s", "g", "dave", "0", "1-2", "3-18446744073709551615", "RETRYCOUNT", "7"],
    ["XCLAIM", "s", "g", "erin", "0", "8-1", "FORCE", "JUSTID"],
    ["XCLAIM", "s", "g", "erin", "0", "999-1", "FORCE", "JUSTID"],
    ["XCLAIM", "s", "g", "erin", "3600000", "1-2"],
    ["XPENDING", "s", "g"],
    ["XAUTOCLAIM", "s", "g", "frank", "x", "0"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "bad"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "0"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "FOO"],
    ["XAUTOCLAIM", "s", "nog", "frank", "0", "0"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "1"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "0", "COUNT", "1", "JUSTID"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "(1-2", "JUSTID"],
    ["XDEL", "s", "8-1"],
    ["XAUTOCLAIM", "s", "g", "frank", "0", "0"],
    ["XAUTOCLAIM", "s", "g", "frank", "3600000", "0"],
    ["XGROUP", "CREATECONSUMER", "s", "g", "zed"],
    ["XGROUP", "CREATECONSUMER", "s", "g", "zed"],
    ["XGROUP", "CREATECONSUMER", "s", "nog", "zed"],
    ["XGROUP", "DELCONSUMER", "s", "g", "frank"],
    ["XGROUP", "DELCONSUMER", "s", "g", "nobody"],
    ["XPENDING", "s", "g"],
    ["XGROUP", "DESTROY", "s", "g2"],
    ["XGROUP", "DESTROY", "s", "g2"],
    ["XGROUP", "DESTROY", "missing", "g2"],
    ["XINFO", "GROUPS", "s"],
    ["XREAD", "STREAMS", "s", "0"],
    ["XREAD", "COUNT", "1", "STREAMS", "s", "newkey", "missing", "0", "0", "0"],
    ["XREAD", "STREAMS", "s", "$"],
    ["XREAD", "STREAMS", "s", ">"],
    ["XREAD", "STREAMS", "s"],
    ["XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"],
    ["XREAD", "NOACK", "STREAMS", "s", "0"],
    ["XREAD", "COUNT", "x", "STREAMS", "s", "0"],
    ["XREAD", "BLOCK", "-1", "STREAMS", "s", "0"],
    ["XREAD", "BLOCK", "x", "STREAMS", "s", "0"],
    ["XREAD", "FOO", "STREAMS", "s", "0"],
    ["XREAD", "COUNT", "1"],
    ["SET", "str", "x"],
    ["XADD", "str", "*", "a", "b"],
    ["XRANGE", "str", "-", "+"],
    ["XLEN", "str"],
    ["XREAD", "STREAMS", "str", "0"],
    ["XGROUP", "CREATE", "str", "g", "0"],
    ["XINFO", "STREAM", "str"],
    ["XPENDING", "str", "g"],
    ["XACK", "str", "g", "1-1"],
    ["XDEL", "str", "1-1"],
    ["XTRIM", "str", "MAXLEN", "1"],
    ["XSETID", "str", "1-1"],
    ["TYPE", "s"],
    ["OBJECT", "ENCODING", "s"],
    ["MULTI"],
    ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    ["XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"],
    ["EXEC"],
    ["XGROUP", "CREATECONSUMER", "s", "g", "x", "y"],
    ["XINFO", "CONSUMERS", "s"],
    ["XINFO", "STREAM"],
    # Many fields (the entry appended in one resize, beyond its inline
    # buffer), and values of every listpack string size class.
    ["XADD", "wide", "1-1"] + [x for i in range(40) for x in (f"field{i}", str(i * 7919))],
    ["XADD", "wide", "1-2"] + [x for i in range(40) for x in (f"field{i}", "v" * i)],
    ["XADD", "wide", "2-1", "small", "x" * 63, "mid", "y" * 4095, "big", "z" * 70000, "int", "-9223372036854775808"],
    ["XADD", "wide", "3-1", "small", "x" * 64, "mid", "y" * 4096, "big", "z" * 5, "int", "9223372036854775808"],
    ["XRANGE", "wide", "-", "+"],
    ["XREVRANGE", "wide", "+", "-", "COUNT", "2"],
    ["SORT", "s"],
    ["COPY", "s", "s-copy"],
    ["XINFO", "GROUPS", "s-copy"],
    ["XRANGE", "s-copy", "-", "+"],
    ["RENAME", "s-copy", "s-renamed"],
    ["XLEN", "s-renamed"],
    ["EXPIRE", "s-renamed", "100"],
    ["TTL", "s-renamed"],
    ["XDEL", "newkey", "0-0"],
    ["XTRIM", "newkey", "MAXLEN", "0"],
    ["XINFO", "STREAM", "newkey"],
    ["EVAL", "return redis.call('xread', 'block', '0', 'streams', 's', '$')", "0"],
    ["EVAL", "return redis.call('xreadgroup', 'group', 'g', 'c', 'block', '0', 'streams', 's', '>')", "0"],
    ["EVAL", "return redis.call('xread', 'count', '1', 'streams', 's', '0')", "0"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_script_transcript_matches_redis(our_server, real_server, r, real, proto):
    transcript = resp2_transcript if proto == 2 else resp3_transcript
    ours = transcript(our_server.port, SCRIPT)
    theirs = transcript(real_server.port, SCRIPT)
    if ours != theirs:
        ours_lines, their_lines = ours.split(b"\r\n"), theirs.split(b"\r\n")
        for i, (a, b) in enumerate(zip(ours_lines, their_lines)):
            assert a == b, f"first difference at line {i}: ours {a!r}, redis {b!r}\n" \
                           f"context: {their_lines[max(0, i - 12):i + 3]!r}"
        assert ours == theirs


def masked_times(reply):
    """Every integer above 10^12 (a unix time in ms) or below 10^6 that
    follows an 'idle'/'seen-time' field, and every integer of a PEL entry
    row, replaced: the two servers' clocks differ."""
    if isinstance(reply, tuple):
        return tuple(masked_times(x) for x in reply)
    if isinstance(reply, list):
        if len(reply) in (3, 4) and isinstance(reply[0], bytes) and b"-" in reply[0] and \
                all(isinstance(x, int) for x in reply[-2:]):
            return reply[:-2] + ["T", reply[-1]]  # [id, (consumer,) time-or-elapsed, count]
        return masked(reply)
    return reply


# Replies that carry clock times: idle / seen-time / delivery times.
def masked(reply):
    if isinstance(reply, tuple):
        return tuple(masked(x) for x in reply)
    if isinstance(reply, list):
        out = []
        skip_next = False
        for i, x in enumerate(reply):
            if skip_next:
                out.append("T")
                skip_next = False
                continue
            if x in (b"idle", b"seen-time"):
                skip_next = True
            out.append(masked_times(x))
        return out
    return reply


def random_commands(seed, steps):
    """A seeded random session over two streams, two groups, three consumers."""
    rng = random.Random(seed)
    cmds = []
    ms = 1
    groups = ["g1", "g2"]
    consumers = ["c1", "c2", "c3"]
    for _ in range(steps):
        op = rng.randrange(25)
        key = rng.choice(["s1", "s2"])
        if op < 6:
            ms += rng.randrange(3)
            idform = rng.choice([f"{ms}-{rng.randrange(3)}", f"{ms}-*", f"{ms}", f"{ms - 1}-5"])
            opts = []
            if rng.randrange(6) == 0:
                opts = rng.choice([["MAXLEN", str(rng.randrange(30))], ["MAXLEN", "=", str(rng.randrange(30))],
                                   ["MINID", f"{max(ms - 20, 0)}"], ["MAXLEN", "~", "5"],
                                   ["MAXLEN", "~", "5", "LIMIT", str(rng.randrange(200))]])
            nf = rng.randrange(1, 4)
            fields = []
            for i in range(nf):
                fields += [rng.choice(["f1", f"f{i}", "x"]), rng.choice(["v", "1", "-7", "x" * rng.randrange(80)])]
            cmd = ["XADD", key] + opts + [idform] + fields
        elif op == 6:
            cmd = ["XDEL", key] + [f"{rng.randrange(1, ms + 1)}-{rng.randrange(3)}" for _ in range(rng.randrange(1, 4))]
        elif op == 7:
            cmd = ["XTRIM", key] + rng.choice([["MAXLEN", str(rng.randrange(40))], ["MINID", f"{rng.randrange(ms + 1)}"],
                                               ["MAXLEN", "~", str(rng.randrange(40))]])
        elif op == 8:
            a, b = sorted([rng.randrange(ms + 2), rng.randrange(ms + 2)])
            cmd = [rng.choice(["XRANGE", "XREVRANGE"]), key]
            lo, hi = rng.choice([("-", "+"), (str(a), str(b)), (f"({a}", f"({b}-1")])
            cmd += [lo, hi] if cmd[0] == "XRANGE" else [hi, lo]
            if rng.randrange(2):
                cmd += ["COUNT", str(rng.randrange(5))]
        elif op == 9:
            cmd = ["XLEN", key]
        elif op == 10:
            cmd = ["XGROUP", "CREATE", key, rng.choice(groups), rng.choice(["0", "$", f"{rng.randrange(ms + 1)}"])]
            if rng.randrange(3) == 0:
                cmd.append("MKSTREAM")
        elif op == 11:
            cmd = ["XREADGROUP", "GROUP", rng.choice(groups), rng.choice(consumers)]
            if rng.randrange(2):
                cmd += ["COUNT", str(rng.randrange(1, 4))]
            if rng.randrange(5) == 0:
                cmd.append("NOACK")
            cmd += ["STREAMS", key, rng.choice([">", ">", "0"])]
        elif op == 12:
            cmd = ["XACK", key, rng.choice(groups)] + [f"{rng.randrange(1, ms + 1)}-{rng.randrange(3)}"
                                                      for _ in range(rng.randrange(1, 4))]
        elif op == 13:
            cmd = ["XPENDING", key, rng.choice(groups)]
        elif op == 14:
            cmd = ["XINFO", "STREAM", key]
        elif op == 15:
            cmd = ["XINFO", "GROUPS", key]
        elif op == 16:
            cmd = ["XCLAIM", key, rng.choice(groups), rng.choice(consumers), "0",
                   f"{rng.randrange(1, ms + 1)}-{rng.randrange(3)}", "JUSTID"]
        elif op == 17:
            cmd = ["XAUTOCLAIM", key, rng.choice(groups), rng.choice(consumers), "0", "0", "COUNT",
                   str(rng.randrange(1, 4))] + (["JUSTID"] if rng.randrange(2) else [])
        elif op == 18:
            cmd = ["XGROUP", rng.choice(["SETID", "DESTROY", "DELCONSUMER", "CREATECONSUMER"]), key,
                   rng.choice(groups)]
            if cmd[1] == "SETID":
                cmd.append(rng.choice(["0", "$", f"{rng.randrange(ms + 1)}"]))
            elif cmd[1] != "DESTROY":
                cmd.append(rng.choice(consumers))
        elif op == 19:
            cmd = ["XINFO", "CONSUMERS", key, rng.choice(groups)]
        elif op == 20:
            cmd = ["XINFO", "STREAM", key, "FULL"] + (["COUNT", str(rng.randrange(4))] if rng.randrange(2) else [])
        elif op == 21:
            cmd = ["XPENDING", key, rng.choice(groups)] + (["IDLE", "0"] if rng.randrange(2) else []) + \
                  ["-", "+", str(rng.randrange(5))] + ([rng.choice(consumers)] if rng.randrange(2) else [])
        elif op == 23:
            cmd = ["XSETID", key, f"{ms + rng.randrange(-2, 3)}-{rng.randrange(3)}"]
            if rng.randrange(2):
                cmd += ["ENTRIESADDED", str(rng.randrange(200))]
            if rng.randrange(2):
                cmd += ["MAXDELETEDID", f"{rng.randrange(ms + 1)}-0"]
        elif op == 24:
            cmd = ["XGROUP", rng.choice(["CREATE", "SETID"]), key, rng.choice(groups),
                   rng.choice(["0", "$", f"{rng.randrange(ms + 1)}"]), "ENTRIESREAD", str(rng.randrange(-1, 100))]
        else:
            cmd = ["XCLAIM", key, rng.choice(groups), rng.choice(consumers), "0",
                   f"{rng.randrange(1, ms + 1)}-{rng.randrange(3)}", f"{rng.randrange(1, ms + 1)}-0",
                   rng.choice(["FORCE", "RETRYCOUNT", "LASTID"]), f"{rng.randrange(1, ms + 1)}-0"][:rng.randrange(6, 10)]
            if cmd[-1] in ("RETRYCOUNT", "LASTID"):
                cmd.pop()
            if len(cmd) > 7 and cmd[7] == "RETRYCOUNT":
                cmd[8] = str(rng.randrange(9))
        cmds.append(cmd)
    return cmds


# Commands whose replies carry clock times (idle, delivery and seen times).
def timed(cmd):
    return cmd[0] == "XPENDING" and len(cmd) > 3 or cmd[0] == "XCLAIM" and "JUSTID" not in cmd or \
        cmd[:2] in (["XINFO", "CONSUMERS"],) or cmd[:2] == ["XINFO", "STREAM"] and "FULL" in cmd


def test_random_differential(r, real):
    for step, cmd in enumerate(random_commands(15, 1500)):
        ours, theirs = outcome(r, *cmd), outcome(real, *cmd)
        if timed(cmd):
            ours, theirs = masked_times(ours), masked_times(theirs)
        assert ours == theirs, f"step {step} {cmd}: ours {ours!r}, redis {theirs!r}"
    for key in ("s1", "s2"):
        same(r, real, "XRANGE", key, "-", "+")


def test_random_resp3_transcript(our_server, real_server, r, real):
    cmds = [c for c in random_commands(16, 1500) if not timed(c)]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)




def test_type_encoding_memory(r):
    r.xadd("s", {"a": "1"}, id="1-1")
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    small = r.memory_usage("s")
    for i in range(2, 2000):
        r.xadd("s", {"field": "x" * 64}, id=f"{i}-0")
    big = r.memory_usage("s", samples=0)
    assert big > small + 1999 * 64
    assert big < 1999 * 200  # listpack-packed: well under 200 bytes per 64-byte entry


def test_node_limits_are_honoured(r):
    r.config_set("stream-node-max-entries", 10)
    for i in range(1, 101):
        r.xadd("s", {"f": "v"}, id=f"{i}-0")
    info = r.xinfo_stream("s")
    assert info["radix-tree-keys"] == 10
    r.config_set("stream-node-max-entries", 0)
    r.config_set("stream-node-max-bytes", 200)
    for i in range(1, 101):
        r.xadd("t", {"f": "v" * 40}, id=f"{i}-0")
    assert r.xinfo_stream("t")["radix-tree-keys"] >= 25
    assert r.xlen("t") == 100
    r.config_set("stream-node-max-entries", 100)
    r.config_set("stream-node-max-bytes", 4096)


def test_automatic_ids_follow_the_clock(r):
    ids = [r.xadd("s", {"a": "b"}) for _ in range(50)]
    parsed = [tuple(map(int, i.split(b"-"))) for i in ids]
    assert parsed == sorted(parsed) and len(set(parsed)) == 50
    r.execute_command("XSETID", "s", "99999999999999-5")
    assert r.xadd("s", {"a": "b"}) == b"99999999999999-6"
    assert r.xadd("s", {"a": "b"}, id="99999999999999-*") == b"99999999999999-7"
    r.execute_command("XSETID", "s", "18446744073709551615-18446744073709551615")
    with pytest.raises(redis.ResponseError, match="exhausted the last possible ID"):
        r.xadd("s", {"a": "b"})



def tier_of(c, key):
    t = raw(c, "MEMORY", "TIER", key)
    return dict(zip(t[::2], t[1::2]))


def test_entries_are_nvm_payload_metadata_is_dram(server_factory):
    """Under the default static policy the entry listpacks go to NVM, the
    rax, groups and PELs stay in DRAM: at 1 KiB entries DRAM per entry is a
    small fraction of the payload (the issue's target: <= 1/10 of Redis's
    total per entry)."""
    c = server_factory().client()
    before = c.info("memory")
    for chunk in range(50):  # small pipelines: no megabytes of query buffer
        with c.pipeline(transaction=False) as p:
            for i in range(chunk * 100 + 1, chunk * 100 + 101):
                p.xadd("s", {"payload": b"p" * 1024}, id=f"{i}-0")
            p.execute()
    raw(c, "XGROUP", "CREATE", "s", "g", "0")
    raw(c, "XREADGROUP", "GROUP", "g", "c", "COUNT", "100", "STREAMS", "s", ">")
    after = c.info("memory")
    nvm = after["used_memory_nvm"] - before["used_memory_nvm"]
    dram = after["used_memory_dram"] - before["used_memory_dram"]
    assert nvm >= 5000 * 1024
    assert dram < nvm / 10, (dram, nvm)
    t = tier_of(c, "s")
    assert t[b"tier"] == b"nvm" and t[b"nvm_bytes"] > 10 * t[b"dram_bytes"], t
    usage = c.memory_usage("s", samples=0)
    assert 0 <= usage - (t[b"nvm_bytes"] + t[b"dram_bytes"]) < 256  # MEMORY USAGE adds the key


def test_tiering_engine_moves_streams_unchanged(server_factory):
    c = server_factory("--tier-migrate-cycle-ms", "5").client()
    for i in range(1, 2001):
        c.xadd("s", {"f": f"value-{i}-" + "x" * 100}, id=f"{i}-0")
    raw(c, "XGROUP", "CREATE", "s", "g", "0")
    raw(c, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "10", "STREAMS", "s", ">")
    before = (c.dump("s"), raw(c, "XINFO", "STREAM", "s", "FULL", "COUNT", "0"))
    for pin_dram, pin_nvm, tier in (("s", "", b"dram"), ("", "s", b"nvm")):
        c.config_set("tier-pin-dram", pin_dram)
        c.config_set("tier-pin-nvm", pin_nvm)
        deadline = time.time() + 20
        while tier_of(c, "s")[b"tier"] != tier or \
                (tier_of(c, "s")[b"nvm_bytes"] if tier == b"dram" else 1) > 100 * 1024:
            assert time.time() < deadline, tier_of(c, "s")
            time.sleep(0.05)
        assert (c.dump("s"), raw(c, "XINFO", "STREAM", "s", "FULL", "COUNT", "0")) == before
    c.xadd("s", {"f": "new"}, id="3000-0")
    assert c.xrange("s", "2000", "+")[-1] == (b"3000-0", {b"f": b"new"})


STREAM_COMMANDS = ["xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xsetid", "xread", "xreadgroup", "xack",
                   "xpending", "xclaim", "xautoclaim", "xgroup", "xgroup|create", "xgroup|setid", "xgroup|destroy",
                   "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|help", "xinfo", "xinfo|stream",
                   "xinfo|groups", "xinfo|consumers", "xinfo|help"]


def test_command_info_and_getkeys_match_redis(r, real):
    for name in STREAM_COMMANDS:
        ours, theirs = raw(r, "COMMAND", "INFO", name)[0], raw(real, "COMMAND", "INFO", name)[0]
        assert ours[:6] == theirs[:6], name
        assert sorted(ours[6]) == sorted(theirs[6]), name  # ACL categories
        assert ours[8] == theirs[8], name  # key specs
    for cmd in ("XREAD COUNT 1 STREAMS a b 0 0", "XREADGROUP GROUP g c STREAMS a b > >", "XADD s * a b",
                "XGROUP CREATE s g $", "XINFO STREAM s", "XCLAIM s g c 0 1-1"):
        same(r, real, "COMMAND", "GETKEYS", *cmd.split())


def test_unlink_frees_a_big_stream_in_the_background(r):
    r.config_set("stream-node-max-entries", 2)
    before = r.info("memory")["used_memory"]
    for chunk in range(20):
        with r.pipeline(transaction=False) as p:
            for i in range(chunk * 500 + 1, chunk * 500 + 501):
                p.xadd("big", {"f": "v" * 100}, id=f"{i}-0")
            p.execute()
    raw(r, "XGROUP", "CREATE", "big", "g", "0")
    raw(r, "XREADGROUP", "GROUP", "g", "c", "COUNT", "500", "STREAMS", "big", ">")
    r.config_set("stream-node-max-entries", 100)
    assert r.unlink("big") == 1
    deadline = time.time() + 10
    while r.info()["lazyfree_pending_objects"] and time.time() < deadline:
        time.sleep(0.02)
    assert r.info()["lazyfreed_objects"] >= 1  # freed on the lazy-free thread
    assert r.info("memory")["used_memory"] < before + 512 * 1024
