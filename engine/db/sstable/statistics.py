"""SSTable statistics (Statistics.db): what compaction, reads and nodetool need without opening the data.

Collected while the SSTable is written (:class:`StatsCollector`) and loaded whole when it is opened:

* **timestamps** (min/max over cells, row markers and deletions) let a read skip an SSTable older than a
  partition deletion it already has, and let compaction decide overlap for tombstone purging;
* **local deletion times** (min/max over cells, row markers and deletions; a live non-expiring cell counts
  as ``NO_DELETION_TIME``, as in Cassandra's ``MetadataCollector``) — ``max < gc_before`` means every
  cell is expired or deleted, so TWCS can drop the whole SSTable; **TTLs** (min/max, 0 for no TTL);
* the **tombstone drop-time histogram**: local deletion times of tombstones, expiring cells and deletions,
  rounded up to :data:`DROP_TIME_ROUNDING` seconds and merged into at most :data:`DROP_TIME_BINS` bins (a
  streaming histogram, as Cassandra's ``TombstoneHistogram``), for the estimated droppable tombstones at any
  ``gc_before`` (STCS/LCS single-SSTable tombstone compactions);
* partition **size** and **cell count** histograms (Cassandra's ``EstimatedHistogram`` buckets), for
  ``nodetool tablehistograms``/``tablestats``; exact partition, row, cell and **tombstone** counts
  (tombstone cells + row deletions + collection deletions + range tombstones + partition deletions);
* **min/max clustering** of the regular rows, in the table's clustering order (static rows and range
  tombstone bounds are not included), and the counts of **static rows** and **partition deletions**: a
  slice read skips an SSTable whose clustering bounds miss its slices only if it holds no range
  tombstone, static row or partition deletion, and otherwise reads just the partition's header there;
* the key range (first/last token and key), compressed/uncompressed lengths, and the mutable-by-rewrite
  compaction fields **level** (LCS) and **repaired_at**, changed with :func:`rewrite_statistics`.

Nothing collected → conservative defaults (min timestamp ``NO_TIMESTAMP``, max ``2**63 - 1``; local
deletion times ``NO_DELETION_TIME``; TTLs 0), so an SSTable is never wrongly skipped.

Statistics.db::

    u8 format version (2),
    i64 min_timestamp, i64 max_timestamp, i32 min_local_deletion_time, i32 max_local_deletion_time,
    i32 min_ttl, i32 max_ttl,
    vint partition_count, vint row_count, vint cell_count, vint tombstone_count, vint range_tombstone_count,
    vint static_row_count, vint partition_deletion_count,
    histogram partition_sizes, histogram cell_counts    histogram := vint n_buckets, vint count[n_buckets]
    vint n_bins, (i64 point, vint count)[n_bins]        the drop-time histogram, points ascending
    u8 has_clustering, [clustering min, clustering max]  clustering := vint n, bytes component[n]
    i64 first_token, bytes first_key, i64 last_token, bytes last_key,
    vint uncompressed_length, vint compressed_length, vint level, i64 repaired_at,
    u32 crc32 of everything before it

Version 2 added ``static_row_count`` and ``partition_deletion_count``; version 1 files are refused.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.db.partition_facts import PartitionFacts, facts_from_bytes, facts_of, simple_facts
from engine.db.rows import (
    NO_DELETION_TIME,
    NO_TIMESTAMP,
    Clustering,
    ClusteringKey,
    PartitionUpdate,
)
from engine.db.serialization import Reader, write_vint
from engine.db.sstable.descriptor import Component, Descriptor
from engine.db.sstable.errors import CorruptSSTableError
from engine.db.sstable.files import decoding, fsync_directory, read_checked, remove_if_exists, write_file

MAX_TIMESTAMP = 2**63 - 1
#: Bucket counts of Cassandra's partition-size and cells-per-partition histograms.
PARTITION_SIZE_BUCKETS = 150
CELL_COUNT_BUCKETS = 118
#: Cassandra's tombstone_histogram_rounding_seconds and bin count.
DROP_TIME_ROUNDING = 60
DROP_TIME_BINS = 100

_FORMAT_VERSION = 2
_I64 = struct.Struct(">q")
_I32 = struct.Struct(">i")


def bucket_offsets(count: int) -> tuple[int, ...]:
    """Cassandra's ``EstimatedHistogram`` bucket upper bounds: 1, 2, 3, ... each ~1.2 times the last."""
    offsets = [1]
    while len(offsets) < count:
        last = offsets[-1]
        following = int(last * 1.2 + 0.5)  # Math.round
        offsets.append(following if following != last else last + 1)
    return tuple(offsets)


