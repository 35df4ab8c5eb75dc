"""Redis Cluster resharding (issue 23): the per-slot key index behind CLUSTER
COUNTKEYSINSLOT/GETKEYSINSLOT, compared with Redis 7.0 over every way keys
come and go; -TRYAGAIN, -ASK and -MOVED while a slot moves, side by side with
Redis 7.0; MIGRATE's replies, errors and cached connections; and
`redis-cli --cluster reshard` moving 1,000 slots while a RedisCluster client
keeps writing, among our nodes and across implementations."""
import re
import threading
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from conftest import REAL_SERVER, free_port
from test_cluster import cli, cluster_node, create_cluster, wait_for

needs_redis = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")


def outcome(fn):
    """A reply or the error text, for side-by-side comparisons."""
    try:
        return fn()
    except redis.exceptions.ResponseError as e:
        return "ERR:" + str(e)


def transaction(c, *cmds, ask=False):
    """MULTI, cmds, EXEC (after ASKING when ask) on one connection: every
    reply, errors as text."""
    conn = c.connection_pool.get_connection("MULTI")
    try:
        out = []
        for cmd in ((("ASKING",),) if ask else ()) + (("MULTI",),) + cmds + (("EXEC",),):
            conn.send_command(*cmd)
            try:
                out.append(conn.read_response())
            except redis.exceptions.ResponseError as e:
                out.append("ERR:" + str(e))
        return out
    finally:
        c.connection_pool.release(conn)


def slot_counts(c, slots=range(16384)):
    p = c.pipeline(transaction=False)
    for s in slots:
        p.execute_command("CLUSTER", "COUNTKEYSINSLOT", s)
    return p.execute()


def keys_by_slot(c, slots):
    p = c.pipeline(transaction=False)
    for s in slots:
        p.execute_command("CLUSTER", "GETKEYSINSLOT", s, 1000)
    return [sorted(k) for k in p.execute()]


def single_node_cluster(server_factory, binary=None, extra=()):
    s = cluster_node(server_factory, binary, extra)
    c = s.client(decode_responses=True)
    c.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    wait_for(lambda: "cluster_state:ok" in c.execute_command("CLUSTER", "INFO"), "cluster_state:ok")
    return s, c


