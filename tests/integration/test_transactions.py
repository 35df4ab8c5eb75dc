"""MULTI/EXEC/DISCARD/WATCH as redis-py uses them."""
import time

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


# ---- WATCH against flushes, SWAPDB and expiry (Redis 7.0's rules) ----------

def _watch_then(port, setup, watched, action, wait=0.0):
    """Runs setup on a fresh dataset, WATCHes `watched` from one client, runs
    `action` from another, then MULTI PING EXEC: True if EXEC ran."""
    watcher = redis.Redis(host="127.0.0.1", port=port)
    other = redis.Redis(host="127.0.0.1", port=port)
    other.flushall()
    for cmd in setup:
        other.execute_command(*cmd)
    watcher.execute_command("WATCH", watched)
    time.sleep(wait)
    for cmd in action:
        other.execute_command(*cmd)
    watcher.execute_command("MULTI")
    watcher.execute_command("PING")
    ran = watcher.execute_command("EXEC") is not None
    watcher.close()
    other.close()
    return ran


EXPIRED = [("SET", "k", "v", "PX", "1"), ("DEBUG", "SLEEP", "0.01")]  # expired, still stored
WATCH_CASES = [
    # (name, setup, action, EXEC runs)
    ("missing key, FLUSHDB", [], [("FLUSHDB",)], True),
    ("missing key, FLUSHALL", [], [("FLUSHALL",)], True),
    ("missing key, FLUSHALL ASYNC", [], [("FLUSHALL", "ASYNC")], True),
    ("existing key, FLUSHDB", [("SET", "k", "v")], [("FLUSHDB",)], False),
    ("existing key, FLUSHALL", [("SET", "k", "v")], [("FLUSHALL",)], False),
    ("key only in another db, FLUSHALL",
     [("SELECT", "1"), ("SET", "k", "v"), ("SELECT", "0")], [("FLUSHALL",)], True),
    ("missing key, SWAPDB brings it",
     [("SELECT", "1"), ("SET", "k", "v"), ("SELECT", "0")], [("SWAPDB", "0", "1")], False),
    ("existing key, SWAPDB takes it away", [("SET", "k", "v")], [("SWAPDB", "0", "1")], False),
    ("missing in both dbs, SWAPDB", [], [("SWAPDB", "0", "1")], True),
    ("expired when watched", EXPIRED, [], True),
    ("expired when watched, FLUSHDB", EXPIRED, [("FLUSHDB",)], True),
    ("expired when watched, DEL", EXPIRED, [("DEL", "k")], True),
    ("expired when watched, SWAPDB brings a live one",
     EXPIRED + [("SELECT", "1"), ("SET", "k", "z"), ("SELECT", "0")], [("SWAPDB", "0", "1")], False),
    ("expired when watched, then set again", EXPIRED, [("SET", "k", "new")], False),
]


@pytest.fixture(scope="module")
def debug_servers():
    """Ours and Debian's redis-server with DEBUG enabled and active expiry
    off, so that an expired key stays stored until something touches it."""
    from conftest import OUR_SERVER, REAL_SERVER, ServerProcess
    servers = [ServerProcess(OUR_SERVER, ("--enable-debug-command", "yes"))]
    if REAL_SERVER is not None:
        servers.append(ServerProcess(REAL_SERVER, ("--enable-debug-command", "yes")))
    for s in servers:
        s.client().execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    yield servers
    for s in servers:
        s.stop()


@pytest.mark.parametrize("name,setup,action,runs", WATCH_CASES, ids=[c[0] for c in WATCH_CASES])
def test_watch_flush_swapdb_expiry_rules(debug_servers, name, setup, action, runs):
    for s in debug_servers:  # ours first; then Debian's, when installed, must agree
        assert _watch_then(s.port, setup, "k", action) == runs, (name, s.cmd[0])


def test_watched_key_deleted_by_active_expiry_aborts(r, our_server):
    """A watched key that expires after WATCH and is deleted by the active
    expire cycle (not by a lookup) still fails the EXEC, as Redis's
    deleteExpiredKeyAndPropagate touches it."""
    expired_before = r.info("stats")["expired_keys"]
    r.set("k", "v", px=100)
    watcher = our_server.client()
    watcher.execute_command("WATCH", "k")
    deadline = time.time() + 5
    while r.info("stats")["expired_keys"] == expired_before and time.time() < deadline:
        time.sleep(0.05)
    assert r.info("stats")["expired_keys"] == expired_before + 1  # the cron deleted it
    watcher.execute_command("MULTI")
    watcher.execute_command("PING")
    assert watcher.execute_command("EXEC") is None
    watcher.close()


# ---- commands rejected inside MULTI (Redis's rejectCommand) ----------------

REJECTION_TRANSCRIPTS = [
    # EXEC itself rejected: the transaction is discarded and the reply says why.
    b"MULTI\r\nEXEC extra-argument\r\nEXEC\r\n",
    b"MULTI\r\nSET a 1\r\nEXEC x y\r\nEXEC\r\nGET a\r\n",
    # Any other rejected command flags the transaction; EXEC then aborts.
    b"MULTI\r\nGET\r\nSET a 1\r\nEXEC\r\nGET a\r\n",
    b"MULTI\r\nNOSUCHCOMMAND a b\r\nEXEC\r\n",
    b"MULTI\r\nCLIENT NOSUCH\r\nEXEC\r\n",
    b"MULTI\r\nDISCARD x\r\nEXEC\r\n",
    b"MULTI\r\nWATCH\r\nEXEC\r\n",
    b"MULTI\r\nSHUTDOWN NOSAVE\r\nEXEC\r\n",
    # Not rejections: errors of the command itself do not abort.
    b"MULTI\r\nMULTI\r\nEXEC\r\n",
    b"MULTI\r\nSET a b c\r\nEXEC\r\n",
]


@pytest.mark.parametrize("payload", REJECTION_TRANSCRIPTS, ids=lambda p: p.decode().replace("\r\n", " | "))
def test_rejections_inside_multi_match_redis(r, real, our_server, real_server, payload):
    from test_protocol import raw
    ours = raw(our_server, payload + b"QUIT\r\n")
    theirs = raw(real_server, payload + b"QUIT\r\n")
    assert ours == theirs


def test_exec_with_arguments_discards_transaction(our_server):
    from test_protocol import raw
    out = raw(our_server, b"MULTI\r\nSET a 1\r\nEXEC extra-argument\r\nEXEC\r\nGET a\r\nQUIT\r\n")
    assert out == (b"+OK\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of: wrong number of arguments "
                   b"for 'exec' command\r\n-ERR EXEC without MULTI\r\n$-1\r\n+OK\r\n")


def test_exec_oom_rejection_names_the_reason(r, real, our_server, real_server):
    """EXEC holding a denyoom command, over maxmemory: EXECABORT says OOM."""
    for c, server in ((r, our_server), (real, real_server)):
        admin = server.client()
        c.execute_command("MULTI")
        c.execute_command("SET", "a", "1")
        admin.config_set("maxmemory", "1")
        try:
            with pytest.raises(redis.exceptions.ExecAbortError,
                               match="^Transaction discarded because of: OOM command not allowed when used memory "
                                     "> 'maxmemory'.$"):
                c.execute_command("EXEC")
        finally:
            admin.config_set("maxmemory", "0")
        assert c.get("a") is None
        admin.close()
