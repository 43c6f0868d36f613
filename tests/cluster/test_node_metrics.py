"""What a node's coordinator measures and obeys, as nodetool shows it: every client request timed
(proxyhistograms), read repairs counted (netstats), and ``settimeout`` values above the defaults honoured
and shown in ``system_views.settings``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine.errors import WriteTimeout
from engine.net import Verb
from engine.probe import NodeProbe
from engine.service.client_request_metrics import RequestKind, metrics_of

CL = engine.ConsistencyLevel
N3 = "127.0.0.3"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[engine.Cluster]:
    with engine.Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        yield opened


def test_every_node_times_its_client_requests(cluster: engine.Cluster) -> None:
    session = cluster.connect("ks", node="node2")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')")
    session.execute("SELECT * FROM t WHERE k = 1")
    session.execute("SELECT * FROM t")
    metrics = metrics_of(cluster.node("node2").proxy)
    assert metrics is not None
    counts = {kind: h.count for kind, h in metrics.latencies.items()}
    assert (counts[RequestKind.WRITE], counts[RequestKind.READ], counts[RequestKind.RANGE_SLICE]) == (1, 1, 1)
    with engine.Cluster.open(cluster.directory.parent / "solo") as solo:  # a node alone is metered as well
        alone = solo.connect()
        alone.execute(
            "CREATE KEYSPACE s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        alone.execute("CREATE TABLE s.t (k int PRIMARY KEY)")
        alone.execute("SELECT * FROM s.t WHERE k = 1")
        assert metrics_of(solo.nodes[0].proxy).latencies[RequestKind.READ].count == 1


def test_read_repairs_are_counted_in_netstats(cluster: engine.Cluster) -> None:
    dropped = cluster.network.drop(Verb.MUTATION_REQ, recipient=N3)
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N3)
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.QUORUM)
    cluster.advance(3000)
    cluster.network.remove_drop(dropped)
    cluster.network.remove_drop(hints)
    # node3 coordinates: its own stale copy and node1's differ, so it reads the data and repairs itself
    cluster.connect("ks", node="node3").execute("SELECT * FROM t WHERE k = 1", consistency_level=CL.QUORUM)
    stats = NodeProbe(cluster, cluster.node("node3")).net_stats()
    assert (stats.read_repair_attempted, stats.read_repair_repaired_blocking) == (1, 1)


def test_a_timeout_above_the_default_is_waited_for(cluster: engine.Cluster) -> None:
    NodeProbe(cluster, cluster.nodes[0]).set_timeout("write", 5000)
    cluster.network.partition(cluster.nodes[0].address, N3)
    started = cluster.network.now()
    with pytest.raises(WriteTimeout):
        cluster.connect("ks").execute("INSERT INTO t (k, v) VALUES (2, 'b')", consistency_level=CL.ALL)
    assert cluster.network.now() - started == 5000.0
    cluster.network.heal()
    settings = {r.name: r.value for r in cluster.connect().execute("SELECT * FROM system_views.settings")}
    assert (settings["write_request_timeout"], settings["read_request_timeout"]) == ("5000ms", "5000ms")
    assert (settings["hinted_handoff_enabled"], settings["dynamic_data_masking_enabled"]) == ("true", "false")


def test_the_cas_contention_timeout_is_the_nodes(cluster: engine.Cluster) -> None:
    """A CAS that cannot reach a quorum of promises gives up after the node's ``cascontention`` timeout."""
    probe = NodeProbe(cluster, cluster.nodes[0])
    probe.set_timeout("cascontention", 3000)
    cluster.network.drop(Verb.PAXOS_PREPARE_REQ)  # every prepare is lost: no promise ever arrives
    started = cluster.network.now()
    with pytest.raises(WriteTimeout):
        cluster.connect("ks").execute("INSERT INTO t (k, v) VALUES (9, 'x') IF NOT EXISTS")
    assert cluster.network.now() - started == 3000.0
