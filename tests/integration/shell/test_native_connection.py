"""The native connection (``shell.connection.native``) against a cqlkit server: the same result pages,
errors and keyspace as the driver connection, chosen for batch runs only, and a ``-e`` run that never
loads cassandra-driver."""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from engine.transport.frame import Opcode, encode_frame
from shell.cli import main as cqlsh
from shell.connection.base import QueryError, Settings
from shell.connection.driver import DriverConnection
from shell.connection.native import NativeConnection
from shell.connection.remote_options import DriverOptions
from shell.connection.target import open_connection
from shell.cqlshrc import Cqlshrc
from shell.output.errors import client_timeout_message

SETUP = [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TYPE ks.address (street text, zip int)",
    "CREATE TABLE ks.t (k int, c int, s text static, v list<int>, a frozen<address>, d date, "
    "m map<text, double>, PRIMARY KEY (k, c))",
    "INSERT INTO ks.t (k, c, s, v, a, d, m) VALUES (1, 1, 'x', [1, 2], {street: 'Main', zip: 1}, "
    "'2024-01-02', {'a': 1.5})",
    "INSERT INTO ks.t (k, c) VALUES (1, 2)",
    "INSERT INTO ks.t (k, c) VALUES (2, 1)",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("native") / "cluster"
    node = Node(directory / "node1", cluster_name="native")
    for statement in SETUP:
        node.query_processor.execute(statement, ClientState())
    served = NodeServer(node, "127.0.0.1", 0)
    served.start()
    yield served
    served.stop()
    node.close()


def _pages(connection: object, statement: str, settings: Settings) -> list[object]:
    """The pages, the user types left out when no column mentions one (the driver connection lists
    its keyspace's types for every result, the native one only for results that need them)."""
    try:
        pages = list(connection.execute(statement, settings))  # type: ignore[attr-defined]
    except QueryError as error:
        return [error.text]
    return [
        page
        if any(name in column.cql_type for name in page.user_types for column in page.columns)
        else dataclasses.replace(page, user_types={})
        for page in pages
    ]


STATEMENTS = [
    "SELECT * FROM ks.t",
    "SELECT k, writetime(s), token(k) FROM ks.t WHERE k = 1",
    "SELECT count(*) FROM ks.t",
    "SELECT a, v FROM ks.t WHERE k = 1 AND c = 1",
    "SELECT * FROM ks.missing",
    "SELECT * FROM ks.t WHERE v = 1",
    "SELEC nothing",
    "INSERT INTO ks.t (k, c) VALUES (3, 3)",
    "SELECT * FROM system_schema.keyspaces WHERE keyspace_name = 'ks'",
]


@pytest.mark.parametrize("version", [4, 5])
def test_pages_and_errors_equal_the_driver_connections(server: NodeServer, version: int) -> None:
    options = DriverOptions(port=server.port, protocol_version=version)
    native = NativeConnection(options, column_kinds=True)
    driver = DriverConnection(options)
    try:
        assert native.protocol_version == driver.protocol_version == version
        for fetch_size in (100, 1):
            settings = Settings(fetch_size=fetch_size)
            for statement in STATEMENTS:
                assert _pages(native, statement, settings) == _pages(driver, statement, settings), statement
        assert native.server_info() == driver.server_info()
    finally:
        native.close()
        driver.close()


def test_keyspace_follows_use_and_the_driver_takes_over_what_it_alone_does(server: NodeServer) -> None:
    native = NativeConnection(DriverOptions(port=server.port), "ks")
    try:
        assert native.keyspace == "ks"
        list(native.execute("USE system"))
        assert native.keyspace == "system"
        with pytest.raises(QueryError) as missing:
            native.set_keyspace("nope")
        assert "Keyspace 'nope' does not exist" in missing.value.text
        layout = native.table_layout("ks", "t")  # COPY's layout comes from the driver's metadata
        assert layout is not None and layout.partition_key == ("k",)
        assert native._driver is not None and native._driver.keyspace == "system"
    finally:
        native.close()


def _options(**given: object) -> argparse.Namespace:
    names = ["host", "port", "cluster", "keyspace", "username", "password", "connect_timeout"]
    values = dict.fromkeys([*names, "request_timeout", "protocol_version", "cqlversion", "ssl"])
    values.update(given)
    return argparse.Namespace(**values)


def test_batch_runs_use_the_native_connection_interactive_ones_the_driver(
    server: NodeServer, tmp_path: Path
) -> None:
    rc = Cqlshrc(path=tmp_path / "cqlshrc")
    options = _options(host="127.0.0.1", port=str(server.port))
    batch = open_connection(options, rc, io.StringIO(), {}, batch=True)
    interactive = open_connection(options, rc, io.StringIO(), {}, batch=False)
    versioned = open_connection(
        _options(host="127.0.0.1", port=str(server.port), cqlversion="3.4.7"),
        rc,
        io.StringIO(),
        {},
        batch=True,
    )
    try:
        assert isinstance(batch, NativeConnection)
        assert isinstance(interactive, DriverConnection)
        assert isinstance(versioned, DriverConnection)
    finally:
        for connection in (batch, interactive, versioned):
            connection.close()


def test_refused_connection_reports_the_drivers_error(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = cqlsh(
        ["127.0.0.1", "1", "--cqlshrc", str(tmp_path / "rc"), "-e", "SELECT 1"], stdout=out, stderr=err
    )
    assert status == 1
    assert err.getvalue().startswith(
        "Connection error: ('Unable to connect to any servers', {'127.0.0.1:1': "
    )


def test_a_select_run_does_not_load_cassandra_driver(server: NodeServer, tmp_path: Path) -> None:
    (tmp_path / "cqlshrc").write_text("")
    program = (
        "import sys\n"
        "from shell.cli import main\n"
        f"status = main(['127.0.0.1', '{server.port}', '--cqlshrc', '{tmp_path / 'cqlshrc'}', '-e', "
        "'SELECT k, c, s, v FROM ks.t WHERE k = 1'])\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('cassandra', 'wcwidth')))\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC", "HOME": str(tmp_path)},
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[-1] == "[]"
    assert done.stdout.startswith(
        "\n k | c | s | v\n---+---+---+--------\n 1 | 1 | x | [1, 2]\n 1 | 2 | x |   null\n\n(2 rows)\n"
    )


class _SilentServer:
    """Answers STARTUP with READY (protocol v4), then reads requests and answers none of them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            header = connection.recv(9)
            connection.recv(int.from_bytes(header[5:9], "big"))
            connection.sendall(encode_frame(4, 0, int.from_bytes(header[2:4], "big"), Opcode.READY, b""))
            while connection.recv(65536):
                pass

    def close(self) -> None:
        self.listener.close()


def test_a_request_without_answer_is_the_drivers_client_timeout() -> None:
    silent = _SilentServer()
    try:
        native = NativeConnection(DriverOptions(port=silent.port, protocol_version=4, request_timeout=0.2))
        with pytest.raises(QueryError) as timed_out:
            list(native.execute("SELECT * FROM ks.t"))
        endpoint = f"127.0.0.1:{silent.port}"
        assert timed_out.value.text == client_timeout_message(endpoint)
        native.close()
    finally:
        silent.close()