@needs_redis
def test_keys_in_slot_match_redis(server_factory, datadir):
    """COUNTKEYSINSLOT and GETKEYSINSLOT stay exact, as Redis's, after writes,
    overwrites, DEL/UNLINK, RENAME, RESTORE, lazy and active expiry,
    FLUSHALL (sync and ASYNC), DEBUG RELOAD and a restart."""
    pair = []
    for name, binary in (("ours", None), ("redis", REAL_SERVER)):
        extra = ["--enable-debug-command", "yes", "--dir", datadir, "--dbfilename", f"{name}.rdb", "--cluster-config-file", f"{name}-nodes.conf"]
        s, c = single_node_cluster(server_factory, binary, extra)
        pair.append((s, c, extra, binary))
    tags = [f"{{t{i}}}" for i in range(20)]
    tag_slots = sorted({pair[0][1].execute_command("CLUSTER", "KEYSLOT", t) for t in tags})

    def same(label, order_too=False):
        counts = [slot_counts(c) for _, c, _, _ in pair]
        assert counts[0] == counts[1], label
        assert sum(counts[0]) == pair[1][1].dbsize() == pair[0][1].dbsize(), label
        if order_too:  # the same writes in the same order: Redis's newest-first lists
            lists = [[c.execute_command("CLUSTER", "GETKEYSINSLOT", s, 1000) for s in tag_slots] for _, c, _, _ in pair]
        else:
            lists = [keys_by_slot(c, tag_slots) for _, c, _, _ in pair]
        assert lists[0] == lists[1], label
        return counts[0]

    def both(fn):
        for _, c, _, _ in pair:
            fn(c)

    def writes(c):
        p = c.pipeline(transaction=False)
        for i in range(3000):
            p.set(f"key:{i}", i)
        for i in range(400):
            t = tags[i % len(tags)]
            p.rpush(f"{t}list{i}", "a", "b")
            p.hset(f"{t}hash{i}", "f", i)
            p.sadd(f"{t}set{i}", i)
        p.execute()
    both(writes)
    counts = same("writes", order_too=True)
    assert sum(1 for n in counts if n) > 2000
    assert pair[0][1].execute_command("CLUSTER", "COUNTKEYSINSLOT", tag_slots[0]) > 50

    def deletes(c):
        p = c.pipeline(transaction=False)
        for i in range(0, 3000, 3):
            p.delete(f"key:{i}")
        for i in range(1, 3000, 7):
            p.unlink(f"key:{i}")
        p.execute()
        for i in range(0, 400, 5):
            t = tags[i % len(tags)]
            c.rename(f"{t}list{i}", f"{t}renamed{i}")
            c.rename(f"{t}hash{i}", f"{t}moved{i}")
            c.lpop(f"{t}renamed{i}", 2)                        # emptied: deleted
        c.set("{t0}x", "v")
        dump = c.dump("{t0}x")
        c.restore("{t1}restored", 0, dump)
        c.restore("{t0}x", 0, dump, replace=True)
        c.srem(f"{tags[3]}set3", 3)
    both(deletes)
    same("deletes and renames", order_too=True)

    def expiry(c):
        for i in range(2, 3000, 11):
            c.pexpire(f"key:{i}", 30)
        for i in range(2, 400, 9):
            c.pexpire(f"{tags[i % len(tags)]}set{i}", 30)
    both(expiry)
    time.sleep(0.2)
    # Lazy expiry for some (a read deletes them), active expiry for the rest.
    both(lambda c: [c.get(f"key:{i}") for i in range(2, 1500, 11)])
    for _, c, _, _ in pair:
        wait_for(lambda c=c: c.info("keyspace")["db0"].get("expires", 0) == 0, "active expiry")
    same("expiry")

    both(lambda c: c.execute_command("DEBUG", "RELOAD"))
    before = same("DEBUG RELOAD")

    # A restart loads the RDB (nodes.conf keeps the slots).
    for i, (s, c, extra, binary) in enumerate(pair):
        c.save()
        s.stop()
        s2 = cluster_node(server_factory, binary, extra)
        c2 = s2.client(decode_responses=True)
        wait_for(lambda c2=c2: "cluster_state:ok" in c2.execute_command("CLUSTER", "INFO"), "restart")
        pair[i] = (s2, c2, extra, binary)
    assert same("restart") == before

    both(lambda c: c.flushall(asynchronous=True))
    assert sum(same("FLUSHALL ASYNC")) == 0
    both(writes)
    both(lambda c: c.flushall())
    assert sum(same("FLUSHALL")) == 0
    both(writes)
    same("writes after FLUSHALL", order_too=True)

    # The argument errors are Redis's.
    for args in (("COUNTKEYSINSLOT", "x"), ("COUNTKEYSINSLOT", 16384), ("COUNTKEYSINSLOT", -1),
                 ("GETKEYSINSLOT", 1, "x"), ("GETKEYSINSLOT", "x", 1), ("GETKEYSINSLOT", 1, -1),
                 ("GETKEYSINSLOT", 16384, 1), ("GETKEYSINSLOT", tag_slots[0], 0)):
        got = [outcome(lambda c=c: c.execute_command("CLUSTER", *args)) for _, c, _, _ in pair]
        assert got[0] == got[1], args


def two_node_cluster(server_factory, binary=None):
    a, b = cluster_node(server_factory, binary), cluster_node(server_factory, binary)
    ca, cb = a.client(decode_responses=True), b.client(decode_responses=True)
    ca.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
    cb.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383)
    ca.execute_command("CLUSTER", "MEET", "127.0.0.1", b.port, b.client().config_get("cluster-port")["cluster-port"])
    wait_for(lambda: all("cluster_state:ok" in c.execute_command("CLUSTER", "INFO") and
                         "cluster_known_nodes:2" in c.execute_command("CLUSTER", "INFO") for c in (ca, cb)),
             "two nodes")
    return (a, ca), (b, cb)


