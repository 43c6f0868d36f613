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
"""

from __future__ import annotations

import struct
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import Cell, PartitionUpdate, Row
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
    """The mutations of a proposal as one mutation's bytes (they share keyspace and partition key)."""
    if not mutations:
        raise ValueError("a proposal has at least one mutation")
    first = mutations[0]
    for mutation in mutations[1:]:
        if (mutation.keyspace, mutation.key) != (first.keyspace, first.key):
            raise ValueError("the mutations of a Paxos proposal must be of one partition")
    updates = tuple(update for mutation in mutations for update in mutation.updates)
    return Mutation(first.keyspace, first.key, updates).serialize()


class PaxosTable:
    """Loads and saves one node's Paxos state in its ``system.paxos`` (module doc)."""

    def __init__(
        self,
        storage: LocalStorage,
        schema: Callable[[], Schema],
        now_seconds: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self._storage = storage
        self._schema = schema
        self._now_seconds = now_seconds

    # ------------------------------------------------------------------------------------ reading

    def load(self, key: PaxosKey) -> PaxosSnapshot:
        row_key = key[1]
        partition = self._storage.table(PAXOS_TABLE_ID).get(row_key, get_token(row_key))
        if partition is None:
            return EMPTY
        clustering = (key[0].bytes,)
        row = next((r for r in partition.rows if r.clustering == clustering), None)
        if row is None:
            return EMPTY
        now = self._now_seconds()

        def live(name: str) -> bytes | None:
            cell = row.columns.get(name)
            if isinstance(cell, Cell) and cell.is_live(now) and isinstance(cell.value, bytes):
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
        if accepted is not None and committed is not None and accepted.ballot <= committed.ballot:
            accepted = None
        return PaxosSnapshot(promised, accepted, committed)

    # ------------------------------------------------------------------------------------ writing

    def save_promise(self, key: PaxosKey, ballot: Ballot) -> None:
        """savePaxosWritePromise: ``SET in_progress_ballot = ballot``."""
        self._save(key, ballot, {"in_progress_ballot": ballot.uuid.bytes})

    def save_proposal(self, key: PaxosKey, proposal: Proposal) -> None:
        """savePaxosProposal: ``SET proposal_ballot, proposal, proposal_version`` (and the promise)."""
        ballot = proposal.ballot
        self._save(
            key,
            ballot,
            {
                "in_progress_ballot": ballot.uuid.bytes,
                "proposal_ballot": ballot.uuid.bytes,
                "proposal": encode_mutations(proposal.mutations),
                "proposal_version": _INT.pack(PROPOSAL_VERSION),
            },
        )

    def save_commit(self, key: PaxosKey, proposal: Proposal) -> None:
        """savePaxosCommit: ``SET proposal_ballot = null, proposal = null, proposal_version = null,
        most_recent_commit_at, most_recent_commit, most_recent_commit_version``."""
        ballot = proposal.ballot
        self._save(
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

    def _save(self, key: PaxosKey, ballot: Ballot, values: dict[str, bytes | None]) -> None:
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

    def _ttl(self, table: uuid.UUID) -> int:
        metadata = self._schema().table_by_id(table)
        gc_grace = 0 if metadata is None else metadata.params.gc_grace_seconds
        return max(MIN_TTL_SECONDS, gc_grace)


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
    return Proposal(_ballot(ballot), (Mutation.deserialize(blob),))  # type: ignore[arg-type]
