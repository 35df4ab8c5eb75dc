"""RDB persistence: SAVE/BGSAVE/DEBUG RELOAD round trips, restarts,
interchange with Debian's redis-server 7.0 in both directions, corrupt and
truncated files, errors (MISCONF, full disk), loading state, and the
copy-on-write snapshot of a BGSAVE on the NVM tier."""
import os
import random
import shutil
import subprocess
import threading
import time

import pytest
import redis

from conftest import REAL_SERVER, OUR_SERVER
from persist_util import (assert_same, fill_dataset, info, run_until_exit, snapshot, stop, wait_bgsave, wait_for)

CHECK_RDB = shutil.which("redis-check-rdb", path="/usr/bin:/usr/sbin")



def start(server_factory, d, *args, binary=OUR_SERVER):
    extra = ("--enable-protected-configs", "yes")
    return server_factory("--dir", d, "--enable-debug-command", "yes", *extra, *args, binary=binary)


def test_save_restart_roundtrip(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c)
    before = snapshot(s.port)
    assert c.save() is True
    assert info(c)["rdb_changes_since_last_save"] == 0
    lastsave = c.lastsave()
    stop(s)  # save "" : SIGTERM does not save again
    s2 = start(server_factory, datadir)
    assert_same(before, snapshot(s2.port))
    c2 = s2.client()
    assert info(c2)["rdb_last_load_keys_loaded"] == len(before)
    assert "DB loaded from disk" in s2.read_log()
    assert c2.lastsave() >= lastsave


