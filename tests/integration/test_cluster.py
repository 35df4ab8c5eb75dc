"""Redis Cluster (issue 23): one node's commands, redirections and nodes.conf;
clusters made by `redis-cli --cluster create` of three of our nodes, and of
two of ours with one Debian redis-server 7.0 (the bus is Redis 7.0's, on the
wire), checked by `redis-cli --cluster check` and used through redis-py's
RedisCluster."""
import os
import re
import subprocess
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from conftest import REAL_SERVER, free_port


def cluster_node(server_factory, binary=None, extra=(), node_timeout=3000):
    args = ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-node-timeout", str(node_timeout)] + list(extra)
    if binary is None:
        return server_factory(*args)
    return server_factory(*args, binary=binary)


def node_id(node):
    return node.client().execute_command("CLUSTER", "MYID").decode()


def wait_for(cond, what="condition", timeout=30, retry=()):
    """Polls cond until it gives a true value, which is returned; an
    exception of a `retry` class counts as "not yet". Fails the test after
    `timeout` seconds, with the last value or exception."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = cond()
            if last:
                return last
        except retry as e:
            last = e
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}: {last!r}")


def cli(*args, timeout=60):
    return subprocess.run(["redis-cli"] + list(args), capture_output=True, text=True, timeout=timeout)


def create_cluster(nodes):
    out = cli("--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes], "--cluster-yes")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout
    # Every node sees every other and the cluster is up everywhere.
    deadline = time.time() + 20
    while time.time() < deadline:
        infos = [n.client().execute_command("CLUSTER", "INFO").decode() for n in nodes]
        if all("cluster_state:ok" in i and f"cluster_known_nodes:{len(nodes)}" in i for i in infos):
            return
        time.sleep(0.1)
    pytest.fail("cluster did not converge: " + repr(infos))


def slot_map(node):
    """{node id: sorted slot ranges} as one node's CLUSTER NODES says."""
    out = {}
    for line in node.client().execute_command("CLUSTER", "NODES").decode().splitlines():
        f = line.split()
        out[f[0]] = sorted(f[8:])
    return out


def check_and_use(nodes):
    out = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All nodes agree about slots configuration." in out.stdout, out.stdout
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout
    maps = [slot_map(n) for n in nodes]
    assert all(m == maps[0] for m in maps), maps
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", n.port) for n in nodes], decode_responses=True)
    try:
        # 2,000 keys land in about 1,800 of the 16,384 slots, on every node.
        for i in range(2000):
            rc.set(f"key:{i}", f"value:{i}")
        for i in range(2000):
            assert rc.get(f"key:{i}") == f"value:{i}"
        # Hash tags keep a multi-key command on one node.
        rc.mset_nonatomic({"{user1}:a": "1", "{user1}:b": "2"})
        assert rc.execute_command("MGET", "{user1}:a", "{user1}:b") == ["1", "2"]
    finally:
        rc.close()
    counts = [n.client().dbsize() for n in nodes]
    assert sum(counts) == 2002 and all(c > 500 for c in counts), counts
    # A key asked of the wrong node is redirected to its owner.
    by_port = {n.port: n for n in nodes}
    slot = nodes[0].client().execute_command("CLUSTER", "KEYSLOT", "key:7")
    for n in nodes:
        try:
            v = n.client().get("key:7")
            assert v == b"value:7"
        except redis.exceptions.ResponseError as e:
            m = re.fullmatch(r"MOVED (\d+) 127\.0\.0\.1:(\d+)", str(e))
            assert m and int(m.group(1)) == slot, str(e)
            assert by_port[int(m.group(2))].client().get("key:7") == b"value:7"


def test_cluster_disabled_is_inert(server_factory):
    s = server_factory()
    c = s.client()
    with pytest.raises(redis.exceptions.ResponseError, match="This instance has cluster support disabled"):
        c.execute_command("CLUSTER", "INFO")
    with pytest.raises(redis.exceptions.ResponseError, match="This instance has cluster support disabled"):
        c.execute_command("READONLY")
    assert c.info("cluster") == {"cluster_enabled": 0}
    assert c.select(3) is True
    assert not os.path.exists(os.path.join(s.dir, "nodes.conf"))


