"""Debian's redis-sentinel managing our servers: three sentinels monitor our
master with two of our replicas; when the master is killed they promote a
replica, the other follows it, Sentinel hands clients the new address, and
no write acknowledged with WAIT 1 is lost."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import ServerProcess, free_port
from test_repl import FAST, wait_until

SENTINEL = shutil.which("redis-sentinel", path="/usr/bin:/usr/sbin")

pytestmark = pytest.mark.skipif(SENTINEL is None, reason="redis-sentinel is not installed (deps/install.sh)")


class Sentinel(ServerProcess):
    """A redis-sentinel process (stop() as a server's)."""

    def __init__(self, master_port):  # pylint: disable=super-init-not-called
        self.dir = tempfile.mkdtemp(prefix="tieredis-sentinel-")
        self.log = os.path.join(self.dir, "sentinel.log")
        self.port = free_port()
        conf = os.path.join(self.dir, "sentinel.conf")
        with open(conf, "w") as f:
            f.write(f"port {self.port}\nbind 127.0.0.1\ndaemonize no\nlogfile {self.log}\ndir {self.dir}\n"
                    f"sentinel monitor mymaster 127.0.0.1 {master_port} 2\n"
                    "sentinel down-after-milliseconds mymaster 1000\n"
                    "sentinel failover-timeout mymaster 10000\n"
                    "sentinel parallel-syncs mymaster 2\n")
        self.proc = subprocess.Popen([SENTINEL, conf], cwd=self.dir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
        wait_until(lambda: self.client.ping(), "sentinel up", timeout=10)

    def master_addr(self):
        return self.client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")


def test_sentinel_failover(server_factory):
    m = server_factory(*FAST)
    r1 = server_factory("--replicaof", "127.0.0.1", str(m.port), *FAST)
    r2 = server_factory("--replicaof", "127.0.0.1", str(m.port), *FAST)
    mc = m.client()
    for s in (r1, r2):
        wait_until(lambda: s.client().info("replication")["master_link_status"] == "up", "replica link")
    sentinels = []
    try:
        sentinels = [Sentinel(m.port) for _ in range(3)]
        for sen in sentinels:
            wait_until(lambda: len(sen.client.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 2
                       and len(sen.client.execute_command("SENTINEL", "SENTINELS", "mymaster")) == 2,
                       "sentinels discovering the replicas and each other", timeout=30)
        acked = []
        for i in range(100):
            mc.set(f"k{i}", i)
            acked.append(f"k{i}")
        assert mc.execute_command("WAIT", 1, 5000) >= 1
        os.kill(m.proc.pid, signal.SIGKILL)
        m.proc.wait()
        new_port = wait_until(lambda: int(sentinels[0].master_addr()[1]) != m.port and
                              int(sentinels[0].master_addr()[1]), "a failover", timeout=40)
        assert new_port in (r1.port, r2.port)
        promoted, other = (r1, r2) if new_port == r1.port else (r2, r1)
        pc = promoted.client()
        wait_until(lambda: pc.info("replication")["role"] == "master", "the promotion")
        for k in acked:
            assert pc.get(k) is not None, k
        # The other replica follows the new master and gets its writes.
        pc.set("after", "failover")
        oc = other.client()
        wait_until(lambda: oc.info("replication").get("master_port") == new_port and
                   oc.get("after") == b"failover", "the other replica following", timeout=30)
        # Every sentinel agrees on the new master.
        for sen in sentinels:
            wait_until(lambda: int(sen.master_addr()[1]) == new_port, "sentinels agreeing")
    finally:
        for sen in sentinels:
            sen.stop()
