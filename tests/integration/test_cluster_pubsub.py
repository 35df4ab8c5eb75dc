"""Pub/sub in a cluster (issue 23): PUBLISH reaches every node over the
bus, SPUBLISH the nodes of the slot's shard; shard channels are redirected
like keys and their subscribers told when the slot moves away; CLUSTER
LINKS and cluster-link-sendbuf-limit. Clusters mix our nodes with Debian's
redis-server 7.0, so the PUBLISH/PUBLISHSHARD messages are Redis's on the
wire both ways."""
import os
import signal

import pytest
import redis

from conftest import REAL_SERVER
from test_cluster import cli, cluster_node, create_cluster, node_id, wait_for


def subscriber(node, command, *channels):
    """A raw connection subscribed with `command`; returns it after the
    confirmations."""
    conn = redis.Connection(host="127.0.0.1", port=node.port, socket_timeout=10)
    conn.send_command(command, *channels)
    for _ in channels:
        reply = conn.read_response()
        assert reply[0].decode() == command.lower(), reply
    return conn


def next_push(conn, timeout=10):
    """The next push frame as a list of str, or None after `timeout`."""
    if not conn.can_read(timeout=timeout):
        return None
    return [x.decode() if isinstance(x, bytes) else x for x in conn.read_response()]


def add_replica(replica, master, known):
    """Joins `replica` to the cluster as a replica of `master`, once every
    node of `known` knows it."""
    cport = master.client().config_get("cluster-port")["cluster-port"]
    replica.client().execute_command("CLUSTER", "MEET", "127.0.0.1", master.port, cport)
    mid = node_id(master)
    wait_for(lambda: mid.encode() in replica.client().execute_command("CLUSTER", "NODES"), "the meet")
    assert replica.client().execute_command("CLUSTER", "REPLICATE", mid) in (b"OK", True)
    rid = node_id(replica)

    def seen():
        for n in known:
            line = [ln for ln in n.client().execute_command("CLUSTER", "NODES").decode().splitlines()
                    if ln.startswith(rid)]
            if not line or f"slave {mid}" not in line[0]:
                return False
        return True
    wait_for(seen, "the new replica to be known everywhere")


def channel_for(owner_node, prefix):
    """A channel name whose slot `owner_node` serves."""
    c = owner_node.client()
    ranges = [(start, end) for start, end, master, *_ in c.execute_command("CLUSTER", "SLOTS")
              if master[1] == owner_node.port]
    for i in range(10000):
        ch = f"{prefix}{i}"
        slot = c.execute_command("CLUSTER", "KEYSLOT", ch)
        if any(start <= slot <= end for start, end in ranges):
            return ch, slot
    raise AssertionError(f"no channel of {owner_node.port}'s slots")


def test_publish_reaches_every_node_mixed(server_factory):
    nodes = [cluster_node(server_factory), cluster_node(server_factory),
             cluster_node(server_factory, binary=REAL_SERVER)]
    create_cluster(nodes)
    subs = [subscriber(n, "SUBSCRIBE", "news") for n in nodes]
    pats = [subscriber(n, "PSUBSCRIBE", "ne*") for n in nodes]
    for i, publisher in enumerate(nodes):
        # The count is this node's receivers only, as Redis's.
        assert publisher.client().publish("news", f"hello {i}") == 2
        for conn in subs:
            assert next_push(conn) == ["message", "news", f"hello {i}"]
        for conn in pats:
            assert next_push(conn) == ["pmessage", "ne*", "news", f"hello {i}"]
    # A message larger than any gossip packet crosses the bus too.
    big = "x" * (3 << 20)
    assert nodes[2].client().publish("news", big) == 2
    for conn in subs:
        assert next_push(conn) == ["message", "news", big]


def test_sharded_pubsub_follows_the_shard(server_factory):
    a, b = cluster_node(server_factory), cluster_node(server_factory)
    c = cluster_node(server_factory, binary=REAL_SERVER)
    create_cluster([a, b, c])
    # A's shard gets one of our replicas and one of Redis's; Redis's master
    # C gets one of ours.
    d, e, f = (cluster_node(server_factory), cluster_node(server_factory, binary=REAL_SERVER),
               cluster_node(server_factory))
    add_replica(d, a, [a, b, c])
    add_replica(e, a, [a, b, c, d])
    add_replica(f, c, [a, b, c, d, e])

    ch, slot = channel_for(a, "orders:")
    # Every node of A's shard serves the channel (a replica needs no
    # READONLY); the others redirect it like a key.
    conns = {n.port: subscriber(n, "SSUBSCRIBE", ch) for n in (a, d, e)}
    for n in (b, c, f):
        with pytest.raises(redis.exceptions.ResponseError, match=f"^MOVED {slot} 127.0.0.1:{a.port}$"):
            n.client().execute_command("SSUBSCRIBE", ch)
    ch2, _ = channel_for(b, "orders:")
    with pytest.raises(redis.exceptions.ResponseError, match="^CROSSSLOT"):
        a.client().execute_command("SSUBSCRIBE", ch, ch2)
    # A message published on any node of the shard reaches the others over
    # the bus, and no node outside it.
    outside = subscriber(b, "SUBSCRIBE", ch)
    for i, publisher in enumerate((a, d, e)):
        assert publisher.client().execute_command("SPUBLISH", ch, f"m{i}") == 1
        for conn in conns.values():
            assert next_push(conn) == ["smessage", ch, f"m{i}"]
    assert next_push(outside, timeout=0.5) is None
    # Redis's master C reaches our replica F.
    chc, _ = channel_for(c, "orders:")
    fconn = subscriber(f, "SSUBSCRIBE", chc)
    assert c.client().execute_command("SPUBLISH", chc, "from redis") == 0
    assert next_push(fconn) == ["smessage", chc, "from redis"]

    # The slot moves to B: A's and its replica D's subscribers are told
    # (Redis's replica E applies its own rule).
    bid = node_id(b)
    assert b.client().execute_command("CLUSTER", "SETSLOT", slot, "NODE", bid) in (b"OK", True)
    assert a.client().execute_command("CLUSTER", "SETSLOT", slot, "NODE", bid) in (b"OK", True)
    for port in (a.port, d.port):
        assert next_push(conns[port]) == ["sunsubscribe", ch, 0]
    with pytest.raises(redis.exceptions.ResponseError, match=f"^MOVED {slot} 127.0.0.1:{b.port}$"):
        a.client().execute_command("SPUBLISH", ch, "late")


