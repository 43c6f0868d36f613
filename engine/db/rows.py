"""The storage data model: cells, rows, deletions and partitions, and how versions of them reconcile.

A table's data is a set of **partitions**, each identified by its partition-key bytes (and the token of
those bytes). A partition holds an optional partition-level deletion, a **static row**, **range
tombstones** over clustering prefixes, and **rows** ordered by clustering. A row holds its primary-key
liveness (the row marker an INSERT writes), an optional row deletion, and **cells** by column name;
a collection column is a **complex column**: cells by path (list index timeuuid, set element, map key,
UDT field) plus its own deletion (a collection overwrite deletes what was there).

Everything carries a write timestamp in microseconds. Deletions are ``DeletionTime(marked_for_delete_at,
local_deletion_time)``: data with a timestamp ``<= marked_for_delete_at`` is shadowed;
``local_deletion_time`` (seconds) is when the deletion happened, for gc_grace purging.

Reconciliation follows Cassandra (``Cells.reconcile``, CASSANDRA-14592): the higher timestamp wins; on a
tie a tombstone or expiring cell beats a live regular cell, a tombstone beats an expiring cell, then the
later local deletion time wins, then the greater value (unsigned bytes).

Counters are cells whose value is a ``CounterValue``: per-shard ``(clock, count)``; merging keeps the
higher clock per shard and the total is the sum of counts.

All values here are immutable; a memtable keeps its own index of them (``engine.db.memtable``).
The classes every write and every read builds by the dozen (``DeletionTime``, ``Cell``, ``LivenessInfo``,
``Row``, ``PartitionUpdate``) are immutable **by contract**: slotted dataclasses compared and hashed by
value, but not ``frozen=True``, whose ``__init__`` stores each field through ``object.__setattr__`` —
measured with callgrind, a frozen ``Cell`` costs 7,200 instructions to build and a plain slotted one 2,050,
and building and decoding rows is the largest cost of both the write and the read path. Nothing may assign
to their fields; build a new value (``dataclasses.replace``) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: local_deletion_time of a cell that is neither expiring nor deleted (Cassandra's Cell.NO_DELETION_TIME).
NO_DELETION_TIME = 2**31 - 1
#: timestamp of "no deletion" (Long.MIN_VALUE in Cassandra).
NO_TIMESTAMP = -(2**63)

Clustering = tuple[bytes, ...]
#: Turns a clustering into a value whose Python ordering is the table's clustering order.
ClusteringKey = Callable[[Clustering], object]


@dataclass(slots=True, unsafe_hash=True, init=False)  # immutable by contract (module docstring)
class DeletionTime:
    """A deletion: data written at or before ``marked_for_delete_at`` is deleted."""

    marked_for_delete_at: int
    local_deletion_time: int

    def __init__(self, marked_for_delete_at: int, local_deletion_time: int) -> None:
        self.marked_for_delete_at = marked_for_delete_at
        self.local_deletion_time = local_deletion_time

    def deletes(self, timestamp: int) -> bool:
        return timestamp <= self.marked_for_delete_at

    def supersedes(self, other: DeletionTime) -> bool:
        if self.marked_for_delete_at != other.marked_for_delete_at:
            return self.marked_for_delete_at > other.marked_for_delete_at
        return self.local_deletion_time > other.local_deletion_time


LIVE = DeletionTime(NO_TIMESTAMP, NO_DELETION_TIME)


def latest(a: DeletionTime, b: DeletionTime) -> DeletionTime:
    return a if not b.supersedes(a) else b


@dataclass(frozen=True, slots=True)
class CounterValue:
    """A counter's state: shard id → (clock, count). Its value is the sum of the counts."""

    shards: tuple[tuple[bytes, int, int], ...]  # (shard id, clock, count), sorted by shard id

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.shards)

    def merge(self, other: CounterValue) -> CounterValue:
        best: dict[bytes, tuple[int, int]] = {s: (c, n) for s, c, n in self.shards}
        for shard, clock, count in other.shards:
            mine = best.get(shard)
            if mine is None or clock > mine[0]:
                best[shard] = (clock, count)
        return CounterValue(tuple((s, c, n) for s, (c, n) in sorted(best.items())))


