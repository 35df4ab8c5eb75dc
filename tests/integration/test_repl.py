"""Replication, both ways with Debian's redis-server 7.0: our master with a
Redis replica, a Redis master with our replica, ours with ours. Datasets are
compared key by key (type, value, TTL) after the full sync and after live
writes of every kind the stream carries (SELECT, MULTI/EXEC, scripts,
expiry DELs)."""
import os
import signal
import subprocess
import time

import pytest
import redis

from conftest import OUR_SERVER, REAL_SERVER

pytestmark = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")

DEADLINE = 20  # seconds any replication step may take on a loaded 2-core box
# Masters fork at once for a diskless sync (the default delay is 5 s).
FAST = ("--repl-diskless-sync-delay", "0")
# Full sync through a file (disk) or through the fork's pipe (diskless).
SYNC_MODES = {"disk": ("--repl-diskless-sync", "no"), "diskless": ("--repl-diskless-sync", "yes")}


def wait_until(pred, what, timeout=DEADLINE):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = pred()
            if last:
                return last
        except (redis.ConnectionError, redis.ResponseError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def info_repl(c):
    return c.info("replication")


def link_up(replica):
    return info_repl(replica).get("master_link_status") == "up"


def in_sync(master, replica):
    """The replica has applied every byte the master has produced."""
    m = info_repl(master)["master_repl_offset"]
    s = info_repl(replica)
    return s.get("master_link_status") == "up" and s.get("slave_repl_offset") == m


def snapshot(c, dbs=range(16)):
    out = {}
    for db in dbs:
        c.execute_command("SELECT", db)
        for k in c.scan_iter(count=1000):
            t = c.type(k).decode()
            if t == "string":
                v = c.get(k)
            elif t == "list":
                v = c.lrange(k, 0, -1)
            elif t == "hash":
                v = sorted(c.hgetall(k).items())
            elif t == "set":
                v = sorted(c.smembers(k))
            elif t == "zset":
                v = c.zrange(k, 0, -1, withscores=True)
            elif t == "stream":
                v = stream_state(c, k)
            else:
                v = None
            ttl = c.pttl(k)
            # A short string loaded from an RDB is embstr where the same
            # value built by SETBIT is raw, in Redis as here.
            enc = c.object("encoding", k).replace(b"embstr", b"raw")
            out[(db, k)] = (t, enc, v, ttl > 0 if ttl != -1 else -1)
    c.execute_command("SELECT", 0)
    return out


def pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def stream_state(c, k):
    """Entries, IDs and counters, and each group's last ID, PEL (ID,
    consumer, deliveries) and consumers. Not the clocks, and not
    entries-read/lag: Redis 7.0's XREADGROUP propagation does not carry the
    read counter, so a Redis replica differs there from its master too."""
    full = pairs(c.execute_command("XINFO", "STREAM", k, "FULL"))
    groups = []
    for g in full[b"groups"]:
        gd = pairs(g)
        pel = [(p[0], p[1], p[3]) for p in gd[b"pending"]]
        consumers = sorted(pairs(x)[b"name"] for x in gd[b"consumers"])
        groups.append((gd[b"name"], gd[b"last-delivered-id"], pel, consumers))
    return (c.xrange(k), full[b"last-generated-id"], full[b"max-deleted-entry-id"], full[b"entries-added"], groups)


def fill(c):
    c.set("str", "hello")
    c.set("int", 12345)
    c.set("big", "x" * 5000)
    c.rpush("list", *[f"e{i}" for i in range(300)])
    c.rpush("smalllist", "a", "b", "c")
    c.hset("hash", mapping={f"f{i}": f"v{i}" for i in range(200)})
    c.hset("smallhash", mapping={"a": "1", "b": "2"})
    c.sadd("set", *[f"m{i}" for i in range(600)])
    c.sadd("intset", 1, 2, 3)
    c.zadd("zset", {f"z{i}": i / 3 for i in range(200)})
    c.zadd("smallzset", {"a": 1, "b": 2})
    c.set("ttl", "v", ex=1000)
    for i in range(150):
        c.xadd("stream", {"f": i, "g": "v" * (i % 5)}, id=f"{1000 + i}-1")
    c.xgroup_create("stream", "grp", id="0")
    c.xreadgroup("grp", "alice", {"stream": ">"}, count=20)
    c.execute_command("SELECT", 3)
    c.set("in3", "three")
    c.execute_command("SELECT", 0)


def live_writes(c):
    c.set("str", "changed")
    c.incr("int")
    c.incrbyfloat("float", 1.5)
    c.lpush("list", "new")
    c.rpop("smalllist")
    c.hset("hash", "f1", "changed")
    c.hdel("hash", "f2")
    c.spop("set")
    c.srem("intset", 2)
    c.zincrby("zset", 10, "z1")
    c.expire("str", 500)
    c.delete("big")
    p = c.pipeline(transaction=True)
    p.set("tx1", "a")
    p.set("tx2", "b")
    p.incr("txcounter")
    p.execute()
    c.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('rpush', KEYS[2], ARGV[1])", 2, "lua1", "lua2", "v")
    c.execute_command("SELECT", 5)
    c.set("in5", "five")
    c.execute_command("SELECT", 0)
    c.set("shortlived", "v", px=30)
    for i in range(200):
        c.set(f"k{i}", i)
    more_families(c)


def more_families(c):
    """Every other command family, including the ones whose effect is
    propagated as another command (random, relative or blocking ones)."""
    c.setbit("bits", 100, 1)
    c.bitop("OR", "bits2", "bits", "int")
    c.execute_command("BITFIELD", "bf", "SET", "u8", 0, 200, "INCRBY", "u8", 0, 100)
    c.pfadd("hll", *[f"h{i}" for i in range(100)])
    c.pfadd("hll2", "x", "y")
    c.execute_command("PFMERGE", "hll3", "hll", "hll2")
    c.geoadd("geo", (13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania"))
    c.execute_command("GEOSEARCHSTORE", "geo2", "geo", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km", "ASC")
    c.append("str2", "abc")
    c.setrange("str2", 10, "xyz")
    c.getdel("int")
    c.getex("str", px=100000)
    c.set("ren", 1)
    c.rename("ren", "renamed")
    c.copy("renamed", "copied")
    c.move("copied", 7)
    c.restore("restored", 0, c.dump("list"))
    c.lmove("list", "list2", "LEFT", "RIGHT")
    c.linsert("list2", "BEFORE", "e1", "ins")
    c.ltrim("list", 0, 100)
    c.smove("set", "set2", "m1")
    c.sinterstore("set3", ["set", "set2"])
    c.srandmember("set", 3)
    c.spop("set", 5)
    c.zunionstore("zset2", ["zset", "smallzset"])
    c.zpopmin("zset", 2)
    c.zrangestore("zset3", "zset", 0, 10)
    c.hincrbyfloat("hash", "fl", 2.5)
    c.hsetnx("hash", "new", "v")
    c.sort("intset", store="sorted")
    c.execute_command("SWAPDB", 3, 4)
    c.execute_command("SELECT", 6)
    c.set("doomed", 1)
    c.flushdb()
    c.execute_command("SELECT", 0)
    c.persist("ttl")
    c.expire("set3", 1000)
    c.execute_command("PEXPIREAT", "zset3", int(time.time() * 1000) + 1000000)
    c.execute_command("FUNCTION", "LOAD", "#!lua name=replib\n"
                      "redis.register_function('setit', function(k, a) return redis.call('set', k[1], a[1]) end)")
    c.execute_command("FCALL", "setit", 1, "byfunc", "v")
    # Streams: automatic IDs, approximate trims, groups and their PELs.
    for i in range(50):
        c.xadd("stream", {"n": i}, maxlen=120, approximate=True)
    c.xadd("stream2", {"a": 1}, minid="0", approximate=False)
    c.xreadgroup("grp", "bob", {"stream": ">"}, count=5)
    c.xreadgroup("grp", "carol", {"stream": ">"}, count=3, noack=True)
    ids = [e[0] for e in c.xrange("stream", count=200)]
    c.xack("stream", "grp", ids[0])
    c.xclaim("stream", "grp", "dave", 0, [ids[1]])
    c.xautoclaim("stream", "grp", "erin", 0, count=2)
    c.xdel("stream", ids[5])
    c.xgroup_createconsumer("stream", "grp", "frank")
    c.xgroup_create("stream", "grp2", id="$")
    c.xgroup_setid("stream", "grp2", ids[10])
    c.xtrim("stream", maxlen=140)
    c.execute_command("XSETID", "stream2", "99999999999999-0")
    # A blocked pop served by a later push replicates as the pop it did.
    import threading
    other = redis.Redis(connection_pool=c.connection_pool)
    t = threading.Thread(target=lambda: other.blpop("blocked", 10))
    t.start()
    wait_until(lambda: c.info("clients")["blocked_clients"] == 1, "the client blocked")
    c.rpush("blocked", "a", "b")
    t.join()
    # So does a blocked XREADGROUP served by a later XADD.
    c.xgroup_create("stream", "live", id="$")
    t = threading.Thread(target=lambda: other.xreadgroup("live", "gina", {"stream": ">"}, block=10000))
    t.start()
    wait_until(lambda: c.info("clients")["blocked_clients"] == 1, "the client blocked on the stream")
    c.xadd("stream", {"late": 1})
    t.join()


def start_pair(server_factory, master_binary, replica_binary, master_args=(), replica_args=()):
    m = server_factory(*FAST, *master_args, binary=master_binary)
    s = server_factory("--replicaof", "127.0.0.1", str(m.port), *replica_args, binary=replica_binary)
    return m, s


def check_replication(m, s, filled=False):
    return check_clients(m.client(), s.client(), filled)


def check_clients(mc, sc, filled=False):
    """check_replication through given clients (a master on its tls-port)."""
    if not filled:
        fill(mc)
    wait_until(lambda: in_sync(mc, sc), "the replica's full sync")
    assert snapshot(sc) == snapshot(mc)
    live_writes(mc)
    # The short-lived key expires on the master, whose DEL reaches the replica.
    wait_until(lambda: mc.exists("shortlived") == 0 and in_sync(mc, sc) and sc.dbsize() == mc.dbsize(),
               "the live stream (and the expiry DEL)")
    assert snapshot(sc) == snapshot(mc)
    assert library_names(sc) == library_names(mc) == ["replib"]
    return mc, sc


def library_names(c):
    return [dict(zip(lib[::2], lib[1::2]))[b"library_name"].decode()
            for lib in c.execute_command("FUNCTION", "LIST")]


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_redis_replica_of_our_master(server_factory, mode):
    m = server_factory(*FAST, *SYNC_MODES[mode])
    mc = m.client()
    fill(mc)  # before the replica exists: the RDB carries it
    s = server_factory("--replicaof", "127.0.0.1", str(m.port), binary=REAL_SERVER)
    mc, sc = check_replication(m, s, filled=True)
    # What the master says about its replica.
    info = info_repl(mc)
    assert info["role"] == "master" and info["connected_slaves"] == 1
    assert info["slave0"]["state"] == "online" and info["slave0"]["port"] == s.port
    assert info["repl_backlog_active"] == 1
    role = mc.execute_command("ROLE")
    assert role[0] == b"master" and role[2][0][1] == str(s.port).encode()
    wait_until(lambda: int(mc.execute_command("ROLE")[2][0][2]) == info_repl(mc)["master_repl_offset"],
               "the replica's ACK")
    kinds = [c for c in mc.client_list() if "S" in c["flags"]]
    assert len(kinds) == 1
    mem = mc.info("memory")
    assert mem["mem_replication_backlog"] == 1 << 20 and mem["mem_clients_slaves"] > 0
    assert mem["mem_total_replication_buffers"] == mem["mem_replication_backlog"] + mem["mem_clients_slaves"]
    assert mc.memory_stats()["replication.backlog"] == 1 << 20


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_our_replica_of_redis_master(server_factory, mode):
    m, s = start_pair(server_factory, REAL_SERVER, OUR_SERVER, SYNC_MODES[mode])
    mc, sc = check_replication(m, s)
    info = info_repl(sc)
    assert info["role"] == "slave" and info["master_port"] == m.port
    assert info["master_sync_in_progress"] == 0
    with pytest.raises(redis.ResponseError, match="against a read only replica"):
        sc.set("x", 1)
    assert sc.execute_command("ROLE")[:4] == [b"slave", b"127.0.0.1", m.port, b"connected"]
    # Redis sees us as its replica, with our ACKed offset.
    wait_until(lambda: info_repl(mc)["slave0"]["offset"] == info_repl(mc)["master_repl_offset"],
               "our REPLCONF ACK")


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_ours_with_ours_and_promotion(server_factory, mode):
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER, SYNC_MODES[mode], SYNC_MODES[mode])
    mc, sc = check_replication(m, s)
    assert ("target: replicas sockets" if mode == "diskless" else "target: disk") in m.read_log()
    old_id = info_repl(mc)["master_replid"]
    assert info_repl(sc)["master_replid"] == old_id
    # Promotion: the replica becomes a writable master; its old id stays
    # valid as the secondary one up to where it was.
    assert sc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    info = info_repl(sc)
    assert info["role"] == "master" and info["master_replid2"] == old_id
    assert info["second_repl_offset"] == info["master_repl_offset"] + 1
    sc.set("after", "promotion")
    assert sc.get("after") == b"promotion"
    # The old master follows the new one and continues with a partial sync.
    assert mc.execute_command("REPLICAOF", "127.0.0.1", s.port) == b"OK"
    wait_until(lambda: in_sync(sc, mc), "the old master following the new one")
    assert mc.get("after") == b"promotion"
    assert "Successful partial resynchronization" in m.read_log()


@pytest.mark.parametrize("replica_kind,killed_from", [("ours", "replica"), ("redis", "master")])
def test_partial_resync_after_link_loss(server_factory, replica_kind, killed_from):
    binary = OUR_SERVER if replica_kind == "ours" else REAL_SERVER
    m, s = start_pair(server_factory, OUR_SERVER, binary)
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    if killed_from == "replica":
        sc.client_kill_filter(_type="master")
    else:
        mc.client_kill_filter(_type="slave")
    mc.set("b", 2)  # written while the link may be down
    wait_until(lambda: in_sync(mc, sc) and sc.get("b") == b"2", "reconnection")
    assert "Partial resynchronization request" in m.read_log() and "accepted" in m.read_log()
    assert m.read_log().count("Starting BGSAVE for SYNC") == 1


def test_redis_cli_rdb_backup(server_factory, tmp_path):
    m = server_factory(*FAST)
    mc = m.client()
    fill(mc)
    out = tmp_path / "backup.rdb"
    subprocess.run(["redis-cli", "-p", str(m.port), "--rdb", str(out)], check=True, timeout=DEADLINE,
                   capture_output=True)
    check = subprocess.run(["redis-check-rdb", str(out)], capture_output=True, text=True, timeout=DEADLINE)
    assert "RDB looks OK" in check.stdout, check.stdout
    keys = sum(db["keys"] for db in mc.info("keyspace").values())
    assert f"{keys} keys read" in check.stdout and "1 expires" in check.stdout, check.stdout


@pytest.mark.parametrize("kinds", ["ours-ours", "redis-ours", "ours-redis"])
def test_replica_restart_continues(server_factory, kinds):
    """A replica restarted from its RDB (repl-id, repl-offset aux fields)
    continues with +CONTINUE, between ours and Redis either way."""
    binary = {"ours": OUR_SERVER, "redis": REAL_SERVER}
    master_kind, replica_kind = kinds.split("-")
    m, s = start_pair(server_factory, binary[master_kind], binary[replica_kind])
    mc, sc = m.client(), s.client()
    mc.execute_command("SELECT", 2)
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    sc.save()  # the RDB keeps the master's replid, our offset and the stream's db
    ddir = s.dir
    s.proc.terminate()
    s.proc.wait(timeout=10)
    mc.set("b", 2)  # db 2 still: no SELECT in the stream
    s2 = server_factory("--replicaof", "127.0.0.1", str(m.port), "--dir", ddir, binary=binary[replica_kind])
    s2c = s2.client()
    s2c.execute_command("SELECT", 2)
    wait_until(lambda: in_sync(mc, s2c) and s2c.get("b") == b"2", "the restarted replica")
    assert s2c.get("a") == b"1"
    log = m.read_log()
    assert "Partial resynchronization request" in log and "accepted" in log
    assert log.count("Starting BGSAVE for SYNC") == 1


def test_master_side_errors(server_factory):
    m = server_factory()
    c = m.client()
    with pytest.raises(redis.ResponseError, match="Unrecognized REPLCONF option: foo"):
        c.execute_command("REPLCONF", "foo", "bar")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        c.execute_command("REPLCONF", "listening-port")
    assert c.execute_command("REPLCONF", "listening-port", "1234") == b"OK"
    assert c.execute_command("ROLE") == [b"master", 0, []]
    with pytest.raises(redis.ResponseError, match="Invalid master port"):
        c.execute_command("REPLICAOF", "127.0.0.1", "70000")
    # A replica of nobody reachable: link down, writes refused, reads served.
    port = m.port
    assert c.execute_command("REPLICAOF", "127.0.0.1", "1") == b"OK"
    info = info_repl(c)
    assert info["role"] == "slave" and info["master_link_status"] == "down"
    with pytest.raises(redis.ResponseError, match="read only replica"):
        c.set("x", 1)
    with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
        c.execute_command("WAIT", 1, 0)
    c.config_set("replica-serve-stale-data", "no")
    with pytest.raises(redis.ResponseError, match="Link with MASTER is down"):
        c.get("x")
    assert c.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert c.set("x", 1)
    assert port == m.port


def test_wait_counts_acks(server_factory):
    m, s = start_pair(server_factory, OUR_SERVER, REAL_SERVER)
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    mc.set("b", 2)
    assert mc.execute_command("WAIT", 1, 5000) == 1
    start = time.time()
    assert mc.execute_command("WAIT", 2, 300) == 1  # only one replica: times out
    assert 0.25 <= time.time() - start < 5
    # Inside MULTI it never blocks.
    p = mc.pipeline(transaction=True)
    p.execute_command("WAIT", 5, 0)
    assert p.execute() == [1]
    # WAIT waits for the caller's own writes: with the replica stopped, a
    # client that wrote gets 0, one that did not gets 1 at once.
    os.kill(s.proc.pid, signal.SIGSTOP)
    try:
        mc.set("c", 3)
        assert mc.execute_command("WAIT", 1, 300) == 0
        other = redis.Redis(port=m.port)
        start = time.time()
        assert other.execute_command("WAIT", 1, 3000) == 1
        assert time.time() - start < 1
        other.close()
    finally:
        os.kill(s.proc.pid, signal.SIGCONT)


def test_min_replicas_to_write(server_factory):
    m = server_factory("--min-replicas-to-write", "1", *FAST)
    mc = m.client()
    with pytest.raises(redis.ResponseError, match="NOREPLICAS Not enough good replicas to write."):
        mc.set("a", 1)
    assert mc.get("a") is None  # reads are fine
    s = server_factory("--replicaof", "127.0.0.1", str(m.port))
    wait_until(lambda: mc.set("a", 1), "a good replica")
    wait_until(lambda: s.client().get("a") == b"1", "the write replicated")


@pytest.mark.parametrize("ends", ["redis", "ours"])
def test_chained_replicas(server_factory, ends):
    """master -> our replica -> sub-replica: the sub-replica gets the same
    stream (and offsets) as its parent."""
    end_binary = REAL_SERVER if ends == "redis" else OUR_SERVER
    m, mid = start_pair(server_factory, end_binary, OUR_SERVER, replica_args=FAST)
    sub = server_factory("--replicaof", "127.0.0.1", str(mid.port), binary=end_binary)
    mc, midc, subc = m.client(), mid.client(), sub.client()
    fill(mc)
    live_writes(mc)
    wait_until(lambda: mc.exists("shortlived") == 0 and in_sync(mc, midc) and in_sync(midc, subc)
               and subc.dbsize() == mc.dbsize(), "the chain in sync")
    assert snapshot(subc) == snapshot(mc)
    assert info_repl(subc)["master_replid"] == info_repl(mc)["master_replid"]
    assert info_repl(subc)["slave_repl_offset"] == info_repl(mc)["master_repl_offset"]


def test_replica_with_another_tier_policy(server_factory):
    """A cheap read replica: the master keeps values in DRAM, the replica
    puts every payload on the NVM tier; the data is the same."""
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER, ("--tier-policy", "dram-only"),
                      ("--tier-policy", "static", "--tier-nvm-min-size", "0"))
    mc, sc = check_replication(m, s)
    mc.set("payload", "p" * 300_000)
    wait_until(lambda: in_sync(mc, sc) and sc.strlen("payload") == 300_000, "the payload replicated")
    mm, sm = mc.info("memory"), sc.info("memory")
    assert mm["tier_policy"] == "dram-only" and sm["tier_policy"] == "static"
    assert sm["used_memory_nvm"] > 300_000 > mm["used_memory_nvm"]


def test_expired_keys_on_a_replica(server_factory):
    """A replica deletes keys only on its master's DEL; meanwhile a read of a
    logically expired key answers nil (Redis 7.0)."""
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER, ("--enable-debug-command", "yes"))
    mc, sc = m.client(), s.client()
    mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    mc.set("k", "v", px=200)
    wait_until(lambda: in_sync(mc, sc) and sc.dbsize() == 1, "the key replicated")
    wait_until(lambda: sc.get("k") is None, "the TTL to pass")
    assert sc.dbsize() == 1  # still there: the master has not expired it
    assert mc.get("k") is None  # the master's lazy expiry sends the DEL
    wait_until(lambda: sc.dbsize() == 0, "the master's DEL")


@pytest.mark.parametrize("kinds", ["ours-ours", "ours-redis", "redis-ours"])
def test_failover_command(server_factory, kinds):
    """FAILOVER (7.0's coordinated failover): the replica becomes the master,
    the old master its replica, no write lost; with Redis on either side."""
    binary = {"ours": OUR_SERVER, "redis": REAL_SERVER}
    master_kind, replica_kind = kinds.split("-")
    m, s = start_pair(server_factory, binary[master_kind], binary[replica_kind])
    mc, sc = m.client(), s.client()
    fill(mc)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    with pytest.raises(redis.ResponseError, match="FAILOVER target HOST and PORT is not a replica."):
        mc.execute_command("FAILOVER", "TO", "127.0.0.1", "1")
    with pytest.raises(redis.ResponseError, match="No failover in progress."):
        mc.execute_command("FAILOVER", "ABORT")
    with pytest.raises(redis.ResponseError, match="requires both a timeout and target"):
        mc.execute_command("FAILOVER", "FORCE")
    before = snapshot(mc)
    assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", s.port, "TIMEOUT", 10000) == b"OK"
    wait_until(lambda: info_repl(sc)["role"] == "master" and info_repl(mc)["role"] == "slave"
               and info_repl(mc)["master_link_status"] == "up"
               and info_repl(mc)["master_failover_state"] == "no-failover", "the failover")
    with pytest.raises(redis.ResponseError, match="FAILOVER is not valid when server is a replica."):
        mc.execute_command("FAILOVER")
    assert snapshot(sc) == before
    sc.set("after", 1)
    wait_until(lambda: mc.get("after") == b"1", "the old master replicating the new one")
    assert "Successful partial resynchronization" in m.read_log()


@pytest.mark.parametrize("load", ["swapdb", "on-empty-db"])
@pytest.mark.parametrize("master_kind", ["ours", "redis"])
def test_diskless_load(server_factory, load, master_kind):
    """repl-diskless-load: the payload is loaded from memory, no temporary
    file; swapdb replaces a replica's old dataset only once loaded (the old
    one freed by the lazy-free thread: replica-lazy-flush)."""
    binary = OUR_SERVER if master_kind == "ours" else REAL_SERVER
    m = server_factory(*FAST, binary=binary)
    s = server_factory("--repl-diskless-load", load, "--replica-lazy-flush", "yes")
    mc, sc = m.client(), s.client()
    sc.set("old", "data")
    fill(mc)
    sc.execute_command("REPLICAOF", "127.0.0.1", m.port)
    wait_until(lambda: in_sync(mc, sc), "the sync")
    assert snapshot(sc) == snapshot(mc)
    log = s.read_log()
    assert ("without a temporary file" in log) == (load == "swapdb")
    assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]