def redirection_script(server_factory, binary):
    """Moves a slot by hand and records every reply: multi-key commands with
    some keys here and some gone (-TRYAGAIN on both sides), all gone (-ASK),
    ASKING, transactions, MIGRATE of an open slot."""
    (a, ca), (b, cb) = two_node_cluster(server_factory, binary)
    ida, idb = ca.execute_command("CLUSTER", "MYID"), cb.execute_command("CLUSTER", "MYID")
    slot = ca.execute_command("CLUSTER", "KEYSLOT", "{b}")
    assert slot < 8192
    ca.mset({"{b}1": "v1", "{b}2": "v2", "{b}3": "v3"})
    cb.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ida)
    ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", idb)
    log = []

    def rec(label, fn):
        log.append((label, outcome(fn)))

    def asking(c, *cmd):
        p = c.pipeline(transaction=False)
        p.execute_command("ASKING")
        p.execute_command(*cmd)
        return p.execute(raise_on_error=False)[1]

    rec("all here", lambda: ca.mget("{b}1", "{b}2"))
    rec("migrate open slot, no key", lambda: ca.execute_command("MIGRATE", "127.0.0.1", b.port, "{b}none", 0, 5000))
    rec("migrate one", lambda: ca.execute_command("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", "{b}1"))
    rec("some gone", lambda: ca.mget("{b}1", "{b}2"))
    rec("some gone, write", lambda: ca.execute_command("MSET", "{b}2", "x", "{b}1", "y"))
    rec("all gone", lambda: ca.mget("{b}1", "{b}9"))
    rec("single gone", lambda: ca.get("{b}9"))
    rec("single here", lambda: ca.get("{b}2"))
    rec("same key twice, gone", lambda: ca.mget("{b}9", "{b}9"))
    rec("importing, no ASKING", lambda: cb.get("{b}1"))
    rec("importing, ASKING, single", lambda: asking(cb, "GET", "{b}1"))
    rec("importing, ASKING, single missing", lambda: asking(cb, "GET", "{b}2"))
    rec("importing, ASKING, some missing", lambda: asking(cb, "MGET", "{b}1", "{b}2"))
    rec("importing, ASKING, same key twice", lambda: asking(cb, "MGET", "{b}9", "{b}9"))
    rec("importing, ASKING, all missing", lambda: asking(cb, "MGET", "{b}8", "{b}9"))
    rec("exec on source, a key gone", lambda: transaction(ca, ("GET", "{b}2"), ("GET", "{b}1")))
    rec("exec on target after ASKING", lambda: transaction(cb, ("GET", "{b}1"), ("GET", "{b}2"), ask=True))
    rec("other slot on target", lambda: cb.get("{b}1x"))  # a key of node b's own
    rec("migrate rest", lambda: ca.execute_command("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS",
                                                   "{b}2", "{b}3"))
    rec("importing, ASKING, all arrived", lambda: asking(cb, "MGET", "{b}1", "{b}2", "{b}3"))
    rec("count source", lambda: ca.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot))
    rec("count target", lambda: cb.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot))
    cb.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb)
    ca.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb)
    rec("after the move", lambda: ca.mget("{b}1", "{b}2"))
    rec("served by the target", lambda: cb.mget("{b}1", "{b}2", "{b}3"))
    # Unassigned slots and a cluster that is down.
    free = ca.execute_command("CLUSTER", "KEYSLOT", "{c}")
    ca.execute_command("CLUSTER", "DELSLOTS", free)
    wait_for(lambda: "cluster_state:fail" in ca.execute_command("CLUSTER", "INFO"), "cluster_state:fail")
    rec("unassigned slot", lambda: ca.get("{c}1"))
    rec("unassigned first, CROSSSLOT after", lambda: ca.mget("{c}1", "{b}1"))
    rec("cluster down, read", lambda: ca.get("{a}1"))
    rec("cluster down, no key", lambda: ca.ping())
    ca.config_set("cluster-allow-reads-when-down", "yes")
    rec("down, reads allowed: read", lambda: ca.get("{a}1"))
    rec("down, reads allowed: write", lambda: ca.set("{a}1", "x"))
    rec("down, reads allowed: read elsewhere", lambda: ca.get("{b}1"))
    rec("down, reads allowed: transaction with a write", lambda: transaction(ca, ("GET", "{a}1"), ("SET", "{a}2", "x")))
    ports = {str(a.port): "A", str(b.port): "B"}
    return [(label, re.sub(r"127\.0\.0\.1:(\d+)", lambda m: ports[m.group(1)], str(v))) for label, v in log]


