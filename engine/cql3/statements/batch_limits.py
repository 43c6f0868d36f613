"""Cassandra's guards on batches: the size thresholds and the warnings about how a batch is used.

Checked on every batch without conditions, after its mutations are built and before they are applied,
as Cassandra's ``BatchStatement.executeWithoutConditions`` does:

* **Size** (``verifyBatchSize``), only when the batch touches more than one partition: the data size of
  its mutations over ``batch_size_warn_threshold`` (5 KiB) gives the client warning ``Batch for [ks.t] is
  of size 6144, exceeding specified threshold of 5120 by 1024.``; over ``batch_size_fail_threshold``
  (50 KiB) the batch fails with ``Batch too large`` and nothing is applied.
* **Unlogged batches across partitions** (``verifyBatchType``): an UNLOGGED (or COUNTER) batch touching
  more than ``unlogged_batch_across_partitions_warn_threshold`` (10) partitions warns that a logged batch
  or asynchronous writes would serve better.
* **Logged batches on tables with gc_grace_seconds = 0** warn that batchlog entries may expire before they
  are replayed (the batchlog is TTL'd by the tables' gc_grace_seconds).

**Data size** is Cassandra's ``PartitionUpdate.dataSize()`` over the batch's updates merged per table and
partition (Cassandra collects a batch's statements into one update per partition first; an update built
as bytes, ``engine.db.encoded_update``, brings its size counted by the same rules): for each row, the
clustering values, 8 bytes of primary-key liveness (16 with a TTL), 12 of row deletion, and per cell 16
bytes (timestamp, TTL, local deletion time) plus the value and, in a collection, the cell path; a
collection adds 12 for its own deletion; every partition counts its static row, present or not (20 bytes
for an empty one). A counter update is a 36-byte counter context in Cassandra's batches. Partition and
range deletions carry no row data and add nothing.

Table names print as Cassandra's ``TableMetadata.toString`` (``ks.t``, names quoted when needed) inside
Java's set brackets; with several tables cqlkit lists them sorted (Cassandra's order is a hash set's).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from engine.cql.ast import BatchType
from engine.cql.ast.terms import render_name
from engine.db.mutation import Mutation
from engine.db.rows import Cell, ComplexColumn, CounterValue, Row
from engine.errors import InvalidRequest
from engine.schema.metadata import TableMetadata

#: Bytes of a cell besides its value: timestamp (8), TTL (4), local deletion time (4).
CELL_OVERHEAD = 16
#: Bytes of a DeletionTime (markedForDeleteAt 8, localDeletionTime 4): a row's or a collection's deletion.
DELETION_SIZE = 12
#: Bytes of a primary-key liveness info: its timestamp; an expiring one adds TTL and expiration time.
LIVENESS_SIZE = 8
EXPIRING_LIVENESS_EXTRA = 8
#: A counter update's value in a batch: a counter context with one shard (2 + 2 + 32 bytes).
COUNTER_UPDATE_SIZE = 36

UNLOGGED_BATCH_WARNING = (
    "Unlogged batch covering {} partitions detected against table{} {}. You should use a logged batch for "
    "atomicity, or asynchronous writes for performance."
)
LOGGED_BATCH_LOW_GCGS_WARNING = (
    "Executing a LOGGED BATCH on table{} {}, configured with a gc_grace_seconds of 0. The gc_grace_seconds is "
    "used to TTL batchlog entries, so setting gc_grace_seconds too low on tables involved in an atomic batch "
    "might cause batchlog entries to expire before being replayed."
)


@dataclass(frozen=True, slots=True)
class BatchThresholds:
    """cassandra.yaml's batch settings (5.0 defaults)."""

    warn_bytes: int = 5 * 1024  # batch_size_warn_threshold: 5KiB
    fail_bytes: int = 50 * 1024  # batch_size_fail_threshold: 50KiB
    unlogged_partitions: int = 10  # unlogged_batch_across_partitions_warn_threshold


DEFAULT_THRESHOLDS = BatchThresholds()

TableLookup = Callable[[uuid.UUID], TableMetadata | None]


def table_name(table: TableMetadata) -> str:
    return f"{render_name(table.keyspace)}.{render_name(table.name)}"


def _java_set(names: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(names)) + "]"


def _cell_size(cell: Cell, path: bytes | None = None) -> int:
    value = cell.value
    if isinstance(value, CounterValue):
        size = COUNTER_UPDATE_SIZE
    else:
        size = len(value) if value is not None else 0
    return CELL_OVERHEAD + size + (len(path) if path is not None else 0)


class _RowSize:
    """A row of the merged batch, as far as its size goes: the columns written, last write kept."""

    __slots__ = ("clustering_size", "columns", "expiring")

    def __init__(self, clustering_size: int) -> None:
        self.clustering_size = clustering_size
        self.expiring = False
        self.columns: dict[tuple[str, bytes | None], int] = {}

    def add(self, row: Row) -> None:
        if row.liveness is not None and row.liveness.ttl:
            self.expiring = True
        for name, data in row.columns.items():
            if isinstance(data, ComplexColumn):
                self.columns[(name, None)] = DELETION_SIZE  # the collection's own deletion
                for path, cell in data.cells.items():
                    self.columns[(name, path)] = _cell_size(cell, path)
            else:
                self.columns[(name, None)] = _cell_size(data)

    def size(self) -> int:
        liveness = LIVENESS_SIZE + (EXPIRING_LIVENESS_EXTRA if self.expiring else 0)
        return self.clustering_size + liveness + DELETION_SIZE + sum(self.columns.values())