_OFFSETS = MappingProxyType({n: bucket_offsets(n) for n in (PARTITION_SIZE_BUCKETS, CELL_COUNT_BUCKETS)})


def _offsets(count: int) -> tuple[int, ...]:
    return _OFFSETS.get(count) or bucket_offsets(count)


@dataclass(frozen=True, slots=True)
class EstimatedHistogram:
    """Counts in log-spaced buckets: bucket ``i`` counts values in ``(offsets[i-1], offsets[i]]``; the
    last bucket (one past the offsets) counts values above them all (overflow)."""

    buckets: tuple[int, ...]

    @property
    def offsets(self) -> tuple[int, ...]:
        return _offsets(len(self.buckets) - 1)

    @classmethod
    def empty(cls, bucket_count: int) -> EstimatedHistogram:
        return cls((0,) * (bucket_count + 1))

    @property
    def count(self) -> int:
        return sum(self.buckets)

    @property
    def overflowed(self) -> bool:
        return self.buckets[-1] > 0

    def percentile(self, fraction: float) -> int:
        """The bucket bound under which ``fraction`` of the values lie (0 when empty), as Cassandra's
        ``EstimatedHistogram.percentile``; the overflow bucket answers ``MAX_TIMESTAMP`` (unbounded)."""
        wanted = math.ceil(self.count * fraction)
        if wanted <= 0:
            return 0
        seen = 0
        offsets = self.offsets
        for i, count in enumerate(self.buckets):
            seen += count
            if seen >= wanted:
                return offsets[i] if i < len(offsets) else MAX_TIMESTAMP
        return 0

    @property
    def min(self) -> int:
        for i, count in enumerate(self.buckets):
            if count:
                return self.offsets[i - 1] + 1 if i else 0
        return 0

    @property
    def max(self) -> int:
        if self.overflowed:
            return MAX_TIMESTAMP
        for i in range(len(self.buckets) - 2, -1, -1):
            if self.buckets[i]:
                return self.offsets[i]
        return 0

    @property
    def mean(self) -> int:
        """Mean of the bucket bounds weighted by counts, rounded up (Cassandra's ``mean``)."""
        total = self.count - self.buckets[-1]
        if not total:
            return 0
        weighted = sum(c * o for c, o in zip(self.buckets, self.offsets, strict=False))
        return -(-weighted // total)

    def merge(self, other: EstimatedHistogram) -> EstimatedHistogram:
        if len(other.buckets) != len(self.buckets):
            raise ValueError("cannot merge histograms with different buckets")
        return EstimatedHistogram(tuple(a + b for a, b in zip(self.buckets, other.buckets, strict=True)))


class _HistogramBuilder:
    __slots__ = ("_counts", "_offsets")

    def __init__(self, bucket_count: int) -> None:
        self._offsets = _offsets(bucket_count)
        self._counts = [0] * (bucket_count + 1)

    def add(self, value: int) -> None:
        self._counts[bisect.bisect_left(self._offsets, value)] += 1

    def build(self) -> EstimatedHistogram:
        return EstimatedHistogram(tuple(self._counts))


def _compress_bins(bins: dict[int, int], limit: int) -> dict[int, int]:
    """Merge the closest neighbouring bins until at most ``limit`` remain (weighted mean point)."""
    points = sorted(bins.items())
    while len(points) > limit:
        _, i = min((points[j + 1][0] - points[j][0], j) for j in range(len(points) - 1))
        (p1, c1), (p2, c2) = points[i], points[i + 1]
        points[i : i + 2] = [((p1 * c1 + p2 * c2) // (c1 + c2), c1 + c2)]
    return dict(points)


@dataclass(frozen=True, slots=True)
class StatsMetadata:
    """Everything Statistics.db holds. ``level`` and ``repaired_at`` change only by rewriting the file."""

    min_timestamp: int
    max_timestamp: int
    min_local_deletion_time: int
    max_local_deletion_time: int
    min_ttl: int
    max_ttl: int
    partition_count: int
    row_count: int
    cell_count: int
    tombstone_count: int
    range_tombstone_count: int
    static_row_count: int
    partition_deletion_count: int
    partition_sizes: EstimatedHistogram
    cell_counts: EstimatedHistogram
    drop_times: tuple[tuple[int, int], ...]  # (local deletion time rounded up, count), ascending
    min_clustering: Clustering | None
    max_clustering: Clustering | None
    first_token: int
    first_key: bytes
    last_token: int
    last_key: bytes
    uncompressed_length: int
    compressed_length: int
    level: int = 0
    repaired_at: int = 0

    @property
    def estimated_partitions(self) -> int:
        return self.partition_count

    @property
    def sstable_level(self) -> int:
        return self.level

    @property
    def compression_ratio(self) -> float:
        """Compressed / uncompressed size (nodetool's "SSTable Compression Ratio")."""
        return self.compressed_length / self.uncompressed_length if self.uncompressed_length else 0.0

    def estimated_droppable_tombstones(self, gc_before: int) -> int:
        """How many tombstones (and expired cells) have a local deletion time before ``gc_before``."""
        # Points are rounded up, so a point before gc_before holds only times before it: never an overestimate.
        return sum(count for point, count in self.drop_times if point < gc_before)

    def droppable_tombstone_ratio(self, gc_before: int) -> float:
        """Droppable tombstones over cells and rows: what STCS compares with ``tombstone_threshold``."""
        total = self.cell_count + self.row_count
        return min(1.0, self.estimated_droppable_tombstones(gc_before) / total) if total else 0.0

    def to_bytes(self) -> bytes:
        out = bytearray([_FORMAT_VERSION])
        out += struct.pack(">qqiiii", self.min_timestamp, self.max_timestamp, self.min_local_deletion_time,
                           self.max_local_deletion_time, self.min_ttl, self.max_ttl)  # fmt: skip
        counts = (self.partition_count, self.row_count, self.cell_count, self.tombstone_count,
                  self.range_tombstone_count, self.static_row_count, self.partition_deletion_count)  # fmt: skip
        for value in counts:
            write_vint(out, value)
        for histogram in (self.partition_sizes, self.cell_counts):
            write_vint(out, len(histogram.buckets))
            for count in histogram.buckets:
                write_vint(out, count)
        write_vint(out, len(self.drop_times))
        for point, count in self.drop_times:
            out += _I64.pack(point)
            write_vint(out, count)
        out.append(1 if self.min_clustering is not None else 0)
        if self.min_clustering is not None and self.max_clustering is not None:
            for clustering in (self.min_clustering, self.max_clustering):
                write_vint(out, len(clustering))
                for component in clustering:
                    write_vint(out, len(component))
                    out += component
        for token, key in ((self.first_token, self.first_key), (self.last_token, self.last_key)):
            out += _I64.pack(token)
            write_vint(out, len(key))
            out += key
        for value in (self.uncompressed_length, self.compressed_length, self.level):
            write_vint(out, value)
        out += _I64.pack(self.repaired_at)
        return bytes(out)

    @classmethod
    def from_bytes(cls, body: memoryview, path: Path) -> StatsMetadata:
        with decoding(path):
            reader = Reader(body)
            version = reader.u8("statistics version")
            if version != _FORMAT_VERSION:
                raise CorruptSSTableError(path, 0, f"unknown statistics format version {version}")
            times = (reader.i64("min timestamp"), reader.i64("max timestamp"))
            ints = tuple(
                reader.i32(f) for f in ("min deletion time", "max deletion time", "min ttl", "max ttl")
            )
            names = ("partition count", "row count", "cell count", "tombstone count", "range tombstone count",
                     "static row count", "partition deletion count")  # fmt: skip
            counts = tuple(reader.vint(name) for name in names)
            histograms = []
            for field in ("partition size histogram", "cell count histogram"):
                size = reader.vint(field)
                histograms.append(EstimatedHistogram(tuple(reader.vint(field) for _ in range(size))))
            drop_times = tuple(
                (reader.i64("drop time"), reader.vint("drop time count"))
                for _ in range(reader.vint("drop time bins"))
            )
            clusterings: list[Clustering | None] = [None, None]
            if reader.u8("clustering flag"):
                for i in range(2):
                    n = reader.vint("clustering size")
                    clusterings[i] = tuple(reader.raw("clustering component") for _ in range(n))
            first = (reader.i64("first token"), reader.raw("first key"))
            last = (reader.i64("last token"), reader.raw("last key"))
            lengths = (reader.vint("uncompressed length"), reader.vint("compressed length"))
            level = reader.vint("level")
            repaired_at = reader.i64("repaired at")
        if reader.offset != len(body):
            raise CorruptSSTableError(path, reader.offset, "bytes left over after the statistics")
        if any(len(h.buckets) < 2 for h in histograms):
            raise CorruptSSTableError(path, 0, "histogram without buckets")
        return cls(*times, *ints, *counts, *histograms, drop_times, *clusterings, *first, *last, *lengths,
                   level, repaired_at)  # fmt: skip


class StatsCollector:
    """Accumulates statistics while partitions are appended; memory does not grow with the SSTable."""

    def __init__(self, clustering_key: ClusteringKey | None = None) -> None:
        self._key: ClusteringKey = clustering_key or _by_bytes
        # Start inverted (min above max) so the first value sets both; finish() spots "never set".
        self._min_timestamp, self._max_timestamp = MAX_TIMESTAMP, NO_TIMESTAMP
        self._min_ldt, self._max_ldt = NO_DELETION_TIME, -(2**31)
        self._min_ttl, self._max_ttl = 2**31 - 1, -1
        self._partitions = self._rows = self._cells = self._tombstones = self._range_tombstones = 0
        self._static_rows = self._partition_deletions = 0
        self._sizes = _HistogramBuilder(PARTITION_SIZE_BUCKETS)
        self._cells_per_partition = _HistogramBuilder(CELL_COUNT_BUCKETS)
        self._drop_times: dict[int, int] = {}
        self._min_clustering: tuple[object, Clustering] | None = None
        self._max_clustering: tuple[object, Clustering] | None = None

    @property
    def partition_count(self) -> int:
        return self._partitions

    def add(self, partition: PartitionUpdate, size: int) -> None:
        self.add_facts(facts_of(partition), size)

    def add_serialized(self, data: bytes) -> None:
        """Add a partition given as its bytes (``serialize_partition``), without decoding it."""
        simple = simple_facts(data)
        if simple is None:
            self.add_facts(facts_from_bytes(data), len(data))
            return
        # add_facts for the facts of a simple partition (see simple_facts), without building them.
        min_ts, max_ts, cells, clustering = simple
        self._partitions += 1
        self._rows += 1
        self._cells += cells
        self._sizes.add(len(data))
        self._cells_per_partition.add(cells)
        if min_ts <= max_ts:  # a marker or a cell: live, no TTL, no deletion time
            if min_ts < self._min_timestamp:
                self._min_timestamp = min_ts
            if max_ts > self._max_timestamp:
                self._max_timestamp = max_ts
            if self._min_ttl > 0:
                self._min_ttl = 0
            if self._max_ttl < 0:
                self._max_ttl = 0
            self._max_ldt = NO_DELETION_TIME
        sort_key = self._key(clustering)
        if self._min_clustering is None or sort_key < self._min_clustering[0]:  # type: ignore[operator]
            self._min_clustering = (sort_key, clustering)
        if self._max_clustering is None or sort_key > self._max_clustering[0]:  # type: ignore[operator]
            self._max_clustering = (sort_key, clustering)

    def add_facts(self, facts: PartitionFacts, size: int) -> None:
        self._partitions += 1
        self._sizes.add(size)
        if facts.min_timestamp < self._min_timestamp:
            self._min_timestamp = facts.min_timestamp
        if facts.max_timestamp > self._max_timestamp:
            self._max_timestamp = facts.max_timestamp
        if facts.min_ttl < self._min_ttl:
            self._min_ttl = facts.min_ttl
        if facts.max_ttl > self._max_ttl:
            self._max_ttl = facts.max_ttl
        if facts.live_values:
            self._max_ldt = NO_DELETION_TIME  # the largest there is (and no drop time); min starts there
        for ldt in facts.dated:
            self._local_deletion_time(ldt)
        self._cells += facts.cells
        self._tombstones += facts.tombstones
        self._rows += facts.rows
        self._range_tombstones += facts.range_tombstones
        self._static_rows += facts.static_row
        self._partition_deletions += facts.partition_deletion
        self._cells_per_partition.add(facts.cells)
        key = self._key
        # Rows are in clustering order, so only the first and last can extend the range.
        for clustering in (facts.first, facts.last):
            if clustering is None:
                continue
            sort_key = key(clustering)
            if self._min_clustering is None or sort_key < self._min_clustering[0]:  # type: ignore[operator]
                self._min_clustering = (sort_key, clustering)
            if self._max_clustering is None or sort_key > self._max_clustering[0]:  # type: ignore[operator]
                self._max_clustering = (sort_key, clustering)

    def _local_deletion_time(self, ldt: int) -> None:
        if ldt < self._min_ldt:
            self._min_ldt = ldt
        if ldt > self._max_ldt:
            self._max_ldt = ldt
        if ldt != NO_DELETION_TIME:
            point = -(-ldt // DROP_TIME_ROUNDING) * DROP_TIME_ROUNDING
            self._drop_times[point] = self._drop_times.get(point, 0) + 1
            if len(self._drop_times) > 2 * DROP_TIME_BINS:  # amortize merging over many new points
                self._drop_times = _compress_bins(self._drop_times, DROP_TIME_BINS)

    def finish(
        self,
        first: tuple[int, bytes],
        last: tuple[int, bytes],
        uncompressed_length: int,
        compressed_length: int,
        *,
        level: int = 0,
        repaired_at: int = 0,
    ) -> StatsMetadata:
        timestamps = (self._min_timestamp, self._max_timestamp)
        ldts = (self._min_ldt, self._max_ldt)
        ttls = (self._min_ttl, self._max_ttl)
        return StatsMetadata(
            *(timestamps if timestamps[0] <= timestamps[1] else (NO_TIMESTAMP, MAX_TIMESTAMP)),
            *(ldts if ldts[0] <= ldts[1] else (NO_DELETION_TIME, NO_DELETION_TIME)),
            *(ttls if ttls[0] <= ttls[1] else (0, 0)),
            self._partitions,
            self._rows,
            self._cells,
            self._tombstones,
            self._range_tombstones,
            self._static_rows,
            self._partition_deletions,
            self._sizes.build(),
            self._cells_per_partition.build(),
            tuple(sorted(_compress_bins(self._drop_times, DROP_TIME_BINS).items())),
            self._min_clustering[1] if self._min_clustering else None,
            self._max_clustering[1] if self._max_clustering else None,
            *first,
            *last,
            uncompressed_length,
            compressed_length,
            level,
            repaired_at,
        )


def _by_bytes(clustering: Clustering) -> Clustering:
    # Without the table's comparator: unsigned bytes per component, right for blob/text ascending.
    return clustering


def load_statistics(descriptor: Descriptor) -> StatsMetadata:
    path = descriptor.filename(Component.STATISTICS)
    return StatsMetadata.from_bytes(read_checked(path), path)


def rewrite_statistics(descriptor: Descriptor, stats: StatsMetadata, *, sync: bool = True) -> None:
    """Atomically replace Statistics.db (a new level after LCS moves an SSTable, or a repairedAt after
    incremental repair): write a temporary file, then rename it over the old one. Open readers keep the
    statistics they loaded; reopen to see the new ones."""
    target = descriptor.filename(Component.STATISTICS)
    tmp = descriptor.tmp_filename(Component.STATISTICS)
    remove_if_exists(tmp)
    write_file(tmp, stats.to_bytes(), checksum=True, sync=sync)
    os.replace(tmp, target)
    if sync:
        fsync_directory(descriptor.directory)


def with_level(stats: StatsMetadata, level: int) -> StatsMetadata:
    return dataclasses.replace(stats, level=level)


def with_repaired_at(stats: StatsMetadata, repaired_at: int) -> StatsMetadata:
    return dataclasses.replace(stats, repaired_at=repaired_at)
