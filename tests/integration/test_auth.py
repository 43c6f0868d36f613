"""PasswordAuthenticator and CassandraAuthorizer over the native protocol, proven with cassandra-driver
(PlainTextAuthProvider, protocol v3/v4/v5), the real cqlsh (-u/-p), and raw frames."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra import AuthenticationFailed, Unauthorized
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable

from engine.auth import passwords
from engine.auth.service import AuthService
from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from tests.integration.conftest import driver_cluster

CQLSH = Path(sys.executable).with_name("cqlsh")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("secured")
    node = Node(directory / "node1", cluster_name=directory.name)
    service = AuthService.create(
        directory / "node1" / "data" / "system_auth",
        authenticator="PasswordAuthenticator",
        authorizer="CassandraAuthorizer",
        cost=passwords.TEST_COST,
    )
    node.query_processor.install_auth(service)
    server = NodeServer(node, "127.0.0.1", 0)
    server.start()
    admin = driver_cluster(server, 4, auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
    session = admin.connect()
    session.execute(
        "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute("CREATE TABLE shop.items (id int PRIMARY KEY, name text)")
    session.execute("INSERT INTO shop.items (id, name) VALUES (1, 'tea')")
    session.execute("CREATE ROLE alice WITH PASSWORD = 'wonder' AND LOGIN = true")
    admin.shutdown()
    yield server
    server.stop()
    node.close()


def _login(server: NodeServer, user: str, password: str, version: int = 4):
    return driver_cluster(server, version, auth_provider=PlainTextAuthProvider(user, password))


@pytest.mark.parametrize("version", [3, 4, 5])
def test_login_succeeds_and_fails(secured: NodeServer, version: int) -> None:
    cluster = _login(secured, "cassandra", "cassandra", version)
    try:
        row = cluster.connect().execute("SELECT release_version FROM system.local").one()
        assert row.release_version
    finally:
        cluster.shutdown()
    bad = _login(secured, "cassandra", "nope", version)
    try:
        with pytest.raises(NoHostAvailable) as error:
            bad.connect()
        failure = next(iter(error.value.errors.values()))
        assert isinstance(failure, AuthenticationFailed)
        assert (
            'code=0100 [Bad credentials] message="Provided username cassandra and/or password are incorrect"'
            in str(failure)
        )
    finally:
        bad.shutdown()


def test_no_credentials_against_password_authenticator(secured: NodeServer) -> None:
    cluster = driver_cluster(secured, 4)
    try:
        with pytest.raises(NoHostAvailable) as error:
            cluster.connect()
        failure = next(iter(error.value.errors.values()))
        assert isinstance(failure, AuthenticationFailed)
        assert str(failure) == "Remote end requires authentication"  # the driver's words on AUTHENTICATE
    finally:
        cluster.shutdown()


def test_grant_then_select_and_list_permissions(secured: NodeServer) -> None:
    alice = _login(secured, "alice", "wonder")
    admin = _login(secured, "cassandra", "cassandra")
    try:
        mine = alice.connect()
        with pytest.raises(Unauthorized) as error:
            mine.execute("SELECT * FROM shop.items")
        assert (
            'message="User alice has no SELECT permission on <table shop.items> or any of its parents"'
            in str(error.value)
        )
        root = admin.connect()
        root.execute("GRANT SELECT ON TABLE shop.items TO alice")
        assert [tuple(r) for r in mine.execute("SELECT * FROM shop.items")] == [(1, "tea")]
        prepared = mine.prepare("SELECT name FROM shop.items WHERE id = ?")
        assert mine.execute(prepared, (1,)).one().name == "tea"
        with pytest.raises(Unauthorized):
            mine.execute("INSERT INTO shop.items (id, name) VALUES (2, 'cake')")
        rows = root.execute("LIST ALL PERMISSIONS OF alice")
        assert rows.column_names == ["role", "username", "resource", "permission"]
        assert [tuple(r) for r in rows] == [("alice", "alice", "<table shop.items>", "SELECT")]
        root.execute("REVOKE SELECT ON TABLE shop.items FROM alice")
        with pytest.raises(Unauthorized):
            mine.execute(prepared, (1,))
    finally:
        alice.shutdown()
        admin.shutdown()


def _frame(version: int, stream: int, opcode: int, body: bytes) -> bytes:
    return struct.pack(">BBhBI", version, 0, stream, opcode, len(body)) + body


def _read(sock: socket.socket) -> tuple[int, bytes]:
    header = b""
    while len(header) < 9:
        header += sock.recv(9 - len(header))
    _, _, _, opcode, length = struct.unpack(">BBhBI", header)
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return opcode, body


def test_raw_handshake_and_statement_before_auth(secured: NodeServer) -> None:
    startup = struct.pack(">H", 1) + b"".join(
        struct.pack(">H", len(s)) + s for s in (b"CQL_VERSION", b"3.0.0")
    )
    with socket.create_connection(("127.0.0.1", secured.port), timeout=5) as sock:
        sock.sendall(_frame(4, 0, 0x01, startup))
        opcode, body = _read(sock)
        assert opcode == 0x03  # AUTHENTICATE
        assert body == struct.pack(">H", 47) + b"org.apache.cassandra.auth.PasswordAuthenticator"
        query = struct.pack(">I", 8) + b"SELECT 1" + struct.pack(">HB", 1, 0)
        sock.sendall(_frame(4, 1, 0x07, query))
        opcode, body = _read(sock)
        assert opcode == 0x00  # ERROR
        code, length = struct.unpack(">IH", body[:6])
        assert (code, body[6 : 6 + length]) == (0x000A, b"Unexpected message QUERY, expecting SASL_RESPONSE")
        token = b"\x00cassandra\x00cassandra"
        sock.sendall(_frame(4, 2, 0x0F, struct.pack(">i", len(token)) + token))
        opcode, body = _read(sock)
        assert (opcode, body) == (0x10, struct.pack(">i", -1))  # AUTH_SUCCESS, no token


@pytest.mark.skipif(not CQLSH.exists(), reason="the real cqlsh is not installed next to this Python")
def test_real_cqlsh_logs_in(secured: NodeServer, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "TZ": "UTC", "COLUMNS": "80", "NO_COLOR": "1"}

    def cqlsh(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(CQLSH), "127.0.0.1", str(secured.port), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    ok = cqlsh("-u", "cassandra", "-p", "cassandra", "-e", "LIST ROLES; LIST USERS")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == (
        "\n"
        " role      | super | login | options | datacenters\n"
        "-----------+-------+-------+---------+-------------\n"
        "     alice | False |  True |        {} |         ALL\n"
        " cassandra |  True |  True |        {} |         ALL\n"
        "\n"
        "(2 rows)\n"
        "\n"
        " name      | super | datacenters\n"
        "-----------+-------+-------------\n"
        "     alice | False |         ALL\n"
        " cassandra |  True |         ALL\n"
        "\n"
        "(2 rows)\n"
    )
    denied = cqlsh("-u", "alice", "-p", "wonder", "-e", "SELECT * FROM shop.items")
    assert denied.returncode == 2
    assert denied.stderr.strip().endswith(
        'Unauthorized: Error from server: code=2100 [Unauthorized] message="User alice has no SELECT '
        'permission on <table shop.items> or any of its parents"'
    )
    wrong = cqlsh("-u", "cassandra", "-p", "bad", "-e", "SELECT * FROM system.local")
    assert wrong.returncode != 0
    assert "Provided username cassandra and/or password are incorrect" in wrong.stderr


def test_node_server_configures_auth_as_cassandra_yaml_names_it(tmp_path: Path) -> None:
    from engine.errors import ConfigurationException

    node = Node(tmp_path / "node1")
    try:
        with pytest.raises(ConfigurationException, match=r"^Unknown authenticator: LdapAuthenticator$"):
            NodeServer(node, "127.0.0.1", 0, authenticator="LdapAuthenticator")
        server = NodeServer(
            node,
            "127.0.0.1",
            0,
            authenticator="org.apache.cassandra.auth.PasswordAuthenticator",
            authorizer="CassandraAuthorizer",
        )
        with server:
            cluster = _login(server, "cassandra", "cassandra")
            try:
                session = cluster.connect()
                roles = session.execute("SELECT role, is_superuser, salted_hash FROM system_auth.roles")
                [(role, is_superuser, salted_hash)] = [tuple(r) for r in roles]
                assert (role, is_superuser) == ("cassandra", True)
                assert salted_hash.startswith("$scrypt$ln=14,r=8,p=1$")  # the real cost when served
            finally:
                cluster.shutdown()
    finally:
        node.close()
    assert (tmp_path / "node1" / "data" / "system_auth" / "auth_state.db").exists()


def _serve(command: list[str], env: dict[str, str], *flags: str) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [*command, "serve", "--cluster", "secure", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    banner = server.stdout.readline() if server.stdout is not None else ""
    assert banner.startswith("cqlkit: serving cluster 'secure' on 127.0.0.1:"), banner
    return server, int(banner.split("127.0.0.1:")[1].split()[0])


def _stop(server: subprocess.Popen[str]) -> None:
    server.send_signal(signal.SIGTERM)
    server.communicate(timeout=20)
    assert server.returncode == 0


def test_cqlkit_serve_with_password_authenticator_keeps_roles_across_restarts(tmp_path: Path) -> None:
    env = {**os.environ, "CQLKIT_HOME": str(tmp_path / "home")}
    command = [str(Path(sys.executable).with_name("cqlkit"))]
    flags = ("--authenticator", "PasswordAuthenticator", "--authorizer", "CassandraAuthorizer")
    refused = subprocess.run(
        [*command, "serve", "--cluster", "secure", "--port", "0", "--authenticator", "Kerberos"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (refused.returncode, refused.stderr) == (2, "cqlkit serve: Unknown authenticator: Kerberos\n")
    server, port = _serve(command, env, *flags)
    try:
        admin = Cluster(
            ["127.0.0.1"], port=port, auth_provider=PlainTextAuthProvider("cassandra", "cassandra")
        )
        session = admin.connect()
        session.execute("CREATE ROLE ops WITH PASSWORD = 'opspw' AND LOGIN = true AND SUPERUSER = true")
        admin.shutdown()
    finally:
        _stop(server)
    server, port = _serve(command, env, *flags)
    try:
        ops = Cluster(["127.0.0.1"], port=port, auth_provider=PlainTextAuthProvider("ops", "opspw"))
        roles = [r.role for r in ops.connect().execute("LIST ROLES")]
        ops.shutdown()
        assert roles == ["cassandra", "ops"]
    finally:
        _stop(server)
    state = tmp_path / "home" / "clusters" / "secure" / "node1" / "data" / "system_auth" / "auth_state.db"
    assert b"opspw" not in state.read_bytes()
