"""The real cqlsh (PyPI ``cqlsh``) against a cqlkit node prints exactly what ``cqlkit cqlsh`` prints
in-process for the same statements on the same data."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from shell.cli import main as embedded_cqlsh

CQLSH = Path(sys.executable).with_name("cqlsh")

SETUP = [
    "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TYPE shop.address (street text, zip int)",
    "CREATE TABLE shop.orders (customer text, placed timestamp, id uuid, total decimal, items list<text>, "
    "tags set<text>, qty map<text, int>, shipped boolean, ship_to frozen<address>, "
    "PRIMARY KEY (customer, placed)) WITH CLUSTERING ORDER BY (placed DESC) AND comment = 'orders'",
    "CREATE INDEX orders_shipped ON shop.orders (shipped)",
    "INSERT INTO shop.orders (customer, placed, id, total, items, tags, qty, shipped, ship_to) VALUES "
    "('ada', '2024-03-01 10:00:00+0000', 5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 12.50, ['tea', 'cake'], "
    "{'gift'}, {'tea': 2, 'cake': 1}, true, {street: 'Main St', zip: 12345})",
    "INSERT INTO shop.orders (customer, placed, id, total, shipped) VALUES "
    "('ada', '2024-03-02 11:30:00+0000', 0e7d8c3e-7b1f-4d5e-9b8a-2c3d4e5f6a7b, 3.99, false)",
    "INSERT INTO shop.orders (customer, placed, total) VALUES ('bob', '2024-01-15 08:00:00+0000', 100)",
]

STATEMENTS = (
    "SELECT * FROM shop.orders; "
    "SELECT customer, total, items FROM shop.orders WHERE customer = 'ada'; "
    "SELECT count(*) FROM shop.orders; "
    "DESCRIBE KEYSPACES; "
    "DESCRIBE KEYSPACE shop; "
    "DESCRIBE TABLE shop.orders; "
    "DESCRIBE TYPE shop.address; "
    "USE shop; "
    "DESCRIBE TABLES; "
    "DESCRIBE CLUSTER; "
    "SELECT * FROM orders WHERE customer = 'nobody';"
)


@pytest.mark.skipif(not CQLSH.exists(), reason="the real cqlsh is not installed next to this Python")
def test_real_cqlsh_output_equals_the_embedded_shell(tmp_path: Path) -> None:
    directory = tmp_path / "shop_cluster"
    node = Node(directory / "node1", cluster_name=directory.name)
    for statement in SETUP:
        node.query_processor.execute(statement, ClientState())
    server = NodeServer(node, "127.0.0.1", 0)
    server.start()
    env = {**os.environ, "HOME": str(tmp_path), "TZ": "UTC", "COLUMNS": "80", "NO_COLOR": "1"}
    try:
        real = subprocess.run(
            [str(CQLSH), "127.0.0.1", str(server.port), "-e", STATEMENTS],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        server.stop()
        node.close()
    assert real.returncode == 0, real.stderr
    assert real.stderr == ""
    stdout, stderr = io.StringIO(), io.StringIO()
    status = embedded_cqlsh(["--cluster", str(directory), "-e", STATEMENTS], stdout=stdout, stderr=stderr)
    assert (status, stderr.getvalue()) == (0, "")
    assert real.stdout == stdout.getvalue()
    assert "(3 rows)" in real.stdout and "CREATE TYPE shop.address" in real.stdout
