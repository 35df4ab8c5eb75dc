"""The physical-truth fields of INFO memory and MEMORY TIER's node, on this
host (logical mode: one NUMA node). The server counts its pages with
move_pages once a second; these tests hold its figures against the kernel's
own /proc/PID/numa_maps and sysfs, read independently here. The two-node
truth (payloads really on node 1, spilling, COW) is tests/numa's VM test."""
import glob
import os
import re
import time

import pytest

NODES = sorted(int(p.rsplit("node", 1)[1]) for p in glob.glob("/sys/devices/system/node/node[0-9]*"))
pytestmark = pytest.mark.skipif(NODES != [0], reason="these figures are for a one-node host; tests/numa covers two")

FIELDS = ("nvm_range", "tier_nvm_measured_node", "used_memory_nvm_on_node", "used_memory_nvm_spilled",
          "used_memory_dram_on_nvm_node", "dram_anon_resident", "tier_nvm_node_total", "tier_nvm_node_free",
          "tier_residency_exact")
PAGE = os.sysconf("SC_PAGE_SIZE")
# The server refreshes the figures once a second (hz 10, every 10th tick).
REFRESH = 1.3


def numa_maps_pages(pid, lo, hi):
    """Pages per node of the numa_maps lines of mappings that may overlap
    [lo, hi). numa_maps gives no end address; a mapping ends at or before
    the next line's start. In logical mode the range's carved part has no
    NUMA policy of its own, so the kernel may merge it with an adjacent
    jemalloc DRAM mapping into one line: the sum can include DRAM pages (the
    caller allows for that)."""
    per_node = {}
    with open(f"/proc/{pid}/numa_maps") as f:
        lines = f.read().splitlines()
    starts = [int(l.split()[0], 16) for l in lines] + [2**64]
    for i, line in enumerate(lines):
        if starts[i] < hi and starts[i + 1] > lo:
            for node, pages in re.findall(r"\bN(\d+)=(\d+)", line):
                per_node[int(node)] = per_node.get(int(node), 0) + int(pages)
    return per_node


def node_meminfo(node, key):
    with open(f"/sys/devices/system/node/node{node}/meminfo") as f:
        for line in f:
            m = re.match(rf"Node {node} {key}:\s+(\d+) kB", line)
            if m:
                return int(m.group(1)) * 1024
    raise AssertionError(key)


def fill(c, n, size, prefix="k"):
    with c.pipeline(transaction=False) as p:
        for i in range(n):
            p.set(f"{prefix}:{i}", b"v" * size)
        p.execute()


def test_fields_present_and_consistent(server_factory):
    s = server_factory()
    c = s.client()
    m = c.info("memory")
    for f in FIELDS:
        assert f in m, f
    assert m["tier_mode"] == "logical"
    # No NVM node: the figures describe the node the tier shares with DRAM.
    assert m["tier_nvm_node"] == -1 and m["tier_nvm_measured_node"] == 0
    assert m["tier_nvm_node_total"] == node_meminfo(0, "MemTotal")
    assert 0 < m["tier_nvm_node_free"] <= m["tier_nvm_node_total"]
    assert m["used_memory_dram_on_nvm_node"] <= m["dram_anon_resident"]
    assert m["dram_anon_resident"] > 0


def test_payload_pages_agree_with_numa_maps(server_factory):
    s = server_factory()
    c = s.client()
    before = c.info("memory")["used_memory_nvm_on_node"]
    fill(c, 20000, 1024)
    time.sleep(REFRESH)
    m = c.info("memory")
    lo, hi = (int(x, 16) for x in m["nvm_range"].split("-"))
    pages = numa_maps_pages(s.proc.pid, lo, hi)
    on_node = pages.get(0, 0) * PAGE
    # Every page of the range is on the one node: nothing can spill.
    assert m["used_memory_nvm_spilled"] == 0
    assert sum(pages.values()) == pages.get(0, 0)
    # 20,000 values of 1 KiB (1280-byte size class): at least 24 MiB more.
    assert m["used_memory_nvm_on_node"] - before >= 20000 * 1280 * 0.95
    # The server's count and the kernel's agree: the kernel's lines hold at
    # least 95% of what the server counts, and whatever they hold beyond it
    # is DRAM-side memory merged into the same line.
    ours = m["used_memory_nvm_on_node"]
    assert on_node >= 0.95 * ours, (ours, on_node)
    assert on_node - ours <= m["dram_anon_resident"], (ours, on_node, m["dram_anon_resident"])
    assert abs(m["used_memory_nvm_on_node"] - m["nvm_allocator_resident"]) <= 0.05 * m["nvm_allocator_resident"]
    # One node: the whole DRAM side is on it too.
    assert m["used_memory_dram_on_nvm_node"] == m["dram_anon_resident"]


def test_memory_tier_reports_the_physical_node(server_factory):
    c = server_factory().client()
    c.set("big", b"x" * 4096)
    c.set("n", 12345)
    c.set("s", "short")
    for key in ("big", "n", "s"):
        reply = c.execute_command("MEMORY", "TIER", key)
        d = dict(zip(reply[::2], reply[1::2]))
        assert d[b"node"] == 0, (key, d)
    d = dict(zip(*[iter(c.execute_command("MEMORY", "TIER", "big"))] * 2))
    assert d[b"tier"] == b"nvm"


def test_tier_mode_off_has_no_range(server_factory):
    c = server_factory("--tier-mode", "off").client()
    fill(c, 2000, 1024)
    time.sleep(REFRESH)
    m = c.info("memory")
    assert m["nvm_range"] == "none"
    assert m["used_memory_nvm_on_node"] == 0 and m["used_memory_nvm_spilled"] == 0
    assert m["tier_nvm_node_total"] == 0 and m["tier_nvm_measured_node"] == -1


def test_config_set_node_checked_at_runtime(server_factory):
    c = server_factory().client()
    with pytest.raises(Exception) as e:
        c.config_set("tier-nvm-node", "7")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'tier-nvm-node') - tier-nvm-node 7: "
                            "NUMA node 7 does not exist (nodes on this machine: 0)")
    assert c.config_get("tier-nvm-node") == {"tier-nvm-node": "auto"}
    # A node that exists is accepted; tier-mode stays what it was at start-up.
    assert c.config_set("tier-nvm-node", "0")
    assert c.config_get("tier-nvm-node") == {"tier-nvm-node": "0"}
    assert c.info("memory")["tier_mode"] == "logical"
    with pytest.raises(Exception) as e:
        c.config_set("tier-nvm-node", "-1")
    assert c.config_get("tier-nvm-node") == {"tier-nvm-node": "0"}
