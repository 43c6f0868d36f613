"""Faults in the cluster: QUORUM guarantees, hinted convergence and LWT linearizability on a stepped
3-node cluster (RF 3) under partitions, node stops, message drops and delays (``faults.py``).

Checked for every seed:

* **read-your-acknowledged-writes at QUORUM**: a QUORUM read of a key returns a value written by an
  acknowledged or a maybe (timed-out) write, never one that was refused (``Unavailable``), and never older
  than the newest write acknowledged before the read began;
* **monotonic QUORUM reads**: with blocking read repair, a QUORUM read never returns an older value than
  a QUORUM read of the same key that completed before it began;
* **nothing acknowledged is lost**: once every fault is healed, every node started and hints delivered,
  every node's own copy of each key (read at ONE through it) holds the newest acknowledged write or a
  newer maybe-write; after a full repair every node holds the same, and so does each key read at ALL
  (from every coordinator, which must agree);
* **LWT linearizability**: the history of compare-and-sets and SERIAL reads of one register is
  linearizable (``linearizability.py``), timed-out CAS counting as unknown outcomes.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from engine import Cluster, ConsistencyLevel
from engine.errors import ReadTimeout
from engine.net import Verb
from engine.service.paxos import PaxosCoordinator
from tests.reliability.faults import KEYS, Fate, FaultWorkload, Figures, Write
from tests.reliability.linearizability import Kind, check

SEEDS = range(6)
STEPS = 200
SLOW_SEEDS = range(1000, 1200)
SLOW_STEPS = 400


def run_and_check(directory: Path, seed: int, steps: int) -> Figures:
    workload = FaultWorkload(directory, seed)
    try:
        workload.run(steps)
        check_quorum_reads(workload)
        workload.heal_all()
        for name, held in workload.read_each_replica().items():
            check_converged(workload, held, f"on {name} after hints")
        workload.repair()
        replicas = workload.read_each_replica()
        for name, held in replicas.items():
            check_converged(workload, held, f"on {name} after repair")
            assert held == replicas[workload.names[0]], (
                f"seed {seed}: replicas differ after repair: {replicas}"
            )
        check_converged(workload, workload.read_all(), "at ALL after hints")
        check_linearizable(workload)
    finally:
        workload.close()
    return workload.figures


def possible(workload: FaultWorkload, key: int, value: int | None, floor: int, where: str) -> int:
    """Check that ``value`` (None: no row) can be the state of ``key`` when everything up to timestamp
    ``floor`` must be visible; return the smallest timestamp explaining it (the next floor)."""
    writes = [w for w in workload.writes if w.key == key and w.fate is not Fate.FAILED]
    if value is not None:
        write = next((w for w in writes if w.timestamp == value and not w.deletion), None)
        assert write is not None, f"{where}: {value} was never written there (or was refused)"
        assert value >= floor, f"{where}: saw {value}, older than {floor}, which it must see"
        return value
    if floor == 0:
        return 0
    deletions = [w.timestamp for w in writes if w.deletion and w.timestamp >= floor]
    assert deletions, f"{where}: no row, but {floor} must be visible and no deletion is newer"
    return min(deletions)


def check_quorum_reads(workload: FaultWorkload) -> None:
    floors: dict[int, int] = {}  # key -> what an earlier completed QUORUM read makes visible
    for read in workload.reads:
        where = f"seed {workload.seed}: QUORUM read of key {read.key} through {read.coordinator} at {read.at_ms} ms"
        newest_acked = max(
            (
                w.timestamp
                for w in workload.writes
                if w.key == read.key and w.fate is Fate.ACKED and w.completed < read.invoked
            ),
            default=0,
        )
        floor = max(newest_acked, floors.get(read.key, 0))
        floors[read.key] = possible(workload, read.key, read.value, floor, where)


def check_converged(workload: FaultWorkload, final: dict[int, int | None], when: str) -> None:
    for key in range(KEYS):
        newest_acked = max(
            (w.timestamp for w in workload.writes if w.key == key and w.fate is Fate.ACKED), default=0
        )
        possible(workload, key, final[key], newest_acked, f"seed {workload.seed}: key {key} {when}")


def check_linearizable(workload: FaultWorkload) -> None:
    verdict = check(workload.history, initial=0)
    assert verdict.linearizable, f"seed {workload.seed}: LWT history not linearizable:\n" + "\n".join(
        line for line in workload.log if " cas " in line or "serial" in line or "fault" in line
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_quorum_and_lwt_guarantees_hold_under_faults(tmp_path: Path, seed: int) -> None:
    figures = run_and_check(tmp_path, seed, STEPS)
    assert sum(figures.faults.values()) > 10
    assert figures.outcomes["write acked"] > 0 and figures.outcomes["cas applied"] > 0


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_quorum_and_lwt_guarantees_hold_under_faults_many_seeds(tmp_path: Path) -> None:
    total = Figures()
    for seed in SLOW_SEEDS:
        total.merge(run_and_check(tmp_path, seed, SLOW_STEPS))
    print(
        f"\n{len(SLOW_SEEDS)} seeds x {SLOW_STEPS} steps: {dict(total.operations)} {dict(total.faults)} {dict(total.outcomes)}"
    )


def test_serial_read_sees_a_cas_committed_on_fewer_than_a_quorum(tmp_path: Path) -> None:
    """A CAS acknowledged at commit level ONE whose commits to node2 and node3 were lost, then node1 cut
    off: a SERIAL read through node3 must finish the accepted proposal (Cassandra's readWithPaxos), not
    return the old value from node2 and node3."""
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        cluster.connect().execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        node1, node3 = cluster.connect("ks", node="node1"), cluster.connect("ks", node="node3")
        node1.execute("CREATE TABLE reg (k int PRIMARY KEY, v int)")
        node1.execute("INSERT INTO reg (k, v) VALUES (0, 0)", consistency_level=ConsistencyLevel.ALL)
        network = cluster.network
        assert network is not None
        lost = [network.drop(Verb.PAXOS_COMMIT_REQ, recipient=a) for a in ("127.0.0.2", "127.0.0.3")]
        applied = node1.execute(
            "UPDATE reg SET v = 1 WHERE k = 0 IF v = 0", consistency_level=ConsistencyLevel.ONE
        )
        assert applied.one().applied
        for rule in lost:
            network.remove_drop(rule)
        network.partition("127.0.0.1")
        cluster.advance(30_000)  # node2 and node3 convict node1: a quorum without it
        assert not cluster.node("node3").sees_alive("127.0.0.1")
        assert (
            node3.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.ONE).one().v
            == 0
        )
        assert (
            node3.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL).one().v
            == 1
        )
        assert (
            node3.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.QUORUM).one().v
            == 1
        )


def test_serial_read_without_a_paxos_quorum_is_a_read_timeout(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.reg (k int PRIMARY KEY, v int)")
        assert cluster.network is not None
        cluster.network.partition("127.0.0.1")  # not yet convicted: prepares to node2 and node3 time out
        with pytest.raises(ReadTimeout) as raised:
            session.execute("SELECT v FROM ks.reg WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL)
        assert str(raised.value) == "Operation timed out - received only 0 responses."
        assert (raised.value.consistency, raised.value.received, raised.value.block_for) == ("SERIAL", 0, 2)
        assert raised.value.data_present is False


def test_cas_repairs_replicas_that_missed_the_most_recent_commit(tmp_path: Path) -> None:
    """A CAS acknowledged at ONE through node3 whose commits to node1 and node2 were lost: node2's next
    CAS gets promises from node2 (accepted, not committed) and node3 (committed), so nothing is "in
    progress"; unless the promising replicas are first brought up to the most recent commit
    (CASSANDRA-5062), its read of node2 and node1 sees the old value and the CAS wrongly fails (found by
    the fault workload: a CAS answered ``[applied] = False`` with a value overwritten before it began)."""
    with Cluster.open(tmp_path / "c", nodes=3) as cluster:
        cluster.connect().execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        node2, node3 = cluster.connect("ks", node="node2"), cluster.connect("ks", node="node3")
        node2.execute("CREATE TABLE reg (k int PRIMARY KEY, v int)")
        node2.execute("INSERT INTO reg (k, v) VALUES (0, 0)", consistency_level=ConsistencyLevel.ALL)
        network = cluster.network
        assert network is not None
        lost = [network.drop(Verb.PAXOS_COMMIT_REQ, recipient=a) for a in ("127.0.0.1", "127.0.0.2")]
        first = node3.execute(
            "UPDATE reg SET v = 1 WHERE k = 0 IF v = 0", consistency_level=ConsistencyLevel.ONE
        )
        assert first.one().applied
        for rule in lost:
            network.remove_drop(rule)
        network.delay(500.0, recipient="127.0.0.1")  # node1 answers last: the promises come from node2, node3
        second = node2.execute(
            "UPDATE reg SET v = 2 WHERE k = 0 IF v = 1", consistency_level=ConsistencyLevel.QUORUM
        )
        assert second.one().applied
        assert (
            node2.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL).one().v
            == 2
        )


def test_the_workload_finds_the_lost_commit_bug_when_the_repair_is_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks can fail: without the most-recent-commit repair, seed 100 records a CAS that read a
    value overwritten by an acknowledged CAS before it began."""
    monkeypatch.setattr(PaxosCoordinator, "_repair_most_recent_commit", lambda *args: None)
    with pytest.raises(AssertionError, match="seed 100: LWT history not linearizable"):
        run_and_check(tmp_path, 100, 300)


def test_serial_read_after_a_restart_sees_a_cas_committed_on_one_replica(tmp_path: Path) -> None:
    """A CAS acknowledged at commit level ONE, its commits to node2 and node3 lost (they accepted it),
    then every node restarts and node1 is cut off: a SERIAL read through node3 must see it. node2 and
    node3 kept the accepted proposal in system.paxos, so the read's Paxos round finishes it."""
    directory = tmp_path / "c"
    with Cluster.open(directory, nodes=3) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.reg (k int PRIMARY KEY, v int)")
        session.execute("INSERT INTO ks.reg (k, v) VALUES (0, 0)", consistency_level=ConsistencyLevel.ALL)
        assert cluster.network is not None
        for address in ("127.0.0.2", "127.0.0.3"):
            cluster.network.drop(Verb.PAXOS_COMMIT_REQ, recipient=address)
        applied = session.execute(
            "UPDATE ks.reg SET v = 1 WHERE k = 0 IF v = 0", consistency_level=ConsistencyLevel.ONE
        )
        assert applied.one().applied
    with Cluster.open(directory, nodes=3) as cluster:
        assert cluster.network is not None
        cluster.network.partition("127.0.0.1")
        cluster.advance(30_000)
        node3 = cluster.connect("ks", node="node3")
        assert (
            node3.execute("SELECT v FROM reg WHERE k = 0", consistency_level=ConsistencyLevel.SERIAL).one().v
            == 1
        )


def replay(directory: Path, seed: int, steps: int) -> tuple[object, ...]:
    """One run of the workload: its LWT history, its log, and the ballots each node keeps."""
    workload = FaultWorkload(directory, seed)
    try:
        workload.run(steps)
        workload.heal_all()  # every node running: each one's own system.paxos is read through it
        ballots = {
            name: sorted(
                tuple(row)
                for row in session.execute(
                    "SELECT in_progress_ballot, proposal_ballot, most_recent_commit_at FROM system.paxos"
                )
            )
            for name, session in workload.sessions.items()
        }
    finally:
        workload.close()
    return workload.history, workload.log, ballots


def test_a_seed_replays_the_same_lwt_history_and_ballots(tmp_path: Path) -> None:
    """Ballots come from the stepped network's virtual clock (engine.service.ballot), so a seed is a
    reproducible run: the same CAS outcomes, the same log, the same time-UUID ballots in system.paxos
    (with wall-clock ballots the last part differs on every run)."""
    first = replay(tmp_path / "first", 3, 150)
    history, _, ballots = first
    assert sum(1 for op in history if op.kind is Kind.CAS) >= 20  # type: ignore[attr-defined]
    assert all(rows for rows in ballots.values())  # type: ignore[attr-defined]
    assert replay(tmp_path / "second", 3, 150) == first


def test_the_quorum_model_accepts_and_rejects_what_it_should() -> None:
    """``possible`` on a hand-made write log: 1 acknowledged, 2 a maybe-deletion, 3 refused, 4 acknowledged."""
    writes = [
        Write(0, 1, Fate.ACKED, "node1", 1),
        Write(0, 2, Fate.MAYBE, "node1", 2, deletion=True),
        Write(0, 3, Fate.FAILED, "node2", 3),
        Write(0, 4, Fate.ACKED, "node3", 4),
    ]
    workload = SimpleNamespace(writes=writes, seed=0)
    assert possible(workload, 0, None, 0, "") == 0  # nothing had to be visible yet
    assert possible(workload, 0, 1, 1, "") == 1
    assert possible(workload, 0, None, 1, "") == 2  # the maybe-deletion explains no row
    assert possible(workload, 0, 4, 2, "") == 4
    for value, floor, message in [
        (None, 4, "no row, but 4 must be visible"),
        (1, 2, "saw 1, older than 2"),
        (3, 0, "3 was never written there"),  # refused
        (2, 0, "2 was never written there"),  # a deletion has no value
    ]:
        with pytest.raises(AssertionError, match=message):
            possible(workload, 0, value, floor, "")
