"""What a server shows and accepts as it starts: the start-up banner (logo or
one-line notice), the command-line flags handled before any configuration
(--version, --help, ...), and protected mode's loopback rule. Compared with
Debian's redis-server 7.0 where both can answer the same."""
import os
import pty
import re
import select
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import OUR_SERVER, REAL_SERVER, free_port


def wait_log(server, text, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = server.read_log()
        if text in log:
            return log
        time.sleep(0.02)
    return server.read_log()


# ---- the banner --------------------------------------------------------------

def test_logo_with_always_show_logo(server_factory):
    s = server_factory("--always-show-logo", "yes")
    log = wait_log(s, "Ready to accept connections")
    pid = s.proc.pid
    # The facts tools grep for, each on its own line of the logo.
    assert re.search(r"Redis 7\.0\.15 \(00000000/0\) 64 bit$", log, re.M), log
    assert re.search(r"Running in standalone mode$", log, re.M), log
    assert re.search(rf"Port: {s.port}$", log, re.M), log
    assert re.search(rf"PID: {pid}$", log, re.M), log
    assert "Running mode=" not in log
    # The usual lines stay, in order around the logo.
    assert f"Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid={pid}, just started" in log
    assert log.index("is starting") < log.index(f"PID: {pid}") < log.index("Ready to accept connections")


def test_no_logo_to_a_log_file(server_factory):
    s = server_factory()
    log = wait_log(s, "Ready to accept connections")
    assert f"Running mode=standalone, port={s.port}." in log
    assert "PID: " not in log and "Running in standalone mode" not in log


@pytest.mark.parametrize("binary", [OUR_SERVER, REAL_SERVER])
def test_logo_when_logging_to_a_terminal(binary):
    """Logging to standard output that is a terminal shows the logo, as
    Redis does, without always-show-logo."""
    if binary is None:
        pytest.skip("Debian's redis-server is not installed")
    port = free_port()
    d = tempfile.mkdtemp(prefix="tieredis-test-")
    master, slave = pty.openpty()
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d],
                         stdout=slave, stderr=slave, cwd=d)
    os.close(slave)
    out = b""
    try:
        deadline = time.time() + 10
        while b"Ready to accept connections" not in out and time.time() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
    finally:
        p.terminate()
        p.wait(timeout=10)
        os.close(master)
    text = out.decode(errors="replace")
    assert f"Port: {port}" in text and f"PID: {p.pid}" in text, text
    assert "Running in standalone mode" in text


# ---- command-line flags --------------------------------------------------------

def run_flag(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=10, cwd=tempfile.gettempdir())


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version_flag(flag):
    p = run_flag(OUR_SERVER, flag)
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"Redis server v=7\.0\.15 sha=00000000:0 malloc=jemalloc-\S+ bits=64 build=[0-9a-f]+\n",
                        p.stdout), p.stdout
    if REAL_SERVER is not None:
        real = run_flag(REAL_SERVER, flag)
        assert real.returncode == p.returncode
        assert p.stdout.split(" build=")[0] == real.stdout.split(" build=")[0]
    # Only the first argument counts, as in Redis.
    assert run_flag(OUR_SERVER, flag, "--port", "1").returncode == 0


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_flag(flag):
    p = run_flag(OUR_SERVER, flag)
    usage = p.stderr
    assert usage.startswith("Usage: ") and "-v or --version" in usage and "-h or --help" in usage, usage
    assert "--port 7777" in usage and "FATAL" not in usage
    assert p.stdout == ""
    if REAL_SERVER is not None:
        assert p.returncode == run_flag(REAL_SERVER, flag).returncode  # Redis's usage() exits 1


@pytest.mark.parametrize("args", [("--test-memory", "64"), ("--check-system",)])
def test_unsupported_flags_say_so(args):
    p = run_flag(OUR_SERVER, *args)
    assert p.returncode == 1
    assert f"{args[0]} is not supported by tieredis" in p.stderr, p.stderr
    assert "FATAL CONFIG FILE ERROR" not in p.stderr


# ---- protected mode ------------------------------------------------------------

def first_reply(port, source, dest):
    with socket.socket() as s:
        s.settimeout(5)
        s.bind((source, 0))
        s.connect((dest, port))
        s.sendall(b"PING\r\n")
        return s.recv(100)


@pytest.mark.parametrize("binary", [OUR_SERVER, REAL_SERVER])
def test_protected_mode_trusts_only_127_0_0_1(server_factory, binary):
    """With protected-mode yes and no password, Redis serves 127.0.0.1 (and
    ::1, unix sockets) only: another loopback address such as 127.0.0.2 is
    refused with -DENIED, whatever the bind."""
    if binary is None:
        pytest.skip("Debian's redis-server is not installed")
    for bind in (("127.0.0.1", "127.0.0.2"), ("0.0.0.0",)):
        s = server_factory("--bind", *bind, "--protected-mode", "yes", binary=binary)
        assert first_reply(s.port, "127.0.0.1", "127.0.0.2") == b"+PONG\r\n"
        assert first_reply(s.port, "127.0.0.2", "127.0.0.2").startswith(
            b"-DENIED Redis is running in protected mode because protected mode is enabled")
        assert first_reply(s.port, "127.0.0.2", "127.0.0.1").startswith(b"-DENIED")
        s.client().config_set("protected-mode", "no")
        assert first_reply(s.port, "127.0.0.2", "127.0.0.2") == b"+PONG\r\n"
        s.stop()
