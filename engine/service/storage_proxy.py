"""The coordinator's entry point for data: writes (mutations) and reads (partitions, ranges).

Statements (``engine.cql3``) never touch storage directly; they hand mutations and read commands to a
:class:`StorageProxy`. :class:`LocalStorageProxy` serves a single node: every replica is this node, so a
write is applied locally and every consistency level is satisfied by one acknowledgement (Cassandra
with one node behaves so for ONE/QUORUM/ALL at replication factor 1). A multi-node cluster's nodes use
:class:`engine.service.coordinator.Coordinator` instead: replica selection, consistency checks, hints,
read repair, and a ``cas`` method (Paxos) that conditional statements use when the proxy has one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Protocol

from engine.db.column_family_store import TokenKey
from engine.db.consistency_level import ConsistencyLevel
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import PartitionUpdate
from engine.db.slices import Slices


class StorageProxy(Protocol):
    def mutate(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None: ...

    def read_partition(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        consistency: ConsistencyLevel,
        *,
        slices: Slices | None = None,
    ) -> PartitionUpdate | None: ...

    def scan(
        self,
        table_id: uuid.UUID,
        start: TokenKey | None,
        end: TokenKey | None,
        consistency: ConsistencyLevel,
    ) -> Iterator[PartitionUpdate]: ...

    def truncate(self, table_id: uuid.UUID) -> None: ...


class LocalStorageProxy:
    """A one-node coordinator: reads and writes go to this node's storage."""

    def __init__(self, storage: LocalStorage, truncate: TruncateHook) -> None:
        self._storage = storage
        self._truncate = truncate

    def mutate(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None:
        for mutation in mutations:
            self._storage.apply(mutation)

    def read_partition(
        self,
        table_id: uuid.UUID,
        key: bytes,
        token: int,
        consistency: ConsistencyLevel,
        *,
        slices: Slices | None = None,
    ) -> PartitionUpdate | None:
        store = self._storage.table(table_id)
        if slices is None:
            return store.get(key, token)
        return store.read_partition(key, token, slices)

    def scan(
        self,
        table_id: uuid.UUID,
        start: TokenKey | None,
        end: TokenKey | None,
        consistency: ConsistencyLevel,
    ) -> Iterator[PartitionUpdate]:
        return self._storage.table(table_id).scan(start, end)

    def truncate(self, table_id: uuid.UUID) -> None:
        self._truncate(table_id)


class TruncateHook(Protocol):
    def __call__(self, table_id: uuid.UUID) -> None: ...
