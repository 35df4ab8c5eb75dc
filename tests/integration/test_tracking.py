"""Client-side caching (CLIENT TRACKING) and MONITOR, compared byte for byte
with Debian's redis-server 7.0 over raw connections (client ids, ports and
timestamps normalised), plus redis-py driving tracking as a user would."""
import re
import socket
import time

import pytest
import redis

from differential import drain, encode_command, outcome


class Conn:
    """A raw connection: send commands, read what arrived."""

    def __init__(self, port, resp=2):
        self.sock = socket.create_connection(("127.0.0.1", port))
        if resp == 3:
            self.send(("HELLO", "3"))
            self.read()

    def send(self, *cmds):
        self.sock.sendall(b"".join(encode_command(c) for c in cmds))

    def read(self, settle=0.15):
        return drain(self.sock, settle)

    def id(self):
        self.send(("CLIENT", "ID"))
        return int(self.read()[1:-2])

    def close(self):
        self.sock.close()


def normalise(data, ids):
    for i, cid in enumerate(ids):
        data = re.sub(rb":%d\r\n" % cid, b":ID%d\r\n" % i, data)
    data = re.sub(rb"\+\d+\.\d{6} \[(\d+) [^\]]+\]", rb"+TIME [\1 ADDR]", data)
    return data


def tracking_session(port):
    """One scripted session; returns the normalised transcript."""
    out = []
    a, b = Conn(port, 3), Conn(port)
    b.send(("FLUSHALL",), ("SET", "k", "1"), ("SET", "k2", "1"))
    b.read()
    a.send(("CLIENT", "TRACKING", "on"), ("GET", "k"), ("GET", "k2"), ("MGET", "k", "k2", "k3"))
    out.append(a.read())
    b.send(("SET", "k", "2"), ("DEL", "k2"), ("SET", "k3", "x"), ("SET", "k", "again"))
    b.read()
    out.append(a.read())  # one invalidation per key, once
    a.send(("GET", "k"), ("SET", "k", "5"))
    out.append(a.read())  # own write: after the reply
    a.send(("CLIENT", "TRACKING", "off"), ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k", "PREFIX", "z",
                                              "NOLOOP"), ("SET", "k", "6"), ("SET", "kz", "1"))
    out.append(a.read())
    b.send(("SET", "kq", "8"), ("SET", "zz", "1"), ("MSET", "k", "9", "zz", "2"), ("SET", "other", "1"))
    b.read()
    out.append(a.read())  # per prefix, deduplicated and sorted
    a.send(("CLIENT", "TRACKING", "off"), ("CLIENT", "TRACKING", "on", "OPTIN"), ("GET", "k"),
           ("CLIENT", "CACHING", "yes"), ("CLIENT", "TRACKINGINFO"), ("GET", "k2"), ("CLIENT", "TRACKINGINFO"))
    out.append(a.read())
    b.send(("SET", "k", "1"), ("SET", "k2", "1"))
    b.read()
    out.append(a.read())  # only k2 was cached (OPTIN + CACHING yes)
    a.send(("GET", "k"), ("CLIENT", "CACHING", "yes"), ("GET", "k"))
    a.read()
    b.send(("FLUSHALL",))
    b.read()
    out.append(a.read())  # null invalidation
    a.send(("CLIENT", "GETREDIR"))
    out.append(a.read())
    # Redirect to a RESP2 subscriber of __redis__:invalidate.
    c = Conn(port)
    cid = c.id()
    c.send(("SUBSCRIBE", "__redis__:invalidate"))
    c.read()
    d = Conn(port)
    d.send(("CLIENT", "TRACKING", "on", "REDIRECT", str(cid)), ("GET", "k"), ("SET", "k", "1"),
           ("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"))
    out.append(d.read())
    out.append(c.read())
    c.close()
    time.sleep(0.1)
    d.send(("GET", "k"))
    d.read()
    b.send(("SET", "k", "3"))
    b.read()
    d.send(("CLIENT", "TRACKINGINFO"))
    out.append(d.read())  # broken_redirect, nothing pushed on RESP2
    # A RESP3 client whose redirect target went away is told once.
    e, f = Conn(port, 3), Conn(port)
    fid = f.id()
    e.send(("CLIENT", "TRACKING", "on", "REDIRECT", str(fid)), ("GET", "k"))
    e.read()
    f.close()
    time.sleep(0.1)
    b.send(("SET", "k", "4"))
    b.read()
    out.append(e.read())
    ids = [cid, fid]
    for x in (a, b, d, e):
        x.close()
    return [normalise(o, ids) for o in out]


