"""The memtable: a table's recent writes, in memory, sorted by token, until they are flushed to an SSTable.

Partitions are kept in a dict keyed by ``(token, key)``, **serialized**, in the partition format of
``engine.db.serialization`` (what the commitlog just logged and the SSTable will
store), as Cassandra's trie memtable keeps its data serialized rather than as objects. A partition is:

* **bytes** — one serialized update: a partition written once (the common case);
* **a list of bytes** — several updates, in arrival order, reconciled when read; when the list reaches
  ``_COLLAPSE`` fragments or ``_COLLAPSE_BYTES`` bytes (a few updates of many rows each, as a batch of
  one partition makes) they are merged (``merge_partitions``) and stored back as one;
* **wide** (``_Wide``) — a collapse that found more than ``_WIDE`` rows, or a first update of more than
  ``_WIDE`` rows (a batch of one partition): the partition deletion, static row and range tombstones as
  values, and each row serialized on its own in a dict keyed by the table's clustering sort key, so a write
  of one row into a wide partition costs one row, not the partition (an update's new rows are cut from its
  serialized form by the row bounds ``encode_partition`` records, not encoded again), and a slice read
  decodes only the rows it selects. The keys are put in clustering order only when something reads them in order
  (a read, a flush): a write pays no sorted insert. A flush joins the serialized rows behind the
  partition's header (``serialized``), without decoding them.

The ``(token, key)`` order (the SSTable order) is kept by a ``SortedList`` of the keys that is brought up to
date only when something iterates in order (a flush, a range read): a write of a new partition appends its
key to a list of unordered keys, which the next ordered iteration sorts in (one sort, in C) — a write does
not pay for a sorted insert (~12,000 instructions in ``SortedDict.__setitem__``).

Why serialized: a row of three cells takes ~200 bytes this way and ~1.5 KB as Python objects, and the
objects are all tracked by the cyclic garbage collector, whose full collections walk every one of them
(a third of the write time with 32 MiB of memtable as objects). Reads decode (``partition_decoder``),
which costs a few microseconds per partition; flushes hand the bytes of single-update partitions to the
SSTable writer as they are (``flush_items``), or, for the flush worker process, every partition's bytes in
no order (``flush_parts``: the worker sorts them).

``live_data_size`` estimates the memory the memtable holds — the serialized bytes plus a measured
per-partition, per-fragment and per-row overhead of the Python objects around them — so the flush threshold
(``memtable_flush_threshold``) bounds memory, as Cassandra's ``memtable_heap_space`` accounting does.

The memtable remembers the commitlog positions it covers (``min_position``/``max_position``) so that
after a flush the commitlog can drop what this memtable made durable.

Thread safety: one lock per memtable guards its structure. Reads of a partition held as bytes take no
lock: the lookup is one dict lookup (atomic under the GIL) and the bytes are immutable.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedList

from engine.db.encoded_update import EncodedPartitionUpdate
from engine.db.partition_decoder import decode_partition, decode_row
from engine.db.rows import (
    LIVE,
    ClusteringKey,
    DeletionTime,
    PartitionUpdate,
    RangeTombstone,
    Row,
    latest,
    merge_partitions,
)
from engine.db.serialization import (
    encode_partition,
    serialize_partition,
    write_partition_head,
    write_row,
    write_vint,
)
from engine.db.slices import Slices

# Measured with tracemalloc (100k partitions of one ~190-byte update each: ~416 bytes a partition): the
# (token, key) tuple, its int and bytes, the dict and sorted-list slots, the bytes header.
_PARTITION_OVERHEAD = 230
_FRAGMENT_OVERHEAD = 50  # a bytes header and a list slot
_ROW_OVERHEAD = 150  # a wide partition's row: sort key, (clustering, bytes) tuple, dict and list slots
# Fragments of one partition merged into one when there are this many.
_COLLAPSE = 8
# ... or when they hold this many bytes: fragments of many rows each would otherwise be decoded and merged
# again by every read and by the flush (a partition held row by row is flushed without decoding).
_COLLAPSE_BYTES = 4096
# Rows beyond which a collapsed partition is kept row by row: past one collapse's worth of one-row updates,
# so a partition written row by row is decoded once on its way to being wide, not at each collapse.
_WIDE = _COLLAPSE - 1


class _Wide:
    """A partition with many rows: partition-level data as values, rows serialized one by one."""

    __slots__ = ("_keys", "_unordered", "deletion", "range_tombstones", "rows", "static_row")

    def __init__(self) -> None:
        self.deletion: DeletionTime = LIVE
        self.static_row: Row | None = None
        self.range_tombstones: list[RangeTombstone] = []
        self.rows: dict[Any, tuple[Any, bytes]] = {}  # clustering sort key -> (clustering, serialized row)
        self._keys: Any = SortedList()  # the keys of rows in order, but those still in _unordered
        self._unordered: list[Any] = []

    def apply(
        self,
        update: PartitionUpdate,
        sort_key: ClusteringKey,
        serialized: bytes | None = None,
        row_bounds: tuple[int, ...] | None = None,
    ) -> int:
        """Merge ``update`` in; returns the bytes it added. ``serialized`` and ``row_bounds``, if at hand,
        are its bytes and where its rows are in them (``encode_partition``'s): new rows are cut from them."""
        self.deletion = latest(self.deletion, update.deletion)
        if update.static_row is not None:
            current = self.static_row
            self.static_row = update.static_row if current is None else current.merge(update.static_row)
        self.range_tombstones.extend(update.range_tombstones)
        added = 0
        rows = self.rows
        unordered = self._unordered
        if update.__class__ is EncodedPartitionUpdate:  # its rows as bytes, with their keys
            clusterings, keys = update.clusterings, update.sort_keys  # type: ignore[attr-defined]
            serialized, row_bounds = update.data, update.bounds  # type: ignore[attr-defined]
        else:
            clusterings = [row.clustering for row in update.rows]
            keys = [sort_key(clustering) for clustering in clusterings]
        for i, k in enumerate(keys):
            current_row = rows.get(k)
            if current_row is not None:
                new = (
                    decode_row(serialized[row_bounds[i] : row_bounds[i + 1]])
                    if row_bounds
                    else update.rows[i]
                )  # type: ignore[index]
                row = decode_row(current_row[1]).merge(new)
                added -= len(current_row[1])
                encoded = _encode_row(row)
            else:
                added += _ROW_OVERHEAD
                unordered.append(k)
                if row_bounds is not None:
                    encoded = serialized[row_bounds[i] : row_bounds[i + 1]]  # type: ignore[index]
                else:
                    encoded = _encode_row(update.rows[i])
            rows[k] = (clusterings[i], encoded)
            added += len(encoded)
        return added

    def ordered_rows(self) -> list[tuple[Any, bytes]]:
        """``(clustering, serialized row)`` in clustering order."""
        if self._unordered:
            self._keys.update(self._unordered)
            self._unordered = []
        rows = self.rows
        return [rows[k] for k in self._keys]

    def serialized(self, key: bytes, token: int) -> bytes:
        """The partition in the serialized format (``serialize_partition`` of ``freeze``), from the rows'
        bytes as they are."""
        out = bytearray()
        write_partition_head(out, key, token, self.deletion, self.static_row, self.range_tombstones)
        rows = self.ordered_rows()
        write_vint(out, len(rows))
        out += b"".join(blob for _, blob in rows)
        return bytes(out)

    def freeze(
        self, key: bytes, token: int, slices: Slices | None, sort_key: ClusteringKey
    ) -> PartitionUpdate:
        values = self.ordered_rows()
        if slices is None:
            encoded = values
        else:
            encoded = slices.select(values, sort_key, _clustering_of)
        return PartitionUpdate(
            key,
            token,
            self.deletion,
            self.static_row,
            tuple(decode_row(blob) for _, blob in encoded),
            tuple(self.range_tombstones),
        )


def _clustering_of(value: tuple[Any, bytes]) -> Any:
    return value[0]


def _encode_row(row: Row) -> bytes:
    out = bytearray()
    write_row(out, row)
    return bytes(out)


def _ordered(update: PartitionUpdate, sort_key: ClusteringKey) -> bool:
    """Whether the update's rows are in strictly increasing clustering order (as the format expects)."""
    rows = update.rows
    if len(rows) < 2:
        return True
    keys = [sort_key(r.clustering) for r in rows]
    return all(a < b for a, b in itertools.pairwise(keys))  # type: ignore[operator]


def _normalized(update: PartitionUpdate, sort_key: ClusteringKey) -> PartitionUpdate:
    """The update with its rows sorted and repeated clusterings merged."""
    by_key: dict[Any, Row] = {}
    for row in update.rows:
        k = sort_key(row.clustering)
        current = by_key.get(k)
        by_key[k] = row if current is None else current.merge(row)
    rows = tuple(by_key[k] for k in sorted(by_key))  # type: ignore[type-var]
    return PartitionUpdate(
        update.key, update.token, update.deletion, update.static_row, rows, update.range_tombstones
    )


class Memtable:
    """Writes to one table since the last flush."""

    def __init__(
        self, clustering_key: ClusteringKey, *, created_at: float = 0.0, lower_bound: Any = None
    ) -> None:
        self._clustering_key = clustering_key
        self._partitions: dict[tuple[int, bytes], Any] = {}
        self._order: Any = SortedList()  # the keys of _partitions, but those still in _unordered
        self._unordered: list[tuple[int, bytes]] = []
        self._lock = threading.Lock()
        # Write barrier: writers reserve the memtable before logging to the commitlog and release it after
        # applying; a flush freezes it (no new reservations) and waits until every reserved write landed.
        self._writes_lock = threading.Lock()
        self._writes = threading.Condition(self._writes_lock)
        self._pending_writes = 0
        self._flush_waiting = False
        self._frozen = False
        self._flush_claimed = False
        self.flushed = threading.Event()
        # Column names decoded from this memtable's partitions (few: the table's columns).
        self._names: dict[bytes, str] = {}
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
        with self._writes_lock:
            if self._frozen:
                return False
            self._pending_writes += 1
            return True

    def release(self) -> None:
        with self._writes_lock:
            self._pending_writes -= 1
            if not self._pending_writes and self._flush_waiting:
                self._writes.notify_all()

    def freeze(self) -> None:
        """Refuse new writes (reservations already made still complete)."""
        with self._writes_lock:
            self._frozen = True

    def wait_for_writes(self) -> None:
        """Block until every write reserved before the freeze has been applied."""
        with self._writes:
            self._flush_waiting = True
            while self._pending_writes:
                self._writes.wait()

    def claim_flush(self) -> bool:
        """True for the one caller that gets to write this memtable out."""
        with self._writes_lock:
            if self._flush_claimed:
                return False
            self._flush_claimed = True
            return True

    # ---------------------------------------------------------------------------------------- writes

    def apply(
        self,
        update: PartitionUpdate,
        position: object = None,
        size: int | None = None,
        serialized: bytes | None = None,
        row_bounds: tuple[int, ...] | None = None,
    ) -> None:
        """Merge ``update`` into the memtable; ``position`` is where the commitlog logged it, ``serialized``
        its bytes in the partition format and ``row_bounds`` where its rows are in them
        (``encode_partition``'s), if the caller has them (``size`` is accepted for callers that only know
        the size: it is not needed)."""
        sort_key = self._clustering_key
        if update.__class__ is EncodedPartitionUpdate:  # bytes, rows in order, by construction
            serialized, row_bounds = update.data, update.bounds  # type: ignore[attr-defined]
        elif len(update.rows) > 1 and not _ordered(update, sort_key):
            update, serialized = _normalized(update, sort_key), None
        if serialized is None or row_bounds is None:
            serialized, row_bounds = encode_partition(update)
        row_count = update.row_count
        oldest = update.min_timestamp
        slot = (update.token, update.key)
        with self._lock:
            partitions = self._partitions
            current = partitions.get(slot)
            if current is None:
                self._unordered.append(slot)
                if row_count > _WIDE:
                    # Many rows at once (a batch of one partition): kept row by row from the start, cut
                    # from the bytes just encoded, so later updates never decode this one to merge it.
                    wide = partitions[slot] = _Wide()
                    added = wide.apply(update, sort_key, serialized, row_bounds) + _PARTITION_OVERHEAD
                else:
                    partitions[slot] = serialized
                    added = len(serialized) + _PARTITION_OVERHEAD
            elif current.__class__ is bytes:
                fragments = partitions[slot] = [current, serialized]
                added = len(serialized) + 2 * _FRAGMENT_OVERHEAD
                if len(current) + len(serialized) >= _COLLAPSE_BYTES:
                    added += self._collapse(slot, fragments)
            elif current.__class__ is list:
                current.append(serialized)
                added = len(serialized) + _FRAGMENT_OVERHEAD
                if len(current) >= _COLLAPSE or sum(map(len, current)) >= _COLLAPSE_BYTES:
                    added += self._collapse(slot, current)
            else:
                added = current.apply(update, sort_key, serialized, row_bounds)
            self.live_data_size += added
            # Cassandra's PartitionUpdate.operationCount (tablestats' "Memtable cell count").
            self.operation_count += (
                row_count
                + (update.static_row is not None)
                + len(update.range_tombstones)
                + (update.deletion is not LIVE)
            )
            if self.min_timestamp is None or oldest < self.min_timestamp:
                self.min_timestamp = oldest
            if position is not None:
                if self.min_position is None or position < self.min_position:  # type: ignore[operator]
                    self.min_position = position
                if self.max_position is None or position > self.max_position:  # type: ignore[operator]
                    self.max_position = position

    def _collapse(self, slot: tuple[int, bytes], fragments: list[bytes]) -> int:
        """Merge a partition's fragments into one (lock held); returns the change in bytes held."""
        merged = merge_partitions([self._decode(f) for f in fragments], self._clustering_key)
        before = sum(len(f) + _FRAGMENT_OVERHEAD for f in fragments)
        if len(merged.rows) > _WIDE:
            wide = _Wide()
            after = wide.apply(merged, self._clustering_key)
            self._partitions[slot] = wide
            return after - before
        encoded = serialize_partition(merged)
        self._partitions[slot] = encoded
        return len(encoded) - before

    # ----------------------------------------------------------------------------------------- reads

    def _decode(self, data: bytes, rows: bool = True) -> PartitionUpdate:
        names = self._names
        if len(names) > 4096:  # a table has few column names; this only bounds a pathological one
            names.clear()
        return decode_partition(data, rows=rows, names=names)

    def get(self, key: bytes, token: int, slices: Slices | None = None) -> PartitionUpdate | None:
        """This memtable's version of one partition, or None. With ``slices`` (normalized), a wide
        partition decodes only the rows they select (others may return more rows: callers filter)."""
        current = self._partitions.get((token, key))
        if current is None:
            return None
        if current.__class__ is bytes:
            return self._decode(current)
        with self._lock:
            current = self._partitions.get((token, key))
            if current.__class__ is list:
                fragments = list(current)
            elif current.__class__ is bytes:
                fragments = [current]
            else:
                return current.freeze(key, token, slices, self._clustering_key)  # type: ignore[no-any-return]
        return merge_partitions([self._decode(f) for f in fragments], self._clustering_key)

    def _version(self, slot: tuple[int, bytes]) -> tuple[PartitionUpdate, bytes | None] | None:
        """A partition (decoded) and, if it is held as one update, its bytes."""
        with self._lock:
            current = self._partitions.get(slot)
            if current is None:
                return None
            if current.__class__ is bytes:
                fragments = None
            elif current.__class__ is list:
                fragments = list(current)
            else:
                return current.freeze(slot[1], slot[0], None, self._clustering_key), None
        if fragments is None:
            return self._decode(current), current
        return merge_partitions([self._decode(f) for f in fragments], self._clustering_key), None

    def partitions(self) -> Iterator[PartitionUpdate]:
        """Every partition in (token, key) order. Takes a snapshot of the keys; a flushing memtable no
        longer receives writes, so the snapshot is complete."""
        with self._lock:
            slots = list(self._ordered())
        for slot in slots:
            version = self._version(slot)
            if version is not None:
                yield version[0]

    def _ordered(self) -> Any:
        """The keys in (token, key) order (lock held)."""
        if self._unordered:
            self._order.update(self._unordered)
            self._unordered = []
        return self._order

    def flush_items(self) -> Iterator[tuple[int, bytes, PartitionUpdate | bytes]]:
        """What a flush writes: ``(token, key, partition)`` in order, the partition as its bytes when the
        memtable holds it as one update (the writer stores them as they are, without decoding them)."""
        with self._lock:
            slots = list(self._ordered())
        partitions = self._partitions
        for slot in slots:
            current = partitions.get(slot)
            if current.__class__ is bytes:
                yield slot[0], slot[1], current
            elif current.__class__ is _Wide:
                with self._lock:
                    data = current.serialized(slot[1], slot[0])
                yield slot[0], slot[1], data
            else:
                version = self._version(slot)
                if version is not None:
                    yield slot[0], slot[1], version[0]

    def flush_parts(self) -> tuple[list[tuple[int, bytes]], list[bytes]]:
        """What a flush worker process writes: every partition's ``(token, key)`` and its bytes, in no
        particular order (the worker sorts them). Partitions held as several updates or row by row are
        merged and serialized here. For a frozen memtable (no more writes)."""
        with self._lock:
            slots = list(self._partitions)
            values = list(self._partitions.values())
        for i, value in enumerate(values):
            if value.__class__ is _Wide:
                with self._lock:
                    values[i] = value.serialized(slots[i][1], slots[i][0])
            elif value.__class__ is not bytes:
                version = self._version(slots[i])
                assert version is not None  # frozen: nothing removes partitions
                values[i] = serialize_partition(version[0])
        return slots, values

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
            slots = list(self._ordered().irange(start, end, inclusive=(start_inclusive, end_inclusive)))
        for slot in slots:
            version = self._version(slot)
            if version is not None:
                yield version[0]

    def __len__(self) -> int:
        return len(self._partitions)

    @property
    def is_empty(self) -> bool:
        return not self._partitions