def test_info_replication_fields_match_redis(server_factory):
    """INFO replication has Redis 7.0's fields, on a master with a replica
    and on a replica (values aside)."""
    rm = server_factory(*FAST, binary=REAL_SERVER)
    om = server_factory(*FAST)
    replicas = {}
    for name, master, binary in (("redis", rm, REAL_SERVER), ("ours", om, OUR_SERVER)):
        replicas[name] = server_factory("--replicaof", "127.0.0.1", str(master.port), binary=binary)
    for name, master in (("redis", rm), ("ours", om)):
        wait_until(lambda: in_sync(master.client(), replicas[name].client()), "sync")

    def fields(c):
        return list(c.info("replication"))
    assert fields(om.client()) == fields(rm.client())
    assert fields(replicas["ours"].client()) == fields(replicas["redis"].client())


def test_replica_announce_and_priority(server_factory):
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER, (),
                      ("--replica-announce-ip", "10.1.2.3", "--replica-announce-port", "7777",
                       "--replica-priority", "42"))
    mc, sc = m.client(), s.client()
    wait_until(lambda: in_sync(mc, sc), "sync")
    assert info_repl(mc)["slave0"]["ip"] == "10.1.2.3" and info_repl(mc)["slave0"]["port"] == 7777
    assert info_repl(sc)["slave_priority"] == 42
    assert mc.execute_command("ROLE")[2][0][:2] == [b"10.1.2.3", b"7777"]


