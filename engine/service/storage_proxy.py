"""The coordinator's entry point for data: writes (mutations) and reads (partitions, ranges).

Statements (``engine.cql3``) never touch storage directly; they hand mutations and read commands to a
:class:`StorageProxy`. :class:`LocalStorageProxy` serves a single node: every replica is this node, so a
write is applied locally and a read answered locally — after the same consistency checks Cassandra makes
on one node: the level must suit the operation (ANY is for writes, the serial levels for conditions) and
enough replicas must be alive, one being alive (a keyspace with replication factor 3 on one node answers
ONE, and QUORUM with ``Unavailable``: required 2, alive 1). A multi-node cluster's nodes use
:class:`engine.service.coordinator.Coordinator` instead: replica selection, consistency checks, hints,
read repair, and a ``cas`` method (Paxos) that conditional statements use when the proxy has one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from engine.db.column_family_store import TokenKey
from engine.db.consistency_level import (
    ANY_DATACENTER,
    ConsistencyLevel,
    assure_sufficient_live_replicas,
    validate_for_read,
    validate_for_write,
)
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

    def __init__(
        self,
        storage: LocalStorage,
        truncate: TruncateHook,
        replication_factors: Callable[[str], Mapping[str, int]] | None = None,
        datacenter: str | None = None,
    ) -> None:
        self._storage = storage
        self._truncate = truncate
        self._replication_factors = replication_factors
        self._datacenter = datacenter

    def _check(self, keyspace: str, level: ConsistencyLevel) -> None:
        """Enough live replicas for ``level``: this node is the only one alive."""
        if self._replication_factors is None:
            return
        factors = self._replication_factors(keyspace)
        live = {self._datacenter or ANY_DATACENTER: 1}
        assure_sufficient_live_replicas(level, factors, live, self._datacenter)

    def mutate(self, mutations: Sequence[Mutation], consistency: ConsistencyLevel) -> None:
        validate_for_write(consistency)
        for keyspace in dict.fromkeys(m.keyspace for m in mutations):
            self._check(keyspace, consistency)
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
        validate_for_read(consistency)
        self._check(store.keyspace, consistency)
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
        store = self._storage.table(table_id)
        validate_for_read(consistency)
        self._check(store.keyspace, consistency)
        return store.scan(start, end)

    def truncate(self, table_id: uuid.UUID) -> None:
        self._truncate(table_id)


class TruncateHook(Protocol):
    def __call__(self, table_id: uuid.UUID) -> None: ...
