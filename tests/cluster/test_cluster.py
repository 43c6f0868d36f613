"""A multi-node cluster in one process: layout, gossip, schema agreement, the coordinator, hints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.layout import ClusterLayoutError
from engine.cluster.session import Cluster
from engine.db.consistency_level import ConsistencyLevel as CL
from engine.errors import InvalidRequest, ReadTimeout, TruncateError, Unavailable, WriteTimeout, WriteType
from engine.net import Verb

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


def _rows(cluster: Cluster, node: str, query: str, level: CL = CL.ONE) -> list[tuple]:
    return [tuple(r) for r in cluster.connect("ks", node=node).execute(query, consistency_level=level)]


def test_layout_is_written_and_reread(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes="3:2") as cluster:
        described = [n.describe() for n in cluster.nodes]
        assert [(d.name, d.address, d.datacenter) for d in described] == [
            ("node1", N1, "dc1"),
            ("node2", N2, "dc1"),
            ("node3", N3, "dc1"),
            ("node4", "127.0.0.4", "dc2"),
            ("node5", "127.0.0.5", "dc2"),
        ]
        assert all(len(d.tokens) == 16 and d.rack == "rack1" and d.is_running for d in described)
        assert len({d.host_id for d in described}) == 5
        assert all(a.sees_alive(b.address) for a in cluster.nodes for b in cluster.nodes)
        tokens = [d.tokens for d in described]
    doc = json.loads((tmp_path / "c" / "cluster.json").read_text())
    assert [n["name"] for n in doc["nodes"]] == ["node1", "node2", "node3", "node4", "node5"]
    with Cluster.open(tmp_path / "c") as again:
        assert [n.tokens for n in again.nodes] == tokens


def test_reopening_with_another_count_names_both(tmp_path: Path) -> None:
    Cluster.open(tmp_path / "c", nodes=3).shutdown()
    with pytest.raises(ClusterLayoutError, match="cluster c has 3 nodes, not 2"):
        Cluster.open(tmp_path / "c", nodes=2)


def test_a_legacy_one_node_cluster_still_opens(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c") as cluster:
        cluster.connect().execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    (tmp_path / "c" / "cluster.json").unlink()  # as made before cluster.json existed
    with Cluster.open(tmp_path / "c") as cluster:
        assert len(cluster.nodes) == 1 and cluster.network is None
        assert cluster.connect().schema.keyspace("ks") is not None
    assert not (tmp_path / "c" / "cluster.json").exists()


def test_schema_reaches_every_node_and_a_stopped_node_catches_up(cluster: Cluster) -> None:
    versions = {n.catalog.schema.version for n in cluster.nodes}
    assert len(versions) == 1
    cluster.stop_node("node3")
    cluster.connect().execute("CREATE TABLE ks.later (k int PRIMARY KEY)")
    assert cluster.node("node3").catalog.schema.table("ks", "later") is None
    cluster.start_node("node3")
    assert cluster.node("node3").catalog.schema.table("ks", "later") is not None
    assert len({n.catalog.schema.version for n in cluster.nodes}) == 1


def test_writes_reach_every_replica(cluster: Cluster) -> None:
    cluster.connect("ks").execute("INSERT INTO t (k, v) VALUES (1, 'a')")
    for node in ("node1", "node2", "node3"):
        cluster.network.partition(cluster.node(node).address)  # each answers from its own data
        assert _rows(cluster, node, "SELECT * FROM t") == [(1, "a")]
        cluster.network.heal()


def test_unavailable_with_a_node_down_and_quorum_still_works(cluster: Cluster) -> None:
    cluster.stop_node("node2")
    session = cluster.connect("ks")
    with pytest.raises(Unavailable) as raised:
        session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.ALL)
    assert (str(raised.value), raised.value.required, raised.value.alive) == (
        "Cannot achieve consistency level ALL",
        3,
        2,
    )
    with pytest.raises(Unavailable):
        session.execute("SELECT * FROM t WHERE k = 1", consistency_level=CL.ALL)
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.QUORUM)
    assert _rows(cluster, "node1", "SELECT * FROM t WHERE k = 1", CL.QUORUM) == [(1, "a")]
    with pytest.raises(Unavailable) as truncated:
        session.execute("TRUNCATE t")
    assert (truncated.value.consistency, truncated.value.required, truncated.value.alive) == ("ALL", 3, 2)


def test_hints_are_replayed_when_the_node_comes_back(cluster: Cluster) -> None:
    cluster.stop_node("node2")
    cluster.connect("ks").execute("INSERT INTO t (k, v) VALUES (7, 'hinted')", consistency_level=CL.QUORUM)
    hints = cluster.node("node1").membership.hints
    assert hints.pending(N2) == 1
    assert len(list((cluster.node("node1").directory / "hints").glob("*.hints"))) == 1
    cluster.start_node("node2")
    cluster.advance(10)
    assert hints.pending(N2) == 0
    assert list((cluster.node("node1").directory / "hints").glob("*.hints")) == []
    cluster.network.partition(N2)
    assert _rows(cluster, "node2", "SELECT * FROM t WHERE k = 7") == [(7, "hinted")]


def test_any_is_satisfied_by_a_hint(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=2) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        # find a key node2 alone replicates, then stop node2: only a hint can take the write
        ring = cluster.node("node1").membership.token_metadata
        key = next(k for k in range(100) if ring.primary_endpoint_for(_token(k)) == N2)
        cluster.stop_node("node2")
        with pytest.raises(Unavailable):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({key}, 'x')", consistency_level=CL.ONE)
        session.execute(f"INSERT INTO ks.t (k, v) VALUES ({key}, 'x')", consistency_level=CL.ANY)
        assert cluster.node("node1").membership.hints.pending(N2) == 1


def _token(k: int) -> int:
    from engine.dht import get_token

    return get_token(k.to_bytes(4, "big", signed=True))


def test_read_repair_fixes_a_stale_replica(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'old')", consistency_level=CL.ALL)
    cluster.network.partition(N2)
    session.execute("INSERT INTO t (k, v) VALUES (1, 'new')", consistency_level=CL.ONE)
    assert _rows(cluster, "node2", "SELECT * FROM t WHERE k = 1") == [(1, "old")]
    cluster.network.heal()
    assert _rows(cluster, "node1", "SELECT * FROM t WHERE k = 1", CL.ALL) == [(1, "new")]
    cluster.network.partition(N2)
    assert _rows(cluster, "node2", "SELECT * FROM t WHERE k = 1") == [(1, "new")]


def test_range_scans_merge_replicas_and_page(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    for k in range(50):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'v{k}')")
    rows = _rows(cluster, "node2", "SELECT k FROM t", CL.QUORUM)
    assert sorted(r[0] for r in rows) == list(range(50))
    first = session.execute("SELECT k FROM t", consistency_level=CL.ALL, fetch_size=20)
    assert len(first.current_rows) == 20 and first.has_more_pages
    assert _rows(cluster, "node3", "SELECT count(*) FROM t", CL.ALL) == [(50,)]


def test_write_and_read_timeouts_under_a_partition(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')")
    cluster.network.partition(N1, [N2, N3])  # node1 still believes they are alive
    before = cluster.network.now()
    with pytest.raises(WriteTimeout) as write:
        session.execute("INSERT INTO t (k, v) VALUES (1, 'b')", consistency_level=CL.QUORUM)
    error = write.value
    assert (str(error), error.received, error.block_for, error.write_type) == (
        "Operation timed out - received only 1 responses.",
        1,
        2,
        WriteType.SIMPLE,
    )
    assert cluster.network.now() - before == 2000.0  # write_request_timeout, in virtual time
    with pytest.raises(ReadTimeout) as read:
        session.execute("SELECT * FROM t WHERE k = 1", consistency_level=CL.ALL)
    assert (read.value.received, read.value.block_for, read.value.data_present) == (1, 3, True)


def test_truncate_reaches_every_node_and_times_out_when_one_cannot_answer(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.ALL)
    session.execute("TRUNCATE t")
    for node in ("node1", "node2", "node3"):
        cluster.network.partition(cluster.node(node).address)
        assert _rows(cluster, node, "SELECT * FROM t") == []
        cluster.network.heal()
    cluster.network.partition(N3)
    with pytest.raises(TruncateError, match="Truncate timed out - received only 2 responses"):
        session.execute("TRUNCATE t")


def test_real_time_cluster_serves_with_a_background_network(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=3, realtime=True) as cluster:
        assert cluster.network is not None and not cluster.network.is_stepped
        assert all(a.sees_alive(b.address) for a in cluster.nodes for b in cluster.nodes)
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        session.execute("INSERT INTO ks.t (k, v) VALUES (1, 'a')", consistency_level=CL.ALL)
        cluster.stop_node("node3")
        assert _rows(cluster, "node2", "SELECT * FROM t WHERE k = 1", CL.QUORUM) == [(1, "a")]
        with pytest.raises(Unavailable):
            _rows(cluster, "node2", "SELECT * FROM t WHERE k = 1", CL.ALL)


def test_node_state_tables_describe_the_ring(cluster: Cluster) -> None:
    session = cluster.connect(node="node2")
    local = session.execute("SELECT broadcast_address, host_id, tokens FROM system.local").one()
    node2 = cluster.node("node2").describe()
    assert (local.broadcast_address, local.host_id) == (N2, node2.host_id)
    assert sorted(int(t) for t in local.tokens) == sorted(node2.tokens)
    peers = {r.peer: r.host_id for r in session.execute("SELECT peer, host_id FROM system.peers")}
    assert peers == {N1: cluster.node("node1").host_id, N3: cluster.node("node3").host_id}


def test_lightweight_transactions_run_paxos_across_replicas(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    applied = session.execute("INSERT INTO t (k, v) VALUES (1, 'a') IF NOT EXISTS").one()
    assert applied[0] is True
    again = cluster.connect("ks", node="node3").execute("INSERT INTO t (k, v) VALUES (1, 'b') IF NOT EXISTS")
    assert tuple(again.one()) == (False, 1, "a")
    assert cluster.network.delivered[Verb.PAXOS_PREPARE_REQ] == 4  # two transactions, two peers each
    for node in ("node1", "node2", "node3"):  # the commit reached every replica
        cluster.network.partition(cluster.node(node).address)
        assert _rows(cluster, node, "SELECT * FROM t") == [(1, "a")]
        cluster.network.heal()


def test_a_transaction_needs_a_serial_quorum(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    cluster.stop_node("node2")
    cluster.stop_node("node3")
    with pytest.raises(Unavailable) as raised:
        session.execute("INSERT INTO t (k, v) VALUES (1, 'a') IF NOT EXISTS")
    assert (str(raised.value), raised.value.required, raised.value.alive) == (
        "Cannot achieve consistency level SERIAL",
        2,
        1,
    )
    cluster.start_node("node2")
    cluster.start_node("node3")
    cluster.network.partition(N1)
    with pytest.raises(WriteTimeout) as timed_out:
        session.execute("INSERT INTO t (k, v) VALUES (1, 'a') IF NOT EXISTS")
    error = timed_out.value
    assert (error.consistency, error.received, error.block_for, error.write_type) == (
        "SERIAL",
        1,
        2,
        WriteType.CAS,
    )


def test_an_accepted_but_uncommitted_proposal_is_finished_by_the_next_transaction(cluster: Cluster) -> None:
    # node1's commit never leaves node1: node2 and node3 accepted the proposal but did not apply it
    rule = cluster.network.drop(Verb.PAXOS_COMMIT_REQ, sender=N1)
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'first') IF NOT EXISTS", consistency_level=CL.ONE)
    cluster.network.remove_drop(rule)
    cluster.network.partition(N1)
    # node2 coordinates: its prepare finds the accepted proposal, commits it, then sees the row exists
    result = cluster.connect("ks", node="node2").execute(
        "INSERT INTO t (k, v) VALUES (1, 'second') IF NOT EXISTS"
    )
    assert tuple(result.one()) == (False, 1, "first")
    assert _rows(cluster, "node3", "SELECT * FROM t") == [(1, "first")]


def test_paging_through_a_range_scan_sees_every_row_once(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    for k in range(45):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'v{k}')")
    seen: list[int] = []
    page = session.execute("SELECT k FROM t", consistency_level=CL.QUORUM, fetch_size=7)
    while True:
        seen.extend(r.k for r in page)
        if not page.has_more_pages:
            break
        page = session.execute(
            "SELECT k FROM t", consistency_level=CL.QUORUM, fetch_size=7, paging_state=page.paging_state
        )
    assert sorted(seen) == list(range(45)) and len(seen) == 45


def test_hints_survive_a_restart_of_the_whole_cluster(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        cluster.stop_node("node2")
        session.execute("INSERT INTO ks.t (k, v) VALUES (1, 'kept')", consistency_level=CL.QUORUM)
        assert cluster.node("node1").membership.hints.pending(N2) == 1
    with Cluster.open(tmp_path / "c") as again:  # every node starts; gossip marks node2 UP on node1
        again.advance(10)
        assert again.node("node1").membership.hints.pending(N2) == 0
        again.network.partition(N2)
        assert _rows(again, "node2", "SELECT * FROM t") == [(1, "kept")]


def test_a_partitioned_node_pulls_the_schema_it_missed_through_gossip(cluster: Cluster) -> None:
    cluster.network.partition(N3)
    cluster.connect().execute("CREATE TABLE ks.missed (k int PRIMARY KEY)")
    assert cluster.node("node3").catalog.schema.table("ks", "missed") is None
    cluster.network.heal()
    cluster.advance(3000)  # a few gossip rounds: node3 sees a different SCHEMA version and pulls
    assert cluster.node("node3").catalog.schema.table("ks", "missed") is not None
    assert cluster.node("node3").membership.schema_epoch == cluster.node("node1").membership.schema_epoch


LOGGED = (
    "BEGIN BATCH INSERT INTO t (k, v) VALUES (1, 'one'); INSERT INTO t (k, v) VALUES (2, 'two'); APPLY BATCH"
)


def test_a_logged_batch_goes_through_the_batchlog(cluster: Cluster) -> None:
    cluster.connect("ks").execute(LOGGED, consistency_level=CL.QUORUM)
    delivered = cluster.network.delivered
    assert (delivered[Verb.BATCH_STORE_REQ], delivered[Verb.BATCH_REMOVE_REQ]) == (2, 2)
    assert all(list(n.membership.batchlog.batches()) == [] for n in cluster.nodes)
    assert sorted(_rows(cluster, "node3", "SELECT * FROM t", CL.ALL)) == [(1, "one"), (2, "two")]


def test_a_batch_its_coordinator_did_not_finish_is_replayed_from_the_batchlog(cluster: Cluster) -> None:
    network = cluster.network
    # node1 stores the batch on node2 and node3, applies it locally, but its mutations and the batchlog
    # removal never leave it; then node1 stops (so it cannot deliver hints either)
    drops = [network.drop(Verb.MUTATION_REQ, sender=N1), network.drop(Verb.BATCH_REMOVE_REQ, sender=N1)]
    cluster.connect("ks").execute(LOGGED, consistency_level=CL.ONE)
    for rule in drops:
        network.remove_drop(rule)
    cluster.stop_node("node1")
    assert len(cluster.node("node2").membership.batchlog.batches()) == 1
    assert _rows(cluster, "node3", "SELECT * FROM t") == []
    cluster.advance(10_000)  # the batchlog nodes replay it once it is older than 4 s
    assert cluster.node("node2").membership.batchlog.batches() == []
    network.partition(N3)
    assert sorted(_rows(cluster, "node3", "SELECT * FROM t")) == [(1, "one"), (2, "two")]


def test_a_logged_batch_needs_a_batchlog_node(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=2) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        cluster.stop_node("node2")
        with pytest.raises(Unavailable, match="Cannot achieve consistency level ONE") as raised:
            cluster.connect("ks").execute(LOGGED, consistency_level=CL.ONE)
        assert (raised.value.required, raised.value.alive) == (1, 0)


def test_a_conditional_batch_runs_paxos(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("CREATE TABLE ks.c (k int, c int, v text, PRIMARY KEY (k, c))")
    batch = (
        "BEGIN BATCH INSERT INTO c (k, c, v) VALUES (1, 1, 'a') IF NOT EXISTS; "
        "INSERT INTO c (k, c, v) VALUES (1, 2, 'b'); APPLY BATCH"
    )
    assert session.execute(batch).one()[0] is True
    again = cluster.connect("ks", node="node2").execute(batch).one()
    assert tuple(again)[:3] == (False, 1, 1)
    assert cluster.network.delivered[Verb.PAXOS_COMMIT_REQ] == 2  # only the applied one committed
    assert _rows(cluster, "node3", "SELECT k, c, v FROM c", CL.ALL) == [(1, 1, "a"), (1, 2, "b")]


def test_a_batch_left_in_the_batchlog_is_replayed_after_a_restart(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        cluster.advance(60_000)  # this run's clock is far ahead of the next one's
        drops = [
            cluster.network.drop(Verb.MUTATION_REQ, sender=N1),
            cluster.network.drop(Verb.BATCH_REMOVE_REQ),
        ]
        session.execute(LOGGED.replace("INTO t", "INTO ks.t"), consistency_level=CL.ONE)
        for rule in drops:
            cluster.network.remove_drop(rule)
        cluster.stop_node("node1")
    with Cluster.open(tmp_path / "c") as again:
        assert again.node("node1").membership.hints.pending() == 0  # nothing but the batchlog has it
        again.stop_node("node1")
        again.advance(20_000)
        assert again.node("node2").membership.batchlog.batches() == []
        again.network.partition(N3)
        assert sorted(_rows(again, "node3", "SELECT * FROM t")) == [(1, "one"), (2, "two")]


def test_counters_advance_their_leader_replicas_shard(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("CREATE TABLE ks.hits (k int PRIMARY KEY, n counter)")
    update = "UPDATE hits SET n = n + {} WHERE k = 1"
    session.execute(update.format(5), consistency_level=CL.QUORUM)  # node1 leads
    cluster.network.partition(N2)
    session.execute(update.format(3), consistency_level=CL.ONE)  # node2 misses it
    # node2 leads its own update from its own (stale) data: it only touches its own shard, so nothing
    # node1 counted is lost once the replicas merge
    cluster.connect("ks", node="node2").execute(update.format(10), consistency_level=CL.ONE)
    cluster.network.heal()
    assert _rows(cluster, "node3", "SELECT n FROM hits WHERE k = 1", CL.ALL) == [(18,)]
    cluster.network.partition(N2)
    assert _rows(cluster, "node2", "SELECT n FROM hits WHERE k = 1") == [(18,)]  # repaired by that read
    with pytest.raises(
        InvalidRequest, match=r"^Consistency level ANY is not yet supported for counter table hits$"
    ):
        session.execute(update.format(1), consistency_level=CL.ANY)


def test_reads_refuse_any_and_a_five_node_replication_factor_is_a_warning(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=CL.ANY)
    for query in ("SELECT * FROM t WHERE k = 1", "SELECT * FROM t"):
        with pytest.raises(InvalidRequest, match=r"^ANY ConsistencyLevel is only supported for writes$"):
            session.execute(query, consistency_level=CL.ANY)
    created = session.execute(
        "CREATE KEYSPACE five WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 5}"
    )
    assert created.warnings == [
        "Your replication factor 5 for keyspace five is higher than the number of nodes 3 for datacenter "
        "datacenter1"
    ]