def test_replica_output_buffer_limit(server_factory):
    """A replica past client-output-buffer-limit replica is disconnected (and
    resyncs)."""
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER,
                      ("--client-output-buffer-limit", "replica 256kb 0 0"))
    mc, sc = m.client(), s.client()
    wait_until(lambda: in_sync(mc, sc), "sync")
    os.kill(s.proc.pid, signal.SIGSTOP)  # the replica stops reading
    try:
        p = mc.pipeline(transaction=False)
        for i in range(100):  # 20 MB: more than the kernel's socket buffers hold
            p.set(f"big{i}", "x" * 200_000)
        p.execute()
        wait_until(lambda: "overcoming of output buffer limits" in m.read_log(), "the replica closed")
    finally:
        os.kill(s.proc.pid, signal.SIGCONT)
    wait_until(lambda: in_sync(mc, sc) and sc.dbsize() == 100, "the replica resynced")


def test_master_restart_continues(server_factory):
    """A master restarted from its RDB keeps its history: its replica
    continues with +CONTINUE instead of a full sync."""
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER)
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "sync")
    try:
        mc.shutdown(save=True)
    except redis.ConnectionError:
        pass
    m.proc.wait(timeout=10)
    m.proc = subprocess.Popen(m.cmd, cwd=m.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mc = m.client()
    wait_until(lambda: mc.ping(), "the master back")
    wait_until(lambda: in_sync(mc, sc), "the replica back in sync")
    mc.set("b", 2)
    wait_until(lambda: sc.get("b") == b"2", "replication after the restart")
    assert "Partial resynchronization request" in m.read_log()
    assert "Starting BGSAVE for SYNC" not in m.read_log().split("Redis version=")[-1]


@pytest.mark.parametrize("master_kind", ["ours", "redis"])
def test_sub_replica_joins_mid_stream_in_another_db(server_factory, master_kind):
    """A sub-replica's full sync from a replica starts where the stream is in
    db 5 with no SELECT to come: the RDB's repl-stream-db says where."""
    binary = OUR_SERVER if master_kind == "ours" else REAL_SERVER
    m, mid = start_pair(server_factory, binary, OUR_SERVER, replica_args=FAST)
    mc, midc = m.client(), mid.client()
    mc.execute_command("SELECT", 5)
    mc.set("x", 1)
    wait_until(lambda: in_sync(mc, midc), "the middle replica")
    sub = server_factory("--replicaof", "127.0.0.1", str(mid.port))
    subc = sub.client()
    wait_until(lambda: in_sync(midc, subc), "the sub-replica")
    mc.set("y", 2)  # still db 5: no SELECT in the stream
    wait_until(lambda: in_sync(mc, midc) and in_sync(midc, subc), "the chain")
    subc.execute_command("SELECT", 5)
    assert subc.get("y") == b"2" and subc.dbsize() == 2


def test_replica_aof_restarts_after_full_sync(server_factory):
    """A replica with appendonly yes rewrites its AOF from the dataset it
    loaded: restarted alone, it has its master's data."""
    m = server_factory(*FAST)
    mc = m.client()
    fill(mc)
    s = server_factory("--appendonly", "yes", "--replicaof", "127.0.0.1", str(m.port))
    sc = s.client()
    wait_until(lambda: in_sync(mc, sc), "sync")
    wait_until(lambda: sc.info("persistence")["aof_rewrite_in_progress"] == 0
               and sc.info("persistence")["aof_rewrites"] >= 1, "the AOF rewrite")
    mc.set("after", "sync")
    wait_until(lambda: sc.get("after") == b"sync", "the stream")
    expected = snapshot(sc)
    os.kill(s.proc.pid, signal.SIGKILL)
    s.proc.wait()
    alone = server_factory("--appendonly", "yes", "--dir", s.dir)
    assert snapshot(alone.client()) == expected


def test_stream_held_during_sync_is_bounded(server_factory):
    """The writes held for a replica while its RDB is made count against the
    replica output-buffer limit."""
    m = server_factory(*FAST, "--repl-diskless-sync", "no", "--rdb-key-save-delay", "200000",
                       "--client-output-buffer-limit", "replica 1mb 0 0")
    mc = m.client()
    for i in range(10):  # a BGSAVE of 2 s
        mc.set(f"k{i}", i)
    s = server_factory("--replicaof", "127.0.0.1", str(m.port))
    wait_until(lambda: info_repl(mc).get("slave0", {}).get("state") == "wait_bgsave", "the sync started")
    for i in range(30):
        mc.set(f"big{i}", "x" * 100_000)
    wait_until(lambda: "held during its sync" in m.read_log(), "the replica dropped")
    assert s.alive() and m.alive()


@pytest.mark.parametrize("kinds", ["ours-redis", "redis-ours", "ours-ours"])
def test_masterauth(server_factory, kinds):
    """A master with requirepass: the replica authenticates with masterauth;
    without it the link stays down."""
    binary = {"ours": OUR_SERVER, "redis": REAL_SERVER}
    master_kind, replica_kind = kinds.split("-")
    m = server_factory(*FAST, "--requirepass", "s3cret", binary=binary[master_kind])
    mc = m.client(password="s3cret")
    mc.set("a", 1)
    s = server_factory("--replicaof", "127.0.0.1", str(m.port), binary=binary[replica_kind])
    sc = s.client()
    time.sleep(0.5)  # it tries, and must fail (no masterauth)
    assert info_repl(sc)["master_link_status"] == "down"
    sc.config_set("masterauth", "s3cret")
    wait_until(lambda: in_sync(mc, sc) and sc.get("a") == b"1", "the authenticated sync")


def test_one_diskless_fork_serves_replicas_of_the_window(server_factory):
    """repl-diskless-sync-max-replicas: the fork starts as soon as that many
    replicas wait (not after the 60 s delay), and one fork serves them all."""
    m = server_factory("--repl-diskless-sync-delay", "60", "--repl-diskless-sync-max-replicas", "2")
    mc = m.client()
    fill(mc)
    replicas = [server_factory("--replicaof", "127.0.0.1", str(m.port), binary=b)
                for b in (OUR_SERVER, REAL_SERVER)]
    for s in replicas:
        wait_until(lambda: in_sync(mc, s.client()), "both replicas")
        assert snapshot(s.client()) == snapshot(mc)
    assert m.read_log().count("Starting BGSAVE for SYNC with target: replicas sockets") == 1


@pytest.mark.parametrize("kinds", ["ours-redis", "redis-ours", "ours-ours"])
def test_publish_reaches_replica_subscribers(server_factory, kinds):
    binary = {"ours": OUR_SERVER, "redis": REAL_SERVER}
    master_kind, replica_kind = kinds.split("-")
    m, s = start_pair(server_factory, binary[master_kind], binary[replica_kind])
    mc, sc = m.client(), s.client()
    wait_until(lambda: in_sync(mc, sc), "sync")
    sub = sc.pubsub()
    sub.subscribe("news")
    wait_until(lambda: sub.get_message(timeout=0.1) is not None, "subscribed")
    mc.publish("news", "hello")
    msg = wait_until(lambda: sub.get_message(timeout=0.1), "the message on the replica")
    assert msg["data"] == b"hello"
    sub.close()


def test_unanswering_master_does_not_stall_the_replica(server_factory):
    """The connect to the master does not block: a master whose SYNs go
    unanswered (a loopback listener with a full backlog) leaves the replica
    serving its clients."""
    import socket
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue: later SYNs are dropped
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(f)
        s = server_factory()
        sc = s.client()
        sc.execute_command("REPLICAOF", "127.0.0.1", port)
        wait_until(lambda: sc.execute_command("ROLE")[3] == b"connecting", "the connect under way")
        worst = 0
        end = time.time() + 2.5  # spans two connect attempts of the old blocking code
        while time.time() < end:
            t = time.time()
            sc.ping()
            worst = max(worst, time.time() - t)
            time.sleep(0.02)
        assert worst < 0.5, worst
    finally:
        for f in fillers:
            f.close()
        lst.close()


def test_backlog_too_small_means_full_sync(server_factory):
    """A replica that misses more than repl-backlog-size bytes gets a full
    sync again; repl-backlog-size set at run time takes effect."""
    m, s = start_pair(server_factory, OUR_SERVER, OUR_SERVER)
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "sync")
    mc.config_set("repl-backlog-size", "16kb")
    assert info_repl(mc)["repl_backlog_size"] == 16384  # resized at once
    sc.client_kill_filter(_type="master")
    p = mc.pipeline(transaction=False)
    for i in range(10):
        p.set(f"big{i}", "x" * 10_000)  # 100 KB: more than the backlog holds
    p.execute()
    wait_until(lambda: in_sync(mc, sc) and sc.dbsize() == 11, "the replica back")
    log = m.read_log()
    assert "for lack of backlog" in log and log.count("Starting BGSAVE for SYNC") == 2
    assert info_repl(mc)["repl_backlog_histlen"] <= 16384


