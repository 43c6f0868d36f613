"""Operator rewrites and checks of one table's SSTables: garbagecollect, scrub, upgradesstables, verify.

Each rewrite is a single-SSTable compaction run by the ``CompactionManager`` (so it shows in
``compactionstats`` and ends in the compaction history), one SSTable at a time:

* **garbagecollect** (Cassandra's ``nodetool garbagecollect [-g ROW|CELL]``): each SSTable, oldest data
  first, is rewritten without the rows and cells that deletions held by *other* SSTables shadow (partition
  deletions, row deletions, range tombstones) — with ``CELL`` granularity also without the cells another
  SSTable holds a newer version of (a newer value or tombstone of the same column, or collection
  element) — then purged as a compaction purges (tombstones older than ``gc_grace_seconds`` that shadow
  nothing elsewhere). The SSTable keeps its own deletions: they may still shadow data elsewhere.
* **scrub**: each SSTable is rewritten with every partition that can still be read; damaged index blocks,
  chunks and partitions are skipped and counted (Cassandra's scrub with ``--skip-corrupted``). Nothing is
  purged.
* **upgradesstables**: SSTables written in another format version than the directory's current one are
  rewritten (all of them with ``include_all``, ``nodetool upgradesstables -a``); nothing is purged, the
  level is kept.
* **verify**: every SSTable is checked whole — Data.db against its Digest, every chunk's CRC32, every index
  block, the index against the data, every partition decoded — without rewriting anything.

While one of these works on an SSTable it is marked compacting, so no background compaction takes it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from engine.db.compaction.executor import CompactionManager, CompactionRecord
from engine.db.compaction.model import CompactionKind, CompactionTask
from engine.db.rows import (
    LIVE,
    Cell,
    Clustering,
    ClusteringKey,
    ColumnData,
    ComplexColumn,
    DeletionTime,
    PartitionUpdate,
    RangeTombstone,
    Row,
    latest,
)
from engine.db.sstable import Descriptor, SSTableError, SSTableReader

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.db.column_family_store import ColumnFamilyStore


class Granularity(enum.Enum):
    """What ``garbagecollect`` removes (``-g``): shadowed rows, or also overwritten cells."""

    ROW = "ROW"
    CELL = "CELL"


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """One SSTable scrubbed: partitions kept, damaged parts skipped (with what was wrong)."""

    descriptor: Descriptor
    partitions: int
    skipped: int
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """One SSTable verified: its partition count, or the error that failed it."""

    descriptor: Descriptor
    partitions: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _single(reader: SSTableReader, kind: CompactionKind, reason: str) -> CompactionTask:
    return CompactionTask(
        (reader.descriptor.generation,), kind, reader.statistics.level or None, None, reason
    )


# ------------------------------------------------------------------------------------ garbagecollect


def garbage_collect(
    manager: CompactionManager, cfs: ColumnFamilyStore, granularity: Granularity = Granularity.ROW
) -> list[CompactionRecord]:
    """``nodetool garbagecollect``: rewrite each SSTable without what other SSTables' deletions shadow
    (and, with ``CELL``, without the cells they overwrite)."""
    records = []
    for reader in sorted(cfs.view.sstables, key=lambda r: r.statistics.max_timestamp):

        def transform(partition: PartitionUpdate, reader: SSTableReader = reader) -> PartitionUpdate | None:
            others = [
                version
                for other in cfs.view.sstables
                if other is not reader and (version := other.get(partition.key, partition.token)) is not None
            ]
            return without_shadowed(partition, others, cfs.clustering_key, granularity)

        task = _single(reader, CompactionKind.GARBAGE_COLLECT, "garbagecollect")
        record = manager.run(cfs, task, transform=transform)
        if record is not None:
            records.append(record)
    return records


def without_shadowed(
    partition: PartitionUpdate,
    others: list[PartitionUpdate],
    clustering_key: ClusteringKey,
    granularity: Granularity = Granularity.ROW,
) -> PartitionUpdate | None:
    """``partition`` without the rows and cells that the deletions in ``others`` (other versions of the
    partition) shadow, and with ``CELL`` without the cells ``others`` hold newer versions of; its own
    deletions are kept. None if nothing is left."""
    if granularity is Granularity.CELL and others:
        partition = _without_overwritten(partition, others)
    deletion = LIVE
    static_deletion = LIVE
    row_deletions: dict[Clustering, DeletionTime] = {}
    tombstones: list[RangeTombstone] = []
    for other in others:
        deletion = latest(deletion, other.deletion)
        tombstones.extend(other.range_tombstones)
        if other.static_row is not None and other.static_row.deletion is not LIVE:
            static_deletion = latest(static_deletion, other.static_row.deletion)
        for row in other.rows:
            if row.deletion is not LIVE:
                row_deletions[row.clustering] = latest(row_deletions.get(row.clustering, LIVE), row.deletion)
    if deletion is LIVE and static_deletion is LIVE and not row_deletions and not tombstones:
        return partition
    rows = []
    for row in partition.rows:
        kept = _shadowed(row, deletion)
        if (own := row_deletions.get(row.clustering)) is not None:
            kept = _shadowed(kept, own)
        for rt in tombstones:
            if rt.covers(row.clustering, clustering_key):
                kept = _shadowed(kept, rt.deletion)
        if kept.liveness is not None or kept.columns or kept.deletion is not LIVE:
            rows.append(kept)
    static = partition.static_row
    if static is not None:
        static = _shadowed(_shadowed(static, deletion), static_deletion)
        if static.liveness is None and not static.columns and static.deletion is LIVE:
            static = None
    if partition.deletion is LIVE and static is None and not rows and not partition.range_tombstones:
        return None
    return PartitionUpdate(
        partition.key, partition.token, partition.deletion, static, tuple(rows), partition.range_tombstones
    )


def _without_overwritten(partition: PartitionUpdate, others: list[PartitionUpdate]) -> PartitionUpdate:
    """``partition`` without the cells of which ``others`` hold a strictly newer version."""
    newer: dict[Clustering, list[Row]] = {}
    for other in others:
        for row in (*other.rows, *((other.static_row,) if other.static_row is not None else ())):
            newer.setdefault(row.clustering, []).append(row)

    def trimmed(row: Row) -> Row:
        rivals = newer.get(row.clustering)
        if not rivals:
            return row
        columns: dict[str, ColumnData] = {}
        for name, data in row.columns.items():
            if isinstance(data, Cell):
                if not any(_newer_cell(r.columns.get(name), data) for r in rivals):
                    columns[name] = data
                continue
            cells = {
                path: cell
                for path, cell in data.cells.items()
                if not any(_newer_element(r.columns.get(name), path, cell) for r in rivals)
            }
            if cells or data.deletion is not LIVE:
                columns[name] = ComplexColumn(MappingProxyType(cells), data.deletion)
        return Row(row.clustering, row.liveness, row.deletion, MappingProxyType(columns))

    static = trimmed(partition.static_row) if partition.static_row is not None else None
    rows = tuple(trimmed(row) for row in partition.rows)
    return PartitionUpdate(
        partition.key, partition.token, partition.deletion, static, rows, partition.range_tombstones
    )


def _newer_cell(rival: ColumnData | None, cell: Cell) -> bool:
    return isinstance(rival, Cell) and rival.timestamp > cell.timestamp


def _newer_element(rival: ColumnData | None, path: bytes, cell: Cell) -> bool:
    if not isinstance(rival, ComplexColumn):
        return False
    other = rival.cells.get(path)
    return other is not None and other.timestamp > cell.timestamp


def _shadowed(row: Row, deletion: DeletionTime) -> Row:
    """``row`` without what ``deletion`` deletes, keeping the row's own deletion (not copying that one)."""
    if deletion is LIVE:
        return row
    shadowed = row.shadowed_by(deletion)
    return Row(row.clustering, shadowed.liveness, row.deletion, MappingProxyType(dict(shadowed.columns)))


