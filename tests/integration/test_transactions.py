"""MULTI/EXEC/DISCARD/WATCH as redis-py uses them."""
import pytest
import redis


def test_multi_exec(our_server):
    from test_protocol import raw
    out = raw(our_server, b"MULTI\r\nSET a 1\r\nINCR a\r\nEXEC\r\nQUIT\r\n")
    assert out == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n+OK\r\n"


def test_exec_errors(r, real):
    for c in (r, real):
        with pytest.raises(redis.ResponseError, match="EXEC without MULTI"):
            c.execute_command("EXEC")
        with pytest.raises(redis.ResponseError, match="DISCARD without MULTI"):
            c.execute_command("DISCARD")


def test_queue_error_aborts(r):
    r.execute_command("MULTI")
    with pytest.raises(redis.ResponseError):
        r.execute_command("SET", "a")
    # redis-py strips the EXECABORT code into ExecAbortError.
    with pytest.raises(redis.exceptions.ExecAbortError, match="discarded because of previous errors"):
        r.execute_command("EXEC")
    assert r.get("a") is None


def test_runtime_error_inside_exec_keeps_going(r):
    r.set("s", "str")
    r.execute_command("MULTI")
    r.execute_command("INCR", "s")
    r.execute_command("SET", "t", "1")
    res = r.execute_command("EXEC")
    assert isinstance(res[0], redis.ResponseError)
    assert res[1] == b"OK"


def test_watch_modified_key_aborts(our_server, r):
    r.set("w", "0")
    other = our_server.client()
    with r.pipeline() as p:
        p.watch("w")
        other.set("w", "changed")
        p.multi()
        p.set("w", "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == b"changed"


def test_watch_unmodified_commits(r):
    r.set("w", "0")
    with r.pipeline() as p:
        p.watch("w")
        v = int(p.get("w"))
        p.multi()
        p.set("w", v + 1)
        assert p.execute() == [True]
    assert r.get("w") == b"1"


def test_discard(r):
    r.execute_command("MULTI")
    r.execute_command("SET", "d", "1")
    assert r.execute_command("DISCARD") == b"OK"
    assert r.get("d") is None


def test_nested_multi(r):
    r.execute_command("MULTI")
    with pytest.raises(redis.ResponseError, match="MULTI calls can not be nested"):
        r.execute_command("MULTI")
    r.execute_command("DISCARD")
