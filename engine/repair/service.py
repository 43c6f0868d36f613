"""Anti-entropy repair of one node's ranges (Cassandra's ``RepairCoordinator`` / ``RepairSession``).

**Protocol.** The node running the command is the repair coordinator. For the keyspace it works out the
ranges to repair — every range it replicates, only its primary ranges (``-pr``: the ranges whose first
replica it is), or a requested sub-range (``-st``/``-et``, cut along the ranges it intersects) — and the
replicas of each, narrowed to ``-dc``/``-local`` datacenters and ``-hosts``. Every one of them must be
alive (else ``Endpoint not alive: /<address>:7000``, as ``ActiveRepairService.prepareForRepair``).
(``-force`` leaves the dead ones out instead.) Ranges with the same replicas form one *session*. For each table and range of a session:

1. **Validation.** Each replica builds a Merkle tree (:mod:`engine.repair.merkle_tree`) of its merged
   partitions in the range (``VALIDATION_REQ`` → ``VALIDATION_RSP``; the coordinator's own tree is built
   in place).
2. **Comparison.** The trees are compared pairwise; each disagreeing pair is recorded
   (:class:`~engine.repair.session.Mismatch`), and the leaves where any pair disagrees are to be synced.
3. **Sync.** For each such leaf the coordinator reads the leaf's partitions from every replica
   (``RANGE_REQ``), reconciles each partition's versions by timestamp (``merge_partitions``: newest cell
   wins, deletions shadow older data), and sends each replica whose version differs from the reconciled
   one the reconciled partition (``STREAM_REQ``, applied through the replica's write path).

Cassandra streams the differing ranges between the two replicas of each pair; reconciling at the
coordinator lands the same result in one round. Everything runs on messaging, so under the stepped
network a repair is deterministic; a replica that does not answer within ``request_timeout`` fails the
session (``Repair command #N failed with error ...``).

Incremental repair (Cassandra 5.0's default) is not implemented: a repair is always full, and repaired
data is not marked (``Percent repaired`` stays 0).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate, merge_partitions
from engine.dht.range import TokenRange
from engine.locator import ReplicationStrategy
from engine.net import Message, MessagingService, Network, Verb
from engine.net.verbs import REQUEST_TIMEOUT_MS
from engine.repair.merkle_tree import DEFAULT_DEPTH, MerkleTree, difference, leaf_range
from engine.repair.messages import StreamRequest, ValidationRequest, ValidationResponse, spans
from engine.repair.session import (
    Mismatch,
    ProgressEvent,
    ProgressEventType,
    RepairOptions,
    RepairResult,
    SessionResult,
    format_ranges,
)
from engine.schema.metadata import Schema, TableMetadata
from engine.service.awaiting import wait_until
from engine.service.commands import RangeCommand, RangeResponse, digest
from engine.service.replica import ReplicaHandlers
from engine.service.replica_plan import Ring, replicas_for
from engine.service.response_handlers import Replies

STORAGE_PORT = 7000
#: ``RepairCoordinator`` reports progress as its state over the number of states + 1; sessions finish
#: while it is in REPAIR_START (4 of 7), which is why nodetool shows ``(progress: 57%)`` there.
_SESSION_PROGRESS, _PROGRESS_TOTAL = 4, 7


class RepairFailed(Exception):
    """A repair command that failed: the message is Cassandra's error text."""


