"""Helpers for differential tests: run the same command on our server and on
Debian's redis-server and compare the replies exactly as each server sent
them (no redis-py response callbacks)."""
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