def same_logs(script, server_factory):
    """Runs a script on our servers and on Redis's; the records must agree."""
    ours = script(server_factory, None)
    real = script(server_factory, REAL_SERVER)
    assert len(ours) == len(real)
    for o, r in zip(ours, real):
        assert o == r
    return ours


@needs_redis
def test_tryagain_ask_moved_match_redis(server_factory):
    ours = same_logs(redirection_script, server_factory)
    assert any("TRYAGAIN Multiple keys request during rehashing of slot" in v for _, v in ours)
    assert any(v.startswith("ERR:ASK ") for _, v in ours)


def migrate_script(server_factory, binary):
    """MIGRATE's replies and errors between two standalone servers, and its
    cached connection to the target (one connection for many calls, made
    again when the target drops it)."""
    kw = {} if binary is None else {"binary": binary}
    src, dst = server_factory(**kw), server_factory(**kw)
    cs, cd = src.client(decode_responses=True), dst.client(decode_responses=True)
    log = []

    def rec(label, fn):
        log.append((label, outcome(fn)))

    def migrate(*args):
        return cs.execute_command("MIGRATE", "127.0.0.1", dst.port, *args)

    cs.mset({f"k{i}": f"v{i}" for i in range(20)})
    cs.set("ttl", "x", px=100000)
    cs.rpush("list", 1, 2, 3)
    rec("one key", lambda: migrate("k0", 0, 5000))
    rec("gone from source", lambda: cs.exists("k0"))
    rec("at target", lambda: cd.get("k0"))
    rec("missing key", lambda: migrate("nokey", 0, 5000))
    rec("keys", lambda: migrate("", 0, 5000, "KEYS", "k1", "k2", "nokey", "list", "ttl"))
    rec("ttl kept", lambda: 90000 < cd.pttl("ttl") <= 100000)
    rec("list kept", lambda: cd.lrange("list", 0, -1))
    rec("copy", lambda: migrate("k3", 0, 5000, "COPY"))
    rec("copy kept", lambda: (cs.get("k3"), cd.get("k3")))
    rec("busy key", lambda: migrate("k3", 0, 5000))
    rec("busy key kept at source", lambda: cs.get("k3"))
    cd.set("k5", "old")
    rec("busy among others", lambda: migrate("", 0, 5000, "KEYS", "k4", "k5", "k6"))
    rec("only the others moved", lambda: (cs.exists("k4"), cs.get("k5"), cs.exists("k6"), cd.get("k5")))
    rec("replace", lambda: migrate("k5", 0, 5000, "REPLACE"))
    rec("replaced", lambda: cd.get("k5"))
    rec("other db", lambda: migrate("k7", 3, 5000))
    rec("in db 3", lambda: dst.client(db=3, decode_responses=True).get("k7"))
    rec("back to db 0", lambda: migrate("k8", 0, 5000))
    rec("auth without password", lambda: migrate("k9", 0, 5000, "AUTH", "pw"))
    rec("auth2 without password", lambda: migrate("k9", 0, 5000, "AUTH2", "u", "pw"))
    rec("kept after auth error", lambda: cs.get("k9"))
    rec("keys with a key", lambda: migrate("k9", 0, 5000, "KEYS", "k9"))
    rec("bad option", lambda: migrate("k9", 0, 5000, "FOO"))
    rec("auth without argument", lambda: migrate("k9", 0, 5000, "AUTH"))
    rec("bad timeout", lambda: migrate("k9", 0, "x"))
    rec("bad db", lambda: migrate("k9", "x", 5000))
    rec("refused", lambda: cs.execute_command("MIGRATE", "127.0.0.1", free_port(), "k9", 0, 500))
    rec("refused, no key", lambda: cs.execute_command("MIGRATE", "127.0.0.1", free_port(), "nokey", 0, 500))
    # One cached connection served the calls above; dropped by the target,
    # it is made again without an error.
    conns = [c for c in cd.client_list() if c["cmd"] in ("restore", "restore-asking", "select", "auth")]
    rec("one cached connection", lambda: len(conns))
    cd.client_kill_filter(_id=conns[0]["id"]) if conns else None
    time.sleep(0.1)
    rec("after the target dropped it", lambda: migrate("k10", 0, 5000))
    rec("arrived", lambda: cd.get("k10"))
    rec("connections", lambda: len([c for c in cd.client_list()
                                    if c["cmd"] in ("restore", "restore-asking", "select", "auth")]))
    return log


