"""The GEO commands (src/commands/geo_cmds.cc, object/geo.cc) against
Debian's redis-server 7.0: the same commands give byte-identical replies
(coordinates, distances, hashes, result order), errors, stored zsets, dirty
counts and keyspace events, in RESP2 and RESP3."""
import random

import pytest

from differential import assert_same_keyspace_events, outcome, raw, same
from differential import resp2_transcript, resp3_transcript

PLACES = [("13.361389", "38.115556", "Palermo"), ("15.087269", "37.502669", "Catania"),
          ("12.758489", "38.788135", "edge1"), ("12.496365", "41.902782", "Rome"),
          ("2.352222", "48.856613", "Paris"), ("-0.127758", "51.507351", "London"),
          ("-73.935242", "40.730610", "NYC"), ("139.691711", "35.689487", "Tokyo"),
          ("-179.9", "-85", "southwest"), ("180", "85.05112878", "corner"), ("-180", "-85.05112878", "corner2"),
          ("0", "0", "origin"), ("151.209900", "-33.865143", "Sydney"), ("-58.381592", "-34.603722", "BuenosAires")]


def add_places(r, real, key="Sicily"):
    args = []
    for lon, lat, name in PLACES:
        args += [lon, lat, name]
    same(r, real, "GEOADD", key, *args)


def test_geoadd_and_readers(r, real):
    add_places(r, real)
    names = [p[2] for p in PLACES]
    for cmd in [("ZRANGE", "Sicily", "0", "-1", "WITHSCORES"), ("GEOPOS", "Sicily", *names, "nope"),
                ("GEOHASH", "Sicily", *names, "nope"), ("GEOPOS", "nokey", "a", "b"), ("GEOHASH", "nokey", "a"),
                ("GEOPOS", "Sicily"), ("GEOHASH", "Sicily"), ("OBJECT", "ENCODING", "Sicily")]:
        same(r, real, *cmd)
    for a in names:
        for b in names[:5]:
            for unit in [[], ["m"], ["KM"], ["ft"], ["mi"]]:
                same(r, real, "GEODIST", "Sicily", a, b, *unit)
    for cmd in [("GEODIST", "Sicily", "Palermo", "nope"), ("GEODIST", "nokey", "a", "b"),
                ("GEODIST", "Sicily", "Palermo", "Catania", "yd"), ("GEODIST", "Sicily", "a", "b", "km", "x"),
                ("GEODIST", "nokey", "a", "b", "yd")]:
        same(r, real, *cmd)


