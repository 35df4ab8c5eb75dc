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
    # A 4 MB string payload claiming to expand to 400 MB (within
    # proto-max-bulk-len) whose bytes expand to 3.9 MB: it used to cost the
    # claimed 400 MB, zero-filled, before decompression found the lie.
    s = server_factory()
    c = s.client()
    bad = payload(b"\x00" + rdb_lzf_string(lzf_literals(4 << 20), 400 << 20))
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
