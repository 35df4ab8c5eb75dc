"""Redis Cluster failover (issue 23): a replica promoted when its master dies
(election with the votes of the masters), the old master rejoining as a
replica, CLUSTER FAILOVER (default, FORCE, TAKEOVER), and the same across
implementations with Debian's redis-server 7.0 on the bus. Checked with
`redis-cli --cluster check` and redis-py's RedisCluster."""
import os
import re
import signal
import subprocess
import threading
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster, RedisClusterException

from conftest import REAL_SERVER
from test_cluster import cli, cluster_node, node_id as myid, wait_for as cluster_wait_for

NODE_TIMEOUT = 2000


def node(server_factory, binary=None, extra=()):
    return cluster_node(server_factory, binary, ["--repl-diskless-sync-delay", "0", *extra], NODE_TIMEOUT)


def wait_for(cond, timeout=30, what="condition"):
    """test_cluster's, where a node that is down or reconfiguring (its
    errors) only means "not yet"."""
    return cluster_wait_for(cond, what, timeout, retry=(redis.exceptions.RedisError, RedisClusterException, OSError))


def nodes_view(n):
    """{id: (flags, master id, slot fields)} as n's CLUSTER NODES says."""
    out = {}
    for line in n.client().execute_command("CLUSTER", "NODES").decode().splitlines():
        f = line.split()
        out[f[0]] = (f[2].split(","), f[3], f[8:])
    return out


def role(n):
    return n.client().execute_command("ROLE")[0].decode()


def master_of(n):
    """The master id n's CLUSTER NODES gives for itself ('-' for a master)."""
    return nodes_view(n)[myid(n)][1]


def check_ok(entry):
    """redis-cli --cluster check passes (polled: the others learn the new
    configuration by gossip)."""
    last = [None]

    def ok():
        out = cli("--cluster", "check", f"127.0.0.1:{entry.port}")
        last[0] = out.stdout + out.stderr
        return (out.returncode == 0 and "[OK] All nodes agree about slots configuration." in out.stdout
                and "[OK] All 16384 slots covered." in out.stdout)

    deadline = time.time() + 30
    while time.time() < deadline:
        if ok():
            return
        time.sleep(0.2)
    pytest.fail("cluster check failed:\n" + last[0])


