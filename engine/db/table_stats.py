"""One table's figures as ``nodetool tablestats`` reports them, computed from a store in one call.

Everything comes from what the store already keeps: its metrics (read/write counts and latencies, the
per-slice histograms, memtable switches), the current view (memtables, SSTables and their Statistics.db,
bloom filter counters) and the files (snapshots, backups). Definitions follow Cassandra's ``TableMetrics``:

* *space used (live)*: bytes of the live SSTables' components; *(total)*: the same plus SSTables replaced by
  a compaction whose files are still open — cqlkit unlinks those at once, so total equals live;
  *by snapshots*: the snapshots' true size (files no live SSTable shares);
* *percent repaired*: repaired bytes of Data.db over all of them (100.0 without SSTables, as Cassandra);
* *SSTable compression ratio*: the mean of the SSTables' compressed/uncompressed ratios, -1.0 without any;
* *compacted partition minimum/maximum/mean bytes*: from the merged partition-size histograms;
* *droppable tombstone ratio*: tombstones whose local deletion time is older than ``gc_grace_seconds``,
  over the cells and rows of every SSTable;
* *tombstones / live cells per slice*: averages and maxima over every slice read since the node started
  (Cassandra's cover the last five minutes);
* *memtable cell count*: the operations applied to the current memtable — per update, its rows, static
  row, range tombstones and partition deletion (Cassandra's ``memtableColumnsCount`` is the memtable's
  ``operationCount``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.db import backups
from engine.db.sstable import EstimatedHistogram

if TYPE_CHECKING:
    from engine.db.column_family_store import ColumnFamilyStore

NO_COMPRESSION_RATIO = -1.0


@dataclass(frozen=True, slots=True)
class TableStats:
    keyspace: str
    table: str
    sstable_count: int
    old_sstable_count: int  # SSTables in another format version than the table directory writes
    sstables_in_each_level: tuple[int, ...]  # index = level; trailing empty levels left out
    sstable_bytes_in_each_level: tuple[int, ...]
    space_used_live: int
    space_used_total: int
    space_used_by_snapshots: int
    space_used_by_backups: int
    compression_ratio: float
    estimated_partitions: int
    memtable_cell_count: int
    memtable_data_size: int
    memtable_switch_count: int
    pending_flushes: int
    local_read_count: int
    local_read_latency_ms: float  # mean; NaN without reads, as Cassandra prints it
    local_write_count: int
    local_write_latency_ms: float
    bloom_filter_false_positives: int
    bloom_filter_false_ratio: float
    bloom_filter_space_used: int
    index_summary_memory_used: int  # the summaries' keys held in memory
    compression_metadata_memory_used: int  # the chunk offsets held in memory
    bytes_repaired: int
    bytes_unrepaired: int
    bytes_pending_repair: int  # cqlkit's incremental repair has no pending stage: always 0
    percent_repaired: float
    partition_size_min: int
    partition_size_max: int
    partition_size_mean: int
    average_live_cells_per_slice: float
    maximum_live_cells_per_slice: int
    average_tombstones_per_slice: float
    maximum_tombstones_per_slice: int
    droppable_tombstone_ratio: float
    autocompaction_enabled: bool


def table_stats(cfs: ColumnFamilyStore, *, now: int) -> TableStats:
    """The figures of ``cfs`` at ``now`` (seconds since the epoch: what is droppable depends on it)."""
    view = cfs.view
    sstables = view.sstables
    metrics = cfs.metrics
    levels: list[int] = []
    level_bytes: list[int] = []
    repaired = unrepaired = 0
    for reader in sstables:
        level = reader.statistics.level
        levels.extend([0] * (level + 1 - len(levels)))
        level_bytes.extend([0] * (level + 1 - len(level_bytes)))
        levels[level] += 1
        level_bytes[level] += reader.data_size
        if reader.statistics.repaired_at:
            repaired += reader.data_size
        else:
            unrepaired += reader.data_size
    live = sum(r.on_disk_size for r in sstables)
    ratios = [r.statistics.compression_ratio for r in sstables]
    false_positives = sum(r.false_positives for r in sstables)
    true_positives = sum(r.true_positives for r in sstables)
    positives = false_positives + true_positives
    sizes: EstimatedHistogram | None = None
    for reader in sstables:
        histogram = reader.statistics.partition_sizes
        sizes = histogram if sizes is None else sizes.merge(histogram)
    gc_before = now - cfs.params.gc_grace_seconds
    droppable = sum(r.statistics.estimated_droppable_tombstones(gc_before) for r in sstables)
    cells = sum(r.statistics.cell_count + r.statistics.row_count for r in sstables)
    slices = metrics.slice_reads
    return TableStats(
        keyspace=cfs.keyspace,
        table=cfs.name,
        sstable_count=len(sstables),
        old_sstable_count=sum(r.descriptor.version != cfs.sstable_directory.version for r in sstables),
        sstables_in_each_level=tuple(levels),
        sstable_bytes_in_each_level=tuple(level_bytes),
        space_used_live=live,
        space_used_total=live,
        space_used_by_snapshots=sum(s.true_size for s in cfs.list_snapshots()),
        space_used_by_backups=backups.size(cfs.directory),
        compression_ratio=sum(ratios) / len(ratios) if ratios else NO_COMPRESSION_RATIO,
        estimated_partitions=sum(r.estimated_partitions for r in sstables)
        + sum(len(m) for m in view.memtables),
        memtable_cell_count=view.memtable.operation_count,
        memtable_data_size=view.memtable.live_data_size,
        memtable_switch_count=metrics.memtable_switch_count,
        pending_flushes=len(view.flushing),
        local_read_count=metrics.read_count,
        local_read_latency_ms=_mean_ms(metrics.read_latency_total_us, metrics.read_count),
        local_write_count=metrics.write_count,
        local_write_latency_ms=_mean_ms(metrics.write_latency_total_us, metrics.write_count),
        bloom_filter_false_positives=false_positives,
        bloom_filter_false_ratio=false_positives / positives if positives else 0.0,
        bloom_filter_space_used=sum(r.bloom_filter_size for r in sstables),
        index_summary_memory_used=sum(sum(16 + len(key) for _token, key in r.summary.keys) for r in sstables),
        compression_metadata_memory_used=sum(8 * r.compression.chunk_count for r in sstables),
        bytes_repaired=repaired,
        bytes_unrepaired=unrepaired,
        bytes_pending_repair=0,
        percent_repaired=100.0 * repaired / (repaired + unrepaired) if repaired + unrepaired else 100.0,
        partition_size_min=sizes.min if sizes is not None else 0,
        partition_size_max=sizes.max if sizes is not None else 0,
        partition_size_mean=sizes.mean if sizes is not None else 0,
        average_live_cells_per_slice=metrics.live_cells_read / slices if slices else float("nan"),
        maximum_live_cells_per_slice=metrics.max_live_cells_per_slice,
        average_tombstones_per_slice=metrics.tombstones_read / slices if slices else float("nan"),
        maximum_tombstones_per_slice=metrics.max_tombstones_per_slice,
        droppable_tombstone_ratio=min(1.0, droppable / cells) if cells else 0.0,
        autocompaction_enabled=cfs.autocompaction_enabled,
    )


def _mean_ms(total_us: int, count: int) -> float:
    return total_us / count / 1000 if count else float("nan")
