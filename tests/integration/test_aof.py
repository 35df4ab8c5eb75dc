"""The append-only file: restarts, rewrites, enabling at run time, the
multi-part layout and manifest, what is logged for each command (compared
with Debian's redis-server 7.0's own AOF), truncation, redis-check-aof, and
the kill -9 durability of appendfsync always."""
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest
import redis

from conftest import REAL_SERVER, OUR_SERVER
from persist_util import assert_same, fill_dataset, info, run_until_exit, snapshot, stop, wait_for, wait_rewrite

CHECK_AOF = shutil.which("redis-check-aof", path="/usr/bin:/usr/sbin")



def start(server_factory, d, *args, binary=OUR_SERVER):
    return server_factory("--dir", d, "--appendonly", "yes", "--enable-debug-command", "yes", *args, binary=binary)


def aofdir(d):
    return os.path.join(d, "appendonlydir")


def manifest(d):
    with open(os.path.join(aofdir(d), "appendonly.aof.manifest")) as f:
        return [line.split() for line in f.read().splitlines()]


def parse_resp_commands(data):
    """The commands of an AOF command file (annotations skipped)."""
    cmds, i = [], 0
    while i < len(data):
        if data[i:i + 1] == b"#":
            i = data.index(b"\r\n", i) + 2
            continue
        assert data[i:i + 1] == b"*", data[i:i + 40]
        eol = data.index(b"\r\n", i)
        argc = int(data[i + 1:eol])
        i = eol + 2
        argv = []
        for _ in range(argc):
            eol = data.index(b"\r\n", i)
            n = int(data[i + 1:eol])
            argv.append(data[eol + 2:eol + 2 + n])
            i = eol + 2 + n + 2
        cmds.append(argv)
    return cmds


def incr_commands(d):
    m = manifest(d)
    incr = [line[1] for line in m if line[5] == "i"][-1]
    with open(os.path.join(aofdir(d), incr), "rb") as f:
        return parse_resp_commands(f.read())


