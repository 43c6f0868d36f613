"""Running compactions: merge SSTables, purge what is safe to forget, write, swap — with progress.

A task from the planners names input generations. Running it:

1. mark the inputs compacting in the table's view (a task whose inputs are already taken is dropped);
2. stream every input in (token, key) order, merge the versions of each partition
   (``merge_partitions``: newest data wins, deletions shadow what they cover), and **purge**;
3. write the result to new SSTables (split at the task's maximum output size, or by the halving ratios of
   ``nodetool compact -s``), at the task's output level;
4. swap inputs for outputs in one step, then unlink the inputs (reads already under way keep their open
   descriptors; see ``SSTableReader``).

**Purging** (Cassandra's ``CompactionController``/``Cell.purge``): a tombstone, or a cell whose TTL has run
out, is dropped only when its deletion is older than ``gc_grace_seconds`` (``local_deletion_time <
gc_before``; for an expired cell counted from when it was written) **and** nothing outside the
compaction could still hold older data it shadows: its timestamp must be below the smallest timestamp of
that partition in the memtables and in every other SSTable whose bloom filter admits the key. An expired
cell that cannot be purged yet becomes a tombstone (its value is no longer needed).

I/O goes through a ``Throttle`` (``compaction_throughput``, 64 MiB/s by default as in Cassandra 5.0; 0
disables it) with an injectable clock and sleep. Every running compaction is visible as a
``CompactionProgress`` in the ``CompactionManager`` (nodetool compactionstats) and ends in its history
(nodetool compactionhistory).
"""

from __future__ import annotations

import heapq
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from engine.db.compaction.history import CompactionRecord, HistoryFile
from engine.db.compaction.model import CompactionKind, CompactionTask, OutputSplit, SSTableInfo, TableState
from engine.db.compaction.planner import plan_background, plan_major
from engine.db.compaction.size_tiered import split_output_ratios
from engine.db.rows import (
    LIVE,
    Cell,
    ColumnData,
    ComplexColumn,
    DeletionTime,
    PartitionUpdate,
    Row,
    merge_partitions,
)
from engine.db.sstable import Component, SSTableReader, SSTableWriter

if TYPE_CHECKING:
    from engine.db.column_family_store import ColumnFamilyStore

DEFAULT_THROUGHPUT_BYTES = 64 * 1024 * 1024
_NO_OLDER_DATA = 2**63


