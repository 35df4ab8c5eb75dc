#!/usr/bin/python3
"""Bytes per list element on each tier: loads N lists of M elements of S
bytes into a running server and prints the growth of used_memory (and, on
tieredis, used_memory_dram / used_memory_nvm) divided by the element count.

  utils/bench/list_memory.py PORT [LISTS ELEMENTS SIZE]

Run it against tieredis and against Debian's redis-server on an empty db."""
import sys

import redis


def main():
    port = int(sys.argv[1])
    lists, per, size = (int(x) for x in sys.argv[2:5]) if len(sys.argv) >= 5 else (100, 1000, 100)
    c = redis.Redis(port=port)
    c.flushall()
    before = c.info("memory")
    for i in range(lists):
        p = c.pipeline(transaction=False)
        for j in range(0, per, 100):
            p.rpush(f"list:{i}", *[f"{i:04d}:{j + k:07d}".ljust(size, "v") for k in range(100)])
        p.execute()
    after = c.info("memory")
    n = lists * per
    for field in ("used_memory", "used_memory_dram", "used_memory_nvm"):
        if field in after:
            print(f"{field}: {(after[field] - before[field]) / n:.1f} bytes/element")
    print(f"payload: {size} bytes/element, {n} elements")


if __name__ == "__main__":
    main()