class RepairService:
    """One node's repair: the replica side (validation, stream) and the coordinator of its commands."""

    def __init__(
        self,
        *,
        storage: LocalStorage,
        messaging: MessagingService,
        replica: ReplicaHandlers,
        schema: Callable[[], Schema],
        ring: Callable[[], Ring],
        strategy: Callable[[str], ReplicationStrategy | None],
    ) -> None:
        self._storage = storage
        self._messaging = messaging
        self._replica = replica
        self._schema = schema
        self._ring = ring
        self._strategy = strategy
        self._commands = itertools.count(1)
        self.history: list[RepairResult] = []
        messaging.register(Verb.VALIDATION_REQ, self._on_validation)
        messaging.register(Verb.STREAM_REQ, self._on_stream)

    @property
    def network(self) -> Network:
        return self._messaging.network

    # ------------------------------------------------------------------------------- replica side

    def validate(self, request: ValidationRequest) -> MerkleTree:
        store = self._storage.table(request.table_id)
        partitions = (p for start, end in spans(request.token_range) for p in store.scan(start, end))
        return MerkleTree.build(request.token_range, partitions, request.depth)

    def _on_validation(self, message: Message) -> None:
        request = message.payload
        assert isinstance(request, ValidationRequest)
        self._messaging.reply(message, ValidationResponse(self.validate(request)))

    def _on_stream(self, message: Message) -> None:
        request = message.payload
        assert isinstance(request, StreamRequest)
        for mutation in request.mutations:
            self._replica.apply(mutation)
        self._messaging.reply(message)

    # --------------------------------------------------------------------------------- coordinator

    def ranges_to_repair(self, options: RepairOptions) -> tuple[tuple[TokenRange, tuple[str, ...]], ...]:
        """The ranges this command repairs, each with the replicas taking part (this node first)."""
        strategy = self._strategy(options.keyspace)
        if strategy is None:
            return ()
        ring = self._ring()
        me = ring.local_endpoint
        metadata = ring.token_metadata
        out: list[tuple[TokenRange, tuple[str, ...]]] = []
        for token in metadata.sorted_tokens:
            replicas = replicas_for(strategy, token, ring)
            if me not in replicas or (options.primary_range and replicas[0] != me):
                continue
            primary = metadata.primary_range_for(token)
            pieces = [primary]
            if options.ranges:
                pieces = [p for wanted in options.ranges for p in primary.intersection(wanted)]
            # sorted: ranges with the same replicas share a session whatever their ring order
            neighbors = tuple(sorted(e for e in replicas if e != me and self._included(ring, options, e)))
            out.extend((piece, (me, *neighbors)) for piece in pieces)
        return tuple(out)

    def _included(self, ring: Ring, options: RepairOptions, endpoint: str) -> bool:
        if options.datacenters and ring.topology.datacenter(endpoint) not in options.datacenters:
            return False
        return not options.hosts or endpoint in options.hosts

    def repair(
        self,
        options: RepairOptions,
        *,
        clock: Callable[[], float] = time.time,
        depth: int = DEFAULT_DEPTH,
        on_event: Callable[[ProgressEvent], None] | None = None,
    ) -> RepairResult:
        """Run one repair command over ``options.keyspace``; never raises for a failed repair (the result
        says it failed and its events carry Cassandra's error lines). ``on_event`` hears each progress
        event as it happens (nodetool prints them as they come)."""
        started = clock()
        events = _Events(on_event)
        command = next(self._commands)
        repair_id = uuid.uuid1()
        ranges = self.ranges_to_repair(options)
        sessions: list[SessionResult] = []
        try:
            # as RepairCoordinator: the tables are resolved before the start is announced
            tables = self._tables(options)
            events.append(
                ProgressEvent(
                    clock(),
                    ProgressEventType.START,
                    f"Starting repair command #{command} ({repair_id}), repairing keyspace {options.keyspace} "
                    f"with {options.describe(len(options.ranges) or len(ranges))}",
                )
            )
            if options.force:  # -force: repair among the live replicas instead of failing
                ring = self._ring()
                ranges = tuple(
                    (r, tuple(e for e in endpoints if e == ring.local_endpoint or ring.is_alive(e)))
                    for r, endpoints in ranges
                )
            self._check_alive({e for _, endpoints in ranges for e in endpoints})
            for endpoints, common in _common_ranges(ranges):
                if len(endpoints) < 2:
                    continue  # nobody to compare with (a filter left this node alone)
                session = self._session(tables, common, endpoints, depth)
                sessions.append(session)
                events.append(
                    ProgressEvent(
                        clock(),
                        ProgressEventType.PROGRESS,
                        f"Repair session {session.id} for range {format_ranges(common)} finished",
                        _SESSION_PROGRESS,
                        _PROGRESS_TOTAL,
                    )
                )
        except RepairFailed as e:
            events.append(
                ProgressEvent(
                    clock(), ProgressEventType.ERROR, f"Repair command #{command} failed with error {e}"
                )
            )
            events.append(
                ProgressEvent(
                    clock(), ProgressEventType.COMPLETE, f"Repair command #{command} finished with error"
                )
            )
            return self._record(command, repair_id, options, ranges, sessions, events, succeeded=False)
        events.append(ProgressEvent(clock(), ProgressEventType.SUCCESS, "Repair completed successfully"))
        events.append(
            ProgressEvent(
                clock(),
                ProgressEventType.COMPLETE,
                f"Repair command #{command} finished in {duration_words(clock() - started)}",
            )
        )
        return self._record(command, repair_id, options, ranges, sessions, events, succeeded=True)

    def _record(
        self,
        command: int,
        repair_id: uuid.UUID,
        options: RepairOptions,
        ranges: Sequence[tuple[TokenRange, tuple[str, ...]]],
        sessions: list[SessionResult],
        events: list[ProgressEvent],
        *,
        succeeded: bool,
    ) -> RepairResult:
        result = RepairResult(
            command,
            repair_id,
            options.keyspace,
            tuple(r for r, _ in ranges),
            tuple(sessions),
            tuple(events),
            succeeded,
        )
        self.history.append(result)
        return result

    def _tables(self, options: RepairOptions) -> tuple[TableMetadata, ...]:
        keyspace = self._schema().keyspace(options.keyspace)
        if keyspace is None:
            raise RepairFailed(f"Keyspace [{options.keyspace}] does not exist.")
        if not options.tables:
            return tuple(sorted(keyspace.tables.values(), key=lambda t: t.name))
        found = []
        for name in options.tables:
            table = keyspace.tables.get(name)
            if table is None:
                raise RepairFailed(f"Unknown keyspace/cf pair ({options.keyspace}.{name})")
            found.append(table)
        return tuple(found)

    def _check_alive(self, endpoints: set[str]) -> None:
        ring = self._ring()
        for endpoint in sorted(endpoints):
            if endpoint != ring.local_endpoint and not ring.is_alive(endpoint):
                raise RepairFailed(f"Endpoint not alive: /{endpoint}:{STORAGE_PORT}")

    # ----------------------------------------------------------------------------------- sessions

    def _session(
        self,
        tables: Sequence[TableMetadata],
        ranges: tuple[TokenRange, ...],
        endpoints: tuple[str, ...],
        depth: int,
    ) -> SessionResult:
        session_id = uuid.uuid1()
        mismatches: list[Mismatch] = []
        streamed = 0
        for table in tables:
            for token_range in ranges:
                trees = self._validate(session_id, table, token_range, endpoints, depth)
                leaves: set[int] = set()
                for a, b in itertools.combinations(endpoints, 2):
                    differing = difference(trees[a], trees[b])
                    if differing:
                        mismatches.append(Mismatch(table.name, token_range, (a, b), len(differing)))
                        leaves.update(differing)
                for leaf in sorted(leaves):
                    streamed += self._sync(session_id, table, leaf_range(token_range, depth, leaf), endpoints)
        return SessionResult(
            session_id, ranges, endpoints, tuple(t.name for t in tables), tuple(mismatches), streamed
        )

    def _ask(self, endpoints: Sequence[str], verb: Verb, payload: object) -> Mapping[str, object]:
        """Send ``payload`` to every endpoint but this node and wait for all answers."""
        replies = Replies(endpoints)
        for endpoint in endpoints:
            self._messaging.send_request(
                endpoint,
                verb,
                payload,
                on_response=lambda message: replies.respond(message.sender, message.payload),
                on_failure=replies.fail,
                timeout_ms=REQUEST_TIMEOUT_MS,
            )
        wait_until(self.network, replies.condition, lambda: replies.complete, REQUEST_TIMEOUT_MS)
        missing = [e for e in endpoints if e not in replies.replies]
        if missing:
            failed = replies.failures.get(missing[0])
            why = "timed out" if failed is None or failed.name == "TIMEOUT" else f"failed ({failed.name})"
            raise RepairFailed(f"{verb.name} to /{missing[0]}:{STORAGE_PORT} {why}")
        return replies.replies

    def _validate(
        self,
        session_id: uuid.UUID,
        table: TableMetadata,
        token_range: TokenRange,
        endpoints: tuple[str, ...],
        depth: int,
    ) -> dict[str, MerkleTree]:
        request = ValidationRequest(session_id, table.id, token_range, depth)
        me = self._messaging.endpoint
        answers = self._ask([e for e in endpoints if e != me], Verb.VALIDATION_REQ, request)
        trees = {e: r.tree for e, r in answers.items() if isinstance(r, ValidationResponse)}
        trees[me] = self.validate(request)
        return trees

    def _sync(
        self, session_id: uuid.UUID, table: TableMetadata, leaf: TokenRange, endpoints: tuple[str, ...]
    ) -> int:
        """Level one leaf on every replica; returns how many partitions were written."""
        me = self._messaging.endpoint
        versions: dict[tuple[int, bytes], dict[str, PartitionUpdate]] = {}
        for start, end in spans(leaf):
            command = RangeCommand(table.id, start, end)
            answers = dict(self._ask([e for e in endpoints if e != me], Verb.RANGE_REQ, command))
            answers[me] = self._replica.scan(command)
            for endpoint, response in answers.items():
                assert isinstance(response, RangeResponse)
                for partition in response.partitions:
                    if partition.token in leaf:
                        versions.setdefault((partition.token, partition.key), {})[endpoint] = partition
        clustering = self._storage.table(table.id).clustering_key
        outgoing: dict[str, list[Mutation]] = {e: [] for e in endpoints}
        for (_token, key), held in sorted(versions.items()):
            merged = merge_partitions(held.values(), clustering)
            wanted = digest(merged)
            mutation = Mutation(table.keyspace, key, ((table.id, merged),))
            for endpoint in endpoints:
                if digest(held.get(endpoint)) != wanted:
                    outgoing[endpoint].append(mutation)
        local = outgoing.pop(me)
        for mutation in local:
            self._replica.apply(mutation)
        written = len(local) + sum(len(m) for m in outgoing.values())
        targets = [e for e, mutations in outgoing.items() if mutations]
        replies = Replies(targets)
        for endpoint in targets:
            self._messaging.send_request(
                endpoint,
                Verb.STREAM_REQ,
                StreamRequest(session_id, tuple(outgoing[endpoint])),
                on_response=lambda message: replies.respond(message.sender, None),
                on_failure=replies.fail,
                timeout_ms=REQUEST_TIMEOUT_MS,
            )
        wait_until(self.network, replies.condition, lambda: replies.complete, REQUEST_TIMEOUT_MS)
        if len(replies.replies) < len(targets):
            missing = next(e for e in targets if e not in replies.replies)
            raise RepairFailed(f"Stream to /{missing}:{STORAGE_PORT} failed")
        return written


