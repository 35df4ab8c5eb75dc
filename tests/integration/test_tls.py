"""TLS: a tls-port listener with client certificates required, optional or
not asked for, redis-py / redis-cli / redis-benchmark connecting, CONFIG SET
reloading the certificate, and bad input on the TLS port. Certificates are
made for each module run with Debian's openssl CLI. Where Redis can answer
too, Debian's redis-server 7.0 is started with the same files and must
behave the same."""
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import REAL_SERVER, free_port

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl CLI missing")


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=Test CA", cwd=d)
    for name in ("server", "server2", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}", cwd=d)
        (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    openssl("rsa", "-in", "server.key", "-aes256", "-passout", "pass:keypw", "-out", "server-enc.key", cwd=d)
    return {k: str(d / v) for k, v in {
        "ca": "ca.crt", "cert": "server.crt", "key": "server.key", "cert2": "server2.crt", "key2": "server2.key",
        "ccert": "client.crt", "ckey": "client.key", "enckey": "server-enc.key"}.items()}


def tls_args(certs, port, *extra):
    return ["--tls-port", str(port), "--tls-cert-file", certs["cert"], "--tls-key-file", certs["key"],
            "--tls-ca-cert-file", certs["ca"], *extra]


def start(server_factory, certs, *extra, real=False):
    port = free_port()
    kw = {"binary": REAL_SERVER} if real else {}
    s = server_factory(*tls_args(certs, port, *extra), **kw)
    s.tls_port = port
    return s


def tls_client(s, certs, client_cert=True, **kw):
    args = dict(host="127.0.0.1", port=s.tls_port, ssl=True, ssl_ca_certs=certs["ca"], socket_timeout=10,
                ssl_check_hostname=False)
    if client_cert:
        args.update(ssl_certfile=certs["ccert"], ssl_keyfile=certs["ckey"])
    args.update(kw)
    return redis.Redis(**args)


def servers(server_factory, certs, *extra):
    out = [start(server_factory, certs, *extra)]
    if REAL_SERVER is not None:
        out.append(start(server_factory, certs, *extra, real=True))
    return out


def outcome(fn):
    try:
        return ("ok", fn())
    except (redis.ConnectionError, ssl.SSLError, OSError) as e:
        return ("fail", type(e).__name__)


def test_client_certificate_required(server_factory, certs):
    results = []
    for s in servers(server_factory, certs):
        c = tls_client(s, certs)
        c.set("k", "v" * 1000)
        got = c.get("k")
        # A big pipelined exchange crosses many TLS records both ways.
        p = c.pipeline(transaction=False)
        for i in range(2000):
            p.set(f"key:{i}", "x" * 100)
            p.get(f"key:{i}")
        replies = p.execute()
        no_cert = outcome(lambda: tls_client(s, certs, client_cert=False).ping())
        # The plain port still answers.
        plain = s.client().ping()
        results.append((got, replies[-1], no_cert[0], plain))
    assert results[0] == (b"v" * 1000, b"x" * 100, "fail", True)
    assert len(set(results)) == 1


def test_client_certificate_optional_and_off(server_factory, certs):
    for mode in ("optional", "no"):
        for s in servers(server_factory, certs, "--tls-auth-clients", mode):
            assert tls_client(s, certs, client_cert=False).ping()
            assert tls_client(s, certs).ping()


def test_redis_cli_and_benchmark_over_tls(server_factory, certs):
    s = start(server_factory, certs)
    tls = ["--tls", "--cacert", certs["ca"], "--cert", certs["ccert"], "--key", certs["ckey"]]
    out = subprocess.run(["redis-cli", "-p", str(s.tls_port), *tls, "SET", "a", "1"], capture_output=True,
                         text=True, timeout=30)
    assert out.stdout.strip() == "OK", out.stderr
    out = subprocess.run(["redis-cli", "-p", str(s.tls_port), *tls, "GET", "a"], capture_output=True, text=True,
                         timeout=30)
    assert out.stdout.strip() == "1"
    out = subprocess.run(["redis-benchmark", "-p", str(s.tls_port), *tls, "-n", "2000", "-c", "4", "-P", "4",
                          "-t", "set,get", "-q"], capture_output=True, text=True, timeout=60)
    assert "SET:" in out.stdout and "GET:" in out.stdout, out.stdout + out.stderr
    assert s.client().dbsize() >= 2


def test_garbage_and_stalled_handshakes_are_dropped(server_factory, certs):
    s = start(server_factory, certs)
    # Plain RESP on the TLS port: the handshake fails, the connection closes.
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        sock.settimeout(5)
        data = b""
        try:
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        assert b"PONG" not in data
    # Random bytes, and a client that stops in the middle of its hello.
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as sock:
        sock.sendall(os.urandom(3000))
    stalled = socket.create_connection(("127.0.0.1", s.tls_port), timeout=5)
    stalled.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    # Others are served meanwhile.
    assert tls_client(s, certs).ping()
    stalled.close()
    time.sleep(0.1)
    assert tls_client(s, certs).ping()
    assert s.alive()
    info = s.client().info("clients")
    assert info["connected_clients"] == 1


def common_name(s, certs):
    ctx = ssl.create_default_context(cafile=certs["ca"])
    ctx.check_hostname = False
    ctx.load_cert_chain(certs["ccert"], certs["ckey"])
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as t:
            subject = dict(x[0] for x in t.getpeercert()["subject"])
            return subject["commonName"]


def test_certificate_reload(server_factory, certs):
    results = []
    for s in servers(server_factory, certs):
        c = s.client()
        kept = tls_client(s, certs, single_connection_client=True)
        assert kept.ping()
        try:
            c.execute_command("CONFIG", "SET", "tls-cert-file", certs["cert2"], "tls-key-file", certs["key2"])
        except redis.ResponseError as e:
            pytest.fail(str(e))
        new_cn = common_name(s, certs)
        # A certificate and a key that do not belong together are refused,
        # and the server keeps the last good ones.
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command("CONFIG", "SET", "tls-key-file", certs["key"])
        bad = str(e.value)
        results.append((new_cn, bad, kept.ping(), common_name(s, certs),
                        c.config_get("tls-key-file")["tls-key-file"] == certs["key2"]))
    assert results[0] == ("server2", results[0][1], True, "server2", True)
    assert "Unable to update TLS configuration. Check server logs." in results[0][1]
    assert len(set(results)) == 1


def test_encrypted_key_and_protocols(server_factory, certs):
    port = free_port()
    s = server_factory("--tls-port", str(port), "--tls-cert-file", certs["cert"], "--tls-key-file",
                       certs["enckey"], "--tls-key-file-pass", "keypw", "--tls-ca-cert-file", certs["ca"],
                       "--tls-protocols", "TLSv1.3", "--tls-ciphersuites", "TLS_AES_256_GCM_SHA384",
                       "--tls-prefer-server-ciphers", "yes", "--tls-session-caching", "no")
    s.tls_port = port
    assert tls_client(s, certs).ping()
    ctx = ssl.create_default_context(cafile=certs["ca"])
    ctx.check_hostname = False
    ctx.load_cert_chain(certs["ccert"], certs["ckey"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            ctx.wrap_socket(raw)
    assert s.client().config_get("tls-key-file-pass") == {"tls-key-file-pass": "keypw"}


def test_dh_params_file(server_factory, certs, tmp_path):
    dh = tmp_path / "dh.pem"
    openssl("dhparam", "-dsaparam", "-out", str(dh), "2048", cwd=tmp_path)
    s = start(server_factory, certs, "--tls-dh-params-file", str(dh), "--tls-protocols", "TLSv1.2",
              "--tls-ciphers", "DHE-RSA-AES256-GCM-SHA384")
    assert tls_client(s, certs).ping()
    with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
        s.client().config_set("tls-dh-params-file", str(tmp_path / "missing.pem"))
    assert tls_client(s, certs).ping()


def test_bad_tls_setup_refuses_startup(server_factory, certs, tmp_path):
    (tmp_path / "bad.crt").write_text("not a certificate\n")
    with pytest.raises(RuntimeError) as e:
        server_factory("--tls-port", str(free_port()), "--tls-cert-file", str(tmp_path / "bad.crt"),
                       "--tls-key-file", certs["key"], "--tls-ca-cert-file", certs["ca"])
    assert "Failed to configure TLS" in str(e.value)


def test_tls_config_defaults_match_redis(r, real):
    names = ["tls-port", "tls-auth-clients", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
             "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
             "tls-session-cache-timeout", "tls-cluster", "tls-replication", "tls-cert-file", "tls-key-file",
             "tls-ca-cert-file", "tls-ca-cert-dir", "tls-dh-params-file", "tls-client-cert-file"]
    for n in names:
        assert r.config_get(n) == real.config_get(n), n


def test_tls_port_by_config_set(server_factory, certs):
    s = server_factory()
    c = s.client()
    port = free_port()
    c.execute_command("CONFIG", "SET", "tls-cert-file", certs["cert"], "tls-key-file", certs["key"],
                      "tls-ca-cert-file", certs["ca"], "tls-auth-clients", "optional", "tls-port", str(port))
    s.tls_port = port
    assert tls_client(s, certs, client_cert=False).ping()
    c.config_set("tls-port", 0)
    with pytest.raises((redis.ConnectionError, OSError)):
        tls_client(s, certs, client_cert=False).ping()
    assert c.ping()


def test_big_values_and_many_clients_over_tls(server_factory, certs):
    s = start(server_factory, certs)
    c = tls_client(s, certs)
    big = os.urandom(5 * 1024 * 1024)
    c.set("big", big)
    assert c.get("big") == big
    clients = [tls_client(s, certs, single_connection_client=True) for _ in range(20)]
    for i, cl in enumerate(clients):
        cl.set(f"c{i}", i)
    assert [int(cl.get(f"c{i}")) for i, cl in enumerate(clients)] == list(range(20))
    for cl in clients:
        cl.close()
