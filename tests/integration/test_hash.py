"""The hash commands (src/commands/hash_cmds.cc, src/object/hash_type.cc,
src/persist/hash_rdb.cc), checked against Debian's redis-server 7.0: the
same commands on both servers give identical replies, errors and OBJECT
ENCODING at every conversion boundary; DUMP payloads cross between the two
servers in both directions. Properties that cannot be compared byte for byte
(HRANDFIELD, HSCAN over a big hashtable, where the bytes sit) are checked on
their own."""
import random
import struct

import pytest
import redis

import dump_util
from differential import assert_same_keyspace_events, outcome, raw, resp3_transcript, same

# Commands whose reply order follows the hash's internal order: identical on
# both servers for a listpack (insertion order), but hashtable order depends
# on each server's random hash seed, so those replies are compared sorted.
ORDERED_BY_ENCODING = {"HGETALL", "HKEYS", "HVALS", "HSCAN"}


def encoding(c, key):
    return outcome(c, "OBJECT", "ENCODING", key)


def pairs(flat):
    return sorted(zip(flat[::2], flat[1::2]))


def canonical(c, cmd):
    """cmd's outcome, with the hashtable-ordered replies sorted."""
    res = outcome(c, *cmd)
    name = cmd[0].upper()
    if res[0] != "reply" or name not in ORDERED_BY_ENCODING or raw(c, "OBJECT", "ENCODING", cmd[1]) != b"hashtable":
        return res
    if name == "HSCAN":
        return ("reply", [res[1][0], pairs(res[1][1])])
    if name == "HGETALL":
        return ("reply", pairs(res[1]))
    return ("reply", sorted(res[1]))


def same_hash(r, real, key, ctx=""):
    assert encoding(r, key) == encoding(real, key), f"{ctx}: OBJECT ENCODING {key!r}"
    assert canonical(r, ("HGETALL", key)) == canonical(real, ("HGETALL", key)), f"{ctx}: HGETALL {key!r}"


def run_diff(r, real, commands):
    keys = sorted({cmd[1] for cmd in commands if len(cmd) > 1 and cmd[0].upper() != "CONFIG"})
    for cmd in commands:
        ours, theirs = canonical(r, cmd), canonical(real, cmd)
        assert ours == theirs, f"{cmd!r}: ours {ours!r}, redis {theirs!r}"
        for k in keys:
            same_hash(r, real, k, ctx=repr(cmd))


def set_both(r, real, name, value):
    for c in (r, real):
        c.config_set(name, value)


@pytest.fixture
def thresholds(r, real):
    """Restores the encoding thresholds a test changes."""
    yield
    set_both(r, real, "hash-max-listpack-entries", "128")
    set_both(r, real, "hash-max-listpack-value", "64")


# ---------------------------------------------------------------- commands

def test_basic_commands(r, real):
    run_diff(r, real, [
        ("HSET", "h", "a", "1", "b", "2", "a", "3"), ("HGET", "h", "a"), ("HGET", "h", "nope"), ("HGET", "nokey", "a"),
        ("HMGET", "h", "a", "nope", "b"), ("HMGET", "nokey", "a", "b"), ("HLEN", "h"), ("HLEN", "nokey"),
        ("HSTRLEN", "h", "a"), ("HSTRLEN", "h", "nope"), ("HSTRLEN", "nokey", "a"), ("HEXISTS", "h", "a"),
        ("HEXISTS", "h", "nope"), ("HEXISTS", "nokey", "a"), ("HKEYS", "h"), ("HVALS", "h"), ("HGETALL", "h"),
        ("HKEYS", "nokey"), ("HVALS", "nokey"), ("HGETALL", "nokey"), ("HSETNX", "h", "a", "x"),
        ("HSETNX", "h", "c", "x"), ("HSETNX", "new", "f", "v"), ("HMSET", "h", "d", "4", "e", "5"),
        ("HSET", "h", "", ""), ("HGET", "h", ""), ("HSTRLEN", "h", ""), ("HSET", "h", "n", "-9223372036854775808"),
        ("HSTRLEN", "h", "n"), ("HSET", "h", "z", "007"), ("HGETALL", "h"), ("HDEL", "h", "a", "a", "nope"),
        ("HDEL", "nokey", "a"), ("HDEL", "h", "b", "c", "d", "e", "", "n", "z"), ("EXISTS", "h"), ("HLEN", "h"),
        ("HSET", "bin", b"\x00\xff", b"\r\n\x00"), ("HGET", "bin", b"\x00\xff"), ("HGETALL", "bin"),
    ])


