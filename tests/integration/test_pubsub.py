"""Pub/sub: frames byte for byte against Debian's redis-server 7.0 in RESP2
and RESP3, subscribed mode, PUBSUB introspection, redis-py's pubsub(), and
a slow subscriber closed at its output-buffer limit."""
import socket
import threading
import time

import pytest
import redis

from differential import drain, encode_command, outcome, resp2_transcript, resp3_transcript


def both_transcripts(our_server, real_server, commands, resp=2):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    t = resp2_transcript if resp == 2 else resp3_transcript
    ours, theirs = t(our_server.port, commands), t(real_server.port, commands)
    assert ours == theirs, f"\nours:  {ours!r}\nredis: {theirs!r}"
    return ours


# Subscribing, publishing to ourselves (RESP3 only: RESP2 cannot publish
# while subscribed), unsubscribing one by one and all, errors.
SEQUENCE = [
    ("SUBSCRIBE", "a", "b", "a"),
    ("PSUBSCRIBE", "n*", "[ab]"),
    ("SSUBSCRIBE", "s1"),
    ("PING",),
    ("PING", "hello"),
    ("UNSUBSCRIBE", "b", "zzz"),
    ("PUNSUBSCRIBE", "n*"),
    ("SUNSUBSCRIBE",),
    ("PUNSUBSCRIBE",),
    ("UNSUBSCRIBE",),
    ("UNSUBSCRIBE",),
    ("PING",),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_subscription_frames_match_redis(our_server, real_server, resp):
    out = both_transcripts(our_server, real_server, SEQUENCE, resp)
    assert out.startswith((b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", b">3\r\n$9\r\nsubscribe\r\n"))


def test_subscribed_resp2_allows_only_the_subscription_commands(our_server, real_server):
    out = both_transcripts(our_server, real_server, [
        ("SUBSCRIBE", "x"), ("GET", "k"), ("SET", "k", "v"), ("PUBLISH", "x", "m"), ("CLIENT", "LIST"),
        ("QUIT",)])
    assert b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET" in out
    assert b"client|list" in out


def test_subscribed_resp3_runs_anything_and_gets_its_own_messages(our_server, real_server):
    out = both_transcripts(our_server, real_server, [
        ("SUBSCRIBE", "x"), ("PSUBSCRIBE", "x*"), ("SET", "k", "v"), ("GET", "k"), ("PUBLISH", "x", "hi"),
        ("SPUBLISH", "x", "none"), ("RESET",), ("PUBLISH", "x", "after-reset")], resp=3)
    # A message to ourselves comes before PUBLISH's own reply, as Redis.
    assert b">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n" in out


def test_push_to_ourselves_inside_exec_follows_the_exec_reply(our_server):
    # Redis 7.0 writes such a push inside EXEC's array, between two of its
    # replies, which a RESP3 client cannot parse (Redis 7.2 fixed it the
    # same way): here it follows the whole reply.
    out = resp3_transcript(our_server.port, [
        ("SUBSCRIBE", "x"), ("MULTI",), ("PUBLISH", "x", "in-exec"), ("GET", "no-such-key"), ("EXEC",), ("PING",)])
    exec_reply = b"*2\r\n:1\r\n_\r\n"
    push = b">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$7\r\nin-exec\r\n"
    assert out.endswith(b"+QUEUED\r\n+QUEUED\r\n" + exec_reply + push + b"+PONG\r\n"), out


def test_reset_leaves_subscribed_mode(our_server, real_server):
    out = both_transcripts(our_server, real_server, [
        ("SUBSCRIBE", "x"), ("RESET",), ("GET", "reset-probe-no-key"), ("PING",), ("PUBSUB", "NUMSUB", "x")])
    assert out.endswith(b"+RESET\r\n$-1\r\n+PONG\r\n*2\r\n$1\r\nx\r\n:0\r\n")


def test_messages_reach_every_subscriber_kind(r, real, our_server, real_server):
    results = {}
    for name, server, c in (("ours", our_server, r), ("redis", real_server, real)):
        listeners = []
        for cmd in (("SUBSCRIBE", "news"), ("PSUBSCRIBE", "ne*"), ("PSUBSCRIBE", "*"), ("SSUBSCRIBE", "news")):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(encode_command(cmd))
            drain(sock, 0.1)
            listeners.append(sock)
        counts = [c.publish("news", "hello"), c.publish("other", "x"), c.execute_command("SPUBLISH", "news", "s")]
        frames = [drain(s, 0.2) for s in listeners]
        for s in listeners:
            s.close()
        results[name] = (counts, frames)
    assert results["ours"] == results["redis"]
    counts, frames = results["ours"]
    assert counts == [3, 1, 1]
    assert frames[0] == b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    assert frames[1] == b"*4\r\n$8\r\npmessage\r\n$3\r\nne*\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    assert frames[3] == b"*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$1\r\ns\r\n"


def test_pubsub_introspection_matches_redis(our_server, real_server, r, real):
    for server in (our_server, real_server):
        if server is None:
            pytest.skip("Debian's redis-server is not installed")
    held = []
    for server in (our_server, real_server):
        for cmd in (("SUBSCRIBE", "a", "b"), ("SUBSCRIBE", "b"), ("PSUBSCRIBE", "p*", "q*"), ("PSUBSCRIBE", "p*"),
                    ("SSUBSCRIBE", "s", "t")):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(encode_command(cmd))
            drain(sock, 0.1)
            held.append(sock)
    try:
        for cmd in (("PUBSUB", "CHANNELS"), ("PUBSUB", "CHANNELS", "a*"), ("PUBSUB", "NUMSUB", "a", "b", "c"),
                    ("PUBSUB", "NUMSUB"), ("PUBSUB", "NUMPAT"), ("PUBSUB", "SHARDCHANNELS"),
                    ("PUBSUB", "SHARDNUMSUB", "s", "x"), ("PUBSUB", "HELP"), ("PUBSUB", "CHANNELS", "a", "b"),
                    ("PUBSUB", "NUMPAT", "x"), ("PUBSUB", "NOPE")):
            ours, theirs = outcome(r, *cmd), outcome(real, *cmd)
            if isinstance(ours[1], list) and cmd[1] in ("CHANNELS", "SHARDCHANNELS"):
                ours, theirs = (ours[0], sorted(ours[1])), (theirs[0], sorted(theirs[1]))
            assert ours == theirs, cmd
        info = r.info()
        assert (info["pubsub_channels"], info["pubsub_patterns"], info["pubsubshard_channels"]) == (2, 2, 2)
        lines = [l for l in r.execute_command("CLIENT", "LIST").decode().splitlines() if "flags=P" in l]
        assert len(lines) == 5
        assert any(" sub=2 psub=0 ssub=0 " in l for l in lines)
        assert any(" sub=0 psub=2 ssub=0 " in l for l in lines)
        assert any(" sub=0 psub=0 ssub=2 " in l for l in lines)
    finally:
        for s in held:
            s.close()
    time.sleep(0.2)
    assert r.info()["pubsub_channels"] == 0  # closed clients leave their channels


def test_redis_py_pubsub(r, our_server):
    p = our_server.client().pubsub()
    p.subscribe("orders")
    p.psubscribe("user.*")
    got = []
    done = threading.Event()

    def listen():
        for m in p.listen():
            if m["type"] in ("message", "pmessage"):
                got.append((m["type"], m["channel"], m["data"]))
                if len(got) == 3:
                    done.set()
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    time.sleep(0.2)
    assert r.publish("orders", "o1") == 1
    assert r.publish("user.42", "u1") == 1
    assert r.publish("orders", "o2") == 1
    assert done.wait(5)
    assert got == [("message", b"orders", b"o1"), ("pmessage", b"user.42", b"u1"), ("message", b"orders", b"o2")]
    p.close()


def test_slow_subscriber_is_closed_at_its_limit(server_factory):
    s = server_factory("--client-output-buffer-limit", "pubsub 1mb 0 0")
    c = s.client()
    # A subscriber that never reads: the kernel's socket buffers fill, then
    # the server's output buffer grows up to the pubsub hard limit.
    slow = socket.create_connection(("127.0.0.1", s.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(encode_command(("SUBSCRIBE", "firehose")))
    time.sleep(0.1)
    before = c.info("memory")["used_memory"]
    payload = "x" * 10000
    delivered = [c.publish("firehose", payload) for _ in range(2000)]  # 20 MB
    assert delivered[0] == 1 and delivered[-1] == 0  # it was dropped on the way
    time.sleep(0.2)
    assert c.info()["pubsub_channels"] == 0
    assert "output buffer limits" in s.read_log()
    assert c.info("memory")["used_memory"] < before + 4 * 1024 * 1024
    # A normal client with the same backlog is not closed (normal: no limit).
    slow.close()


def test_keyspace_notifications_classes(our_server, real_server, r, real):
    from differential import assert_same_keyspace_events
    seq = [("SET", "s", "1"), ("INCR", "s"), ("APPEND", "s", "x"), ("EXPIRE", "s", "100"), ("PERSIST", "s"),
           ("RENAME", "s", "t"), ("DEL", "t"), ("GET", "missing"), ("SET", "n", "1", "PX", "1")]
    for classes in ("KEA", "Kg", "E$", "KEm", "KEn", "Ag", "KEx"):
        assert_same_keyspace_events(our_server, real_server, r, real, seq, classes)
    events = assert_same_keyspace_events(our_server, real_server, r, real, seq, "KEA")
    assert (b"__keyspace@0__:s", b"set") in events and (b"__keyevent@0__:del", b"t") in events
