"""Fixtures for the integration suite.

`r`      a redis-py client to our src/redis-server (one server per test module,
         flushed before each test).
`real`   a redis-py client to Debian's redis-server 7.0 started beside ours, for
         differential tests (skips the test if Debian's server is missing).
`server_factory(*args)`  starts a dedicated server of ours with extra
         command-line options (e.g. "--tier-policy", "dram-only") and returns a
         ServerProcess; it is stopped at the end of the test.

Set TIEREDIS_SERVER to test another binary (default: <repo>/src/redis-server).
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUR_SERVER = os.environ.get("TIEREDIS_SERVER", os.path.join(ROOT, "src", "redis-server"))
REAL_SERVER = shutil.which("redis-server", path="/usr/bin:/usr/sbin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server process on a free loopback port in its own temporary dir."""

    def __init__(self, binary, args=(), config_text=None, wrapper=()):
        self.dir = tempfile.mkdtemp(prefix="tieredis-test-")
        self.log = os.path.join(self.dir, "server.log")
        if config_text is not None:
            self.config = os.path.join(self.dir, "redis.conf")
            with open(self.config, "w") as f:
                f.write(config_text)
        # Tests run in parallel (pytest-xdist): a port found free can be
        # taken by another worker's server before ours binds it. Then ours
        # exits with "Address already in use" and starts again on another.
        for attempt in range(5):
            self.port = free_port()
            # wrapper: a command that execs the server (setpriv, prlimit...),
            # so the pid stays the server's.
            cmd = list(wrapper) + [binary]
            if config_text is not None:
                cmd.append(self.config)
            cmd += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                    "--save", "", "--appendonly", "no", "--logfile", self.log]
            cmd += list(args)
            self.cmd = cmd
            self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
            if self._wait_ready():
                return
            err = self.proc.stderr.read().decode(errors="replace")
            log = self.read_log()
            if "Address already in use" in log and attempt < 4:
                os.unlink(self.log)
                continue
            raise RuntimeError(f"server exited with {self.proc.returncode}: {err}\n{log}")

    def _wait_ready(self):
        """True once this process listens: it logged "Server initialized"
        (after binding, before loading data; a connection alone could reach
        another server on a reused port) and takes connections. False if it
        exited first."""
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if "Server initialized" in self.read_log():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                        return True
                except OSError:
                    pass
            time.sleep(0.02)
        log = self.read_log()
        self.stop()
        raise RuntimeError("server did not start listening in 10 s\n" + log)

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=30, **kw)

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def our_server():
    s = ServerProcess(OUR_SERVER)
    yield s
    # The server must have survived everything the module threw at it.
    assert s.alive(), "server died during the test module\n" + s.read_log()
    s.stop()


@pytest.fixture
def r(our_server):
    c = our_server.client(decode_responses=False)
    c.flushall()
    yield c
    c.close()


@pytest.fixture(scope="module")
def real_server():
    if REAL_SERVER is None:
        yield None
        return
    s = ServerProcess(REAL_SERVER)
    yield s
    s.stop()


@pytest.fixture
def real(real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    c = real_server.client(decode_responses=False)
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def server_factory(datadir):
    # Depends on datadir so that pytest stops these servers before it
    # removes that directory: a server saving on shutdown into a removed
    # directory fails the save and refuses to exit (as Redis does), and
    # stop() then waits its full timeout before killing it.
    started = []

    def start(*args, binary=OUR_SERVER, config_text=None, wrapper=()):
        s = ServerProcess(binary, args, config_text, wrapper)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def datadir():
    """A data directory that outlives the servers started on it in a test
    (restarts, loading another server's files)."""
    d = tempfile.mkdtemp(prefix="tieredis-data-")
    yield d
    shutil.rmtree(d, ignore_errors=True)
