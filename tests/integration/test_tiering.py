"""Tier placement seen through INFO and MEMORY TIER: values at or above
tier-nvm-min-size land on the NVM tier, metadata and small values stay in
DRAM, and `tier-policy dram-only` puts nothing on NVM."""
import pytest


def info_mem(c):
    return c.info("memory")


def test_info_has_tier_fields(r):
    m = info_mem(r)
    for f in ("used_memory_dram", "used_memory_nvm", "used_memory_dram_human", "used_memory_nvm_human",
              "dram_nvm_ratio", "tier_mode", "tier_policy", "tier_nvm_node", "tier_nvm_min_size",
              "nvm_allocator_resident", "nvm_fallback_allocs"):
        assert f in m, f
    assert m["tier_mode"] in ("logical", "numa")
    assert m["tier_policy"] == "static"
    assert m["tier_nvm_min_size"] == 64
    assert m["used_memory"] == m["used_memory_dram"] + m["used_memory_nvm"]


def test_1kib_values_go_to_nvm(r):
    before = info_mem(r)
    with r.pipeline(transaction=False) as p:
        for i in range(10000):
            p.set(f"key:{i}", b"v" * 1024)
        p.execute()
    after = info_mem(r)
    nvm_growth = after["used_memory_nvm"] - before["used_memory_nvm"]
    dram_growth = after["used_memory_dram"] - before["used_memory_dram"]
    assert nvm_growth >= 10 * 1024 * 1024
    # Keys, dict entries and object headers: about 100 bytes per key.
    assert dram_growth < nvm_growth / 5
    # Deleting gives the NVM bytes back.
    r.flushall()
    assert info_mem(r)["used_memory_nvm"] <= before["used_memory_nvm"] + 64 * 1024


def test_small_values_stay_in_dram(r):
    before = info_mem(r)["used_memory_nvm"]
    with r.pipeline(transaction=False) as p:
        for i in range(5000):
            p.set(f"s:{i}", b"x" * 20)
        p.execute()
    assert info_mem(r)["used_memory_nvm"] - before < 4096


def test_dram_only_policy_puts_nothing_on_nvm(server_factory):
    s = server_factory("--tier-policy", "dram-only")
    c = s.client()
    assert c.info("memory")["tier_policy"] == "dram-only"
    with c.pipeline(transaction=False) as p:
        for i in range(5000):
            p.set(f"key:{i}", b"v" * 1024)
        p.execute()
    m = c.info("memory")
    assert m["used_memory_nvm"] == 0
    assert m["used_memory_dram"] > 5000 * 1024
    assert m["tier_nvm_min_size"] == -1


def test_policy_change_at_runtime(r):
    r.config_set("tier-policy", "dram-only")
    try:
        before = info_mem(r)["used_memory_nvm"]
        r.set("big", b"x" * 4096)
        assert info_mem(r)["used_memory_nvm"] == before
        r.config_set("tier-policy", "static")
        r.set("big2", b"x" * 4096)
        assert info_mem(r)["used_memory_nvm"] >= before + 4096
    finally:
        r.config_set("tier-policy", "static")


def test_threshold_config(r):
    r.config_set("tier-nvm-min-size", "1024")
    try:
        assert info_mem(r)["tier_nvm_min_size"] == 1024
        before = info_mem(r)["used_memory_nvm"]
        r.set("mid", b"x" * 500)
        assert info_mem(r)["used_memory_nvm"] == before
    finally:
        r.config_set("tier-nvm-min-size", "64")


def test_tier_mode_off(server_factory):
    s = server_factory("--tier-mode", "off")
    c = s.client()
    c.set("k", b"x" * 4096)
    m = c.info("memory")
    assert m["tier_mode"] == "off"
    assert m["used_memory_nvm"] == 0


def test_missing_node_refuses_to_start(server_factory):
    with pytest.raises(RuntimeError) as e:
        server_factory("--tier-mode", "numa", "--tier-nvm-node", "7")
    assert "NUMA node 7 does not exist" in str(e.value)