@dataclass(slots=True, unsafe_hash=True, init=False)  # immutable by contract (module docstring)
class Cell:
    """One value. ``value`` is None for a tombstone; ``ttl`` > 0 marks an expiring cell whose
    ``local_deletion_time`` is its expiry (seconds); a tombstone's is when it was deleted."""

    value: bytes | CounterValue | None
    timestamp: int
    ttl: int = 0
    local_deletion_time: int = NO_DELETION_TIME

    def __init__(
        self,
        value: bytes | CounterValue | None,
        timestamp: int,
        ttl: int = 0,
        local_deletion_time: int = NO_DELETION_TIME,
    ) -> None:
        self.value = value
        self.timestamp = timestamp
        self.ttl = ttl
        self.local_deletion_time = local_deletion_time

    @property
    def is_tombstone(self) -> bool:
        return self.value is None

    @property
    def is_expiring(self) -> bool:
        return self.ttl > 0 and self.value is not None

    def is_live(self, now: int) -> bool:
        """Live at ``now`` (seconds): not a tombstone and not expired."""
        if self.value is None:
            return False
        return self.ttl == 0 or now < self.local_deletion_time

    def purgeable(self, now: int, gc_grace_seconds: int) -> bool:
        """Whether compaction may drop this cell: a tombstone, or an expired cell, older than gc_grace.

        As in Cassandra's ``Cell.purge``, an expired cell counts from when it was written
        (expiry - ttl), a tombstone from when it was deleted.
        """
        gc_before = now - gc_grace_seconds
        if self.value is None:
            return self.local_deletion_time < gc_before
        if self.ttl > 0 and now >= self.local_deletion_time:
            return self.local_deletion_time - self.ttl < gc_before
        return False


def tombstone(timestamp: int, now: int) -> Cell:
    return Cell(None, timestamp, 0, now)


def _value_bytes(cell: Cell) -> bytes:
    value = cell.value
    if isinstance(value, CounterValue):
        return value.total.to_bytes(8, "big", signed=True)
    return value or b""


def reconcile(left: Cell, right: Cell) -> Cell:
    """The cell that wins between two versions of the same cell (Cassandra's Cells.reconcile)."""
    if isinstance(left.value, CounterValue) and isinstance(right.value, CounterValue):
        return Cell(left.value.merge(right.value), max(left.timestamp, right.timestamp))
    if left.timestamp != right.timestamp:
        return left if left.timestamp > right.timestamp else right
    left_special = left.local_deletion_time != NO_DELETION_TIME
    right_special = right.local_deletion_time != NO_DELETION_TIME
    if left_special or right_special:
        if left_special != right_special:
            return left if left_special else right
        if left.is_tombstone != right.is_tombstone:
            return left if left.is_tombstone else right
        if left.local_deletion_time != right.local_deletion_time:
            return left if left.local_deletion_time > right.local_deletion_time else right
    return left if _value_bytes(left) >= _value_bytes(right) else right


@dataclass(frozen=True, slots=True)
class ComplexColumn:
    """A non-frozen collection or UDT: cells by path, plus a deletion of everything older."""

    cells: Mapping[bytes, Cell] = field(default_factory=lambda: MappingProxyType({}))
    deletion: DeletionTime = LIVE

    def merge(self, other: ComplexColumn) -> ComplexColumn:
        deletion = latest(self.deletion, other.deletion)
        merged = dict(self.cells)
        for path, cell in other.cells.items():
            mine = merged.get(path)
            merged[path] = cell if mine is None else reconcile(mine, cell)
        kept = {p: c for p, c in merged.items() if not deletion.deletes(c.timestamp)}
        return ComplexColumn(MappingProxyType(dict(sorted(kept.items()))), deletion)


ColumnData = Cell | ComplexColumn


@dataclass(slots=True, unsafe_hash=True, init=False)  # immutable by contract (module docstring)
class LivenessInfo:
    """The row marker written by INSERT: the row exists (at ``timestamp``) even with all cells null."""

    timestamp: int
    ttl: int = 0
    local_expiration_time: int = NO_DELETION_TIME

    def __init__(self, timestamp: int, ttl: int = 0, local_expiration_time: int = NO_DELETION_TIME) -> None:
        self.timestamp = timestamp
        self.ttl = ttl
        self.local_expiration_time = local_expiration_time

    def is_live(self, now: int) -> bool:
        return self.ttl == 0 or now < self.local_expiration_time

    def supersedes(self, other: LivenessInfo) -> bool:
        # Cassandra's LivenessInfo.supersedes: newer timestamp; on a tie the expiring marker, then the
        # later expiry.
        if self.timestamp != other.timestamp:
            return self.timestamp > other.timestamp
        if (self.ttl > 0) != (other.ttl > 0):
            return self.ttl > 0
        return self.local_expiration_time > other.local_expiration_time


#: No columns (shared: it is immutable).
NO_COLUMNS: Mapping[str, ColumnData] = MappingProxyType({})


