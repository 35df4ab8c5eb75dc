"""Replication over TLS (`tls-replication yes`): the replica connects to its
master's tls-port, presents tls-client-cert-file (else tls-cert-file) and
verifies the master against tls-ca-cert-file; the master sends the payload
(disk and diskless) and the stream through that TLS connection. Ours with
ours, ours with Debian's redis-server 7.0 either way; datasets compared key
by key as in test_repl.py."""
import subprocess

import pytest

from conftest import OUR_SERVER, REAL_SERVER
from test_repl import DEADLINE, FAST, SYNC_MODES, check_clients as check, fill, in_sync, info_repl, snapshot, wait_until
from test_tls import certs, openssl, pytestmark as tls_mark, tls_args, tls_client  # noqa: F401 (certs: fixture)

pytestmark = [tls_mark, pytest.mark.skipif(REAL_SERVER is None, reason="Debian's redis-server is not installed")]

# A payload bigger than the socket buffers: TLS writes that would block
# are retried mid-transfer.
BIG_KEYS = 400
BIG_SIZE = 20000


@pytest.fixture(scope="module")
def rogue(tmp_path_factory):
    """A self-signed certificate no test CA vouches for."""
    d = tmp_path_factory.mktemp("rogue")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.crt", "-days",
            "2", "-subj", "/CN=rogue", cwd=d)
    return {"cert": str(d / "rogue.crt"), "key": str(d / "rogue.key")}


def start_tls(server_factory, certs, *extra, binary=OUR_SERVER):
    from conftest import free_port
    port = free_port()
    s = server_factory(*tls_args(certs, port, "--tls-replication", "yes", *extra), binary=binary)
    s.tls_port = port
    return s


def replica_of(server_factory, certs, master, *extra, binary=OUR_SERVER):
    return start_tls(server_factory, certs, "--replicaof", "127.0.0.1", str(master.tls_port), *extra,
                     binary=binary)


