"""DEBUG subcommands used by operators, scripts and client test suites,
compared reply for reply with Debian's redis-server 7.0."""
import socket
import time

import pytest
import redis

import dump_util
from conftest import REAL_SERVER
from differential import outcome

pytestmark = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")


@pytest.fixture
def both(server_factory):
    ours = server_factory("--enable-debug-command", "yes")
    theirs = server_factory("--enable-debug-command", "yes", binary=REAL_SERVER)
    return ours, theirs


def same(pair, *cmd):
    o, t = (outcome(s.client(), *cmd) for s in pair)
    assert o == t, f"{cmd!r}: ours {o!r}, redis {t!r}"
    return o


def drain(s):
    """Everything the socket receives until it has been quiet for 0.3 s."""
    data = b""
    s.settimeout(0.3)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


def encode(cmd):
    return b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in cmd)


def raw_replies(port, setup, commands):
    """Runs the setup commands, then sends the commands in one pipeline and
    returns the bytes of their replies as the server sent them."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for cmd in setup:
            s.sendall(encode(cmd))
            drain(s)
        s.sendall(b"".join(encode(c) for c in commands))
        return drain(s)


def help_blocks(lines):
    blocks = {}
    name = None
    for l in lines[1:]:
        if not l.startswith(b" "):
            name = l.split()[0]
            blocks.setdefault(name, [])
        blocks[name].append(l)
    return blocks


def test_help_lists_what_exists_in_redis_words(both):
    ours, theirs = (s.client() for s in both)
    mine, redis_ = ours.execute_command("DEBUG", "HELP"), theirs.execute_command("DEBUG", "HELP")
    assert mine[0] == redis_[0]
    mb, rb = help_blocks(mine), help_blocks(redis_)
    assert set(mb) <= set(rb)
    for name, text in mb.items():
        assert text == rb[name], name
    # Each listed subcommand exists: none answers "unknown subcommand".
    safe_args = {b"PROTOCOL": ["string"], b"AOF-FLUSH-SLEEP": ["0"], b"SDSLEN": ["key:0"], b"SLEEP": ["0"], b"LOG": ["x"], b"ERROR": ["x"], b"LEAK": ["x"],
                 b"HTSTATS": ["0"], b"SET-ACTIVE-EXPIRE": ["1"], b"PAUSE-CRON": ["0"],
                 b"SET-SKIP-CHECKSUM-VALIDATION": ["0"], b"QUICKLIST-PACKED-THRESHOLD": ["0"],
                 b"MALLCTL": ["arenas.page"], b"MALLCTL-STR": ["version"], b"POPULATE": ["1"],
                 b"REPLYBUFFER": ["resizing", "1"], b"OBJECT": ["key:0"], b"LISTPACK": ["key:0"],
                 b"QUICKLIST": ["key:0"], b"HTSTATS-KEY": ["key:0"], b"DIGEST-VALUE": ["key:0"]}
    skip = {b"ASSERT", b"PANIC", b"SEGFAULT", b"OOM", b"RELOAD", b"LOADAOF", b"HELP", b"RESTART",
            b"CRASH-AND-RECOVER"}
    for name in mb:
        if name in skip:
            continue
        kind, text = outcome(ours, "DEBUG", name.decode(), *safe_args.get(name, []))
        assert "unknown subcommand" not in str(text), (name, text)
    assert b"DIGEST" in mb and b"PROTOCOL" in mb and b"PAUSE-CRON" in mb
    same(both, "DEBUG", "JMAP")  # not a 7.0 subcommand
    same(both, "DEBUG", "NOSUCHSUB", "x")


@pytest.mark.parametrize("resp", [2, 3])
def test_protocol_replies_byte_for_byte(both, resp):
    types = [b"string", b"integer", b"double", b"bignum", b"null", b"array", b"set", b"map", b"attrib",
             b"push", b"verbatim", b"true", b"false", b"nosuchtype"]
    setup = [[b"HELLO", b"3"]] if resp == 3 else []  # its reply names the servers: not compared
    cmds = [[b"DEBUG", b"PROTOCOL", t] for t in types] + [[b"PING"]]
    ours, theirs = (raw_replies(s.port, setup, cmds) for s in both)
    assert ours.endswith(b"+PONG\r\n")  # every reply arrived
    assert ours == theirs


def test_pause_cron_stops_active_expiry(both):
    for s in both:
        c = s.client()
        c.execute_command("DEBUG", "PAUSE-CRON", 1)
        c.set("k", "v", px=50)
        time.sleep(0.4)
        assert c.dbsize() == 1  # expired but not collected: cron is paused
        c.execute_command("DEBUG", "PAUSE-CRON", 0)
        deadline = time.time() + 5
        while c.dbsize() and time.time() < deadline:
            time.sleep(0.02)
        assert c.dbsize() == 0


def test_skip_checksum_validation(both):
    for s in both:
        c = s.client()
        c.set("k", "v")
        payload = c.dump("k")
        bad = payload[:-1] + bytes([payload[-1] ^ 0xFF])
        with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
            c.restore("x", 0, bad)
        assert c.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 1) == b"OK"
        assert c.restore("x", 0, bad) == b"OK" and c.get("x") == b"v"
        c.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 0)
        with pytest.raises(redis.ResponseError):
            c.restore("y", 0, bad)


def test_structure_dumps_and_htstats_key(both):
    for s in both:
        c = s.client()
        c.hset("h:lp", "f", "v")
        c.sadd("s:ht", "a", "b")
        c.rpush("l", "a", "b")
        c.zadd("z:sl", {"m" * 100: 1})
        c.set("str", "x")
    for cmd in (["LISTPACK", "h:lp"], ["LISTPACK", "s:ht"], ["LISTPACK", "nokey"], ["LISTPACK", "l"],
                ["QUICKLIST", "l"], ["QUICKLIST", "l", "1"], ["QUICKLIST", "h:lp"], ["QUICKLIST", "nokey"],
                ["HTSTATS-KEY", "h:lp"], ["HTSTATS-KEY", "str"], ["HTSTATS-KEY", "nokey"],
                ["QUICKLIST-PACKED-THRESHOLD", "0"], ["QUICKLIST-PACKED-THRESHOLD", "1kb"],
                ["QUICKLIST-PACKED-THRESHOLD", "5gb"], ["QUICKLIST-PACKED-THRESHOLD", "x"]):
        same(both, "DEBUG", *cmd)
    # Redis's own run takes 10 s: its reply is known.
    assert both[0].client().execute_command("DEBUG", "STRINGMATCH-TEST") == \
        b"Apparently Redis did not crash: test passed"
    # A hashtable's statistics, in Redis's layout.
    for key in ("s:ht", "z:sl"):
        o, t = (s.client().execute_command("DEBUG", "HTSTATS-KEY", key) for s in both)
        assert o.splitlines()[0] == t.splitlines()[0] and o.startswith(b"Hash table 0 stats"), (o, t)


def test_a_list_takes_plain_nodes_past_the_packed_threshold(both):
    for s in both:
        c = s.client()
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
        c.rpush("l", "small", "x" * 200, "small2")
        assert c.lrange("l", 0, -1) == [b"small", b"x" * 200, b"small2"]
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
    # A plain node of its own: three nodes in both servers' DEBUG OBJECT,
    # and the same digest as Redis's.
    for s in both:
        fields = s.client().execute_command("DEBUG", "OBJECT", "l").split()
        assert b"ql_nodes:3" in fields, fields
    same(both, "DEBUG", "DIGEST-VALUE", "l")


def test_mallctl(both):
    ours, theirs = (s.client() for s in both)
    for c in (ours, theirs):
        assert c.execute_command("DEBUG", "MALLCTL", "arenas.page") == 4096
        assert c.execute_command("DEBUG", "MALLCTL-STR", "version").startswith(b"5.")
        assert c.execute_command("DEBUG", "MALLCTL", "arenas.dirty_decay_ms", "10000") == 10000
    for cmd in (["MALLCTL", "no.such.ctl"], ["MALLCTL-STR", "no.such.ctl"], ["MALLCTL", "arenas.page", "x"],
                ["MALLCTL", "opt.dirty_decay_ms"]):
        same(both, "DEBUG", *cmd)
    # tieredis names the NVM tier's arena "nvm".
    assert ours.execute_command("DEBUG", "MALLCTL", "arena.nvm.dirty_decay_ms") >= -1


def test_replybuffer(both):
    for cmd in (["PEAK-RESET-TIME", "NEVER"], ["PEAK-RESET-TIME", "RESET"], ["PEAK-RESET-TIME", "100"],
                ["PEAK-RESET-TIME", "abc"], ["RESIZING", "0"], ["RESIZING", "1"], ["FOO", "1"]):
        same(both, "DEBUG", "REPLYBUFFER", *cmd)
    same(both, "DEBUG", "REPLYBUFFER", "RESIZING")


def test_populate(both):
    for cmd in (["POPULATE", "10"], ["POPULATE", "5", "p"], ["POPULATE", "3", "sized", "20"],
                ["POPULATE", "3", "cut", "3"], ["POPULATE", "-1"], ["POPULATE", "2", "p", "-5"],
                ["POPULATE", "x"]):
        same(both, "DEBUG", *cmd)
    for cmd in (["DBSIZE"], ["GET", "key:9"], ["GET", "p:4"], ["GET", "sized:2"], ["GET", "cut:1"],
                ["OBJECT", "ENCODING", "key:1"], ["OBJECT", "ENCODING", "sized:1"]):
        same(both, *cmd)
    # Existing keys are left alone.
    for s in both:
        s.client().set("key:0", "mine")
    same(both, "DEBUG", "POPULATE", "2")
    same(both, "GET", "key:0")


def test_debug_object_shows_the_quicklist_shape(both):
    fields = []
    for s in both:
        c = s.client()
        c.rpush("l", *[f"e{i}" for i in range(300)])
        c.rpush("small", "a", "b", "c")
        c.set("str", "x")
        fields.append([[f for f in c.execute_command("DEBUG", "OBJECT", k).split()
                        # serializedlength depends on the LZF compressor's output
                        if not f.startswith((b"at:", b"lru:", b"serializedlength:"))]
                       for k in ("l", "small", "str")])
    assert fields[0] == fields[1]
    assert any(f.startswith(b"ql_nodes:") for f in fields[0][0])


def test_aof_flush_sleep_delays_writes(server_factory):
    for binary in (REAL_SERVER, None):
        kw = {"binary": binary} if binary else {}
        c = server_factory("--enable-debug-command", "yes", "--appendonly", "yes", **kw).client()
        c.set("warm", "1")
        assert c.execute_command("DEBUG", "AOF-FLUSH-SLEEP", 200000) == b"OK"
        t = time.time()
        c.set("k", "v")  # its AOF write waits 0.2 s before the reply
        assert time.time() - t >= 0.19
        c.execute_command("DEBUG", "AOF-FLUSH-SLEEP", 0)
        t = time.time()
        c.set("k", "v")
        assert time.time() - t < 0.15


@pytest.mark.parametrize("sub", ["RESTART", "CRASH-AND-RECOVER"])
def test_restart_runs_the_same_command_line_again(server_factory, sub):
    """Same pid, same port and options; RESTART shuts down as SHUTDOWN does
    (the AOF keeps the data), CRASH-AND-RECOVER does not (an unsaved key is
    gone)."""
    sizes = []
    for binary in (REAL_SERVER, None):
        kw = {"binary": binary} if binary else {}
        s = server_factory("--enable-debug-command", "yes", "--appendonly", "yes", "--appendfsync", "no",
                           "--maxmemory", "7mb", **kw)
        c = s.client()
        c.set("k", "v")
        pid = s.proc.pid
        with pytest.raises(redis.ConnectionError):
            c.execute_command("DEBUG", sub, 100)
        deadline = time.time() + 10
        while True:
            try:
                c = s.client()
                c.ping()
                break
            except redis.ConnectionError:
                assert time.time() < deadline and s.alive()
                time.sleep(0.05)
        assert s.proc.pid == pid and s.alive()
        assert c.config_get("maxmemory") == {"maxmemory": "7340032"}
        sizes.append(c.dbsize())
        assert s.read_log().count("Server initialized") == 2
    assert sizes[0] == sizes[1]
    if sub == "RESTART":
        assert sizes[0] == 1


def test_config_rewrite_force_all_writes_defaults_too(server_factory):
    for binary in (REAL_SERVER, None):
        kw = {"binary": binary} if binary else {}
        s = server_factory("--enable-debug-command", "yes", config_text="maxmemory 7mb\n", **kw)
        c = s.client()
        c.config_rewrite()
        with open(s.config) as f:
            plain = f.read()
        assert "maxmemory 7mb" in plain and "\nhz " not in plain
        assert c.execute_command("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == b"OK"
        with open(s.config) as f:
            forced = f.read()
        lines = forced.splitlines()
        for line in ("maxmemory 7mb", "hz 10", "maxmemory-policy noeviction", "appendonly no"):
            assert line in lines, (binary, line)


def test_sdslen(both):
    for s in both:
        c = s.client()
        c.set("emb", "hello")
        c.set("raw", "r" * 100)
        c.set("n", 12345)
        c.rpush("l", "a")
    for cmd in (["SDSLEN", "nokey"], ["SDSLEN", "n"], ["SDSLEN", "l"]):
        same(both, "DEBUG", *cmd)
    for key, klen, vlen in (("emb", 3, 5), ("raw", 3, 100)):
        for s in both:
            r = s.client().execute_command("DEBUG", "SDSLEN", key).decode()
            fields = dict(f.replace(": ", ":").split(":") for f in r.split(", "))
            assert int(fields["key_sds_len"]) == klen and int(fields["val_sds_len"]) == vlen, r
            assert int(fields["val_zmalloc"]) >= vlen and int(fields["key_zmalloc"]) >= klen, r


def test_client_eviction_buckets(both):
    same(both, "DEBUG", "CLIENT-EVICTION")  # eviction off: every bucket empty
    for s in both:
        c = s.client()
        c.config_set("maxmemory-clients", "100mb")
        c.ping()
        text = c.execute_command("DEBUG", "CLIENT-EVICTION").decode()
        lines = text.splitlines()
        assert len(lines) == 19 and lines[0].startswith("bucket          0 -      32767: tot-mem: ")
        assert lines[-1].startswith("bucket 4294967296+            : tot-mem: ")
        assert sum(int(l.rsplit("clients: ", 1)[1]) for l in lines) >= 1  # this client at least