def create(nodes, replicas=0):
    args = ["--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes], "--cluster-yes"]
    if replicas:
        args += ["--cluster-replicas", str(replicas)]
    out = cli(*args)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[OK] All 16384 slots covered." in out.stdout, out.stdout
    want_slaves = len(nodes) - len(nodes) // (replicas + 1)

    def converged():
        for n in nodes:
            v = nodes_view(n)
            if len(v) != len(nodes) or sum("slave" in fl for fl, _, _ in v.values()) != want_slaves:
                return False
            if "cluster_state:ok" not in n.client().execute_command("CLUSTER", "INFO").decode():
                return False
        return True

    wait_for(converged, what="cluster convergence")


def add_replica(new, entry, master):
    out = cli("--cluster", "add-node", f"127.0.0.1:{new.port}", f"127.0.0.1:{entry.port}",
              "--cluster-slave", "--cluster-master-id", myid(master))
    assert out.returncode == 0, out.stdout + out.stderr
    wait_for(lambda: role(new) == "slave" and new.client().info("replication")["master_link_status"] == "up",
             what="replica link up")


def pairs(nodes):
    """[(master, replica)] of a cluster made with --cluster-replicas 1."""
    by_id = {myid(n): n for n in nodes}
    out = []
    for n in nodes:
        m = master_of(n)
        if m != "-":
            out.append((by_id[m], n))
    assert len(out) == len(nodes) // 2
    return out


def key_on(master, prefix="k"):
    """A key whose slot master serves."""
    c = master.client()
    ranges = [r.partition("-") for r in nodes_view(master)[myid(master)][2] if not r.startswith("[")]
    ranges = [(int(a), int(b or a)) for a, _, b in ranges]
    for i in range(100000):
        k = f"{prefix}{i}"
        slot = c.execute_command("CLUSTER", "KEYSLOT", k)
        if any(a <= slot <= b for a, b in ranges):
            return k
    raise AssertionError("no key found")


def sync_replica(master, replica):
    """Waits until replica has processed everything master had written (a
    WAIT on a new connection would not wait: its client wrote nothing)."""
    off = master.client().info("replication")["master_repl_offset"]
    wait_for(lambda: replica.client().info("replication").get("slave_repl_offset", -1) >= off,
             what="replica caught up")


class Cluster(RedisCluster):
    """redis-py 4.3's RedisCluster deep-copies its connection kwargs, which
    hold its own bound on_connect, when it rediscovers the topology through a
    node it has no connection to yet (as after a failover): the copy fails
    on the client's locks ("cannot pickle '_thread.lock' object"). The client
    is shared, not copied."""

    def __deepcopy__(self, memo):
        return self


def cluster_client(nodes):
    return Cluster(startup_nodes=[ClusterNode("127.0.0.1", n.port) for n in nodes], decode_responses=True)


def restart(n):
    """Starts a SIGKILLed server again with its arguments, dir and port."""
    n.proc = subprocess.Popen(n.cmd, cwd=n.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: n.client().ping(), what="restart")


def kill(n):
    n.proc.send_signal(signal.SIGKILL)
    n.proc.wait()


def test_replica_promoted_when_master_killed(server_factory):
    nodes = [node(server_factory) for _ in range(6)]
    create(nodes, replicas=1)
    rc = cluster_client(nodes)
    for i in range(1000):
        rc.set(f"key:{i}", f"v{i}")
    (m, r), *_ = pairs(nodes)
    sync_replica(m, r)
    k = key_on(m)
    rc.set(k, "before")
    sync_replica(m, r)
    old_id, new_id = myid(m), myid(r)
    t0 = time.time()
    kill(m)
    # The replica wins the election and serves the slot.
    wait_for(lambda: role(r) == "master" and nodes_view(r)[new_id][2], timeout=NODE_TIMEOUT / 1000 + 20,
             what="promotion")
    elapsed = time.time() - t0
    assert elapsed < NODE_TIMEOUT / 1000 + 15, elapsed
    log = r.read_log()
    assert "Start of election delayed for" in log and "Starting a failover election for epoch" in log
    assert "Failover election won: I'm the new master." in log
    epoch = re.search(r"configEpoch set to (\d+) after successful failover", log).group(1)
    # The voters saved their vote (lastVoteEpoch) in nodes.conf.
    voters = [n for n in nodes if n is not m and role(n) == "master" and n is not r]
    for v in voters:
        assert f"Failover auth granted to {new_id} for epoch {epoch}" in v.read_log()
        with open(os.path.join(v.dir, "nodes.conf")) as f:
            assert f.read().rstrip().endswith(f"lastVoteEpoch {epoch}")
    # RedisCluster follows MOVED to the new master and keeps writing.

    def write():
        rc.set(k, "after")
        return True

    wait_for(write, timeout=30, what="writes on the promoted replica")
    assert r.client().get(k) == b"after"
    for i in range(1000):
        assert rc.get(f"key:{i}") == f"v{i}"
    rest = [n for n in nodes if n is not m]
    wait_for(lambda: all(nodes_view(n)[new_id][2] == nodes_view(r)[new_id][2] for n in rest), what="slots agreed")
    check_ok(r)
    # The killed master comes back as a replica of its replica.
    restart(m)
    wait_for(lambda: role(m) == "slave" and master_of(m) == new_id, what="old master rejoins as replica")
    ro = m.client(single_connection_client=True)
    wait_for(lambda: ro.execute_command("READONLY") and ro.get(k) == b"after", what="old master resynced")
    assert "Configuration change detected. Reconfiguring myself as a replica of " + new_id in m.read_log()
    wait_for(lambda: "fail" not in nodes_view(r)[old_id][0], what="FAIL cleared")
    check_ok(m)
    rc.close()


def test_manual_failover_default_force_takeover(server_factory):
    nodes = [node(server_factory) for _ in range(6)]
    create(nodes, replicas=1)
    (m1, r1), (m2, r2), (m3, r3) = pairs(nodes)
    with pytest.raises(redis.exceptions.ResponseError, match="^You should send CLUSTER FAILOVER to a replica$"):
        m1.client().execute_command("CLUSTER", "FAILOVER")
    with pytest.raises(redis.exceptions.ResponseError, match="^syntax error$"):
        r1.client().execute_command("CLUSTER", "FAILOVER", "NOW")
    with pytest.raises(redis.exceptions.ResponseError,
                       match="^unknown subcommand or wrong number of arguments for 'FAILOVER'. Try CLUSTER HELP.$"):
        r1.client().execute_command("CLUSTER", "FAILOVER", "FORCE", "TAKEOVER")
    # Default: under a write load on that master's slots, no acknowledged write is lost.
    k = key_on(m1, "w")
    tag = "{" + k + "}"
    acked = {}
    stop = threading.Event()
    errors = []

    def writer():
        wc = cluster_client(nodes)
        i = 0
        while not stop.is_set() and i < 200000:
            try:
                wc.set(f"{tag}:{i}", i)
                acked[f"{tag}:{i}"] = str(i)
            except redis.exceptions.RedisError as e:
                errors.append(repr(e))
                time.sleep(0.01)
            i += 1
        wc.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        wait_for(lambda: len(acked) > 200, what="writes")
        assert r1.client().execute_command("CLUSTER", "FAILOVER") == b"OK"
        new_id = myid(r1)
        wait_for(lambda: role(r1) == "master" and master_of(m1) == new_id, timeout=20, what="manual failover")
        n_at_switch = len(acked)
        wait_for(lambda: len(acked) > n_at_switch + 200, what="writes after the failover")
    finally:
        stop.set()
        t.join()
    assert "Manual failover user request accepted." in r1.read_log()
    assert "All master replication stream processed, manual failover can start." in r1.read_log()
    assert "Manual failover requested by replica" in m1.read_log()
    rc = cluster_client(nodes)
    lost = [key for key, v in acked.items() if rc.get(key) != v]
    assert not lost, (len(lost), lost[:5], errors[:5])
    # FORCE with the master down; a replica with cluster-replica-no-failover
    # does not start an election by itself.
    assert r2.client().config_set("cluster-replica-no-failover", "yes")
    m2_id = myid(m2)
    r2_id = myid(r2)
    wait_for(lambda: all("nofailover" in nodes_view(n)[r2_id][0] for n in (m1, r1, m3)), what="nofailover gossiped")
    # A master that does not answer MFSTART (stopped): the manual failover
    # times out after 5 s and the replica stays a replica.
    m2.proc.send_signal(signal.SIGSTOP)
    try:
        assert r2.client().execute_command("CLUSTER", "FAILOVER") == b"OK"
        wait_for(lambda: "Manual failover timed out." in r2.read_log(), timeout=20, what="manual failover timeout")
        assert role(r2) == "slave"
    finally:
        m2.proc.send_signal(signal.SIGKILL)
        m2.proc.wait()
    wait_for(lambda: "fail" in nodes_view(r2)[m2_id][0], timeout=20, what="master FAIL")
    with pytest.raises(redis.exceptions.ResponseError,
                       match="^Master is down or failed, please use CLUSTER FAILOVER FORCE$"):
        r2.client().execute_command("CLUSTER", "FAILOVER")
    time.sleep(1.5)
    assert role(r2) == "slave" and "Start of election delayed" not in r2.read_log()
    assert r2.client().execute_command("CLUSTER", "FAILOVER", "FORCE") == b"OK"
    wait_for(lambda: role(r2) == "master" and nodes_view(r2)[myid(r2)][2], timeout=20, what="forced failover")
    assert "Forced failover user request accepted." in r2.read_log()
    # TAKEOVER: no election; the master becomes a replica of its replica.
    assert r3.client().execute_command("CLUSTER", "FAILOVER", "TAKEOVER") == b"OK"
    r3_id = myid(r3)
    wait_for(lambda: role(r3) == "master" and master_of(m3) == r3_id, timeout=20, what="takeover")
    assert "Taking over the master (user request)." in r3.read_log()
    assert "Starting a failover election" not in r3.read_log()
    restart(m2)
    wait_for(lambda: role(m2) == "slave" and master_of(m2) == myid(r2), what="old master rejoins")
    check_ok(r1)
    for key, v in list(acked.items())[:500]:
        assert rc.get(key) == v
    stats = r1.client().execute_command("CLUSTER", "INFO").decode()
    assert "cluster_stats_messages_auth-req_sent:" in stats and "cluster_stats_messages_mfstart_sent:" in stats
    assert "cluster_stats_messages_auth-ack_received:" in stats
    rc.close()


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_failover_mixed_with_redis(server_factory):
    # Masters: two of Redis's, two of ours; our replica of a Redis master and
    # a Redis replica of our master. A cluster of four masters needs three
    # votes: every surviving master, of both implementations, votes.
    masters = [node(server_factory, binary=REAL_SERVER), node(server_factory, binary=REAL_SERVER),
               node(server_factory), node(server_factory)]
    create(masters)
    ours_of_redis = node(server_factory)
    redis_of_ours = node(server_factory, binary=REAL_SERVER)
    add_replica(ours_of_redis, masters[2], masters[0])
    add_replica(redis_of_ours, masters[0], masters[2])
    everyone = masters + [ours_of_redis, redis_of_ours]
    wait_for(lambda: all(len(nodes_view(n)) == 6 for n in everyone), what="all nodes known")
    rc = cluster_client(everyone)
    for i in range(500):
        rc.set(f"key:{i}", f"v{i}")
    for master, replica, voters in ((masters[0], ours_of_redis, masters[1:]),
                                    (masters[2], redis_of_ours, [masters[1], masters[3], ours_of_redis])):
        sync_replica(master, replica)
        k = key_on(master, "m")
        rid = myid(replica)
        kill(master)
        wait_for(lambda: role(replica) == "master" and nodes_view(replica)[rid][2], timeout=30, what="promotion")
        for v in voters:
            assert re.search(f"Failover auth granted to {rid} for epoch", v.read_log()), v.cmd[0]
        live = [n for n in everyone if n.alive()]
        wait_for(lambda: all(nodes_view(n)[rid][2] == nodes_view(replica)[rid][2] for n in live),
                 what="slots agreed")

        def write():
            rc.set(k, "after")
            return True

        wait_for(write, what="writes after failover")
        assert replica.client().get(k) == b"after"
        check_ok(replica)
        for i in range(0, 500, 7):
            assert rc.get(f"key:{i}") == f"v{i}"
    # The killed masters come back as replicas of the implementation that
    # replaced them, and a manual failover gives them their slots back: the
    # master of one implementation pauses and hands its offset to a replica of
    # the other.
    a, c = masters[0], masters[2]
    for old, new in ((a, ours_of_redis), (c, redis_of_ours)):
        restart(old)
        wait_for(lambda: role(old) == "slave" and master_of(old) == myid(new)
                 and old.client().info("replication")["master_link_status"] == "up", what="rejoined as replica")
    for old, new in ((a, ours_of_redis), (c, redis_of_ours)):
        assert old.client().execute_command("CLUSTER", "FAILOVER") == b"OK"
        wait_for(lambda: role(old) == "master" and master_of(new) == myid(old), timeout=20,
                 what="manual failover across implementations")
        assert "Manual failover requested by replica" in new.read_log()
    check_ok(a)
    for i in range(0, 500, 7):
        assert rc.get(f"key:{i}") == f"v{i}"
    rc.close()


def test_siblings_follow_and_replica_migration(server_factory):
    # A with three replicas, B with one, C with none.
    a, b, c = masters = [node(server_factory) for _ in range(3)]
    create(masters)
    a_reps = [node(server_factory) for _ in range(3)]
    b1 = node(server_factory)
    for r in a_reps:
        add_replica(r, c, a)
    add_replica(b1, c, b)
    everyone = masters + a_reps + [b1]
    wait_for(lambda: all(len(nodes_view(n)) == 7 for n in everyone), what="all nodes known")
    a.client().set(key_on(a), "1")
    wait_for(lambda: a.client().execute_command("WAIT", 3, 1000) >= 3, what="replicas acked")
    kill(a)
    # One replica wins; its siblings replicate it, from the bus's news alone.
    winner = wait_for(lambda: next((r for r in a_reps if role(r) == "master"), None), what="promotion")
    wid = myid(winner)
    siblings = [r for r in a_reps if r is not winner]
    for s in siblings:
        wait_for(lambda: master_of(s) == wid and s.client().info("replication")["master_port"] == winner.port
                 and s.client().info("replication")["master_link_status"] == "up", what="sibling re-pointed")
        log = s.read_log()
        assert "Configuration change detected. Reconfiguring myself as a replica of " + wid in log
        # The winner's new replication id keeps the old one valid: PSYNC continues.
        assert "Successful partial resynchronization with master." in log.split("Reconfiguring myself")[1]
    # B loses its only replica: a replica of the master with the most
    # working replicas (cluster-migration-barrier 1) moves to B.
    kill(b1)
    bid = myid(b)
    moved = wait_for(lambda: next((s for s in siblings if master_of(s) == bid), None), timeout=30,
                     what="replica migration")
    assert "Migrating to orphaned master " + bid in moved.read_log()
    wait_for(lambda: moved.client().info("replication")["master_port"] == b.port
             and moved.client().info("replication")["master_link_status"] == "up", what="migrated replica synced")
    check_ok(c)


def test_master_losing_a_slot_to_a_newer_epoch_drops_its_keys(server_factory):
    a, b, c = masters = [node(server_factory) for _ in range(3)]
    create(masters)
    a1 = node(server_factory)
    add_replica(a1, c, a)
    ac = a.client()
    slot = int(nodes_view(a)[myid(a)][2][0].partition("-")[0]) + 7
    tag = next(f"t{i}" for i in range(100000) if ac.execute_command("CLUSTER", "KEYSLOT", f"t{i}") == slot)
    for i in range(20):
        ac.set(f"{{{tag}}}:{i}", i)
    other = key_on(a, "o")
    assert ac.execute_command("CLUSTER", "KEYSLOT", other) != slot
    ac.set(other, "stays")
    wait_for(lambda: ac.execute_command("WAIT", 1, 1000) >= 1, what="replica acked")
    # b takes the slot with a newer config epoch: a learns it from b's PING
    # and deletes the slot's keys (its replica too), keeping the others.
    bc = b.client()
    assert bc.execute_command("CLUSTER", "SETSLOT", slot, "NODE", myid(b)) == b"OK"
    assert bc.execute_command("CLUSTER", "BUMPEPOCH").startswith(b"BUMPED")
    wait_for(lambda: ac.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0, what="keys of the lost slot deleted")
    assert str(slot) in nodes_view(a)[myid(b)][2]
    assert ac.get(other) == b"stays" and role(a) == "master"
    rc = a1.client(single_connection_client=True)
    rc.execute_command("READONLY")
    wait_for(lambda: rc.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0, what="replica followed")
    assert rc.get(other) == b"stays"


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_cluster_reset_of_a_replica(server_factory):
    """CLUSTER RESET on a replica, ours as Redis 7.0's: it stops replicating,
    drops its data and forgets the cluster; its master carries on."""
    for binary in (None, REAL_SERVER):
        masters = [node(server_factory, binary=binary) for _ in range(3)]
        create(masters)
        replica = node(server_factory, binary=binary)
        add_replica(replica, masters[0], masters[0])
        k = key_on(masters[0])
        masters[0].client().set(k, "v")
        sync_replica(masters[0], replica)
        rc = replica.client()
        assert rc.dbsize() == 1
        with pytest.raises(redis.exceptions.ResponseError, match="^syntax error$"):
            rc.execute_command("CLUSTER", "RESET", "sideways")
        assert rc.execute_command("CLUSTER", "RESET") in (b"OK", True)
        assert role(replica) == "master" and rc.dbsize() == 0
        assert list(nodes_view(replica)) == [myid(replica)]
        wait_for(lambda: rc.info("replication")["connected_slaves"] == 0 and
                 "master_host" not in rc.info("replication"), what="replication stopped")
        assert masters[0].client().get(k) == b"v"
