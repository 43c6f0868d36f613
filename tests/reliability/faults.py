"""A seeded workload that interleaves client operations and injected faults on a stepped 3-node cluster,
and records what the checks need.

:class:`FaultWorkload` opens ``Cluster.open(dir, nodes=3)`` (virtual time: the run is a pure function of
the seed), creates a keyspace with RF 3 and two tables, then runs ``steps`` random steps. Each step is
either a fault or a client operation sent through a random running coordinator:

* faults: isolate one node, cut the cluster in two groups, stop or start a node, drop a fraction of the
  messages (all, or those to one node), lose every Paxos commit to two of the nodes, delay the messages to one node beyond or within the write
  timeout, heal everything, or let time pass (gossip convicts partitioned nodes after ~20 s, hints are
  delivered every 10 s);
* ``kv`` operations: ``INSERT ... USING TIMESTAMP`` at QUORUM of a unique value (the timestamp is a
  global counter, so a larger timestamp is always a newer write), one in five a ``DELETE ... USING
  TIMESTAMP`` instead (drawn from an RNG of its own), and ``SELECT v, writetime(v)`` at QUORUM;
* ``register`` operations: ``UPDATE reg SET v = ? WHERE k = 0 IF v = ?`` (consistency QUORUM, serial
  consistency SERIAL) and ``SELECT v FROM reg WHERE k = 0`` at SERIAL.

Every write's fate is recorded: ``ACKED`` (it returned), ``MAYBE`` (``WriteTimeout``/``WriteFailure``:
some replicas may have it, hints may deliver it later) or ``FAILED`` (``Unavailable``: the coordinator
refused before sending anything). LWT operations are recorded as a
:class:`~tests.reliability.linearizability.Operation` history with invoke and complete times in
*event order* (a counter ticking at every invocation and completion, so operations are ordered exactly as
they ran; the stepped clock's milliseconds are kept alongside for reports).
"""

from __future__ import annotations

import enum
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine import Cluster, ConsistencyLevel
from engine.errors import ReadFailure, ReadTimeout, Unavailable, WriteFailure, WriteTimeout
from engine.net import Network, Verb
from engine.repair import RepairOptions
from tests.reliability.linearizability import Kind, Operation

QUORUM = ConsistencyLevel.QUORUM
SERIAL = ConsistencyLevel.SERIAL
ALL = ConsistencyLevel.ALL
ONE = ConsistencyLevel.ONE

KEYSPACE = "faults"
KEYS = 4


class Fate(enum.Enum):
    ACKED = "acked"
    MAYBE = "maybe"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Write:
    key: int
    timestamp: int  # also the value written: unique, and larger means newer
    fate: Fate
    coordinator: str
    completed: int  # event counter at completion
    deletion: bool = False  # a DELETE of the row at this timestamp rather than an INSERT of the value


@dataclass(frozen=True, slots=True)
class Read:
    key: int
    invoked: int
    value: int | None  # the timestamp/value seen (None: no row)
    coordinator: str
    at_ms: float


@dataclass
class Figures:
    operations: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Figures) -> None:
        self.operations.update(other.operations)
        self.faults.update(other.faults)
        self.outcomes.update(other.outcomes)


