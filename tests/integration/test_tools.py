"""The stock tools against our server: redis-benchmark and redis-cli."""
import re
import shutil
import subprocess

import pytest


@pytest.mark.skipif(shutil.which("redis-benchmark") is None, reason="redis-tools not installed")
def test_redis_benchmark_completes_without_errors(our_server):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(our_server.port), "-h", "127.0.0.1", "-t", "set,get,incr,mset",
         "-n", "20000", "-c", "20", "-r", "100000", "-q"],
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    assert "error" not in text.lower(), text
    for test in ("SET", "GET", "INCR", "MSET"):
        assert re.search(rf"^{test}.*requests per second", text, re.M), text


@pytest.mark.skipif(shutil.which("redis-benchmark") is None, reason="redis-tools not installed")
def test_redis_benchmark_pipelined(our_server):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(our_server.port), "-t", "set,get", "-n", "50000", "-P", "16", "-q"],
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "requests per second" in out.stdout


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-tools not installed")
def test_redis_cli(our_server):
    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(our_server.port)] + list(args),
                              capture_output=True, text=True, timeout=30).stdout
    assert cli("ping").strip() == "PONG"
    assert cli("set", "clikey", "hello").strip() == "OK"
    assert cli("get", "clikey").strip() == "hello"
    info = cli("info", "memory")
    assert "used_memory_nvm:" in info