def test_cluster_links_and_sendbuf_limit(server_factory):
    ours = [cluster_node(server_factory), cluster_node(server_factory)]
    theirs = cluster_node(server_factory, binary=REAL_SERVER)
    create_cluster(ours + [theirs])
    names = {node_id(n) for n in ours + [theirs]}
    for n in ours + [theirs]:
        links = n.client(decode_responses=True).execute_command("CLUSTER", "LINKS")
        wait_for(lambda: len(n.client().execute_command("CLUSTER", "LINKS")) == 4, "4 links")
        links = n.client(decode_responses=True).execute_command("CLUSTER", "LINKS")
        # redis-py gives each link as a flat list in RESP2.
        maps = [dict(zip(link[::2], link[1::2])) for link in links]
        assert all(list(m) == ["direction", "node", "create-time", "events", "send-buffer-allocated",
                               "send-buffer-used"] for m in maps), maps
        assert sorted(m["direction"] for m in maps) == ["from", "from", "to", "to"]
        assert {m["node"] for m in maps} == names - {node_id(n)}
        assert all(m["events"] in ("r", "rw") and m["create-time"] > 0 for m in maps), maps
    info = ours[0].client().info("memory")
    assert info["mem_cluster_links"] > 0

    # A peer that stops reading: its link's send buffer grows past the
    # limit, the link is freed and counted, and comes back once it reads.
    src = ours[0].client()
    src.config_set("cluster-link-sendbuf-limit", 1 << 20)
    os.kill(theirs.proc.pid, signal.SIGSTOP)
    try:
        def exceeded():
            src.publish("flood", "y" * (1 << 20))
            text = src.execute_command("CLUSTER", "INFO").decode()
            return "total_cluster_links_buffer_limit_exceeded:0" not in text
        wait_for(exceeded, "a link over cluster-link-sendbuf-limit", timeout=60)
        assert src.info("memory")["mem_cluster_links"] < 8 << 20
    finally:
        os.kill(theirs.proc.pid, signal.SIGCONT)
    src.config_set("cluster-link-sendbuf-limit", 0)
    wait_for(lambda: "cluster_state:ok" in theirs.client().execute_command("CLUSTER", "INFO").decode()
             and len(src.execute_command("CLUSTER", "LINKS")) == 4, "the links back")
    out = cli("--cluster", "check", f"127.0.0.1:{ours[0].port}")
    assert "[OK] All nodes agree about slots configuration." in out.stdout, out.stdout


@pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")
def test_shard_subscribers_across_a_manual_failover_as_redis(server_factory):
    """CLUSTER FAILOVER, ours and Redis 7.0 alike: the promoted replica
    keeps its shard subscribers; the old master, now its replica, tells its
    own that the slot left (Redis's clusterDelSlot on the way)."""
    from test_cluster_failover import add_replica as join_as_replica, create, node, role
    frames = []
    for binary in (None, REAL_SERVER):
        masters = [node(server_factory, binary=binary) for _ in range(3)]
        create(masters)
        replica = node(server_factory, binary=binary)
        join_as_replica(replica, masters[0], masters[0])
        # The master takes MFSTART, and every master votes, only for a node
        # it knows as that master's replica.
        rid, mid = node_id(replica), node_id(masters[0])
        wait_for(lambda: all(any(line.startswith(rid) for line in m.client(decode_responses=True)
                                 .execute_command("CLUSTER", "REPLICAS", mid)) for m in masters),
                 "the masters to know the replica")
        ch, _ = channel_for(masters[0], "news:")
        on_replica = subscriber(replica, "SSUBSCRIBE", ch)
        on_master = subscriber(masters[0], "SSUBSCRIBE", ch)
        assert replica.client().execute_command("CLUSTER", "FAILOVER") in (b"OK", True)
        wait_for(lambda: role(replica) == "master" and role(masters[0]) == "slave", "the failover")
        frames.append((next_push(on_replica, timeout=1), next_push(on_master), ch))
    for on_replica, on_master, ch in frames:
        assert on_replica is None and on_master == ["sunsubscribe", ch, 0], frames
