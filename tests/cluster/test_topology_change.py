"""Bootstrap, decommission and removenode on stepped clusters: every row stays readable at QUORUM and
every replica the ring names holds every row it should, before, during and after the change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.layout import joining_node
from engine.cluster.node import Node
from engine.cluster.session import Cluster
from engine.cluster.topology_change import TopologyChangeError
from engine.db.consistency_level import ConsistencyLevel as CL
from engine.dht.murmur3_partitioner import get_token
from engine.gms import ApplicationState
from engine.streaming import StreamSession

ROWS = 120


def _write(cluster: Cluster, keys: range, *, node: str | None = None) -> None:
    session = cluster.connect("ks", node=node)
    insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)")
    for k in keys:
        session.execute(insert, (k, f"v{k}"), consistency_level=CL.QUORUM)


def _key_token(k: int) -> int:
    return get_token(k.to_bytes(4, "big", signed=True))


def _held(node: Node, k: int) -> bool:
    """Whether ``node``'s own storage has row ``k`` (no coordinator, no other replica involved)."""
    table = node.catalog.schema.keyspace("ks").tables["t"]
    key = k.to_bytes(4, "big", signed=True)
    partition = node.storage.table(table.id).get(key, _key_token(k))
    return partition is not None and bool(partition.rows)


def _assert_replicas_hold(cluster: Cluster, keys: range) -> None:
    """Every node the ring names as a replica of a key holds it (checked on each running node's ring)."""
    observer = cluster.running_nodes()[0].membership
    strategy = observer.replication_strategy("ks")
    missing = []
    for k in keys:
        for address in strategy.natural_replicas(_key_token(k), observer.token_metadata, observer.topology):
            if not _held(cluster.node(address), k):
                missing.append((k, address))
    assert missing == []


def _assert_readable(cluster: Cluster, keys: range, level: CL = CL.QUORUM) -> None:
    for node in cluster.running_nodes():
        rows = cluster.connect("ks", node=node.name).execute("SELECT k FROM t", consistency_level=level)
        assert sorted(r.k for r in rows) == list(keys), node.name


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        _write(opened, range(ROWS))
        yield opened


def test_bootstrap_streams_the_new_nodes_ranges(cluster: Cluster, tmp_path: Path) -> None:
    node4 = cluster.add_node()
    assert (node4.name, node4.address, node4.state) == ("node4", "127.0.0.4", "NORMAL")
    assert all(n.membership.token_metadata.is_member("127.0.0.4") for n in cluster.nodes)
    owned = [k for k in range(ROWS) if _held(node4, k)]
    assert 0 < len(owned) < ROWS  # it replicates a share of the ring, not all of it
    _assert_replicas_hold(cluster, range(ROWS))
    _assert_readable(cluster, range(ROWS))
    layout = json.loads((tmp_path / "c" / "cluster.json").read_text())
    assert [n["name"] for n in layout["nodes"]] == ["node1", "node2", "node3", "node4"]
    assert "state" not in layout["nodes"][3]  # NORMAL is the default, not written
    # system.peers of every node lists the new node with its tokens (what drivers discover)
    peers = cluster.connect(node="node1").execute("SELECT peer, tokens FROM system.peers")
    assert sorted(str(r.peer) for r in peers) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]


