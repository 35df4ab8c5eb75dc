"""XREAD and XREADGROUP with BLOCK on the blocking infrastructure of
commands/blocking.h: woken by XADD (on a stream that already exists), the
errors of XGROUP DESTROY and key deletion, timeouts, FIFO order, several
keys, CLIENT UNBLOCK, and RESP2/RESP3 shapes compared with Debian's
redis-server 7.0; what reaches the AOF (XADD with the assigned ID,
XREADGROUP as XCLAIM + XGROUP SETID) compared with what Redis 7.0 writes;
the keyspace events of the family compared with Redis's."""
import socket
import threading
import time

import pytest

from conftest import REAL_SERVER
from differential import assert_same_keyspace_events, drain, encode_command, raw
from test_aof import incr_commands, start
from test_list import Background, blocked_clients, wait_blocked


class RawBackground:
    """One command on its own socket (RESP3 after HELLO 3 when asked), in a
    thread; join() returns the reply bytes."""

    def __init__(self, server, *args, resp3=False):
        self.sock = socket.create_connection(("127.0.0.1", server.port))
        if resp3:
            self.sock.sendall(encode_command(["HELLO", "3"]))
            drain(self.sock, 0.2)
        self.sock.sendall(encode_command([str(a) for a in args]))
        self.data = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(10)
        first = self.sock.recv(65536)
        self.data = first + drain(self.sock, 0.2)

    def join(self):
        self.thread.join(12)
        assert not self.thread.is_alive()
        self.sock.close()
        return self.data


def scenario(server, client, resp3):
    """Blocks on s (XREAD $) and on a group, serves both by one XADD, and
    returns what the two waiters received."""
    raw(client, "XADD", "s", "1-1", "a", "1")
    raw(client, "XGROUP", "CREATE", "s", "g", "$")
    reader = RawBackground(server, "XREAD", "BLOCK", "5000", "STREAMS", "s", "other", "$", "$", resp3=resp3)
    wait_blocked(client, 1)
    grouped = RawBackground(server, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "5000", "STREAMS", "s", ">",
                         resp3=resp3)
    wait_blocked(client, 2)
    raw(client, "XADD", "s", "2-1", "b", "2", "c", "3")
    out = (reader.join(), grouped.join())
    pending = raw(client, "XPENDING", "s", "g")
    return out, pending


@pytest.mark.parametrize("resp3", [False, True])
def test_served_by_xadd_like_redis(our_server, real_server, r, real, resp3):
    ours = scenario(our_server, r, resp3)
    theirs = scenario(real_server, real, resp3)
    assert ours == theirs
    assert b"2-1" in ours[0][0] and b"2-1" in ours[0][1]