def test_tracking_matches_redis(our_server, real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    ours, theirs = tracking_session(our_server.port), tracking_session(real_server.port)
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert o == t, f"step {i}:\nours:  {o!r}\nredis: {t!r}"
    assert b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n" in ours[1]
    assert ours[7] == b">2\r\n$10\r\ninvalidate\r\n_\r\n"


def test_tracking_errors_match_redis(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    seqs = [
        ["CLIENT TRACKING on prefix a", "CLIENT TRACKING on bcast prefix a prefix ab", "CLIENT TRACKING on redirect 999999",
         "CLIENT TRACKING on optin optout", "CLIENT TRACKING on bcast optin", "CLIENT TRACKING maybe",
         "CLIENT CACHING yes", "CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT TRACKING on redirect x",
         "CLIENT TRACKING on optin prefix"],
        ["CLIENT TRACKING on optin", "CLIENT CACHING no", "CLIENT CACHING yes", "CLIENT TRACKING on bcast",
         "CLIENT TRACKING on optout", "CLIENT TRACKING on optin noloop", "CLIENT TRACKINGINFO", "CLIENT CACHING maybe",
         "CLIENT GETREDIR", "CLIENT TRACKING off", "CLIENT CACHING yes"],
        ["CLIENT TRACKING on bcast prefix a", "CLIENT TRACKING on bcast prefix a", "CLIENT TRACKING on bcast",
         "CLIENT TRACKINGINFO", "CLIENT TRACKING on", "CLIENT TRACKING on bcast prefix ab"],
    ]
    for seq in seqs:
        cmds = [tuple(s.split()) for s in seq]
        transcripts = []
        for port in (our_server.port, real_server.port):
            c = Conn(port)
            c.send(*cmds)
            transcripts.append(c.read(0.3))
            c.close()
        assert transcripts[0] == transcripts[1], seq


def test_tracking_info_fields_and_client_list(r, our_server):
    a = Conn(our_server.port, 3)
    a.send(("CLIENT", "TRACKING", "on"), ("GET", "x"), ("GET", "y"))
    a.read()
    b = Conn(our_server.port, 3)
    b.send(("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:"), ("GET", "x"))
    b.read()
    info = r.info()
    assert info["tracking_clients"] == 2
    assert info["tracking_total_keys"] == 2
    assert info["tracking_total_items"] == 2
    assert info["tracking_total_prefixes"] == 1
    flags = sorted(l.split(" flags=")[1].split()[0] for l in r.execute_command("CLIENT", "LIST").decode().splitlines()
                   if " flags=t" in l)
    assert flags == ["t", "tB"]
    assert all(" redir=0 " in l for l in r.execute_command("CLIENT", "LIST").decode().splitlines() if " flags=t" in l)
    a.close()
    b.close()
    time.sleep(0.1)
    assert r.info()["tracking_clients"] == 0


def test_tracking_table_max_keys(server_factory):
    s = server_factory("--tracking-table-max-keys", "100")
    a = Conn(s.port, 3)
    a.send(("CLIENT", "TRACKING", "on"), *[("GET", f"key:{i}") for i in range(300)])
    pushed = a.read(0.3)
    c = s.client()
    deadline = time.time() + 5
    while c.info()["tracking_total_keys"] > 100 and time.time() < deadline:
        time.sleep(0.05)
    assert c.info()["tracking_total_keys"] <= 100
    # The keys dropped from the table were invalidated early.
    pushed += a.read(0.3)
    assert pushed.count(b"invalidate") >= 200
    a.close()


def test_redis_py_tracking_over_resp2_redirect(r, our_server):
    # How a RESP2 client library does client-side caching: a second
    # connection subscribed to __redis__:invalidate receives the keys.
    inv = our_server.client().pubsub()
    inv.subscribe("__redis__:invalidate")
    inv.get_message(timeout=1)
    rid = next(int(l.split()[0][3:]) for l in r.execute_command("CLIENT", "LIST").decode().splitlines()
               if " cmd=subscribe " in l)
    cache = our_server.client()
    cache.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", rid)
    r.set("profile:1", "v1")
    assert cache.get("profile:1") == b"v1"
    r.set("profile:1", "v2")
    msg = None
    for _ in range(20):
        msg = inv.get_message(timeout=0.5)
        if msg and msg["type"] == "message":
            break
    assert msg["channel"] == b"__redis__:invalidate" and msg["data"] == [b"profile:1"]
    inv.close()


# ---------------------------------------------------------------- MONITOR

def monitor_session(port):
    m = Conn(port)
    m.send(("MONITOR",))
    out = [m.read()]
    b = Conn(port)
    b.send(("SET", "k", "v x\n\"q\"\x01"), ("AUTH", "default", "secret"), ("HELLO", "3", "AUTH", "default", "pw"),
           ("CONFIG", "GET", "maxmemory"), ("SELECT", "3"), ("GET", "k"), ("MULTI",), ("INCR", "n"), ("EXEC",),
           ("CLIENT", "LIST"), ("PING",), ("SUBSCRIBE", "x"))
    b.read()
    out.append(m.read())
    m.send(("PING",), ("MONITOR",), ("GET", "k"), ("RESET",))
    out.append(m.read())
    x = Conn(port)
    x.send(("MULTI",), ("MONITOR",), ("EXEC",))
    out.append(x.read())
    for c in (m, b, x):
        c.close()
    return [normalise(o, []) for o in out]


def test_monitor_matches_redis(our_server, real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    ours, theirs = monitor_session(our_server.port), monitor_session(real_server.port)
    assert ours == theirs
    assert b'"AUTH" "(redacted)" "(redacted)"' in ours[1]
    assert b"CONFIG" not in ours[1]


def test_redis_cli_monitor(our_server, r):
    import subprocess
    p = subprocess.Popen(["redis-cli", "-p", str(our_server.port), "monitor"], stdout=subprocess.PIPE)
    try:
        time.sleep(0.3)
        r.set("seen-by-monitor", "1")
        time.sleep(0.3)
    finally:
        p.terminate()
    out = p.communicate(timeout=5)[0]
    assert b'"set" "seen-by-monitor" "1"' in out.lower()
