"""A replica's Paxos state, kept in ``system.paxos`` through the node's storage engine (Cassandra's
``SystemKeyspace.loadPaxosState`` / ``savePaxosWritePromise`` / ``savePaxosProposal`` / ``savePaxosCommit``).

One row per (partition, table) a lightweight transaction touched, in the node-local table Cassandra 5.0
defines (``engine.schema.system_tables``)::

    system.paxos (row_key blob, cf_id uuid, in_progress_ballot timeuuid, in_progress_read_ballot timeuuid,
                  proposal blob, proposal_ballot timeuuid, proposal_version int,
                  most_recent_commit blob, most_recent_commit_at timeuuid, most_recent_commit_version int,
                  PRIMARY KEY ((row_key), cf_id))

``row_key`` is the partition key's bytes, ``cf_id`` the table's id. Each save is one mutation of that
row, written like Cassandra's ``UPDATE system.paxos USING TIMESTAMP <ballot µs> AND TTL <ttl>``:

* a **promise** sets ``in_progress_ballot``;
* an **accepted proposal** sets ``proposal_ballot``, ``proposal`` and ``proposal_version`` (and
  ``in_progress_ballot``: accepting a ballot also promises it, so a restarted replica cannot promise an
  older one);
* a **commit** sets ``most_recent_commit_at``, ``most_recent_commit`` and ``most_recent_commit_version``
  and deletes the three proposal cells.

Every cell's write timestamp is its ballot's microseconds, so the storage engine's last-write-wins keeps
the newest ballot whatever order saves arrive in (an old commit replayed late cannot hide a newer one),
and a commit's tombstones remove only proposals at least as old. Cells expire after
``max(3 h, gc_grace_seconds of the user table)`` (``legacyPaxosTtlSec``; ``paxos_state_purging: legacy``,
5.0's default with ``paxos_variant: v1``).

**Durability.** A save is a mutation of the node's storage: commitlog first, then memtable, and the
replica answers only after it returns, so the state survives a restart and a killed process exactly as
acknowledged data does (``commitlog_sync: batch`` fsyncs before the answer; ``periodic`` bounds a power
loss to the sync window, as in Cassandra). Start-up replays it with the rest of the commitlog, because the
node opens ``system.paxos`` in storage before replaying.

**Proposal bytes.** ``proposal`` and ``most_recent_commit`` hold the proposal's mutations as one
:class:`~engine.db.mutation.Mutation` in cqlkit's mutation byte format (``engine.db.mutation``: keyspace,
partition key, then each table update's partition), where Cassandra stores its ``PartitionUpdate``
serialization; ``*_version`` is :data:`PROPOSAL_VERSION`, and a row with any other version is refused
(:class:`CorruptDataError` naming the column) rather than misread.

**Reading** (:meth:`PaxosTable.load`): expired or deleted cells are absent; an accepted proposal no newer
than the most recent commit is dropped (Cassandra does the same to survive TTL/tombstone ties).

**Cache.** Every LWT reads its partition's state on each replica three times and saves it three times; a
memtable holding many versions of one hot row makes the reads the dearer part. So the table keeps the
snapshots of the last :data:`CACHE_SIZE` partitions it read, written through: a save applies to the
cached snapshot exactly what last-write-wins does to the row — the newest promise, the newest proposal,
the newest commit, a commit's tombstones removing proposals no newer than it — which holds because no
two ballots share a microsecond (``engine.service.ballot``). A snapshot is read again from the table
once any of its cells may have expired. Only the node's :class:`~engine.service.paxos.PaxosState`
writes this table, under its lock, so the cache cannot miss a write; a restarted node starts cold.
"""

from __future__ import annotations

import struct
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import NO_DELETION_TIME, Cell, PartitionUpdate, Row
from engine.db.serialization import CorruptDataError
from engine.dht.murmur3_partitioner import get_token
from engine.schema.metadata import Schema
from engine.schema.system_tables import SYSTEM, table_id
from engine.service.ballot import Ballot

PAXOS = "paxos"
PAXOS_TABLE_ID = table_id(SYSTEM, PAXOS)
#: what Cassandra 5.0 writes in ``proposal_version`` (MessagingService.VERSION_40, the version of
#: storage_compatibility_mode CASSANDRA_4); here it versions cqlkit's mutation bytes in the blob
PROPOSAL_VERSION = 12
#: legacyPaxosTtlSec: keep Paxos state at least 3 hours
MIN_TTL_SECONDS = 3 * 3600
#: partitions whose Paxos state is also kept in memory (the least recently used go first)
CACHE_SIZE = 10_000