# -------------------------------------------------------------------------------------------- scrub


def scrub(manager: CompactionManager, cfs: ColumnFamilyStore) -> list[ScrubResult]:
    """``nodetool scrub``: rewrite each SSTable with the partitions that can still be read."""
    results = []
    for reader in list(cfs.view.sstables):
        errors: list[str] = []
        kept = [0]

        def salvaged(
            readers: list[SSTableReader], errors: list[str] = errors, kept: list[int] = kept
        ) -> Iterator[list[PartitionUpdate]]:
            for item in readers[0].salvage():
                if isinstance(item, SSTableError):
                    errors.append(str(item))
                else:
                    kept[0] += 1
                    yield [item]

        task = _single(reader, CompactionKind.SCRUB, "scrub")
        if manager.run(cfs, task, stream=salvaged, purging=False) is not None:
            results.append(ScrubResult(reader.descriptor, kept[0], len(errors), tuple(errors)))
    return results


# ---------------------------------------------------------------------------------- upgradesstables


def upgrade_sstables(
    manager: CompactionManager, cfs: ColumnFamilyStore, *, include_all: bool = False
) -> list[CompactionRecord]:
    """``nodetool upgradesstables [-a]``: rewrite the SSTables not in the current format version (all of
    them with ``include_all``)."""
    current = cfs.sstable_directory.version
    records = []
    for reader in list(cfs.view.sstables):
        if not include_all and reader.descriptor.version == current:
            continue
        record = manager.run(cfs, _single(reader, CompactionKind.UPGRADE, "upgradesstables"), purging=False)
        if record is not None:
            records.append(record)
    return records


# ------------------------------------------------------------------------------------------- verify


def verify(cfs: ColumnFamilyStore) -> list[VerifyResult]:
    """``nodetool verify``: check every live SSTable whole (those a compaction holds are skipped: its
    output is verified by being written)."""
    results = []
    for reader in list(cfs.view.sstables):
        generation = (reader.descriptor.generation,)
        if cfs.mark_compacting(generation) is None:
            continue
        try:
            try:
                results.append(VerifyResult(reader.descriptor, reader.verify(), None))
            except (SSTableError, OSError) as error:
                results.append(VerifyResult(reader.descriptor, 0, str(error)))
        finally:
            cfs.unmark_compacting(generation)
    return results