def test_one_node(server_factory, datadir):
    conf = os.path.join(datadir, "nodes-a.conf")
    s = cluster_node(server_factory, extra=["--cluster-config-file", conf])
    c = s.client(decode_responses=True)
    assert c.info("cluster") == {"cluster_enabled": 1}
    myid = c.execute_command("CLUSTER", "MYID")
    assert re.fullmatch(r"[0-9a-f]{40}", myid)
    info = c.execute_command("CLUSTER", "INFO")
    assert "cluster_state:fail" in info and "cluster_slots_assigned:0" in info
    with pytest.raises(redis.exceptions.ResponseError, match="^SELECT is not allowed in cluster mode$"):
        c.select(1)
    assert c.select(0) is True
    with pytest.raises(redis.exceptions.ResponseError, match="^CLUSTERDOWN Hash slot not served$"):
        c.set("foo", "bar")
    assert c.execute_command("CLUSTER", "ADDSLOTSRANGE", "0", "100", "200", "16383") == "OK"
    with pytest.raises(redis.exceptions.ResponseError, match="^Slot 50 is already busy$"):
        c.execute_command("CLUSTER", "ADDSLOTS", "50")
    with pytest.raises(redis.exceptions.ResponseError, match="^Slot 150 is already unassigned$"):
        c.execute_command("CLUSTER", "DELSLOTS", "150")
    with pytest.raises(redis.exceptions.ResponseError, match="^Invalid or out of range slot$"):
        c.execute_command("CLUSTER", "ADDSLOTS", "16384")
    with pytest.raises(redis.exceptions.ResponseError, match="specified multiple times"):
        c.execute_command("CLUSTER", "ADDSLOTS", "101", "101")
    assert c.execute_command("CLUSTER", "ADDSLOTS", *[str(i) for i in range(101, 200)]) == "OK"
    assert "cluster_state:ok" in c.execute_command("CLUSTER", "INFO")
    slots = c.execute_command("CLUSTER", "SLOTS")
    assert len(slots) == 1 and slots[0][:2] == [0, 16383] and slots[0][2][1:3] == [s.port, myid]
    # Keys, the per-slot views, and CROSSSLOT.
    assert c.set("foo", "bar") is True
    slot = c.execute_command("CLUSTER", "KEYSLOT", "foo")
    assert slot == 12182
    for k in ("{user}a", "{user}b", "{user}c"):
        c.set(k, "1")
    tag_slot = c.execute_command("CLUSTER", "KEYSLOT", "{user}zzz")
    assert c.execute_command("CLUSTER", "COUNTKEYSINSLOT", tag_slot) == 3
    assert sorted(c.execute_command("CLUSTER", "GETKEYSINSLOT", tag_slot, 10)) == ["{user}a", "{user}b", "{user}c"]
    assert len(c.execute_command("CLUSTER", "GETKEYSINSLOT", tag_slot, 2)) == 2
    assert c.mget("{user}a", "{user}b") == ["1", "1"]
    with pytest.raises(redis.exceptions.ResponseError, match="^CROSSSLOT Keys in request don't hash to the same slot$"):
        c.mget("foo", "{user}a")
    # In MULTI a redirection aborts EXEC.
    p = c.pipeline(transaction=True)
    p.set("foo", "1").set("{user}a", "2")
    with pytest.raises(redis.exceptions.ResponseError):
        p.execute()
    # Epochs.
    assert c.execute_command("CLUSTER", "SET-CONFIG-EPOCH", "5") == "OK"
    with pytest.raises(redis.exceptions.ResponseError, match="^Node config epoch is already non-zero$"):
        c.execute_command("CLUSTER", "SET-CONFIG-EPOCH", "6")
    assert c.execute_command("CLUSTER", "BUMPEPOCH") == "STILL 5"
    assert "cluster_current_epoch:5" in c.execute_command("CLUSTER", "INFO")
    assert c.execute_command("CLUSTER", "SAVECONFIG") == "OK"
    with open(conf) as f:
        text = f.read()
    assert text.startswith(myid + " ") and "myself,master" in text and " 5 connected 0-16383" in text
    assert text.endswith("vars currentEpoch 5 lastVoteEpoch 0\n")
    with pytest.raises(redis.exceptions.ResponseError, match="^Unknown node 0{40}$"):
        c.execute_command("CLUSTER", "FORGET", "0" * 40)
    with pytest.raises(redis.exceptions.ResponseError, match="can't forget myself"):
        c.execute_command("CLUSTER", "FORGET", myid)
    with pytest.raises(redis.exceptions.ResponseError, match="^Invalid node address specified"):
        c.execute_command("CLUSTER", "MEET", "not-an-ip", "7000")
    with pytest.raises(redis.exceptions.ResponseError, match="can't be called with master nodes containing keys"):
        c.execute_command("CLUSTER", "RESET")
    # A restart keeps the identity, slots and epochs (nodes.conf).
    c.close()
    s.stop()
    s2 = cluster_node(server_factory, extra=["--cluster-config-file", conf])
    c2 = s2.client(decode_responses=True)
    assert c2.execute_command("CLUSTER", "MYID") == myid
    info = c2.execute_command("CLUSTER", "INFO")
    assert "cluster_slots_assigned:16384" in info and "cluster_my_epoch:5" in info
    assert c2.execute_command("CLUSTER", "RESET", "HARD") == "OK"
    assert c2.execute_command("CLUSTER", "MYID") != myid
    assert "cluster_slots_assigned:0" in c2.execute_command("CLUSTER", "INFO")


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_keyslot_matches_redis(server_factory):
    ours = cluster_node(server_factory).client()
    real = cluster_node(server_factory, binary=REAL_SERVER).client()
    keys = ["", "a", "foo", "somekey", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}",
            "{}", "}{", "{a", "x" * 300, "\xff\x00binary"] + [f"key:{i}" for i in range(300)]
    for k in keys:
        assert ours.execute_command("CLUSTER", "KEYSLOT", k) == real.execute_command("CLUSTER", "KEYSLOT", k), k