@dataclass(slots=True, unsafe_hash=True, init=False)  # immutable by contract (module docstring)
class Row:
    """One row (or the static row, whose clustering is empty)."""

    clustering: Clustering
    liveness: LivenessInfo | None = None
    deletion: DeletionTime = LIVE
    columns: Mapping[str, ColumnData] = field(default_factory=lambda: NO_COLUMNS)

    def __init__(
        self,
        clustering: Clustering,
        liveness: LivenessInfo | None = None,
        deletion: DeletionTime = LIVE,
        columns: Mapping[str, ColumnData] = NO_COLUMNS,
    ) -> None:
        self.clustering = clustering
        self.liveness = liveness
        self.deletion = deletion
        self.columns = columns

    def merge(self, other: Row) -> Row:
        """Both versions of the row, reconciled (deletions applied to what they shadow)."""
        deletion = latest(self.deletion, other.deletion)
        liveness = self.liveness
        if other.liveness is not None and (liveness is None or other.liveness.supersedes(liveness)):
            liveness = other.liveness
        columns = dict(self.columns)
        for name, data in other.columns.items():
            mine = columns.get(name)
            if mine is None:
                columns[name] = data
            elif isinstance(mine, Cell) and isinstance(data, Cell):
                columns[name] = reconcile(mine, data)
            elif isinstance(mine, ComplexColumn) and isinstance(data, ComplexColumn):
                columns[name] = mine.merge(data)
            else:  # a column dropped and re-added with another kind: the newer data wins
                columns[name] = data if _newest(data) >= _newest(mine) else mine
        return Row(self.clustering, liveness, deletion, MappingProxyType(columns)).shadowed_by(deletion)

    def shadowed_by(self, deletion: DeletionTime) -> Row:
        """This row without the data ``deletion`` deletes (the deletion itself is kept if it is newer)."""
        if deletion is LIVE or deletion.marked_for_delete_at == NO_TIMESTAMP:
            return self
        liveness = self.liveness if self.liveness and not deletion.deletes(self.liveness.timestamp) else None
        columns: dict[str, ColumnData] = {}
        for name, data in self.columns.items():
            if isinstance(data, Cell):
                if not deletion.deletes(data.timestamp):
                    columns[name] = data
            else:
                kept = {p: c for p, c in data.cells.items() if not deletion.deletes(c.timestamp)}
                column_deletion = data.deletion if data.deletion.supersedes(deletion) else LIVE
                if kept or column_deletion is not LIVE:
                    columns[name] = ComplexColumn(MappingProxyType(kept), column_deletion)
        row_deletion = latest(self.deletion, deletion) if self.deletion is not LIVE else self.deletion
        return Row(self.clustering, liveness, row_deletion, MappingProxyType(columns))

    def is_live(self, now: int) -> bool:
        """Whether a read at ``now`` sees this row: a live marker or any live cell."""
        if self.liveness is not None and self.liveness.is_live(now):
            return True
        for data in self.columns.values():
            if isinstance(data, Cell):
                if data.is_live(now):
                    return True
            elif any(c.is_live(now) for c in data.cells.values()):
                return True
        return False

    @property
    def max_timestamp(self) -> int:
        stamps = [self.deletion.marked_for_delete_at]
        if self.liveness is not None:
            stamps.append(self.liveness.timestamp)
        stamps.extend(_newest(d) for d in self.columns.values())
        return max(stamps)


