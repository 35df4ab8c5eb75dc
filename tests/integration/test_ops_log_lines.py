"""Log lines operators grep for, compared with what Debian's redis-server
7.0 writes in the same situation: loading an RDB, the reason an AOF load
stops (the last line before exiting), a refused manifest, a failed deep
sanitization, and syslog output."""
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

import dump_util
from conftest import REAL_SERVER, OUR_SERVER, free_port

pytestmark = pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")

PREFIX = re.compile(r"^\d+:[MC] \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")


def message(line):
    return PREFIX.sub("", line)


def run_until_exit(binary, d, *args):
    log = os.path.join(d, "server.log")
    p = subprocess.run([binary, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                        "--logfile", log] + list(args), timeout=30, capture_output=True)
    with open(log) as f:
        return p.returncode, f.read().splitlines()


def test_rdb_loading_lines(server_factory, datadir):
    writer = server_factory(binary=REAL_SERVER)
    w = writer.client()
    w.set("a", "1")
    w.set("b", "2", px=1)  # expired by the time it is loaded
    w.save()
    wanted = [r"Server initialized", r"Loading RDB produced by version 7\.0\.15", r"RDB age \d+ seconds",
              r"RDB memory usage when created \d+\.\d\d Mb", r"Done loading RDB, keys loaded: 1, keys expired: 1\.",
              r"DB loaded from disk: \d+\.\d{3} seconds", r"Ready to accept connections( tcp)?"]
    for binary in (REAL_SERVER, OUR_SERVER):
        d = os.path.join(datadir, os.path.basename(os.path.dirname(os.path.dirname(binary))))
        os.mkdir(d)
        shutil.copy(os.path.join(writer.dir, "dump.rdb"), d)
        s = server_factory("--dir", d, binary=binary)
        s.client().ping()
        deadline = time.time() + 5
        while "Ready to accept" not in s.read_log() and time.time() < deadline:
            time.sleep(0.01)
        msgs = [message(l) for l in s.read_log().splitlines()]
        at = []
        for w_re in wanted:
            hits = [i for i, m in enumerate(msgs) if re.fullmatch(w_re, m)]
            assert hits, (binary, w_re, msgs)
            at.append(hits[0])
        assert at == sorted(at), (binary, msgs)  # in Redis's order


def aof_dir(datadir):
    """An AOF directory written by Redis: a base and one incr file."""
    s = subprocess.Popen([REAL_SERVER, "--port", str(free_port()), "--dir", datadir, "--appendonly", "yes",
                          "--save", "", "--logfile", os.path.join(datadir, "w.log")])
    try:
        import redis
        import time
        port = int(s.args[2])
        deadline = time.time() + 10
        while True:
            try:
                c = redis.Redis(port=port)
                for i in range(20):
                    c.set(f"k{i}", f"v{i}")
                break
            except redis.ConnectionError:
                assert time.time() < deadline
                time.sleep(0.02)
    finally:
        s.terminate()
        s.wait()
    return os.path.join(datadir, "appendonlydir")


def truncate(a):
    f = os.path.join(a, "appendonly.aof.1.incr.aof")
    with open(f, "rb") as fh:
        data = fh.read()
    with open(f, "wb") as fh:
        fh.write(data[:-7])


def append(a, data):
    with open(os.path.join(a, "appendonly.aof.1.incr.aof"), "ab") as f:
        f.write(data)


def edit_manifest(a, fn):
    m = os.path.join(a, "appendonly.aof.manifest")
    with open(m) as f:
        text = f.read()
    with open(m, "w") as f:
        f.write(fn(text))