def test_create_three_of_ours(server_factory):
    nodes = [cluster_node(server_factory) for _ in range(3)]
    create_cluster(nodes)
    check_and_use(nodes)
    # SHARDS: three masters, each with its ranges.
    shards = nodes[1].client(decode_responses=True).execute_command("CLUSTER", "SHARDS")
    assert len(shards) == 3
    total = 0
    for sh in shards:
        d = dict(zip(sh[::2], sh[1::2]))
        r = d["slots"]
        total += sum(r[i + 1] - r[i] + 1 for i in range(0, len(r), 2))
        node = dict(zip(d["nodes"][0][::2], d["nodes"][0][1::2]))
        assert node["role"] == "master" and node["ip"] == "127.0.0.1"
    assert total == 16384


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
@pytest.mark.parametrize("real_nodes", [1, 2], ids=["two-of-ours", "one-of-ours"])
def test_mixed_cluster_with_redis(server_factory, real_nodes):
    """Two of ours and one Redis 7.0, and the reverse: one of ours and two
    Redis 7.0 nodes (ours is the first, the one redis-cli is pointed at)."""
    nodes = [cluster_node(server_factory), cluster_node(server_factory, binary=REAL_SERVER)]
    nodes.append(cluster_node(server_factory, binary=REAL_SERVER if real_nodes == 2 else None))
    create_cluster(nodes)
    check_and_use(nodes)
    # Redis sees every node as a connected master with its epoch.
    real_view = nodes[1].client().execute_command("CLUSTER", "NODES").decode().splitlines()
    assert len(real_view) == 3
    for line in real_view:
        f = line.split()
        assert "master" in f[2] and f[7] == "connected", line
    epochs = sorted(int(line.split()[6]) for line in real_view)
    assert epochs == [1, 2, 3]


