"""CLIENT, COMMAND, DEBUG, MEMORY, SLOWLOG, LATENCY, TIME, LASTSAVE, SHUTDOWN.

Shapes and error texts are compared with Debian's redis-server 7.0 (the `real`
fixture) where both servers can give the same answer; tieredis-only behaviour
(MEMORY TIER) is checked against what the tiering design promises.
"""
import re
import shutil
import socket
import subprocess
import time

import pytest
import redis

from differential import same


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def both_err(r, real, *args):
    """The error text of a command on both servers; asserts they are equal."""
    a = err(r.execute_command, *args)
    b = err(real.execute_command, *args)
    assert a == b, args
    return a


def raw_exchange(port, payload, expect_len, timeout=5):
    """Sends raw protocol and reads until expect_len bytes arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        deadline = time.time() + timeout
        while len(data) < expect_len and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def raw(client, *args):
    """A command's reply without redis-py's response callbacks (which reshape
    COMMAND, COMMAND GETKEYS, ...)."""
    conn = client.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        client.connection_pool.release(conn)


def id_after_reconnect(client):
    """CLIENT ID on a client whose connection the server may just have
    closed: redis-py reconnects on the next command, or fails once when the
    close raced with it."""
    try:
        return client.client_id()
    except redis.ConnectionError:
        return client.client_id()


def is_sanitized(server):
    """True for a sanitizer build, whose malloc has no jemalloc size classes."""
    with open(server.cmd[0], "rb") as f:
        return b"__asan_init" in f.read()


def client_ids(client):
    return {int(c["id"]) for c in client.client_list()}


def parse_client_line(line):
    return dict(f.split("=", 1) for f in line.split(" "))


# Redis 7.0.15's CLIENT LIST fields, in order.
REDIS_CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
                       "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
                       "tot-mem", "events", "cmd", "user", "redir", "resp"]


# ---- CLIENT -------------------------------------------------------------------

def test_client_id_name_info(r):
    cid = r.client_id()
    assert isinstance(cid, int) and cid > 0
    assert r.client_getname() is None
    assert r.client_setname("worker-1")
    assert r.client_getname() in ("worker-1", b"worker-1")
    info = parse_client_line(r.execute_command("CLIENT", "INFO").decode().rstrip("\n"))
    assert info["id"] == str(cid)
    assert info["name"] == "worker-1"
    assert info["cmd"] == "client|info"
    assert info["flags"] == "N"
    r.client_setname("")
    assert r.client_getname() is None


def test_client_setname_validation_matches_redis(r, real):
    for bad in ("a b", "a\nb", "caf\xe9"):
        assert both_err(r, real, "CLIENT", "SETNAME", bad) == \
            "Client names cannot contain spaces, newlines or special characters."
    assert both_err(r, real, "CLIENT", "SETNAME") == "wrong number of arguments for 'client|setname' command"


def test_client_list_fields_equal_redis(r, real):
    ours = r.execute_command("CLIENT", "LIST").decode()
    theirs = real.execute_command("CLIENT", "LIST").decode()
    assert ours.endswith("\n")
    our_fields = [f.split("=", 1)[0] for f in ours.splitlines()[0].split(" ")]
    their_fields = [f.split("=", 1)[0] for f in theirs.splitlines()[0].split(" ")]
    assert our_fields == their_fields


def test_client_list_content(r, our_server):
    other = our_server.client()
    other.client_setname("other")
    other.execute_command("MULTI")
    other.execute_command("PING")
    clients = r.client_list()
    names = {c["name"] for c in clients}
    assert "other" in names
    me = [c for c in clients if c["id"] == str(r.client_id())][0]
    assert list(parse_client_line(r.execute_command("CLIENT", "INFO").decode().rstrip("\n")).keys()) == \
        REDIS_CLIENT_FIELDS
    assert me["cmd"] == "client|list" and me["db"] == "0" and me["resp"] == "2" and me["user"] == "default"
    assert me["addr"].startswith("127.0.0.1:")
    assert me["laddr"] == f"127.0.0.1:{our_server.port}"
    oth = [c for c in clients if c["name"] == "other"][0]
    assert oth["flags"] == "x" and oth["multi"] == "1"
    other.execute_command("DISCARD")
    # Filters.
    oid = other.client_id()
    by_id = r.execute_command("CLIENT", "LIST", "ID", oid).decode().splitlines()
    assert len(by_id) == 1 and parse_client_line(by_id[0])["name"] == "other"
    assert r.execute_command("CLIENT", "LIST", "ID", 99999999) == b""
    # Other tests' connections may still be closing, so compare by id.
    normal_ids = {c["id"] for c in r.client_list(_type="normal")}
    assert {me["id"], oth["id"]} <= normal_ids
    assert r.client_list(_type="pubsub") == []
    other.close()


def test_client_list_errors_match_redis(r, real):
    assert both_err(r, real, "CLIENT", "LIST", "TYPE", "foo") == "Unknown client type 'foo'"
    assert both_err(r, real, "CLIENT", "LIST", "ID", "abc") == "Invalid client ID"
    for c in (r, real):
        assert c.execute_command("CLIENT", "LIST", "ID", "0", "-1") == b""
    assert both_err(r, real, "CLIENT", "LIST", "foo") == "syntax error"
    assert both_err(r, real, "CLIENT", "LIST", "TYPE") == "syntax error"
    assert both_err(r, real, "CLIENT", "LIST", "TYPE", "normal", "ID", "1") == "syntax error"


def test_client_kill_by_id_and_addr(r, our_server):
    # redis-py reconnects transparently, so a killed client shows as a new id.
    victim = our_server.client()
    vid = victim.client_id()
    assert r.client_kill_filter(_id=vid) == 1
    assert vid not in client_ids(r)
    assert victim.client_id() != vid
    victim.close()

    victim = our_server.client()
    vid = victim.client_id()
    addr = [c["addr"] for c in r.client_list() if c["id"] == str(vid)][0]
    assert r.client_kill(addr) is True
    assert vid not in client_ids(r)
    victim.close()
    assert r.ping()  # the killer survives


def test_client_kill_filters(r, our_server):
    a = our_server.client()
    aid = a.client_id()
    # SKIPME yes (default): the caller is spared even when it matches.
    me = r.client_id()
    assert r.execute_command("CLIENT", "KILL", "ID", me) == 0
    assert r.client_id() == me
    assert r.execute_command("CLIENT", "KILL", "ID", 99999999) == 0
    assert r.execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 0
    assert r.execute_command("CLIENT", "KILL", "USER", "default", "ID", aid) == 1
    assert aid not in client_ids(r)
    # SKIPME no with the caller's own id: the caller goes too.
    assert r.execute_command("CLIENT", "KILL", "ID", me, "SKIPME", "no") == 1
    assert id_after_reconnect(r) != me
    a.close()


def test_client_kill_errors_match_redis(r, real):
    assert both_err(r, real, "CLIENT", "KILL", "1.2.3.4:5") == "No such client"
    assert both_err(r, real, "CLIENT", "KILL", "ID", "abc") == "client-id should be greater than 0"
    assert both_err(r, real, "CLIENT", "KILL", "ID", "0") == "client-id should be greater than 0"
    assert both_err(r, real, "CLIENT", "KILL", "TYPE", "foo") == "Unknown client type 'foo'"
    assert both_err(r, real, "CLIENT", "KILL", "USER", "nosuch") == "No such user 'nosuch'"
    assert both_err(r, real, "CLIENT", "KILL", "SKIPME", "maybe") == "syntax error"
    assert both_err(r, real, "CLIENT", "KILL", "ID", "1", "ID") == "syntax error"
    assert both_err(r, real, "CLIENT", "KILL", "foo", "bar") == "syntax error"
    assert both_err(r, real, "CLIENT", "KILL") == "wrong number of arguments for 'client|kill' command"


def test_client_kill_old_form_self(our_server):
    # The old form may kill the caller itself: it replies OK, then closes,
    # and nothing after it is executed.
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=5) as s:
        me = "127.0.0.1:%d" % s.getsockname()[1]
        s.sendall(f"CLIENT KILL {me}\r\nPING\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    assert data == b"+OK\r\n"


def test_client_pause_unpause(r, our_server):
    other = our_server.client()
    other.ping()
    assert r.client_pause(300)
    t0 = time.time()
    assert other.ping()
    assert time.time() - t0 >= 0.2
    assert r.client_pause(5000)
    assert r.client_unpause()
    t0 = time.time()
    assert other.ping()
    assert time.time() - t0 < 1.0
    other.close()


def timed(fn, *args):
    t0 = time.time()
    result = fn(*args)
    return time.time() - t0, result


def pause_write_scenario(port):
    """What CLIENT PAUSE WRITE lets through at once and what waits."""
    admin = redis.Redis(host="127.0.0.1", port=port)
    other = redis.Redis(host="127.0.0.1", port=port)
    admin.flushall()
    admin.set("k", "v")
    out = {}
    admin.execute_command("CLIENT", "PAUSE", 600, "WRITE")
    for name, fn, args in [("get", other.get, ("k",)), ("ping", other.ping, ()),
                           ("client info", other.execute_command, ("CLIENT", "INFO")),
                           ("info", other.info, ()), ("dbsize", other.dbsize, ())]:
        out[name] = timed(fn, *args)[0] < 0.3
    out["set waits"] = timed(other.set, "k", "2")[0] >= 0.4
    admin.execute_command("CLIENT", "PAUSE", 5000, "WRITE")
    # A write inside MULTI waits already when it would be queued.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"MULTI\r\nGET k\r\nINCR n\r\n")
        time.sleep(0.3)
        sock.settimeout(0.2)
        out["multi queued before unpause"] = sock.recv(1000)
        info = other.info("clients")["blocked_clients"]
        flags = [line.split(" flags=")[1].split(" ")[0]
                 for line in other.execute_command("CLIENT", "LIST").decode().splitlines()]
        out["blocked while postponed"] = (info, [f for f in flags if f != "N"])
        elapsed, _ = timed(other.execute_command, "CLIENT", "UNPAUSE")
        sock.settimeout(2)
        out["queued after unpause"] = sock.recv(1000)
        sock.sendall(b"EXEC\r\n")
        out["exec"] = sock.recv(1000)
    out["set after"] = other.get("k")
    admin.close()
    other.close()
    return out


def test_client_pause_write_postpones_only_writes(our_server, real_server):
    ours = pause_write_scenario(our_server.port)
    assert ours == {
        "get": True, "ping": True, "client info": True, "info": True, "dbsize": True, "set waits": True,
        "multi queued before unpause": b"+OK\r\n+QUEUED\r\n",
        "blocked while postponed": (1, ["xb"]),
        "queued after unpause": b"+QUEUED\r\n", "exec": b"*2\r\n$1\r\n2\r\n:1\r\n", "set after": b"2"}
    if real_server is not None:
        assert ours == pause_write_scenario(real_server.port)


def test_client_pause_all_postpones_everything(r, our_server, real_server):
    """ALL holds back every command, CLIENT UNPAUSE included (as Redis);
    the clients resume when the deadline passes."""
    for server in filter(None, (our_server, real_server)):
        admin, other = server.client(), server.client()
        other.ping()
        admin.execute_command("CLIENT", "PAUSE", 500, "ALL")
        assert 0.35 <= timed(other.get, "k")[0] < 1.5
        admin.execute_command("CLIENT", "PAUSE", 500, "ALL")
        assert 0.35 <= timed(other.execute_command, "CLIENT", "UNPAUSE")[0] < 1.5
        assert timed(other.ping)[0] < 0.3
        admin.close()
        other.close()


def test_client_pause_postponed_pipeline_and_disconnect(r, our_server):
    """A pipeline behind a postponed write runs in order once the pause
    ends; a postponed client that goes away is forgotten."""
    r.execute_command("CLIENT", "PAUSE", 5000, "WRITE")
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=5) as gone:
        gone.sendall(b"SET g 1\r\n")
        time.sleep(0.1)
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=5) as sock:
        sock.sendall(b"GET a\r\nSET a 1\r\nGET a\r\nINCR a\r\n")
        time.sleep(0.2)
        sock.settimeout(0.2)
        assert sock.recv(1000) == b"$-1\r\n"
        assert r.info("clients")["blocked_clients"] == 1  # the disconnected one is gone
        r.execute_command("CLIENT", "UNPAUSE")
        sock.settimeout(2)
        data = b""
        while data.count(b"\r\n") < 4:
            data += sock.recv(1000)
        assert data == b"+OK\r\n$1\r\n1\r\n:2\r\n"
    assert r.info("clients")["blocked_clients"] == 0
    assert r.get("g") is None


def test_client_pause_freezes_expiry(r, real):
    """While paused, expired keys are hidden but neither deleted by lookups
    nor by the active expire cycle; they go once the pause ends."""
    results = []
    for c in (r, real):
        c.set("e", "1", px=100)
        c.set("k", "v")
        expired = c.info("stats")["expired_keys"]
        c.execute_command("CLIENT", "PAUSE", 700, "WRITE")
        time.sleep(0.4)
        during = (c.get("e"), c.dbsize(), c.info("stats")["expired_keys"] - expired)
        time.sleep(0.6)
        deadline = time.time() + 3
        while c.dbsize() != 1 and time.time() < deadline:
            time.sleep(0.05)
        results.append((during, c.dbsize()))
    assert results[0] == ((None, 2, 0), 1)
    assert results[0] == results[1]


def test_client_pause_errors_match_redis(r, real):
    assert both_err(r, real, "CLIENT", "PAUSE", "abc") == "timeout is not an integer or out of range"
    assert both_err(r, real, "CLIENT", "PAUSE", "-1") == "timeout is negative"
    assert both_err(r, real, "CLIENT", "PAUSE", "10", "foo") == "CLIENT PAUSE mode must be WRITE or ALL"
    assert both_err(r, real, "CLIENT", "PAUSE", "10", "write", "x") == \
        "unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."


def test_client_reply_off_skip_on(our_server):
    # OFF: no replies until ON, whose OK is sent. SKIP: only the next reply is dropped.
    payload = (b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n"
               b"CLIENT REPLY SKIP\r\nGET a\r\nPING\r\n")
    expected = b"+OK\r\n$1\r\n1\r\n+PONG\r\n"
    assert raw_exchange(our_server.port, payload, len(expected)) == expected


def test_client_reply_no_evict_errors_match_redis(r, real):
    assert both_err(r, real, "CLIENT", "REPLY", "foo") == "syntax error"
    assert both_err(r, real, "CLIENT", "NO-EVICT", "maybe") == "syntax error"
    assert r.execute_command("CLIENT", "NO-EVICT", "on") == b"OK"
    assert parse_client_line(r.execute_command("CLIENT", "INFO").decode().strip())["flags"] == "e"
    assert r.execute_command("CLIENT", "NO-EVICT", "OFF") == b"OK"
    assert parse_client_line(r.execute_command("CLIENT", "INFO").decode().strip())["flags"] == "N"


def test_client_help_and_unknown(r, real):
    lines = r.execute_command("CLIENT", "HELP")
    assert lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == [b"HELP", b"    Prints this help."]
    assert both_err(r, real, "CLIENT", "NOSUCH") == "unknown subcommand 'NOSUCH'. Try CLIENT HELP."
    assert both_err(r, real, "CLIENT", "ID", "x") == "wrong number of arguments for 'client|id' command"


# ---- COMMAND ------------------------------------------------------------------

def test_command_count_and_list(r):
    count = raw(r, "COMMAND", "COUNT")
    assert count >= 10
    entries = raw(r, "COMMAND")
    assert len(entries) == count
    assert all(len(e) == 10 for e in entries)
    names = raw(r, "COMMAND", "LIST")
    assert b"get" in names and b"client" in names and b"client|list" in names and b"memory|tier" in names
    top = [n for n in names if b"|" not in n]
    assert len(top) == count


def test_command_list_filters(r, real):
    pat = raw(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*")
    assert b"client" in pat and b"client|kill" in pat and b"get" not in pat
    admin = raw(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin")
    assert b"client|kill" in admin and b"get" not in admin
    assert raw(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch") == []
    assert raw(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "x") == []
    for args in (("FILTERBY", "foo", "x"), ("foo",), ("FILTERBY",)):
        assert both_err(r, real, "COMMAND", "LIST", *args) == "syntax error"


def raw_command_info(client, *names):
    return raw(client, "COMMAND", "INFO", *names)


def test_command_info_get_matches_redis(r, real):
    ours = raw_command_info(r, "get", "nosuchcmd")
    theirs = raw_command_info(real, "get", "nosuchcmd")
    assert ours[1] is None and theirs[1] is None
    assert ours[0][:7] == theirs[0][:7]
    assert len(ours[0]) == 10
    # The derived key spec equals Redis's for GET.
    assert ours[0][8] == theirs[0][8]


def test_command_info_subcommands_match_redis(r, real):
    for name in ("client|list", "memory|usage", "slowlog|get", "time", "shutdown", "debug", "config|set"):
        ours = raw_command_info(r, name)[0]
        theirs = raw_command_info(real, name)[0]
        assert ours[:6] == theirs[:6], name
        assert sorted(ours[6]) == sorted(theirs[6]), name
    ours = raw_command_info(r, "client")[0]
    subs = {s[0] for s in ours[9]}
    assert {b"client|list", b"client|kill", b"client|id"} <= subs


def test_command_docs(r):
    docs = raw(r, "COMMAND", "DOCS", "get", "client", "nosuch")
    as_map = dict(zip(docs[::2], docs[1::2]))
    assert set(as_map) == {b"get", b"client"}
    get = dict(zip(as_map[b"get"][::2], as_map[b"get"][1::2]))
    assert get[b"group"] == b"string" and get[b"since"] == b"1.0.0" and get[b"summary"]
    client = dict(zip(as_map[b"client"][::2], as_map[b"client"][1::2]))
    subs = dict(zip(client[b"subcommands"][::2], client[b"subcommands"][1::2]))
    assert b"client|kill" in subs


def test_command_getkeys(r, real):
    assert raw(r, "COMMAND", "GETKEYS", "GET", "k") == [b"k"]
    assert raw(r, "COMMAND", "GETKEYS", "DEL", "a", "b", "c") == [b"a", b"b", b"c"]
    assert raw(r, "COMMAND", "GETKEYS", "MEMORY", "USAGE", "k") == [b"k"]
    assert raw(r, "COMMAND", "GETKEYS", "memory", "usage", "k", "SAMPLES", "5") == [b"k"]
    assert both_err(r, real, "COMMAND", "GETKEYS", "nosuch", "a", "b") == "Invalid command specified"
    assert both_err(r, real, "COMMAND", "GETKEYS", "get", "a", "b") == \
        "Invalid number of arguments specified for command"
    assert both_err(r, real, "COMMAND", "GETKEYS", "ping", "x", "y") == "The command has no key arguments"
    assert both_err(r, real, "COMMAND", "GETKEYS", "client", "list", "x") == "The command has no key arguments"
    assert both_err(r, real, "COMMAND", "GETKEYS", "get") == \
        "wrong number of arguments for 'command|getkeys' command"


MOVABLE_KEY_COMMANDS = ["zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter", "zdiff", "zintercard",
                        "sintercard", "lmpop", "blmpop", "zmpop", "bzmpop", "sort", "sort_ro"]

GETKEYS_CASES = [
    "ZUNIONSTORE dst 2 s1 s2 WEIGHTS 1 2", "ZINTERSTORE dst 1 a", "ZDIFFSTORE dst 2 a b",
    "ZUNION 2 a b WITHSCORES", "ZINTER 1 a", "ZDIFF 3 a b c", "ZINTERCARD 2 a b LIMIT 1", "SINTERCARD 2 a b",
    "LMPOP 2 a b LEFT", "LMPOP 1 a LEFT COUNT 2", "BLMPOP 0 2 a b LEFT", "ZMPOP 2 a b MIN", "BZMPOP 1 2 a b MAX",
    "ZMPOP 3 a b MIN",  # three arguments after the count: "MIN" is taken for a key, as Redis does
    "SORT k", "SORT k STORE dst", "SORT k BY x GET y STORE d2 LIMIT 0 1", "SORT k store",
    "SORT k LIMIT 0 1 STORE d", "SORT k STORE a STORE b", "SORT_RO k", "SORT_RO k BY x", "SORT_RO k STORE d",
    # Counts that do not fit the arguments.
    "ZUNIONSTORE dst 0 s1", "ZUNIONSTORE dst 3 s1 s2", "ZUNIONSTORE dst x s1", "ZUNIONSTORE dst -1 s1",
    "ZUNIONSTORE dst 2147483648 a", "ZDIFF 4 a b c", "SINTERCARD 0 a", "SINTERCARD -1 a", "BLMPOP 0 5 a b LEFT",
    "LMPOP 0 a LEFT", "ZUNION 0 a", "ZUNIONSTORE dst 1",
    # Plain key ranges.
    "GET k", "DEL a b c", "MSET a 1 b 2", "MSET a 1 b", "SET a", "GETRANGE a 0", "OBJECT ENCODING a",
    "MEMORY USAGE a", "PING", "GET", "NOSUCH a",
]


@pytest.mark.parametrize("line", GETKEYS_CASES)
def test_command_getkeys_matches_redis(r, real, line):
    same(r, real, "COMMAND", "GETKEYS", *line.split())


@pytest.mark.parametrize("line", [c for c in GETKEYS_CASES if c.split()[0].lower() in MOVABLE_KEY_COMMANDS])
def test_command_getkeysandflags_movable_matches_redis(r, real, line):
    same(r, real, "COMMAND", "GETKEYSANDFLAGS", *line.split())


def test_command_getkeys_movable(r):
    assert raw(r, "COMMAND", "GETKEYS", "ZUNIONSTORE", "dst", "2", "s1", "s2", "WEIGHTS", "1", "2") == \
        [b"dst", b"s1", b"s2"]
    assert raw(r, "COMMAND", "GETKEYSANDFLAGS", "LMPOP", "2", "a", "b", "LEFT") == \
        [[b"a", [b"RW", b"access", b"delete"]], [b"b", [b"RW", b"access", b"delete"]]]
    assert err(r.execute_command, "COMMAND", "GETKEYS", "ZDIFF", "4", "a", "b", "c") == \
        "Invalid arguments specified for command"


def test_command_info_movable_key_specs_match_redis(r, real):
    ours = raw(r, "COMMAND", "INFO", *MOVABLE_KEY_COMMANDS)
    theirs = raw(real, "COMMAND", "INFO", *MOVABLE_KEY_COMMANDS)
    for o, t in zip(ours, theirs):
        assert o[:6] == t[:6] and sorted(o[6]) == sorted(t[6]), t[0]
        assert o[8] == t[8], t[0]  # the key specs


@pytest.mark.parametrize("hello", [b"", b"HELLO 3\r\n"])
def test_command_info_unknown_is_null_bulk(our_server, real_server, hello):
    """COMMAND INFO answers a null bulk ($-1, RESP3 _) for an unknown name,
    not a null array (*-1): the exact bytes are compared."""
    def exchange(port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(hello + b"COMMAND INFO nosuch\r\nPING\r\n")
            data = b""
            while not data.endswith(b"PONG\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data[data.rindex(b"*1\r\n"):]
    ours = exchange(our_server.port)
    assert ours == (b"*1\r\n_\r\n+PONG\r\n" if hello else b"*1\r\n$-1\r\n+PONG\r\n")
    if real_server is not None:
        assert ours == exchange(real_server.port)


def test_command_help_and_unknown(r, real):
    assert raw(r, "COMMAND", "HELP")[0].startswith(b"COMMAND <subcommand>")
    assert both_err(r, real, "COMMAND", "NOSUCH") == "unknown subcommand 'NOSUCH'. Try COMMAND HELP."


# ---- DEBUG --------------------------------------------------------------------

DEBUG_NOT_ALLOWED = ("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can "
                     "run it from a local connection, otherwise you need to set this option in the configuration "
                     "file, and then restart the server.")


def test_debug_gated_by_default(r, real):
    assert both_err(r, real, "DEBUG", "SLEEP", "0") == DEBUG_NOT_ALLOWED


@pytest.mark.parametrize("mode", ["yes", "local"])
def test_debug_allowed(server_factory, mode):
    s = server_factory("--enable-debug-command", mode)
    c = s.client()
    t0 = time.time()
    assert c.execute_command("DEBUG", "SLEEP", "0.2") == b"OK"
    assert time.time() - t0 >= 0.15
    c.set("foo", "bar")
    obj = c.execute_command("DEBUG", "OBJECT", "foo").decode()
    assert obj.startswith("Value at:0x")
    for field in ("refcount:1", "encoding:embstr", "serializedlength:4", "lru:", "lru_seconds_idle:"):
        assert field in obj
    c.set("n", 12345)
    assert "encoding:int" in c.execute_command("DEBUG", "OBJECT", "n").decode()
    assert err(c.execute_command, "DEBUG", "OBJECT", "nokey") == "no such key"
    assert c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    c.set("short", "x", px=50)
    time.sleep(0.4)
    assert c.dbsize() == 3  # not expired in the background
    assert c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    deadline = time.time() + 5
    while c.dbsize() != 2 and time.time() < deadline:
        time.sleep(0.05)
    assert c.dbsize() == 2
    ht = c.execute_command("DEBUG", "HTSTATS", "0").decode()
    assert ht.startswith("[Dictionary HT]\nHash table 0 stats (main hash table):\n")
    assert "[Expires HT]\n" in ht
    assert err(c.execute_command, "DEBUG", "HTSTATS", "99") == "Out of range database"
    assert err(c.execute_command, "DEBUG", "HTSTATS", "x") == "value is not an integer or out of range"
    assert c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100") == b"OK"
    assert err(c.execute_command, "DEBUG", "QUICKLIST-PACKED-THRESHOLD", "abc") == \
        "argument must be a memory value bigger than 1 and smaller than 4gb"
    assert c.execute_command("DEBUG", "CHANGE-REPL-ID") == b"OK"
    # Not a Redis 7.0.15 subcommand (test_debug_cmds.py compares with it).
    assert err(c.execute_command, "DEBUG", "JMAP") == \
        "unknown subcommand or wrong number of arguments for 'JMAP'. Try DEBUG HELP."
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"  # save, flush, load (persistence)
    assert err(c.execute_command, "DEBUG", "nosuch") == \
        "unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP."
    assert c.execute_command("DEBUG", "HELP")[0].startswith(b"DEBUG <subcommand>")


def test_debug_object_matches_redis(server_factory):
    real_bin = shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if real_bin is None:
        pytest.skip("Debian's redis-server is not installed")
    ours = server_factory("--enable-debug-command", "yes").client()
    theirs = server_factory("--enable-debug-command", "yes", binary=real_bin).client()
    for value in ("bar", "12345", "x" * 100, "ab" * 300):
        fields = []
        for c in (ours, theirs):
            c.set("k", value)
            text = c.execute_command("DEBUG", "OBJECT", "k").decode()
            fields.append({f.split(":")[0]: f.split(":")[1] for f in text.split(" ")[2:] if ":" in f})
        for name in ("refcount", "encoding"):
            assert fields[0][name] == fields[1][name], (value, name)
        # LZF output sizes of two compressors may differ; uncompressed ones may not.
        if len(value) <= 20:
            assert fields[0]["serializedlength"] == fields[1]["serializedlength"], value


# ---- MODULE, LOLWUT -------------------------------------------------------------

MODULE_NOT_ALLOWED = ("MODULE command not allowed. If the enable-module-command option is set to \"local\", you "
                      "can run it from a local connection, otherwise you need to set this option in the "
                      "configuration file, and then restart the server.")


def test_module_commands_match_redis(r, real):
    assert raw(r, "MODULE", "LIST") == [] == raw(real, "MODULE", "LIST")
    for args in (("LOAD", "/tmp/x.so"), ("LOADEX", "/tmp/x.so", "ARGS", "1"), ("UNLOAD", "x")):
        assert both_err(r, real, "MODULE", *args) == MODULE_NOT_ALLOWED
    same(r, real, "MODULE", "HELP")
    assert both_err(r, real, "MODULE", "FOO") == "unknown subcommand 'FOO'. Try MODULE HELP."
    assert both_err(r, real, "MODULE", "LIST", "x") == "wrong number of arguments for 'module|list' command"
    assert both_err(r, real, "MODULE") == "wrong number of arguments for 'module' command"
    for name in ("module", "module|list", "module|load", "module|loadex", "module|unload", "module|help"):
        ours, theirs = raw_command_info(r, name)[0], raw_command_info(real, name)[0]
        assert ours[:6] == theirs[:6] and sorted(ours[6]) == sorted(theirs[6]), name


@pytest.mark.parametrize("payload", [b"MULTI\r\nMODULE LOAD x\r\nEXEC\r\n", b"MULTI\r\nDEBUG SLEEP 0\r\nEXEC\r\n"])
def test_protected_commands_refused_when_queued(our_server, real_server, payload):
    """DEBUG and MODULE LOAD are refused by the dispatcher, before MULTI
    queues them, so EXEC aborts (Redis's processCommand)."""
    from test_protocol import raw as exchange
    ours = exchange(our_server, payload + b"QUIT\r\n")
    assert b"command not allowed" in ours and ours.endswith(b"-EXECABORT Transaction discarded because of "
                                                            b"previous errors.\r\n+OK\r\n")
    if real_server is not None:
        assert ours == exchange(real_server, payload + b"QUIT\r\n")


def test_module_load_when_enabled(server_factory):
    """With enable-module-command yes, loading fails as for a module Redis
    cannot open, and the log says why."""
    servers = [server_factory("--enable-module-command", "yes")]
    if shutil.which("redis-server", path="/usr/bin:/usr/sbin"):
        servers.append(server_factory("--enable-module-command", "yes",
                                      binary=shutil.which("redis-server", path="/usr/bin:/usr/sbin")))
    for s in servers:
        c = s.client()
        assert err(c.execute_command, "MODULE", "LOAD", "/nonexistent/m.so") == \
            "Error loading the extension. Please check the server logs."
        assert err(c.execute_command, "MODULE", "UNLOAD", "m") == \
            "Error unloading module: no such module with that name"
        assert "Module /nonexistent/m.so failed to load: " in s.read_log()
        assert c.execute_command("MODULE", "LIST") == []


def test_lolwut(r, real, our_server, real_server):
    # Without a drawing version, just the version line, byte for byte.
    from test_protocol import raw as exchange
    for hello, reply in ((b"", b"$18\r\nRedis ver. 7.0.15\n\r\n"), (b"HELLO 3\r\n", b"=22\r\ntxt:Redis ver. 7.0.15\n\r\n")):
        for server in filter(None, (our_server, real_server)):
            assert exchange(server, hello + b"LOLWUT\r\nQUIT\r\n").endswith(reply + b"+OK\r\n")
    same(r, real, "LOLWUT", "VERSION", "4")
    same(r, real, "LOLWUT", "VERSION", "-1")
    assert both_err(r, real, "LOLWUT", "VERSION", "x") == "value is not an integer or out of range"
    assert both_err(r, real, "LOLWUT", "VERSION", "5", "x") == "value is not an integer or out of range"
    # Versions 5 and 6 draw our own pictures, ending with the version line.
    for args in (("VERSION", "5"), ("VERSION", "6"), ("VERSION", "5", "40", "10", "8"), ("version", "6", "30", "5")):
        art = r.execute_command("LOLWUT", *args).decode()
        assert art.endswith(" Redis ver. 7.0.15\n") and len(art.splitlines()) > 3, args
        assert "Georg Nees" not in art and "Plaguemon" not in art
        assert art == r.execute_command("LOLWUT", *args).decode()  # deterministic
    assert len(r.execute_command("LOLWUT", "VERSION", "5", "40", "10", "8").decode().splitlines()[0]) == 40
    # The largest sizes stay small (arguments are clamped as in Redis).
    for args in (("VERSION", "5", "100000", "100000", "100000"), ("VERSION", "6", "100000", "100000")):
        assert len(r.execute_command("LOLWUT", *args)) < 4_000_000


# ---- MEMORY -------------------------------------------------------------------

def memory_tier(c, key):
    reply = c.execute_command("MEMORY", "TIER", key)
    if reply is None:
        return None
    d = dict(zip(reply[::2], reply[1::2]))
    return {k.decode(): (v.decode() if isinstance(v, bytes) else v) for k, v in d.items()}


def test_memory_tier(r):
    r.set("big", b"v" * 1024)
    t = memory_tier(r, "big")
    assert t["tier"] == "nvm"
    assert t["nvm_bytes"] >= 1024
    assert t["dram_bytes"] > 0  # the object header
    assert t["encoding"] == "raw"
    r.set("n", 123)
    t = memory_tier(r, "n")
    assert t["nvm_bytes"] == 0 and t["tier"] == "none" and t["encoding"] == "int"
    r.set("s", "short")
    t = memory_tier(r, "s")
    assert t["nvm_bytes"] == 0 and t["tier"] == "dram" and t["encoding"] == "embstr"
    assert memory_tier(r, "nokey") is None
    assert err(r.execute_command, "MEMORY", "TIER") == "wrong number of arguments for 'memory|tier' command"


def test_memory_tier_dram_only(server_factory):
    c = server_factory("--tier-policy", "dram-only").client()
    c.set("big", b"v" * 4096)
    t = memory_tier(c, "big")
    assert t["tier"] == "dram" and t["nvm_bytes"] == 0 and t["dram_bytes"] >= 4096


def test_memory_usage(r, real, our_server):
    r.set("big", b"v" * 1000)
    usage = r.memory_usage("big")
    assert 1000 < usage < 1200
    assert r.memory_usage("nokey") is None
    # Strings: Redis counts the dict entry, the key sds, the object and the
    # value; our entry holds the key and the object header in one
    # allocation, so we never need more than Redis for the same key
    # (jemalloc's size classes; a sanitizer's malloc has none).
    if is_sanitized(our_server):
        return
    for key, value in (("foo", "bar"), ("n", "12345"), ("big", "v" * 1000), ("mid", "m" * 60),
                       ("key:000000000001", "x" * 64)):
        r.set(key, value)
        real.set(key, value)
        assert 0 < r.memory_usage(key) <= real.memory_usage(key), key
    # The key:000000000001 case: Redis's 24 (sizeof its dict entry) + 32
    # (key) + 16 (object) + 80 (value) is our 48 (entry with key and header)
    # + 80.
    assert real.memory_usage("key:000000000001") - r.memory_usage("key:000000000001") == 24
    # And what it reports is what the keys really take: the sum over many
    # keys is what FLUSHALL gives back, give or take the table. (Measured
    # between two small commands, so client buffers do not count.)
    r.flushall()
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"key:{i:012d}", "w" * (i % 200))
    pipe.execute()
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.memory_usage(f"key:{i:012d}")
    reported = sum(pipe.execute())

    def dataset():  # used memory less the clients' buffers
        m = r.info("memory")
        return m["used_memory"] - m["mem_clients_normal"]

    # INFO's first call on a server allocates its latency histogram (about
    # 25 KiB) after it has reported: call it once before measuring, as
    # whether another test did so first depends on pytest-xdist's order.
    dataset()
    full = dataset()
    r.flushall()
    grown = full - dataset()
    table = 2048 * 8  # the dict's buckets, which no key's usage includes
    assert abs((grown - table) - reported) <= reported * 0.02, (reported, grown)
    assert r.execute_command("MEMORY", "USAGE", "foo", "SAMPLES", "0") == r.memory_usage("foo")
    for args in (("SAMPLES",), ("SAMPLES", "-1"), ("bar", "1")):
        assert both_err(r, real, "MEMORY", "USAGE", "foo", *args) == "syntax error"
    assert both_err(r, real, "MEMORY", "USAGE", "foo", "SAMPLES", "x") == "value is not an integer or out of range"


