"""nodetool on a three-node in-process cluster: every node in ``status``, liveness as the asked node sees it,
and ``getendpoints`` agreeing with where the data actually is (``getsstables`` on each node)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator

import pytest

import engine
from admin.nodetool.main import probe_for, run
from engine.probe import NodeProbe


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[engine.Cluster]:
    directory = tmp_path_factory.mktemp("three") / "c"
    with engine.Cluster.open(directory, nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        for i in range(30):
            session.execute(
                f"INSERT INTO ks.t (k, v) VALUES ({i}, 'v{i}')", consistency_level=engine.ConsistencyLevel.ALL
            )
        yield opened


def nodetool(cluster: engine.Cluster, *args: str, node: int = 0) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    probe = NodeProbe(cluster, cluster.nodes[node])

    def connect(host: str | None, port: str) -> contextlib.AbstractContextManager[NodeProbe]:
        return contextlib.nullcontext(probe if host is None else probe_for(cluster, host))

    return run(list(args), out=out, err=err, connect=connect), out.getvalue(), err.getvalue()


ROW = re.compile(r"^(UN|DN)  (127\.0\.0\.[123])  ([\d.]+ (?:bytes|KiB))\s+16      ([\d.]+)%\s+(\S+)  rack1$")


def test_status_lists_every_node_and_effective_ownership(cluster: engine.Cluster) -> None:
    for n in range(3):
        code, out, _ = nodetool(cluster, "flush", node=n)
        assert (code, out) == (0, "")
    code, out, _ = nodetool(cluster, "status", "ks")
    assert code == 0
    lines = out.splitlines()
    assert lines[:5] == [
        "Datacenter: datacenter1",
        "=======================",
        "Status=Up/Down",
        "|/ State=Normal/Leaving/Joining/Moving",
        lines[4],
    ]
    assert lines[4].split() == [
        "--",
        "Address",
        "Load",
        "Tokens",
        "Owns",
        "(effective)",
        "Host",
        "ID",
        "Rack",
    ]
    rows = [ROW.match(line.rstrip()) for line in lines[5:8]]
    assert all(rows), lines
    host_ids = [
        json.loads((cluster.directory / f"node{n}" / "node.json").read_text())["host_id"] for n in (1, 2, 3)
    ]
    assert sorted((r.group(2), r.group(5)) for r in rows) == [
        (f"127.0.0.{n}", host_ids[n - 1]) for n in (1, 2, 3)
    ]
    assert {r.group(1) for r in rows} == {"UN"}
    assert abs(sum(float(r.group(4)) for r in rows) - 200.0) < 0.3  # RF 2: every range twice
    assert lines[8:] == [""]


def test_getendpoints_names_the_nodes_that_hold_the_key(cluster: engine.Cluster) -> None:
    for n in range(3):
        nodetool(cluster, "flush", "ks", node=n)
    for key in ("0", "7", "21"):
        code, out, _ = nodetool(cluster, "getendpoints", "ks", "t", key)
        replicas = out.split()
        assert code == 0 and len(replicas) == 2
        holders = [
            f"127.0.0.{n + 1}"
            for n in range(3)
            if nodetool(cluster, "getsstables", "ks", "t", key, node=n)[1]
        ]
        assert sorted(replicas) == holders, key
        assert nodetool(cluster, "-h", replicas[0], "getsstables", "ks", "t", key)[1].endswith(
            "-big-Data.db\n"
        )


def test_a_stopped_node_is_down(cluster: engine.Cluster) -> None:
    cluster.stop_node("node3")
    try:
        out = nodetool(cluster, "status")[1]
        (row,) = [line for line in out.splitlines() if "127.0.0.3" in line]
        assert row.startswith("DN  127.0.0.3  ")
        described = nodetool(cluster, "describecluster")[1]
        assert "\tLive: 2\n" in described and "\tUnreachable: 1\n" in described
        assert "\tdatacenter1 #Nodes: 3 #Down: 1\n" in described
        code, _, err = nodetool(cluster, "-h", "127.0.0.3", "version")
        assert (code, err) == (
            1,
            "nodetool: Failed to connect to '127.0.0.3:7199' - ConnectException: "
            "'Connection refused (Connection refused)'.\n",
        )
    finally:
        cluster.start_node("node3")
    assert nodetool(cluster, "status")[1].count("\nUN  ") == 3
