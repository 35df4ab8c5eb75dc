"""tls-cluster (issue 23): the cluster bus over TLS, between our nodes and
Debian's redis-server 7.0. A node announces its tls-port and, as pport,
its plaintext port: plaintext clients are told plaintext ports (CLUSTER
SLOTS, NODES, SHARDS, -MOVED), TLS clients TLS ports."""
import subprocess
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from conftest import REAL_SERVER, free_port
from test_cluster_pubsub import next_push, subscriber
from test_tls import certs, pytestmark as tls_mark, tls_args, tls_client  # noqa: F401 (certs: fixture)

pytestmark = [tls_mark, pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")]


def tls_cluster_node(server_factory, certs, binary=None):
    port = free_port()
    args = tls_args(certs, port, "--tls-cluster", "yes", "--tls-replication", "yes", "--cluster-enabled", "yes",
                    "--cluster-port", str(free_port()), "--cluster-node-timeout", "3000")
    s = server_factory(*args) if binary is None else server_factory(*args, binary=binary)
    s.tls_port = port
    return s


def tls_cli(certs, *args):
    return subprocess.run(["redis-cli", "--tls", "--cacert", certs["ca"], "--cert", certs["ccert"], "--key",
                           certs["ckey"], *args], capture_output=True, text=True, timeout=60)


def test_tls_cluster_mixed_with_redis(server_factory, certs):
    nodes = [tls_cluster_node(server_factory, certs), tls_cluster_node(server_factory, certs),
             tls_cluster_node(server_factory, certs, binary=REAL_SERVER)]
    out = tls_cli(certs, "--cluster", "create", *[f"127.0.0.1:{n.tls_port}" for n in nodes], "--cluster-yes")
    assert out.returncode == 0 and "[OK] All 16384 slots covered." in out.stdout, out.stdout + out.stderr
    deadline = time.time() + 30
    while time.time() < deadline:
        infos = [n.client().execute_command("CLUSTER", "INFO").decode() for n in nodes]
        if all("cluster_state:ok" in i and "cluster_known_nodes:3" in i for i in infos):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the TLS cluster did not converge: " + repr(infos))
    check = tls_cli(certs, "--cluster", "check", f"127.0.0.1:{nodes[2].tls_port}")
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout

    # Each client is told the ports of its own kind, by ours as by Redis.
    plain_ports = sorted(n.port for n in nodes)
    tls_ports = sorted(n.tls_port for n in nodes)
    for n in nodes:
        plain = sorted(r[2][1] for r in n.client().execute_command("CLUSTER", "SLOTS"))
        secure = sorted(r[2][1] for r in tls_client(n, certs).execute_command("CLUSTER", "SLOTS"))
        assert plain == plain_ports and secure == tls_ports, (n.port, plain, secure)
        lines = n.client().execute_command("CLUSTER", "NODES").decode().splitlines()
        assert sorted(int(ln.split()[1].split(":")[1].split("@")[0]) for ln in lines) == plain_ports
    key = "tls-key"
    moved = 0
    for n in nodes:
        for client, ports in ((n.client(), plain_ports), (tls_client(n, certs), tls_ports)):
            try:
                client.get(key)
            except redis.exceptions.ResponseError as e:
                assert str(e).startswith("MOVED ") and int(str(e).rsplit(":", 1)[1]) in ports, str(e)
                moved += 1
    assert moved == 4  # two nodes redirect, each for both kinds of client

    # redis-py's RedisCluster on plaintext ports, every slot; PUBLISH crosses
    # the TLS bus.
    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", nodes[0].port)], decode_responses=True)
    try:
        for i in range(500):
            rc.set(f"k{i}", i)
        assert all(rc.get(f"k{i}") == str(i) for i in range(500))
    finally:
        rc.close()
    assert sum(n.client().dbsize() for n in nodes) == 500
    subs = [subscriber(n, "SUBSCRIBE", "tls-news") for n in nodes]
    assert nodes[0].client().publish("tls-news", "over tls") == 1
    for conn in subs:
        assert next_push(conn) == ["message", "tls-news", "over tls"]
