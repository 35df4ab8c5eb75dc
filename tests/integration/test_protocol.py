"""The wire protocol: RESP2/RESP3, inline commands, pipelines, big arguments,
and garbage that must be answered with Redis's errors without crashing."""
import socket
import time

import pytest
import redis


def raw(server, payload, read_until_close=True, timeout=5):
    """Sends raw bytes and returns everything the server answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        s.sendall(payload)
        chunks = []
        s.settimeout(timeout)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                chunks.append(d)
                if not read_until_close:
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_ping_echo(r):
    assert r.ping() is True
    assert r.echo(b"hello") == b"hello"



def test_inline_commands(our_server):
    out = raw(our_server, b"PING\r\nset k \"a b\"\r\nGET k\r\n", read_until_close=False)
    time.sleep(0.1)
    assert out.startswith(b"+PONG\r\n")
    out = raw(our_server, b"SET k2 'x y'\r\nGET k2\r\nQUIT\r\n")
    assert out == b"+OK\r\n$3\r\nx y\r\n+OK\r\n"


@pytest.mark.parametrize("payload,error", [
    (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*2\r\n+foo\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    (b"set \"unbalanced\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    (b"*2147483648\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$2147483648\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
])
def test_protocol_errors_close_connection(our_server, real_server, payload, error):
    assert raw(our_server, payload) == error
    if real_server is not None:
        assert raw(real_server, payload) == error
    # The server is still fine.
    assert our_server.client().ping()


def test_garbage_never_crashes(our_server):
    import random
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 300)
        junk = bytes(rng.getrandbits(8) for _ in range(n))
        if rng.random() < 0.5:
            junk = b"*" + junk
        raw(our_server, junk, timeout=0.2)
    assert our_server.client().ping()
    assert our_server.alive()


def test_unknown_command_and_arity(r, real):
    for c in (r, real):
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("NOSUCHCMD", "a", "b")
        assert str(e.value) == "unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' "
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("GET")
        assert str(e.value) == "wrong number of arguments for 'get' command"
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("CONFIG", "NOPE")
        assert str(e.value) == "unknown subcommand 'NOPE'. Try CONFIG HELP."


def test_pipeline_of_10000_commands_in_one_packet(our_server):
    n = 10000
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\n%d\r\n" % (
        len(b"key:%d" % i), i, len(b"%d" % i), i) for i in range(n))
    payload += b"".join(b"*2\r\n$3\r\nGET\r\n$%d\r\nkey:%d\r\n" % (len(b"key:%d" % i), i) for i in range(n))
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=10) as s:
        s.sendall(payload)
        expected = b"+OK\r\n" * n + b"".join(b"$%d\r\n%d\r\n" % (len(b"%d" % i), i) for i in range(n))
        got = b""
        while len(got) < len(expected):
            d = s.recv(1 << 20)
            assert d, "connection closed early"
            got += d
        assert got == expected


def test_big_pipeline_is_read_16k_per_event(our_server, r):
    """Like Redis, a read event takes at most 16 KiB (PROTO_IOBUF_LEN) of
    small commands, so a client with a long pipeline gets a slice per loop
    pass and the other clients' replies are not held back behind it."""
    n = 1000
    value = b"v" * 1000
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nfair:%d\r\n$%d\r\n%s\r\n" % (
        len(b"fair:%d" % i), i, len(value), value) for i in range(n))
    before = r.info("stats")["total_reads_processed"]
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=10) as s:
        s.sendall(payload)
        got = b""
        while len(got) < 5 * n:
            d = s.recv(1 << 20)
            assert d, "connection closed early"
            got += d
        assert got == b"+OK\r\n" * n
    reads = r.info("stats")["total_reads_processed"] - before
    assert reads >= len(payload) // (16 * 1024)
    assert r.dbsize() == n


def test_redis_py_pipeline_transaction(r):
    with r.pipeline() as p:  # MULTI/EXEC by default
        for i in range(1000):
            p.set(f"p{i}", i)
        p.get("p999")
        res = p.execute()
    assert res[-1] == b"999"
    assert r.dbsize() == 1000


def test_100mb_value(r):
    big = b"x" * (100 * 1024 * 1024)
    assert r.set("big", big)
    assert r.strlen("big") == len(big)
    got = r.get("big")
    assert len(got) == len(big) and got == big
    r.delete("big")


def test_resp3_hello(our_server):
    c = our_server.client(protocol=3) if "protocol" in redis.Redis.__init__.__code__.co_varnames else None
    out = raw(our_server, b"HELLO 3\r\nPING\r\nQUIT\r\n")
    assert out.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n")
    assert b"$5\r\nproto\r\n:3\r\n" in out
    assert out.endswith(b"+PONG\r\n+OK\r\n")
    del c


def test_resp3_null_and_double(our_server):
    out = raw(our_server, b"HELLO 3\r\nGET nokey\r\nQUIT\r\n")
    assert b"_\r\n+OK\r\n" in out


def test_auth_requirepass(server_factory):
    s = server_factory("--requirepass", "s3cret")
    c = s.client()
    with pytest.raises(redis.AuthenticationError):
        c.get("x")
    c2 = s.client(password="s3cret")
    assert c2.set("x", 1)
    with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS"):
        s.client(password="wrong").ping()


def test_output_buffer_limit_closes_normal_client(our_server, r):
    r.set("big", b"z" * (4 * 1024 * 1024))
    r.config_set("client-output-buffer-limit", "normal 1mb 0 0")
    try:
        victim = our_server.client()
        with pytest.raises(redis.ConnectionError):
            # Pipelined GETs pile up far more than 1 MB of replies at once.
            with victim.pipeline(transaction=False) as p:
                for _ in range(4):
                    p.get("big")
                p.execute()
        assert r.ping()
    finally:
        r.config_set("client-output-buffer-limit", "normal 0 0 0")
    # Without a limit the same request succeeds.
    with our_server.client().pipeline(transaction=False) as p:
        for _ in range(4):
            p.get("big")
        assert [len(v) for v in p.execute()] == [4 * 1024 * 1024] * 4


# ---- cross protocol scripting (Redis's securityWarningCommand) -----------

HTTP_PAYLOADS = [
    b"POST / HTTP/1.1\r\nHost: localhost:6379\r\n\r\nSET pwned 1\r\n",
    b"PING\r\nHost: x\r\nSET pwned 1\r\n",             # replies pending before it are dropped too
    b"*1\r\n$4\r\npost\r\n*3\r\n$3\r\nSET\r\n$5\r\npwned\r\n$1\r\n1\r\n",
    b"MULTI\r\nhOsT: x\r\n",
]


@pytest.mark.parametrize("payload", HTTP_PAYLOADS)
def test_http_request_lines_abort_the_connection(our_server, real_server, r, payload):
    """A line starting with POST or Host: closes the connection with no
    reply and runs nothing after it, as Redis 7.0; the server logs a
    warning."""
    ours = raw(our_server, payload)  # reads until the server closes
    assert ours == b""
    assert r.exists("pwned") == 0
    assert "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to " \
           "Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise " \
           "your Redis instance. Connection aborted." in our_server.read_log()
    if real_server is not None:
        assert raw(real_server, payload) == ours


def test_http_warning_logged_once_a_minute(server_factory):
    s = server_factory()
    for _ in range(3):
        assert raw(s, b"POST / HTTP/1.1\r\n") == b""
    assert s.read_log().count("Possible SECURITY ATTACK detected") == 1
    assert s.client().ping()
    from differential import raw as reply_of
    assert b"post" not in reply_of(s.client(), "COMMAND", "LIST")