def test_create_with_replicas(server_factory):
    nodes = [cluster_node(server_factory) for _ in range(6)]
    out = cli("--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes], "--cluster-replicas", "1",
              "--cluster-yes")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout
    # Every node learns the three masters and three replicas.
    deadline = time.time() + 20
    while time.time() < deadline:
        views = [n.client().execute_command("CLUSTER", "NODES").decode() for n in nodes]
        if all(v.count(" slave ") + v.count(",slave ") == 3 for v in views):
            break
        time.sleep(0.1)
    else:
        pytest.fail("replicas not seen everywhere: " + repr(views))
    check = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
    replicas = [n for n in nodes if n.client().execute_command("ROLE")[0] == b"slave"]
    assert len(replicas) == 3
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", nodes[0].port)], decode_responses=True)
    try:
        for i in range(300):
            rc.set(f"k{i}", str(i))
    finally:
        rc.close()
    for rep in replicas:
        c = rep.client(decode_responses=True)
        master_id = [line.split()[3] for line in c.execute_command("CLUSTER", "NODES").splitlines()
                     if "myself" in line][0]
        masters = [n for n in nodes if n.client().execute_command("CLUSTER", "MYID").decode() == master_id]
        assert len(masters) == 1
        mc = masters[0].client(decode_responses=True)
        assert c.execute_command("CLUSTER", "REPLICAS", master_id)[0].startswith(
            c.execute_command("CLUSTER", "MYID") + " ")
        deadline = time.time() + 20
        while c.dbsize() != mc.dbsize() and time.time() < deadline:
            time.sleep(0.1)
        assert c.dbsize() == mc.dbsize() > 50
        some = mc.randomkey()
        # A replica redirects to its master, unless the connection said READONLY.
        with pytest.raises(redis.exceptions.ResponseError, match=f"^MOVED .* 127.0.0.1:{masters[0].port}$"):
            c.get(some)
        assert c.execute_command("READONLY") is True
        assert c.get(some) == mc.get(some)
        with pytest.raises(redis.exceptions.ResponseError, match="^MOVED "):
            c.set(some, "x")


def reshard(nodes, src, dst, slots):
    ids = [n.client().execute_command("CLUSTER", "MYID").decode() for n in (src, dst)]
    out = cli("--cluster", "reshard", f"127.0.0.1:{nodes[0].port}", "--cluster-from", ids[0], "--cluster-to", ids[1],
              "--cluster-slots", str(slots), "--cluster-yes", timeout=120)
    assert out.returncode == 0 and "failed" not in out.stdout, out.stdout + out.stderr


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_reshard_across_implementations(server_factory):
    """redis-cli --cluster reshard moves slots with their keys (CLUSTER SETSLOT,
    GETKEYSINSLOT, MIGRATE, RESTORE-ASKING) from ours to ours, from ours to
    Redis 7.0 and from Redis 7.0 to ours; no key is lost."""
    ours1, ours2 = cluster_node(server_factory), cluster_node(server_factory)
    real = cluster_node(server_factory, binary=REAL_SERVER)
    nodes = [ours1, ours2, real]
    create_cluster(nodes)
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", ours1.port)], decode_responses=True)
    try:
        for i in range(3000):
            rc.set(f"key:{i}", f"value:{i}", px=600000 if i % 10 == 0 else None)
        before = [n.client().dbsize() for n in nodes]
        reshard(nodes, ours1, ours2, 1000)
        reshard(nodes, ours2, real, 1000)
        reshard(nodes, real, ours1, 1500)
        after = [n.client().dbsize() for n in nodes]
        assert sum(after) == 3000 and after != before, (before, after)
        check = cli("--cluster", "check", f"127.0.0.1:{real.port}")
        assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
        assert "[WARNING]" not in check.stdout, check.stdout
        rc.nodes_manager.initialize()
        for i in range(3000):
            assert rc.get(f"key:{i}") == f"value:{i}"
        # The TTLs moved with the keys.
        assert 0 < rc.pttl("key:0") <= 600000 and rc.pttl("key:1") == -1
    finally:
        rc.close()
    maps = [slot_map(n) for n in nodes]
    assert all(m == maps[0] for m in maps), maps