def test_memory_stats_fields(r, real):
    r.set("a", "1")
    real.set("a", "1")
    ours = r.execute_command("MEMORY", "STATS")
    theirs = real.execute_command("MEMORY", "STATS")
    our_names = [k.decode() for k in ours[::2]]
    their_names = [k.decode() for k in theirs[::2]]
    assert our_names[:len(their_names)] == their_names
    assert our_names[len(their_names):] == ["dram.allocated", "nvm.allocated"]
    stats = dict(zip(our_names, ours[1::2]))
    assert stats["keys.count"] == 1
    assert stats["total.allocated"] > 0
    db0 = dict(zip(stats["db.0"][::2], stats["db.0"][1::2]))
    assert db0[b"overhead.hashtable.main"] > 0


def test_memory_doctor_purge_malloc_stats_help(r):
    doctor = r.execute_command("MEMORY", "DOCTOR").decode()
    assert doctor.startswith("Hi Sam") or doctor.startswith("Sam, I detected")
    assert r.execute_command("MEMORY", "PURGE") == b"OK"
    assert b"dram" in r.execute_command("MEMORY", "MALLOC-STATS")
    helplines = r.execute_command("MEMORY", "HELP")
    assert helplines[0].startswith(b"MEMORY <subcommand>")
    assert any(l.startswith(b"TIER") for l in helplines)


