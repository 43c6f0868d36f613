"""Per-table figures for the admin seam: ``tablestats``, percent repaired, partition keys from text,
the SSTables that hold a key.

Every figure comes from the table's store (:class:`~engine.db.column_family_store.ColumnFamilyStore`):
its live SSTables and their statistics, its memtables, its ``TableMetrics``, its snapshots. Figures
Cassandra keeps and cqlkit does not are reported as Cassandra reports them for an idle table, and listed
in docs/nodetool.md: old-format SSTables (0: every SSTable is the current format), off-heap memtables and
index summaries (0: they live on the heap), compression metadata (0), cells and tombstones per slice
(NaN average, 0 maximum: no read samples them), dropped mutations (0).

A table of a system keyspace has no store (cqlkit serves system tables from memory): it reports what an
empty table reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from engine.db.column_family_store import ColumnFamilyStore
from engine.db.compaction import CompactionStrategyKind
from engine.db.sstable import Component
from engine.db.sstable.reader import SSTableReader
from engine.db.sstable.statistics import EstimatedHistogram
from engine.dht.murmur3_partitioner import composite_key
from engine.probe.values import Percentiles, ProbeArgumentError, ProbeError, TableHistograms, TableStats
from engine.schema.metadata import Schema, TableMetadata

NO_COMPRESSION_RATIO = -1.0


def bloom_filter_bytes(store: ColumnFamilyStore) -> int:
    return sum(r.bloom_filter_size for r in store.view.sstables)


def percent_repaired(stores: Iterable[ColumnFamilyStore]) -> float:
    """Repaired bytes over all bytes of the live SSTables, in percent (100 with no data, as Cassandra)."""
    repaired = total = 0
    for store in stores:
        for reader in store.view.sstables:
            total += reader.data_size
            if reader.statistics.repaired_at > 0:
                repaired += reader.data_size
    return 100.0 * repaired / total if total else 100.0


def _mean_ms(total_us: int, count: int) -> float:
    return total_us / count / 1000.0 if count else math.nan


def table_stats(metadata: TableMetadata, store: ColumnFamilyStore | None) -> TableStats:
    if store is None:
        return _idle(metadata)
    view = store.view
    sstables = view.sstables
    metrics = store.metrics
    live = sum(r.on_disk_size for r in sstables)
    snapshots = sum(d.true_size for d in store.list_snapshots())
    compressed = sum(r.data_size for r in sstables)
    uncompressed = sum(r.uncompressed_size for r in sstables)
    repaired = sum(r.data_size for r in sstables if r.statistics.repaired_at > 0)
    bloom = bloom_filter_bytes(store)
    false_positives = sum(r.bloom_filter_stats().false_positives for r in sstables)
    true_positives = sum(r.bloom_filter_stats().true_positives for r in sstables)
    sizes: EstimatedHistogram | None = None
    for reader in sstables:
        histogram = reader.statistics.partition_sizes
        sizes = histogram if sizes is None else sizes.merge(histogram)
    levels = None
    level_bytes = None
    if store.compaction_params.strategy is CompactionStrategyKind.LEVELED:
        top = max((r.statistics.level for r in sstables), default=0)
        counts = [0] * (top + 1)
        volumes = [0] * (top + 1)
        for reader in sstables:
            counts[reader.statistics.level] += 1
            volumes[reader.statistics.level] += reader.on_disk_size
        levels, level_bytes = tuple(counts), tuple(volumes)
    memtable = view.memtable
    return TableStats(
        keyspace=store.keyspace,
        table=store.name,
        is_index=False,
        sstable_count=len(sstables),
        old_sstable_count=0,
        sstables_in_each_level=levels,
        sstable_bytes_in_each_level=level_bytes,
        space_used_live=live,
        space_used_total=live,
        space_used_by_snapshots=snapshots,
        off_heap_memory_used=bloom,
        compression_ratio=compressed / uncompressed if uncompressed else NO_COMPRESSION_RATIO,
        partitions_estimate=sum(r.estimated_partitions for r in sstables)
        + sum(len(m) for m in view.memtables),
        memtable_cell_count=memtable.operation_count,
        memtable_data_size=memtable.live_data_size,
        memtable_off_heap_memory_used=0,
        memtable_switch_count=metrics.flush_count,
        local_read_count=metrics.read_count,
        local_read_latency_ms=_mean_ms(metrics.read_latency_total_us, metrics.read_count),
        local_read_total_us=metrics.read_latency_total_us,
        local_write_count=metrics.write_count,
        local_write_latency_ms=_mean_ms(metrics.write_latency_total_us, metrics.write_count),
        local_write_total_us=metrics.write_latency_total_us,
        pending_flushes=len(view.flushing),
        percent_repaired=100.0 * repaired / compressed if compressed else 100.0,
        bytes_repaired=repaired,
        bytes_unrepaired=compressed - repaired,
        bytes_pending_repair=0,
        bloom_filter_false_positives=false_positives,
        bloom_filter_false_ratio=(
            false_positives / (false_positives + true_positives) if false_positives + true_positives else 0.0
        ),
        bloom_filter_space_used=bloom,
        bloom_filter_off_heap_memory_used=bloom,
        index_summary_off_heap_memory_used=0,
        compression_metadata_off_heap_memory_used=0,
        compacted_partition_minimum_bytes=sizes.min if sizes is not None else 0,
        compacted_partition_maximum_bytes=sizes.max if sizes is not None else 0,
        compacted_partition_mean_bytes=sizes.mean if sizes is not None else 0,
        average_live_cells_per_slice=math.nan,
        maximum_live_cells_per_slice=0,
        average_tombstones_per_slice=math.nan,
        maximum_tombstones_per_slice=0,
        dropped_mutations=0,
    )


def _idle(metadata: TableMetadata) -> TableStats:
    return TableStats(
        keyspace=metadata.keyspace,
        table=metadata.name,
        is_index=False,
        sstable_count=0,
        old_sstable_count=0,
        sstables_in_each_level=None,
        sstable_bytes_in_each_level=None,
        space_used_live=0,
        space_used_total=0,
        space_used_by_snapshots=0,
        off_heap_memory_used=0,
        compression_ratio=NO_COMPRESSION_RATIO,
        partitions_estimate=0,
        memtable_cell_count=0,
        memtable_data_size=0,
        memtable_off_heap_memory_used=0,
        memtable_switch_count=0,
        local_read_count=0,
        local_read_latency_ms=math.nan,
        local_read_total_us=0,
        local_write_count=0,
        local_write_latency_ms=math.nan,
        local_write_total_us=0,
        pending_flushes=0,
        percent_repaired=100.0,
        bytes_repaired=0,
        bytes_unrepaired=0,
        bytes_pending_repair=0,
        bloom_filter_false_positives=0,
        bloom_filter_false_ratio=0.0,
        bloom_filter_space_used=0,
        bloom_filter_off_heap_memory_used=0,
        index_summary_off_heap_memory_used=0,
        compression_metadata_off_heap_memory_used=0,
        compacted_partition_minimum_bytes=0,
        compacted_partition_maximum_bytes=0,
        compacted_partition_mean_bytes=0,
        average_live_cells_per_slice=math.nan,
        maximum_live_cells_per_slice=0,
        average_tombstones_per_slice=math.nan,
        maximum_tombstones_per_slice=0,
        dropped_mutations=0,
    )


_QUANTILES = (0.5, 0.75, 0.95, 0.98, 0.99)


def percentiles(histogram: EstimatedHistogram) -> Percentiles:
    """Cassandra's ``EstimatedHistogram.percentile``/``min``/``max`` of ``histogram`` (0 when it is empty)."""
    p50, p75, p95, p98, p99 = (float(histogram.percentile(q)) for q in _QUANTILES)
    return Percentiles(p50, p75, p95, p98, p99, float(histogram.min), float(histogram.max))


