"""DEBUG DIGEST and DEBUG DIGEST-VALUE against Debian's redis-server 7.0:
the same dataset, built by the same commands, must give the same digests on
both servers, whatever the encodings, so operators can compare a copy, a
replica or a migration with either server."""
import os
import shutil
import time

import pytest

from conftest import REAL_SERVER

pytestmark = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")

ZERO = "0" * 40


@pytest.fixture
def pair(server_factory):
    ours = server_factory("--enable-debug-command", "yes")
    theirs = server_factory("--enable-debug-command", "yes", binary=REAL_SERVER)
    return ours, theirs


def digest(c):
    return c.execute_command("DEBUG", "DIGEST").decode()


def digest_values(c, *keys):
    return [d.decode() for d in c.execute_command("DEBUG", "DIGEST-VALUE", *keys)]


def build(c):
    """One key per type and encoding (name -> the encoding Redis 7.0 gives
    it), plus TTLs and several databases. The commands are deterministic, so
    both servers hold exactly the same data."""
    enc = {}
    p = c.pipeline(transaction=False)
    # Strings: int, embstr, raw, a number too big for int64, binary, empty.
    p.set("s:int", 12345); enc["s:int"] = "int"
    p.set("s:neg", -987654321098); enc["s:neg"] = "int"
    p.set("s:emb", "hello world"); enc["s:emb"] = "embstr"
    p.set("s:raw", "r" * 200); enc["s:raw"] = "raw"
    p.set("s:bigint", "123456789012345678901234567890"); enc["s:bigint"] = "embstr"
    p.set("s:zero-pad", "007"); enc["s:zero-pad"] = "embstr"
    p.set("s:bin", bytes(range(256))); enc["s:bin"] = "raw"
    p.set("s:empty", ""); enc["s:empty"] = "embstr"
    p.append("s:appended", "x" * 10); p.append("s:appended", "y"); enc["s:appended"] = "raw"
    # Bitmaps and HyperLogLogs are strings.
    for off in (0, 7, 100, 4095):
        p.setbit("bitmap", off, 1)
    enc["bitmap"] = "raw"
    p.pfadd("hll:sparse", *[f"e{i}" for i in range(50)]); enc["hll:sparse"] = "raw"
    p.pfadd("hll:dense", *[f"e{i}" for i in range(5000)]); enc["hll:dense"] = "raw"
    # Lists: small (one listpack node), long (many nodes), with integers.
    p.rpush("l:small", "a", "1", "-5", "b" * 60, "3.5"); enc["l:small"] = "quicklist"
    p.rpush("l:long", *[str(i) if i % 2 else f"item{i}" for i in range(2000)]); enc["l:long"] = "quicklist"
    p.lpush("l:big-elements", *["z" * 5000 for _ in range(5)]); enc["l:big-elements"] = "quicklist"
    # Hashes: listpack (ints and strings), hashtable by count and by size.
    p.hset("h:lp", mapping={"f1": "v1", "n": 42, "neg": -7, "float": "1.5"}); enc["h:lp"] = "listpack"
    p.hset("h:ht-count", mapping={f"f{i}": i for i in range(600)}); enc["h:ht-count"] = "hashtable"
    p.hset("h:ht-size", mapping={"small": "x", "big": "y" * 100}); enc["h:ht-size"] = "hashtable"
    # Sets: intset, hashtable by strings, hashtable by count.
    p.sadd("set:intset", 5, -3, 100000, 2**40); enc["set:intset"] = "intset"
    p.sadd("set:ht", "a", "b", "12", "c"); enc["set:ht"] = "hashtable"
    p.sadd("set:ht-count", *range(1000)); enc["set:ht-count"] = "hashtable"
    # Sorted sets: listpack and skiplist, with scores whose "%.17g" text
    # differs from their shortest form (0.1), integers, infinities.
    p.zadd("z:lp", {"a": 1, "b": 0.1, "c": -2.5, "d": float("inf"), "e": float("-inf"),
                    "12": 3, "f": 1e20, "g": 1 / 3}); enc["z:lp"] = "listpack"
    p.zadd("z:sl", {f"m{i}": i * 0.7 for i in range(300)}); enc["z:sl"] = "skiplist"
    p.zadd("z:sl-long", {"x" * 80: 1.25, "y": 2}); enc["z:sl-long"] = "skiplist"
    # Streams: entries with the master entry's fields and with others, many
    # nodes, a deletion, a consumer group (groups are not digested), a TTL.
    for i in range(250):
        fields = {"f": i, "g": "v" * (i % 7)} if i % 3 else {"other": i}
        p.xadd("x:stream", fields, id=f"{1000 + i}-{i % 4}")
    p.xdel("x:stream", "1005-1")
    p.xgroup_create("x:stream", "grp", id="0")
    enc["x:stream"] = "stream"
    p.xadd("ttl:x", {"a": "b"}, id="1-1"); p.expire("ttl:x", 1000); enc["ttl:x"] = "stream"
    # TTLs: present on some keys of each type.
    p.set("ttl:s", "v", ex=1000); enc["ttl:s"] = "embstr"
    p.rpush("ttl:l", "a", "b"); p.pexpire("ttl:l", 5_000_000); enc["ttl:l"] = "quicklist"
    p.hset("ttl:h", "f", "v"); p.expireat("ttl:h", 4_000_000_000); enc["ttl:h"] = "listpack"
    p.execute()
    # Other databases: the same key in db 3 and a different one in db 9.
    for db, val in ((3, "three"), (9, "nine")):
        c.execute_command("SELECT", db)
        c.set("s:emb", "hello world")
        c.set(f"only:{db}", val)
        c.zadd("z:lp", {"a": 1.5})
    c.execute_command("SELECT", 0)
    return enc