@needs_redis
def test_migrate_matches_redis(server_factory):
    ours = same_logs(migrate_script, server_factory)
    assert ("one cached connection", 1) in ours


def start_writer(startup_port, stop, n_keys):
    """A RedisCluster client thread overwriting keys key:0..n_keys-1 in a
    bounded loop; returns (thread, acknowledged {key: value}, failures,
    [writes acknowledged so far])."""
    acked, failures, count = {}, [], [0]

    def run():
        rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", startup_port)], decode_responses=True)
        try:
            for i in range(200000):
                if stop.is_set():
                    break
                k = f"key:{(i * 7919) % n_keys}"
                v = f"v{i}"
                try:
                    rc.set(k, v)
                    acked[k] = v
                    count[0] += 1
                except Exception as e:  # noqa: BLE001 -- counted, the value becomes unknown
                    failures.append(repr(e))
                    acked.pop(k, None)
        finally:
            rc.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, acked, failures, count


def reshard_under_load(nodes, moves, n_keys=4000):
    """Fills n_keys, then runs each (src, dst, slots) reshard while a writer
    keeps overwriting them; checks every acknowledged write and the cluster."""
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", nodes[0].port)], decode_responses=True)
    try:
        for i in range(n_keys):
            rc.set(f"key:{i}", "initial")
        stop = threading.Event()
        writer, acked, failures, count = start_writer(nodes[0].port, stop, n_keys)
        wait_for(lambda: count[0] > 100, "the writer's first writes")
        for src, dst, slots in moves:
            before = count[0]
            ids = [n.client().execute_command("CLUSTER", "MYID").decode() for n in (src, dst)]
            out = cli("--cluster", "reshard", f"127.0.0.1:{nodes[0].port}", "--cluster-from", ids[0],
                      "--cluster-to", ids[1], "--cluster-slots", str(slots), "--cluster-yes", timeout=120)
            assert out.returncode == 0 and "failed" not in out.stdout.lower(), out.stdout[-3000:] + out.stderr
            # The writes went on while the slots moved.
            assert count[0] - before > 200, (before, count[0], failures[:5])
        stop.set()
        writer.join(60)
        assert not writer.is_alive()
        assert len(acked) > n_keys // 4, (len(acked), failures[:5])
        assert len(failures) < len(acked) // 50, failures[:5]
        rc.nodes_manager.initialize()
        for k, v in list(acked.items()):
            assert rc.get(k) == v, k
        for i in range(n_keys):
            assert rc.get(f"key:{i}") is not None, i
    finally:
        rc.close()
    assert sum(n.client().dbsize() for n in nodes) == n_keys
    check = cli("--cluster", "check", f"127.0.0.1:{nodes[-1].port}")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
    assert "[OK] All 16384 slots covered." in check.stdout, check.stdout
    assert "[WARNING]" not in check.stdout, check.stdout
    for n in nodes:  # no slot left open
        assert "->-" not in n.client().execute_command("CLUSTER", "NODES").decode()


def test_reshard_under_write_load(server_factory):
    """redis-cli --cluster reshard moves 1,000 slots with their keys between
    our nodes while a client writes: no acknowledged write lost."""
    nodes = [cluster_node(server_factory) for _ in range(3)]
    create_cluster(nodes)
    reshard_under_load(nodes, [(nodes[0], nodes[1], 1000), (nodes[2], nodes[0], 1000)])


