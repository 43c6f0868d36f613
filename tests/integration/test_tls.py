"""TLS on the native protocol (``client_encryption_options``): cassandra-driver and the real cqlsh connect
over TLS, a wrong CA or a plaintext client is refused without harming the server, client certificates are
required when asked for. The CA and certificates are made at test time with the ``openssl`` command."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cassandra.cluster import Cluster, NoHostAvailable

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.transport.tls import TlsConfigurationError, server_ssl_context

OPENSSL = shutil.which("openssl")
CQLSH = Path(sys.executable).with_name("cqlsh")

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed to make certificates")

# an OPTIONS request, v4: version, flags, stream 0, opcode 5, empty body
OPTIONS_FRAME = bytes([0x04, 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0])


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
        cwd=directory,
    )  # fmt: skip
    return cert, key


def _make_signed(directory: Path, name: str, ca: tuple[Path, Path], extensions: str) -> tuple[Path, Path]:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    ext = directory / f"{name}.ext"
    ext.write_text(extensions)
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", f"/CN={name}",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", ext,
        cwd=directory,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = _make_ca(directory, "cqlkit-test-ca")
    other_ca, _ = _make_ca(directory, "someone-else-ca")
    server = _make_signed(directory, "node1", ca, "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    client = _make_signed(directory, "app-client", ca, "extendedKeyUsage=clientAuth\n")
    return Pki(ca[0], server[0], server[1], client[0], client[1], other_ca)


def _client_context(ca: Path, *, cert: Pki | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        context.load_cert_chain(str(cert.client_cert), str(cert.client_key))
    return context


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("tls_cluster")
    node = Node(directory / "node1", cluster_name="Test Cluster")
    server = NodeServer(node, "127.0.0.1", 0, ssl_certfile=pki.server_cert, ssl_keyfile=pki.server_key)
    server.start()
    yield server
    server.stop()
    node.close()


def _cluster(server: NodeServer, *, timeout: float = 5, **kwargs: object) -> Cluster:
    return Cluster(["127.0.0.1"], port=server.port, connect_timeout=timeout, protocol_version=5, **kwargs)


def _release_version(cluster: Cluster) -> str:
    try:
        session = cluster.connect()
        return str(session.execute("SELECT release_version FROM system.local").one().release_version)
    finally:
        cluster.shutdown()


def test_driver_connects_over_tls_and_round_trips(tls_server: NodeServer, pki: Pki) -> None:
    cluster = _cluster(tls_server, ssl_context=_client_context(pki.ca))
    try:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE tls WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE tls.t (k int PRIMARY KEY, v text)")
        insert = session.prepare("INSERT INTO tls.t (k, v) VALUES (?, ?)")
        for k in range(20):
            session.execute(insert, (k, f"secret {k}"))
        rows = session.execute("SELECT k, v FROM tls.t WHERE k = 7").all()
        assert [(r.k, r.v) for r in rows] == [(7, "secret 7")]
        assert session.execute("SELECT count(*) FROM tls.t").one().count == 20
    finally:
        cluster.shutdown()


def test_the_server_speaks_tls_1_2_or_newer(tls_server: NodeServer, pki: Pki) -> None:
    context = _client_context(pki.ca)
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        tls.sendall(OPTIONS_FRAME)
        header = tls.recv(9)
        assert header[0] == 0x84 and header[4] == 0x06  # a v4 response frame, SUPPORTED
    assert server_ssl_context(pki.server_cert, pki.server_key).minimum_version == ssl.TLSVersion.TLSv1_2


def test_a_wrong_ca_fails_the_handshake(tls_server: NodeServer, pki: Pki) -> None:
    cluster = _cluster(tls_server, ssl_context=_client_context(pki.other_ca))
    with pytest.raises(NoHostAvailable) as failure:
        _release_version(cluster)
    assert "CERTIFICATE_VERIFY_FAILED" in str(failure.value)
    assert _release_version(_cluster(tls_server, ssl_context=_client_context(pki.ca))).startswith("5.0.")


def test_a_plaintext_client_is_disconnected_and_the_server_keeps_serving(
    tls_server: NodeServer, pki: Pki
) -> None:
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as plain:
        plain.sendall(OPTIONS_FRAME)
        received = b""
        try:
            while chunk := plain.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    # whatever came back is a TLS alert record (content type 21), never a protocol frame
    assert received == b"" or received[0] == 21
    with pytest.raises(NoHostAvailable):
        _release_version(_cluster(tls_server, timeout=1))
    assert _release_version(_cluster(tls_server, ssl_context=_client_context(pki.ca))).startswith("5.0.")
    deadline = time.monotonic() + 5  # the server sees the driver's close asynchronously
    while tls_server.transport.connection_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tls_server.transport.connection_count == 0


def test_client_certificates_when_required(tmp_path: Path, pki: Pki) -> None:
    node = Node(tmp_path / "node1")
    server = NodeServer(
        node,
        "127.0.0.1",
        0,
        ssl_certfile=pki.server_cert,
        ssl_keyfile=pki.server_key,
        ssl_ca_certfile=pki.ca,
        ssl_require_client_auth=True,
    )
    server.start()
    try:
        with pytest.raises(NoHostAvailable):
            _release_version(_cluster(server, timeout=1, ssl_context=_client_context(pki.ca)))
        with_cert = _client_context(pki.ca, cert=pki)
        assert _release_version(_cluster(server, ssl_context=with_cert)).startswith("5.0.")
    finally:
        server.stop()
        node.close()


def test_configuration_errors_name_the_problem(tmp_path: Path, pki: Pki) -> None:
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(TlsConfigurationError, match=f"Cannot load the server certificate {missing}"):
        server_ssl_context(missing, pki.server_key)
    with pytest.raises(TlsConfigurationError, match="Cannot load the server certificate"):
        server_ssl_context(pki.server_cert, pki.client_key)  # a key that does not match
    with pytest.raises(TlsConfigurationError, match="require_client_auth needs a CA"):
        server_ssl_context(pki.server_cert, pki.server_key, require_client_auth=True)
    node = Node(tmp_path / "node1")
    try:
        with pytest.raises(TlsConfigurationError, match="need the server certificate"):
            NodeServer(node, "127.0.0.1", 0, ssl_keyfile=pki.server_key)
    finally:
        node.close()


@pytest.mark.skipif(not CQLSH.exists(), reason="the real cqlsh is not installed next to this Python")
def test_real_cqlsh_connects_with_ssl_and_cqlshrc(tls_server: NodeServer, pki: Pki, tmp_path: Path) -> None:
    cqlshrc = tmp_path / "cqlshrc"
    cqlshrc.write_text(f"[ssl]\ncertfile = {pki.ca}\nvalidate = true\n")
    env = {**os.environ, "HOME": str(tmp_path), "TZ": "UTC", "COLUMNS": "80", "NO_COLOR": "1"}
    command = [str(CQLSH), "127.0.0.1", str(tls_server.port), "--cqlshrc", str(cqlshrc)]
    query = "SELECT cluster_name FROM system.local;"
    secure = subprocess.run(
        [*command, "--ssl", "-e", query], capture_output=True, text=True, env=env, timeout=60
    )
    assert (secure.returncode, secure.stderr) == (0, "")
    assert secure.stdout == "\n cluster_name\n--------------\n Test Cluster\n\n(1 rows)\n"
    plain = subprocess.run(
        [*command, "--connect-timeout", "1", "-e", query], capture_output=True, text=True, env=env, timeout=60
    )
    assert plain.returncode == 1
    assert "Connection error" in plain.stderr