PaxosKey = tuple[uuid.UUID, bytes]  # (table id, partition key)
_INT = struct.Struct(">i")


@dataclass(frozen=True, slots=True)
class Proposal:
    """A ballot and the mutations (of one partition) proposed with it."""

    ballot: Ballot
    mutations: tuple[Mutation, ...]


@dataclass(frozen=True, slots=True)
class PaxosSnapshot:
    """What a replica has promised, accepted and committed for one partition."""

    promised: Ballot | None = None
    accepted: Proposal | None = None
    most_recent_commit: Proposal | None = None


EMPTY = PaxosSnapshot()


def encode_mutations(mutations: Sequence[Mutation]) -> bytes:
    """The mutations of a proposal as one mutation's bytes (they share keyspace and partition key); no
    mutations (a proposal that changes nothing) as a mutation of no table."""
    if not mutations:
        return Mutation("", b"", ()).serialize()
    first = mutations[0]
    for mutation in mutations[1:]:
        if (mutation.keyspace, mutation.key) != (first.keyspace, first.key):
            raise ValueError("the mutations of a Paxos proposal must be of one partition")
    updates = tuple(update for mutation in mutations for update in mutation.updates)
    return Mutation(first.keyspace, first.key, updates).serialize()


class PaxosTable:
    """Loads and saves one node's Paxos state in its ``system.paxos`` (module doc). Not thread-safe: its
    one user, :class:`~engine.service.paxos.PaxosState`, calls it under a lock."""

    def __init__(
        self,
        storage: LocalStorage,
        schema: Callable[[], Schema],
        now_seconds: Callable[[], int] = lambda: int(time.time()),
        *,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self._storage = storage
        self._schema = schema
        self._now_seconds = now_seconds
        self._cache_size = cache_size
        # partition -> (snapshot, the first second at which one of its cells may have expired)
        self._cache: OrderedDict[PaxosKey, tuple[PaxosSnapshot, int]] = OrderedDict()
        self._ttls: tuple[Schema | None, dict[uuid.UUID, int]] = (None, {})

    # ------------------------------------------------------------------------------------ reading

    def load(self, key: PaxosKey) -> PaxosSnapshot:
        now = self._now_seconds()
        cached = self._cache.get(key)
        if cached is not None and now < cached[1]:
            self._cache.move_to_end(key)
            return cached[0]
        snapshot, expires = self.read(key, now)
        if self._cache_size > 0:
            self._cache[key] = (snapshot, expires)
            self._cache.move_to_end(key)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return snapshot

    def read(self, key: PaxosKey, now: int) -> tuple[PaxosSnapshot, int]:
        """The state in the table at ``now`` (seconds), and when the first of its cells expires."""
        row_key = key[1]
        partition = self._storage.table(PAXOS_TABLE_ID).get(row_key, get_token(row_key))
        if partition is None:
            return EMPTY, NO_DELETION_TIME
        clustering = (key[0].bytes,)
        row = next((r for r in partition.rows if r.clustering == clustering), None)
        if row is None:
            return EMPTY, NO_DELETION_TIME
        expires = NO_DELETION_TIME

        def live(name: str) -> bytes | None:
            nonlocal expires
            cell = row.columns.get(name)
            if isinstance(cell, Cell) and cell.is_live(now) and isinstance(cell.value, bytes):
                if cell.ttl > 0:
                    expires = min(expires, cell.local_deletion_time)
                return cell.value
            return None

        promised = _ballot(live("in_progress_ballot"))
        accepted = _proposal(live("proposal_ballot"), live("proposal"), live("proposal_version"), "proposal")
        committed = _proposal(
            live("most_recent_commit_at"),
            live("most_recent_commit"),
            live("most_recent_commit_version"),
            "most_recent_commit",
        )
        return _settled(PaxosSnapshot(promised, accepted, committed)), expires

    # ------------------------------------------------------------------------------------ writing

    def save_promise(self, key: PaxosKey, ballot: Ballot) -> None:
        """savePaxosWritePromise: ``SET in_progress_ballot = ballot``."""
        expires = self._save(key, ballot, {"in_progress_ballot": ballot.uuid.bytes})
        self._update(key, expires, lambda s: replace(s, promised=_newest(s.promised, ballot)))

    def save_proposal(self, key: PaxosKey, proposal: Proposal) -> None:
        """savePaxosProposal: ``SET proposal_ballot, proposal, proposal_version`` (and the promise)."""
        ballot = proposal.ballot
        expires = self._save(
            key,
            ballot,
            {
                "in_progress_ballot": ballot.uuid.bytes,
                "proposal_ballot": ballot.uuid.bytes,
                "proposal": encode_mutations(proposal.mutations),
                "proposal_version": _INT.pack(PROPOSAL_VERSION),
            },
        )

        def change(state: PaxosSnapshot) -> PaxosSnapshot:
            accepted = state.accepted
            if accepted is None or ballot > accepted.ballot:
                accepted = proposal
            return PaxosSnapshot(_newest(state.promised, ballot), accepted, state.most_recent_commit)

        self._update(key, expires, change)

    def save_commit(self, key: PaxosKey, proposal: Proposal) -> None:
        """savePaxosCommit: ``SET proposal_ballot = null, proposal = null, proposal_version = null,
        most_recent_commit_at, most_recent_commit, most_recent_commit_version``."""
        ballot = proposal.ballot
        expires = self._save(
            key,
            ballot,
            {
                "proposal_ballot": None,
                "proposal": None,
                "proposal_version": None,
                "most_recent_commit_at": ballot.uuid.bytes,
                "most_recent_commit": encode_mutations(proposal.mutations),
                "most_recent_commit_version": _INT.pack(PROPOSAL_VERSION),
            },
        )

        def change(state: PaxosSnapshot) -> PaxosSnapshot:
            # the tombstones remove proposals no newer than this commit: _settled drops those
            committed = state.most_recent_commit
            if committed is None or ballot > committed.ballot:
                committed = proposal
            return PaxosSnapshot(state.promised, state.accepted, committed)

        self._update(key, expires, change)

    def _save(self, key: PaxosKey, ballot: Ballot, values: dict[str, bytes | None]) -> int:
        """Write ``values`` into the row at the ballot's timestamp; returns when the live cells expire."""
        table, row_key = key
        now = self._now_seconds()
        ttl = self._ttl(table)
        cells = {
            name: Cell(None, ballot.micros, 0, now)
            if value is None
            else Cell(value, ballot.micros, ttl, now + ttl)
            for name, value in values.items()
        }
        row = Row((table.bytes,), columns=MappingProxyType(cells))
        update = PartitionUpdate(row_key, get_token(row_key), rows=(row,))
        self._storage.apply(Mutation(SYSTEM, row_key, ((PAXOS_TABLE_ID, update),)))
        return now + ttl

    def _update(self, key: PaxosKey, expires: int, change: Callable[[PaxosSnapshot], PaxosSnapshot]) -> None:
        """After a save: the cached snapshot as the row now reads (uncached: the next load reads it)."""
        cached = self._cache.get(key)
        if cached is not None:
            self._cache[key] = (_settled(change(cached[0])), min(cached[1], expires))

    def _ttl(self, table: uuid.UUID) -> int:
        schema = self._schema()
        seen, ttls = self._ttls
        if seen is not schema:
            ttls = {}
            self._ttls = (schema, ttls)
        ttl = ttls.get(table)
        if ttl is None:
            metadata = schema.table_by_id(table)
            ttl = max(MIN_TTL_SECONDS, 0 if metadata is None else metadata.params.gc_grace_seconds)
            ttls[table] = ttl
        return ttl


def _newest(ballot: Ballot | None, other: Ballot) -> Ballot:
    return other if ballot is None or other > ballot else ballot


def _settled(state: PaxosSnapshot) -> PaxosSnapshot:
    """An accepted proposal no newer than the most recent commit is over (loadPaxosState drops it)."""
    accepted, committed = state.accepted, state.most_recent_commit
    if accepted is not None and committed is not None and accepted.ballot <= committed.ballot:
        return PaxosSnapshot(state.promised, None, committed)
    return state


def _ballot(value: bytes | None) -> Ballot | None:
    return None if value is None else Ballot.from_uuid(uuid.UUID(bytes=value))


def _proposal(
    ballot: bytes | None, blob: bytes | None, version: bytes | None, column: str
) -> Proposal | None:
    if ballot is None or blob is None:
        return None
    found = None if version is None else _INT.unpack(version)[0]
    if found != PROPOSAL_VERSION:
        raise CorruptDataError(f"system.paxos {column}_version", 0, f"unsupported version {found}")
    mutation = Mutation.deserialize(blob)
    return Proposal(_ballot(ballot), (mutation,) if mutation.updates else ())  # type: ignore[arg-type]