def test_setslot_errors_and_ask(server_factory):
    a, b = cluster_node(server_factory), cluster_node(server_factory)
    ca, cb = a.client(decode_responses=True), b.client(decode_responses=True)
    ca.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
    cb.execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383)
    ca.execute_command("CLUSTER", "MEET", "127.0.0.1", b.port, b.client().config_get("cluster-port")["cluster-port"])
    deadline = time.time() + 10
    while "cluster_state:ok" not in cb.execute_command("CLUSTER", "INFO") or \
            "cluster_known_nodes:2" not in ca.execute_command("CLUSTER", "INFO"):
        assert time.time() < deadline
        time.sleep(0.05)
    ida, idb = ca.execute_command("CLUSTER", "MYID"), cb.execute_command("CLUSTER", "MYID")
    k1 = next(f"k{i}" for i in range(1000) if ca.execute_command("CLUSTER", "KEYSLOT", f"k{i}") < 8192)
    slot = ca.execute_command("CLUSTER", "KEYSLOT", k1)
    with pytest.raises(redis.exceptions.ResponseError, match="not the owner of hash slot"):
        cb.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ida)
    with pytest.raises(redis.exceptions.ResponseError, match="already the owner of hash slot"):
        ca.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", idb)
    with pytest.raises(redis.exceptions.ResponseError, match="I don't know about node"):
        ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", "f" * 40)
    ca.set(k1, "here")
    assert cb.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ida) == "OK"
    assert ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", idb) == "OK"
    assert f"[{slot}->-{idb}]" in ca.execute_command("CLUSTER", "NODES")
    # A key still here is served; a missing one is asked of the target,
    # which serves it only after ASKING.
    assert ca.get(k1) == "here"
    other = next(f"x{i}" for i in range(100000) if ca.execute_command("CLUSTER", "KEYSLOT", f"x{i}") == slot)
    with pytest.raises(redis.exceptions.ResponseError, match=f"^ASK {slot} 127.0.0.1:{b.port}$"):
        ca.get(other)
    with pytest.raises(redis.exceptions.ResponseError, match=f"^MOVED {slot} 127.0.0.1:{a.port}$"):
        cb.get(other)
    p = cb.pipeline(transaction=False)
    p.execute_command("ASKING").set(other, "there")
    assert p.execute() == [True, True]
    with pytest.raises(redis.exceptions.ResponseError, match="still hold keys for this hash slot"):
        ca.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb)
    assert ca.execute_command("MIGRATE", "127.0.0.1", b.port, "", 0, 5000, "KEYS", k1) == "OK"
    assert cb.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb) == "OK"
    assert ca.execute_command("CLUSTER", "SETSLOT", slot, "NODE", idb) == "OK"
    assert cb.get(k1) == "here" and cb.get(other) == "there"
    with pytest.raises(redis.exceptions.ResponseError, match=f"^MOVED {slot} 127.0.0.1:{b.port}$"):
        ca.get(k1)
    # The importing node took a new epoch; the other learns the move.
    deadline = time.time() + 10
    while slot_map(a) != slot_map(b):
        assert time.time() < deadline, (slot_map(a), slot_map(b))
        time.sleep(0.05)


