"""oom-score-adj: the server's and its fork child's /proc/<pid>/oom_score_adj,
read back from /proc and compared with Debian's redis-server 7.0 started the
same way (from the same base score, set by choom)."""
import os
import subprocess
import time

import pytest
import redis

from conftest import REAL_SERVER, OUR_SERVER

BASE = 100  # the score the servers inherit
WRAP = ("choom", "-n", str(BASE), "--")


def kernel_refuses(value):
    """Whether a process started like the servers may not set this score
    (below its floor without CAP_SYS_RESOURCE)."""
    cmd = list(WRAP) + ["sh", "-c", f"echo {value} > /proc/self/oom_score_adj"]
    return subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode != 0


def score(pid):
    with open(f"/proc/{pid}/oom_score_adj") as f:
        return int(f.read())


def settled_score(pid, expected):
    """The score once it reaches `expected` (or after 5 s): Redis sets it
    only after logging "Server initialized"."""
    deadline = time.time() + 5
    while score(pid) != expected and time.time() < deadline:
        time.sleep(0.005)
    return score(pid)


def servers(server_factory, *args):
    binaries = [OUR_SERVER] + ([REAL_SERVER] if REAL_SERVER else [])
    return [server_factory(*args, binary=b, wrapper=WRAP) for b in binaries]


def child_of(pid):
    """The pid of the server's fork child, waiting for it to appear."""
    deadline = time.time() + 10
    while time.time() < deadline:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        if kids:
            return int(kids[0])
        time.sleep(0.01)
    raise AssertionError("no fork child")


def test_no_leaves_the_inherited_score(server_factory):
    for s in servers(server_factory):
        assert score(s.proc.pid) == BASE


@pytest.mark.parametrize("mode,master,child", [("yes", BASE + 10, BASE + 800),
                                               ("relative", BASE + 10, BASE + 800),
                                               ("absolute", 10, 800)])
def test_server_and_child_scores(server_factory, mode, master, child):
    for s in servers(server_factory, "--oom-score-adj", mode, "--oom-score-adj-values", "10 200 800",
                     "--rdb-key-save-delay", "100000"):
        c = s.client()
        assert settled_score(s.proc.pid, master) == master
        c.set("k", "v")
        c.bgsave()
        kid = child_of(s.proc.pid)
        assert settled_score(kid, min(child, 1000)) == min(child, 1000)  # set right after fork
        assert score(s.proc.pid) == master
        c.config_set("rdb-key-save-delay", 0)


def test_changed_at_run_time_and_restored(server_factory):
    for s in servers(server_factory):
        c = s.client()
        pid = s.proc.pid
        c.config_set("oom-score-adj-values", "-50 200 800")
        assert score(pid) == BASE  # values alone change nothing while "no"
        c.config_set("oom-score-adj", "relative")
        assert score(pid) == BASE - 50
        c.config_set("oom-score-adj-values", "2000 200 800")
        assert score(pid) == 1000  # clamped to the kernel's maximum
        c.config_set("oom-score-adj", "absolute")
        assert score(pid) == 1000
        c.config_set("oom-score-adj-values", "30 200 800")
        assert score(pid) == 30
        # Below the inherited floor without CAP_SYS_RESOURCE, the kernel
        # refuses (EACCES): CONFIG SET fails and says where to look.
        if kernel_refuses(-30):
            with pytest.raises(redis.ResponseError, match="Failed to set current oom_score_adj. Check server logs."):
                c.config_set("oom-score-adj-values", "-30 200 800")
            assert score(pid) == 30
        c.config_set("oom-score-adj", "no")
        assert score(pid) == BASE  # the score from before we changed it
        assert c.config_get("oom-score-adj") == {"oom-score-adj": "no"}


def test_replica_class_follows_replicaof(server_factory):
    """A replica runs with the replica value of oom-score-adj-values, back
    to the master value once promoted (as Redis 7.0)."""
    for s in servers(server_factory, "--oom-score-adj", "absolute", "--oom-score-adj-values", "10 200 800"):
        c = s.client()
        pid = s.proc.pid
        assert settled_score(pid, 10) == 10
        # The master need not exist: the role alone decides.
        c.execute_command("REPLICAOF", "127.0.0.1", "1")
        assert settled_score(pid, 200) == 200
        c.execute_command("REPLICAOF", "NO", "ONE")
        assert settled_score(pid, 10) == 10
