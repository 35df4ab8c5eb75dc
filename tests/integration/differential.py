"""Helpers for differential tests: run the same command on our server and on
Debian's redis-server and compare the replies exactly as each server sent
them (no redis-py response callbacks)."""
import socket

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


def resp3_transcript(port, commands):
    """The raw bytes a server replies to `commands` on a RESP3 connection
    (after HELLO 3, whose reply names the server and is left out)."""
    def encode(args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        return out

    def drain(sock, settle):
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

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(encode(["HELLO", "3"]))
        assert drain(sock, 0.3).startswith(b"%")
        sock.sendall(b"".join(encode(c) for c in commands))
        return drain(sock, 0.3)