def _newest(data: ColumnData) -> int:
    if isinstance(data, Cell):
        return data.timestamp
    return max([data.deletion.marked_for_delete_at, *(c.timestamp for c in data.cells.values())])


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a clustering range: a clustering prefix, inclusive or not. An empty prefix is
    unbounded (the start or end of the partition)."""

    prefix: Clustering
    inclusive: bool = True


@dataclass(frozen=True, slots=True)
class RangeTombstone:
    """A deletion of every row whose clustering lies between ``start`` and ``end``."""

    start: Bound
    end: Bound
    deletion: DeletionTime

    def covers(self, clustering: Clustering, key: ClusteringKey) -> bool:
        return after_start(clustering, self.start, key) and before_end(clustering, self.end, key)


def _compare_prefix(clustering: Clustering, prefix: Clustering, key: ClusteringKey) -> int:
    """-1, 0 or 1: how ``clustering`` (cut to the prefix's length) compares with the prefix."""
    head = clustering[: len(prefix)]
    a, b = key(head), key(prefix)
    return (a > b) - (a < b)  # type: ignore[operator]


def after_start(clustering: Clustering, start: Bound, key: ClusteringKey) -> bool:
    """Whether ``clustering`` is at or after ``start`` (an empty prefix: always)."""
    if not start.prefix:
        return True
    cmp = _compare_prefix(clustering, start.prefix, key)
    return cmp > 0 or (cmp == 0 and start.inclusive)


def before_end(clustering: Clustering, end: Bound, key: ClusteringKey) -> bool:
    """Whether ``clustering`` is at or before ``end`` (an empty prefix: always)."""
    if not end.prefix:
        return True
    cmp = _compare_prefix(clustering, end.prefix, key)
    return cmp < 0 or (cmp == 0 and end.inclusive)


@dataclass(slots=True, unsafe_hash=True, init=False)  # immutable by contract (module docstring)
class PartitionUpdate:
    """A partition, or a change to one (a mutation applies one of these per table).

    ``rows`` are ordered by the table's clustering order; the static row, if any, has an empty
    clustering.
    """

    key: bytes
    token: int
    deletion: DeletionTime = LIVE
    static_row: Row | None = None
    rows: tuple[Row, ...] = ()
    range_tombstones: tuple[RangeTombstone, ...] = ()

    def __init__(
        self,
        key: bytes,
        token: int,
        deletion: DeletionTime = LIVE,
        static_row: Row | None = None,
        rows: tuple[Row, ...] = (),
        range_tombstones: tuple[RangeTombstone, ...] = (),
    ) -> None:
        self.key = key
        self.token = token
        self.deletion = deletion
        self.static_row = static_row
        self.rows = rows
        self.range_tombstones = range_tombstones

    def __eq__(self, other: object) -> bool:
        # by value whatever the class (engine.db.encoded_update holds the same value as bytes)
        if not isinstance(other, PartitionUpdate):
            return NotImplemented
        return (
            self.key == other.key
            and self.token == other.token
            and self.deletion == other.deletion
            and self.static_row == other.static_row
            and self.rows == other.rows
            and self.range_tombstones == other.range_tombstones
        )

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def min_timestamp(self) -> int:
        """The oldest timestamp of anything in the partition (a large sentinel when it is empty)."""
        oldest = 2**63
        if self.deletion is not LIVE:
            oldest = self.deletion.marked_for_delete_at
        rows = self.rows if self.static_row is None else (*self.rows, self.static_row)
        for row in rows:
            liveness = row.liveness
            if liveness is not None and liveness.timestamp < oldest:
                oldest = liveness.timestamp
            if row.deletion is not LIVE and row.deletion.marked_for_delete_at < oldest:
                oldest = row.deletion.marked_for_delete_at
            for data in row.columns.values():
                if data.__class__ is Cell:
                    if data.timestamp < oldest:  # type: ignore[union-attr]
                        oldest = data.timestamp  # type: ignore[union-attr]
                else:
                    for cell in data.cells.values():  # type: ignore[union-attr]
                        if cell.timestamp < oldest:
                            oldest = cell.timestamp
                    if data.deletion is not LIVE and data.deletion.marked_for_delete_at < oldest:  # type: ignore[union-attr]
                        oldest = data.deletion.marked_for_delete_at  # type: ignore[union-attr]
        for rt in self.range_tombstones:
            if rt.deletion.marked_for_delete_at < oldest:
                oldest = rt.deletion.marked_for_delete_at
        return oldest

    @property
    def max_timestamp(self) -> int:
        stamps = [self.deletion.marked_for_delete_at]
        stamps.extend(r.max_timestamp for r in self.rows)
        if self.static_row is not None:
            stamps.append(self.static_row.max_timestamp)
        stamps.extend(rt.deletion.marked_for_delete_at for rt in self.range_tombstones)
        return max(stamps)


def merge_partitions(versions: Iterable[PartitionUpdate], key: ClusteringKey) -> PartitionUpdate:
    """Reconcile versions of one partition (newest data wins, deletions shadow older data)."""
    versions = list(versions)
    if len(versions) == 1 and versions[0].deletion is LIVE and not versions[0].range_tombstones:
        return versions[0]  # rows of one version are already reconciled and nothing shadows them
    first = versions[0]
    deletion = LIVE
    static: Row | None = None
    by_clustering: dict[Clustering, Row] = {}
    tombstones: list[RangeTombstone] = []
    for version in versions:
        deletion = latest(deletion, version.deletion)
        if version.static_row is not None:
            static = version.static_row if static is None else static.merge(version.static_row)
        for row in version.rows:
            mine = by_clustering.get(row.clustering)
            by_clustering[row.clustering] = row if mine is None else mine.merge(row)
        tombstones.extend(version.range_tombstones)
    rows = []
    for clustering in sorted(by_clustering, key=key):  # type: ignore[arg-type]
        row = by_clustering[clustering].shadowed_by(deletion)
        for rt in tombstones:
            if rt.covers(clustering, key):
                row = _shadowed_keep_own_deletion(row, rt.deletion)
        rows.append(row)
    if static is not None:
        static = _shadowed_keep_own_deletion(static, deletion)
    live_tombstones = tuple(rt for rt in tombstones if rt.deletion.supersedes(deletion))
    return PartitionUpdate(first.key, first.token, deletion, static, tuple(rows), live_tombstones)


def _shadowed_keep_own_deletion(row: Row, deletion: DeletionTime) -> Row:
    # A range or partition deletion removes the data it covers but is not copied into the row.
    own = row.deletion
    shadowed = row.shadowed_by(deletion)
    return Row(shadowed.clustering, shadowed.liveness, own, shadowed.columns)