CASES = {
    "truncated": (truncate, ["--aof-load-truncated", "no"],
                  "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1) "),
    "garbage": (lambda a: append(a, b"garbage\r\n"), [],
                "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup"),
    "unknown command": (lambda a: append(a, b"*1\r\n$7\r\nNOTACMD\r\n"), [],
                        "Unknown command 'NOTACMD' reading the append only file appendonly.aof.1.incr.aof"),
    "missing incr": (lambda a: os.unlink(os.path.join(a, "appendonly.aof.1.incr.aof")), [],
                     "Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: No such file or directory"),
    "blank manifest line": (lambda a: edit_manifest(a, lambda t: "\n" + t), [], "Invalid AOF manifest file format"),
    "spaces-only manifest line": (lambda a: edit_manifest(a, lambda t: t + "  \t\n"), [],
                                  "Invalid AOF manifest file format"),
    "malformed manifest line": (lambda a: edit_manifest(a, lambda t: t + "file x seq\n"), [],
                                "Invalid AOF manifest file format"),
    "manifest without final newline": (lambda a: edit_manifest(a, lambda t: t.rstrip("\n")), [],
                                       "The AOF manifest file contains too long line"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_aof_load_failure_last_line_names_the_reason(datadir, case):
    breaker, args, expected = CASES[case]
    orig = aof_dir(datadir)
    last = []
    for binary in (REAL_SERVER, OUR_SERVER):
        d = os.path.join(datadir, os.path.basename(binary) + str(len(last)))
        shutil.copytree(orig, os.path.join(d, "appendonlydir"))
        breaker(os.path.join(d, "appendonlydir"))
        rc, lines = run_until_exit(binary, d, "--appendonly", "yes", *args)
        assert rc == 1, (binary, lines[-5:])
        # From the manifest banner (if any) to the end, prefixes removed.
        msgs = [message(l) for l in lines]
        start = max([i for i, m in enumerate(msgs) if "*** FATAL AOF MANIFEST FILE ERROR ***" in m] or [-1])
        last.append(msgs[start:] if start >= 0 else msgs[-1:])
    assert [m for m in last[0] if m][-1].startswith(expected), last
    assert last[1] == last[0]


def test_restore_integrity_failure_is_logged(server_factory):
    good = dump_util.payload(bytes([16]) + b"\x15" + b"\x15\x00\x00\x00\x04\x00" + b"\x81a\x02\x81\x01\x02"
                             + b"\x81a\x02\x81\x02\x02" + b"\xff", version=10)
    for binary in (REAL_SERVER, OUR_SERVER):
        s = server_factory("--sanitize-dump-payload", "yes", "--loglevel", "verbose", binary=binary)
        c = s.client()
        import redis
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            c.restore("h", 0, good)
        lines = [message(l) for l in s.read_log().splitlines()]
        assert any(re.fullmatch(r"Internal error in RDB reading offset 0, function at \S+ -> "
                                r"Hash listpack integrity check failed\.", l) for l in lines), (binary, lines[-3:])


def test_syslog(tmp_path):
    """With syslog-enabled, lines reach syslog(3) under syslog-ident and
    syslog-facility. Needs to own /dev/log, so runs only when no syslog
    daemon does."""
    if os.path.exists("/dev/log"):
        pytest.skip("/dev/log belongs to a syslog daemon here")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind("/dev/log")
    except OSError as e:
        pytest.skip(f"cannot bind /dev/log: {e}")
    try:
        sock.settimeout(0.5)
        for binary in (REAL_SERVER, OUR_SERVER):
            d = tmp_path / os.path.basename(os.path.dirname(os.path.dirname(binary)))
            d.mkdir()
            # A bad option after start-up logging: the server exits at once.
            p = subprocess.Popen([binary, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir", str(d),
                                  "--save", "", "--logfile", str(d / "log"), "--syslog-enabled", "yes",
                                  "--syslog-ident", "tdtest", "--syslog-facility", "local3"])
            got = []
            try:
                while not any("Server initialized" in g for g in got):
                    got.append(sock.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass
            finally:
                p.terminate()
                p.wait()
            pri = 19 * 8 + 5  # local3, notice
            line = next(g for g in got if "Server initialized" in g)
            assert line.startswith(f"<{8 * 19 + 4}>") or line.startswith(f"<{pri}>"), line
            assert f"tdtest[{p.pid}]: Server initialized" in line, line
    finally:
        sock.close()
        os.unlink("/dev/log")


def test_aof_loading_lines(server_factory, datadir):
    orig = aof_dir(datadir)
    logs = []
    for binary in (REAL_SERVER, OUR_SERVER):
        d = os.path.join(datadir, "load-" + os.path.basename(binary) + str(len(logs)))
        shutil.copytree(orig, os.path.join(d, "appendonlydir"))
        s = server_factory("--dir", d, "--appendonly", "yes", binary=binary)
        assert s.client().dbsize() == 20
        deadline = time.time() + 5
        while "Ready to accept" not in s.read_log() and time.time() < deadline:
            time.sleep(0.01)
        msgs = [message(l) for l in s.read_log().splitlines()]
        start = next(i for i, m in enumerate(msgs) if m == "Server initialized")
        end = next(i for i, m in enumerate(msgs) if m.startswith("Ready to accept"))
        # The loading lines, numbers masked (times, ages, sizes).
        logs.append([re.sub(r"\d+(\.\d+)?", "N", m) for m in msgs[start:end]
                     if re.search(r"RDB|AOF|loaded|Reading", m)])
    assert logs[1] == logs[0]
    assert "DB loaded from incr file appendonly.aof.N.incr.aof: N seconds" in logs[0]


def corrupt_hash(data):
    """The RDB with its hash's second field renamed to the first (a
    duplicate: deep sanitization fails) and its checksum fixed."""
    i = data.find(b"\x81b")
    bad = bytearray(data)
    bad[i + 1] = ord("a")
    body = bytes(bad[:-8])
    return body + dump_util.crc64(body).to_bytes(8, "little")


@pytest.mark.parametrize("case", ["bad content", "bad signature"])
def test_rdb_load_failure_lines(server_factory, datadir, case):
    writer = server_factory(binary=REAL_SERVER)
    w = writer.client()
    w.hset("h", mapping={"a": "1", "b": "2"})
    w.save()
    with open(os.path.join(writer.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    data = corrupt_hash(data) if case == "bad content" else b"NOTRDB" + data[6:]
    tails = []
    for binary in (REAL_SERVER, OUR_SERVER):
        d = os.path.join(datadir, os.path.basename(binary) + str(len(tails)))
        os.mkdir(d)
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(data)
        rc, lines = run_until_exit(binary, d, "--sanitize-dump-payload", "yes")
        assert rc == 1
        msgs = [message(l) for l in lines if l.strip()]
        aux = [m for m in msgs if m.startswith(("Loading RDB produced", "RDB age", "RDB memory usage"))]
        tails.append((len(aux), msgs[-1]))
    assert tails[1] == tails[0]
    if case == "bad content":
        assert tails[0] == (3, "Terminating server after rdb file reading failure.")
        assert "Hash listpack integrity check failed." in "\n".join(lines)
    else:
        assert tails[0] == (0, "Fatal error loading the DB: Invalid argument. Exiting.")
