"""SORT and SORT_RO over sorted sets and lists (sets are covered in
test_set.py): the same commands on ours and on Debian's redis-server 7.0 give
identical replies. A zset's and a list's native order is what BY nosort and
a constant BY pattern keep, which is where they differ from sets."""
import pytest

from differential import raw, same


@pytest.fixture
def zset_data(r, real):
    for c in (r, real):
        raw(c, "ZADD", "z", "3", "c", "1", "a", "2", "b", "10", "j", "-1", "z")
        raw(c, "ZADD", "zn", "1", "30", "2", "4", "3", "100", "4", "-7")
        for m, w in (("a", "5"), ("b", "4"), ("c", "3"), ("j", "2"), ("z", "1")):
            raw(c, "SET", f"w_{m}", w)
            raw(c, "SET", f"name_{m}", m.upper())
    return True


def test_sort_zset(r, real, zset_data):
    for cmd in (("SORT", "zn"), ("SORT", "zn", "DESC"), ("SORT", "z", "ALPHA"), ("SORT", "z"),
                ("SORT", "z", "BY", "nosort"), ("SORT", "z", "BY", "nosort", "DESC"),
                ("SORT", "z", "BY", "nosort", "LIMIT", "1", "3"),
                ("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "3"),
                ("SORT", "z", "BY", "w_*"), ("SORT", "z", "BY", "w_*", "GET", "name_*", "GET", "#"),
                ("SORT", "z", "BY", "constant", "LIMIT", "0", "2"), ("SORT_RO", "zn", "LIMIT", "1", "2"),
                ("SORT", "zn", "STORE", "dst"), ("LRANGE", "dst", "0", "-1"),
                ("SORT", "z", "BY", "nosort", "STORE", "dst"), ("LRANGE", "dst", "0", "-1")):
        same(r, real, *cmd)