class Throttle:
    """A token bucket over bytes: ``consume(n)`` sleeps as needed to keep the rate under ``rate``."""

    def __init__(
        self,
        rate_bytes_per_second: int = DEFAULT_THROUGHPUT_BYTES,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate_bytes_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._available = float(rate_bytes_per_second)
        self._last = clock()

    def set_rate(self, rate_bytes_per_second: int) -> None:
        with self._lock:
            self.rate = rate_bytes_per_second

    def consume(self, amount: int) -> None:
        with self._lock:
            if self.rate <= 0:
                return
            now = self._clock()
            self._available = min(float(self.rate), self._available + (now - self._last) * self.rate)
            self._last = now
            self._available -= amount
            wait = -self._available / self.rate if self._available < 0 else 0.0
        if wait > 0:
            self._sleep(wait)


@dataclass
class CompactionProgress:
    """A running compaction as ``nodetool compactionstats`` lists it."""

    id: uuid.UUID
    keyspace: str
    table: str
    kind: CompactionKind
    total_bytes: int
    completed_bytes: int = 0


#: Rewrites a merged partition during a compaction (None: drop it).
Transform = Callable[[PartitionUpdate], PartitionUpdate | None]
#: The versions of each partition of the inputs, grouped, in (token, key) order.
Stream = Callable[[list[SSTableReader]], Iterator[list[PartitionUpdate]]]


@dataclass(frozen=True, slots=True)
class _Rewrite:
    keep: Callable[[int], bool] | None
    transform: Transform | None
    stream: Stream
    purging: bool


@dataclass
class _Outcome:
    outputs: list[SSTableReader] = field(default_factory=list)
    bytes_out: int = 0
    merged: dict[int, int] = field(default_factory=dict)


class CompactionManager:
    """A node's compactions: planning per table, running, throttling, progress and history."""

    def __init__(
        self,
        *,
        throttle: Throttle | None = None,
        wall_clock: Callable[[], float] = time.time,
        history_limit: int = 1000,
        history_file: HistoryFile | None = None,
    ) -> None:
        self.throttle = throttle or Throttle()
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._active: dict[uuid.UUID, CompactionProgress] = {}
        # Kept in memory, and in ``history_file`` when there is one (the node's: it survives restarts).
        self._history_file = history_file
        self._history: list[CompactionRecord] = history_file.records() if history_file is not None else []
        self._history_limit = history_limit

    # ---------------------------------------------------------------------------------- planning

    def table_state(self, cfs: ColumnFamilyStore) -> TableState:
        """What the planners may know about ``cfs`` now."""
        now = self._wall_clock()
        gc_before = int(now) - cfs.params.gc_grace_seconds
        view = cfs.view
        infos = tuple(_info(reader, gc_before) for reader in view.sstables)
        memtable_min = min(
            (m.min_timestamp for m in view.memtables if m.min_timestamp is not None), default=None
        )
        return TableState(
            sstables=infos,
            compacting=view.compacting,
            params=cfs.compaction_params,
            now=now,
            gc_before=gc_before,
            memtable_min_timestamp=memtable_min,
            progress=cfs.compaction_progress,
        )

    def run_background(self, cfs: ColumnFamilyStore) -> CompactionRecord | None:
        """Plan one background compaction of ``cfs`` and run it; None when there is nothing to do (or
        ``nodetool disableautocompaction`` turned background compactions of ``cfs`` off)."""
        if not cfs.autocompaction_enabled:
            return None
        plan = plan_background(self.table_state(cfs))
        cfs.compaction_progress = plan.progress
        if plan.task is None:
            return None
        return self.run(cfs, plan.task)

    def run_major(self, cfs: ColumnFamilyStore, *, split_output: bool = False) -> list[CompactionRecord]:
        """``nodetool compact``: everything into as few SSTables as the strategy allows."""
        tasks = plan_major(self.table_state(cfs), split_output=split_output)
        return [record for task in tasks if (record := self.run(cfs, task)) is not None]

    # ----------------------------------------------------------------------------------- running

    def run(
        self,
        cfs: ColumnFamilyStore,
        task: CompactionTask,
        *,
        keep: Callable[[int], bool] | None = None,
        transform: Transform | None = None,
        stream: Stream | None = None,
        purging: bool = True,
    ) -> CompactionRecord | None:
        """Run ``task`` on ``cfs``. ``keep`` (cleanup) drops partitions whose token it rejects;
        ``transform`` (garbagecollect) rewrites each merged partition before purging (None drops it);
        ``stream`` replaces the merge of the inputs (scrub reads what it can salvage); ``purging=False``
        keeps every tombstone and expired cell (scrub, upgradesstables: Cassandra's rewrites that do not
        purge)."""
        inputs = cfs.mark_compacting(task.inputs)
        if inputs is None:
            return None
        total = sum(r.data_size for r in inputs)
        progress = CompactionProgress(uuid.uuid4(), cfs.keyspace, cfs.name, task.kind, total)
        with self._lock:
            self._active[progress.id] = progress
        try:
            expired = set(task.fully_expired)
            live_inputs = [r for r in inputs if r.descriptor.generation not in expired]
            rewrite = _Rewrite(keep, transform, stream or _merged, purging)
            outcome = self._write(cfs, task, inputs, live_inputs, progress, rewrite)
        except BaseException:
            cfs.unmark_compacting(task.inputs)
            raise
        finally:
            with self._lock:
                self._active.pop(progress.id, None)
        cfs.replace_sstables(tuple(inputs), tuple(outcome.outputs))
        for reader in inputs:
            cfs.sstable_directory.delete(reader.descriptor, sync=cfs.params.sync_sstables)
        record = CompactionRecord(
            progress.id,
            cfs.keyspace,
            cfs.name,
            int(self._wall_clock() * 1000),
            total,
            outcome.bytes_out,
            MappingProxyType(dict(sorted(outcome.merged.items()))),
        )
        with self._lock:
            self._history.append(record)
            del self._history[: -self._history_limit]
        if self._history_file is not None:
            self._history_file.append(record)
        return record

    def _write(
        self,
        cfs: ColumnFamilyStore,
        task: CompactionTask,
        inputs: list[SSTableReader],
        live_inputs: list[SSTableReader],
        progress: CompactionProgress,
        rewrite: _Rewrite,
    ) -> _Outcome:
        outcome = _Outcome()
        gc_before = int(self._wall_clock()) - cfs.params.gc_grace_seconds
        now = int(self._wall_clock())
        others = [r for r in cfs.view.sstables if r not in inputs]
        limits = _output_limits(task, sum(r.data_size for r in live_inputs))
        estimated = max(1, sum(r.estimated_partitions for r in live_inputs))
        # The planners never mix repaired and unrepaired inputs; the output stays repaired, as of the
        # oldest repair among them (Cassandra's rule).
        repaired_at = min((r.statistics.repaired_at for r in inputs), default=0)
        writer: SSTableWriter | None = None
        try:
            keep, transform = rewrite.keep, rewrite.transform
            for versions in rewrite.stream(live_inputs):
                if keep is not None and not keep(versions[0].token):
                    continue
                outcome.merged[len(versions)] = outcome.merged.get(len(versions), 0) + 1
                partition: PartitionUpdate | None = merge_partitions(versions, cfs.clustering_key)
                if transform is not None and partition is not None:
                    partition = transform(partition)
                purged = partition
                if partition is not None and rewrite.purging:
                    oldest_elsewhere = _oldest_elsewhere(cfs, others, partition)
                    purged = purge(
                        partition, gc_before=gc_before, now=now, max_purgeable_timestamp=oldest_elsewhere
                    )
                size = sum(_size_hint(v) for v in versions)
                # an estimate of uncompressed bytes against the on-disk total: never past it
                progress.completed_bytes = min(progress.total_bytes, progress.completed_bytes + size)
                self.throttle.consume(size)
                if purged is None:
                    continue
                if writer is None:
                    writer = _new_writer(cfs, task, estimated, repaired_at)
                writer.append(purged)
                if limits and writer.compressed_bytes >= limits[0]:
                    outcome.outputs.append(writer.finish())
                    writer = None
                    if len(limits) > 1:
                        limits = limits[1:]
            if writer is not None:
                outcome.outputs.append(writer.finish())
                writer = None
        except BaseException:
            if writer is not None:
                writer.abort()
            for reader in outcome.outputs:
                cfs.sstable_directory.delete(reader.descriptor)
            raise
        outcome.bytes_out = sum(r.data_size for r in outcome.outputs)
        return outcome

    def run_cleanup(self, cfs: ColumnFamilyStore, owns: Callable[[int], bool]) -> list[CompactionRecord]:
        """``nodetool cleanup``: rewrite each SSTable without the partitions whose token ``owns`` rejects
        (after the ring changed, data of ranges given away stays on disk until cleaned up)."""
        records = []
        for reader in cfs.view.sstables:
            generation = reader.descriptor.generation
            task = CompactionTask(
                (generation,), CompactionKind.CLEANUP, reader.statistics.level, None, "cleanup"
            )
            record = self.run(cfs, task, keep=owns)
            if record is not None:
                records.append(record)
        return records

    # ------------------------------------------------------------------------------- reporting

    def active(self) -> list[CompactionProgress]:
        with self._lock:
            return list(self._active.values())

    def history(self) -> list[CompactionRecord]:
        with self._lock:
            return list(self._history)


def _info(reader: SSTableReader, gc_before: int) -> SSTableInfo:
    stats = reader.statistics
    try:
        created = reader.descriptor.filename(Component.TOC).stat().st_mtime
    except OSError:
        created = 0.0
    return SSTableInfo(
        generation=reader.descriptor.generation,
        size_bytes=reader.on_disk_size,
        min_timestamp=stats.min_timestamp,
        max_timestamp=stats.max_timestamp,
        max_local_deletion_time=stats.max_local_deletion_time,
        estimated_droppable_tombstones=stats.droppable_tombstone_ratio(gc_before),
        level=stats.level,
        first_token=stats.first_token,
        last_token=stats.last_token,
        partition_count=stats.partition_count,
        creation_time=created,
        repaired=stats.repaired_at > 0,
    )


def _merged(readers: list[SSTableReader]) -> Iterator[list[PartitionUpdate]]:
    """The inputs' partitions, grouped by (token, key), in order."""
    streams = [reader.scan() for reader in readers]
    group: list[PartitionUpdate] = []
    for partition in heapq.merge(*streams, key=lambda p: (p.token, p.key)):
        if group and (group[0].token, group[0].key) != (partition.token, partition.key):
            yield group
            group = []
        group.append(partition)
    if group:
        yield group


def _size_hint(partition: PartitionUpdate) -> int:
    # Progress and throttling count input bytes; an estimate is enough for both, but it must grow with
    # the values, or a table of large values compacts unthrottled and its progress never nears its total.
    size = 64 + len(partition.key) + 48 * len(partition.range_tombstones)
    for row in (partition.static_row, *partition.rows) if partition.static_row else partition.rows:
        size += 48
        for data in row.columns.values():
            cells = data.cells.values() if isinstance(data, ComplexColumn) else (data,)
            for cell in cells:
                value = cell.value
                size += 16 + (len(value) if isinstance(value, bytes) else 24)
    return size


def _output_limits(task: CompactionTask, total_bytes: int) -> tuple[int, ...]:
    if task.split is OutputSplit.HALVING:
        return tuple(max(1, int(ratio * total_bytes)) for ratio in split_output_ratios(total_bytes))
    if task.max_output_size_bytes:
        return (task.max_output_size_bytes,)
    return ()


def _new_writer(
    cfs: ColumnFamilyStore, task: CompactionTask, estimated: int, repaired_at: int = 0
) -> SSTableWriter:
    params = cfs.params
    return SSTableWriter(
        cfs.sstable_directory.new_descriptor(),
        estimated,
        chunk_length_in_kb=params.chunk_length_in_kb,
        index_interval=params.index_interval,
        bloom_filter_fp_chance=params.bloom_filter_fp_chance,
        clustering_key=cfs.clustering_key,
        level=task.output_level or 0,
        repaired_at=repaired_at,
        sync=params.sync_sstables,
        caches=cfs.caches,
    )


def _oldest_elsewhere(cfs: ColumnFamilyStore, others: list[SSTableReader], partition: PartitionUpdate) -> int:
    """The smallest timestamp of this partition outside the compaction (bounds what may be purged)."""
    oldest = _NO_OLDER_DATA
    for reader in others:
        if reader.statistics.min_timestamp < oldest and reader.might_contain(partition.key):
            oldest = reader.statistics.min_timestamp
    for memtable in cfs.view.memtables:
        version = memtable.get(partition.key, partition.token)
        if version is not None:
            oldest = min(oldest, version.min_timestamp)
    return oldest


# ------------------------------------------------------------------------------------------- purging


def purge(
    partition: PartitionUpdate, *, gc_before: int, now: int, max_purgeable_timestamp: int = _NO_OLDER_DATA
) -> PartitionUpdate | None:
    """``partition`` without the tombstones and expired data compaction may drop; None if nothing is left."""

    def droppable(deletion: DeletionTime) -> bool:
        return (
            deletion is not LIVE
            and deletion.local_deletion_time < gc_before
            and deletion.marked_for_delete_at < max_purgeable_timestamp
        )

    def cell(c: Cell) -> Cell | None:
        if c.value is None:
            return None if c.local_deletion_time < gc_before and c.timestamp < max_purgeable_timestamp else c
        if c.ttl > 0 and now >= c.local_deletion_time:  # expired: a tombstone dated when it was written
            written = c.local_deletion_time - c.ttl
            if written < gc_before and c.timestamp < max_purgeable_timestamp:
                return None
            return Cell(None, c.timestamp, 0, written)
        return c

    def row(r: Row) -> Row | None:
        liveness = r.liveness
        if liveness is not None and liveness.ttl > 0 and now >= liveness.local_expiration_time:
            written = liveness.local_expiration_time - liveness.ttl
            if written < gc_before and liveness.timestamp < max_purgeable_timestamp:
                liveness = None
        deletion = LIVE if droppable(r.deletion) else r.deletion
        columns: dict[str, ColumnData] = {}
        for name, data in r.columns.items():
            if isinstance(data, Cell):
                kept = cell(data)
                if kept is not None:
                    columns[name] = kept
            else:
                cells = {p: k for p, c in data.cells.items() if (k := cell(c)) is not None}
                column_deletion = LIVE if droppable(data.deletion) else data.deletion
                if cells or column_deletion is not LIVE:
                    columns[name] = ComplexColumn(MappingProxyType(cells), column_deletion)
        if liveness is None and deletion is LIVE and not columns:
            return None
        return Row(r.clustering, liveness, deletion, MappingProxyType(columns))

    deletion = LIVE if droppable(partition.deletion) else partition.deletion
    static = row(partition.static_row) if partition.static_row is not None else None
    rows = tuple(kept for r in partition.rows if (kept := row(r)) is not None)
    tombstones = tuple(rt for rt in partition.range_tombstones if not droppable(rt.deletion))
    if deletion is LIVE and static is None and not rows and not tombstones:
        return None
    return PartitionUpdate(partition.key, partition.token, deletion, static, rows, tombstones)
