"""Anti-entropy repair on a 3-node stepped cluster: Merkle trees, stale replicas levelled, range options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.session import Cluster
from engine.db.consistency_level import ConsistencyLevel as CL
from engine.dht.range import TokenRange
from engine.net import Verb
from engine.repair import MerkleTree, RepairOptions, RepairService, difference, duration_words
from engine.repair.merkle_tree import leaf_of, leaf_range
from engine.repair.messages import spans

N1, N2, N3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        yield opened


def _local_rows(cluster: Cluster, node: str) -> list[tuple[object, ...]]:
    """What ``node`` alone holds: read at ONE on it while it is cut off from the others."""
    cluster.network.partition(cluster.node(node).address)
    try:
        rows = cluster.connect("ks", node=node).execute("SELECT k, v FROM t", consistency_level=CL.ONE)
        return sorted(tuple(r) for r in rows)
    finally:
        cluster.network.heal()


def _service(cluster: Cluster, node: str) -> RepairService:
    membership = cluster.node(node).membership
    assert membership is not None
    return membership.repair


def _write_while_node3_misses(cluster: Cluster, keys: range) -> None:
    """Writes node3 never gets: its mutations and every hint to it are dropped."""
    mutations = cluster.network.drop(Verb.MUTATION_REQ, recipient=N3)
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N3)
    session = cluster.connect("ks")
    for k in keys:
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'v{k}')", consistency_level=CL.QUORUM)
    cluster.advance(3000)  # the unacknowledged writes expire; their hints go nowhere
    cluster.network.remove_drop(mutations)
    cluster.network.remove_drop(hints)


def test_repair_brings_a_stale_replica_level(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (0, 'everyone')", consistency_level=CL.ALL)
    _write_while_node3_misses(cluster, range(1, 21))
    expected = [(0, "everyone")] + [(k, f"v{k}") for k in range(1, 21)]
    assert _local_rows(cluster, "node1") == expected
    assert _local_rows(cluster, "node3") == [(0, "everyone")]

    result = _service(cluster, "node1").repair(RepairOptions("ks"))

    assert result.succeeded and result.command == 1
    assert len(result.ranges) == 48  # RF 3 on 3 nodes: node1 replicates every range
    assert len(result.sessions) == 1 and result.sessions[0].endpoints == (N1, N2, N3)
    assert result.partitions_streamed == 20  # the 20 missing partitions, to node3 only
    pairs = {m.endpoints for m in result.mismatches}
    assert pairs == {(N1, N3), (N2, N3)}
    for node in ("node1", "node2", "node3"):
        assert _local_rows(cluster, node) == expected
    assert cluster.network.handler_errors == []


def test_repair_of_a_consistent_keyspace_streams_nothing(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    for k in range(10):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'x')", consistency_level=CL.ALL)
    cluster.node("node2").storage.table(cluster.node("node2").catalog.schema.table("ks", "t").id).flush()
    result = _service(cluster, "node2").repair(RepairOptions("ks"))
    assert result.succeeded
    assert result.mismatches == () and result.partitions_streamed == 0


def test_newest_write_wins_on_every_replica(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (7, 'old') USING TIMESTAMP 10", consistency_level=CL.ALL)
    dropped = cluster.network.drop(Verb.MUTATION_REQ, recipient=N1)
    hints = cluster.network.drop(Verb.HINT_REQ)
    cluster.connect("ks", node="node2").execute(
        "INSERT INTO t (k, v) VALUES (7, 'new') USING TIMESTAMP 20", consistency_level=CL.QUORUM
    )
    cluster.advance(3000)
    cluster.network.remove_drop(dropped)
    cluster.network.remove_drop(hints)
    assert _local_rows(cluster, "node1") == [(7, "old")]
    result = _service(cluster, "node1").repair(RepairOptions("ks"))
    assert result.partitions_streamed == 1
    assert [_local_rows(cluster, n) for n in ("node1", "node2", "node3")] == [[(7, "new")]] * 3


def test_primary_range_repairs_only_the_primary_ranges(cluster: Cluster) -> None:
    _write_while_node3_misses(cluster, range(1, 31))
    node1 = cluster.node("node1")
    primary = node1.membership.token_metadata.primary_ranges(N1)  # type: ignore[union-attr]
    result = _service(cluster, "node1").repair(RepairOptions("ks", primary_range=True))
    assert set(result.ranges) == set(primary) and len(result.ranges) == 16
    repaired = {k for k in range(1, 31) if any(_token(cluster, k) in r for r in primary)}
    assert 0 < len(repaired) < 30
    assert result.partitions_streamed == len(repaired)
    assert {k for k, _ in _local_rows(cluster, "node3")} == repaired


def test_sub_range_repairs_only_its_tokens(cluster: Cluster) -> None:
    _write_while_node3_misses(cluster, range(1, 31))
    tokens = sorted(_token(cluster, k) for k in range(1, 31))
    wanted = TokenRange(tokens[9], tokens[19])  # (10th, 20th]: ten keys
    result = _service(cluster, "node1").repair(RepairOptions("ks", ranges=(wanted,)))
    assert result.succeeded and result.partitions_streamed == 10
    assert all(wanted.contains_range(r) for r in result.ranges)
    assert sorted(_token(cluster, k) for k, _ in _local_rows(cluster, "node3")) == tokens[10:20]


def test_a_down_replica_fails_the_repair(cluster: Cluster) -> None:
    cluster.stop_node("node3")
    result = _service(cluster, "node1").repair(RepairOptions("ks"))
    assert not result.succeeded
    assert [e.message for e in result.events[1:]] == [
        f"Repair command #1 failed with error Endpoint not alive: /{N3}:7000",
        "Repair command #1 finished with error",
    ]


def _token(cluster: Cluster, k: int) -> int:
    from engine.dht.murmur3_partitioner import get_token

    return get_token(k.to_bytes(4, "big", signed=True))


def test_merkle_trees_find_the_differing_leaves() -> None:
    full = TokenRange(-(2**63), -(2**63))
    assert leaf_of(full, 2, -(2**63) + 1) == 0 and leaf_of(full, 2, 2**63 - 1) == 3
    assert [leaf_range(full, 2, i) for i in range(4)] == [
        TokenRange(-(2**63), -(2**62)),
        TokenRange(-(2**62), 0),
        TokenRange(0, 2**62),
        TokenRange(2**62, -(2**63)),
    ]
    wrapping = TokenRange(100, -100)
    assert spans(wrapping) == (((101, b""), None), (None, (-99, b"")))
    empty = MerkleTree.build(full, (), 3)
    assert difference(empty, MerkleTree.build(full, (), 3)) == ()


def test_duration_words() -> None:
    assert [duration_words(s) for s in (0.4, 1, 61, 3600, 3725)] == [
        "0 seconds",
        "1 second",
        "1 minute 1 second",
        "1 hour",
        "1 hour 2 minutes 5 seconds",
    ]


def test_a_node_that_was_down_past_its_hints_is_repaired(cluster: Cluster) -> None:
    cluster.stop_node("node3")
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N3)  # the hints never arrive
    session = cluster.connect("ks")
    for k in range(5):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'while down')", consistency_level=CL.QUORUM)
    cluster.start_node("node3")
    cluster.advance(15_000)  # gossip marks node3 UP; hint delivery is attempted and lost
    cluster.network.remove_drop(hints)
    assert _local_rows(cluster, "node3") == []
    result = _service(cluster, "node2").repair(RepairOptions("ks", tables=("t",)))
    assert result.succeeded and result.partitions_streamed == 5
    assert _local_rows(cluster, "node3") == [(k, "while down") for k in range(5)]


def test_a_missed_deletion_is_repaired(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    for k in range(3):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'x')", consistency_level=CL.ALL)
    mutations = cluster.network.drop(Verb.MUTATION_REQ, recipient=N3)
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N3)
    session.execute("DELETE FROM t WHERE k = 1", consistency_level=CL.QUORUM)
    cluster.advance(3000)
    cluster.network.remove_drop(mutations)
    cluster.network.remove_drop(hints)
    assert _local_rows(cluster, "node3") == [(0, "x"), (1, "x"), (2, "x")]
    result = _service(cluster, "node3").repair(RepairOptions("ks"))
    assert result.partitions_streamed == 1  # the tombstone, to node3
    assert [_local_rows(cluster, n) for n in ("node1", "node2", "node3")] == [[(0, "x"), (2, "x")]] * 3
    again = _service(cluster, "node1").repair(RepairOptions("ks"))
    assert again.command == 1 and again.mismatches == () and again.partitions_streamed == 0


def test_force_repairs_among_the_live_replicas(cluster: Cluster) -> None:
    dropped = cluster.network.drop(Verb.MUTATION_REQ, recipient=N2)
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N2)
    cluster.connect("ks").execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.QUORUM)
    cluster.advance(3000)
    cluster.network.remove_drop(dropped)
    cluster.network.remove_drop(hints)
    cluster.stop_node("node3")
    result = _service(cluster, "node1").repair(RepairOptions("ks", force=True))
    assert result.succeeded and result.partitions_streamed == 1
    assert {s.endpoints for s in result.sessions} == {(N1, N2)}
    assert "force repair: true" in result.events[0].message


def test_a_wrapping_sub_range_repairs_both_ends_of_the_ring(cluster: Cluster) -> None:
    _write_while_node3_misses(cluster, range(1, 31))
    tokens = sorted(_token(cluster, k) for k in range(1, 31))
    wanted = TokenRange(tokens[25], tokens[4])  # the last four tokens and the first five
    result = _service(cluster, "node2").repair(RepairOptions("ks", ranges=(wanted,)))
    assert result.succeeded and result.partitions_streamed == 9
    held = sorted(_token(cluster, k) for k, _ in _local_rows(cluster, "node3"))
    assert held == tokens[:5] + tokens[26:]
