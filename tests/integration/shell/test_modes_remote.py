"""``--mode csv|json`` over the network (cassandra-driver) prints what it prints in-process, and JSON lines
equal the server's own ``SELECT JSON``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from shell.cli import main as cqlsh
from tests.unit.shell.test_modes import SETUP


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("modes_remote") / "cluster"
    node = Node(directory / "node1", cluster_name="modes")
    for statement in SETUP:
        node.query_processor.execute(statement, ClientState())
    served = NodeServer(node, "127.0.0.1", 0)
    served.start()
    yield served
    served.stop()
    node.close()


def remote(server: NodeServer, home: Path, *argv: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    status = cqlsh(
        ["127.0.0.1", str(server.port), "--cqlshrc", str(home / "cqlshrc"), *argv], stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue(), status


def test_json_over_the_network_is_select_json(server: NodeServer, tmp_path: Path) -> None:
    (tmp_path / "cqlshrc").write_text("")
    out, err, status = remote(server, tmp_path, "--mode", "json", "-e", "SELECT * FROM ks.t")
    assert (err, status) == ("", 0)
    served, _, _ = remote(server, tmp_path, "--mode", "json", "-e", "SELECT JSON * FROM ks.t")
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines == [json.loads(line)["[json]"] for line in served.splitlines()]


def test_csv_over_the_network(server: NodeServer, tmp_path: Path) -> None:
    (tmp_path / "cqlshrc").write_text("")
    out, err, status = remote(server, tmp_path, "--mode", "csv", "-e", "SELECT k, c, a, v FROM ks.t")
    assert (err, status) == ("", 0)
    assert out == ('k,c,a,v\r\n1,1,"{street: \'Main St\', Zip: 12345}","[0.5, -2.25]"\r\n1,2,,\r\n2,1,,\r\n')
