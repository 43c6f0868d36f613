"""Lightweight transactions across replicas: single-decree Paxos per partition (Cassandra's "Paxos v1").

A conditional statement (``IF NOT EXISTS``, ``IF col = x``) must see and change a partition atomically
with respect to every other conditional statement on it, through any coordinator. The coordinator
(:func:`PaxosCoordinator.cas`) runs, per attempt, with a fresh :class:`Ballot`:

1. **prepare** (``PAXOS_PREPARE_REQ``) to every live replica; a quorum of the serial level (``SERIAL``: of
   all replicas, ``LOCAL_SERIAL``: of this datacenter's) must promise. A replica promises a ballot newer
   than any it promised before and reports the proposal it last accepted and the last ballot it committed.
2. an accepted proposal newer than every reported commit is *in progress*: a coordinator died between
   propose and commit. It is re-proposed with the new ballot and committed first, then the attempt restarts.
   Promising replicas whose last commit is older than the newest one reported get that commit first
   (and are waited for), so the read below sees a CAS acknowledged after committing on fewer than a quorum.
3. **read and decide**: the statement reads the partition (at the serial level's quorum) and evaluates its
   conditions; a failed condition ends the transaction without proposing (``[applied] = False``).
4. **propose** (``PAXOS_PROPOSE_REQ``) the mutations; a quorum must accept (a replica accepts a ballot no
   older than its promise).
5. **commit** (``PAXOS_COMMIT_REQ``) to every live replica, waiting for the statement's own consistency
   level: each replica applies the mutations and records the ballot as committed.

A rejected prepare or propose means contention: the attempt is retried with a newer ballot until the CAS
contention timeout (1 s, cassandra.yaml's ``cas_contention_timeout``; the node's current value, which
``nodetool settimeout cascontention`` changes) has passed, then ``WriteTimeout`` with write type ``CAS`` (as
when too few replicas answer). Too few live replicas: ``Unavailable`` at the
serial level before anything is sent.

**Replica state** (:class:`PaxosState`) is kept per (table, partition key) in the node's ``system.paxos``
table (``engine.service.paxos_table``), saved through the storage engine before the replica answers, so a
restarted replica still honours its promises and still reports what it accepted and committed.

**Ballots** (``engine.service.ballot``) are time UUIDs from the node's :class:`BallotClock`: the stepped
network's virtual time under tests (a seeded run is reproducible), the wall clock when serving; every
ballot a replica reports (a promise that rejected us, an accepted proposal, a commit) raises the floor of
the next one, as Cassandra's ``getTimestampForPaxos(minTimestampToUse)`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.db.consistency_level import ConsistencyLevel, assure_sufficient_live_replicas, block_for
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.errors import WriteTimeout, WriteType
from engine.net import Message, MessagingService, Network, Verb
from engine.net.verbs import TimeoutType
from engine.schema.metadata import Schema
from engine.service.awaiting import wait_until
from engine.service.ballot import Ballot, BallotClock, Micros, clock_for
from engine.service.paxos_table import PaxosKey, PaxosTable, Proposal
from engine.service.replica_plan import Ring, counts_toward, live_per_datacenter
from engine.service.response_handlers import Replies

R = TypeVar("R")

__all__ = ["Ballot", "PaxosCoordinator", "PaxosKey", "PaxosState", "Proposal"]


@dataclass(frozen=True, slots=True)
class Prepare:
    key: PaxosKey
    ballot: Ballot


@dataclass(frozen=True, slots=True)
class PrepareResponse:
    promised: bool
    accepted: Proposal | None
    committed: Ballot | None
    most_recent_commit: Proposal | None = None  # the committed proposal itself, to repair laggards
    #: the replica's promise after this prepare: when it refused, the newer ballot the coordinator must beat
    promised_ballot: Ballot | None = None


@dataclass(frozen=True, slots=True)
class Propose:
    key: PaxosKey
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class Commit:
    key: PaxosKey
    proposal: Proposal


class PaxosState:
    """A replica's promises, accepted proposals and last commits; serves the three Paxos verbs.

    Each verb loads the partition's state from ``system.paxos`` and saves what changed before answering
    (``engine.service.paxos_table``); one lock per node orders them."""

    def __init__(
        self,
        messaging: MessagingService,
        apply: Callable[[Mutation], None],
        *,
        storage: LocalStorage,
        schema: Callable[[], Schema],
    ) -> None:
        self._messaging = messaging
        self._apply = apply
        self._lock = threading.Lock()
        self.table = PaxosTable(storage, schema)
        messaging.register(Verb.PAXOS_PREPARE_REQ, self._on_prepare)
        messaging.register(Verb.PAXOS_PROPOSE_REQ, self._on_propose)
        messaging.register(Verb.PAXOS_COMMIT_REQ, self._on_commit)

    def prepare(self, request: Prepare) -> PrepareResponse:
        with self._lock:
            state = self.table.load(request.key)
            ok = state.promised is None or request.ballot > state.promised
            if ok:
                self.table.save_promise(request.key, request.ballot)
            committed = state.most_recent_commit
            return PrepareResponse(
                ok,
                state.accepted,
                None if committed is None else committed.ballot,
                committed,
                request.ballot if ok else state.promised,
            )

    def propose(self, request: Propose) -> bool:
        with self._lock:
            promised = self.table.load(request.key).promised
            if promised is not None and request.proposal.ballot < promised:
                return False
            self.table.save_proposal(request.key, request.proposal)
            return True

    def commit(self, request: Commit) -> None:
        for mutation in request.proposal.mutations:
            self._apply(mutation)
        with self._lock:
            # the cells carry the ballot's timestamp: an older commit arriving late changes nothing
            self.table.save_commit(request.key, request.proposal)

    def _on_prepare(self, message: Message) -> None:
        self._messaging.reply(message, self.prepare(message.payload))  # type: ignore[arg-type]

    def _on_propose(self, message: Message) -> None:
        self._messaging.reply(message, self.propose(message.payload))  # type: ignore[arg-type]

    def _on_commit(self, message: Message) -> None:
        self.commit(message.payload)  # type: ignore[arg-type]
        self._messaging.reply(message)


class _Contention(Exception):
    """A newer ballot got there first: retry."""


class PaxosCoordinator:
    """Runs compare-and-set transactions for one node (see the module doc)."""

    def __init__(
        self, messaging: MessagingService, local: PaxosState, *, clock_micros: Micros | None = None
    ) -> None:
        self._messaging = messaging
        self._timeouts = messaging.timeouts
        self._local = local
        self.ballots = BallotClock(
            messaging.endpoint, clock_micros if clock_micros is not None else clock_for(messaging.network)
        )

    @property
    def network(self) -> Network:
        return self._messaging.network

    def cas(
        self,
        key: PaxosKey,
        replicas: Sequence[str],
        ring: Ring,
        factors: dict[str, int],
        serial: ConsistencyLevel,
        commit_level: ConsistencyLevel,
        decide: Callable[[], tuple[Sequence[Mutation] | None, R]],
    ) -> R:
        live = [r for r in replicas if r == ring.local_endpoint or ring.is_alive(r)]
        assure_sufficient_live_replicas(
            serial, factors, live_per_datacenter(ring, live), ring.local_datacenter
        )
        required = block_for(serial, factors, ring.local_datacenter)
        voters = [e for e in live if counts_toward(serial, factors, ring, e)]
        started = self.network.now()
        while True:
            try:
                return self._attempt(key, live, voters, required, serial, commit_level, factors, ring, decide)
            except _Contention:
                if self.network.now() - started >= self._timeouts.get(TimeoutType.CAS_CONTENTION):
                    raise self._timeout(serial, 0, required) from None

    def _attempt(
        self,
        key: PaxosKey,
        live: Sequence[str],
        voters: Sequence[str],
        required: int,
        serial: ConsistencyLevel,
        commit_level: ConsistencyLevel,
        factors: dict[str, int],
        ring: Ring,
        decide: Callable[[], tuple[Sequence[Mutation] | None, R]],
    ) -> R:
        ballot = self.ballots.next()
        quorum = self._quorum(required)
        promises = self._ask(
            voters, Verb.PAXOS_PREPARE_REQ, Prepare(key, ballot), self._local.prepare, quorum
        )
        responses = [r for r in promises.replies.values() if isinstance(r, PrepareResponse)]
        for response in responses:
            self.ballots.observe(response.promised_ballot)
            self.ballots.observe(response.committed)
            self.ballots.observe(None if response.accepted is None else response.accepted.ballot)
        if len(responses) < required:
            raise self._timeout(serial, len(responses), required)
        if sum(1 for r in responses if r.promised) < required:
            raise _Contention
        newest_commit = max((r.committed for r in responses if r.committed is not None), default=None)
        in_progress = max(
            (r.accepted for r in responses if r.accepted is not None), key=lambda p: p.ballot, default=None
        )
        if in_progress is not None and (newest_commit is None or in_progress.ballot > newest_commit):
            # finish what an earlier coordinator accepted but did not commit, then start over
            self._propose_and_commit(
                key,
                Proposal(ballot, in_progress.mutations),
                live,
                voters,
                required,
                serial,
                commit_level,
                factors,
                ring,
            )
            raise _Contention
        self._repair_most_recent_commit(key, promises, responses)
        mutations, result = decide()
        if mutations is None:
            return result
        self._propose_and_commit(
            key,
            Proposal(ballot, tuple(mutations)),
            live,
            voters,
            required,
            serial,
            commit_level,
            factors,
            ring,
        )
        return result

    def _repair_most_recent_commit(
        self, key: PaxosKey, promises: Replies, responses: Sequence[PrepareResponse]
    ) -> None:
        """Send the most recent commit to the promising replicas that missed it, and wait for them
        (Cassandra's ``replicasMissingMostRecentCommit``, CASSANDRA-5062). Without it a CAS acknowledged
        once its commit reached fewer than a quorum (commit at ONE, lost commits) is invisible to the read
        that decides the next CAS: its proposal is no longer "in progress" for a replica that committed
        it, while the others that only accepted it still hold the older data. A replica that cannot be
        repaired in time makes this attempt retry (contention) rather than decide on stale data."""
        latest = max(
            (r.most_recent_commit for r in responses if r.most_recent_commit is not None),
            key=lambda p: p.ballot,
            default=None,
        )
        if latest is None:
            return
        behind = [
            endpoint
            for endpoint, r in promises.replies.items()
            if isinstance(r, PrepareResponse) and (r.committed is None or r.committed < latest.ballot)
        ]
        if not behind:
            return
        repaired = self._ask(behind, Verb.PAXOS_COMMIT_REQ, Commit(key, latest), self._local.commit)
        if len(repaired.replies) < len(behind):
            raise _Contention

    def _propose_and_commit(
        self,
        key: PaxosKey,
        proposal: Proposal,
        live: Sequence[str],
        voters: Sequence[str],
        required: int,
        serial: ConsistencyLevel,
        commit_level: ConsistencyLevel,
        factors: dict[str, int],
        ring: Ring,
    ) -> None:
        accepted = self._ask(
            voters,
            Verb.PAXOS_PROPOSE_REQ,
            Propose(key, proposal),
            self._local.propose,
            self._quorum(required),
        )
        if len(accepted.replies) < required:
            raise self._timeout(serial, len(accepted.replies), required)
        if sum(1 for ok in accepted.replies.values() if ok) < required:
            raise _Contention
        level = ConsistencyLevel.ONE if commit_level is ConsistencyLevel.ANY else commit_level
        needed = block_for(level, factors, ring.local_datacenter)
        committed = self._ask(
            live,
            Verb.PAXOS_COMMIT_REQ,
            Commit(key, proposal),
            self._local.commit,
            enough=lambda r: sum(1 for e in r.replies if counts_toward(level, factors, ring, e)) >= needed,
        )
        received = sum(1 for e in committed.replies if counts_toward(level, factors, ring, e))
        if received < needed:
            raise WriteTimeout(
                f"Operation timed out - received only {received} responses.",
                consistency=commit_level.name,
                received=received,
                block_for=needed,
                write_type=WriteType.SIMPLE,
            )

    def _ask(
        self,
        targets: Sequence[str],
        verb: Verb,
        payload: object,
        local: Callable[[object], object],
        enough: Callable[[Replies], bool] | None = None,
    ) -> Replies:
        round_ = Replies(targets)
        for endpoint in targets:
            if endpoint == self._messaging.endpoint:
                round_.respond(endpoint, local(payload))  # type: ignore[arg-type]
                continue
            self._messaging.send_request(
                endpoint,
                verb,
                payload,
                on_response=lambda message: round_.respond(message.sender, message.payload),
                on_failure=round_.fail,
            )
        # the node's current timeouts (nodetool settimeout write / cascontention)
        kind = TimeoutType.WRITE if verb is Verb.PAXOS_COMMIT_REQ else TimeoutType.CAS_CONTENTION
        timeout = float(self._timeouts.get(kind))
        wait_until(
            self.network,
            round_.condition,
            lambda: round_.complete or (enough is not None and enough(round_)),
            timeout,
        )
        return round_

    @staticmethod
    def _quorum(required: int) -> Callable[[Replies], bool]:
        """Enough answers to decide: a quorum of them (waiting for a slow or cut-off replica is pointless)."""
        return lambda r: len(r.replies) >= required

    @staticmethod
    def _timeout(serial: ConsistencyLevel, received: int, required: int) -> WriteTimeout:
        return WriteTimeout(
            f"Operation timed out - received only {received} responses.",
            consistency=serial.name,
            received=received,
            block_for=required,
            write_type=WriteType.CAS,
        )