def test_writes_during_bootstrap_reach_the_joining_node(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write to a range the node is gaining, made after that range was streamed, reaches it anyway:
    coordinators send it to the pending replica (Cassandra's pending ranges)."""
    original = StreamSession.run
    seen_states: list[str] = []

    def run_then_write(self: StreamSession, transfers, description="Bootstrap"):  # type: ignore[no-untyped-def]
        result = original(self, transfers, description)
        seen_states.append(cluster.node("node4").state)
        _write(cluster, range(ROWS, ROWS + 60), node="node1")  # node1 coordinates while node4 joins
        return result

    monkeypatch.setattr(StreamSession, "run", run_then_write)
    node4 = cluster.add_node()
    assert seen_states == ["JOINING"]
    gained = [k for k in range(ROWS, ROWS + 60) if node4.address in _replicas(cluster, k)]
    assert gained and all(_held(node4, k) for k in gained)
    _assert_replicas_hold(cluster, range(ROWS + 60))


def _replicas(cluster: Cluster, k: int) -> tuple[str, ...]:
    membership = cluster.nodes[0].membership
    strategy = membership.replication_strategy("ks")
    return strategy.natural_replicas(_key_token(k), membership.token_metadata, membership.topology)


def test_decommission_moves_ranges_and_leaves(cluster: Cluster, tmp_path: Path) -> None:
    cluster.add_node()
    cluster.decommission("node2")
    assert [n.name for n in cluster.nodes] == ["node1", "node3", "node4"]
    assert not any(n.membership.token_metadata.is_member("127.0.0.2") for n in cluster.nodes)
    _assert_replicas_hold(cluster, range(ROWS))
    _assert_readable(cluster, range(ROWS), CL.ALL)
    layout = json.loads((tmp_path / "c" / "cluster.json").read_text())
    assert [n["name"] for n in layout["nodes"]] == ["node1", "node3", "node4"]
    assert (tmp_path / "c" / "node2" / "data").is_dir()  # a decommissioned node's data stays on disk
    # its name and address are not handed out again
    assert cluster.add_node().name == "node5"


def test_decommission_refuses_to_drop_below_the_replication_factor(cluster: Cluster) -> None:
    cluster.connect().execute(
        "ALTER KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    with pytest.raises(TopologyChangeError) as refused:
        cluster.decommission("node1")
    assert str(refused.value) == (
        "Not enough live nodes to maintain replication factor in keyspace ks (RF = 3, N = 3). "
        "Perform a forceful decommission to ignore."
    )
    assert cluster.node("node1").state == "NORMAL"  # nothing changed


def test_removenode_restores_the_replica_count(cluster: Cluster, tmp_path: Path) -> None:
    cluster.add_node()
    dead = cluster.node("node3")
    cluster.stop_node("node3")
    with pytest.raises(TopologyChangeError, match=r"^Node /127.0.0.4:7000 is alive and owns this ID"):
        cluster.remove_node(cluster.node("node4").host_id)
    with pytest.raises(TopologyChangeError, match=r"^Cannot remove self$"):
        cluster.remove_node(cluster.node("node1").host_id, via="node1")
    cluster.remove_node(dead.host_id)
    assert [n.name for n in cluster.nodes] == ["node1", "node2", "node4"]
    _assert_replicas_hold(cluster, range(ROWS))
    _assert_readable(cluster, range(ROWS), CL.ALL)
    states = cluster.node("node1").membership.gossiper.endpoint_state("127.0.0.3")
    assert states.get(ApplicationState.STATUS).startswith(f"removed,{dead.host_id},")
    import uuid

    with pytest.raises(TopologyChangeError, match=r"^Host ID not found\.$"):
        cluster.remove_node(uuid.UUID(int=7))


def test_a_one_node_cluster_grows(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "solo") as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        for k in range(40):
            session.execute("INSERT INTO ks.t (k, v) VALUES (?, ?)", (k, f"v{k}"))
        node2 = cluster.add_node()
        assert [n.name for n in cluster.nodes] == ["node1", "node2"]
        assert all(_held(node2, k) for k in range(40))  # RF 2 on two nodes: it holds everything
        _assert_readable(cluster, range(40), CL.ALL)
    with Cluster.open(tmp_path / "solo") as reopened:
        assert [n.name for n in reopened.nodes] == ["node1", "node2"]
        _assert_readable(reopened, range(40), CL.ALL)


def test_an_interrupted_bootstrap_resumes_on_open(tmp_path: Path) -> None:
    """A node left JOINING in cluster.json (the process died mid-bootstrap) finishes joining on open."""
    with Cluster.open(tmp_path / "c", nodes=2) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        _write(cluster, range(60))
        layout = cluster.layout
    from engine.cluster.layout import save, with_node

    save(tmp_path / "c", with_node(layout, joining_node(layout, tmp_path / "c")))
    with Cluster.open(tmp_path / "c") as cluster:
        node3 = cluster.node("node3")
        assert node3.state == "NORMAL"
        assert any(_held(node3, k) for k in range(60))
        _assert_replicas_hold(cluster, range(60))
        _assert_readable(cluster, range(60), CL.ALL)


def test_bootstrap_refuses_when_a_replica_losing_a_range_is_down(cluster: Cluster) -> None:
    cluster.stop_node("node2")
    with pytest.raises(TopologyChangeError, match=r"^A node required to move the data consistently is down"):
        cluster.add_node()


def test_a_decommissioned_node_hands_its_hints_over(cluster: Cluster) -> None:
    """node2 coordinates writes node3 misses (its mutations and hints to node3 are dropped): node2 keeps
    hints. Decommissioning node2 hands them to node1, which delivers them once node3 can be reached."""
    from engine.net import Verb

    cluster.add_node()
    mutations = cluster.network.drop(Verb.MUTATION_REQ, recipient="127.0.0.3")
    hints = cluster.network.drop(Verb.HINT_REQ, recipient="127.0.0.3")
    keys = [k for k in range(ROWS, ROWS + 80) if "127.0.0.3" in _replicas(cluster, k)]
    session = cluster.connect("ks", node="node2")
    for k in keys:
        session.execute("INSERT INTO t (k, v) VALUES (?, ?)", (k, f"v{k}"), consistency_level=CL.ONE)
    cluster.advance(3000)  # the writes to node3 time out: node2 keeps a hint for each
    node2, node1, node3 = (cluster.node(n) for n in ("node2", "node1", "node3"))
    kept = node2.membership.hints.pending()
    assert kept == len(keys) > 0
    assert node1.membership.hints.pending() == 0
    cluster.decommission("node2")
    assert node1.membership.hints.pending() == kept  # handed over, still for node3
    assert not any(_held(node3, k) for k in keys)
    cluster.network.remove_drop(mutations)
    cluster.network.remove_drop(hints)
    cluster.advance(10_000)  # node1's dispatcher delivers them
    assert all(_held(node3, k) for k in keys)
    assert node1.membership.hints.pending() == 0