def shutdown_in_thread(c):
    import threading
    result = []

    def run():
        try:
            c.shutdown()
            result.append("returned")
        except redis.ConnectionError:
            result.append("closed")
        except redis.ResponseError as e:
            result.append(str(e))
    t = threading.Thread(target=run)
    t.start()
    return t, result


@pytest.mark.parametrize("replica_kind", ["ours", "redis"])
def test_shutdown_waits_for_lagging_replicas(server_factory, replica_kind):
    """SHUTDOWN (and SIGTERM) wait up to shutdown-timeout for the replicas
    to have every write; SHUTDOWN ABORT cancels the wait."""
    binary = OUR_SERVER if replica_kind == "ours" else REAL_SERVER
    m, s = start_pair(server_factory, OUR_SERVER, binary)
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "sync")
    os.kill(s.proc.pid, signal.SIGSTOP)
    try:
        mc.set("last", "write")
        t, result = shutdown_in_thread(m.client())
        wait_until(lambda: "Waiting for replicas before shutting down" in m.read_log(), "the wait")
        assert m.client().execute_command("SHUTDOWN", "ABORT") is True  # +OK
        t.join(5)
        assert result == ["Errors trying to SHUTDOWN. Check logs."] and m.alive()
        mc.set("after", "abort")  # writes flow again
        t, result = shutdown_in_thread(m.client())
        wait_until(lambda: m.read_log().count("Waiting for replicas before shutting down") == 2, "the wait")
    finally:
        os.kill(s.proc.pid, signal.SIGCONT)
    t.join(DEADLINE)
    assert result in (["closed"], ["returned"])  # redis-py takes the closed connection as success
    m.proc.wait(timeout=DEADLINE)
    assert sc.get("last") == b"write" and sc.get("after") == b"abort"


@pytest.mark.parametrize("replica_kind", ["ours", "redis"])
def test_debug_change_repl_id_forces_a_full_sync(server_factory, replica_kind):
    """DEBUG CHANGE-REPL-ID starts a new history (as Redis's tests use it): a
    new master_replid, no secondary id, and a replica that reconnects can
    no longer continue partially."""
    binary = OUR_SERVER if replica_kind == "ours" else REAL_SERVER
    m, s = start_pair(server_factory, OUR_SERVER, binary, ("--enable-debug-command", "yes"))
    mc, sc = m.client(), s.client()
    mc.set("a", 1)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    before = info_repl(mc)
    assert mc.execute_command("DEBUG", "CHANGE-REPL-ID") == b"OK"
    after = info_repl(mc)
    assert after["master_replid"] != before["master_replid"]
    # redis-py reads the all-zero id as the number 0.
    assert after["master_replid2"] == 0 and after["second_repl_offset"] == -1
    mc.client_kill_filter(_type="slave")
    mc.set("b", 2)
    wait_until(lambda: in_sync(mc, sc) and sc.get("b") == b"2", "reconnection")
    assert m.read_log().count("Starting BGSAVE for SYNC") == 2
    assert info_repl(sc)["master_replid"] == after["master_replid"]