def test_bgsave_restart_and_info(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c)
    before = snapshot(s.port)
    saves = info(c)["rdb_saves"]
    assert c.bgsave() in (True, b"Background saving started")
    wait_bgsave(c)
    i = info(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert i["rdb_saves"] == saves + 1
    assert i["rdb_changes_since_last_save"] == 0
    assert i["rdb_last_cow_size"] >= 0
    assert i["rdb_last_cow_size_dram"] + i["rdb_last_cow_size_nvm"] == i["rdb_last_cow_size"]
    st = c.info("stats")
    assert st["total_forks"] == 1 and st["latest_fork_usec"] > 0
    stop(s)
    s2 = start(server_factory, datadir)
    assert_same(before, snapshot(s2.port))


def test_debug_reload(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c, n=100)
    before = snapshot(s.port)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert_same(before, snapshot(s.port))
    # NOSAVE reloads the file as it is: a key added since is gone.
    c.set("after", "1")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert c.exists("after") == 0
    with pytest.raises(redis.ResponseError, match="only supports"):
        c.execute_command("DEBUG", "RELOAD", "BOGUS")


def test_sigterm_and_shutdown_save_with_save_points(server_factory, datadir):
    s = start(server_factory, datadir, "--save", "3600 1")
    c = s.client()
    c.set("a", "1")
    stop(s)  # SIGTERM with save points: saves
    assert "Saving the final RDB snapshot before exiting." in s.read_log()
    s2 = start(server_factory, datadir, "--save", "3600 1")
    c2 = s2.client()
    assert c2.get("a") == b"1"
    c2.set("b", "2")
    c2.shutdown(nosave=True)  # redis-py swallows the closed connection
    s2.proc.wait(timeout=10)
    s3 = start(server_factory, datadir)
    c3 = s3.client()
    assert c3.get("a") == b"1" and c3.get("b") is None  # NOSAVE kept the old file
    c3.set("c", "3")
    c3.shutdown(save=True)  # SAVE saves even without save points
    s3.proc.wait(timeout=10)
    s4 = start(server_factory, datadir)
    assert s4.client().get("c") == b"3"


def test_flushall_writes_empty_rdb_with_save_points(server_factory, datadir):
    s = start(server_factory, datadir, "--save", "3600 1000")
    c = s.client()
    c.set("a", "1")
    c.save()
    c.flushall()
    assert info(c)["rdb_changes_since_last_save"] == 0  # the save reset it, as Redis 7.0
    s.proc.kill()  # no shutdown save: what is on disk must already be empty
    s.proc.wait()
    s2 = start(server_factory, datadir)
    assert s2.client().dbsize() == 0


def test_save_points_trigger_bgsave(server_factory, datadir):
    s = start(server_factory, datadir, "--save", "1 2")
    c = s.client()
    c.set("a", "1")
    c.set("b", "2")
    wait_for(lambda: info(c)["rdb_saves"] >= 1 and info(c)["rdb_bgsave_in_progress"] == 0, timeout=10,
             what="a save point BGSAVE")
    assert "2 changes in 1 seconds. Saving..." in s.read_log()
    assert os.path.exists(os.path.join(datadir, "dump.rdb"))


def test_save_point_period_counts_from_startup(server_factory, datadir):
    """`save 3600 1` saves an hour after start-up, not at the first write:
    Redis counts a save point's period from start-up (or the last save)."""
    started = int(time.time())
    s = start(server_factory, datadir, "--save", "3600 1")
    c = s.client()
    assert started <= int(c.lastsave().timestamp()) <= int(time.time())
    c.set("a", "1")
    time.sleep(1.5)  # 15 cron runs at hz 10
    i = info(c)
    assert i["rdb_bgsave_in_progress"] == 0 and i["rdb_saves"] == 0
    assert i["rdb_changes_since_last_save"] == 1
    assert "Saving..." not in s.read_log()
    assert not os.path.exists(os.path.join(datadir, "dump.rdb"))
    stop(s)  # while datadir exists: the shutdown save needs it


def test_failed_save_point_bgsave_retried_after_delay(server_factory, datadir):
    """After a failed BGSAVE, a save point tries again only once 5 s have
    passed (Redis's CONFIG_BGSAVE_RETRY_DELAY), not at every cron run."""
    s = start(server_factory, datadir, "--save", "1 1")
    c = s.client()
    gone = os.path.join(datadir, "gone")
    os.mkdir(gone)
    c.config_set("dir", gone)
    os.rmdir(gone)  # opening the temp file fails
    c.set("a", "1")

    def attempts():
        return s.read_log().count("1 changes in 1 seconds. Saving...")

    wait_for(lambda: attempts() == 1 and info(c)["rdb_bgsave_in_progress"] == 0, timeout=10,
             what="the first save point BGSAVE")
    first = time.time()
    assert info(c)["rdb_last_bgsave_status"] == "err"
    wait_for(lambda: attempts() == 2, timeout=10, what="the retry")
    assert time.time() - first >= 4  # retried after the delay (5 s, counted in whole seconds)...
    time.sleep(1)
    assert attempts() == 2  # ...and not again right after
    c.config_set("dir", datadir)
    stop(s)


def test_expired_keys_dropped_on_load(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    c.set("short", "1", px=300)
    c.set("long", "1", ex=1000)
    c.set("none", "1")
    c.save()
    stop(s)
    time.sleep(0.4)
    s2 = start(server_factory, datadir)
    c2 = s2.client()
    assert sorted(c2.keys()) == [b"long", b"none"]
    i = info(c2)
    assert i["rdb_last_load_keys_expired"] == 1 and i["rdb_last_load_keys_loaded"] == 2


@pytest.mark.parametrize("opts", [(), ("--rdbcompression", "no"), ("--rdbchecksum", "no")])
def test_redis_check_rdb_accepts_ours(server_factory, datadir, opts):
    if CHECK_RDB is None:
        pytest.skip("redis-check-rdb is not installed")
    s = start(server_factory, datadir, *opts)
    c = s.client()
    fill_dataset(c, n=100)
    c.save()
    out = subprocess.run([CHECK_RDB, os.path.join(datadir, "dump.rdb")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "RDB looks OK" in out.stdout
    keys = sum(s.client(db=db).dbsize() for db in (0, 3, 9))
    assert f"{keys} keys read" in out.stdout


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_debian_loads_our_rdb(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c)
    before = snapshot(s.port)
    c.save()
    stop(s)
    real = server_factory("--dir", datadir, binary=REAL_SERVER)
    assert_same(before, snapshot(real.port))


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
@pytest.mark.parametrize("opts", [(), ("--rdbcompression", "no")])
def test_we_load_debian_rdb(server_factory, datadir, opts):
    real = server_factory("--dir", datadir, *opts, binary=REAL_SERVER)
    c = real.client()
    fill_dataset(c)
    before = snapshot(real.port)
    c.save()
    stop(real)
    s = start(server_factory, datadir)
    assert_same(before, snapshot(s.port))
    # And the round trip back: what we save, Debian loads identically.
    s.client().save()
    stop(s)
    real2 = server_factory("--dir", datadir, binary=REAL_SERVER)
    assert_same(before, snapshot(real2.port))


def make_rdb(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    fill_dataset(c, n=40)
    c.save()
    stop(s)
    with open(os.path.join(datadir, "dump.rdb"), "rb") as f:
        return f.read()


def test_truncated_rdb_refuses_to_start(server_factory, datadir):
    good = make_rdb(server_factory, datadir)
    path = os.path.join(datadir, "dump.rdb")
    rng = random.Random(7)
    cuts = sorted({0, 5, 9, 10, 30, len(good) // 2, len(good) - 9, len(good) - 1} |
                  {rng.randrange(1, len(good)) for _ in range(8)})
    for cut in cuts:
        with open(path, "wb") as f:
            f.write(good[:cut])
        rc, log = run_until_exit([], datadir)
        assert rc == 1, (cut, log)
        assert "offset" in log, (cut, log)
        # Redis's last line: no RDB at all, or a file that breaks off.
        assert log.rstrip().endswith(("Fatal error loading the DB: Invalid argument. Exiting.",
                                      "Terminating server after rdb file reading failure.")), (cut, log)


def test_corrupt_rdb_refuses_to_start(server_factory, datadir):
    good = make_rdb(server_factory, datadir)
    path = os.path.join(datadir, "dump.rdb")
    rng = random.Random(11)
    for _ in range(16):
        bad = bytearray(good)
        pos = rng.randrange(len(bad))
        bad[pos] ^= 1 << rng.randrange(8)
        with open(path, "wb") as f:
            f.write(bad)
        rc, log = run_until_exit([], datadir)
        # Every byte is covered by the CRC, so every flip is detected; the
        # server exits with an error, never by a signal.
        assert rc == 1, (pos, log)
        assert "offset" in log, (pos, log)
    # Without checksums a flip inside a value may load; the server must still
    # either start or refuse cleanly, never crash.
    for _ in range(12):
        bad = bytearray(good)
        pos = rng.randrange(9, len(bad) - 9)
        bad[pos] = rng.randrange(256)
        with open(path, "wb") as f:
            f.write(bad)
        p = subprocess.Popen([OUR_SERVER, "--port", "0", "--dir", datadir, "--rdbchecksum", "no",
                              "--logfile", os.path.join(datadir, "x.log")],
                             cwd=datadir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rc = p.wait(timeout=1.5)
            assert rc == 1, pos
        except subprocess.TimeoutExpired:
            p.terminate()  # it loaded: fine
            assert p.wait(timeout=10) == 0


def test_bgsave_errors_and_schedule(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    for i in range(200):
        c.set(f"k{i}", "v")
    c.config_set("rdb-key-save-delay", 5000)  # 200 keys * 5 ms: a 1 s BGSAVE
    c.bgsave()
    assert info(c)["rdb_bgsave_in_progress"] == 1
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        c.bgsave()
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        c.save()
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        c.execute_command("BGSAVE", "SCHEDULE")
    assert c.bgrewriteaof() in (True, b"Background append only file rewriting scheduled")
    assert info(c)["aof_rewrite_scheduled"] == 1
    with pytest.raises(redis.ResponseError, match="syntax error"):
        c.execute_command("BGSAVE", "NOW")
    c.config_set("rdb-key-save-delay", 0)
    wait_bgsave(c)
    wait_for(lambda: info(c)["aof_rewrite_scheduled"] == 0 and info(c)["aof_rewrite_in_progress"] == 0)


def test_misconf_after_failed_bgsave(server_factory, datadir):
    s = start(server_factory, datadir, "--save", "3600 1")
    c = s.client()
    c.set("a", "1")
    gone = os.path.join(datadir, "gone")
    os.mkdir(gone)
    c.config_set("dir", gone)
    os.rmdir(gone)  # the working dir vanished: opening the temp file fails
    c.bgsave()
    wait_bgsave(c)
    assert info(c)["rdb_last_bgsave_status"] == "err"
    with pytest.raises(redis.ResponseError) as e:
        c.set("b", "2")
    assert str(e.value).startswith("MISCONF Redis is configured to save RDB snapshots")
    with pytest.raises(redis.ResponseError, match="MISCONF"):
        c.ping()
    assert c.get("a") == b"1"  # reads still work
    with pytest.raises(redis.ResponseError) as e:
        c.save()
    assert str(e.value) == ""  # the reply is "-ERR", bare, as Redis's shared.err
    assert "Failed opening the temp RDB file" in s.read_log()
    c.config_set("stop-writes-on-bgsave-error", "no")
    assert c.set("b", "2")
    c.config_set("dir", datadir)
    c.config_set("stop-writes-on-bgsave-error", "yes")
    assert c.save()
    assert info(c)["rdb_last_bgsave_status"] == "ok"
    assert c.set("c", "3")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_full_disk(server_factory, datadir):
    mnt = os.path.join(datadir, "small")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        s = start(server_factory, datadir, "--save", "3600 1")
        c = s.client()
        for i in range(100):
            c.set(f"k{i}", os.urandom(2000))  # ~200 KB, incompressible: does not fit in 64 KB
        c.config_set("dir", mnt)
        with pytest.raises(redis.ResponseError) as e:
            c.save()
        assert str(e.value) == ""  # "-ERR"
        assert "Write error saving DB on disk(rdbSaveRio): No space left on device" in s.read_log()
        c.bgsave()
        wait_bgsave(c)
        assert info(c)["rdb_last_bgsave_status"] == "err"
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            c.set("x", "1")
        assert not any(n.startswith("temp-") for n in os.listdir(mnt))  # no leftovers
        assert s.alive()
        c.config_set("dir", datadir)
        assert c.save()
    finally:
        subprocess.run(["umount", "-l", mnt])


def test_loading_state_and_progress(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    p = c.pipeline(transaction=False)
    for i in range(3000):
        p.set(f"key:{i}", "x" * 100)
    p.execute()
    c.save()
    stop(s)
    # 3000 keys * 500 us: 1.5 s of loading, with clients served meanwhile.
    s2 = start(server_factory, datadir, "--key-load-delay", "500")
    c2 = s2.client()
    with pytest.raises(redis.exceptions.BusyLoadingError):
        c2.get("key:1")
    i = c2.info("persistence")
    assert i["loading"] == 1
    for f in ("loading_start_time", "loading_total_bytes", "loading_loaded_bytes", "loading_loaded_perc",
              "loading_eta_seconds", "loading_rdb_used_mem"):
        assert f in i
    assert 0 < i["loading_total_bytes"]
    wait_for(lambda: c2.info("persistence")["loading"] == 0, timeout=30, what="loading to end")
    assert c2.dbsize() == 3000
    assert "Loading: " in s2.read_log()


def test_cow_snapshot_of_nvm_dataset(server_factory, datadir):
    """A BGSAVE of values on the NVM tier while a client overwrites and
    deletes them: the file holds exactly the dataset at fork time, and the
    copy-on-write shows up on the NVM tier."""
    s = start(server_factory, datadir, "--tier-nvm-min-size", "64")
    c = s.client()
    n = 4000
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"k{i}", f"{i:08d}" + "a" * 1016)  # 1 KiB values: NVM payloads
    p.execute()
    assert c.execute_command("MEMORY", "TIER", "k1")[1] == b"nvm"
    expected = {f"k{i}".encode(): (f"{i:08d}" + "a" * 1016).encode() for i in range(n)}
    c.config_set("rdb-key-save-delay", 300)  # n * 300 us: about 1.2 s
    c.bgsave()
    assert info(c)["rdb_bgsave_in_progress"] == 1
    p = c.pipeline(transaction=False)
    for i in range(n):
        if i % 4 == 0:
            p.delete(f"k{i}")
        else:
            p.set(f"k{i}", "b" * 1024)
    p.set("new", "1")
    p.execute()
    assert info(c)["rdb_bgsave_in_progress"] == 1, "the BGSAVE ended before the writes: make it slower"
    wait_bgsave(c)
    c.config_set("rdb-key-save-delay", 0)
    i = info(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert i["rdb_last_cow_size_nvm"] >= 1024 * 1024, ({k: v for k, v in i.items() if "cow" in k}, s.read_log()[-1500:])  # ~3 MB of NVM payload pages were copied
    assert i["rdb_last_cow_size"] == i["rdb_last_cow_size_nvm"] + i["rdb_last_cow_size_dram"]
    # The file is the snapshot at fork time: load it into a fresh server.
    snap = os.path.join(datadir, "snap")
    os.mkdir(snap)
    shutil.copy(os.path.join(datadir, "dump.rdb"), snap)
    s2 = start(server_factory, snap)
    c2 = s2.client()
    assert c2.dbsize() == n
    got = {}
    for k in c2.scan_iter(count=1000):
        got[k] = c2.get(k)
    assert got == expected


def test_corrupt_value_of_long_key_still_names_offset(server_factory, datadir):
    """A load error names the key, but only its first bytes: a long (or
    garbage) key must not push the offset out of the length-limited log line."""
    s = start(server_factory, datadir, "--rdbcompression", "no")
    c = s.client()
    key = "k" * 5000
    c.hset(key, mapping={"field": "value"})
    c.save()
    stop(s)
    path = os.path.join(datadir, "dump.rdb")
    data = bytearray(open(path, "rb").read())
    # The hash's listpack follows the key; break its total-bytes header.
    at = data.index(key.encode()) + len(key)
    assert data[at] < 0x40  # a 6-bit RDB length: the listpack is tiny
    data[at + 1] ^= 0x40
    with open(path, "wb") as f:
        f.write(data)
    rc, log = run_until_exit([], datadir)
    assert rc == 1, log
    assert "offset" in log and '"' + "k" * 64 + '"...' in log, log