def test_digest_of_empty_dataset_is_zero(pair):
    for s in pair:
        c = s.client()
        assert digest(c) == ZERO
        assert digest_values(c, "missing") == [ZERO]
        assert digest_values(c) == []


def test_every_type_and_encoding_digests_as_redis(pair):
    ours, theirs = (s.client() for s in pair)
    enc = build(ours)
    build(theirs)
    keys = sorted(enc)
    # The dataset really covers each encoding, on both servers.
    for c in (ours, theirs):
        got = {k: c.object("encoding", k).decode() for k in keys}
        assert got == enc
    mine, redis_ = digest_values(ours, *keys), digest_values(theirs, *keys)
    for k, a, b in zip(keys, mine, redis_):
        assert a == b, f"DEBUG DIGEST-VALUE {k}: ours {a}, redis {b}"
        assert a != ZERO
    assert len(set(mine)) == len(mine)  # every value digests differently
    d = digest(ours)
    assert d == digest(theirs)
    assert d != ZERO
    # Digests follow data, not encodings: the same hash as a hashtable.
    for c in (ours, theirs):
        c.hset("h:conv", mapping={"f1": "v1", "n": 42, "neg": -7, "float": "1.5"})
    ours.hset("h:conv", "tmp", "t" * 100)
    ours.hdel("h:conv", "tmp")
    assert ours.object("encoding", "h:conv") == b"hashtable"
    assert theirs.object("encoding", "h:conv") == b"listpack"
    assert digest_values(ours, "h:conv") == digest_values(theirs, "h:conv") == digest_values(ours, "h:lp")
    assert digest(ours) == digest(theirs)


def test_digest_sees_order_values_ttl_and_db(pair):
    ours, theirs = (s.client() for s in pair)
    results = []
    for c in (ours, theirs):
        steps = []
        c.rpush("l", "a", "b", "c")
        c.sadd("s", "x", "y")
        steps.append(digest(c))
        c.execute_command("LMOVE", "l", "l", "LEFT", "RIGHT")  # b c a: same elements
        steps.append(digest(c))
        c.expire("s", 100)  # a TTL counts...
        steps.append(digest(c))
        c.expire("s", 999)  # ...but not its time
        steps.append(digest(c))
        c.persist("s")
        c.execute_command("LMOVE", "l", "l", "RIGHT", "LEFT")
        steps.append(digest(c))  # back to the start
        c.move("s", 5)
        steps.append(digest(c))
        results.append(steps)
    mine, redis_ = results
    assert mine == redis_
    assert mine[0] != mine[1] != mine[2]
    assert mine[2] == mine[3]
    assert mine[4] == mine[0]
    assert mine[5] != mine[0]


def test_digest_survives_reload_and_matches_a_redis_written_rdb(pair):
    ours, theirs = pair
    o, t = ours.client(), theirs.client()
    build(t)
    expected = digest(t)
    # Redis writes its RDB; ours loads it and must hold the same dataset.
    t.save()
    shutil.copy(os.path.join(theirs.dir, "dump.rdb"), os.path.join(ours.dir, "dump.rdb"))
    assert o.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert digest(o) == expected
    # Our own save and load keep it too.
    assert o.execute_command("DEBUG", "RELOAD") == b"OK"
    assert digest(o) == expected


def test_digest_value_sees_logically_expired_keys(pair):
    for s in pair:
        c = s.client()
        c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
        c.set("k", "v", px=1)
        time.sleep(0.02)
        # Not looked up: the key is expired but still there.
        assert digest_values(c, "k") != [ZERO]
        assert c.get("k") is None
        assert digest_values(c, "k") == [ZERO]