def data_size(mutations: Iterable[Mutation]) -> int:
    """Cassandra's ``IMutation.dataSize`` of a batch's mutations, merged per table and partition."""
    updates = [(table_id, update) for mutation in mutations for table_id, update in mutation.updates]
    per_partition = Counter((table_id, update.key) for table_id, update in updates)
    partitions: dict[tuple[uuid.UUID, bytes], dict[object, _RowSize]] = {}
    total = 0
    for table_id, update in updates:
        known = getattr(update, "data_size", None)  # an update built as bytes counted its size
        if known is not None and per_partition[(table_id, update.key)] == 1:
            total += known  # the partition's only update: nothing to merge it with
            continue
        rows = partitions.setdefault((table_id, update.key), {})
        static = rows.get("static")
        if static is None:
            static = rows["static"] = _RowSize(0)  # counted whether or not the batch writes it
        if update.static_row is not None:
            static.add(update.static_row)
        for row in update.rows:
            merged = rows.get(row.clustering)
            if merged is None:
                merged = rows[row.clustering] = _RowSize(sum(len(v) for v in row.clustering))
            merged.add(row)
    return total + sum(row.size() for rows in partitions.values() for row in rows.values())


def _unmerged_size(mutations: Iterable[Mutation]) -> int:
    """At least ``data_size``: every update's rows counted apart. Merging rows of one partition and
    clustering only drops overwritten cells and repeated row overheads, so a batch this bound keeps under
    the threshold needs no exact count (most batches; the count is the expensive part)."""
    total = 0
    for mutation in mutations:
        for _, update in mutation.updates:
            known = getattr(update, "data_size", None)  # an update built as bytes counted its size
            if known is not None:
                total += known
                continue
            static = update.static_row
            total += LIVENESS_SIZE + DELETION_SIZE if static is None else _row_size(static, 0)
            for row in update.rows:
                total += _row_size(row, sum(len(v) for v in row.clustering))
    return total


def _row_size(row: Row, clustering_size: int) -> int:
    size = clustering_size + LIVENESS_SIZE + DELETION_SIZE
    if row.liveness is not None and row.liveness.ttl:
        size += EXPIRING_LIVENESS_EXTRA
    for data in row.columns.values():
        if data.__class__ is ComplexColumn:
            size += DELETION_SIZE + sum(_cell_size(c, p) for p, c in data.cells.items())  # type: ignore[union-attr]
        else:
            size += _cell_size(data)  # type: ignore[arg-type]
    return size


def _partitions(mutations: Sequence[Mutation]) -> set[tuple[str, bytes]]:
    return {(m.keyspace, m.key) for m in mutations}


def _table_names(mutations: Sequence[Mutation], tables: TableLookup) -> set[str]:
    names = set()
    for mutation in mutations:
        for table_id, _ in mutation.updates:
            table = tables(table_id)
            if table is not None:
                names.add(table_name(table))
    return names


def verify_batch_size(
    mutations: Sequence[Mutation],
    tables: TableLookup,
    warnings: list[str],
    thresholds: BatchThresholds = DEFAULT_THRESHOLDS,
) -> None:
    """Warn about (or refuse, past the fail threshold) a large batch over several partitions."""
    if len(_partitions(mutations)) <= 1:
        return  # CASSANDRA-10876: only batches spanning several mutations
    if _unmerged_size(mutations) <= thresholds.warn_bytes:
        return
    size = data_size(mutations)
    if size <= thresholds.warn_bytes:
        return
    if size > thresholds.fail_bytes:
        raise InvalidRequest("Batch too large")
    names = _java_set(_table_names(mutations, tables))
    warnings.append(
        f"Batch for {names} is of size {size}, exceeding specified threshold of {thresholds.warn_bytes} "
        f"by {size - thresholds.warn_bytes}."
    )


def verify_batch_type(
    batch_type: BatchType,
    mutations: Sequence[Mutation],
    tables: TableLookup,
    warnings: list[str],
    thresholds: BatchThresholds = DEFAULT_THRESHOLDS,
) -> None:
    """Warn about an unlogged batch over more partitions than the threshold."""
    if batch_type is BatchType.LOGGED or len(mutations) <= 1:
        return
    partitions = _partitions(mutations)
    if len(partitions) > thresholds.unlogged_partitions:
        names = _table_names(mutations, tables)
        warnings.append(
            UNLOGGED_BATCH_WARNING.format(len(partitions), "" if len(names) == 1 else "s", _java_set(names))
        )


def warn_low_gc_grace(batch_type: BatchType, tables: Iterable[TableMetadata], warnings: list[str]) -> None:
    """A logged batch writing to tables with ``gc_grace_seconds = 0``."""
    if batch_type is not BatchType.LOGGED:
        return
    names = {table_name(t) for t in tables if t.params.gc_grace_seconds == 0}
    if names:
        warnings.append(
            LOGGED_BATCH_LOW_GCGS_WARNING.format("" if len(names) == 1 else "s", _java_set(names))
        )
