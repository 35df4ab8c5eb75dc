"""BZPOPMIN, BZPOPMAX and BZMPOP: the sorted-set commands built on the
blocking infrastructure of commands/blocking.h (shared with BLPOP & co).
Immediate answers and errors are compared with Debian's redis-server 7.0;
blocking is served by another client; what reaches the AOF is compared with
what Redis 7.0 writes for the same sequence."""
import socket
import time

import pytest

from conftest import REAL_SERVER
from differential import drain, raw, same
from test_aof import incr_commands, start
from test_list import Background, blocked_clients, wait_blocked


def test_immediate_replies_and_errors(r, real):
    for c in (r, real):
        raw(c, "ZADD", "z", "1", "a", "2", "b", "3", "c", "1.5", "d")
        raw(c, "SET", "str", "x")
    for cmd in (("BZPOPMIN", "nokey", "z", 0), ("BZPOPMAX", "z", 0), ("BZMPOP", 0, 2, "nokey", "z", "MIN"),
                ("BZMPOP", 0, 1, "z", "MAX", "COUNT", 10), ("EXISTS", "z"),
                ("BZPOPMIN", "str", 0), ("BZMPOP", 0, 1, "str", "MIN"), ("BZPOPMIN", "z", "x"),
                ("BZPOPMIN", "z", -1), ("BZPOPMIN", "z", "inf"), ("BZMPOP", "x", 1, "z", "MIN"),
                ("BZMPOP", 0, 0, "z", "MIN"), ("BZMPOP", 0, 1, "z", "MIDDLE"), ("BZMPOP", 0, 1, "z", "MIN", "COUNT", 0),
                ("BZMPOP", 0, 3, "z", "MIN"), ("BZPOPMIN", "z"), ("BZMPOP", 0, 1, "z")):
        same(r, real, *cmd)


def reply_bytes(port, command, resp3):
    """The raw reply to one command on a fresh connection (after HELLO 3
    when resp3), read until the server has been quiet for 0.3 s."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        if resp3:
            sock.sendall(b"HELLO 3\r\n")
            drain(sock, 0.3)
        sock.sendall(command)
        return drain(sock, 0.5)


def test_resp2_resp3_shapes_and_timeouts(our_server, real_server, r):
    if real_server is None:
        pytest.skip("no real redis")
    for resp3 in (False, True):
        for port in (our_server.port, real_server.port):
            reply_bytes(port, b"ZADD rz 1.5 a 2 b 3 c\r\n", False)
        for command in (b"BZPOPMIN rz 0\r\n", b"BZMPOP 0 1 rz MAX COUNT 2\r\n", b"BZPOPMIN nokey 0.1\r\n",
                        b"BZPOPMAX nokey 0.1\r\n", b"BZMPOP 0.1 1 nokey MIN\r\n"):
            ours = reply_bytes(our_server.port, command, resp3)
            assert ours == reply_bytes(real_server.port, command, resp3), (resp3, command, ours)
    assert blocked_clients(r) == 0


def test_served_by_zadd_fifo_and_multi_key(our_server, r):
    first = Background(our_server, "BZPOPMIN", "q1", "q2", 5)
    wait_blocked(r, 1)
    second = Background(our_server, "BZPOPMAX", "q2", 5)
    wait_blocked(r, 2)
    r.zadd("q2", {"low": 1, "high": 9})
    # FIFO per key: the first waiter (blocked on q1 and q2) is served first.
    assert first.join() == ("reply", [b"q2", b"low", b"1"])
    assert second.join() == ("reply", [b"q2", b"high", b"9"])
    assert r.exists("q2") == 0
    third = Background(our_server, "BZMPOP", 5, 2, "m1", "m2", "MAX", "COUNT", 2)
    wait_blocked(r, 1)
    r.zadd("m2", {"a": 1, "b": 2, "c": 3})
    assert third.join() == ("reply", [b"m2", [[b"c", b"3"], [b"b", b"2"]]])
    assert r.zrange("m2", 0, -1) == [b"a"]
    assert blocked_clients(r) == 0


def test_list_does_not_serve_zset_waiter(our_server, r):
    waiter = Background(our_server, "BZPOPMIN", "k", 0.5)
    wait_blocked(r, 1)
    r.rpush("k", "x")  # a list under the awaited key: stays blocked
    time.sleep(0.2)
    assert blocked_clients(r) == 1
    assert waiter.join() == ("reply", None)


def test_inside_multi_never_blocks(r, real):
    for c in (r, real):
        p = c.pipeline(transaction=True)
        p.execute_command("BZPOPMIN", "none", 0)
        p.execute_command("BZMPOP", 0, 1, "none", "MIN")
        assert p.execute() == [None, None]


@pytest.mark.skipif(REAL_SERVER is None, reason="needs Debian's redis-server")
@pytest.mark.parametrize("binary", ["ours", "redis"])
def test_propagation_matches_redis(server_factory, tmp_path, binary):
    from conftest import OUR_SERVER
    d = str(tmp_path)
    s = start(server_factory, d, binary=OUR_SERVER if binary == "ours" else REAL_SERVER)
    c = s.client()
    c.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    c.execute_command("BZPOPMIN", "z", 0)
    c.execute_command("BZMPOP", 0, 1, "z", "MAX", "COUNT", 5)
    waiter = Background(s, "BZPOPMAX", "q", 5)
    wait_blocked(c, 1)
    c.zadd("q", {"x": 1, "y": 2})
    assert waiter.join() == ("reply", [b"q", b"y", b"2"])
    waiter = Background(s, "BZMPOP", 5, 1, "q2", "MIN", "COUNT", 3)
    wait_blocked(c, 1)
    c.zadd("q2", {"x": 1, "y": 2})
    assert waiter.join()[0] == "reply"
    c.set("sync", "1")

    def written():
        return [[w.upper() for w in cmd[:1]] + cmd[1:] for cmd in incr_commands(d) if cmd[0].upper() != b"SELECT"]

    # Under appendfsync everysec Redis may hold the write back while a
    # background fsync runs (up to 2 s on a loaded machine): wait for it.
    deadline = time.time() + 10
    while (cmds := written())[-1:] != [[b"SET", b"sync", b"1"]] and time.time() < deadline:
        time.sleep(0.05)
    assert cmds == [
        [b"ZADD", b"z", b"1", b"a", b"2", b"b", b"3", b"c", b"4", b"d"], [b"ZPOPMIN", b"z"], [b"ZPOPMAX", b"z", b"3"],
        [b"ZADD", b"q", b"1", b"x", b"2", b"y"], [b"ZPOPMAX", b"q"],
        [b"ZADD", b"q2", b"1", b"x", b"2", b"y"], [b"ZPOPMIN", b"q2", b"2"],
        [b"SET", b"sync", b"1"],
    ], cmds
