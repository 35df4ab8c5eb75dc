"""The list commands (src/commands/list_cmds.cc), the blocking operations
(src/commands/blocking.cc) and the list RDB encoding (src/persist/list_rdb.cc).

Most cases are differential: the same command sequence runs on our server and
on Debian's redis-server 7.0 and every reply (errors included, raw, without
redis-py's callbacks) must be identical, as must the node layout a DUMP
reveals. Blocking behaviour is checked with several connections and bounded
timeouts; tiering with dedicated servers."""
import random
import socket
import threading
import time

import pytest
import redis

import dump_util
from differential import outcome, raw, same


def run_all(r, real, commands):
    for cmd in commands:
        same(r, real, *cmd)


def lists_equal(r, real, *keys):
    for k in keys:
        same(r, real, "TYPE", k)
        same(r, real, "LRANGE", k, 0, -1)
        same(r, real, "OBJECT", "ENCODING", k)


def resp(port, payload, wait=0.5):
    """Sends raw protocol on a fresh connection and returns what arrives
    within `wait` seconds."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    s.sendall(payload)
    out = b""
    deadline = time.time() + wait
    try:
        while time.time() < deadline:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        pass
    s.close()
    return out


def blocked_clients(c):
    return c.info("clients")["blocked_clients"]


def wait_blocked(c, n, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if blocked_clients(c) == n:
            return
        time.sleep(0.01)
    raise AssertionError(f"expected {n} blocked clients, have {blocked_clients(c)}")


class Background:
    """Runs one command on its own connection in a thread."""

    def __init__(self, server, *args, resp3=False):
        self.conn = server.client(protocol=3) if resp3 else server.client()
        self.args = args
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.result = outcome(self.conn, *self.args)
        except Exception as e:  # noqa: BLE001 - reported by join()
            self.error = e

    def join(self, timeout=10):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.args} still blocked"
        if self.error:
            raise self.error
        self.conn.close()
        return self.result


# ---------------------------------------------------------------- basics


def test_push_pop_len_range(r, real):
    run_all(r, real, [
        ("LPUSH", "l", "a", "b", "c"), ("RPUSH", "l", "1", "2", "-3", "x" * 100),
        ("LLEN", "l"), ("LRANGE", "l", 0, -1), ("LRANGE", "l", -2, 100), ("LRANGE", "l", 5, 2),
        ("LRANGE", "l", -100, -50), ("LRANGE", "l", 100, 200), ("LRANGE", "nokey", 0, -1),
        ("LPUSHX", "nokey", "a"), ("RPUSHX", "nokey", "a"), ("EXISTS", "nokey"),
        ("LPUSHX", "l", "px"), ("RPUSHX", "l", "py", "pz"), ("LRANGE", "l", 0, -1),
        ("LPOP", "l"), ("RPOP", "l"), ("LPOP", "l", 2), ("RPOP", "l", 2), ("LPOP", "l", 0),
        ("RPOP", "l", 100), ("EXISTS", "l"), ("LPOP", "l"), ("LPOP", "l", 0), ("LPOP", "l", 3),
        ("RPOP", "nokey"), ("LLEN", "nokey"), ("OBJECT", "ENCODING", "nokey"),
        ("RPUSH", "e", "x"), ("OBJECT", "ENCODING", "e"), ("TYPE", "e"),
    ])


def test_pop_count_errors(r, real):
    r.rpush("l", "a")
    real.rpush("l", "a")
    run_all(r, real, [
        ("LPOP", "l", -1), ("LPOP", "l", "abc"), ("RPOP", "l", "1.5"), ("LPOP", "l", 1, 2),
        ("LPOP", "nokey", -1), ("LPOP",), ("RPOP",), ("LRANGE", "l", "a", 1), ("LRANGE", "l", 0),
    ])


def test_pop_null_forms_resp2_and_resp3(our_server, real_server):
    payload = (b"RPUSH k a\r\nLPOP nokey\r\nLPOP nokey 2\r\nLPOP k 0\r\nLPOS nokey a\r\n"
               b"LPOS nokey a COUNT 2\r\nLINDEX nokey 0\r\nLMPOP 1 nokey LEFT\r\n")
    tails = {b"": b"$-1\r\n*-1\r\n*0\r\n$-1\r\n*0\r\n$-1\r\n*-1\r\n",
             b"HELLO 3\r\n": b"_\r\n_\r\n*0\r\n_\r\n*0\r\n_\r\n_\r\n"}
    for hello, tail in tails.items():
        ours = resp(our_server.port, hello + b"DEL k\r\n" + payload)
        assert ours.endswith(b":1\r\n" + tail), ours
        if real_server is not None:
            assert resp(real_server.port, hello + b"DEL k\r\n" + payload).endswith(b":1\r\n" + tail)


def test_index_set_insert(r, real):
    run_all(r, real, [
        ("RPUSH", "l", "a", "b", "c", "10", "20"),
        ("LINDEX", "l", 0), ("LINDEX", "l", -1), ("LINDEX", "l", 3), ("LINDEX", "l", 5), ("LINDEX", "l", -6),
        ("LINDEX", "l", "x"), ("LINDEX", "nokey", "x"), ("LINDEX", "nokey", 0),
        ("LSET", "l", 0, "A"), ("LSET", "l", -1, "Z"), ("LSET", "l", 5, "x"), ("LSET", "l", -6, "x"),
        ("LSET", "l", "x", "y"), ("LSET", "nokey", 0, "x"), ("LSET", "nokey", "bad", "x"),
        ("LRANGE", "l", 0, -1),
        ("LINSERT", "l", "BEFORE", "b", "bb"), ("LINSERT", "l", "after", "Z", "zz"),
        ("LINSERT", "l", "after", "missing", "x"), ("LINSERT", "l", "middle", "b", "x"),
        ("LINSERT", "nokey", "before", "a", "x"), ("LINSERT", "nokey", "middle", "a", "x"),
        ("LINSERT", "l", "before", "10", "9"), ("LRANGE", "l", 0, -1), ("EXISTS", "nokey"),
    ])


def test_lrem_ltrim(r, real):
    vals = ["a", "b", "a", "c", "a", "b", "1", "a"]
    run_all(r, real, [
        ("RPUSH", "l", *vals), ("LREM", "l", 2, "a"), ("LRANGE", "l", 0, -1), ("LREM", "l", -1, "a"),
        ("LRANGE", "l", 0, -1), ("LREM", "l", 0, "b"), ("LREM", "l", 0, "zz"), ("LREM", "l", "x", "a"),
        ("LREM", "nokey", 0, "a"), ("LREM", "nokey", "x", "a"), ("LREM", "l", 0, "1"),
        ("LRANGE", "l", 0, -1), ("LREM", "l", 0, "a"), ("LREM", "l", 0, "c"), ("EXISTS", "l"),
        ("RPUSH", "t", *[str(i) for i in range(20)]), ("LTRIM", "t", 2, -3), ("LRANGE", "t", 0, -1),
        ("LTRIM", "t", -5, 100), ("LRANGE", "t", 0, -1), ("LTRIM", "t", "a", 1), ("LTRIM", "nokey", 0, 1),
        ("LTRIM", "nokey", "a", 1), ("LTRIM", "t", 3, 1), ("EXISTS", "t"),
        ("RPUSH", "t2", "a", "b"), ("LTRIM", "t2", 5, 10), ("EXISTS", "t2"),
    ])


def test_lpos(r, real):
    run_all(r, real, [
        ("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"),
        ("LPOS", "l", "c"), ("LPOS", "l", "c", "RANK", 2), ("LPOS", "l", "c", "RANK", -1),
        ("LPOS", "l", "c", "RANK", -3), ("LPOS", "l", "c", "RANK", 4), ("LPOS", "l", "c", "COUNT", 0),
        ("LPOS", "l", "c", "COUNT", 2), ("LPOS", "l", "c", "COUNT", 2, "RANK", -1),
        ("LPOS", "l", "c", "MAXLEN", 3), ("LPOS", "l", "c", "MAXLEN", 3, "COUNT", 0),
        ("LPOS", "l", "c", "RANK", -1, "MAXLEN", 1), ("LPOS", "l", "x"), ("LPOS", "l", "x", "COUNT", 1),
        ("LPOS", "l", "1"), ("LPOS", "l", "c", "RANK", 0), ("LPOS", "l", "c", "COUNT", -1),
        ("LPOS", "l", "c", "MAXLEN", -1), ("LPOS", "l", "c", "RANK"), ("LPOS", "l", "c", "FOO", 1),
        ("LPOS", "l", "c", "RANK", "x"), ("LPOS", "l", "c", "COUNT", "x"), ("LPOS", "nokey", "c"),
        ("LPOS", "nokey", "c", "COUNT", 1), ("LPOS", "l", "c", "RANK", -9223372036854775808),
        ("LPOS", "l", "c", "RANK", 9223372036854775807), ("LPOS", "nokey", "c", "RANK", 0),
    ])


def test_lmove_rpoplpush(r, real):
    run_all(r, real, [
        ("RPUSH", "s", "a", "b", "c", "d"),
        ("RPOPLPUSH", "s", "d"), ("LMOVE", "s", "d", "LEFT", "RIGHT"), ("LMOVE", "s", "d", "right", "left"),
        ("LMOVE", "s", "s", "LEFT", "RIGHT"), ("LRANGE", "s", 0, -1), ("LRANGE", "d", 0, -1),
        ("LMOVE", "s", "d", "up", "left"), ("LMOVE", "s", "d", "left", "down"), ("LMOVE", "nokey", "d", "bad", "left"),
        ("RPOPLPUSH", "nokey", "d"), ("SET", "str", "x"), ("RPOPLPUSH", "s", "str"), ("RPOPLPUSH", "str", "d"),
        ("RPOPLPUSH", "nokey", "str"), ("LMOVE", "s", "d", "LEFT", "LEFT"), ("EXISTS", "s"),
        ("LRANGE", "d", 0, -1), ("RPOPLPUSH", "d", "d"), ("LRANGE", "d", 0, -1),
    ])


def test_lmpop(r, real):
    run_all(r, real, [
        ("RPUSH", "a", "1", "2", "3"), ("RPUSH", "b", "x", "y"),
        ("LMPOP", 2, "nokey", "a", "LEFT"), ("LMPOP", 2, "nokey", "a", "RIGHT", "COUNT", 10),
        ("LMPOP", 2, "a", "b", "left", "count", 1), ("LMPOP", 1, "nokey", "left"),
        ("LMPOP", 0, "a", "left"), ("LMPOP", -1, "a", "left"), ("LMPOP", "x", "a", "left"),
        ("LMPOP", 3, "a", "left"), ("LMPOP", 9223372036854775807, "a", "left"), ("LMPOP", 1, "a", "middle"),
        ("LMPOP", 1, "b", "left", "count", 0), ("LMPOP", 1, "b", "left", "count", -1),
        ("LMPOP", 1, "b", "left", "count", 1, "count", 1), ("LMPOP", 1, "b", "left", "count"),
        ("LMPOP", 1, "b", "left", "foo"), ("LMPOP", 1, "b"), ("SET", "s", "v"), ("LMPOP", 2, "s", "b", "left"),
        ("LMPOP", 2, "b", "s", "left"), ("EXISTS", "a", "b"),
    ])


def test_wrongtype_and_arity(r, real):
    r.set("s", "v")
    real.set("s", "v")
    cmds = [("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
            ("LPOP", "s"), ("RPOP", "s", 1), ("LLEN", "s"), ("LRANGE", "s", 0, 1), ("LINDEX", "s", 0),
            ("LSET", "s", 0, "x"), ("LINSERT", "s", "before", "a", "b"), ("LREM", "s", 0, "a"),
            ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("RPOPLPUSH", "s", "d"), ("LMOVE", "s", "d", "left", "left"),
            ("LMPOP", 1, "s", "left"), ("BLPOP", "s", 0), ("BRPOP", "s", 0), ("BRPOPLPUSH", "s", "d", 0),
            ("BLMOVE", "s", "d", "left", "left", 0), ("BLMPOP", 0, 1, "s", "left"),
            ("LPUSH", "k"), ("RPUSH",), ("LLEN",), ("LLEN", "a", "b"), ("LRANGE", "a", 0), ("LINDEX", "a"),
            ("LSET", "a", 0), ("LINSERT", "a", "before", "x"), ("LREM", "a", 0), ("LTRIM", "a", 0),
            ("LPOS", "a"), ("RPOPLPUSH", "a"), ("LMOVE", "a", "b", "left"), ("LMPOP", 1, "a"),
            ("BLPOP", "a"), ("BRPOPLPUSH", "a", "b"), ("BLMOVE", "a", "b", "left", "left"), ("BLMPOP", 0, 1, "a")]
    for c in cmds:
        same(r, real, *c)
    # A list where a string is expected.
    r.rpush("l", "x")
    real.rpush("l", "x")
    run_all(r, real, [("GET", "l"), ("APPEND", "l", "x"), ("INCR", "l"), ("STRLEN", "l"), ("TYPE", "l")])


def test_command_info_matches_redis(r, real):
    names = ["lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset",
             "linsert", "lrem", "ltrim", "lpos", "rpoplpush", "lmove", "lmpop", "blpop", "brpop",
             "brpoplpush", "blmove", "blmpop"]
    for n in names:
        ours = raw(r, "COMMAND", "INFO", n)[0]
        theirs = raw(real, "COMMAND", "INFO", n)[0]
        # name, arity, flags, first, last, step, ACL categories
        assert ours[:7] == theirs[:7], n
        assert sorted(ours[2]) == sorted(theirs[2]), n


def test_integers_and_binary_values(r, real):
    vals = ["0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "01", "+1",
            " 1", "1.5", "", "\x00\xff", "x" * 70, "y" * 5000, "127", "128", "-4096", "4095", "8388607"]
    run_all(r, real, [("RPUSH", "l", *vals), ("LRANGE", "l", 0, -1), ("LPOS", "l", "127"),
                      ("LPOS", "l", "01"), ("LREM", "l", 0, "-1"), ("LINSERT", "l", "after", "4095", "z"),
                      ("LRANGE", "l", 0, -1)])
    for i in range(len(vals)):
        same(r, real, "LINDEX", "l", i)


def test_sort_lists(r, real):
    for c in (r, real):
        raw(c, "RPUSH", "l", "3", "10", "1", "2", "-5", "7")
        raw(c, "RPUSH", "w", "b", "a", "c")
        for i in (3, 10, 1, 2, -5, 7):
            raw(c, "SET", f"wt_{i}", str(100 - i))
    run_all(r, real, [
        ("SORT", "l"), ("SORT", "l", "DESC"), ("SORT", "l", "LIMIT", 1, 3), ("SORT", "l", "BY", "nosort"),
        ("SORT", "l", "BY", "nosort", "DESC"), ("SORT", "l", "BY", "nosort", "LIMIT", 1, 2),
        ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 1, 2), ("SORT", "l", "BY", "nosort", "LIMIT", 4, 100),
        ("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 10, 2), ("SORT", "l", "BY", "wt_*"),
        ("SORT", "l", "BY", "wt_*", "GET", "#", "GET", "wt_*"), ("SORT", "w"), ("SORT", "w", "ALPHA"),
        ("SORT_RO", "w", "ALPHA", "DESC"), ("SORT", "l", "STORE", "dst"), ("LRANGE", "dst", 0, -1),
        ("OBJECT", "ENCODING", "dst"), ("SORT", "w", "BY", "nosort", "DESC", "STORE", "dst"),
        ("LRANGE", "dst", 0, -1), ("SORT", "missing", "STORE", "dst"), ("EXISTS", "dst"),
    ])


# ---------------------------------------------------------------- node layout and randomized sequences


def node_layout(c, key):
    """(container, uncompressed bytes) per node, from DUMP."""
    p = raw(c, "DUMP", key)
    if p is None:
        return []
    i = 1

    def rlen():
        nonlocal i
        b = p[i]
        if b >> 6 == 0:
            i += 1
            return b & 63
        if b >> 6 == 1:
            v = ((b & 63) << 8) | p[i + 1]
            i += 2
            return v
        if b == 0x80:
            v = int.from_bytes(p[i + 1:i + 5], "big")
            i += 5
            return v
        if b == 0xC3:  # LZF string
            i += 1
            return -1
        raise AssertionError(f"unexpected length byte {b:#x}")

    assert p[0] == 18, "RDB_TYPE_LIST_QUICKLIST_2"
    nodes = []
    for _ in range(rlen()):
        container = rlen()
        n = rlen()
        if n == -1:
            clen, ulen = rlen(), rlen()
            i += clen
            nodes.append((container, ulen))
        else:
            i += n
            nodes.append((container, n))
    return nodes


@pytest.mark.parametrize("fill", ["-2", "-1", "-5", "1", "5", "128"])
def test_random_sequences_and_node_layout(r, real, fill):
    rng = random.Random(int(fill) + 100)
    for c in (r, real):
        c.config_set("list-max-listpack-size", fill)
    try:
        for step in range(600):
            v = rng.choice(["x" * rng.randrange(0, 300), str(rng.randrange(-10 ** 6, 10 ** 6)), "a", "b"])
            n = int(raw(real, "LLEN", "l"))
            idx = rng.randrange(-n - 2, n + 2) if n else 0
            cmd = rng.choice([
                ("RPUSH", "l", v), ("LPUSH", "l", v, v + "2"), ("LINSERT", "l", rng.choice(["BEFORE", "AFTER"]),
                                                              rng.choice(["a", "b", v]), v),
                ("LSET", "l", idx, v), ("LREM", "l", rng.randrange(-2, 3), rng.choice(["a", "b"])),
                ("LTRIM", "l", rng.randrange(0, 3), rng.randrange(-3, 0) if rng.random() < 0.9 else n + 5),
                ("LPOP", "l", rng.randrange(1, 4)), ("RPOP", "l"), ("LINDEX", "l", idx),
                ("LRANGE", "l", idx, idx + 20), ("LPOS", "l", "a", "RANK", rng.choice([1, -1, 2])),
                ("RPOPLPUSH", "l", "l"), ("LMOVE", "l", "m", "LEFT", "RIGHT"), ("RPUSH", "l", *([v] * 30)),
            ])
            same(r, real, *cmd)
            if step % 25 == 0:
                lists_equal(r, real, "l", "m")
                assert node_layout(r, "l") == node_layout(real, "l"), f"after {cmd}"
        lists_equal(r, real, "l", "m")
        assert node_layout(r, "l") == node_layout(real, "l")
    finally:
        for c in (r, real):
            c.config_set("list-max-listpack-size", "-2")


def test_large_list_many_nodes(r, real):
    pipe_r, pipe_real = r.pipeline(transaction=False), real.pipeline(transaction=False)
    for i in range(20000):
        v = f"value-{i}-" + "z" * (i % 50)
        pipe_r.rpush("big", v)
        pipe_real.rpush("big", v)
    pipe_r.execute()
    pipe_real.execute()
    layout = node_layout(r, "big")
    assert len(layout) > 50
    assert layout == node_layout(real, "big")
    for idx in (0, 1, 9999, 10000, -1, -10000, 19999, 20000):
        same(r, real, "LINDEX", "big", idx)
    same(r, real, "LRANGE", "big", 9990, 10010)
    same(r, real, "LRANGE", "big", -10010, -9990)
    same(r, real, "LINSERT", "big", "BEFORE", "value-12345-" + "z" * (12345 % 50), "ins")
    same(r, real, "LSET", "big", 15000, "set")
    same(r, real, "LREM", "big", -3, "value-7-zzzzzzz")
    same(r, real, "LTRIM", "big", 100, -100)
    same(r, real, "LLEN", "big")
    assert raw(r, "LRANGE", "big", 0, -1) == raw(real, "LRANGE", "big", 0, -1)
    assert node_layout(r, "big") == node_layout(real, "big")


def test_packed_threshold_plain_nodes(r):
    # Elements at or above 1 GiB get plain nodes; too big to test here, so
    # check only that a big (non-plain) element round-trips through DUMP.
    big = b"q" * 100000
    r.rpush("l", "a", big, "b")
    assert r.lindex("l", 1) == big
    payload = r.dump("l")
    r.restore("l2", 0, payload)
    assert r.lrange("l2", 0, -1) == [b"a", big, b"b"]


# ---------------------------------------------------------------- DUMP / RESTORE interop


def test_dump_restore_interop(r, real):
    vals = [str(i) if i % 3 else "v" * (i % 200) for i in range(3000)]
    real.rpush("l", *vals)
    r.rpush("l", *vals)
    # Real Redis -> ours.
    r.restore("fromreal", 0, real.dump("l"))
    assert r.lrange("fromreal", 0, -1) == real.lrange("l", 0, -1)
    assert node_layout(r, "fromreal") == node_layout(real, "l")
    # Ours -> real Redis.
    real.restore("fromours", 0, r.dump("l"))
    assert real.lrange("fromours", 0, -1) == r.lrange("l", 0, -1)
    assert r.object("encoding", "fromreal") == b"quicklist"
    # A small list and one of integers only.
    for c in (r, real):
        c.rpush("small", "a")
        c.rpush("ints", *range(100))
    real.restore("s2", 0, r.dump("small"))
    real.restore("i2", 0, r.dump("ints"))
    r.restore("s3", 0, real.dump("small"))
    assert real.lrange("s2", 0, -1) == [b"a"]
    assert real.lrange("i2", 0, -1) == [str(i).encode() for i in range(100)]
    assert r.lrange("s3", 0, -1) == [b"a"]


def test_restore_corrupt_values_with_valid_crc(r, real):
    r.rpush("l", *[f"e{i}" for i in range(50)])
    good = r.dump("l")
    assert dump_util.payload(good[:-10]) == good, "our CRC helper matches the server's"
    rng = random.Random(11)
    for trial in range(200):
        p = bytearray(good[:-10])
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(1, len(p))
            p[pos] = rng.randrange(256)
        try:
            r.restore(f"x{trial}", 0, dump_util.payload(bytes(p)))
            # Accepted: it must be a consistent list.
            r.lrange(f"x{trial}", 0, -1)
            r.llen(f"x{trial}")
        except redis.ResponseError as e:
            assert "Bad data format" in str(e)
    # Type 1 (plain element strings) and an empty quicklist.
    plain = bytes([1, 3, 1]) + b"a" + bytes([1]) + b"b" + bytes([0xC0, 7])
    r.restore("plain", 0, dump_util.payload(plain))
    assert r.lrange("plain", 0, -1) == [b"a", b"b", b"7"]
    real.restore("plain", 0, dump_util.payload(plain))
    assert real.lrange("plain", 0, -1) == [b"a", b"b", b"7"]
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("empty", 0, dump_util.payload(bytes([18, 0])))
    # QUICKLIST_2 with an empty plain node (container 1), alone or beside
    # a good one: Redis 7.0 refuses it.
    for body in (bytes([18, 1, 1, 0]), bytes([18, 2, 1, 1]) + b"a" + bytes([1, 0]),
                 bytes([18, 2, 1, 0, 1, 1]) + b"a"):
        for c in (r, real):
            assert outcome(c, "RESTORE", "q", "0", dump_util.payload(body)) == ("error", "Bad data format")
    assert r.ping()


def ziplist(elems):
    """A Redis <= 6.2 ziplist of small strings and int8 integers."""
    body, prev, last = b"", 0, 10
    for e in elems:
        if isinstance(e, int) and 0 <= e <= 12:
            enc = bytes([0xF1 + e])
        elif isinstance(e, int):
            enc = bytes([0xFE]) + e.to_bytes(1, "little", signed=True)
        else:
            enc = bytes([len(e)]) + e
        entry = bytes([prev]) + enc
        last = 10 + len(body)
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    return (total.to_bytes(4, "little") + last.to_bytes(4, "little") + len(elems).to_bytes(2, "little") +
            body + b"\xff")


def rdb_string(b):
    assert len(b) < 16384
    return (bytes([len(b)]) if len(b) < 64 else bytes([0x40 | (len(b) >> 8), len(b) & 0xFF])) + b


def test_restore_ziplist_encodings(r, real):
    first = [b"a", 5, -100, b"hello", 12]
    second = [b"x" * 40, 100, b"", 0]
    payloads = {
        "zl": bytes([10]) + rdb_string(ziplist(first + second)),
        "ql": bytes([14, 3]) + rdb_string(ziplist(first)) + rdb_string(ziplist([])) + rdb_string(ziplist(second)),
    }
    for key, body in payloads.items():
        for c in (r, real):
            c.restore(key, 0, dump_util.payload(body))
        same(r, real, "LRANGE", key, 0, -1)
        same(r, real, "OBJECT", "ENCODING", key)
        assert node_layout(r, key) == node_layout(real, key), key
    assert r.lrange("ql", 0, -1)[:3] == [b"a", b"5", b"-100"]
    # Corrupt ziplists and an empty one are refused.
    for bad in (ziplist(first)[:-1] + b"\x00", ziplist([]), ziplist(first)[:12]):
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            r.restore("bad", 0, dump_util.payload(bytes([10]) + rdb_string(bad)))
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("bad", 0, dump_util.payload(bytes([14, 1]) + rdb_string(ziplist([]))))


# ---------------------------------------------------------------- blocking


def test_blpop_served_by_push(our_server, r):
    b = Background(our_server, "BLPOP", "q1", "q2", 5)
    wait_blocked(r, 1)
    assert any("b" in c["flags"] for c in r.client_list())
    r.rpush("q2", "v1", "v2")
    assert b.join() == ("reply", [b"q2", b"v1"])
    assert r.lrange("q2", 0, -1) == [b"v2"]
    assert blocked_clients(r) == 0


def test_blocking_immediate_when_data(r, real):
    run_all(r, real, [
        ("RPUSH", "a", "1", "2", "3"), ("BLPOP", "nokey", "a", 0), ("BRPOP", "a", 0),
        ("BRPOPLPUSH", "a", "d", 0), ("BLMOVE", "d", "a", "LEFT", "RIGHT", 0), ("BLMPOP", 0, 2, "x", "a", "RIGHT", "COUNT", 5),
        ("EXISTS", "a"), ("LRANGE", "d", 0, -1),
        ("BLPOP", "a", "x"), ("BLPOP", "a", -1), ("BLPOP", "a", "nan"), ("BLPOP", "a", "1e300"),
        ("BLPOP", "a", "inf"), ("BLPOP", "a", " 1"), ("BRPOPLPUSH", "a", "b", "x"),
        ("BLMOVE", "a", "b", "middle", "left", 0), ("BLMOVE", "a", "b", "left", "left", "x"),
        ("BLMPOP", "x", 1, "a", "left"), ("BLMPOP", 0, 0, "a", "left"), ("BLMPOP", -1, 1, "a", "left", "count", 0),
    ])


def test_blocking_timeouts(our_server, r):
    t0 = time.time()
    assert outcome(r, "BLPOP", "nokey", 0.3) == ("reply", None)
    assert outcome(r, "BRPOPLPUSH", "nokey", "d", 0.2) == ("reply", None)
    assert outcome(r, "BLMOVE", "nokey", "d", "LEFT", "LEFT", 0.2) == ("reply", None)
    assert outcome(r, "BLMPOP", 0.2, 1, "nokey", "LEFT") == ("reply", None)
    elapsed = time.time() - t0
    assert 0.85 <= elapsed < 5
    # Raw forms: RESP2 *-1, RESP3 _.
    assert resp(our_server.port, b"BLPOP nokey 0.1\r\n").endswith(b"*-1\r\n")
    assert resp(our_server.port, b"BRPOPLPUSH nokey d 0.1\r\n").endswith(b"*-1\r\n")
    assert resp(our_server.port, b"HELLO 3\r\nBLPOP nokey 0.1\r\n").endswith(b"_\r\n")
    assert blocked_clients(r) == 0


def test_fifo_fairness(our_server, r):
    clients = []
    for i in range(3):
        clients.append(Background(our_server, "BLPOP", "fq", 5))
        wait_blocked(r, i + 1)
    r.rpush("fq", "a", "b", "c")
    assert [c.join()[1][1] for c in clients] == [b"a", b"b", b"c"]
    # Only two elements for three waiters: the first two are served.
    clients = []
    for i in range(3):
        clients.append(Background(our_server, "BRPOP", "fq", 1))
        wait_blocked(r, i + 1)
    r.rpush("fq", "x", "y")
    assert clients[0].join() == ("reply", [b"fq", b"y"])
    assert clients[1].join() == ("reply", [b"fq", b"x"])
    assert clients[2].join() == ("reply", None)


def test_multi_key_blocking_first_ready_wins(our_server, r):
    b = Background(our_server, "BLPOP", "k1", "k2", "k3", 5)
    wait_blocked(r, 1)
    # Both become ready in one transaction: k3 first.
    p = r.pipeline(transaction=True)
    p.rpush("k3", "three")
    p.rpush("k1", "one")
    p.execute()
    assert b.join() == ("reply", [b"k3", b"three"])
    assert r.lrange("k1", 0, -1) == [b"one"]
    assert blocked_clients(r) == 0


def test_blmove_chain_and_propagation_of_served(our_server, r):
    # c1 waits on src, moving to mid; c2 waits on mid. One push serves both.
    c1 = Background(our_server, "BLMOVE", "src", "mid", "RIGHT", "LEFT", 5)
    wait_blocked(r, 1)
    c2 = Background(our_server, "BRPOPLPUSH", "mid", "dst", 5)
    wait_blocked(r, 2)
    r.lpush("src", "v")
    assert c1.join() == ("reply", b"v")
    assert c2.join() == ("reply", b"v")
    assert r.lrange("dst", 0, -1) == [b"v"]
    assert r.exists("src", "mid") == 0


def test_blmove_destination_wrongtype(our_server, r):
    r.set("dst", "string")
    c = Background(our_server, "BLMOVE", "src", "dst", "LEFT", "LEFT", 5)
    wait_blocked(r, 1)
    r.rpush("src", "v")
    res = c.join()
    assert res[0] == "error" and res[1].startswith("WRONGTYPE")
    assert r.lrange("src", 0, -1) == [b"v"]


def test_blmpop_served_with_count(our_server, r):
    c = Background(our_server, "BLMPOP", 5, 2, "m1", "m2", "RIGHT", "COUNT", 2)
    wait_blocked(r, 1)
    r.rpush("m2", "a", "b", "c")
    assert c.join() == ("reply", [b"m2", [b"c", b"b"]])
    assert r.lrange("m2", 0, -1) == [b"a"]


def test_wrong_type_key_does_not_serve(our_server, r):
    c = Background(our_server, "BLPOP", "wk", 1)
    wait_blocked(r, 1)
    r.set("wk", "string")  # ready, but not a list: keeps waiting
    time.sleep(0.1)
    assert blocked_clients(r) == 1
    r.delete("wk")
    r.rpush("wk", "finally")
    assert c.join() == ("reply", [b"wk", b"finally"])


def test_key_created_by_rename_restore_copy_wakes(our_server, r):
    for maker in ("rename", "copy", "restore"):
        r.delete("src", "w")
        r.rpush("src", "elem")
        c = Background(our_server, "BLPOP", "w", 5)
        wait_blocked(r, 1)
        if maker == "rename":
            r.rename("src", "w")
        elif maker == "copy":
            r.copy("src", "w")
        else:
            r.restore("w", 0, r.dump("src"))
        assert c.join() == ("reply", [b"w", b"elem"]), maker


def test_blocking_inside_multi_never_blocks(our_server, r, real):
    for c in (r, real):
        p = c.pipeline(transaction=True)
        p.blpop(["nokey"], 0)
        p.brpoplpush("nokey", "d", 0)
        p.execute()
    payload = (b"MULTI\r\nBLMOVE nokey d left left 0\r\nBLPOP nokey 0\r\nBRPOPLPUSH nokey d 0\r\n"
               b"BLMPOP 0 1 nokey left\r\nEXEC\r\n")
    ours = resp(our_server.port, payload)
    assert ours.endswith(b"*4\r\n$-1\r\n*-1\r\n$-1\r\n*-1\r\n")
    ours3 = resp(our_server.port, b"HELLO 3\r\n" + payload)
    assert ours3.endswith(b"*4\r\n_\r\n_\r\n_\r\n_\r\n")
    assert blocked_clients(r) == 0


def test_client_unblock(our_server, r):
    c = Background(our_server, "BLPOP", "u", 0)
    wait_blocked(r, 1)
    cid = next(x["id"] for x in r.client_list() if "b" in x["flags"])
    assert r.client_unblock(cid) is True
    assert c.join() == ("reply", None)
    c = Background(our_server, "BRPOP", "u", 0)
    wait_blocked(r, 1)
    cid = next(x["id"] for x in r.client_list() if "b" in x["flags"])
    assert raw(r, "CLIENT", "UNBLOCK", cid, "ERROR") == 1
    assert c.join() == ("error", "UNBLOCKED client unblocked via CLIENT UNBLOCK")
    assert raw(r, "CLIENT", "UNBLOCK", cid) == 0
    assert raw(r, "CLIENT", "UNBLOCK", 999999) == 0
    assert outcome(r, "CLIENT", "UNBLOCK", cid, "MAYBE")[0] == "error"


def test_disconnect_while_blocked(our_server, r):
    s = socket.create_connection(("127.0.0.1", our_server.port))
    s.sendall(b"BLPOP dq 0\r\n")
    wait_blocked(r, 1)
    s.close()
    wait_blocked(r, 0)
    r.rpush("dq", "x")
    assert r.lrange("dq", 0, -1) == [b"x"]


def test_pipeline_after_blocking_command_waits(our_server, r):
    s = socket.create_connection(("127.0.0.1", our_server.port))
    s.settimeout(5)
    s.sendall(b"BLPOP pq 0\r\nPING\r\n")
    wait_blocked(r, 1)
    s.settimeout(0.2)
    with pytest.raises(socket.timeout):
        s.recv(100)  # PING is not executed while blocked
    r.rpush("pq", "v")
    s.settimeout(5)
    got = b""
    while not got.endswith(b"+PONG\r\n"):
        got += s.recv(100)
    assert got == b"*2\r\n$2\r\npq\r\n$1\r\nv\r\n+PONG\r\n"
    s.close()


# ---------------------------------------------------------------- tiering


def tier_used(c):
    info = c.info("memory")
    return info["used_memory_dram"], info["used_memory_nvm"]


def load_lists(c, lists=50, per_list=2000, size=100):
    payload = 0
    for i in range(lists):
        p = c.pipeline(transaction=False)
        for j in range(0, per_list, 200):
            vals = [f"{i:03d}{j + k:06d}".ljust(size, "v") for k in range(200)]
            payload += sum(len(v) for v in vals)
            p.rpush(f"list:{i}", *vals)
        p.execute()
    return payload


def test_list_payloads_on_nvm(server_factory):
    s = server_factory()
    c = s.client()
    d0, n0 = tier_used(c)
    payload = load_lists(c)
    d1, n1 = tier_used(c)
    assert n1 - n0 >= 0.8 * payload, (n1 - n0, payload)
    assert d1 - d0 < 0.1 * payload, (d1 - d0, payload)
    mem = raw(c, "MEMORY", "USAGE", "list:0")
    assert mem > 200000


def test_list_payloads_dram_only(server_factory):
    s = server_factory("--tier-policy", "dram-only")
    c = s.client()
    d0, n0 = tier_used(c)
    payload = load_lists(c, lists=10)
    d1, n1 = tier_used(c)
    assert n1 == n0 == 0
    assert d1 - d0 >= payload


# ---------------------------------------------------------------- propagation (AOF)


def test_blocking_pops_propagate_as_non_blocking(server_factory, tmp_path):
    from test_aof import incr_commands, start
    d = str(tmp_path)
    s = start(server_factory, d)
    c = s.client()
    c.rpush("a", "1", "2", "3", "4", "5")
    c.blpop(["a"], 0)
    c.brpoplpush("a", "b", 0)
    c.blmove("a", "b", 0, "LEFT", "RIGHT")
    c.execute_command("BLMPOP", 0, 1, "a", "RIGHT", "COUNT", 5)
    c.execute_command("LMPOP", 1, "b", "LEFT", "COUNT", 1)
    waiter = Background(s, "BRPOP", "q", 5)
    wait_blocked(c, 1)
    c.rpush("q", "x")
    assert waiter.join() == ("reply", [b"q", b"x"])
    waiter = Background(s, "BLMOVE", "q2", "dst", "RIGHT", "LEFT", 5)
    wait_blocked(c, 1)
    c.rpush("q2", "y")
    assert waiter.join() == ("reply", b"y")
    waiter = Background(s, "BLMPOP", 5, 1, "q3", "LEFT", "COUNT", 3)
    wait_blocked(c, 1)
    c.rpush("q3", "m", "n")
    assert waiter.join() == ("reply", [b"q3", [b"m", b"n"]])
    c.rpush("sync", "1")  # a last write after the served ones
    cmds = [[cmd[0].upper()] + cmd[1:] for cmd in incr_commands(d) if cmd[0].upper() != b"SELECT"]
    assert cmds == [
        [b"RPUSH", b"a", b"1", b"2", b"3", b"4", b"5"], [b"LPOP", b"a"], [b"RPOPLPUSH", b"a", b"b"],
        [b"LMOVE", b"a", b"b", b"LEFT", b"RIGHT"], [b"RPOP", b"a", b"2"], [b"LPOP", b"b", b"1"],
        [b"RPUSH", b"q", b"x"], [b"RPOP", b"q"],
        [b"RPUSH", b"q2", b"y"], [b"LMOVE", b"q2", b"dst", b"RIGHT", b"LEFT"],
        [b"RPUSH", b"q3", b"m", b"n"], [b"LPOP", b"q3", b"2"],
        [b"RPUSH", b"sync", b"1"],
    ], cmds
    # The AOF replays to the same lists.
    before = {k: c.lrange(k, 0, -1) for k in (b"a", b"b", b"dst", b"sync")}
    s.proc.terminate()
    s.proc.wait(timeout=20)
    s2 = start(server_factory, d)
    c2 = s2.client()
    assert {k: c2.lrange(k, 0, -1) for k in before} == before
