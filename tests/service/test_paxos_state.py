"""A replica's Paxos state in ``system.paxos``: saved before it answers, kept across restarts and crashes,
visible to ``SELECT``, expiring after its TTL (engine.service.paxos_table)."""

from __future__ import annotations

import random
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Cluster, ConsistencyLevel
from engine.db.mutation import Mutation
from engine.db.rows import Cell, LivenessInfo, PartitionUpdate, Row
from engine.dht.murmur3_partitioner import get_token
from engine.service.paxos import Ballot, Commit, PaxosState, Prepare, Proposal, Propose
from engine.service.paxos_table import EMPTY, MIN_TTL_SECONDS, PAXOS_TABLE_ID, PaxosTable

KEY = (0).to_bytes(4, "big")  # k = 0, an int partition key


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[Path]:
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.reg (k int PRIMARY KEY, v int)")
    yield tmp_path / "c"


def table_of(cluster: Cluster) -> uuid.UUID:
    table = cluster.nodes[0].catalog.schema.table("ks", "reg")
    assert table is not None
    return table.id


def state_of(cluster: Cluster, node: str) -> PaxosState:
    membership = cluster.node(node).membership
    assert membership is not None
    return membership.coordinator.paxos_state


def write(cluster: Cluster, value: int, timestamp: int) -> Mutation:
    row = Row((), LivenessInfo(timestamp), columns={"v": Cell(value.to_bytes(4, "big"), timestamp)})
    return Mutation("ks", KEY, ((table_of(cluster), PartitionUpdate(KEY, get_token(KEY), rows=(row,))),))


def test_a_promise_survives_a_restart_and_an_older_ballot_is_then_refused(directory: Path) -> None:
    promised = Ballot.of(5_000_000, "127.0.0.1")
    with Cluster.open(directory) as cluster:
        key = (table_of(cluster), KEY)
        assert state_of(cluster, "node2").prepare(Prepare(key, promised)).promised
    with Cluster.open(directory) as cluster:
        state = state_of(cluster, "node2")
        older = state.prepare(Prepare(key, Ballot.of(4_999_999, "127.0.0.3")))
        assert (older.promised, older.promised_ballot) == (False, promised)
        assert not state.prepare(Prepare(key, promised)).promised  # not twice either
        assert not state.propose(Propose(key, Proposal(Ballot.of(4_000_000, "127.0.0.3"), ())))
        newer = state.prepare(Prepare(key, Ballot.of(5_000_000, "127.0.0.2")))  # same µs, later proposer
        assert (newer.promised, newer.promised_ballot) == (True, Ballot.of(5_000_000, "127.0.0.2"))


def test_a_promise_survives_a_killed_process(directory: Path, tmp_path: Path) -> None:
    """The directory copied while the nodes run is what a SIGKILL leaves (the commitlog is written before
    the replica answers; nothing was flushed or drained)."""
    promised = Ballot.of(7_000_000, "127.0.0.2")
    with Cluster.open(directory) as cluster:
        key = (table_of(cluster), KEY)
        assert state_of(cluster, "node3").prepare(Prepare(key, promised)).promised
        shutil.copytree(directory, tmp_path / "killed")
    with Cluster.open(tmp_path / "killed") as cluster:
        answer = state_of(cluster, "node3").prepare(Prepare(key, Ballot.of(6_999_999, "127.0.0.2")))
        assert (answer.promised, answer.promised_ballot) == (False, promised)


def test_accepted_and_committed_proposals_survive_a_restart(directory: Path) -> None:
    first, second = Ballot.of(1_000, "127.0.0.1"), Ballot.of(2_000, "127.0.0.2")
    with Cluster.open(directory) as cluster:
        key = (table_of(cluster), KEY)
        state = state_of(cluster, "node1")
        committed = Proposal(first, (write(cluster, 1, 10),))
        assert state.prepare(Prepare(key, first)).promised
        assert state.propose(Propose(key, committed))
        state.commit(Commit(key, committed))
        accepted = Proposal(second, (write(cluster, 2, 20),))
        assert state.prepare(Prepare(key, second)).promised
        assert state.propose(Propose(key, accepted))
    with Cluster.open(directory) as cluster:
        state = state_of(cluster, "node1")
        answer = state.prepare(Prepare(key, Ballot.of(3_000, "127.0.0.3")))
        assert answer.promised
        assert answer.accepted == Proposal(second, (write(cluster, 2, 20),))
        assert (answer.committed, answer.most_recent_commit) == (
            first,
            Proposal(first, (write(cluster, 1, 10),)),
        )
        # the commit of the accepted proposal clears it; an older commit arriving late changes nothing
        state.commit(Commit(key, Proposal(second, (write(cluster, 2, 20),))))
        state.commit(Commit(key, Proposal(first, (write(cluster, 1, 10),))))
        after = state.prepare(Prepare(key, Ballot.of(4_000, "127.0.0.3")))
        assert (after.accepted, after.committed) == (None, second)


def test_a_proposal_of_no_mutations_is_kept_too(directory: Path) -> None:
    with Cluster.open(directory) as cluster:
        key = (table_of(cluster), KEY)
        state = state_of(cluster, "node1")
        empty = Proposal(Ballot.of(100, "127.0.0.1"), ())
        assert state.prepare(Prepare(key, empty.ballot)).promised
        assert state.propose(Propose(key, empty))
    with Cluster.open(directory) as cluster:
        answer = state_of(cluster, "node1").prepare(Prepare(key, Ballot.of(200, "127.0.0.2")))
        assert answer.accepted == empty


