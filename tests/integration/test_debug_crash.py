"""Crash reports: DEBUG SEGFAULT, DEBUG ASSERT and real signals write Redis
7.0's bug report to the log (checked section by section against what
Debian's redis-server writes for the same crash), then the process dies by
the signal, as supervisors and core dumps expect."""
import os
import re
import signal
import subprocess
import time

import pytest
import redis

from conftest import REAL_SERVER, OUR_SERVER, ServerProcess

# No core files in the test directories.
NO_CORE = ("prlimit", "--core=0")

SECTIONS = [
    "=== REDIS BUG REPORT START: Cut & paste starting from here ===",
    "------ STACK TRACE ------",
    "------ INFO OUTPUT ------",
    "------ CLIENT LIST OUTPUT ------",
    "------ CURRENT CLIENT INFO ------",
    "------ MODULES INFO OUTPUT ------",
    "------ CONFIG DEBUG OUTPUT ------",
    "------ FAST MEMORY TEST ------",
    "=== REDIS BUG REPORT END. Make sure to include from START to END. ===",
]


def crash(server, *cmd):
    """Sends cmd, which must end the server; returns its exit status and log."""
    c = server.client()
    c.set("mykey", "myvalue")
    with pytest.raises(redis.ConnectionError):
        c.execute_command(*cmd)
    server.proc.wait(timeout=20)
    return server.proc.returncode, server.read_log()


def positions(log, needles):
    return [log.find(n) for n in needles]


def start(server_factory, *args, binary=OUR_SERVER):
    return server_factory("--enable-debug-command", "yes", *args, binary=binary, wrapper=NO_CORE)


def test_segfault_writes_the_report_then_dies_by_the_signal(server_factory):
    ours = start(server_factory)
    rc, log = crash(ours, "DEBUG", "SEGFAULT")
    assert rc == -signal.SIGSEGV
    pos = positions(log, SECTIONS)
    assert -1 not in pos, log
    assert pos == sorted(pos)  # in Redis's order
    assert re.search(r"# Redis 7\.0\.15 crashed by signal: 11, si_code: \d+\n", log)
    assert re.search(r"# Accessing address: 0x[0-9a-f]+\n", log)
    assert re.search(r"# Crashed running the instruction at: 0x[0-9a-f]+\n", log)
    # The stack trace names our functions (backtrace_symbols_fd, -rdynamic).
    trace = log[log.find("------ STACK TRACE ------"):log.find("------ REGISTERS ------")]
    assert "redis-server(" in trace and "CrashBySegfault" in trace
    assert "redis_version:7.0.15" in log
    assert "argv[0]: '\"DEBUG\"'\nargv[1]: '\"SEGFAULT\"'\n" in log
    assert "Fast memory test PASSED" in log


def test_sections_match_redis(server_factory):
    if REAL_SERVER is None:
        pytest.skip("Debian's redis-server is not installed")
    logs = []
    for binary in (OUR_SERVER, REAL_SERVER):
        s = start(server_factory, binary=binary)
        rc, log = crash(s, "DEBUG", "SEGFAULT")
        assert rc == -signal.SIGSEGV
        logs.append(log)
    for sec in SECTIONS + ["------ REGISTERS ------", "crashed by signal: 11", "Accessing address: ",
                           "Crashed running the instruction at: ", "Backtrace:\n",
                           "argv[1]: '\"SEGFAULT\"'", "Fast memory test PASSED"]:
        assert (sec in logs[0]) == (sec in logs[1]) == True, sec  # noqa: E712


def test_a_signal_from_outside_names_its_sender(server_factory):
    ours = start(server_factory)
    ours.client().ping()
    os.kill(ours.proc.pid, signal.SIGBUS)
    ours.proc.wait(timeout=20)
    assert ours.proc.returncode == -signal.SIGBUS
    log = ours.read_log()
    assert "crashed by signal: 7, si_code: 0" in log
    assert f"Killed by PID: {os.getpid()}, UID: {os.getuid()}" in log
    assert "------ CURRENT CLIENT INFO ------" not in log  # no command was running
    assert SECTIONS[-1] in log


@pytest.mark.parametrize("sub,lines", [
    ("ASSERT", [r"=== ASSERTION FAILED ===\n", r"==> .*:\d+ '1 == 2' is not true\n"]),
    ("PANIC", [r"!!! Software Failure\. Press left mouse button to continue\n",
               r"Guru Meditation: DEBUG PANIC called at Unix time \d+\n"]),
])
def test_assert_and_panic_write_the_report_and_abort(server_factory, sub, lines):
    ours = start(server_factory, "--crash-memcheck-enabled", "no")
    rc, log = crash(ours, "DEBUG", sub)
    assert rc == -signal.SIGABRT
    for line in lines:
        assert re.search(r"# " + line, log), (line, log)
    assert "------ STACK TRACE ------" in log and "------ INFO OUTPUT ------" in log
    assert "------ FAST MEMORY TEST ------" not in log
    assert SECTIONS[-1] in log
    # One report: abort() after it does not start a second one.
    assert log.count(SECTIONS[0]) == 1


def test_crash_log_disabled_at_run_time(server_factory):
    ours = start(server_factory)
    c = ours.client()
    assert c.config_get("crash-log-enabled") == {"crash-log-enabled": "yes"}
    c.config_set("crash-log-enabled", "no")
    rc, log = crash(ours, "DEBUG", "SEGFAULT")
    assert rc == -signal.SIGSEGV
    assert "crashed by signal" not in log and SECTIONS[0] not in log



def test_oom_writes_the_report_and_aborts(server_factory):
    ours = start(server_factory, "--crash-memcheck-enabled", "no")
    rc, log = crash(ours, "DEBUG", "OOM")
    assert rc == -signal.SIGABRT
    assert re.search(r"# Out Of Memory allocating \d+ bytes!\n", log)
    assert re.search(r"# Guru Meditation: Redis aborting for OUT OF MEMORY\. Allocating \d+ bytes!", log)
    assert SECTIONS[-1] in log


def test_use_exit_on_panic_exits_with_1(server_factory):
    ours = start(server_factory, "--crash-memcheck-enabled", "no", "--use-exit-on-panic", "yes")
    rc, log = crash(ours, "DEBUG", "ASSERT")
    assert rc == 1
    assert SECTIONS[-1] in log