# ---- SLOWLOG, LATENCY, TIME, LASTSAVE -------------------------------------------

def test_slowlog(r, real):
    r.config_set("slowlog-log-slower-than", 0)
    try:
        assert r.slowlog_reset()
        r.set("slowkey", "v")
        r.client_setname("slowpoke")
        r.get("slowkey")
        entries = r.slowlog_get()
        assert len(entries) >= 2
        newest = entries[0]
        assert newest["command"] in (b"SLOWLOG GET", b"GET slowkey", b"CLIENT SETNAME slowpoke")
        cmds = [e["command"] for e in entries]
        assert b"GET slowkey" in cmds and b"SET slowkey v" in cmds
        assert entries[0]["id"] > entries[-1]["id"]
        assert abs(entries[0]["start_time"] - time.time()) < 10
        raw = r.execute_command("SLOWLOG", "GET", "1")
        assert len(raw) == 1 and len(raw[0]) == 6
        assert raw[0][4].startswith(b"127.0.0.1:") and raw[0][5] == b"slowpoke"
        assert r.slowlog_len() >= 3
        everything = r.execute_command("SLOWLOG", "GET", "-1")
        assert r.slowlog_len() == len(everything) + 1  # + that GET itself
        assert r.slowlog_reset()
        assert r.slowlog_len() <= 1  # SLOWLOG RESET itself may be logged afterwards
    finally:
        r.config_set("slowlog-log-slower-than", 10000)
        r.client_setname("")
    for bad in ("-2", "abc"):
        assert both_err(r, real, "SLOWLOG", "GET", bad) == "count should be greater than or equal to -1"
    assert both_err(r, real, "SLOWLOG", "LEN", "x") == "wrong number of arguments for 'slowlog|len' command"
    assert r.execute_command("SLOWLOG", "HELP")[0].startswith(b"SLOWLOG <subcommand>")