def test_nodes_conf_is_locked_and_announce_follows_config_set(server_factory, datadir):
    conf = os.path.join(datadir, "nodes-shared.conf")
    a = cluster_node(server_factory, extra=["--cluster-config-file", conf])
    # A second node given the same nodes.conf refuses to start, as Redis's.
    with pytest.raises(RuntimeError, match="is already used by a different Redis Cluster node"):
        cluster_node(server_factory, extra=["--cluster-config-file", conf])
    myid = a.client().execute_command("CLUSTER", "MYID").decode()
    with open(conf) as f:
        assert f.read().startswith(myid + " ")
    # CONFIG SET cluster-announce-*: myself and a peer see the change without
    # a restart, and nodes.conf keeps it.
    b = cluster_node(server_factory)
    bus_a = a.client().config_get("cluster-port")["cluster-port"]
    assert b.client().execute_command("CLUSTER", "MEET", "127.0.0.1", a.port, bus_a) in (b"OK", True)
    ca = a.client()
    ca.config_set("cluster-announce-hostname", "tiered-a.example")
    ca.config_set("cluster-announce-bus-port", 31999)

    def line_of(node):
        for line in node.client().execute_command("CLUSTER", "NODES").decode().splitlines():
            if line.startswith(myid):
                return line.split()[1]
        return ""
    deadline = time.time() + 20
    while time.time() < deadline and line_of(b) != f"127.0.0.1:{a.port}@31999,tiered-a.example":
        time.sleep(0.1)
    assert line_of(b) == f"127.0.0.1:{a.port}@31999,tiered-a.example"
    assert line_of(a) == f"127.0.0.1:{a.port}@31999,tiered-a.example"
    with open(conf) as f:
        assert "@31999,tiered-a.example myself" in f.read()


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
@pytest.mark.parametrize("endpoint", ["ip", "hostname", "unknown-endpoint"])
def test_preferred_endpoint_type_matches_redis(server_factory, endpoint):
    """CLUSTER SLOTS and SHARDS under cluster-preferred-endpoint-type, with
    and without an announced hostname, ours against Redis 7.0 (ids and
    ports aside)."""
    replies = []
    for binary in (None, REAL_SERVER):
        s = cluster_node(server_factory, binary=binary,
                         extra=["--cluster-preferred-endpoint-type", endpoint])
        c = s.client()
        assert c.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383) in (b"OK", True)
        myid, port = c.execute_command("CLUSTER", "MYID"), s.port

        def norm(x):
            if isinstance(x, list):
                return [norm(v) for v in x]
            return "ID" if x == myid else "PORT" if x == port else x
        got = []
        for host in ("", "node-a.example"):
            c.config_set("cluster-announce-hostname", host)
            got.append(norm(c.execute_command("CLUSTER", "SLOTS")))
            got.append(norm(c.execute_command("CLUSTER", "SHARDS")))
        replies.append(got)
    assert replies[0] == replies[1]


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_cli_add_node_rebalance_fix_del_node(server_factory):
    """The rest of redis-cli's cluster tool on a mixed cluster: add-node of
    an empty master, rebalance onto it, fix of a slot left open, del-node."""
    nodes = [cluster_node(server_factory), cluster_node(server_factory, binary=REAL_SERVER),
             cluster_node(server_factory)]
    create_cluster(nodes)
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", nodes[0].port)], decode_responses=True)
    try:
        for i in range(2000):
            rc.set(f"key:{i}", i)
    finally:
        rc.close()
    new = cluster_node(server_factory)
    out = cli("--cluster", "add-node", f"127.0.0.1:{new.port}", f"127.0.0.1:{nodes[0].port}")
    assert out.returncode == 0 and "[OK] New node added correctly." in out.stdout, out.stdout + out.stderr
    nodes.append(new)
    new_id = new.client().execute_command("CLUSTER", "MYID").decode()
    deadline = time.time() + 20
    while time.time() < deadline and not all(
            new_id.encode() in n.client().execute_command("CLUSTER", "NODES") for n in nodes):
        time.sleep(0.1)
    out = cli("--cluster", "rebalance", f"127.0.0.1:{nodes[0].port}", "--cluster-use-empty-masters", timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    # About a quarter of the slots, with their keys, moved to the new node.
    assert new.client().dbsize() > 300
    assert 3000 < sum(int(r.split("-")[1]) - int(r.split("-")[0]) + 1 if "-" in r else 1
                      for r in slot_map(new)[new_id]) < 5000
    # A slot left half-migrated is closed by fix.
    slot = new.client().execute_command("CLUSTER", "KEYSLOT", "key:7")
    owner = [n for n in nodes if n.client().execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) > 0][0]
    other = [n for n in nodes if n is not owner][0]
    ids = {n.port: n.client().execute_command("CLUSTER", "MYID").decode() for n in nodes}
    assert other.client().execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[owner.port])
    assert owner.client().execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[other.port])
    out = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert "open slot" in out.stdout.lower() or "[WARNING]" in out.stdout, out.stdout
    out = cli("--cluster", "fix", f"127.0.0.1:{nodes[0].port}", "--cluster-yes", timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    out = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert "[OK] All nodes agree about slots configuration." in out.stdout and "[WARNING]" not in out.stdout, \
        out.stdout
    # Rebalance back off the new node (weight 0), then remove it.
    out = cli("--cluster", "rebalance", f"127.0.0.1:{nodes[0].port}", "--cluster-weight", f"{new_id}=0",
              timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    out = cli("--cluster", "del-node", f"127.0.0.1:{nodes[0].port}", new_id)
    assert out.returncode == 0 and "Sending CLUSTER RESET SOFT to the deleted node." in out.stdout, \
        out.stdout + out.stderr
    assert new.client().execute_command("CLUSTER", "NODES").decode().count("\n") == 1
    deadline = time.time() + 20
    while time.time() < deadline and any(new_id.encode() in n.client().execute_command("CLUSTER", "NODES")
                                         for n in nodes[:3]):
        time.sleep(0.1)
    assert not any(new_id.encode() in n.client().execute_command("CLUSTER", "NODES") for n in nodes[:3])
    rest = nodes[:3]
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", rest[0].port)], decode_responses=True)
    try:
        assert all(rc.get(f"key:{i}") == str(i) for i in range(2000))
    finally:
        rc.close()
    assert sum(n.client().dbsize() for n in rest) == 2000
