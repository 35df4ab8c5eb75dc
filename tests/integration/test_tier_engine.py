"""The tiering engine (db/tiering.h) seen by a client in logical mode: values
move between the tiers with nothing a client reads changing, pins win over
every policy, the ratio policy holds its target, the hot policy holds its
DRAM budget and follows a hot set, moves pause while a fork child lives,
and every knob is a CONFIG SET / CONFIG REWRITE setting."""
import os
import time

import pytest
import redis


def wait_for(pred, timeout=20.0, step=0.05, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def memory_tier(c, key):
    reply = c.execute_command("MEMORY", "TIER", key)
    d = dict(zip(reply[::2], reply[1::2]))
    return {k.decode(): (v.decode() if isinstance(v, bytes) else v) for k, v in d.items()}


def mem(c):
    return c.info("memory")


def load_every_encoding(c):
    """One key per encoding with a payload; returns their names."""
    c.set("str", b"s" * 300)
    with c.pipeline(transaction=False) as p:
        for i in range(3000):
            p.rpush("list", f"element-{i:06d}-" + "l" * 30)
        for i in range(20):
            p.hset("hash_lp", f"f{i}", "v" * 20)
        for i in range(600):
            p.hset("hash_ht", f"field-{i}", "w" * 80)
        for i in range(400):
            p.sadd("set_is", i * 1000003)
        for i in range(600):
            p.sadd("set_ht", f"member-{i}-" + "m" * 40)
        for i in range(50):
            p.zadd("zset_lp", {f"z{i}": i / 3})
        for i in range(700):
            p.zadd("zset_sl", {f"zmember-{i}-" + "z" * 30: (i % 41) * 1.5})
        p.execute()
    c.expire("hash_ht", 1000)
    c.pexpireat("zset_sl", int(time.time() * 1000) + 3_600_000)
    keys = ["str", "list", "hash_lp", "hash_ht", "set_is", "set_ht", "zset_lp", "zset_sl"]
    encodings = {k: c.object("encoding", k) for k in keys}
    assert encodings == {"str": b"raw", "list": b"quicklist", "hash_lp": b"listpack", "hash_ht": b"hashtable",
                         "set_is": b"intset", "set_ht": b"hashtable", "zset_lp": b"listpack",
                         "zset_sl": b"skiplist"}
    return keys


def snapshot(c, keys, freq_first):
    """What a client can read of each key: encoding, expiry, the DUMP payload
    and OBJECT FREQ. DUMP is an access (it may raise the LFU counter) and
    OBJECT is not: "before" reads the counter after the dumps, "after"
    before them, so that both see the same counter."""
    freq = {k: c.object("freq", k) for k in keys} if freq_first else None
    out = {k: (c.object("encoding", k), c.execute_command("EXPIRETIME", k), c.dump(k)) for k in keys}
    freq = freq or {k: c.object("freq", k) for k in keys}
    return {k: out[k] + (freq[k],) for k in keys}


def all_on(c, keys, tier):
    return all(memory_tier(c, k)["tier"] == tier for k in keys)


def test_every_encoding_moves_both_ways_unchanged(server_factory):
    c = server_factory("--maxmemory-policy", "allkeys-lfu", "--tier-migrate-cycle-ms", "5").client()
    keys = load_every_encoding(c)
    for step, (pin_dram, pin_nvm, tier) in enumerate([("*", "", "dram"), ("", "*", "nvm"), ("*", "", "dram")]):
        before = snapshot(c, keys, freq_first=False)
        moves = mem(c)
        c.config_set("tier-pin-dram", pin_dram)
        c.config_set("tier-pin-nvm", pin_nvm)
        wait_for(lambda: all_on(c, keys, tier), what=f"every key on {tier}")
        m = mem(c)
        field = "tier_promotions" if tier == "dram" else "tier_demotions"
        # The string starts on NVM (static placement), so the first step
        # promotes at least it; later steps move every key.
        assert m[field] - moves[field] >= (1 if step == 0 else len(keys)), (step, m[field])
        assert snapshot(c, keys, freq_first=True) == before, step
        for k in keys:
            assert memory_tier(c, k)["pin"] == tier
    # The values still work as values after the moves.
    assert c.lpop("list") == b"element-000000-" + b"l" * 30
    assert c.hget("hash_ht", "field-599") == b"w" * 80
    assert c.sismember("set_ht", "member-3-" + "m" * 40)
    assert c.zscore("zset_sl", "zmember-40-" + "z" * 30) == 40 * 1.5
    c.zadd("zset_sl", {"new": 0.5})
    assert c.zrank("zset_sl", "new") is not None


def test_pin_wins_over_heat(server_factory):
    c = server_factory("--tier-policy", "hot", "--tier-dram-max-memory", "1gb",
                       "--tier-pin-nvm", "archive:*").client()
    with c.pipeline(transaction=False) as p:
        for i in range(200):
            p.set(f"archive:{i}", b"a" * 2000)
            p.set(f"live:{i}", b"b" * 2000)
        p.execute()
    # A budget far above the data: every unpinned value belongs in DRAM.
    for _ in range(5):
        with c.pipeline(transaction=False) as p:
            for i in range(200):
                p.get(f"archive:{i}")
                p.get(f"live:{i}")
            p.execute()
    wait_for(lambda: all_on(c, [f"live:{i}" for i in range(200)], "dram")
             and all_on(c, [f"archive:{i}" for i in range(200)], "nvm"), what="live keys in DRAM, archives on NVM")
    assert memory_tier(c, "archive:7")["pin"] == "nvm"
    assert memory_tier(c, "live:7")["pin"] == "none"
    # Every GET is counted, by the tier it found.
    m = mem(c)
    assert m["tier_reads_nvm"] + m["tier_reads_dram"] == 5 * 400


def payload_share(c):
    m = mem(c)
    total = m["tier_payload_dram"] + m["tier_payload_nvm"]
    return m["tier_payload_dram"] / total if total else None


def wait_passes(c, n):
    start = mem(c)["tier_scan_passes"]
    wait_for(lambda: mem(c)["tier_scan_passes"] >= start + n, what=f"{n} scan passes")


@pytest.mark.parametrize("workload", ["list-append", "mixed-strings"])
def test_ratio_held_within_5_percent(server_factory, workload):
    c = server_factory("--tier-policy", "ratio", "--tier-dram-nvm-ratio", "1:4",
                       "--tier-migrate-cycle-ms", "10").client()
    assert mem(c)["tier_ratio_target"] == "1:4"
    for rnd in range(4):
        with c.pipeline(transaction=False) as p:
            if workload == "list-append":
                # Lists that keep growing by appends, read at different rates.
                for i in range(300):
                    for j in range(10):
                        p.rpush(f"log:{i}", f"{rnd}-{j}-" + "e" * 120)
            else:
                for i in range(1500):
                    p.set(f"obj:{rnd}:{i}", b"x" * (64 + (i * 37) % 4000))
            p.execute()
        with c.pipeline(transaction=False) as p:
            for i in range(0, 300 if workload == "list-append" else 1500, 7):
                p.lindex(f"log:{i}", 0) if workload == "list-append" else p.get(f"obj:{rnd}:{i}")
            p.execute()
    wait_passes(c, 3)
    share = payload_share(c)
    assert abs(share - 0.2) <= 0.2 * 0.05, share
    m = mem(c)
    # The engine's measure of NVM payload is the allocator's exact count
    # (keys are in DRAM), give or take the sampling of long lists.
    assert abs(m["tier_payload_nvm"] - m["used_memory_nvm"]) <= 0.02 * m["used_memory_nvm"], m


def test_hot_holds_budget_and_follows_the_hot_set(server_factory):
    c = server_factory("--tier-migrate-cycle-ms", "10").client()
    with c.pipeline(transaction=False) as p:
        for i in range(20000):
            p.set(f"k:{i}", b"x" * 1000)
        p.execute()
    base = mem(c)
    # Budget: what DRAM holds now with every payload on NVM (static placed
    # them there) plus 5 MB: with the engine's histogram (256 KiB), room for
    # about a fifth of the payload, twice the hot set.
    budget = base["used_memory_dram"] + 5_000_000
    c.config_set("tier-dram-max-memory", budget)
    c.config_set("tier-policy", "hot")

    def read(lo, hi, rounds):
        for _ in range(rounds):
            with c.pipeline(transaction=False) as p:
                for i in range(lo, hi):
                    p.get(f"k:{i}")
                p.execute()
            time.sleep(0.1)

    def dram_held():  # client buffers (2 MB replies here) come and go
        m = mem(c)
        return m["used_memory_dram"] - m["mem_clients_normal"]

    def hot_in_dram(lo, hi):
        return sum(memory_tier(c, f"k:{i}")["tier"] == "dram" for i in range(lo, hi, 10)) / ((hi - lo) / 10)

    read(0, 2000, 10)
    wait_for(lambda: (read(0, 2000, 1), hot_in_dram(0, 2000) >= 0.9)[1], what="hot set 0-2000 in DRAM")
    assert dram_held() <= budget
    # Shift the hot set: the new one comes in, the old one makes room.
    read(10000, 12000, 10)
    wait_for(lambda: (read(10000, 12000, 1), hot_in_dram(10000, 12000) >= 0.9)[1], what="hot set 10000-12000")
    assert dram_held() <= budget
    m = mem(c)
    assert m["tier_promotions"] >= 3600 and m["tier_demotions"] > 0
    assert m["tier_metadata_over_budget"] == 0
    # Metadata alone over the budget is said in INFO.
    c.config_set("tier-dram-max-memory", 1_000_000)
    wait_passes(c, 2)
    assert mem(c)["tier_metadata_over_budget"] == 1


def test_moves_pause_while_a_fork_child_lives(server_factory):
    s = server_factory("--tier-migrate-cycle-ms", "5")
    c = s.client()
    with c.pipeline(transaction=False) as p:
        for i in range(3000):
            p.set(f"k:{i}", b"v" * 500)
        p.execute()
    c.config_set("rdb-key-save-delay", 1000)  # 3000 keys: 3 s of saving
    c.bgsave()
    wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 1, what="bgsave")
    before = mem(c)
    c.config_set("tier-pin-dram", "*")
    time.sleep(1.0)
    during = mem(c)
    assert during["tier_migration_paused"] == 1
    assert during["tier_promotions"] == before["tier_promotions"]
    c.set("k:new", b"after the fork")
    wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30, what="bgsave end")
    c.config_set("rdb-key-save-delay", 0)
    wait_for(lambda: all_on(c, ["k:0", "k:1500", "k:2999"], "dram"), what="moves after the child")
    assert mem(c)["tier_migration_paused"] == 0
    # The RDB holds the data as it was at the fork.
    c.config_set("tier-pin-dram", "")
    r2 = server_factory("--dir", c.config_get("dir")["dir"]).client()
    assert r2.dbsize() == 3000 and r2.get("k:new") is None and r2.get("k:2999") == b"v" * 500


