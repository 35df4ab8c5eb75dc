"""The NVM tier filling up in the middle of commands: `tier-nvm-max-memory`
lowered to just above what is in use, then values written and grown past
it in single commands (SET, APPEND, SETRANGE, RPUSH, HSET, SADD, ZADD,
RESTORE). A full NVM tier is never an error (DESIGN.md): the payloads that
do not fit go to DRAM, INFO counts the fallbacks, every value reads back
intact, and DEBUG RELOAD and SAVE + restart keep them."""
import random

from persist_util import assert_same, snapshot, stop, wait_ready

MIB = 1024 * 1024


def mem(c):
    return c.info("memory")


def start(server_factory, d, *args):
    return server_factory("--dir", d, "--enable-debug-command", "yes", "--tier-nvm-min-size", "64", *args)


def fill_across_the_limit(c, rnd):
    """Values, each command writing several MiB, so the limit is crossed
    inside commands. Returns what each key must hold."""
    want = {}
    for i in range(8):
        v = rnd.randbytes(512 * 1024)
        c.set(f"str:{i}", v)
        want[f"str:{i}"] = v
    # One string grown by APPEND and SETRANGE until it is reallocated past
    # the limit (an NVM block that cannot grow in place).
    grown = b"g" * 1000
    c.set("grown", grown)
    for i in range(12):
        piece = rnd.randbytes(256 * 1024)
        c.append("grown", piece)
        grown += piece
    c.setrange("grown", len(grown) + 100, b"tail")
    grown += b"\0" * 100 + b"tail"
    want["grown"] = grown
    elems = [rnd.randbytes(rnd.randint(64, 3000)) for _ in range(2000)]
    c.rpush("list", *elems)
    want["list"] = elems
    fields = {f"f{i}".encode(): rnd.randbytes(rnd.randint(65, 2000)) for i in range(1500)}
    c.hset("hash", mapping=fields)
    want["hash"] = sorted(fields.items())
    members = {rnd.randbytes(rnd.randint(64, 1500)) for _ in range(1500)}
    c.sadd("set", *members)
    want["set"] = sorted(members)
    scores = {rnd.randbytes(rnd.randint(64, 1500)): float(i) for i in range(1500)}
    c.zadd("zset", scores)
    want["zset"] = sorted(scores.items(), key=lambda kv: kv[1])
    c.restore("restored", 0, c.dump("list"))
    want["restored"] = elems
    return want


def check(c, want):
    for k, v in want.items():
        t = c.type(k)
        if t == b"string":
            assert c.get(k) == v, k
        elif t == b"list":
            assert c.lrange(k, 0, -1) == v, k
        elif t == b"hash":
            assert sorted(c.hgetall(k).items()) == v, k
        elif t == b"set":
            assert sorted(c.smembers(k)) == v, k
        elif t == b"zset":
            assert c.zrange(k, 0, -1, withscores=True) == v, k
        else:
            raise AssertionError(f"{k} is {t}")


def test_nvm_limit_reached_mid_command(server_factory, datadir):
    s = start(server_factory, datadir)
    c = s.client()
    c.set("small-before", "x" * 100)
    m0 = mem(c)
    # 2 MiB above what is carved: the first few MiB of payloads fit.
    limit = m0["nvm_carved"] + 2 * MIB
    assert c.config_set("tier-nvm-max-memory", limit)
    assert mem(c)["nvm_limit"] == limit

    want = fill_across_the_limit(c, random.Random(7))
    m = mem(c)
    assert m["nvm_carved"] <= limit
    assert m["nvm_fallback_allocs"] > m0["nvm_fallback_allocs"]
    # Most of the ~30 MiB written could not go to NVM: it is in DRAM.
    assert m["used_memory_dram"] > m0["used_memory_dram"] + 16 * MIB
    assert m["used_memory"] == m["used_memory_dram"] + m["used_memory_nvm"]
    check(c, want)
    assert c.get("small-before") == b"x" * 100

    before = snapshot(s.port)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    check(c, want)
    assert_same(before, snapshot(s.port))

    # Raising the cap again lets new payloads use NVM.
    nvm = mem(c)["used_memory_nvm"]
    assert c.config_set("tier-nvm-max-memory", 0)
    c.set("after", b"a" * (4 * MIB))
    assert mem(c)["used_memory_nvm"] >= nvm + 4 * MIB

    assert c.save()
    stop(s)
    s2 = start(server_factory, datadir, "--tier-nvm-max-memory", str(limit))
    wait_ready(s2.port)
    c2 = s2.client()
    check(c2, want)
    assert c2.get("after") == b"a" * (4 * MIB)
    assert mem(c2)["nvm_fallback_allocs"] > 0  # loading crossed the cap too
    assert_same(before, {k: v for k, v in snapshot(s2.port).items() if k != (0, b"after")})