def test_hincrby(r, real):
    run_diff(r, real, [
        ("HINCRBY", "h", "a", "5"), ("HINCRBY", "h", "a", "-15"), ("HINCRBY", "h", "a", "x"),
        ("HINCRBY", "h", "a", "1.5"), ("HINCRBY", "h", "a", "9223372036854775808"), ("HSET", "h", "s", "abc"),
        ("HINCRBY", "h", "s", "1"), ("HSET", "h", "sp", " 1"), ("HINCRBY", "h", "sp", "1"), ("HSET", "h", "z", "007"),
        ("HINCRBY", "h", "z", "1"), ("HSET", "h", "max", "9223372036854775807"), ("HINCRBY", "h", "max", "1"),
        ("HINCRBY", "h", "max", "0"), ("HINCRBY", "h", "max", "-1"), ("HSET", "h", "min", "-9223372036854775808"),
        ("HINCRBY", "h", "min", "-1"), ("HINCRBY", "h", "min", "9223372036854775807"), ("HINCRBY", "new", "f", "7"),
        ("HGETALL", "h"),
    ])


def test_hincrbyfloat(r, real):
    run_diff(r, real, [
        ("HINCRBYFLOAT", "h", "a", "10.5"), ("HINCRBYFLOAT", "h", "a", "0.1"), ("HINCRBYFLOAT", "h", "a", "-5e3"),
        ("HINCRBYFLOAT", "h", "a", "x"), ("HINCRBYFLOAT", "h", "a", "inf"), ("HINCRBYFLOAT", "h", "a", "-inf"),
        ("HINCRBYFLOAT", "h", "a", "nan"), ("HINCRBYFLOAT", "h", "a", ""), ("HINCRBYFLOAT", "h", "a", "1 "),
        ("HSET", "h", "s", "abc"), ("HINCRBYFLOAT", "h", "s", "1"), ("HSET", "h", "i", "17"),
        ("HINCRBYFLOAT", "h", "i", "0.5"), ("HSET", "h", "e", "1e10"), ("HINCRBYFLOAT", "h", "e", "1"),
        ("HSET", "h", "big", "1e4932"), ("HINCRBYFLOAT", "h", "big", "1e4932"), ("HSET", "h", "hx", "0x10"),
        ("HINCRBYFLOAT", "h", "hx", "1"), ("HINCRBYFLOAT", "h", "n", "-0.0"), ("HINCRBYFLOAT", "h", "n", "3.0e-3"),
        ("HINCRBYFLOAT", "new", "f", "1.25"), ("HINCRBYFLOAT", "nan", "f", "inf"), ("EXISTS", "nan"),
        ("HGETALL", "h"),
    ])


def test_wrongtype_and_arity(r, real):
    for c in (r, real):
        c.set("str", "x")
    for cmd in [("HSET", "str", "a", "1"), ("HSETNX", "str", "a", "1"), ("HGET", "str", "a"), ("HMGET", "str", "a"),
                ("HMSET", "str", "a", "1"), ("HDEL", "str", "a"), ("HLEN", "str"), ("HSTRLEN", "str", "a"),
                ("HEXISTS", "str", "a"), ("HKEYS", "str"), ("HVALS", "str"), ("HGETALL", "str"),
                ("HINCRBY", "str", "a", "1"), ("HINCRBY", "str", "a", "x"), ("HINCRBYFLOAT", "str", "a", "1"),
                ("HINCRBYFLOAT", "str", "a", "inf"), ("HRANDFIELD", "str"), ("HRANDFIELD", "str", "2"),
                ("HRANDFIELD", "str", "-2", "WITHVALUES"), ("HSCAN", "str", "0"), ("HSCAN", "str", "x"),
                ("HSCAN", "str", "0", "COUNT", "0"), ("GET", "str")]:
        same(r, real, *cmd)
    for cmd in [("HSET", "h"), ("HSET", "h", "a"), ("HSET", "h", "a", "1", "b"), ("HMSET", "h", "a"),
                ("HMSET", "h", "a", "1", "b"), ("HSETNX", "h", "a"), ("HGET", "h"), ("HMGET", "h"), ("HDEL", "h"),
                ("HLEN",), ("HSTRLEN", "h"), ("HEXISTS", "h"), ("HKEYS",), ("HVALS", "h", "x"), ("HGETALL",),
                ("HINCRBY", "h", "a"), ("HINCRBYFLOAT", "h", "a"), ("HRANDFIELD",), ("HSCAN", "h"), ("EXISTS", "h")]:
        same(r, real, *cmd)