def test_knobs_are_config_settings(server_factory):
    s = server_factory(config_text="")
    c = s.client()
    settings = {
        "tier-policy": "ratio",
        "tier-dram-nvm-ratio": "1:3",
        "tier-dram-max-memory": "104857600",
        "tier-pin-dram": "session:* user:*",
        "tier-pin-nvm": "archive:*",
        "tier-migrate-cycle-ms": "3",
        "tier-migrate-max-bytes-per-sec": "1048576",
    }
    for k, v in settings.items():
        assert c.config_set(k, v)
        assert c.config_get(k)[k] == v, k
    assert mem(c)["tier_policy"] == "ratio" and mem(c)["tier_ratio_target"] == "1:3"
    c.set("session:1", "x" * 100)
    assert memory_tier(c, "session:1")["pin"] == "dram"
    for bad in (("tier-dram-nvm-ratio", "1"), ("tier-dram-nvm-ratio", "0:0"), ("tier-dram-nvm-ratio", "a:b"),
                ("tier-policy", "warm"), ("tier-migrate-cycle-ms", "0")):
        with pytest.raises(redis.ResponseError):
            c.config_set(*bad)
    c.config_set("tier-policy", "hot")
    assert mem(c)["tier_ratio_target"] == 0
    c.config_rewrite()
    with open(s.config) as f:
        text = f.read()
    for line in ("tier-policy hot", 'tier-dram-nvm-ratio "1:3"', "tier-dram-max-memory 100mb",
                 'tier-pin-dram "session:* user:*"', 'tier-pin-nvm "archive:*"', "tier-migrate-cycle-ms 3",
                 "tier-migrate-max-bytes-per-sec 1mb"):
        assert line in text, (line, text)