def test_geoadd_options_and_errors(r, real):
    for cmd in [("GEOADD", "g", "13.361389", "38.115556", "Palermo"),
                ("GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"),
                ("GEOADD", "g", "XX", "14", "38", "Palermo"), ("GEOADD", "g", "XX", "CH", "15", "38", "Palermo"),
                ("GEOADD", "g", "CH", "15", "38", "Palermo", "1", "1", "new"), ("GEOADD", "g", "NX", "XX", "1", "1", "a"),
                ("GEOADD", "g", "XX", "1", "1", "nothere"), ("GEOADD", "g", "1", "1"), ("GEOADD", "g", "1"),
                ("GEOADD", "g", "181", "1", "x"), ("GEOADD", "g", "1", "86", "x"), ("GEOADD", "g", "a", "1", "x"),
                ("GEOADD", "g", "1", "b", "x"), ("GEOADD", "g", "1", "1", "ok", "200", "1", "bad"),
                ("GEOADD", "g", "GT", "1", "1", "x"), ("GEOADD", "g", "ch", "ch", "ch"),
                ("GEOADD", "g", "-180", "-85.05112878", "min"), ("GEOADD", "g", "180", "85.05112878", "max"),
                ("GEOADD", "g", "-180.0000001", "0", "x"), ("GEOADD", "g", "inf", "0", "x"),
                ("GEOADD", "g", "nan", "0", "x"), ("GEOPOS", "g", "min", "max"), ("GEOHASH", "g", "min", "max"),
                ("ZRANGE", "g", "0", "-1", "WITHSCORES"), ("SET", "s", "x"), ("GEOADD", "s", "1", "1", "x"),
                ("GEOPOS", "s", "x"), ("GEOHASH", "s", "x"), ("GEODIST", "s", "a", "b"),
                ("GEOSEARCH", "s", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"),
                ("GEORADIUS", "s", "1", "1", "1", "km"), ("GEORADIUSBYMEMBER", "s", "x", "1", "km")]:
        same(r, real, *cmd)


def test_geo_on_plain_zset_scores(r, real):
    for c in (r, real):
        c.zadd("z", {"neg": -1, "zero": 0, "big": 2**53, "huge": 1e20, "inf": float("inf"), "ninf": float("-inf"),
                     "frac": 123.5, "max52": 2**52 - 1})
    names = ["neg", "zero", "big", "huge", "inf", "ninf", "frac", "max52"]
    same(r, real, "GEOPOS", "z", *names)
    same(r, real, "GEOHASH", "z", *names)
    for a in names:
        same(r, real, "GEODIST", "z", a, "zero")


SEARCH_OPTS = [[], ["WITHDIST"], ["WITHCOORD"], ["WITHHASH"], ["WITHDIST", "WITHCOORD", "WITHHASH"], ["ASC"],
               ["DESC"], ["COUNT", "3"], ["COUNT", "3", "DESC"], ["COUNT", "2", "ANY"], ["COUNT", "100", "ANY", "ASC"],
               ["WITHDIST", "COUNT", "1"], ["withcoord", "desc", "withdist"]]


def test_search_examples(r, real):
    add_places(r, real)
    centres = [("15", "37"), ("13.361389", "38.115556"), ("0", "0"), ("-179.95", "-85"), ("179.99", "85"),
               ("2.35", "48.85"), ("-74", "40.7"), ("140", "35")]
    for lon, lat in centres:
        for radius, unit in [("0", "m"), ("1", "km"), ("100", "km"), ("200", "km"), ("500", "mi"), ("5000", "km"),
                             ("20000", "km"), ("1000000", "ft")]:
            for opts in SEARCH_OPTS:
                same(r, real, "GEORADIUS", "Sicily", lon, lat, radius, unit, *opts)
                same(r, real, "GEOSEARCH", "Sicily", "FROMLONLAT", lon, lat, "BYRADIUS", radius, unit, *opts)
                same(r, real, "GEOSEARCH", "Sicily", "FROMLONLAT", lon, lat, "BYBOX", radius, radius, unit, *opts)
    for member in ["Palermo", "Tokyo", "corner", "origin"]:
        for radius, unit in [("0", "m"), ("200", "km"), ("3000", "mi"), ("40000", "km")]:
            for opts in SEARCH_OPTS:
                same(r, real, "GEORADIUSBYMEMBER", "Sicily", member, radius, unit, *opts)
                same(r, real, "GEORADIUSBYMEMBER_RO", "Sicily", member, radius, unit, *opts)
                same(r, real, "GEOSEARCH", "Sicily", "FROMMEMBER", member, "BYBOX", radius, "10", unit, *opts)


def test_search_random_points(r, real):
    rnd = random.Random(1616)
    for trial in range(6):
        key = f"pts{trial}"
        args = []
        spread = rnd.choice([0.01, 0.5, 5, 60, 180])
        clon, clat = rnd.uniform(-170, 170), rnd.uniform(-80, 80)
        # Points spread over the area (ties are test_count_with_tied_distances's).
        for i in range(rnd.choice([20, 200, 600])):
            lon = clon + rnd.uniform(-spread, spread)
            lat = clat + rnd.uniform(-spread, spread)
            lon = lon if -180 <= lon <= 180 else rnd.uniform(-180, 180)
            lat = lat if -85 <= lat <= 85 else rnd.uniform(-85, 85)
            args += [f"{lon:.6f}", f"{lat:.6f}", f"m{i}"]
        same(r, real, "GEOADD", key, *args)
        for _ in range(40):
            lon = f"{max(-180, min(180, clon + rnd.uniform(-spread, spread))):.5f}"
            lat = f"{max(-85, min(85, clat + rnd.uniform(-spread, spread))):.5f}"
            radius = f"{rnd.uniform(0, spread * 150):.3f}"
            unit = rnd.choice(["m", "km", "mi", "ft"])
            opts = rnd.choice(SEARCH_OPTS)
            same(r, real, "GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", radius, "km", *opts)
            same(r, real, "GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYBOX", radius, f"{rnd.uniform(0, 500):.2f}",
                 unit, *opts)
            same(r, real, "GEORADIUSBYMEMBER", key, f"m{rnd.randrange(20)}", radius, unit, *opts)


def test_count_with_tied_distances(r, real):
    """Points at the same spots tie in distance; with COUNT below the number
    found, Redis's partial quicksort decides their order."""
    rnd = random.Random(77)
    for trial in range(30):
        spots = [(rnd.uniform(-1, 1), rnd.uniform(-1, 1)) for _ in range(rnd.randint(1, 6))]
        args = []
        for i in range(rnd.choice([5, 30, 100, 300])):
            lon, lat = rnd.choice(spots)
            args += [f"{lon:.6f}", f"{lat:.6f}", f"p{i}"]
        key = f"t{trial}"
        same(r, real, "GEOADD", key, *args)
        for count in [1, 2, 5, 7, 8, 41, 150]:
            for order in ["ASC", "DESC"]:
                same(r, real, "GEOSEARCH", key, "FROMLONLAT", "0", "0", "BYRADIUS", "500", "km", "COUNT", str(count),
                     order)
                same(r, real, "GEORADIUS", key, "0.1", "0.1", "500", "km", "COUNT", str(count), order, "WITHDIST")


def test_search_errors(r, real):
    add_places(r, real)
    for c in (r, real):
        c.set("str", "x")
    cmds = [
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37"), ("GEOSEARCH", "Sicily", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km", "WITHDIST"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope"), ("GEOSEARCH", "nokey", "BYBOX", "1", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "yd"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "y", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "200", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "0"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "x"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "x"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STOREDIST"),
        ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "FOO"),
        ("GEOSEARCH", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "WITHDIST"),
        ("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "x"),
        ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "x", "WITHCOORD"),
        ("GEORADIUS", "Sicily", "15", "37", "200", "km", "FROMLONLAT", "1", "1"),
        ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE"),
        ("GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "x"),
        ("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "STOREDIST", "x"),
        ("GEORADIUS", "Sicily", "15", "37", "-200", "km"), ("GEORADIUS", "Sicily", "15", "37", "200", "parsec"),
        ("GEORADIUS", "Sicily", "15", "91", "200", "km"), ("GEORADIUSBYMEMBER", "Sicily", "nope", "200", "km"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "200", "km"), ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "km"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "200", "km", "STORE", "x"),
        ("GEORADIUS", "nokey", "15", "37", "200", "km"), ("GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "x"),
        ("GEOSEARCH",), ("GEOSEARCH", "a", "b", "c", "d", "e"), ("GEORADIUS", "a", "1", "1", "1"),
    ]
    for cmd in cmds:
        same(r, real, *cmd)


def test_store(r, real):
    add_places(r, real)
    for c in (r, real):
        c.set("dst", "old")
        c.expire("dst", 100)
    cmds = [("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"), ("TTL", "dst"),
            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "dst"),
            ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"),
            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
            ("GEORADIUS", "Sicily", "15", "37", "20000", "km", "STOREDIST", "dst", "COUNT", "3", "DESC"),
            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
            ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "STORE", "dst2", "STOREDIST", "dst3"),
            ("EXISTS", "dst2"), ("ZRANGE", "dst3", "0", "-1", "WITHSCORES"),
            ("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"),
            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
            ("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST"),
            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
            ("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"), ("EXISTS", "dst"),
            ("GEOSEARCHSTORE", "dst", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"),
            ("GEOSEARCHSTORE", "Sicily", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"),
            ("ZRANGE", "Sicily", "0", "-1", "WITHSCORES")]
    for cmd in cmds:
        same(r, real, *cmd)


def _dirty(c):
    return c.info("persistence")["rdb_changes_since_last_save"]


def test_dirty_and_events(our_server, real_server, r, real):
    seq = [("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
           ("GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"), ("GEOADD", "g", "XX", "13", "38", "Palermo"),
           ("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"), ("GEORADIUS", "g", "15", "37", "1", "m", "STORE", "d"),
           ("GEOSEARCHSTORE", "e", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
           ("GEOSEARCHSTORE", "e", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
           ("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")]
    for cmd in seq:
        before_ours, before_real = _dirty(r), _dirty(real)
        same(r, real, *cmd)
        assert _dirty(r) - before_ours == _dirty(real) - before_real, cmd
    r.flushall()
    real.flushall()
    assert_same_keyspace_events(our_server, real_server, r, real, seq)


def test_geoadd_stores_the_geohash_score(r):
    assert r.execute_command("GEOADD", "g", "13.361389", "38.115556", "Palermo") == 1
    assert r.zscore("g", "Palermo") == 3479099956230698


def test_resp3_and_resp2_transcripts(our_server, real_server, r, real):
    if real_server is None:
        pytest.skip("no real redis")
    cmds = [("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
            ("GEOPOS", "g", "Palermo", "nope"), ("GEOHASH", "g", "Palermo", "nope"), ("GEODIST", "g", "Palermo", "Catania"),
            ("GEODIST", "g", "Palermo", "nope"),
            ("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHCOORD", "WITHDIST", "WITHHASH"),
            ("GEORADIUS", "g", "15", "37", "200", "km", "WITHCOORD"), ("GEOPOS", "nokey", "a"),
            ("GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)
    r.flushall()
    real.flushall()
    assert resp2_transcript(our_server.port, cmds) == resp2_transcript(real_server.port, cmds)


def test_command_info_matches_redis(r, real):
    names = ["geoadd", "geodist", "geohash", "geopos", "geosearch", "geosearchstore", "georadius", "georadius_ro",
             "georadiusbymember", "georadiusbymember_ro"]
    assert raw(r, "COMMAND", "INFO", *names) == raw(real, "COMMAND", "INFO", *names)
    for cmd in [("GEORADIUS", "k", "1", "1", "1", "km", "STORE", "s"),
                ("GEORADIUSBYMEMBER", "k", "m", "1", "km", "STOREDIST", "s"),
                ("GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "m", "BYRADIUS", "1", "km")]:
        assert outcome(r, "COMMAND", "GETKEYS", *cmd) == outcome(real, "COMMAND", "GETKEYS", *cmd)


def test_resp3_search_variants(our_server, real_server, r, real):
    """Coordinates are RESP3 doubles (",<digits>"), distances stay bulk
    strings: the whole search matrix, byte for byte."""
    if real_server is None:
        pytest.skip("no real redis")
    args = []
    for lon, lat, name in PLACES:
        args += [lon, lat, name]
    cmds = [("GEOADD", "Sicily", *args)]
    for lon, lat in [("15", "37"), ("0", "0"), ("179.99", "85"), ("-179.95", "-85")]:
        for opts in SEARCH_OPTS:
            cmds.append(("GEOSEARCH", "Sicily", "FROMLONLAT", lon, lat, "BYRADIUS", "5000", "km", *opts))
            cmds.append(("GEOSEARCH", "Sicily", "FROMLONLAT", lon, lat, "BYBOX", "9000", "3000", "km", *opts))
    cmds += [("GEOPOS", "Sicily", *[p[2] for p in PLACES]), ("GEOHASH", "Sicily", *[p[2] for p in PLACES])]
    assert resp3_transcript(our_server.port, cmds) == resp3_transcript(real_server.port, cmds)