def test_command_info_matches_redis(r, real):
    names = ["hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hlen", "hstrlen", "hexists", "hkeys", "hvals",
             "hgetall", "hincrby", "hincrbyfloat", "hrandfield", "hscan"]
    ours, theirs = raw(r, "COMMAND", "INFO", *names), raw(real, "COMMAND", "INFO", *names)
    for o, t in zip(ours, theirs):
        name, arity, flags, first, last, step, cats = o[:7]
        assert (name, arity, set(flags), first, last, step, set(cats)) == \
            (t[0], t[1], set(t[2]), t[3], t[4], t[5], set(t[6]))


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("entries_name", ["hash-max-listpack-entries", "hash-max-ziplist-entries"])
def test_entries_boundary(r, real, thresholds, entries_name):
    set_both(r, real, entries_name, "5")
    cmds = [("HSET", "h", f"f{i}", str(i)) for i in range(5)]
    cmds += [("HSET", "h", "f0", "again"), ("HSET", "h", "f5", "x"), ("HDEL", "h", "f5", "f4", "f3")]
    cmds += [("HSET", "m", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"), ("HSET", "m2", *[str(i) for i in range(12)]),
             ("HINCRBY", "i", "a", "1")] + [("HINCRBY", "i", f"c{n}", "1") for n in range(5)]
    cmds += [("HSETNX", "n", f"f{n}", "v") for n in range(6)]
    cmds += [("HINCRBYFLOAT", "fl", f"f{n}", "1.5") for n in range(6)]
    run_diff(r, real, cmds)


@pytest.mark.parametrize("value_name", ["hash-max-listpack-value", "hash-max-ziplist-value"])
def test_value_boundary(r, real, thresholds, value_name):
    set_both(r, real, value_name, "8")
    at, over = "v" * 8, "v" * 9
    run_diff(r, real, [
        ("HSET", "v", "f", at), ("HSET", "v", "g", over),          # a value one byte too long
        ("HSET", "k", at, "x"), ("HSET", "k", over, "x"),          # a field one byte too long
        ("HSET", "m", "a", "1", "b", over, "c", "3"),              # checked before anything is set
        ("HSETNX", "nx", "f", at), ("HSETNX", "nx", "f", over), ("HSETNX", "nx", "g", over),
        ("HINCRBY", "ib", over, "1"), ("HINCRBY", "ib2", "f", "123456789"),
        ("HINCRBYFLOAT", "fb", "f", "0.0001"), ("HINCRBYFLOAT", "fb2", "f", "1"),
        ("HSET", "d", "f", over), ("HDEL", "d", "f"), ("HSET", "d", "f", "1"),
    ])
    # Raising the thresholds never converts back.
    set_both(r, real, value_name, "64")
    run_diff(r, real, [("HDEL", "v", "g"), ("HSET", "v", "h", "1")])


# ---------------------------------------------------------------- random sequences

def _random_command(rnd, keys, fields):
    k, f = rnd.choice(keys), rnd.choice(fields)
    value = rnd.choice(["1", "-7", "3.5", "abc", "", "x" * rnd.randint(1, 20), "9223372036854775807",
                        "v" * rnd.choice([63, 64, 65, 70])])
    op = rnd.randrange(15)
    if op < 3:
        n = rnd.randint(1, 4)
        args = []
        for _ in range(n):
            args += [rnd.choice(fields), value if rnd.random() < 0.5 else str(rnd.randint(0, 99))]
        return ("HSET", k, *args)
    return [
        ("HSETNX", k, f, value), ("HGET", k, f), ("HMGET", k, f, rnd.choice(fields)), ("HDEL", k, f),
        ("HDEL", k, f, rnd.choice(fields), rnd.choice(fields)), ("HLEN", k), ("HSTRLEN", k, f), ("HEXISTS", k, f),
        ("HINCRBY", k, f, str(rnd.randint(-100, 100))), ("HINCRBYFLOAT", k, f, rnd.choice(["1.5", "-0.25", "1e3"])),
        ("HGETALL", k), ("HKEYS", k),
    ][op - 3]


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences_against_redis(r, real, thresholds, seed):
    rnd = random.Random(seed)
    # Small thresholds so the sequences cross the boundary often.
    set_both(r, real, "hash-max-listpack-entries", str(rnd.choice([4, 16, 128])))
    keys = ["h1", "h2", "h3"]
    fields = [f"f{i}" for i in range(rnd.choice([6, 24]))] + ["n1", "1", "-1", "y" * 66]
    for c in (r, real):
        c.set("str", "x")
    keys.append("str")
    for i in range(250):
        cmd = _random_command(rnd, keys, fields)
        ours, theirs = canonical(r, cmd), canonical(real, cmd)
        assert ours == theirs, f"step {i} {cmd!r}: ours {ours!r}, redis {theirs!r}"
        if i % 10 == 0:
            for k in keys[:3]:
                same_hash(r, real, k, ctx=f"step {i}")


# ---------------------------------------------------------------- RESP3, notifications, dirty

def test_resp3_shapes_match_redis(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("no real redis")
    # HRANDFIELD runs on a one-field hash, so that its replies are determined.
    cmds = [("FLUSHALL",), ("HSET", "h", "a", "1", "b", "x"), ("HGETALL", "h"), ("HGETALL", "nokey"),
            ("HKEYS", "h"), ("HVALS", "nokey"), ("HMGET", "h", "a", "nope"), ("HGET", "h", "nope"), ("HSCAN", "h", "0"),
            ("HSCAN", "nokey", "0"), ("HDEL", "h", "b"), ("HRANDFIELD", "nokey"), ("HRANDFIELD", "nokey", "2", "WITHVALUES"),
            ("HRANDFIELD", "h", "0", "WITHVALUES"), ("HRANDFIELD", "h", "5", "WITHVALUES"),
            ("HRANDFIELD", "h", "-1", "WITHVALUES"), ("HRANDFIELD", "h", "-3", "WITHVALUES"), ("HRANDFIELD", "h", "-2"),
            ("HRANDFIELD", "h"), ("HINCRBYFLOAT", "h", "f", "2.5")]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)


def test_keyspace_events_match_redis(our_server, real_server, r, real):
    seq = [("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HSETNX", "h", "a", "2"),
           ("HSETNX", "h", "c", "3"), ("HMSET", "h", "d", "4"), ("HINCRBY", "h", "a", "2"), ("HINCRBY", "h", "s", "x"),
           ("HINCRBYFLOAT", "h", "a", "1.5"), ("HDEL", "h", "nope"), ("HDEL", "h", "a", "b"),
           ("HDEL", "h", "c", "d"), ("HINCRBY", "n", "f", "1"), ("HINCRBYFLOAT", "n2", "f", "1")]
    assert_same_keyspace_events(our_server, real_server, r, real, seq)


def test_dirty_counter_matches_redis(r, real):
    def dirty(c):
        return c.info("persistence")["rdb_changes_since_last_save"]

    seq = [("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HSETNX", "h", "a", "2"),
           ("HSETNX", "h", "c", "3"), ("HMSET", "h", "d", "4", "e", "5"), ("HINCRBY", "h", "a", "2"),
           ("HINCRBY", "h", "b", "x"), ("HINCRBYFLOAT", "h", "a", "1.5"), ("HDEL", "h", "nope"),
           ("HDEL", "h", "a", "b", "x"), ("HGET", "h", "c"), ("HDEL", "h", "c", "d", "e")]
    for cmd in seq:
        before = dirty(r), dirty(real)
        same(r, real, *cmd)
        assert dirty(r) - before[0] == dirty(real) - before[1], cmd


def test_watch_sees_hash_changes(our_server, r):
    r.hset("h", "a", "1")
    other = our_server.client()
    with r.pipeline() as p:
        p.watch("h")
        other.hincrby("h", "a", 1)
        p.multi()
        p.hget("h", "a")
        with pytest.raises(redis.WatchError):
            p.execute()
    other.close()


# ---------------------------------------------------------------- HRANDFIELD

@pytest.mark.parametrize("size,entries", [(10, "128"), (100, "128"), (300, "16")])
def test_hrandfield_properties(r, real, thresholds, size, entries):
    r.config_set("hash-max-listpack-entries", entries)
    full = {f"f{i}".encode(): str(i * 3).encode() for i in range(size)}
    r.hset("h", mapping=full)
    assert r.object("encoding", "h") == (b"listpack" if size <= int(entries) else b"hashtable")
    for _ in range(30):
        assert raw(r, "HRANDFIELD", "h") in full
    for count in [1, 2, size // 4, size // 3 + 1, size // 2, size - 1, size, size + 10]:
        got = raw(r, "HRANDFIELD", "h", count)
        assert len(got) == min(count, size) and len(set(got)) == len(got) and set(got) <= set(full)
        flat = raw(r, "HRANDFIELD", "h", count, "WITHVALUES")
        assert len(flat) == 2 * min(count, size)
        assert len(set(flat[::2])) == min(count, size)
        assert all(full[f] == v for f, v in zip(flat[::2], flat[1::2]))
        rep = raw(r, "HRANDFIELD", "h", -count)
        assert len(rep) == count and set(rep) <= set(full)
        flat = raw(r, "HRANDFIELD", "h", -count, "WITHVALUES")
        assert len(flat) == 2 * count and all(full[f] == v for f, v in zip(flat[::2], flat[1::2]))
    # Enough draws with repeats reach every field; and repeats happen.
    many = raw(r, "HRANDFIELD", "h", -50 * size)
    assert set(many) == set(full)
    # A unique sample of half the hash is not always the same half.
    samples = {tuple(sorted(raw(r, "HRANDFIELD", "h", size // 2))) for _ in range(10)}
    assert len(samples) > 1


def test_hrandfield_count_limits(r, real):
    for c in (r, real):
        c.hset("h", mapping={"a": "1", "b": "2"})
    for cmd in [("HRANDFIELD", "h", "-9223372036854775808"), ("HRANDFIELD", "h", "9223372036854775808"),
                ("HRANDFIELD", "h", "9223372036854775807"), ("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"),
                ("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"),
                ("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
                ("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"),
                ("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES"), ("HRANDFIELD", "h", "1.5"),
                ("HRANDFIELD", "h", "2", "WITHVALUES", "x"), ("HRANDFIELD", "h", "2", "values"),
                ("HRANDFIELD", "nokey", "x"), ("HRANDFIELD", "nokey", "-5", "WITHVALUES")]:
        ours, theirs = canonical(r, cmd), canonical(real, cmd)
        if ours[0] == theirs[0] == "reply":
            ours, theirs = ("reply", sorted(ours[1])), ("reply", sorted(theirs[1]))
        assert ours == theirs, cmd


# ---------------------------------------------------------------- HSCAN

def test_hscan_listpack_returns_everything_at_once(r, real):
    run_diff(r, real, [("HSET", "h", *[f"f{i}" if j == 0 else str(i) for i in range(50) for j in range(2)]),
                       ("HSCAN", "h", "0"), ("HSCAN", "h", "0", "COUNT", "1"), ("HSCAN", "h", "123"),
                       ("HSCAN", "h", "0", "MATCH", "f1*"), ("HSCAN", "h", "0", "MATCH", "*", "COUNT", "5"),
                       ("HSCAN", "h", "0", "COUNT", "0"), ("HSCAN", "h", "0", "COUNT", "-1"),
                       ("HSCAN", "h", "0", "COUNT", "x"), ("HSCAN", "h", "0", "MATCH"), ("HSCAN", "h", "0", "TYPE", "hash"),
                       ("HSCAN", "h", "-1"), ("HSCAN", "h", " 1"), ("HSCAN", "h", "18446744073709551616"),
                       ("HSCAN", "nokey", "0"), ("HSCAN", "nokey", "0", "BADOPT")])


def test_hscan_big_hashtable_is_complete(r):
    full = {f"field:{i}".encode(): f"value:{i}".encode() for i in range(5000)}
    with r.pipeline(transaction=False) as p:
        items = list(full.items())
        for i in range(0, len(items), 500):
            p.hset("h", mapping=dict(items[i:i + 500]))
        p.execute()
    assert r.object("encoding", "h") == b"hashtable"
    for count, match in [(10, None), (100, None), (1000, "field:1*")]:
        seen, cursor, calls = {}, 0, 0
        while True:
            args = ["HSCAN", "h", cursor, "COUNT", count] + (["MATCH", match] if match else [])
            cursor, flat = raw(r, *args)
            cursor = int(cursor)
            seen.update(zip(flat[::2], flat[1::2]))
            calls += 1
            if cursor == 0:
                break
            assert calls < 10000
        want = {f: v for f, v in full.items() if match is None or f.startswith(b"field:1")}
        assert seen == want
        assert calls > 1


def test_hscan_survives_growth_during_scan(r):
    r.hset("h", mapping={f"a{i}": i for i in range(200)})
    seen, cursor, added = set(), 0, 0
    while True:
        cursor, flat = raw(r, "HSCAN", "h", cursor, "COUNT", 20)
        cursor = int(cursor)
        seen.update(flat[::2])
        if added < 2000:
            r.hset("h", mapping={f"b{added + i}": 1 for i in range(200)})
            added += 200
        if cursor == 0:
            break
    # Every field present from start to end was reported.
    assert {f"a{i}".encode() for i in range(200)} <= seen


# ---------------------------------------------------------------- COPY RENAME DUMP RESTORE

def test_copy_and_rename(r, real, thresholds):
    set_both(r, real, "hash-max-listpack-entries", "4")
    run_diff(r, real, [
        ("HSET", "small", "a", "1", "b", "2"), ("HSET", "big", *[str(i) for i in range(20)]),
        ("COPY", "small", "small2"), ("COPY", "big", "big2"), ("HSET", "small", "a", "changed"),
        ("HSET", "big", "0", "changed"), ("HGETALL", "small2"), ("HGET", "big2", "0"), ("RENAME", "big2", "big3"),
        ("EXISTS", "big2"), ("HLEN", "big3"), ("RENAME", "small2", "small3"), ("HGETALL", "small3"),
    ])


def dump_payload(rdb_type, value_bytes):
    return dump_util.payload(bytes([rdb_type]) + value_bytes)


def rdb_string(b):
    assert len(b) < 64
    return bytes([len(b)]) + b


def listpack(elements, count=None):
    """A listpack of short strings (< 64 bytes each)."""
    entries = b""
    for e in elements:
        assert len(e) < 63
        entries += bytes([0x80 | len(e)]) + e + bytes([1 + len(e)])
    total = 6 + len(entries) + 1
    return struct.pack("<IH", total, len(elements) if count is None else count) + entries + b"\xff"


def test_crc64_helper_matches_redis(real):
    real.hset("h", "f", "v")
    payload = real.dump("h")
    assert dump_payload(payload[0], payload[1:-10]) == payload


@pytest.mark.parametrize("entries", ["128", "4"])
def test_dump_restore_both_directions(r, real, thresholds, entries):
    set_both(r, real, "hash-max-listpack-entries", entries)
    content = {"a": "1", "b": "x" * 30, "n": "-12345678901", "big": "y" * 100 if entries == "4" else "z",
               "e": "", "7": "seven"}
    for c in (r, real):
        c.hset("h", mapping=content)
        c.hset("lz", mapping={f"f{i}": "abab" * 5 for i in range(3)})  # an LZF-compressed listpack
        c.hset("plain", mapping={"k": "1", "q": "w"})  # too short to compress
    for key in ("h", "lz", "plain"):
        for src, dst in ((r, real), (real, r)):
            dst.restore(key + ":copy", 0, src.dump(key))
            assert dst.hgetall(key + ":copy") == src.hgetall(key)
            assert dst.object("encoding", key + ":copy") == src.object("encoding", key)
    # An uncompressed listpack DUMPs byte for byte as Redis's. (Compressed
    # blobs may differ: our LZF compressor picks other matches than Redis's,
    # both decode to the same bytes.)
    assert r.dump("plain") == real.dump("plain")


def test_restore_converts_like_redis(r, real, thresholds):
    for c in (r, real):
        c.hset("lp", mapping={f"f{i}": str(i) for i in range(10)})
        c.hset("ht", mapping={f"f{i}": "v" * 100 for i in range(3)})
    lp_payload, ht_payload = real.dump("lp"), real.dump("ht")
    assert ht_payload[0] == 4 and lp_payload[0] == 16
    set_both(r, real, "hash-max-listpack-value", "200")
    set_both(r, real, "hash-max-listpack-entries", "5")
    run_diff(r, real, [("RESTORE", "a", "0", lp_payload), ("RESTORE", "b", "0", ht_payload)])
    set_both(r, real, "hash-max-listpack-entries", "128")
    set_both(r, real, "hash-max-listpack-value", "1")
    run_diff(r, real, [("RESTORE", "c", "0", lp_payload), ("RESTORE", "d", "0", ht_payload)])
    set_both(r, real, "hash-max-listpack-value", "200")
    run_diff(r, real, [("RESTORE", "e", "0", ht_payload)])


def test_restore_rejects_bad_hash_payloads(r, real):
    bad = {
        "duplicate fields in a listpack": dump_payload(16, rdb_string(listpack([b"a", b"1", b"a", b"2"]))),
        "odd listpack": dump_payload(16, rdb_string(listpack([b"a", b"1", b"b"]))),
        "empty listpack": dump_payload(16, rdb_string(listpack([]))),
        "wrong listpack count": dump_payload(16, rdb_string(listpack([b"a", b"1"], count=4))),
        "truncated listpack": dump_payload(16, rdb_string(listpack([b"a", b"1"])[:-1])),
        "duplicate fields in type 4": dump_payload(4, b"\x02" + rdb_string(b"a") + rdb_string(b"1") +
                                                   rdb_string(b"a") + rdb_string(b"2")),
        "type 4 claims more pairs": dump_payload(4, b"\x03" + rdb_string(b"a") + rdb_string(b"1")),
        "type 4 with no pairs": dump_payload(4, b"\x00"),
    }
    for what, payload in bad.items():
        ours = outcome(r, "RESTORE", "k", "0", payload)
        assert ours == ("error", "Bad data format"), what
        assert r.exists("k") == 0
    real.config_set("sanitize-dump-payload", "yes")
    try:
        for what, payload in bad.items():
            assert outcome(real, "RESTORE", "k", "0", payload)[0] == "error", what
    finally:
        real.config_set("sanitize-dump-payload", "no")
    # A well-formed handmade payload loads on both.
    good = dump_payload(16, rdb_string(listpack([b"a", b"1", b"b", b"2"])))
    run_diff(r, real, [("RESTORE", "g", "0", good), ("HGETALL", "g")])


# ---------------------------------------------------------------- memory and tiers

@pytest.mark.parametrize("fields,value_len", [(10, 10), (200, 100)])
def test_memory_usage_close_to_redis(r, real, fields, value_len):
    for c in (r, real):
        c.hset("h", mapping={f"field:{i}": "v" * value_len for i in range(fields)})
    assert r.object("encoding", "h") == real.object("encoding", "h")
    ours, theirs = r.memory_usage("h", samples=0), real.memory_usage("h", samples=0)
    assert 0.7 * theirs <= ours <= 1.3 * theirs, (ours, theirs)
    sampled = r.memory_usage("h")
    assert 0.8 * ours <= sampled <= 1.2 * ours


def _load_hashes(c, n, fields, value):
    with c.pipeline(transaction=False) as p:
        for i in range(n):
            p.hset(f"user:{i}", mapping={f"field:{j}": value for j in range(fields)})
            if i % 500 == 499:
                p.execute()
        p.execute()


def test_hash_payloads_live_on_nvm(server_factory):
    s = server_factory()
    c = s.client()
    before = c.info("memory")
    _load_hashes(c, 10000, 20, b"v" * 100)
    after = c.info("memory")
    nvm = after["used_memory_nvm"] - before["used_memory_nvm"]
    dram = after["used_memory_dram"] - before["used_memory_dram"]
    assert nvm >= 10000 * 20 * 100  # every value byte, at least
    assert nvm > dram, (nvm, dram)  # most of the bytes
    tier = raw(c, "MEMORY", "TIER", "user:1")
    tier = dict(zip(tier[::2], tier[1::2]))
    assert tier[b"nvm_bytes"] > tier[b"dram_bytes"], tier


def test_dram_only_puts_no_hash_on_nvm(server_factory):
    s = server_factory("--tier-policy", "dram-only")
    c = s.client()
    _load_hashes(c, 10000, 20, b"v" * 100)
    m = c.info("memory")
    assert m["used_memory_nvm"] == 0
    assert m["used_memory_dram"] > 10000 * 20 * 100
