"""The memtable: a table's recent writes, in memory, sorted by token, until they are flushed to an SSTable.

Partitions are kept in a ``SortedDict`` keyed by ``(token, key)`` (the SSTable order); each partition
keeps its rows in a dict keyed by the table's clustering sort key, which becomes a ``SortedDict`` once
the partition is wide (most partitions hold a few rows, and a ``SortedDict`` costs ~50 µs to create). Writes merge into the
existing row with ``Row.merge`` (so the memtable always holds one reconciled version per row); reads get
immutable ``PartitionUpdate`` copies, so a reader never sees a half-applied write.

The memtable remembers the commitlog positions it covers (``min_position``/``max_position``) so that
after a flush the commitlog can drop what this memtable made durable. ``live_data_size`` estimates the
serialized size of what it holds; the table flushes it when that passes the configured threshold.

Thread safety: one lock per memtable guards its structure; writes to different partitions still
serialize on it, which is fine for CPython.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedDict

from engine.db.rows import (
    LIVE,
    ClusteringKey,
    DeletionTime,
    PartitionUpdate,
    RangeTombstone,
    Row,
    latest,
)
from engine.db.serialization import serialize_partition

# The cost of an update in the size estimate, beyond its serialized bytes (Python object overhead).
_PER_UPDATE_OVERHEAD = 64
# Rows in a partition beyond which they are kept sorted as they arrive rather than sorted when read.
_WIDE = 16


@dataclass
class _Partition:
    key: bytes
    token: int
    rows: Any  # clustering sort key -> Row: a dict, or a SortedDict once the partition is wide
    deletion: DeletionTime = LIVE
    static_row: Row | None = None
    range_tombstones: list[RangeTombstone] = field(default_factory=list)


class Memtable:
    """Writes to one table since the last flush."""

    def __init__(
        self, clustering_key: ClusteringKey, *, created_at: float = 0.0, lower_bound: Any = None
    ) -> None:
        self._clustering_key = clustering_key
        self._partitions: Any = SortedDict()
        self._lock = threading.Lock()
        # Write barrier: writers reserve the memtable before logging to the commitlog and release it after
        # applying; a flush freezes it (no new reservations) and waits until every reserved write landed.
        self._writes = threading.Condition(threading.Lock())
        self._pending_writes = 0
        self._frozen = False
        self._flush_claimed = False
        self.flushed = threading.Event()
        # Every write this memtable receives is logged after this commitlog position (taken when it
        # became the current memtable): the commitlog may forget what comes before it once older
        # memtables are flushed.
        self.lower_bound = lower_bound
        self.created_at = created_at
        self.live_data_size = 0
        self.operation_count = 0
        self.min_timestamp: int | None = None  # oldest write timestamp held (bounds compaction purging)
        self.min_position: Any = None  # CommitLogPosition of the first write logged, if any
        self.max_position: Any = None

    def reserve(self) -> bool:
        """Start a write into this memtable; False once it is frozen for a flush (use the new one)."""
        with self._writes:
            if self._frozen:
                return False
            self._pending_writes += 1
            return True

    def release(self) -> None:
        with self._writes:
            self._pending_writes -= 1
            if self._pending_writes == 0:
                self._writes.notify_all()

    def freeze(self) -> None:
        """Refuse new writes (reservations already made still complete)."""
        with self._writes:
            self._frozen = True

    def wait_for_writes(self) -> None:
        """Block until every write reserved before the freeze has been applied."""
        with self._writes:
            while self._pending_writes:
                self._writes.wait()

    def claim_flush(self) -> bool:
        """True for the one caller that gets to write this memtable out."""
        with self._writes:
            if self._flush_claimed:
                return False
            self._flush_claimed = True
            return True

    def apply(self, update: PartitionUpdate, position: object = None, size: int | None = None) -> None:
        """Merge ``update`` into the memtable; ``position`` is where the commitlog logged it, ``size`` its
        serialized size if known (it is computed otherwise)."""
        if size is None:
            size = len(serialize_partition(update))
        size += _PER_UPDATE_OVERHEAD
        oldest = update.min_timestamp
        sort_key = self._clustering_key
        with self._lock:
            slot = (update.token, update.key)
            partition = self._partitions.get(slot)
            if partition is None:
                partition = _Partition(update.key, update.token, {})
                self._partitions[slot] = partition
            partition.deletion = latest(partition.deletion, update.deletion)
            if update.static_row is not None:
                current = partition.static_row
                partition.static_row = (
                    update.static_row if current is None else current.merge(update.static_row)
                )
            partition.range_tombstones.extend(update.range_tombstones)
            rows = partition.rows
            for row in update.rows:
                k = sort_key(row.clustering)
                current_row = rows.get(k)
                rows[k] = row if current_row is None else current_row.merge(row)
            if len(rows) > _WIDE and not isinstance(rows, SortedDict):
                partition.rows = SortedDict(rows)
            self.live_data_size += size
            self.operation_count += 1
            if self.min_timestamp is None or oldest < self.min_timestamp:
                self.min_timestamp = oldest
            if position is not None:
                if self.min_position is None or position < self.min_position:  # type: ignore[operator]
                    self.min_position = position
                if self.max_position is None or position > self.max_position:  # type: ignore[operator]
                    self.max_position = position

    def get(self, key: bytes, token: int) -> PartitionUpdate | None:
        """This memtable's version of one partition, or None."""
        with self._lock:
            partition = self._partitions.get((token, key))
            return None if partition is None else _freeze(partition)

    def partitions(self) -> Iterator[PartitionUpdate]:
        """Every partition in (token, key) order — what a flush writes. Takes a snapshot of the keys; a
        flushing memtable no longer receives writes, so the snapshot is complete."""
        with self._lock:
            slots = list(self._partitions.keys())
        for slot in slots:
            with self._lock:
                partition = self._partitions[slot]
                frozen = _freeze(partition)
            yield frozen

    def partition_range(
        self,
        start: tuple[int, bytes] | None,
        end: tuple[int, bytes] | None,
        *,
        start_inclusive: bool = True,
        end_inclusive: bool = False,
    ) -> Iterator[PartitionUpdate]:
        """Partitions from ``start`` to ``end`` (either end open when None; by default
        ``start <= (token, key) < end``)."""
        with self._lock:
            slots = list(self._partitions.irange(start, end, inclusive=(start_inclusive, end_inclusive)))
        for slot in slots:
            with self._lock:
                partition = self._partitions.get(slot)
                frozen = None if partition is None else _freeze(partition)
            if frozen is not None:
                yield frozen

    def __len__(self) -> int:
        return len(self._partitions)

    @property
    def is_empty(self) -> bool:
        return not self._partitions


def _freeze(partition: _Partition) -> PartitionUpdate:
    rows = partition.rows
    if isinstance(rows, SortedDict) or len(rows) == 1:
        ordered = tuple(rows.values())
    else:
        ordered = tuple(rows[k] for k in sorted(rows))
    return PartitionUpdate(
        partition.key,
        partition.token,
        partition.deletion,
        partition.static_row,
        ordered,
        tuple(partition.range_tombstones),
    )