def test_latency(r, real):
    for c in (r, real):
        assert c.execute_command("LATENCY", "LATEST") == []
        assert c.execute_command("LATENCY", "HISTORY", "command") == []
        assert c.execute_command("LATENCY", "RESET") == 0
        assert c.execute_command("LATENCY", "RESET", "a", "b") == 0
    assert r.execute_command("LATENCY", "DOCTOR") == real.execute_command("LATENCY", "DOCTOR")
    assert both_err(r, real, "LATENCY", "GRAPH", "foo") == "No samples available for event 'foo'"
    assert r.execute_command("LATENCY", "HELP")[0].startswith(b"LATENCY <subcommand>")


def test_latency_monitor_records_slow_commands(server_factory, real_server):
    servers = [server_factory("--enable-debug-command", "yes")]
    if real_server is not None:
        servers.append(server_factory("--enable-debug-command", "yes", binary="/usr/bin/redis-server"))
    for s in servers:
        c = s.client()
        c.config_set("latency-monitor-threshold", "20")
        c.execute_command("DEBUG", "SLEEP", "0.05")
        latest = c.execute_command("LATENCY", "LATEST")
        assert len(latest) == 1
        name, ts, last_ms, max_ms = latest[0]
        assert name == b"command"
        assert 50 <= last_ms < 1000 and max_ms >= last_ms
        assert abs(ts - int(time.time())) <= 2
        hist = c.execute_command("LATENCY", "HISTORY", "command")
        assert len(hist) == 1 and hist[0][1] == last_ms
        assert c.execute_command("LATENCY", "RESET", "command") == 1
        assert c.execute_command("LATENCY", "LATEST") == []