class FaultWorkload:
    """One seeded run (see the module doc). ``run`` drives it; ``writes``, ``reads`` and ``history`` are
    what the checks read."""

    def __init__(self, directory: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.deletions = random.Random(seed + 1_000_003)  # its own draws: the others replay as before
        self.seed = seed
        self.cluster = Cluster.open(directory / f"c{seed}", nodes=3)
        self.names = [node.name for node in self.cluster.nodes]
        self.addresses = {node.name: node.address for node in self.cluster.nodes}
        setup = self.cluster.connect()
        setup.execute(
            f"CREATE KEYSPACE {KEYSPACE} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        setup.execute(f"CREATE TABLE {KEYSPACE}.kv (k int PRIMARY KEY, v bigint)")
        setup.execute(f"CREATE TABLE {KEYSPACE}.reg (k int PRIMARY KEY, v int)")
        setup.execute(f"INSERT INTO {KEYSPACE}.reg (k, v) VALUES (0, 0)", consistency_level=ALL)
        self.sessions = {name: self.cluster.connect(KEYSPACE, node=name) for name in self.names}
        self.clock = itertools.count(1)  # event order: every invocation and completion ticks
        self.timestamps = itertools.count(1)
        self.register_values = itertools.count(1)
        self.writes: list[Write] = []
        self.reads: list[Read] = []
        self.history: list[Operation] = []
        self.figures = Figures()
        self.log: list[str] = []  # what happened, in order: the first thing to read when a check fails

    # ----------------------------------------------------------------------------------- driving

    def run(self, steps: int) -> None:
        for _ in range(steps):
            roll = self.rng.random()
            if roll < 0.2:
                self.fault()
            elif roll < 0.6:
                self.kv_operation()
            else:
                self.register_operation()

    def heal_all(self) -> None:
        """Undo every fault: heal links, clear drops and delays, start stopped nodes, let gossip agree
        and hints be delivered (two 10 s delivery rounds)."""
        network = self.network
        network.heal()
        network.clear_delays()
        for name in self.names:
            if not self.cluster.node(name).is_running:
                self.cluster.start_node(name)
        self.cluster.converge()
        self.cluster.advance(30_000)
        self.cluster.converge()

    def close(self) -> None:
        self.cluster.shutdown()

    @property
    def network(self) -> Network:
        assert self.cluster.network is not None
        return self.cluster.network

    def running(self) -> list[str]:
        return [name for name in self.names if self.cluster.node(name).is_running]

    # ------------------------------------------------------------------------------------- faults

    def fault(self) -> None:
        rng, network = self.rng, self.network
        kind = rng.choice(
            ["isolate", "split", "stop", "start", "start", "drop", "lose commits", "delay", "slow"]
            + ["heal", "advance"] * 3
        )
        name = rng.choice(self.names)
        address = self.addresses[name]
        if kind == "isolate":
            network.partition(address)
        elif kind == "split":
            others = [self.addresses[n] for n in self.names if n != name]
            network.partition(address, others[:1])  # one link cut: a non-transitive partition
            if rng.random() < 0.5:
                network.partition(address, others[1:])
        elif kind == "stop":
            if len(self.running()) < 2 or not self.cluster.node(name).is_running:
                kind = "noop"
            else:
                self.cluster.stop_node(name)
        elif kind == "start":
            stopped = [n for n in self.names if not self.cluster.node(n).is_running]
            if stopped:
                self.cluster.start_node(rng.choice(stopped))
            else:
                kind = "noop"
        elif kind == "drop":
            verb = rng.choice([None, Verb.MUTATION_REQ, Verb.MUTATION_RSP, Verb.PAXOS_COMMIT_REQ])
            network.drop(
                verb, probability=rng.choice([0.3, 0.7, 1.0]), seed=rng.randrange(1 << 30), recipient=address
            )
        elif kind == "lose commits":  # a CAS may then be acknowledged at ONE with one replica committed
            for other in self.names:
                if other != name:
                    network.drop(Verb.PAXOS_COMMIT_REQ, recipient=self.addresses[other])
        elif kind == "delay":
            network.delay(rng.choice([2_500.0, 6_000.0]), recipient=address)  # past the timeouts
        elif kind == "slow":
            network.delay(rng.choice([50.0, 500.0]), recipient=address)  # within them
        elif kind == "heal":
            network.heal()
            network.clear_delays()
        else:
            self.cluster.advance(rng.choice([500.0, 3_000.0, 12_000.0, 25_000.0]))
        self.figures.faults[kind] += 1
        self.log.append(f"{network.now():>9.0f} ms  fault {kind} {name}")

    # ----------------------------------------------------------------------------------- clients

    def coordinator(self) -> str:
        return self.rng.choice(self.running())

    def kv_operation(self) -> None:
        key = self.rng.randrange(KEYS)
        name = self.coordinator()
        session = self.sessions[name]
        if self.rng.random() < 0.5:
            timestamp = next(self.timestamps)
            deletion = self.deletions.random() < 0.2
            self.figures.operations["quorum delete" if deletion else "quorum write"] += 1
            statement = (
                f"DELETE FROM kv USING TIMESTAMP {timestamp} WHERE k = {key}"
                if deletion
                else f"INSERT INTO kv (k, v) VALUES ({key}, {timestamp}) USING TIMESTAMP {timestamp}"
            )
            try:
                session.execute(statement, consistency_level=QUORUM)
                fate = Fate.ACKED
            except (WriteTimeout, WriteFailure):
                fate = Fate.MAYBE
            except Unavailable:
                fate = Fate.FAILED
            what = "delete" if deletion else "write"
            self.figures.outcomes[f"{what} {fate.value}"] += 1
            self.log.append(
                f"{self.network.now():>9.0f} ms  {name} {what} k={key} t={timestamp}: {fate.value}"
            )
            self.writes.append(Write(key, timestamp, fate, name, next(self.clock), deletion))
            return
        invoked = next(self.clock)
        self.figures.operations["quorum read"] += 1
        try:
            row = session.execute(
                f"SELECT v, writetime(v) FROM kv WHERE k = {key}", consistency_level=QUORUM
            ).one()
        except (ReadTimeout, ReadFailure, Unavailable) as e:
            self.figures.outcomes[f"read {type(e).__name__}"] += 1
            return
        self.figures.outcomes["read ok"] += 1
        value = None if row is None else row.v
        if row is not None:
            assert row.writetime_v == row.v, f"value {row.v} written with timestamp {row.writetime_v}"
        self.reads.append(Read(key, invoked, value, name, self.network.now()))

    def register_operation(self) -> None:
        name = self.coordinator()
        session = self.sessions[name]
        invoked = next(self.clock)
        if self.rng.random() < 0.4:
            self.figures.operations["serial read"] += 1
            try:
                row = session.execute("SELECT v FROM reg WHERE k = 0", consistency_level=SERIAL).one()
            except (ReadTimeout, ReadFailure, Unavailable) as e:
                self.figures.outcomes[f"serial read {type(e).__name__}"] += 1
                return
            self.figures.outcomes["serial read ok"] += 1
            value = None if row is None else row.v
            self.log.append(f"{self.network.now():>9.0f} ms  {name} serial read [{invoked}]: {value}")
            self.history.append(Operation(Kind.READ, invoked, next(self.clock), result=value, process=name))
            return
        self.figures.operations["cas"] += 1
        # expect the value most recently observed (usually right), now and then a stale or wrong one
        expected = self._last_register_value() if self.rng.random() < 0.8 else self.rng.randrange(3)
        new = next(self.register_values)
        # the commit's own consistency: QUORUM, or ONE (SERIAL reads must still see it: Cassandra's go
        # through Paxos and finish what a quorum has not yet applied)
        commit_level = QUORUM if self.rng.random() < 0.7 else ONE
        operation = Operation(Kind.CAS, invoked, None, value=new, expected=expected, process=name)
        try:
            row = session.execute(
                "UPDATE reg SET v = ? WHERE k = 0 IF v = ?", [new, expected], consistency_level=commit_level
            ).one()
        except (WriteTimeout, WriteFailure, ReadTimeout, ReadFailure) as e:
            self.log.append(
                f"{self.network.now():>9.0f} ms  {name} cas [{invoked}] {expected}->{new} at {commit_level.name}: "
                f"{type(e).__name__}"
            )
            # a read timeout too: an earlier attempt of this CAS may have had its proposal accepted by
            # a minority before contention made it retry, and a later prepare may complete it
            self.figures.outcomes[f"cas {type(e).__name__}"] += 1
            self.history.append(operation)  # unknown outcome
            return
        except Unavailable:
            self.figures.outcomes["cas Unavailable"] += 1
            return  # refused before any message: no effect
        completed = next(self.clock)
        result: object = True if row.applied else row.v
        self.log.append(
            f"{self.network.now():>9.0f} ms  {name} cas [{invoked}] {expected}->{new} at {commit_level.name}: {result}"
        )
        self.figures.outcomes["cas applied" if row.applied else "cas not applied"] += 1
        self.history.append(
            Operation(Kind.CAS, invoked, completed, value=new, expected=expected, result=result, process=name)
        )

    def _last_register_value(self) -> object:
        for op in reversed(self.history):
            if op.kind is Kind.READ:
                return op.result
            if op.known:
                return op.value if op.result is True else op.result
        return 0

    # -------------------------------------------------------------------------------- final state

    def repair(self) -> None:
        """A full repair of the keyspace from node1 (``nodetool repair faults``: with RF 3 every node
        replicates every range, so one command covers all); it must succeed."""
        membership = self.cluster.node(self.names[0]).membership
        assert membership is not None
        result = membership.repair.repair(RepairOptions(KEYSPACE))
        assert result.succeeded, [event.message for event in result.events]
        self.figures.faults["repair"] += 1

    def read_each_replica(self) -> dict[str, dict[int, int | None]]:
        """Every key read at ONE through each node: a node asks itself first, so this is its own data
        (no digests at ONE, so no read repair either)."""
        held: dict[str, dict[int, int | None]] = {}
        for name in self.names:
            for key in range(KEYS):
                row = (
                    self.sessions[name]
                    .execute(f"SELECT v FROM kv WHERE k = {key}", consistency_level=ONE)
                    .one()
                )
                held.setdefault(name, {})[key] = None if row is None else row.v
        return held

    def read_all(self) -> dict[int, int | None]:
        """Every key read at ALL through each coordinator in turn (read repair converges the replicas)."""
        seen: dict[int, int | None] = {}
        for key in range(KEYS):
            for name in self.names:
                row = (
                    self.sessions[name]
                    .execute(f"SELECT v FROM kv WHERE k = {key}", consistency_level=ALL)
                    .one()
                )
                value = None if row is None else row.v
                assert seen.setdefault(key, value) == value, f"key {key}: {seen[key]} then {value} at ALL"
        return seen