def test_layout_and_restart(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    c.ping()  # start-up (which creates the files) is over
    assert manifest(datadir) == [["file", "appendonly.aof.1.base.rdb", "seq", "1", "type", "b"],
                                 ["file", "appendonly.aof.1.incr.aof", "seq", "1", "type", "i"]]
    fill_dataset(c, n=120)
    p = c.pipeline(transaction=True)
    p.set("m1", "1")
    p.incr("m1")
    p.execute()
    c.incrbyfloat("f", "1.5")
    c.set("gone", "1", px=100)
    before = snapshot(s.port)
    i = info(c)
    assert i["aof_enabled"] == 1 and i["aof_current_size"] > 0
    stop(s)
    s2 = start(server_factory, datadir)
    after = snapshot(s2.port)
    before.pop((0, b"gone"), None)
    after.pop((0, b"gone"), None)
    assert_same(before, after)
    assert "DB loaded from append only file" in s2.read_log()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rewrite_then_restart(server_factory, datadir, preamble):
    s = start(server_factory, datadir, "--aof-use-rdb-preamble", preamble)
    c = s.client()
    fill_dataset(c, n=100)
    assert c.bgrewriteaof()
    wait_rewrite(c)
    ext = "rdb" if preamble == "yes" else "aof"
    assert manifest(datadir) == [["file", f"appendonly.aof.2.base.{ext}", "seq", "2", "type", "b"],
                                 ["file", "appendonly.aof.2.incr.aof", "seq", "2", "type", "i"]]
    assert sorted(os.listdir(aofdir(datadir))) == sorted(
        [f"appendonly.aof.2.base.{ext}", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"])
    c.set("after-rewrite", "1")
    c.execute_command("SELECT", 5)
    c.set("in5", "x", ex=500)
    before = snapshot(s.port)
    i = info(c)
    assert i["aof_last_bgrewrite_status"] == "ok" and i["aof_rewrites"] >= 1
    assert i["aof_last_cow_size"] == i["aof_last_cow_size_dram"] + i["aof_last_cow_size_nvm"]
    if CHECK_AOF:
        out = subprocess.run([CHECK_AOF, os.path.join(aofdir(datadir), "appendonly.aof.manifest")],
                             capture_output=True, text=True)
        assert out.returncode == 0 and "All AOF files and manifest are valid" in out.stdout, out.stdout
    stop(s)
    s2 = start(server_factory, datadir, "--aof-use-rdb-preamble", preamble)
    assert_same(before, snapshot(s2.port))


def test_enable_at_runtime_and_disable(server_factory, datadir):
    s = server_factory("--dir", datadir)
    c = s.client()
    fill_dataset(c, n=60)
    c.config_set("appendonly", "yes")
    wait_rewrite(c)
    assert info(c)["aof_enabled"] == 1
    c.set("later", "1")
    before = snapshot(s.port)
    stop(s)
    s2 = start(server_factory, datadir)
    c2 = s2.client()
    assert_same(before, snapshot(s2.port))
    c2.config_set("appendonly", "no")
    assert info(c2)["aof_enabled"] == 0
    c2.set("not-logged", "1")
    c2.config_set("appendonly", "yes")
    wait_rewrite(c2)
    assert c2.get("not-logged") == b"1"  # in the new base


def test_debug_loadaof(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c, n=50)
    before = snapshot(s.port)
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert_same(before, snapshot(s.port))


def test_auto_rewrite(server_factory, datadir):
    s = start(server_factory, datadir, "--auto-aof-rewrite-min-size", "10kb", "--auto-aof-rewrite-percentage", "100")
    c = s.client()
    for i in range(300):
        c.set(f"k{i}", "x" * 100)
    wait_for(lambda: info(c)["aof_rewrites"] >= 1 and info(c)["aof_rewrite_in_progress"] == 0, timeout=10,
             what="an automatic rewrite")
    assert "Starting automatic rewriting of AOF on" in s.read_log()


def test_truncated_aof(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    for i in range(50):
        c.set(f"k{i}", f"v{i}")
    stop(s)
    incr = os.path.join(aofdir(datadir), "appendonly.aof.1.incr.aof")
    with open(incr, "rb") as f:
        data = f.read()
    with open(incr, "wb") as f:
        f.write(data[:-7])  # cut inside the last SET
    rc, log = run_until_exit(["--appendonly", "yes", "--aof-load-truncated", "no"], datadir)
    assert rc == 1 and "Unexpected end of file reading the append only file" in log, log
    s2 = start(server_factory, datadir)  # aof-load-truncated yes (default)
    c2 = s2.client()
    assert c2.dbsize() == 49 and c2.get("k48") == b"v48"
    assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in s2.read_log()
    c2.set("k49", "again")
    stop(s2)
    s3 = start(server_factory, datadir)
    assert s3.client().get("k49") == b"again"
    # Garbage (not a truncation) is always fatal.
    stop(s3)
    with open(incr, "ab") as f:
        f.write(b"garbage\r\n")
    rc, log = run_until_exit(["--appendonly", "yes"], datadir)
    assert rc == 1 and "Bad file format reading the append only file" in log, log


def test_bad_manifest_refuses_to_start(server_factory, datadir):
    s = start(server_factory, datadir)
    stop(s)
    path = os.path.join(aofdir(datadir), "appendonly.aof.manifest")
    for text in ["file a seq 1\n", "file a.aof seq 2 type i\nfile b.aof seq 1 type i\n", "# only a comment\n"]:
        with open(path, "w") as f:
            f.write(text)
        rc, log = run_until_exit(["--appendonly", "yes"], datadir)
        assert rc == 1 and "*** FATAL AOF MANIFEST FILE ERROR ***" in log, log


def normalize(cmds, now_ms):
    """Absolute ms deadlines vary between two runs: replace numbers close to
    now by a marker."""
    out = []
    for argv in cmds:
        norm = []
        for a in argv:
            if a.isdigit() and abs(int(a) - now_ms) < 10 * 3600 * 1000:
                norm.append(b"<now+>")
            else:
                norm.append(a)
        out.append([norm[0].upper()] + norm[1:])
    return out


PROPAGATION_SCRIPT = [
    ("SET", "a", "1"), ("SET", "b", "2", "EX", "100"), ("SET", "c", "3", "PX", "100000", "NX"),
    ("SET", "c", "4", "EXAT", "9999999999", "GET"), ("SET", "c", "5", "PXAT", "9999999999000"),
    ("SET", "c", "6", "GET"), ("SETEX", "d", "100", "v"), ("PSETEX", "e", "100000", "v"),
    ("EXPIRE", "a", "100", "NX"), ("PEXPIRE", "a", "100000"), ("EXPIREAT", "a", "9999999999"),
    ("PEXPIREAT", "a", "9999999999000"), ("INCRBYFLOAT", "f", "1.5"), ("GETEX", "b", "EX", "50"),
    ("GETEX", "b", "PERSIST"), ("GETEX", "b"), ("GETEX", "b", "EXAT", "1"), ("GETDEL", "c"), ("GETSET", "g", "x"),
    ("EXPIRE", "nokey", "10"), ("SET", "h", "1"), ("EXPIRE", "h", "-1"), ("DEL", "nokey"),
    ("MULTI",), ("SET", "x", "1"), ("INCR", "x"), ("EXEC",), ("MULTI",), ("SET", "y", "1"), ("GET", "y"), ("EXEC",),
    ("SELECT", "3"), ("SET", "z", "1"), ("APPEND", "z", "2"), ("SELECT", "0"), ("FLUSHDB",), ("FLUSHALL",),
    ("SET", "r", "v"),
]


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_propagation_matches_redis(server_factory, datadir):
    """The same commands on both servers log the same AOF commands."""
    logs = []
    for binary in (OUR_SERVER, REAL_SERVER):
        d = os.path.join(datadir, "ours" if binary == OUR_SERVER else "real")
        os.mkdir(d)
        s = server_factory("--dir", d, "--appendonly", "yes", "--appendfsync", "always", binary=binary)
        c = s.client()
        for cmd in PROPAGATION_SCRIPT:
            c.execute_command(*cmd)
        # A RESTORE with a relative TTL is logged with an absolute one.
        payload = c.dump("r")
        c.restore("r2", 5000, payload)
        now = int(time.time() * 1000)
        logs.append(normalize(incr_commands(d), now))
        stop(s)
    assert logs[0] == logs[1]


def test_expired_keys_logged_as_del(server_factory, datadir):
    s = start(server_factory, datadir, "--appendfsync", "always")
    c = s.client()
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.set("w", "1", px=20)
    time.sleep(0.1)
    c.set("w", "2")  # the lazy expiry's DEL and the SET go together
    c.config_set("lazyfree-lazy-expire", "yes")
    c.set("u", "1", px=20)
    time.sleep(0.1)
    assert c.get("u") is None
    cmds = [[a.upper() if i == 0 else a for i, a in enumerate(cmd)] for cmd in incr_commands(datadir)]
    assert [b"MULTI"] in cmds
    i = cmds.index([b"MULTI"])
    assert cmds[i:i + 4] == [[b"MULTI"], [b"DEL", b"w"], [b"SET", b"w", b"2"], [b"EXEC"]]
    assert cmds[-1] == [b"UNLINK", b"u"]


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_debian_loads_our_aof(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c, n=80)
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("tail", "1")
    before = snapshot(s.port)
    stop(s)
    real = server_factory("--dir", datadir, "--appendonly", "yes", binary=REAL_SERVER)
    assert_same(before, snapshot(real.port))


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_we_load_debian_aof(server_factory, datadir):
    real = server_factory("--dir", datadir, "--appendonly", "yes", binary=REAL_SERVER)
    c = real.client()
    fill_dataset(c, n=80)
    c.bgrewriteaof()
    wait_rewrite(c)
    c.set("tail", "1", ex=100)
    before = snapshot(real.port)
    stop(real)
    s = start(server_factory, datadir)
    assert_same(before, snapshot(s.port))


def test_kill9_loses_no_acknowledged_write(server_factory, datadir):
    s = start(server_factory, datadir, "--appendfsync", "always")
    acked = []
    stop_flag = threading.Event()

    def writer():
        c = s.client()
        i = 0
        try:
            while not stop_flag.is_set() and i < 200000:
                c.set(f"key:{i}", f"value:{i}")
                acked.append(i)  # only after the reply arrived
                i += 1
        except (redis.ConnectionError, redis.TimeoutError):
            pass

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(1.0)
    os.kill(s.proc.pid, signal.SIGKILL)
    s.proc.wait()
    stop_flag.set()
    t.join(timeout=10)
    assert len(acked) > 100
    s2 = start(server_factory, datadir, "--appendfsync", "always")
    c2 = s2.client()
    p = c2.pipeline(transaction=False)
    for i in acked:
        p.get(f"key:{i}")
    values = p.execute()
    missing = [i for i, v in zip(acked, values) if v != f"value:{i}".encode()]
    assert missing == [], f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