def test_time_and_lastsave(r):
    secs, usecs = r.time()
    assert abs(secs + usecs / 1e6 - time.time()) < 5
    assert 0 <= usecs < 1000000
    lastsave = r.lastsave()  # redis-py turns the integer into a datetime
    assert abs(lastsave.timestamp() - time.time()) < 3600


# ---- SHUTDOWN -----------------------------------------------------------------

def test_shutdown_errors_match_redis(r, real):
    assert both_err(r, real, "SHUTDOWN", "foo") == "syntax error"
    assert both_err(r, real, "SHUTDOWN", "NOSAVE", "SAVE") == "syntax error"
    assert both_err(r, real, "SHUTDOWN", "ABORT", "NOW") == "syntax error"
    assert both_err(r, real, "SHUTDOWN", "ABORT") == "No shutdown in progress."


def test_shutdown_exits(server_factory):
    s = server_factory()
    c = s.client()
    c.set("a", 1)
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    s.proc.wait(timeout=10)
    assert s.proc.returncode == 0


def test_shutdown_not_in_multi(r):
    r.execute_command("MULTI")
    assert err(r.execute_command, "SHUTDOWN") == "Command not allowed inside a transaction"
    r.execute_command("DISCARD")


# ---- redis-cli ------------------------------------------------------------------

