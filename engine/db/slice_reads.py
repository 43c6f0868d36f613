"""Shaping what a slice read returns (``ColumnFamilyStore.read_partition``) and counting what it read.

``sliced`` keeps the rows a set of slices selects; ``trimmed`` turns a merged partition into the result of
a read: rows emptied by deletions dropped, row deletions that the partition deletion supersedes cleared,
range tombstones outside the slices dropped, rows reversed for a reversed read, None when nothing is
left. ``slice_counts`` counts the tombstones and live cells of a result (nodetool tablestats' "per slice"
figures, Cassandra's ``TableMetrics.tombstoneScannedHistogram``/``liveScannedHistogram``).
"""

from __future__ import annotations

from dataclasses import replace

from engine.db.rows import LIVE, Cell, ClusteringKey, DeletionTime, PartitionUpdate, Row
from engine.db.slices import Slices


def sliced(partition: PartitionUpdate, slices: Slices, clustering_key: ClusteringKey) -> PartitionUpdate:
    """``partition`` with only the rows ``slices`` select (everything else kept)."""
    if not partition.rows:
        return partition
    rows = slices.select(partition.rows, clustering_key)
    if len(rows) == len(partition.rows):
        return partition
    return replace(partition, rows=tuple(rows))


def trimmed(
    partition: PartitionUpdate, slices: Slices | None, clustering_key: ClusteringKey, reversed: bool
) -> PartitionUpdate | None:
    """A merged partition as ``read_partition`` returns it: emptied rows dropped, row deletions the
    partition deletion supersedes cleared, range tombstones outside the slices dropped, rows reversed if
    asked; None if nothing is left."""
    deletion = partition.deletion
    rows = [kept for row in partition.rows if (kept := trimmed_row(row, deletion)) is not None]
    static = partition.static_row
    if static is not None:
        static = trimmed_row(static, deletion)
    tombstones = partition.range_tombstones
    if slices is not None and tombstones:
        tombstones = tuple(rt for rt in tombstones if slices.intersects_range(rt, clustering_key))
    if deletion is LIVE and static is None and not rows and not tombstones:
        return None
    if reversed:
        rows.reverse()
    return PartitionUpdate(partition.key, partition.token, deletion, static, tuple(rows), tombstones)


def trimmed_row(row: Row, partition_deletion: DeletionTime) -> Row | None:
    own = row.deletion
    if own is not LIVE and not own.supersedes(partition_deletion):
        own = LIVE
    if row.liveness is None and not row.columns and own is LIVE:
        return None
    return row if own is row.deletion else Row(row.clustering, row.liveness, own, row.columns)


def slice_counts(result: PartitionUpdate | None) -> tuple[int, int]:
    """``(tombstones, live cells)`` in what a slice read returned: range tombstones, row deletions and
    tombstone cells; cells with a value."""
    tombstones = live = 0
    if result is not None:
        tombstones = len(result.range_tombstones)
        rows = result.rows if result.static_row is None else (result.static_row, *result.rows)
        for row in rows:
            if row.deletion is not LIVE:
                tombstones += 1
            for data in row.columns.values():
                if data.__class__ is Cell:
                    if data.value is None:  # type: ignore[union-attr]
                        tombstones += 1
                    else:
                        live += 1
                else:
                    for cell in data.cells.values():  # type: ignore[union-attr]
                        if cell.value is None:
                            tombstones += 1
                        else:
                            live += 1
    return tombstones, live