def test_timeouts_and_multi(our_server, r):
    r.xadd("s", {"a": "1"}, id="1-1")
    t0 = time.time()
    assert raw(r, "XREAD", "BLOCK", "200", "STREAMS", "s", "$") is None
    assert 0.15 < time.time() - t0 < 2
    raw(r, "XGROUP", "CREATE", "s", "g", "$")
    assert raw(r, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", "s", ">") is None
    # Blocked on an ID below the top: answered at once.
    assert raw(r, "XREAD", "BLOCK", "0", "STREAMS", "s", "0")[0][0] == b"s"
    assert blocked_clients(r) == 0


def test_fifo_and_group_last_id(our_server, r):
    r.xadd("q", {"x": "0"}, id="1-0")
    raw(r, "XGROUP", "CREATE", "q", "g", "$")
    first = Background(our_server, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "5000", "STREAMS", "q", ">")
    wait_blocked(r, 1)
    second = Background(our_server, "XREADGROUP", "GROUP", "g", "b", "BLOCK", "5000", "STREAMS", "q", ">")
    wait_blocked(r, 2)
    r.xadd("q", {"x": "1"}, id="2-0")
    assert first.join() == ("reply", [[b"q", [[b"2-0", [b"x", b"1"]]]]])
    # The group moved past 2-0: the second waiter keeps waiting.
    time.sleep(0.1)
    assert blocked_clients(r) == 1
    r.xadd("q", {"x": "2"}, id="3-0")
    assert second.join() == ("reply", [[b"q", [[b"3-0", [b"x", b"2"]]]]])
    assert raw(r, "XPENDING", "q", "g") == [2, b"2-0", b"3-0", [[b"a", b"1"], [b"b", b"1"]]]


def test_destroy_and_delete_errors(our_server, real_server, r, real):
    results = []
    for server, c in ((our_server, r), (real_server, real)):
        raw(c, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w = Background(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        wait_blocked(c, 1)
        raw(c, "XGROUP", "DESTROY", "s", "g")
        a = w.join()
        raw(c, "XGROUP", "CREATE", "s", "g", "$")
        w = Background(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        wait_blocked(c, 1)
        raw(c, "DEL", "s")
        b = w.join()
        # XREAD keeps waiting through a deletion, and a new stream serves it.
        w = Background(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        wait_blocked(c, 1)
        raw(c, "XADD", "s", "5-5", "k", "v")
        raw(c, "DEL", "s")
        d = w.join()
        results.append((a, b, d))
    assert results[0] == results[1]
    assert results[0][0][0] == "error" and results[0][1][0] == "error"


def test_client_unblock_and_several_keys(our_server, r):
    w = Background(our_server, "XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$")
    wait_blocked(r, 1)
    cid = [c["id"] for c in r.client_list() if "b" in c["flags"]][0]
    assert r.client_unblock(cid) is True
    assert w.join() == ("reply", None)
    w = Background(our_server, "XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$")
    wait_blocked(r, 1)
    cid = [c["id"] for c in r.client_list() if "b" in c["flags"]][0]
    assert r.client_unblock(cid, error=True) is True
    assert w.join()[0] == "error"
    w = Background(our_server, "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "0", "0")
    wait_blocked(r, 1)
    r.xadd("b", {"f": "1"}, id="7-0")
    r.xadd("b", {"f": "2"}, id="8-0")
    assert w.join() == ("reply", [[b"b", [[b"7-0", [b"f", b"1"]]]]])


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_propagation_matches_redis(server_factory, datadir, tmp_path):
    """The incr AOF of the same session on both servers: XADD's assigned IDs
    (times differ, so IDs are compared by shape), XREADGROUP as XCLAIM and
    XGROUP SETID, approximate trims made exact."""
    outs = []
    for binary, d in ((None, datadir), (REAL_SERVER, str(tmp_path))):
        s = start(server_factory, d, binary=binary) if binary else start(server_factory, d)
        c = s.client()
        c.xadd("s", {"a": "1"}, id="1-1")
        c.xadd("s", {"a": "2"}, id="1-*")
        for i in range(5):
            c.xadd("s", {"i": str(i)}, id=f"{2 + i}-0", maxlen=2, approximate=True)
        for cmd in (("XGROUP", "CREATE", "s", "g", "0"),
                    ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"),
                    ("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"),
                    ("XCLAIM", "s", "g", "carol", "0", "6-0", "TIME", "1700000000000"),
                    ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "JUSTID"),
                    ("XTRIM", "s", "MAXLEN", "~", "0"), ("XDEL", "s", "6-0"), ("XACK", "s", "g", "6-0"),
                    ("XSETID", "s", "100-0"),
                    ("EVAL", "redis.call('xadd', KEYS[1], '200-*', 'k', 'v') "
                             "return redis.call('xtrim', KEYS[1], 'MAXLEN', '~', '0')", "1", "s")):
            raw(c, *cmd)
        outs.append(incr_commands(d))
        s.proc.terminate()
        s.proc.wait(timeout=20)

    def norm(cmds):
        out = []
        for cmd in cmds:
            cmd = [a.decode() if isinstance(a, bytes) else a for a in cmd]
            if cmd[0].upper() == "XCLAIM":
                cmd = cmd[:6] + ["TIME", "T"] + cmd[8:]  # delivery times are the servers' clocks
            out.append([a.upper() if i == 0 else a for i, a in enumerate(cmd)])
        return out
    ours, theirs = norm(outs[0]), norm(outs[1])
    assert ours == theirs


def test_keyspace_events_like_redis(our_server, real_server, r, real):
    assert_same_keyspace_events(our_server, real_server, r, real, [
        ("XADD", "s", "1-1", "a", "1"),
        ("XADD", "s", "MAXLEN", "1", "2-1", "a", "1"),
        ("XADD", "nomk", "NOMKSTREAM", "1-1", "a", "1"),
        ("XDEL", "s", "2-1"),
        ("XDEL", "s", "9-9"),
        ("XADD", "s", "3-1", "a", "1"),
        ("XTRIM", "s", "MAXLEN", "0"),
        ("XSETID", "s", "10-0"),
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
        ("XGROUP", "SETID", "s", "g", "0"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
        ("XADD", "s", "11-1", "a", "1"),
        ("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "e", "0", "11-1"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c"),
        ("XGROUP", "DESTROY", "s", "g"),
        ("DEL", "s"),
    ])