@needs_redis
def test_reshard_under_write_load_across_implementations(server_factory):
    """The same from our node to Redis 7.0's and back, both ways under load."""
    nodes = [cluster_node(server_factory), cluster_node(server_factory, binary=REAL_SERVER),
             cluster_node(server_factory)]
    create_cluster(nodes)
    reshard_under_load(nodes, [(nodes[0], nodes[1], 1000), (nodes[1], nodes[2], 1000)])


def replica_script(server_factory, binary, replica_args=()):
    """A one-master cluster and its replica: the replica's keys per slot
    after its full sync (an RDB load, or with swapdb a load beside the old
    data) equal the master's; reads with READONLY, writes and transactions
    on the replica."""
    kw = {} if binary is None else {"binary": binary}
    master = cluster_node(server_factory, extra=["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
                          **kw)
    replica = cluster_node(server_factory, extra=list(replica_args), **kw)
    cm, cr = master.client(decode_responses=True), replica.client(decode_responses=True)
    cm.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    wait_for(lambda: "cluster_state:ok" in cm.execute_command("CLUSTER", "INFO"), "cluster_state:ok")
    p = cm.pipeline(transaction=False)
    for i in range(3000):
        p.set(f"key:{i}", i)
        if i % 3 == 0:
            p.sadd(f"{{tag}}set{i}", i)
    p.execute()
    cm.execute_command("CLUSTER", "MEET", "127.0.0.1", replica.port,
                       replica.client().config_get("cluster-port")["cluster-port"])
    mid = cm.execute_command("CLUSTER", "MYID")
    wait_for(lambda: mid in cr.execute_command("CLUSTER", "NODES"), "the replica meets the master")
    cr.execute_command("CLUSTER", "REPLICATE", mid)
    wait_for(lambda: cr.info("replication").get("master_link_status") == "up" and cr.dbsize() == cm.dbsize(),
             "the full sync")
    wait_for(lambda: "cluster_state:ok" in cr.execute_command("CLUSTER", "INFO"), "the replica's slot map")
    log = [("slot counts equal", slot_counts(cr) == slot_counts(cm)),
           ("keys of a slot", keys_by_slot(cr, [cm.execute_command("CLUSTER", "KEYSLOT", "{tag}")]) ==
            keys_by_slot(cm, [cm.execute_command("CLUSTER", "KEYSLOT", "{tag}")]))]
    # Deletions and expiry reach the replica's index through the stream.
    p = cm.pipeline(transaction=False)
    for i in range(0, 3000, 2):
        p.delete(f"key:{i}")
    for i in range(1, 3000, 10):
        p.pexpire(f"key:{i}", 20)
    p.execute()
    wait_for(lambda: cr.dbsize() == cm.dbsize() and cm.info("keyspace")["db0"].get("expires", 0) == 0,
             "deletions and expiry replicated")
    log.append(("slot counts after deletes", slot_counts(cr) == slot_counts(cm)))
    ports = {str(master.port): "M", str(replica.port): "R"}

    def rec(label, fn):
        log.append((label, re.sub(r"127\.0\.0\.1:(\d+)", lambda m: ports[m.group(1)], str(outcome(fn)))))

    rec("read without READONLY", lambda: cr.get("key:3"))
    rec("READONLY", lambda: cr.execute_command("READONLY"))
    rec("read", lambda: cr.get("key:3"))
    rec("multi-key read", lambda: cr.execute_command("SMEMBERS", "{tag}set3"))
    rec("write", lambda: cr.set("key:1", "x"))
    rec("read transaction", lambda: transaction(cr, ("SMEMBERS", "{tag}set3"), ("SCARD", "{tag}set6")))
    rec("transaction with a write", lambda: transaction(cr, ("SMEMBERS", "{tag}set3"), ("SADD", "{tag}set6", "x")))
    rec("cross-slot transaction", lambda: transaction(cr, ("GET", "key:3"), ("GET", "key:5")))
    rec("count on the replica", lambda: cr.execute_command("CLUSTER", "COUNTKEYSINSLOT",
                                                           cm.execute_command("CLUSTER", "KEYSLOT", "{tag}")))
    rec("READWRITE", lambda: cr.execute_command("READWRITE"))
    rec("read after READWRITE", lambda: cr.get("key:3"))
    return log


@needs_redis
@pytest.mark.parametrize("load", ["disk", "swapdb"])
def test_replica_keys_in_slot_and_readonly_match_redis(server_factory, load):
    args = ["--repl-diskless-load", "swapdb"] if load == "swapdb" else []
    ours = same_logs(lambda f, b: replica_script(f, b, args), server_factory)
    assert all(v is True for label, v in ours[:3]), ours[:3]


def test_eviction_keeps_the_index_exact(server_factory):
    """maxmemory eviction deletes keys through the same path: the counts per
    slot still add up to the keys, and every listed key exists."""
    s, c = single_node_cluster(server_factory, extra=["--maxmemory-policy", "allkeys-random"])
    c.config_set("maxmemory", c.info("memory")["used_memory"] + 2_000_000)
    p = c.pipeline(transaction=False)
    for i in range(40000):
        p.set(f"key:{i}", "x" * 100)
    p.execute()
    assert c.info("stats")["evicted_keys"] > 1000
    c.config_set("maxmemory", 0)  # no more evictions while we look
    assert sum(slot_counts(c)) == c.dbsize()
    slots = [c.execute_command("CLUSTER", "KEYSLOT", f"key:{i}") for i in range(0, 40000, 997)]
    listed = [k for keys in keys_by_slot(c, slots) for k in keys]
    p = c.pipeline(transaction=False)
    for k in listed:
        p.exists(k)
    assert len(listed) > 5 and all(p.execute())


def test_migrate_connection_closed_after_10s_idle(server_factory):
    src, dst = server_factory(), server_factory()
    cs, cd = src.client(), dst.client()
    cs.set("k", "v")
    base = cd.info("stats")["total_connections_received"]
    assert cs.execute_command("MIGRATE", "127.0.0.1", dst.port, "k", 0, 5000, "COPY") == b"OK"
    assert cd.info("clients")["connected_clients"] == 2
    time.sleep(1)
    assert cs.execute_command("MIGRATE", "127.0.0.1", dst.port, "k", 0, 5000, "COPY", "REPLACE") == b"OK"
    assert cd.info("stats")["total_connections_received"] == base + 1  # the cached one, a second later
    t0 = time.time()
    # Unused for 10 s (Redis's MIGRATE_SOCKET_CACHE_TTL), it is closed.
    wait_for(lambda: cd.info("clients")["connected_clients"] == 1, "the idle connection to close", timeout=15)
    assert time.time() - t0 > 9


def test_tiering_moves_keep_the_index(server_factory):
    """The tiering engine moving values between the tiers, with key strings
    on NVM (tier-keys nvm), leaves every key listed in its slot."""
    s, c = single_node_cluster(server_factory, extra=["--tier-migrate-cycle-ms", "5", "--tier-keys", "nvm",
                                                      "--maxmemory-policy", "allkeys-lfu"])
    p = c.pipeline(transaction=False)
    for i in range(2000):
        p.set(f"{{t{i % 10}}}" + "k" * 70 + str(i), f"{i}:" + "v" * 300)
    p.execute()
    slots = sorted({c.execute_command("CLUSTER", "KEYSLOT", f"{{t{i}}}") for i in range(10)})
    before = keys_by_slot(c, slots)
    # Static placement puts these values on NVM first: up to DRAM, then back.
    for pin, field in (("dram", "tier_promotions"), ("nvm", "tier_demotions")):
        start = c.info("memory")[field]
        c.config_set("tier-pin-dram", "*" if pin == "dram" else "")
        c.config_set("tier-pin-nvm", "*" if pin == "nvm" else "")
        wait_for(lambda: c.info("memory")[field] - start >= 1000, f"values moved to {pin}")
        assert keys_by_slot(c, slots) == before
        assert sum(slot_counts(c)) == c.dbsize() == 2000
        for keys in before:
            for k in keys[:20]:
                assert c.get(k) == k.rsplit("k", 1)[1] + ":" + "v" * 300