def fill_big(c):
    p = c.pipeline(transaction=False)
    for i in range(BIG_KEYS):
        p.set(f"big:{i}", str(i) * (BIG_SIZE // len(str(i))))
    p.execute()


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_ours_to_ours_over_tls(server_factory, certs, mode):
    # The master listens on its tls-port only; the replica presents its own
    # client certificate (tls-client-*) and, diskless, loads from memory.
    m = start_tls(server_factory, certs, *FAST, *SYNC_MODES[mode])
    assert m.client().config_set("port", 0)
    mc = tls_client(m, certs)
    fill(mc)
    fill_big(mc)
    load = ("--repl-diskless-load", "swapdb") if mode == "diskless" else ()
    s = replica_of(server_factory, certs, m, "--tls-client-cert-file", certs["ccert"], "--tls-client-key-file",
                   certs["ckey"], *load)
    sc = s.client()
    check(mc, sc, filled=True)
    assert ("target: replicas sockets" if mode == "diskless" else "target: disk") in m.read_log()
    info = info_repl(sc)
    assert info["master_port"] == m.tls_port and info["master_link_status"] == "up"
    # With tls-replication the replica announces its tls-port, as Redis.
    assert info_repl(mc)["slave0"]["port"] == s.tls_port
    # The master's side of the link is a TLS client like any other.
    replicas = [c for c in mc.client_list() if "S" in c["flags"]]
    assert len(replicas) == 1 and replicas[0]["laddr"].endswith(f":{m.tls_port}")
    # A lost link continues with a partial resync, over TLS again.
    sc.client_kill_filter(_type="master")
    mc.set("after-kill", "v")
    mc.incr("int")
    wait_until(lambda: in_sync(mc, sc) and sc.get("after-kill") == b"v", "the partial resync over TLS")
    log = m.read_log()
    assert "Partial resynchronization request" in log and "accepted" in log
    assert log.count("Starting BGSAVE for SYNC") == 1
    assert snapshot(sc) == snapshot(mc)


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_redis_replica_of_our_master_over_tls(server_factory, certs, mode):
    m = start_tls(server_factory, certs, *FAST, *SYNC_MODES[mode])
    mc = m.client()
    fill(mc)
    fill_big(mc)
    s = replica_of(server_factory, certs, m, binary=REAL_SERVER)
    sc = s.client()
    check(mc, sc, filled=True)
    assert info_repl(sc)["master_port"] == m.tls_port
    # Redis 7.0 announces its tls-port: the same as ours does above.
    assert info_repl(mc)["slave0"]["port"] == s.tls_port
    wait_until(lambda: info_repl(mc)["slave0"]["offset"] == info_repl(mc)["master_repl_offset"],
               "the Redis replica's ACK over TLS")


@pytest.mark.parametrize("mode", SYNC_MODES)
def test_our_replica_of_redis_master_over_tls(server_factory, certs, mode):
    m = start_tls(server_factory, certs, *FAST, *SYNC_MODES[mode], binary=REAL_SERVER)
    mc = m.client()
    fill(mc)
    fill_big(mc)
    s = replica_of(server_factory, certs, m)
    sc = s.client()
    check(mc, sc, filled=True)
    assert info_repl(sc)["master_port"] == m.tls_port
    assert sc.execute_command("ROLE")[:4] == [b"slave", b"127.0.0.1", m.tls_port, b"connected"]
    wait_until(lambda: info_repl(mc)["slave0"]["offset"] == info_repl(mc)["master_repl_offset"],
               "our REPLCONF ACK over TLS")
    # Redis sees our announced tls-port.
    assert info_repl(mc)["slave0"]["port"] == s.tls_port


def test_certificates_are_checked_both_ways(server_factory, certs, rogue):
    m = start_tls(server_factory, certs, *FAST)
    mc = m.client()
    mc.set("k", "v")
    # A client certificate the master's CA did not sign: refused.
    bad_client = replica_of(server_factory, certs, m, "--tls-client-cert-file", rogue["cert"],
                            "--tls-client-key-file", rogue["key"])
    # A master whose certificate our CA file does not vouch for: refused.
    bad_ca = start_tls(server_factory, {**certs, "ca": rogue["cert"]}, "--tls-auth-clients", "no",
                       "--replicaof", "127.0.0.1", str(m.tls_port))
    # Plain text to the TLS port (tls-replication off) gets nowhere either.
    plain = start_tls(server_factory, certs, "--tls-replication", "no", "--replicaof", "127.0.0.1",
                      str(m.tls_port))
    wait_until(lambda: "alert unknown ca" in bad_client.read_log() and
               "certificate verify failed" in bad_ca.read_log(),
               "both handshakes failing")
    wait_until(lambda: plain.client().info("replication")["master_link_status"] == "down" and
               "MASTER <-> REPLICA sync started" in plain.read_log(), "the plain replica trying")
    for s in (bad_client, bad_ca, plain):
        info = info_repl(s.client())
        assert info["master_link_status"] == "down" and s.client().dbsize() == 0
    assert info_repl(mc)["connected_slaves"] == 0
    # CONFIG SET tls-replication yes: the next connect is over TLS and the
    # link comes up.
    pc = plain.client()
    assert pc.config_set("tls-replication", "yes")
    wait_until(lambda: in_sync(mc, pc), "the replica switched to TLS")
    assert pc.get("k") == b"v" and info_repl(mc)["slave0"]["port"] == plain.tls_port


def test_redis_cli_rdb_over_tls(server_factory, certs, tmp_path):
    m = start_tls(server_factory, certs, *FAST)
    mc = m.client()
    fill(mc)
    fill_big(mc)
    out = tmp_path / "backup.rdb"
    subprocess.run(["redis-cli", "-p", str(m.tls_port), "--tls", "--cacert", certs["ca"], "--cert", certs["ccert"],
                    "--key", certs["ckey"], "--rdb", str(out)], check=True, timeout=DEADLINE, capture_output=True)
    check = subprocess.run(["redis-check-rdb", str(out)], capture_output=True, text=True, timeout=DEADLINE)
    keys = sum(db["keys"] for db in mc.info("keyspace").values())
    assert "RDB looks OK" in check.stdout and f"{keys} keys read" in check.stdout, check.stdout


@pytest.mark.parametrize("binary", [OUR_SERVER, REAL_SERVER], ids=["ours", "redis"])
def test_bad_replication_tls_settings_refuse_startup(server_factory, certs, binary):
    with pytest.raises(RuntimeError, match="No tls-cert-file configured"):
        server_factory("--tls-replication", "yes", binary=binary)
    # The client certificate is loaded with the rest, even without a tls-port.
    with pytest.raises(RuntimeError, match="Failed to load certificate: /nonexistent/client.crt"):
        server_factory("--tls-replication", "yes", "--tls-cert-file", certs["cert"], "--tls-key-file", certs["key"],
                       "--tls-ca-cert-file", certs["ca"], "--tls-client-cert-file", "/nonexistent/client.crt",
                       "--tls-client-key-file", certs["ckey"], binary=binary)


@pytest.mark.parametrize("kinds", ["ours-ours", "ours-redis"])
def test_failover_over_tls(server_factory, certs, kinds):
    """FAILOVER TO the replica's announced tls-port: the old master follows
    the new one over TLS and continues with a partial resync."""
    m = start_tls(server_factory, certs, *FAST)
    s = replica_of(server_factory, certs, m, binary=OUR_SERVER if kinds == "ours-ours" else REAL_SERVER)
    mc, sc = m.client(), s.client()
    fill(mc)
    wait_until(lambda: in_sync(mc, sc), "full sync")
    before = snapshot(mc)
    assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", s.tls_port, "TIMEOUT", 10000) == b"OK"
    wait_until(lambda: info_repl(sc)["role"] == "master" and info_repl(mc)["role"] == "slave"
               and info_repl(mc)["master_link_status"] == "up"
               and info_repl(mc)["master_failover_state"] == "no-failover", "the failover")
    assert info_repl(mc)["master_port"] == s.tls_port
    assert snapshot(sc) == before
    sc.set("after", 1)
    wait_until(lambda: mc.get("after") == b"1", "the old master replicating the new one")
    assert "Successful partial resynchronization" in m.read_log()
