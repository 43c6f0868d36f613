"""Completion offers the names a DDL statement just made (and stops offering dropped ones) on the next
Tab, over the network as in-process: both connections' schemas are current once the statement returns."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from shell.batch import Shell
from shell.completion import complete
from shell.connection.base import Connection
from shell.connection.driver import DriverConnection, DriverOptions
from shell.connection.embedded import EmbeddedConnection


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    node = Node(tmp_path_factory.mktemp("ddl") / "cluster" / "node1", cluster_name="ddl")
    served = NodeServer(node, "127.0.0.1", 0)
    served.start()
    yield served
    served.stop()
    node.close()


def run(connection: Connection, text: str) -> None:
    err = io.StringIO()
    Shell(connection, io.StringIO(), err).run_text(text)
    assert err.getvalue() == ""


def names_follow_ddl(connection: Connection) -> None:
    run(
        connection,
        "CREATE KEYSPACE fresh WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}; "
        "CREATE TABLE fresh.orders (id int PRIMARY KEY, total decimal); CREATE TYPE fresh.address (street text);",
    )
    assert complete("USE fr", connection.schema(), None) == ["fresh"]
    assert complete("SELECT * FROM fresh.", connection.schema(), None) == ["orders"]
    assert complete("SELECT * FROM fresh.orders WHERE t", connection.schema(), None) == ["TOKEN", "total"]
    assert complete("ALTER TYPE fresh.", connection.schema(), None) == ["address"]
    run(connection, "ALTER TABLE fresh.orders ADD placed timestamp; DROP TYPE fresh.address;")
    assert complete("ALTER TYPE fresh.", connection.schema(), None) == []
    assert complete("SELECT * FROM fresh.orders WHERE p", connection.schema(), None) == ["placed"]
    run(connection, "DROP TABLE fresh.orders;")
    assert complete("SELECT * FROM fresh.", connection.schema(), None) == []
    run(connection, "DROP KEYSPACE fresh;")
    assert complete("USE fr", connection.schema(), None) == []


def test_over_the_network(server: NodeServer) -> None:
    connection = DriverConnection(DriverOptions(port=server.port))
    try:
        names_follow_ddl(connection)
    finally:
        connection.close()


def test_in_process(tmp_path: Path) -> None:
    connection = EmbeddedConnection(tmp_path / "cluster")
    try:
        names_follow_ddl(connection)
    finally:
        connection.close()