def _sstable_percentiles(histogram: EstimatedHistogram) -> tuple[Percentiles, int | None]:
    """Percentiles of an SSTable histogram; an overflowed one keeps min and max but not the percentiles."""
    computed = percentiles(histogram)
    if not histogram.overflowed:
        return computed, None
    nan = math.nan
    return Percentiles(nan, nan, nan, nan, nan, computed.min, computed.max), histogram.offsets[-1]


def table_histograms(metadata: TableMetadata, store: ColumnFamilyStore | None) -> TableHistograms:
    if store is None:
        empty = Percentiles(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        return TableHistograms(metadata.keyspace, metadata.name, empty, empty, empty, None, None)
    metrics = store.metrics
    sizes: EstimatedHistogram | None = None
    cells: EstimatedHistogram | None = None
    for reader in store.view.sstables:
        stats = reader.statistics
        sizes = stats.partition_sizes if sizes is None else sizes.merge(stats.partition_sizes)
        cells = stats.cell_counts if cells is None else cells.merge(stats.cell_counts)
    size_percentiles = size_overflow = cell_percentiles = cell_overflow = None
    if sizes is not None and cells is not None:
        size_percentiles, size_overflow = _sstable_percentiles(sizes)
        cell_percentiles, cell_overflow = _sstable_percentiles(cells)
    return TableHistograms(
        keyspace=store.keyspace,
        table=store.name,
        sstables_per_read=percentiles(metrics.sstables_per_read.snapshot()),
        write_latency=percentiles(metrics.write_latency.snapshot()),
        read_latency=percentiles(metrics.read_latency.snapshot()),
        partition_size=size_percentiles,
        cell_count=cell_percentiles,
        partition_size_overflow=size_overflow,
        cell_count_overflow=cell_overflow,
    )


def matches(filters: Sequence[str], keyspace: str, table: str) -> bool:
    """Whether ``keyspace.table`` is selected by tablestats filters (``ks`` or ``ks.table``)."""
    for item in filters:
        ks, _, name = item.partition(".")
        if ks == keyspace and (not name or name == table):
            return True
    return False


def check_filters(filters: Sequence[str], schema: Schema) -> None:
    """tablestats' ``OptionFilter.verifyKeyspaces``: every named keyspace and table must exist."""
    for item in filters:
        ks, _, name = item.partition(".")
        keyspace = schema.keyspace(ks)
        if keyspace is None:
            raise ProbeArgumentError(f"Unknown keyspace: {ks}")
        if name and keyspace.table_or_view(name) is None:
            raise ProbeArgumentError(f"Unknown table: {name}")


def _split_components(text: str) -> list[str]:
    """``CompositeType.fromString``: components separated by ``:``, ``\\:`` escapes a colon."""
    parts, current, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == ":":
            current.append(":")
            i += 2
            continue
        if text[i] == ":":
            parts.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append("".join(current))
    return parts


def partition_key_bytes(metadata: TableMetadata, key: str) -> bytes:
    """The serialized partition key for ``key`` as nodetool takes it (``partitionKeyType.fromString``)."""
    columns = metadata.partition_key
    texts = [key] if len(columns) == 1 else _split_components(key)
    if len(texts) != len(columns):
        raise ProbeError(f"Invalid number of components in partition key {key!r}: expected {len(columns)}")
    try:
        return composite_key([c.type.parse_string(t) for c, t in zip(columns, texts, strict=True)])
    except Exception as e:  # the type's MarshalException, with Cassandra's text
        raise ProbeError(getattr(e, "message", None) or str(e)) from None


def readers_holding(store: ColumnFamilyStore, key: bytes, token: int) -> list[SSTableReader]:
    """The live SSTables whose data holds the partition (not just bloom-admitted), oldest first."""
    return [
        reader
        for reader in sorted(store.view.sstables, key=lambda r: r.descriptor.generation)
        if reader.first[0] <= token <= reader.last[0] and reader.get(key, token) is not None
    ]


def sstables_holding(store: ColumnFamilyStore, key: bytes, token: int) -> tuple[str, ...]:
    """Data.db paths of the live SSTables whose data holds the partition."""
    return tuple(str(r.descriptor.filename(Component.DATA)) for r in readers_holding(store, key, token))
