"""Helpers for differential tests: run the same command on our server and on
Debian's redis-server and compare the replies exactly as each server sent
them (no redis-py response callbacks)."""
import socket

import pytest
import redis


def raw(c, *args):
    """Sends one command and returns the reply as the server sent it, with no
    redis-py response callback. Errors are raised as redis.ResponseError."""
    conn = c.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        c.connection_pool.release(conn)


def outcome(c, *args):
    try:
        return ("reply", raw(c, *args))
    except redis.ResponseError as e:
        return ("error", str(e))


def same(r, real, *args):
    """Runs one command on both servers and asserts identical replies."""
    ours, theirs = outcome(r, *args), outcome(real, *args)
    assert ours == theirs, f"{args!r}: ours {ours!r}, redis {theirs!r}"
    return ours


def drain(sock, settle):
    """Everything the socket receives until it has been quiet for `settle`
    seconds (or closes)."""
    data = b""
    sock.settimeout(settle)
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk


def encode_command(args):
    """One command in RESP (a multibulk)."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def resp3_transcript(port, commands):
    """The raw bytes a server replies to `commands` on a RESP3 connection
    (after HELLO 3, whose reply names the server and is left out)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(encode_command(["HELLO", "3"]))
        assert drain(sock, 0.3).startswith(b"%")
        sock.sendall(b"".join(encode_command(c) for c in commands))
        return drain(sock, 0.3)


def resp2_transcript(port, commands):
    """The raw bytes a server replies to `commands` on a RESP2 connection."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"".join(encode_command(c) for c in commands))
        return drain(sock, 0.3)


def keyspace_events(c, port_client, commands):
    """The keyspace/keyevent notifications the commands raise, in order."""
    p = port_client.pubsub()
    p.psubscribe("__key*__:*")
    p.get_message(timeout=1)
    for cmd in commands:
        outcome(c, *cmd)
    out = []
    while True:
        m = p.get_message(timeout=0.3)
        if m is None:
            break
        if m["type"] == "pmessage":
            out.append((m["channel"], m["data"]))
    p.close()
    return out


def assert_same_keyspace_events(our_server, real_server, r, real, commands, classes="KEA"):
    """Runs commands on both servers with the notification classes enabled
    and asserts they raise the same notifications in the same order."""
    if real_server is None:
        pytest.skip("no real redis")
    for c in (r, real):
        c.config_set("notify-keyspace-events", classes)
    try:
        ours = keyspace_events(r, our_server.client(), commands)
        theirs = keyspace_events(real, real_server.client(), commands)
    finally:
        for c in (r, real):
            c.config_set("notify-keyspace-events", "")
    assert ours == theirs, f"{classes} {commands}:\nours:  {ours}\nredis: {theirs}"
    return ours


def assert_breaks_watch(r, change, key="w"):
    """WATCH key on r, run change() (on another connection), then a
    MULTI/EXEC that must abort with WatchError."""
    with r.pipeline() as p:
        p.watch(key)
        change()
        p.multi()
        p.set(key, "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