def test_redis_cli(our_server):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed")
    port = str(our_server.port)
    out = subprocess.run([cli, "-p", port, "ping"], capture_output=True, timeout=10)
    assert out.stdout.strip() == b"PONG"
    out = subprocess.run([cli, "-p", port, "client", "list"], capture_output=True, timeout=10)
    assert b"cmd=client|list" in out.stdout
    out = subprocess.run([cli, "-p", port, "--no-raw", "command", "count"], capture_output=True, timeout=10)
    assert out.stdout.startswith(b"(integer) ")
    # Interactive start-up asks COMMAND for its hints; feeding stdin exercises the same path.
    out = subprocess.run([cli, "-p", port], input=b"set clikey 1\nget clikey\n", capture_output=True, timeout=10)
    assert out.returncode == 0 and b"1" in out.stdout
    out = subprocess.run([cli, "-p", port, "memory", "doctor"], capture_output=True, timeout=10)
    assert b"Sam" in out.stdout


# ---- per-command latency: INFO latencystats, LATENCY HISTOGRAM --------------------

# Bucket labels of LATENCY HISTOGRAM: the highest value equivalent to 2^k ns
# in a 2-significant-digit HdrHistogram, in us (1, 2, 4, 8, 16, 33, 66, 132...).
LATENCY_LABELS = {(2 ** k + 2 ** (k - 7) - 1) // 1000 for k in range(10, 31)}


def check_histogram_entry(entry, calls):
    fields = dict(zip(entry[::2], entry[1::2]))
    assert fields[b"calls"] == calls
    flat = fields[b"histogram_usec"]
    labels, counts = flat[::2], flat[1::2]
    assert labels == sorted(labels) and set(labels) <= LATENCY_LABELS, labels
    assert counts == sorted(counts) and counts[-1] == calls and len(set(counts)) == len(counts)


@pytest.mark.parametrize("server", ["ours", "real"])
def test_latency_histogram_shape(r, real, server):
    c = r if server == "ours" else real
    c.config_resetstat()
    for _ in range(5):
        c.set("a", "b")
        c.get("a")
    reply = raw(c, "LATENCY", "HISTOGRAM", "set", "get", "nosuch")
    assert reply[::2] == [b"set", b"get"]
    for entry in reply[1::2]:
        check_histogram_entry(entry, 5)
    assert raw(c, "LATENCY", "HISTOGRAM", "client") == []  # no subcommand has run
    everything = raw(c, "LATENCY", "HISTOGRAM")
    names = everything[::2]
    assert b"set" in names and b"get" in names and b"config|resetstat" in names
    # A container name brings its subcommands.
    assert raw(c, "LATENCY", "HISTOGRAM", "config")[0] == b"config|resetstat"


def test_latency_histogram_resp3(our_server):
    from test_protocol import raw as exchange
    out = exchange(our_server, b"HELLO 3\r\nCONFIG RESETSTAT\r\nPING\r\nLATENCY HISTOGRAM ping\r\nQUIT\r\n")
    assert b"%1\r\n$4\r\nping\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%1\r\n:" in out


def test_info_latencystats(r, real):
    from differential import raw as reply_of
    for c in (r, real):
        c.config_resetstat()
        c.ping()
        c.set("k", "v")
        text = reply_of(c, "INFO", "latencystats").decode()
        assert text.startswith("# Latencystats\r\n")
        lines = dict(line.split(":", 1) for line in text.splitlines()[1:])
        for cmd in ("ping", "set"):
            assert re.fullmatch(r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}",
                                lines[f"latency_percentiles_usec_{cmd}"]), lines
        assert "# Latencystats" not in reply_of(c, "INFO").decode()
        assert "# Latencystats" in reply_of(c, "INFO", "everything").decode()
    # The configured percentiles name the fields, as in Redis (p0 is the
    # lowest value seen, so a single 0 us call reads p0=0.001 or more).
    labels = []
    for c in (r, real):
        c.config_set("latency-tracking-info-percentiles", "0 50 99.99 100")
        try:
            c.ping()
            line = [ln for ln in reply_of(c, "INFO", "latencystats").decode().splitlines()
                    if ln.startswith("latency_percentiles_usec_ping:")][0]
            labels.append([kv.split("=")[0] for kv in line.split(":")[1].split(",")])
        finally:
            c.config_set("latency-tracking-info-percentiles", "50 99 99.9")
    assert labels[0] == labels[1] == ["p0", "p50", "p99.99", "p100"]


def test_latency_tracking_off_and_resetstat(r):
    r.config_resetstat()
    r.config_set("latency-tracking", "no")
    try:
        for _ in range(3):
            r.ping()
        assert raw(r, "LATENCY", "HISTOGRAM", "ping") == []
        assert "latency_percentiles_usec_ping" not in r.info("latencystats")
    finally:
        r.config_set("latency-tracking", "yes")
    r.ping()
    assert raw(r, "LATENCY", "HISTOGRAM", "ping")[1][1] == 1
    r.config_resetstat()
    assert raw(r, "LATENCY", "HISTOGRAM", "ping") == []


def test_latency_help_and_info_match_redis(r, real):
    same(r, real, "LATENCY", "HELP")
    ours, theirs = raw_command_info(r, "latency|histogram")[0], raw_command_info(real, "latency|histogram")[0]
    assert ours[:6] == theirs[:6] and sorted(ours[6]) == sorted(theirs[6])
