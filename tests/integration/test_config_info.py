"""CONFIG GET/SET/REWRITE round trips and INFO sections."""
import os

import pytest
import redis


def cfg(c, name):
    """CONFIG GET through redis-py, whose callback decodes keys and values."""
    got = c.config_get(name)
    return {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in got.items()}


def test_config_get_set_roundtrip(r):
    assert cfg(r, "maxmemory") == {"maxmemory": "0"}
    r.config_set("maxmemory", "100mb")
    assert cfg(r, "maxmemory")["maxmemory"] == "104857600"
    r.config_set("maxmemory", "0")
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("nosuchoption", "1")
    assert "Unknown option" in str(e.value)


def test_config_get_glob(r):
    names = set(cfg(r, "tier-*"))
    assert {"tier-mode", "tier-policy", "tier-nvm-min-size", "tier-keys", "tier-nvm-max-memory",
            "tier-nvm-node"} <= names


def test_config_set_several_and_errors_match_redis(r, real):
    for c in (r, real):
        c.execute_command("CONFIG", "SET", "hz", "20", "maxmemory-samples", "7")
        assert cfg(c, "hz")["hz"] == "20"
        c.config_set("hz", "10")
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("daemonize", "yes")
        assert str(e.value) == "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"


def test_config_rewrite(server_factory):
    s = server_factory(config_text="# my comment\nport 1\nhz 10\n")
    c = s.client()
    c.config_set("maxmemory", "123mb")
    assert c.config_rewrite()
    text = open(s.config).read()
    assert "# my comment" in text
    assert "maxmemory 123mb" in text or "maxmemory 128974848" in text


def test_info_sections(our_server, r):
    from test_protocol import raw
    text = raw(our_server, b"INFO\r\nQUIT\r\n").decode()
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication",
                    "# CPU", "# Keyspace"):
        assert section in text
    assert "# Commandstats" not in text
    everything = raw(our_server, b"INFO everything\r\nQUIT\r\n").decode()
    assert "# Commandstats" in everything
    r.set("a", 1)
    ks = r.info("keyspace")
    assert ks["db0"]["keys"] == 1
    stats = r.info("commandstats")
    assert stats["cmdstat_set"]["calls"] >= 1


def test_info_truth(r):
    before = r.info("stats")["total_commands_processed"]
    for _ in range(10):
        r.ping()
    after = r.info("stats")["total_commands_processed"]
    assert after - before == 11  # ten PINGs and the first INFO
    r.get("missing")
    assert r.info("stats")["keyspace_misses"] >= 1


def test_info_memory_overhead_and_dataset(r, real):
    """used_memory_overhead/startup/dataset/dataset_perc, as Redis's
    getMemoryOverheadData: overhead = startup + clients + AOF buffer +
    keyspace dict tables; dataset = used - overhead; the percentage is of
    what was added since start-up. MEMORY STATS tells the same story."""
    from differential import raw
    names = [line.split(":")[0] for line in raw(r, "INFO", "memory").decode().splitlines()[1:13]]
    theirs = [line.split(":")[0] for line in raw(real, "INFO", "memory").decode().splitlines()[1:13]]
    assert names == theirs  # the same fields, in Redis's order

    def mem():
        m = r.info("memory")
        used, overhead, startup, dataset = (m["used_memory"], m["used_memory_overhead"],
                                            m["used_memory_startup"], m["used_memory_dataset"])
        assert dataset == used - overhead
        assert 0 < startup < overhead < used
        perc = float(m["used_memory_dataset_perc"].rstrip("%"))
        assert perc == pytest.approx(100.0 * dataset / (used - startup), abs=0.01)
        return m

    empty = mem()
    p = r.pipeline(transaction=False)
    for i in range(20000):
        p.set(f"key:{i}", "v" * 100, ex=3600 if i % 2 else None)
    p.execute()
    full = mem()
    assert full["used_memory_startup"] == empty["used_memory_startup"]  # recorded once, at start-up
    # Per key: at least a dict entry plus an object header in the overhead
    # (and 10000 expires entries), at least the 100-byte value in the dataset.
    assert full["used_memory_overhead"] - empty["used_memory_overhead"] >= 20000 * 24
    assert full["used_memory_dataset"] - empty["used_memory_dataset"] >= 20000 * 100
    stats = r.execute_command("MEMORY", "STATS")
    stats = dict(zip(stats[::2], stats[1::2]))
    assert stats[b"startup.allocated"] == full["used_memory_startup"]
    assert stats[b"overhead.total"] == pytest.approx(full["used_memory_overhead"], rel=0.01)
    assert stats[b"dataset.bytes"] == pytest.approx(full["used_memory_dataset"], rel=0.01)
