"""Hardening: what a hostile or broken client can make the server do.

Each test here is a defect found by probing the server side by side with
Debian's redis-server 7.0, kept as its regression test: the server must
answer with an error or close the one connection, never spend memory out of
proportion to what it was sent, and never die."""
import os

import pytest
import redis

from differential import outcome
from dump_util import payload, rdb_lzf_string


def peak_rss_mb(pid):
    """The process's peak resident set (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def lzf_max_expansion(n):
    """A valid LZF stream that expands to n bytes of 'a' (n = 1 + 264k):
    one literal, then back-references of the longest length (264 bytes from
    3 bytes of input, the format's 88x)."""
    assert (n - 1) % 264 == 0
    return b"\x00a" + b"\xe0\xff\x00" * ((n - 1) // 264)


def lzf_literals(n):
    """A valid LZF stream of literal runs only: it expands to 32/33 of its
    own length, whatever length it is said to have."""
    run = b"\x1f" + b"x" * 32
    return run * (n // len(run))


# ---------------------------------------------------------------- RESTORE

def test_restore_lzf_claim_costs_no_memory(server_factory, real):
    # A 4 MB string payload claiming to expand to 300 MB (within
    # proto-max-bulk-len and 88x) whose bytes expand to 3.9 MB: it used to cost the
    # claimed 300 MB, zero-filled, before decompression found the lie.
    s = server_factory()
    c = s.client()
    bad = payload(b"\x00" + rdb_lzf_string(lzf_literals(4 << 20), 300 << 20))
    before = peak_rss_mb(s.proc.pid)
    ours = outcome(c, "RESTORE", "k", "0", bad)
    grown = peak_rss_mb(s.proc.pid) - before
    assert ours == ("error", "Bad data format")
    assert ours == outcome(real, "RESTORE", "k", "0", bad)
    assert grown < 64, f"peak RSS grew {grown:.0f} MiB for a 4 MiB payload"
    assert c.exists("k") == 0
    assert c.ping()


def test_restore_string_longer_than_proto_max_bulk_len_is_refused(server_factory):
    # A real 88x stream: 96 KB that truly expand to 8.4 MB. No client
    # command can make a string longer than proto-max-bulk-len, and RESTORE
    # may not either (Redis 7.0 restores it; here it is bounded).
    s = server_factory("--proto-max-bulk-len", "4mb")
    c = s.client()
    n = 1 + 264 * 32000
    p = payload(b"\x00" + rdb_lzf_string(lzf_max_expansion(n), n))
    assert outcome(c, "RESTORE", "k", "0", p) == ("error", "Bad data format")
    assert c.exists("k") == 0
    c.config_set("proto-max-bulk-len", "16mb")
    assert c.restore("k", 0, p)
    assert c.strlen("k") == n
    assert c.getrange("k", n - 3, -1) == b"aaa"


def test_restore_lzf_length_mismatch_both_ways(r, real):
    # Claims one byte more, and one byte less, than the stream holds.
    n = 1 + 264 * 10
    for claimed in (n + 1, n - 1):
        p = payload(b"\x00" + rdb_lzf_string(lzf_max_expansion(n), claimed))
        assert outcome(r, "RESTORE", "k", "0", p) == ("error", "Bad data format")
        assert outcome(real, "RESTORE", "k", "0", p) == ("error", "Bad data format")
    good = payload(b"\x00" + rdb_lzf_string(lzf_max_expansion(n), n))
    for c in (r, real):
        assert c.restore("k", 0, good)
        assert c.get("k") == b"a" * n


# ---------------------------------------------------------------- CONFIG SET bind / port / REWRITE

INJECTION = "127.0.0.1\ndir /tmp/injected\ndbfilename injected.rdb"


def can_connect(host, port):
    import socket
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test_config_set_bind_with_newlines_is_refused(server_factory, real):
    s = server_factory(config_text="# test config\n")
    c = s.client()
    ours = outcome(c, "CONFIG", "SET", "bind", INJECTION)
    assert ours == outcome(real, "CONFIG", "SET", "bind", INJECTION)
    assert ours[0] == "error" and "Failed to bind to specified addresses" in ours[1]
    assert c.config_get("bind") == {"bind": "127.0.0.1"}
    # The old listener is back.
    assert can_connect("127.0.0.1", s.port)
    assert c.config_rewrite()
    with open(s.config) as f:
        text = f.read()
    assert "injected" not in text


def test_config_set_bind_and_port_rebind_for_real(server_factory):
    s = server_factory(config_text="# test config\n")
    c = s.client()
    assert can_connect("127.0.0.1", s.port)
    assert c.config_set("bind", "127.0.0.2")
    assert can_connect("127.0.0.2", s.port)
    assert not can_connect("127.0.0.1", s.port)
    assert c.ping()  # connected clients stay connected
    from conftest import free_port
    new_port = free_port()
    assert c.config_set("port", str(new_port))
    assert can_connect("127.0.0.2", new_port)
    assert not can_connect("127.0.0.2", s.port)
    # An address this host lacks: refused, and the listener stays as it was.
    with pytest.raises(redis.ResponseError, match="Failed to bind to specified addresses"):
        c.config_set("bind", "192.0.2.1")
    assert c.config_get("bind") == {"bind": "127.0.0.2"}
    assert can_connect("127.0.0.2", new_port)
    # An optional address ("-") that is missing is skipped.
    assert c.config_set("bind", "-192.0.2.1 127.0.0.1")
    assert can_connect("127.0.0.1", new_port)
    assert not can_connect("127.0.0.2", new_port)
    assert c.config_rewrite()
    with open(s.config) as f:
        assert "bind -192.0.2.1 127.0.0.1\n" in f.read()


def test_config_rewrite_escapes_every_string_directive(server_factory):
    """Every directive CONFIG SET accepts a value with control characters
    for is rewritten so that it reloads to the same value and adds no line:
    the file after a restart holds exactly what was set."""
    evil = "x\ndir /tmp/injected\r\n\"quoted\" 'single' back\\slash\ttab \x01\x7f end"
    s = server_factory("--enable-protected-configs", "yes", config_text="# test config\n")
    c = s.client(decode_responses=True)
    accepted = {}
    # requirepass would lock this client out; dir must be a directory; bind
    # has its own test above.
    skip = {"requirepass", "dir", "bind"}
    for name in sorted(c.config_get("*").keys()):
        if name in skip:
            continue
        try:
            c.config_set(name, evil)
        except redis.ResponseError:
            continue
        accepted[name] = c.config_get(name)[name]
        assert accepted[name] == evil, name
    assert accepted, "no directive took a free-form string"
    # requirepass too (this connection stays authenticated, as in Redis).
    c.config_set("requirepass", evil)
    accepted["requirepass"] = evil
    assert c.config_rewrite()
    with open(s.config, "rb") as f:
        text = f.read()
    assert b"\ndir /tmp/injected" not in text
    for line in text.split(b"\n"):
        assert not any(b < 0x20 for b in line), line
    # Restart on the rewritten file: every value comes back the same.
    again = server_factory(config_text=text.decode("latin-1"))
    c2 = again.client(decode_responses=True, password=evil)
    for name, value in accepted.items():
        assert c2.config_get(name)[name] == value, name
    assert c2.config_get("dir")["dir"] != "/tmp/injected"


# ---------------------------------------------------------------- AUTH

@pytest.mark.parametrize("which", ["ours", "redis"])
def test_auth_user_names_are_case_sensitive(server_factory, which):
    from conftest import REAL_SERVER
    if which == "redis" and REAL_SERVER is None:
        pytest.skip("Debian's redis-server is not installed")
    kw = {"binary": REAL_SERVER} if which == "redis" else {}
    s = server_factory("--requirepass", "secret", **kw)
    c = s.client(decode_responses=True)
    for user in ("DEFAULT", "Default"):
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            c.execute_command("AUTH", user, "secret")
    assert c.execute_command("AUTH", "default", "secret")
    assert c.ping()


@pytest.mark.parametrize("which", ["ours", "redis"])
def test_requirepass_keeps_connected_clients_authenticated(server_factory, which):
    from conftest import REAL_SERVER
    if which == "redis" and REAL_SERVER is None:
        pytest.skip("Debian's redis-server is not installed")
    kw = {"binary": REAL_SERVER} if which == "redis" else {}
    s = server_factory(**kw)
    before = s.client(decode_responses=True)
    assert before.ping()
    assert before.config_set("requirepass", "secret")
    assert before.set("k", "v")  # still authenticated
    after = s.client(decode_responses=True)
    with pytest.raises(redis.AuthenticationError):
        after.get("k")
    # RESET drops back to the default user, which now needs the password.
    assert before.execute_command("RESET") == "RESET"
    with pytest.raises(redis.AuthenticationError):
        before.execute_command("GET", "k")
    # Clearing the password lets everyone in again.
    assert s.client(decode_responses=True, password="secret").config_set("requirepass", "")
    assert after.get("k") == "v"