def test_system_paxos_shows_the_state_as_cassandra_does(directory: Path) -> None:
    with Cluster.open(directory) as cluster:
        session = cluster.connect("ks", node="node2")
        session.execute("INSERT INTO reg (k, v) VALUES (0, 0) IF NOT EXISTS")
        rows = list(cluster.connect(node="node3").execute("SELECT * FROM system.paxos"))
        assert len(rows) == 1
        row = rows[0]
        assert (row.row_key, row.cf_id) == (KEY, table_of(cluster))
        assert row.in_progress_ballot == row.most_recent_commit_at
        ballot = Ballot.from_uuid(row.in_progress_ballot)
        assert ballot.proposer == "127.0.0.2"
        assert (row.proposal, row.proposal_ballot, row.proposal_version) == (None, None, None)
        assert row.most_recent_commit_version == 12
        assert Mutation.deserialize(row.most_recent_commit).key == KEY
        assert row.in_progress_read_ballot is None
        # node-local, in the node's data directory as Cassandra lays it out
        stored = cluster.node("node3").directory / "data" / "system" / f"paxos-{PAXOS_TABLE_ID.hex}"
        cluster.node("node3").storage.flush_all()
        assert any(p.name.endswith("-Data.db") for p in stored.iterdir())
        select = "SELECT in_progress_ballot FROM system.paxos WHERE row_key = ? AND cf_id = ?"
        assert session.execute(select, [KEY, table_of(cluster)]).one().in_progress_ballot == ballot.uuid


def test_paxos_state_expires_after_the_tables_gc_grace_and_at_least_three_hours(directory: Path) -> None:
    with Cluster.open(directory) as cluster:
        cluster.connect("ks").execute(
            "CREATE TABLE quick (k int PRIMARY KEY, v int) WITH gc_grace_seconds = 60"
        )
        node = cluster.node("node1")
        quick = node.catalog.schema.table("ks", "quick")
        assert quick is not None
        now = [1_000_000]
        table = PaxosTable(node.storage, lambda: node.catalog.schema, now_seconds=lambda: now[0])
        for key, ttl in [((table_of(cluster), KEY), 864_000), ((quick.id, KEY), MIN_TTL_SECONDS)]:
            now[0] = 1_000_000
            table.save_promise(key, Ballot.of(1, "127.0.0.1"))
            now[0] += ttl - 1
            assert table.load(key).promised == Ballot.of(1, "127.0.0.1")
            now[0] += 1
            assert table.load(key) == EMPTY


def test_a_coordinator_whose_clock_is_behind_wins_after_one_refused_round(directory: Path) -> None:
    """A stepped cluster reopened starts its virtual clock at zero again: its first ballots are older than
    the promises kept in system.paxos, and the refusals tell it which ballot to beat."""
    with Cluster.open(directory) as cluster:
        key = (table_of(cluster), KEY)
        for node in ("node1", "node2", "node3"):
            assert state_of(cluster, node).prepare(Prepare(key, Ballot.of(10**12, "127.0.0.3"))).promised
    with Cluster.open(directory) as cluster:
        session = cluster.connect("ks")
        assert session.execute("INSERT INTO reg (k, v) VALUES (0, 7) IF NOT EXISTS").one().applied
        assert (
            session.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL)
            .one()
            .v
            == 7
        )
        row = session.execute("SELECT in_progress_ballot FROM system.paxos").one()
        assert Ballot.from_uuid(row.in_progress_ballot).micros > 10**12


def test_the_cache_reads_as_the_table_does_whatever_order_saves_arrive_in(directory: Path) -> None:
    """Promises, proposals and commits of 3 proposers saved in a seeded random order (old ones late, as
    delayed messages arrive): after each save the written-through snapshot equals a fresh read of the
    row (last-write-wins at the ballots' microseconds, commit tombstones, old proposals dropped)."""
    rng = random.Random(11)
    with Cluster.open(directory) as cluster:
        node = cluster.node("node2")
        cached = PaxosTable(node.storage, lambda: node.catalog.schema)
        fresh = PaxosTable(node.storage, lambda: node.catalog.schema, cache_size=0)
        keys = [(table_of(cluster), n.to_bytes(4, "big")) for n in range(3)]
        micros = rng.sample(range(1, 10_000), 600)  # no two ballots share a microsecond
        for step, at in enumerate(micros):
            key = rng.choice(keys)
            cached.load(key)  # cached from here on
            ballot = Ballot.of(at, f"127.0.0.{rng.randint(1, 3)}")
            proposal = Proposal(ballot, (write(cluster, step, at),))
            kind = rng.choice(["promise", "proposal", "commit"])
            if kind == "promise":
                cached.save_promise(key, ballot)
            elif kind == "proposal":
                cached.save_proposal(key, proposal)
            else:
                cached.save_commit(key, proposal)
            assert cached.load(key) == fresh.load(key), f"step {step}: {kind} {ballot}"
        final = [fresh.load(key) for key in keys]
        assert all(s.promised is not None and s.most_recent_commit is not None for s in final)


def test_a_serving_cluster_makes_ballots_from_the_wall_clock(tmp_path: Path) -> None:
    before = time.time_ns() // 1000
    with Cluster.open(tmp_path / "c", nodes=3, realtime=True) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.reg (k int PRIMARY KEY, v int)")
        assert session.execute("INSERT INTO ks.reg (k, v) VALUES (0, 1) IF NOT EXISTS").one().applied
        row = session.execute("SELECT in_progress_ballot FROM system.paxos").one()
        ballot = Ballot.from_uuid(row.in_progress_ballot)
        assert before <= ballot.micros <= time.time_ns() // 1000
        assert (ballot.proposer, ballot.micros % 256) == ("127.0.0.1", 1)