class _Events(list[ProgressEvent]):
    """The command's events, each also passed to the listener as it is added."""

    def __init__(self, listener: Callable[[ProgressEvent], None] | None) -> None:
        super().__init__()
        self._listener = listener

    def append(self, event: ProgressEvent) -> None:
        super().append(event)
        if self._listener is not None:
            self._listener(event)


def _common_ranges(
    ranges: Sequence[tuple[TokenRange, tuple[str, ...]]],
) -> list[tuple[tuple[str, ...], tuple[TokenRange, ...]]]:
    """Ranges grouped by their replicas, in the order first met (Cassandra's ``CommonRange``s)."""
    groups: dict[tuple[str, ...], list[TokenRange]] = {}
    for token_range, endpoints in ranges:
        groups.setdefault(endpoints, []).append(token_range)
    return [(endpoints, tuple(found)) for endpoints, found in groups.items()]


def duration_words(seconds: float) -> str:
    """Commons Lang's ``DurationFormatUtils.formatDurationWords(ms, true, true)``: ``0 seconds``,
    ``1 second``, ``2 minutes 5 seconds``, ``1 hour``..."""
    total = int(max(0.0, seconds))
    parts = [
        (total // 86400, "day"),
        (total // 3600 % 24, "hour"),
        (total // 60 % 60, "minute"),
        (total % 60, "second"),
    ]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    while len(parts) > 1 and parts[-1][0] == 0:
        parts.pop()
    return " ".join(f"{n} {unit}" if n == 1 else f"{n} {unit}s" for n, unit in parts)
