"""The coordinator of a multi-node cluster: a :class:`~engine.service.storage_proxy.StorageProxy` over replicas.

Cassandra's ``StorageProxy``, for one node of an in-process cluster. Statements (``engine.cql3``) call the
same four methods as on one node; here each finds the key's replicas (the keyspace's replication strategy
over the ring, ``engine.service.replica_plan``), checks that enough are alive for the consistency level
(``Unavailable`` before anything is sent), talks to them through ``engine.net`` and waits
(``engine.service.awaiting``).

* **Writes** (``mutate``): every live replica gets the mutation (``MUTATION_REQ``; the coordinator applies
  its own copy directly), the write returns once ``block_for`` replicas acknowledged (per datacenter for
  ``EACH_QUORUM``, local ones only for ``LOCAL_*``), or fails with ``WriteTimeout`` (received / block_for /
  write type: ``SIMPLE``, or ``UNLOGGED_BATCH`` for several mutations, as Cassandra) after the write timeout.
  A replica known to be down gets a hint instead, and so does one whose acknowledgement never came (when
  its request expires, as Cassandra's expired callbacks do); at ``ANY`` a stored hint counts as an
  acknowledgement.
* **Reads** (``read_partition``): the closest replica sends data, the others the level needs send
  digests. If a digest differs, all of them send data, the versions are reconciled by timestamp, and the
  stale replicas are repaired (``READ_REPAIR_REQ`` with the reconciled partition; blocking, as Cassandra
  4+) before the result returns. Too few answers in the read timeout → ``ReadTimeout`` (received,
  block_for, data_present).
* **Range reads** (``scan``): the ring is cut at every token; consecutive pieces with the same contacts
  are read with one ``RANGE_REQ`` per contact, reconciled per partition (with repair), and yielded lazily
  in token order, so a page stops asking once it is full.
* **Counters**: an update advances its leader replica's shard, read from the leader (``counter_leader``).
* **Logged batches** (``mutate_atomically``) go through the batchlog (``engine.service.batchlog``).
* **Lightweight transactions** (``cas``): Paxos across the partition's replicas (``engine.service.paxos``).
* **Truncate**: needs every node up (else ``Unavailable`` at ALL, as Cassandra's ``truncateBlocking``) and
  every node's answer within the truncate timeout (else ``TruncateError``).

System keyspaces (served from memory or node-local) and LocalStrategy keyspaces stay on this node.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

from engine.db.column_family_store import TokenKey
from engine.db.consistency_level import (
    ConsistencyLevel,
    assure_sufficient_live_replicas,
    block_for_write,
    validate_for_read,
    validate_for_write,
)
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate, merge_partitions
from engine.db.slices import Slices
from engine.errors import (
    InvalidRequest,
    ReadFailure,
    ReadTimeout,
    TruncateError,
    Unavailable,
    WriteFailure,
    WriteTimeout,
    WriteType,
)
from engine.hints import HintsService
from engine.locator import LocalStrategy, ReplicationStrategy, TokenMetadata, create_strategy
from engine.locator.pending import future_ring, has_pending_changes
from engine.net import MessagingService, Network, RequestFailed, RequestFailureReason, Verb
from engine.net.verbs import TimeoutType
from engine.schema.metadata import KeyspaceMetadata, Schema
from engine.service.awaiting import wait_until
from engine.service.batchlog import Batch, BatchlogStore, BatchRemove
from engine.service.client_request_metrics import ReadRepairCounters
from engine.service.commands import (
    RangeCommand,
    RangeResponse,
    ReadCommand,
    ReadResponse,
    TruncateCommand,
    digest,
)
from engine.service.paxos import PaxosCoordinator, PaxosState
from engine.service.replica import ReplicaHandlers
from engine.service.replica_plan import (
    Ring,
    by_proximity,
    counts_toward,
    for_read,
    live_per_datacenter,
    read_level,
    replicas_for,
)
from engine.service.response_handlers import Replies, WriteHandler

R = TypeVar("R")


class Coordinator:
    """A node's :class:`~engine.service.storage_proxy.StorageProxy` in a multi-node cluster."""

    def __init__(
        self,
        *,
        storage: LocalStorage,
        schema: Callable[[], Schema],
        ring: Callable[[], Ring],
        messaging: MessagingService,
        replica: ReplicaHandlers,
        hints: HintsService | None,
        truncate_local: Callable[[uuid.UUID], None],
        is_local_keyspace: Callable[[str], bool],
        batchlog: BatchlogStore | None = None,
        read_repair: ReadRepairCounters | None = None,
    ) -> None:
        self._batchlog = batchlog
        self._read_repair = read_repair
        self._storage = storage
        self._schema = schema
        self._ring = ring
        self._messaging = messaging
        self._replica = replica
        self._hints = hints
        self._truncate_local = truncate_local
        self._is_local_keyspace = is_local_keyspace
        self._strategies: dict[tuple[object, ...], ReplicationStrategy] = {}
        self._future_ring: tuple[int, TokenMetadata] | None = None  # (ring version, the ring to be)
        self._local_cas = threading.Lock()
        # the partitions whose Paxos round this thread is running: a CAS reads its conditions inside it
        self._in_paxos = threading.local()
        self.paxos_state = PaxosState(messaging, replica.apply, storage=storage, schema=schema)
        self._paxos = PaxosCoordinator(messaging, self.paxos_state)

    def _timeout(self, kind: TimeoutType) -> float:
        """This node's current timeout of that kind (``nodetool settimeout`` changes it at run time)."""
        return float(self._messaging.timeouts.get(kind))

    @property
    def network(self) -> Network:
        return self._messaging.network

    # ----------------------------------------------------------------------------------- placement

    def _strategy(self, keyspace: KeyspaceMetadata) -> ReplicationStrategy | None:
        """The keyspace's strategy; ``None`` when its data stays on this node."""
        if self._is_local_keyspace(keyspace.name):
            return None
        replication = keyspace.replication
        key = (keyspace.name, replication.strategy_class, tuple(sorted(replication.options.items())))
        found = self._strategies.get(key)
        if found is None:
            found = create_strategy(
                keyspace.replication, keyspace=keyspace.name, local_endpoint=self._messaging.endpoint
            )
            self._strategies[key] = found
        return None if isinstance(found, LocalStrategy) else found

    def _strategy_for_table(self, table_id: uuid.UUID) -> tuple[ReplicationStrategy | None, str]:
        schema = self._schema()
        table = schema.table_by_id(table_id)
        if table is None:
            return None, ""
        keyspace = schema.keyspace(table.keyspace)
        return (None if keyspace is None else self._strategy(keyspace)), table.keyspace

    def _live(self, ring: Ring, replicas: Sequence[str]) -> list[str]:
        return [r for r in replicas if r == ring.local_endpoint or ring.is_alive(r)]

    # -------------------------------------------------------------------------------------- writes

    def mutate(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None:
        validate_for_write(consistency)
        self._mutate(
            mutations, consistency, WriteType.SIMPLE if len(mutations) <= 1 else WriteType.UNLOGGED_BATCH
        )

    def mutate_atomically(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None:
        """A LOGGED batch: through the batchlog (``engine.service.batchlog``), then written as usual."""
        validate_for_write(consistency)
        if self._batchlog is None or len({(m.keyspace, m.key) for m in mutations}) <= 1:
            # one partition is applied atomically by each replica: no batchlog needed (as Cassandra)
            self._mutate(mutations, consistency, WriteType.SIMPLE)
            return
        ring = self._ring()
        endpoints = self._batchlog_endpoints(ring, consistency)
        batch = Batch(uuid.uuid4(), int(self.network.now()), tuple(mutations))
        stored = Replies(endpoints)
        for endpoint in endpoints:
            if endpoint == ring.local_endpoint:
                self._batchlog.store(batch)
                stored.respond(endpoint, None)
                continue
            self._messaging.send_request(
                endpoint,
                Verb.BATCH_STORE_REQ,
                batch,
                on_response=lambda message: stored.respond(message.sender, None),
                on_failure=stored.fail,
            )
        wait_until(self.network, stored.condition, lambda: stored.complete, self._timeout(TimeoutType.WRITE))
        if len(stored.replies) < len(endpoints):
            level = ConsistencyLevel.ONE if len(endpoints) == 1 else ConsistencyLevel.TWO
            raise WriteTimeout(
                f"Operation timed out - received only {len(stored.replies)} responses.",
                consistency=level.name,
                received=len(stored.replies),
                block_for=len(endpoints),
                write_type=WriteType.BATCH_LOG,
            )
        self._mutate(mutations, consistency, WriteType.BATCH)
        for endpoint in endpoints:
            if endpoint == ring.local_endpoint:
                self._batchlog.remove(batch.id)
            else:
                self._messaging.send_request(
                    endpoint, Verb.BATCH_REMOVE_REQ, BatchRemove(batch.id), on_response=lambda _m: None
                )

    def _batchlog_endpoints(self, ring: Ring, consistency: ConsistencyLevel) -> list[str]:
        """Up to two live nodes of this datacenter other than this one (``filterBatchlogEndpoints``)."""
        local_dc = ring.local_datacenter
        in_dc = [e for e in ring.token_metadata.endpoints if ring.topology.datacenter(e) == local_dc]
        if in_dc == [ring.local_endpoint]:
            return in_dc  # a one-node datacenter keeps its batchlog itself
        others = [e for e in in_dc if e != ring.local_endpoint and ring.is_alive(e)]
        if others:
            return others[:2]
        if consistency is ConsistencyLevel.ANY:
            return [ring.local_endpoint]
        raise Unavailable("Cannot achieve consistency level ONE", consistency="ONE", required=1, alive=0)

    def replay(self, mutations: Sequence[Mutation]) -> None:
        """Send a batch's mutations to their live replicas without waiting; hint the others (batchlog replay)."""
        for mutation in mutations:
            keyspace = self._schema().keyspace(mutation.keyspace)
            strategy = None if keyspace is None else self._strategy(keyspace)
            if strategy is None:
                self._storage.apply(mutation)
                continue
            ring = self._ring()
            for endpoint in replicas_for(strategy, mutation.updates[0][1].token, ring):
                if endpoint == ring.local_endpoint:
                    self._replica.apply(mutation)
                elif not ring.is_alive(endpoint):
                    if self._hints is not None:
                        self._hints.store(endpoint, mutation)
                else:
                    self._messaging.send_request(
                        endpoint,
                        Verb.MUTATION_REQ,
                        mutation,
                        on_response=lambda _m: None,
                        on_failure=lambda e, _r, m=mutation: self._hints.store(e, m) if self._hints else None,
                    )

    def _mutate(
        self, mutations: Sequence[Mutation], consistency: ConsistencyLevel, write_type: WriteType
    ) -> None:
        handlers: list[WriteHandler] = []
        for mutation in mutations:
            schema = self._schema()
            keyspace = schema.keyspace(mutation.keyspace)
            strategy = None if keyspace is None else self._strategy(keyspace)
            if strategy is None:
                self._storage.apply(mutation)
                continue
            handlers.append(self._write(mutation, strategy, consistency))
        for handler in handlers:
            wait_until(self.network, handler.condition, handler.done, self._timeout(TimeoutType.WRITE))
            if handler.satisfied():
                continue
            failures = handler.real_failures()
            received = handler.received()
            if failures:
                raise WriteFailure(
                    f"Operation failed - received {received} responses and {len(failures)} failures",
                    consistency=consistency.name,
                    received=received,
                    block_for=handler.block,
                    write_type=write_type,
                    reasons=failures,
                )
            raise WriteTimeout(
                f"Operation timed out - received only {received} responses.",
                consistency=consistency.name,
                received=received,
                block_for=handler.block,
                write_type=write_type,
            )

    def _write(
        self, mutation: Mutation, strategy: ReplicationStrategy, level: ConsistencyLevel
    ) -> WriteHandler:
        ring = self._ring()
        token = mutation.updates[0][1].token
        natural = replicas_for(strategy, token, ring)
        # while a node bootstraps or leaves, the replicas-to-be of its ranges get every write too, and
        # the write waits for them as well (Cassandra's blockFor + pending)
        pending = self._pending_replicas(strategy, token, ring, natural)
        replicas = (*natural, *pending)
        live = self._live(ring, replicas)
        factors = strategy.replication_factors(ring.topology)
        local_dc = ring.local_datacenter
        block = block_for_write(level, factors, local_dc) + sum(
            1 for e in pending if counts_toward(level, factors, ring, e)
        )
        assure_sufficient_live_replicas(
            level, factors, live_per_datacenter(ring, live), local_dc, required=block
        )
        handler = WriteHandler(level, factors, ring, block, live)
        for endpoint in replicas:
            if endpoint not in live:
                if (
                    self._hints is not None
                    and self._hints.store(endpoint, mutation)
                    and level is ConsistencyLevel.ANY
                ):
                    handler.hinted += 1
                continue
            if endpoint == ring.local_endpoint:
                try:
                    self._replica.apply(mutation)
                except RequestFailed as e:
                    handler.fail(endpoint, e.reason)
                else:
                    handler.respond(endpoint, None)
                continue
            self._messaging.send_request(
                endpoint,
                Verb.MUTATION_REQ,
                mutation,
                on_response=lambda message, h=handler: h.respond(message.sender, None),
                on_failure=lambda e, reason, h=handler, m=mutation: self._write_failed(h, m, e, reason),
            )
        return handler

    def _pending_replicas(
        self, strategy: ReplicationStrategy, token: int, ring: Ring, natural: Sequence[str]
    ) -> tuple[str, ...]:
        """Endpoints that will replicate ``token`` once the ring changes in progress complete."""
        metadata = ring.token_metadata
        if not has_pending_changes(metadata):
            return ()
        cached = self._future_ring
        if cached is None or cached[0] != metadata.version:
            cached = self._future_ring = (metadata.version, future_ring(metadata))
        future = strategy.natural_replicas(token, cached[1], ring.topology)
        return tuple(e for e in future if e not in natural)

    def _write_failed(
        self, handler: WriteHandler, mutation: Mutation, endpoint: str, reason: RequestFailureReason
    ) -> None:
        if reason is RequestFailureReason.TIMEOUT and self._hints is not None:
            self._hints.store(endpoint, mutation)  # an expired write is hinted, even after the reply
        handler.fail(endpoint, reason)

    # --------------------------------------------------------------------------------------- reads

    def read_partition(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        consistency: ConsistencyLevel,
        *,
        slices: Slices | None = None,
    ) -> PartitionUpdate | None:
        validate_for_read(consistency)
        strategy, keyspace = self._strategy_for_table(table_id)
        command = ReadCommand(table_id, key, token, slices)
        if strategy is None:
            return self._replica.read(command).partition
        if consistency.is_serial and (table_id, key) not in getattr(self._in_paxos, "keys", ()):
            return self._read_with_paxos(table_id, key, token, consistency, slices)
        ring = self._ring()
        level = read_level(consistency)
        replicas = replicas_for(strategy, token, ring)
        live = self._live(ring, replicas)
        factors = strategy.replication_factors(ring.topology)
        assure_sufficient_live_replicas(
            level, factors, live_per_datacenter(ring, live), ring.local_datacenter
        )
        contacts = for_read(level, factors, ring, live)
        first = self._ask_reads(command, contacts, digests=True, level=consistency)
        data = first.replies[contacts[0]]
        assert isinstance(data, ReadResponse)
        if all(r.digest == data.digest for r in first.replies.values()):  # type: ignore[attr-defined]
            return data.partition
        if self._read_repair is not None:
            self._read_repair.mark_attempted()  # the digests differ: the data is read and reconciled
        full = self._ask_reads(command, contacts, digests=False, level=consistency)
        versions = {e: r.partition for e, r in full.replies.items()}  # type: ignore[attr-defined]
        merged = self._reconcile(table_id, list(versions.values()))
        self._repair(keyspace, table_id, key, merged, versions)
        return merged

    def _ask_reads(
        self, command: ReadCommand, contacts: Sequence[str], *, digests: bool, level: ConsistencyLevel
    ) -> Replies:
        replies = Replies(contacts)
        for index, endpoint in enumerate(contacts):
            asked = command if index == 0 or not digests else _digest_of(command)
            self._send_read(replies, endpoint, asked, Verb.READ_REQ)
        wait_until(self.network, replies.condition, lambda: replies.complete, self._timeout(TimeoutType.READ))
        self._check_read(replies, level, data_from=contacts[0] if digests else None)
        return replies

    def _send_read(self, replies: Replies, endpoint: str, command: object, verb: Verb) -> None:
        if endpoint == self._messaging.endpoint:
            try:
                local = (
                    self._replica.read(command)  # type: ignore[arg-type]
                    if isinstance(command, ReadCommand)
                    else self._replica.scan(command)  # type: ignore[arg-type]
                )
            except RequestFailed as e:
                replies.fail(endpoint, e.reason)
            else:
                replies.respond(endpoint, local)
            return
        self._messaging.send_request(
            endpoint,
            verb,
            command,
            on_response=lambda message: replies.respond(message.sender, message.payload),
            on_failure=replies.fail,
        )

    def _check_read(self, replies: Replies, level: ConsistencyLevel, data_from: str | None) -> None:
        block = len(replies.targets)
        received = len(replies.replies)
        if received >= block:
            return
        data_present = data_from is None or data_from in replies.replies
        failures = replies.real_failures()
        if failures:
            raise ReadFailure(
                f"Operation failed - received {received} responses and {len(failures)} failures",
                consistency=level.name,
                received=received,
                block_for=block,
                data_present=data_present,
                reasons=failures,
            )
        raise ReadTimeout(
            f"Operation timed out - received only {received} responses.",
            consistency=level.name,
            received=received,
            block_for=block,
            data_present=data_present,
        )

    def _reconcile(
        self, table_id: uuid.UUID, versions: Sequence[PartitionUpdate | None]
    ) -> PartitionUpdate | None:
        present = [v for v in versions if v is not None]
        if not present:
            return None
        return merge_partitions(present, self._storage.table(table_id).clustering_key)

    def _repair(
        self,
        keyspace: str,
        table_id: uuid.UUID,
        key: bytes,
        merged: PartitionUpdate | None,
        versions: Mapping[str, PartitionUpdate | None],
    ) -> None:
        """Blocking read repair: send the reconciled partition to every contacted replica that differs."""
        if merged is None:
            return
        wanted = digest(merged)
        stale = [e for e, v in versions.items() if digest(v) != wanted]
        if not stale:
            return
        if self._read_repair is not None:
            self._read_repair.mark_repaired_blocking()
        mutation = Mutation(keyspace, key, ((table_id, merged),))
        replies = Replies(stale)
        for endpoint in stale:
            if endpoint == self._messaging.endpoint:
                self._replica.apply(mutation)
                replies.respond(endpoint, None)
                continue
            self._messaging.send_request(
                endpoint,
                Verb.READ_REPAIR_REQ,
                mutation,
                on_response=lambda message: replies.respond(message.sender, None),
                on_failure=replies.fail,
            )
        # A repair that does not finish does not fail the read: the next read (or repair) fixes it.
        wait_until(
            self.network, replies.condition, lambda: replies.complete, self._timeout(TimeoutType.WRITE)
        )

    # --------------------------------------------------------------------------------- range reads

    def scan(
        self,
        table_id: uuid.UUID,
        start: TokenKey | None,
        end: TokenKey | None,
        consistency: ConsistencyLevel,
    ) -> Iterator[PartitionUpdate]:
        validate_for_read(consistency)
        strategy, keyspace = self._strategy_for_table(table_id)
        if strategy is None:
            yield from self._replica.scan(RangeCommand(table_id, start, end)).partitions
            return
        ring = self._ring()
        level = read_level(consistency)
        factors = strategy.replication_factors(ring.topology)
        groups: list[tuple[TokenKey | None, TokenKey | None, tuple[str, ...]]] = []
        for piece_start, piece_end, token in _pieces(sorted(ring.token_metadata.sorted_tokens), start, end):
            live = self._live(ring, replicas_for(strategy, token, ring))
            assure_sufficient_live_replicas(
                level, factors, live_per_datacenter(ring, live), ring.local_datacenter
            )
            contacts = tuple(for_read(level, factors, ring, live))
            if groups and groups[-1][2] == contacts and groups[-1][1] == piece_start:
                groups[-1] = (groups[-1][0], piece_end, contacts)
            else:
                groups.append((piece_start, piece_end, contacts))
        for group_start, group_end, contacts in groups:
            yield from self._scan_group(keyspace, table_id, group_start, group_end, contacts, consistency)

    def _scan_group(
        self,
        keyspace: str,
        table_id: uuid.UUID,
        start: TokenKey | None,
        end: TokenKey | None,
        contacts: Sequence[str],
        level: ConsistencyLevel,
    ) -> Iterator[PartitionUpdate]:
        command = RangeCommand(table_id, start, end)
        if list(contacts) == [self._messaging.endpoint]:
            yield from self._replica.scan(command).partitions
            return
        replies = Replies(contacts)
        for endpoint in contacts:
            self._send_read(replies, endpoint, command, Verb.RANGE_REQ)
        wait_until(
            self.network, replies.condition, lambda: replies.complete, self._timeout(TimeoutType.RANGE)
        )
        self._check_read(replies, level, data_from=None)
        by_key: dict[TokenKey, dict[str, PartitionUpdate]] = {}
        for endpoint, response in replies.replies.items():
            assert isinstance(response, RangeResponse)
            for partition in response.partitions:
                by_key.setdefault((partition.token, partition.key), {})[endpoint] = partition
        for position in sorted(by_key):
            versions: dict[str, PartitionUpdate | None] = {e: None for e in contacts}
            versions.update(by_key[position])
            distinct = {digest(v) for v in versions.values()}
            if len(distinct) == 1:
                yield next(iter(by_key[position].values()))
                continue
            merged = self._reconcile(table_id, list(versions.values()))
            self._repair(keyspace, table_id, position[1], merged, versions)
            if merged is not None:
                yield merged

    # ------------------------------------------------------------------------------------- counters

    def counter_leader(
        self, table_id: uuid.UUID, key: bytes, token: int, consistency: ConsistencyLevel
    ) -> tuple[bytes, PartitionUpdate | None]:
        """The shard a counter update advances and the partition it starts from (Cassandra's counter leader).

        The leader is this node when it is a live replica, else the closest live replica; the update
        advances the leader's own shard (its host id), read from the leader's own data: only the leader
        ever writes that shard, so what it holds of it is never stale. The update itself is then written
        to every replica like any mutation (``mutate``), which merges shards by their clocks.
        """
        strategy, _ = self._strategy_for_table(table_id)
        command = ReadCommand(table_id, key, token)
        ring = self._ring()
        if strategy is None:
            return ring.topology.host_id(ring.local_endpoint).bytes, self._replica.read(command).partition
        replicas = replicas_for(strategy, token, ring)
        live = self._live(ring, replicas)
        table = self._schema().table_by_id(table_id)
        if consistency is ConsistencyLevel.ANY:  # ConsistencyLevel.validateCounterForWrite
            name = table.name if table is not None else table_id
            raise InvalidRequest(f"Consistency level ANY is not yet supported for counter table {name}")
        if consistency.is_serial:
            raise InvalidRequest("Counter operations are inherently non-serializable")
        factors = strategy.replication_factors(ring.topology)
        assure_sufficient_live_replicas(
            consistency, factors, live_per_datacenter(ring, live), ring.local_datacenter
        )
        leader = by_proximity(ring, live)[0]
        replies = self._ask_reads(command, [leader], digests=False, level=consistency)
        response = replies.replies[leader]
        assert isinstance(response, ReadResponse)
        return ring.topology.host_id(leader).bytes, response.partition

    # --------------------------------------------------------------------------------- transactions

    def cas(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        serial: ConsistencyLevel,
        commit_level: ConsistencyLevel,
        decide: Callable[[], tuple[Sequence[Mutation] | None, R]],
    ) -> R:
        """A lightweight transaction on one partition (``engine.service.paxos``): ``decide`` reads and
        checks the conditions, returning the mutations to commit (``None``: not applied) and the result."""
        strategy, _ = self._strategy_for_table(table_id)
        if strategy is None:
            with self._local_cas:
                mutations, result = decide()
                for mutation in mutations or ():
                    self._storage.apply(mutation)
                return result
        ring = self._ring()
        replicas = replicas_for(strategy, token, ring)
        factors = dict(strategy.replication_factors(ring.topology))
        keys = getattr(self._in_paxos, "keys", frozenset())
        self._in_paxos.keys = keys | {(table_id, key)}
        try:
            return self._paxos.cas((table_id, key), replicas, ring, factors, serial, commit_level, decide)
        finally:
            self._in_paxos.keys = keys

    def _read_with_paxos(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        serial: ConsistencyLevel,
        slices: Slices | None,
    ) -> PartitionUpdate | None:
        """A read at SERIAL/LOCAL_SERIAL (Cassandra's ``readWithPaxos``): a Paxos round that proposes
        nothing but first finishes any proposal a coordinator got accepted without committing it
        everywhere, then reads at the matching quorum. Reading at QUORUM alone could miss a CAS that was
        acknowledged after committing on fewer replicas than a quorum (commit at ONE, or lost commits).
        Too few answers is a ``ReadTimeout`` at the serial level, as Cassandra converts it."""
        quorum = (
            ConsistencyLevel.LOCAL_QUORUM
            if serial is ConsistencyLevel.LOCAL_SERIAL
            else ConsistencyLevel.QUORUM
        )

        def decide() -> tuple[None, PartitionUpdate | None]:
            return None, self.read_partition(table_id, key, token, quorum, slices=slices)

        try:
            return self.cas(table_id, key, token, serial, quorum, decide)
        except WriteTimeout as e:
            raise ReadTimeout(
                "Operation timed out - received only 0 responses.",
                consistency=serial.name,
                received=0,
                block_for=e.block_for,
                data_present=False,
            ) from None

    # ------------------------------------------------------------------------------------ truncate

    def truncate(self, table_id: uuid.UUID) -> None:
        strategy, _ = self._strategy_for_table(table_id)
        if strategy is None:
            self._truncate_local(table_id)
            return
        ring = self._ring()
        everyone = ring.token_metadata.endpoints
        live = self._live(ring, everyone)
        if len(live) < len(everyone):
            raise Unavailable(
                "Cannot achieve consistency level ALL",
                consistency="ALL",
                required=len(everyone),
                alive=len(live),
            )
        replies = Replies(everyone)
        for endpoint in everyone:
            if endpoint == ring.local_endpoint:
                self._truncate_local(table_id)
                replies.respond(endpoint, None)
                continue
            self._messaging.send_request(
                endpoint,
                Verb.TRUNCATE_REQ,
                TruncateCommand(table_id),
                on_response=lambda message: replies.respond(message.sender, None),
                on_failure=replies.fail,
            )
        wait_until(
            self.network, replies.condition, lambda: replies.complete, self._timeout(TimeoutType.TRUNCATE)
        )
        if len(replies.replies) < len(everyone):
            raise TruncateError(f"Truncate timed out - received only {len(replies.replies)} responses")


def _digest_of(command: ReadCommand) -> ReadCommand:
    return ReadCommand(command.table_id, command.key, command.token, command.slices, digest_only=True)


def _pieces(
    tokens: Sequence[int], start: TokenKey | None, end: TokenKey | None
) -> Iterator[tuple[TokenKey | None, TokenKey | None, int]]:
    """The ring cut at every token, clipped to ``[start, end)``: ``(piece start, piece end, ring token)``.

    The piece ``(t[i-1], t[i]]`` holds positions ``(t[i-1] + 1, b"") <= p < (t[i] + 1, b"")`` and is
    replicated like ``t[i]``; the pieces before the first token and after the last wrap to ``t[0]``.
    """
    bounds: list[tuple[TokenKey | None, TokenKey | None, int]] = []
    previous: TokenKey | None = None
    for token in tokens:
        bounds.append((previous, (token + 1, b""), token))
        previous = (token + 1, b"")
    bounds.append((previous, None, tokens[0]))
    for piece_start, piece_end, token in bounds:
        lo = piece_start if start is None or (piece_start is not None and piece_start > start) else start
        hi = piece_end if end is None or (piece_end is not None and piece_end < end) else end
        if lo is not None and hi is not None and lo >= hi:
            continue
        yield lo, hi, token
