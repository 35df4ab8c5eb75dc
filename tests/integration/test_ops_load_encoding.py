"""Encodings after loading: an RDB written by Debian's redis-server under
large encoding thresholds (big listpacks and intsets) is loaded by ours and
by Redis under the default thresholds; every key must come back in the
encoding Redis gives it (OBJECT ENCODING), with the same data (DEBUG
DIGEST). Old encodings (ziplist, zipmap) come in through RESTORE."""
import os
import shutil

import pytest

import dump_util

from conftest import REAL_SERVER, OUR_SERVER

pytestmark = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")

BIG = ["--hash-max-listpack-entries", "100000", "--hash-max-listpack-value", "100000",
       "--zset-max-listpack-entries", "100000", "--zset-max-listpack-value", "100000",
       "--set-max-intset-entries", "100000", "--list-max-listpack-size", "10000"]


def fill(c):
    p = c.pipeline(transaction=False)
    # Over the default entry counts (512 / 128 / 512).
    p.hset("h:many", mapping={f"f{i}": i for i in range(600)})
    p.zadd("z:many", {f"m{i}": i for i in range(200)})
    p.sadd("s:many", *range(1000))
    # Over the default value sizes (64 bytes).
    p.hset("h:long-value", mapping={"a": "1", "b": "x" * 100})
    p.hset("h:long-field", mapping={"y" * 100: "1"})
    p.zadd("z:long", {"z" * 100: 1, "short": 2})
    # Within the defaults: stay compact.
    p.hset("h:small", mapping={"a": "1", "b": "2"})
    p.zadd("z:small", {"a": 1})
    p.sadd("s:small", 1, 2, 3)
    p.sadd("s:strings", "a", "b")
    # Lists: nodes packed under a large list-max-listpack-size.
    p.rpush("l:long", *[f"e{i}" for i in range(5000)])
    p.rpush("l:small", "a", "b")
    p.execute()


def encodings(c):
    return {k.decode(): c.object("encoding", k).decode() for k in c.keys("*")}


def test_redis_rdb_over_the_thresholds_loads_as_redis_loads_it(server_factory, datadir):
    writer = server_factory(*BIG, binary=REAL_SERVER)
    w = writer.client()
    fill(w)
    assert w.object("encoding", "h:many") == b"listpack"  # really over the defaults
    assert w.object("encoding", "s:many") == b"intset"
    w.save()
    rdb = os.path.join(writer.dir, "dump.rdb")
    loaded = []
    for binary in (REAL_SERVER, OUR_SERVER):
        d = os.path.join(datadir, os.path.basename(binary) + str(len(loaded)))
        os.mkdir(d)
        shutil.copy(rdb, os.path.join(d, "dump.rdb"))
        s = server_factory("--dir", d, "--enable-debug-command", "yes", binary=binary)
        loaded.append(s.client())
    theirs, ours = loaded
    expected = encodings(theirs)
    assert expected["h:many"] == "hashtable" and expected["s:many"] == "hashtable"
    assert encodings(ours) == expected
    assert ours.execute_command("DEBUG", "DIGEST") == theirs.execute_command("DEBUG", "DIGEST")
    # The converted values behave as values of their encoding do.
    assert ours.hget("h:many", "f599") == b"599"
    assert ours.zscore("z:many", "m199") == 199
    assert ours.sismember("s:many", 999)


# ------------------------------------------------------------ old encodings

def zl_entry(prev, e):
    prevlen = bytes([prev]) if prev < 254 else b"\xfe" + prev.to_bytes(4, "little")
    if isinstance(e, int):
        enc = b"\xfe" + e.to_bytes(1, "little", signed=True) if -128 <= e < 128 else \
            b"\xc0" + e.to_bytes(2, "little", signed=True)
    elif len(e) < 64:
        enc = bytes([len(e)]) + e
    else:
        enc = bytes([0x40 | (len(e) >> 8), len(e) & 0xFF]) + e
    return prevlen + enc


def ziplist(elems):
    """A Redis <= 6.2 ziplist (strings, int8/int16 integers)."""
    body, prev, last = b"", 0, 10
    for e in elems:
        entry = zl_entry(prev, e)
        last = 10 + len(body)
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    count = min(len(elems), 65535)
    return total.to_bytes(4, "little") + last.to_bytes(4, "little") + count.to_bytes(2, "little") + body + b"\xff"


def zipmap(pairs):
    """A Redis <= 2.6 zipmap hash."""
    def zm_len(n):
        return bytes([n]) if n < 254 else b"\xfe" + n.to_bytes(4, "little")
    out = bytes([min(len(pairs), 254)])
    for f, v in pairs:
        out += zm_len(len(f)) + f + zm_len(len(v)) + b"\x00" + v
    return out + b"\xff"


def intset(values):
    values = sorted(values)
    width = 2 if all(-2**15 <= v < 2**15 for v in values) else 4 if all(-2**31 <= v < 2**31 for v in values) else 8
    return (width.to_bytes(4, "little") + len(values).to_bytes(4, "little") +
            b"".join(v.to_bytes(width, "little", signed=True) for v in values))


def blob(b):
    return dump_util.rdb_len(len(b)) + b


def flat(pairs):
    return [x for p in pairs for x in p]


OLD = {
    # RDB_TYPE_HASH_ZIPMAP (9)
    "zipmap:small": (9, zipmap([(b"a", b"1"), (b"b", b"2")])),
    "zipmap:many": (9, zipmap([(b"f%d" % i, b"%d" % i) for i in range(600)])),
    "zipmap:long": (9, zipmap([(b"a", b"v" * 100)])),
    # RDB_TYPE_HASH_ZIPLIST (13)
    "hzl:small": (13, ziplist([b"a", 1, b"b", b"two"])),
    "hzl:many": (13, ziplist(flat([(b"f%d" % i, i % 100) for i in range(600)]))),
    "hzl:long": (13, ziplist([b"a", b"v" * 100])),
    # RDB_TYPE_ZSET_ZIPLIST (12): member, score pairs in score order
    "zzl:small": (12, ziplist([b"a", 1, b"b", b"2.5"])),
    "zzl:many": (12, ziplist(flat([(b"m%d" % i, i) for i in range(200)]))),
    "zzl:long": (12, ziplist([b"m" * 100, 1])),
    # RDB_TYPE_SET_INTSET (11)
    "intset:small": (11, intset([1, 2, 3])),
    "intset:many": (11, intset(range(1000))),
    # RDB_TYPE_LIST_ZIPLIST (10)
    "lzl": (10, ziplist([b"a", 5, b"c" * 100])),
}


@pytest.mark.parametrize("key", sorted(OLD))
def test_old_encodings_restore_as_redis_converts_them(server_factory, key):
    typ, value = OLD[key]
    body = bytes([typ]) + blob(value)
    results = []
    for binary in (REAL_SERVER, OUR_SERVER):
        c = server_factory("--enable-debug-command", "yes", binary=binary).client()
        c.restore(key, 0, dump_util.payload(body, version=9))
        results.append((c.object("encoding", key), c.execute_command("DEBUG", "DIGEST-VALUE", key),
                        c.type(key)))
    assert results[1] == results[0]
