"""nodetool's runtime switches in-process: handoff (storing and delivering hints), the native transport and
gossip, on a three-node stepped cluster and on a node alone (exact output and exit codes); and
``compact --partition``, which compacts the SSTables that hold one partition."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.main import run
from engine.probe import NodeProbe

CL = engine.ConsistencyLevel


def nodetool(cluster: engine.Cluster, *args: str, node: int = 0) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    probe = NodeProbe(cluster, cluster.nodes[node])

    def connect(host: str | None, port: str) -> contextlib.AbstractContextManager[NodeProbe]:
        return contextlib.nullcontext(probe)

    return run(list(args), out=out, err=err, connect=connect), out.getvalue(), err.getvalue()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[engine.Cluster]:
    with engine.Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        yield opened


def test_disablehandoff_stops_storing_hints_and_pausehandoff_holds_delivery(cluster: engine.Cluster) -> None:
    hints = cluster.nodes[0].membership.hints
    assert nodetool(cluster, "statushandoff") == (0, "Hinted handoff is running\n", "")
    assert nodetool(cluster, "disablehandoff") == (0, "", "")
    assert nodetool(cluster, "statushandoff") == (0, "Hinted handoff is not running\n", "")
    cluster.stop_node("node3")
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.QUORUM)
    assert hints.pending() == 0  # not stored
    assert nodetool(cluster, "enablehandoff") == (0, "", "")
    session.execute("INSERT INTO t (k, v) VALUES (2, 'b')", consistency_level=CL.QUORUM)
    assert hints.pending() == 1
    assert nodetool(cluster, "pausehandoff") == (0, "", "")
    cluster.start_node("node3")
    cluster.advance(20_000)
    assert hints.pending() == 1  # held while paused
    assert nodetool(cluster, "resumehandoff") == (0, "", "")
    cluster.advance(1)
    assert hints.pending() == 0


def test_disablegossip_marks_the_node_down_for_its_peers(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "statusgossip", node=1) == (0, "running\n", "")
    assert nodetool(cluster, "disablegossip", node=1) == (0, "", "")
    assert nodetool(cluster, "statusgossip", node=1) == (0, "not running\n", "")
    cluster.network.deliver_all()
    assert not cluster.nodes[0].sees_alive("127.0.0.2")
    assert nodetool(cluster, "enablegossip", node=1) == (0, "", "")
    cluster.advance(5000)
    assert cluster.nodes[0].sees_alive("127.0.0.2")
    assert nodetool(cluster, "statusgossip", node=1) == (0, "running\n", "")


def test_the_native_transport_is_served_only_by_a_running_server(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "statusbinary") == (0, "not running\n", "")
    code, out, err = nodetool(cluster, "enablebinary")
    assert (code, out) == (2, "")
    assert err.startswith(
        "error: the native transport runs only while the cluster is served (cqlkit serve, cqlkit cluster start)\n"
    )


def test_a_node_alone_keeps_the_handoff_setting_and_has_no_gossip(tmp_path: Path) -> None:
    with engine.Cluster.open(tmp_path / "solo") as cluster:
        assert nodetool(cluster, "statushandoff") == (0, "Hinted handoff is running\n", "")
        assert nodetool(cluster, "disablehandoff") == (0, "", "")
        assert nodetool(cluster, "statushandoff") == (0, "Hinted handoff is not running\n", "")
        assert nodetool(cluster, "pausehandoff") == (0, "", "")
        assert nodetool(cluster, "statusgossip") == (0, "not running\n", "")
        code, out, err = nodetool(cluster, "disablegossip")
        assert (code, out) == (2, "")
        assert err.startswith("error: a node alone in its cluster does not gossip\n")


def test_compact_partition_compacts_the_sstables_holding_the_key(cluster: engine.Cluster) -> None:
    session = cluster.connect("ks")
    node = cluster.nodes[0]
    store = node.storage.table(node.catalog.schema.keyspace("ks").tables["t"].id)
    assert nodetool(cluster, "disableautocompaction", "ks")[0] == 0
    for round_ in range(3):
        session.execute(f"INSERT INTO t (k, v) VALUES (1, 'v{round_}')", consistency_level=CL.ALL)
        session.execute(f"INSERT INTO t (k, v) VALUES ({10 + round_}, 'other')", consistency_level=CL.ALL)
        assert nodetool(cluster, "flush", "ks")[0] == 0
    assert len(store.view.sstables) == 3
    assert nodetool(cluster, "compact", "--partition", "1", "ks", "t") == (0, "", "")
    assert len(store.view.sstables) == 1  # every SSTable held key 1
    code, out, _ = nodetool(cluster, "compact", "--partition", "1", "--user-defined", "x-Data.db")
    assert (code, out) == (2, "")


def test_removenode_status_and_force_with_no_removal_in_progress(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "removenode", "status") == (0, "RemovalStatus: No removals in process.\n", "")
    code, out, err = nodetool(cluster, "removenode", "force")
    assert (code, out) == (2, "RemovalStatus: No removals in process.\n")
    assert err.startswith("error: No tokens to force removal on, call 'removenode' first\n")
    code, out, _ = nodetool(cluster, "removenode")
    assert (code, out) == (
        1,
        "nodetool: Required parameters are missing: remove_operation\n"
        "See 'nodetool help' or 'nodetool help <command>'.\n",
    )
