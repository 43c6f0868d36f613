"""One table's storage on one node (Cassandra's ColumnFamilyStore): its memtables and SSTables.

State is an immutable ``TableView`` — the current memtable, memtables being flushed, the live SSTables,
the generations being compacted — swapped under a lock by writers (flush, compaction, truncate).
Readers take the current view and never block on flushes or compactions.

Write: the caller (the node's storage, after logging to the commitlog) calls ``apply``; when the
memtable passes ``memtable_flush_threshold`` bytes, a flush is submitted to the flush stage.

Flush: ``switch_memtable`` moves the current memtable to ``flushing`` and installs a new one; the flush
task writes its partitions to a new SSTable, installs the SSTable and drops the memtable in one swap,
then tells the commitlog that this table's data up to the memtable's last position is durable. A memtable
of at least ``flush_worker_threshold`` bytes is written by the node's flush worker process
(``engine.db.sstable.flush_worker``) and opened here; if the worker fails, it is written in-thread.

Read: ``get`` merges the partition's versions from every memtable and every SSTable whose key range and
bloom filter admit it; ``read_partition`` does the same for the rows within clustering slices (in
forward or reverse order), skipping SSTables by their clustering bounds and by timestamp; ``scan`` merges
all sources in (token, key) order, from an inclusive or exclusive start (paging).

Operators' tools: ``snapshot`` (hard links), incremental backups (each flushed SSTable linked into
``backups/`` while ``incremental_backups`` is on: ``engine.db.backups``), ``import_sstables``/``refresh``
(``engine.db.sstable_import``), ``autocompaction_enabled`` (``nodetool disableautocompaction``), and the
counters ``engine.db.table_stats`` turns into ``nodetool tablestats``.

The store's options are a ``StorageParams`` (``engine.db.storage_params``), its state a ``TableView``
(``engine.db.table_view``), its counters a ``TableMetrics`` (``engine.db.metrics``); what a slice read
returns is shaped by ``engine.db.slice_reads``.
"""

from __future__ import annotations

import heapq
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from engine.db import backups, snapshots, sstable_import
from engine.db.background import Stage
from engine.db.caches import Caches
from engine.db.compaction import CompactionParams, StrategyProgress
from engine.db.memtable import Memtable
from engine.db.metrics import TableMetrics
from engine.db.rows import (
    LIVE,
    NO_TIMESTAMP,
    ClusteringKey,
    PartitionUpdate,
    merge_partitions,
)
from engine.db.slice_reads import slice_counts, sliced, trimmed
from engine.db.slices import Slices
from engine.db.sstable import SSTableDirectory, SSTableReader, SSTableWriter
from engine.db.sstable.bloom import FilterKey, key_probe
from engine.db.sstable.flush_worker import FlushRequest, FlushWorker, FlushWorkerError, sendable
from engine.db.sstable_import import DEFAULT_IMPORT, ImportOptions, ImportResult
from engine.db.storage_params import DEFAULT_PARAMS, StorageParams
from engine.db.table_view import TableView

TokenKey = tuple[int, bytes]
# Moved to their own modules; still importable from here.
__all__ = [
    "DEFAULT_PARAMS",
    "ColumnFamilyStore",
    "FlushListener",
    "StorageParams",
    "TableMetrics",
    "TableView",
    "TokenKey",
]
perf_counter_ns = time.perf_counter_ns
log = logging.getLogger(__name__)


#: tries at a snapshot that compactions keep racing (each retry is after a swap: rare, and bounded)
SNAPSHOT_ATTEMPTS = 5


class FlushListener(Protocol):
    """The commitlog, as a table sees it: where the log ends now, and what a flush made durable."""

    def current_position(self) -> Any: ...

    def discard_completed_segments(self, table_id: uuid.UUID, flushed_upto: Any) -> None: ...


class ColumnFamilyStore:
    def __init__(
        self,
        *,
        keyspace: str,
        name: str,
        table_id: uuid.UUID,
        directory: Path,
        clustering_key: ClusteringKey,
        flush_stage: Stage,
        params: StorageParams = DEFAULT_PARAMS,
        commitlog: FlushListener | None = None,
        monotonic: Callable[[], float] = lambda: 0.0,
        caches: Caches | None = None,
        flush_worker: FlushWorker | None = None,
    ) -> None:
        self.keyspace = keyspace
        self.name = name
        self.table_id = table_id
        self.directory = directory
        self.clustering_key = clustering_key
        self.params = params
        self._flush_stage = flush_stage
        self._commitlog = commitlog
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._flushes_done = threading.Condition(threading.Lock())
        self.metrics = TableMetrics()
        # The node's key and chunk caches (a store of its own when none is given: tests, tools).
        self.caches = caches if caches is not None else Caches()
        # The node's flush worker process, which writes large memtables (None: every flush in-thread).
        self.flush_worker = flush_worker
        # Only a sort key that pickles can go to the worker: other tables flush in-thread.
        self._key_sendable = sendable(clustering_key)
        directory.mkdir(parents=True, exist_ok=True)
        self.sstable_directory = SSTableDirectory(directory)
        self.sstable_directory.cleanup_incomplete()
        readers = tuple(SSTableReader.open(d, caches=self.caches) for d in self.sstable_directory.list())
        self._view = TableView(self._new_memtable(), (), readers)
        self.compaction_params = CompactionParams.default()
        # Called after each flush (the node submits a background compaction check).
        self.flush_listeners: list[Callable[[ColumnFamilyStore], None]] = []
        self._truncations: list[Memtable] = []
        # The strategies' bookkeeping between rounds (LCS round-robin keys, TWCS windows), by repaired flag.
        self.compaction_progress: Mapping[bool, StrategyProgress] = MappingProxyType({})
        # nodetool disable/enableautocompaction: background compactions only (compact, cleanup, ... run).
        self.autocompaction_enabled = True
        # The node's incremental_backups setting (nodetool enable/disablebackup); the table's own option
        # is ``params.incremental_backups``: flushed SSTables are linked into backups/ when both are on.
        self.incremental_backups = False

    # ------------------------------------------------------------------------------------- state

    @property
    def view(self) -> TableView:
        return self._view

    def _swap(self, change: Callable[[TableView], TableView]) -> TableView:
        with self._lock:
            self._view = change(self._view)
            return self._view

    # ------------------------------------------------------------------------------------- writes

    def _new_memtable(self) -> Memtable:
        lower_bound = self._commitlog.current_position() if self._commitlog is not None else None
        return Memtable(self.clustering_key, created_at=self._monotonic(), lower_bound=lower_bound)

    def wait_for_flush_capacity(self) -> None:
        """Block while ``max_pending_flushes`` memtables are queued for flushing.

        Call it before reserving any memtable (``begin_write``): a writer holding a reservation must never
        wait for a flush, since that flush may be waiting for its reservation.
        """
        limit = self.params.max_pending_flushes
        if limit is not None and len(self._view.flushing) >= limit:  # rare: the check is all a write pays
            with self._flushes_done:
                while len(self._view.flushing) >= limit:
                    self._flushes_done.wait()

    def begin_write(self) -> Memtable:
        """Reserve the current memtable for a write that is about to be logged (see ``apply_reserved``)."""
        while True:
            memtable = self._view.memtable
            if memtable.reserve():
                return memtable

    def apply(self, update: PartitionUpdate, position: object = None, size: int | None = None) -> None:
        """Apply one partition update that is not logged to a commitlog (or already logged at ``position``;
        ``size`` is its serialized size when the caller knows it)."""
        self.wait_for_flush_capacity()
        self.apply_reserved(self.begin_write(), update, position, size)

    def apply_reserved(
        self,
        memtable: Memtable,
        update: PartitionUpdate,
        position: object = None,
        size: int | None = None,
        serialized: bytes | None = None,
        row_bounds: tuple[int, ...] | None = None,
    ) -> None:
        """Apply ``update`` to the memtable reserved by ``begin_write`` (and release it); ``serialized`` is
        its partition bytes and ``row_bounds`` where its rows are in them, when the caller has them."""
        started = time.perf_counter_ns()
        try:
            memtable.apply(update, position, size, serialized, row_bounds)
        finally:
            memtable.release()
        elapsed_us = (time.perf_counter_ns() - started) // 1000
        metrics = self.metrics
        metrics.write_count += 1
        metrics.write_latency_total_us += elapsed_us
        metrics.write_latency.record(elapsed_us)
        if memtable.live_data_size >= self.params.memtable_flush_threshold:
            self.flush_if_current(memtable)

    def flush_if_current(self, memtable: Memtable) -> Future[SSTableReader | None] | None:
        """Flush ``memtable`` unless another writer already switched it out."""
        with self._lock:  # re-entrant: the check and the switch happen as one step
            if self._view.memtable is not memtable:
                return None
            old = self.switch_memtable()
        return self._flush_stage.submit(lambda: self._write_memtable(old))

    def switch_memtable(self) -> Memtable:
        """Install a fresh memtable; the old one stops taking writes, moves to ``flushing`` and is returned."""
        with self._lock:
            fresh = self._new_memtable()
            old = self._view.memtable
            self._view = replace(self._view, memtable=fresh, flushing=(*self._view.flushing, old))
            self.metrics.memtable_switch_count += 1
        old.freeze()
        return old

    def flush(self) -> Future[SSTableReader | None]:
        """Switch the memtable and submit its flush; the future gives the new SSTable (None if empty)."""
        memtable = self.switch_memtable()
        return self._flush_stage.submit(lambda: self._write_memtable(memtable))

    def flush_now(self) -> SSTableReader | None:
        """Switch the memtable and write it on the calling thread (drain, start-up replay, snapshots)."""
        return self._write_memtable(self.switch_memtable())

    def flush_all_now(self) -> None:
        """Flush the current memtable and every memtable still waiting to be flushed, on this thread
        (or wait for the thread already writing one): afterwards everything written is in SSTables."""
        self.flush_now()
        for memtable in self._view.flushing:
            self._write_memtable(memtable)

    def _write_memtable(self, memtable: Memtable) -> SSTableReader | None:
        if not memtable.claim_flush():
            memtable.flushed.wait()  # written (or being written) by another caller
            return None
        try:
            return self._write_claimed(memtable)
        finally:
            memtable.flushed.set()

    def _write_claimed(self, memtable: Memtable) -> SSTableReader | None:
        memtable.wait_for_writes()
        reader: SSTableReader | None = None
        if not memtable.is_empty:
            params = self.params
            reader = self._written_by_worker(memtable)
            if reader is None:
                writer = SSTableWriter(
                    self.sstable_directory.new_descriptor(),
                    len(memtable),
                    chunk_length_in_kb=params.chunk_length_in_kb,
                    index_interval=params.index_interval,
                    bloom_filter_fp_chance=params.bloom_filter_fp_chance,
                    clustering_key=self.clustering_key,
                    sync=params.sync_sstables,
                    caches=self.caches,
                )
                with writer:
                    writer.append_all(memtable.flush_items())
                    reader = writer.finish()
            if self.incremental_backups and params.incremental_backups:
                # Before the SSTable is visible, so no compaction can have deleted it yet.
                backups.link(self.directory, reader.component_paths(), sync=params.sync_sstables)
            self.metrics.flush_count += 1
            self.metrics.bytes_flushed += reader.on_disk_size
        added = () if reader is None else (reader,)
        if self._truncated_during(memtable):
            added = ()  # a TRUNCATE that came after this memtable was switched out discards it
            if reader is not None:
                self.sstable_directory.delete(reader.descriptor, sync=self.params.sync_sstables)
        self._swap(
            lambda view: replace(
                view,
                flushing=tuple(m for m in view.flushing if m is not memtable),
                sstables=(*view.sstables, *added),
            )
        )
        self._discard_commitlog(memtable)
        with self._flushes_done:
            self._flushes_done.notify_all()
        for listener in self.flush_listeners:
            listener(self)
        return reader if added else None

    def _written_by_worker(self, memtable: Memtable) -> SSTableReader | None:
        """Have the flush worker process write ``memtable`` when it is large enough (its CPU work then runs
        on another core than the writes); None when it did not, and the caller writes it in-thread."""
        worker, params = self.flush_worker, self.params
        threshold = params.flush_worker_threshold
        if worker is None or worker.closed or not self._key_sendable:
            return None
        if threshold is None or memtable.live_data_size < threshold:
            return None
        descriptor = self.sstable_directory.new_descriptor()
        request = FlushRequest(
            descriptor,
            params.chunk_length_in_kb,
            params.index_interval,
            params.bloom_filter_fp_chance,
            self.clustering_key,
            params.sync_sstables,
        )
        try:
            worker.write(request, *memtable.flush_parts())
        except FlushWorkerError as e:
            log.warning(
                "flush of %s.%s by the flush worker failed, writing it here: %s", self.keyspace, self.name, e
            )
            return None
        return SSTableReader.open(descriptor, caches=self.caches)

    def mark_compacting(self, generations: tuple[int, ...]) -> list[SSTableReader] | None:
        """Reserve these SSTables for a compaction; None if any is gone or already reserved."""
        wanted = set(generations)
        with self._lock:
            view = self._view
            readers = [r for r in view.sstables if r.descriptor.generation in wanted]
            if len(readers) != len(wanted) or wanted & view.compacting:
                return None
            self._view = replace(view, compacting=view.compacting | wanted)
        return readers

    def unmark_compacting(self, generations: tuple[int, ...]) -> None:
        self._swap(lambda view: replace(view, compacting=view.compacting - set(generations)))

    def replace_sstables(self, removed: tuple[SSTableReader, ...], added: tuple[SSTableReader, ...]) -> None:
        """Swap compacted SSTables for their replacement in one step (readers see one or the other)."""
        gone = {id(r) for r in removed}

        def change(view: TableView) -> TableView:
            kept = tuple(r for r in view.sstables if id(r) not in gone)
            done = {r.descriptor.generation for r in removed}
            return replace(view, sstables=(*kept, *added), compacting=view.compacting - done)

        self._swap(change)

    def add_sstables(self, added: tuple[SSTableReader, ...]) -> None:
        """Make SSTables written elsewhere (import, refresh) live in one step."""
        self._swap(lambda view: replace(view, sstables=(*view.sstables, *added)))

    # -------------------------------------------------------------------------------------- reads

    def get(self, key: bytes, token: int) -> PartitionUpdate | None:
        """Every version of one partition, merged (deletions applied, expired data still present)."""
        started = perf_counter_ns()
        view = self._view
        versions = [v for m in view.all_memtables if (v := m.get(key, token)) is not None]
        # SSTableReader.get, with its key range and bloom filter tests inlined: a read asks every SSTable,
        # and most say no here (the key's hash is computed once for all of them).
        probes = view.probes
        if probes:
            word, mask = key_probe(key, view.probe_hashes)
            for first, last, words, word_count, sstable in probes:
                if first <= token <= last:
                    if words[word % word_count] & mask == mask:
                        version = sstable.read_admitted(key, token)
                        if version is not None:
                            versions.append(version)
                    else:
                        sstable.negatives += 1
        else:
            fkey = FilterKey(key)
            for sstable in view.sstables:
                version = sstable.get(key, token, fkey)
                if version is not None:
                    versions.append(version)
        touched = len(versions)
        if touched == 1:
            merged: PartitionUpdate | None = versions[0]
            if merged.deletion is not LIVE or merged.range_tombstones:  # type: ignore[union-attr]
                merged = merge_partitions(versions, self.clustering_key)
        else:
            merged = merge_partitions(versions, self.clustering_key) if versions else None
        # _record_read, inlined (every point read pays it).
        elapsed_us = (perf_counter_ns() - started) // 1000
        metrics = self.metrics
        metrics.read_count += 1
        metrics.read_latency_total_us += elapsed_us
        metrics.read_latency.record(elapsed_us)
        metrics.sstables_per_read_total += touched
        metrics.sstables_per_read.record(touched)
        return merged

    def read_partition(
        self, key: bytes, token: int, slices: Slices | None = None, reversed: bool = False
    ) -> PartitionUpdate | None:
        """One partition restricted to ``slices`` of its clusterings (None: every row), merged across the
        memtables and SSTables; None when nothing of the partition is selected.

        Rows come in clustering order, or the reverse when ``reversed``. The partition deletion, the
        static row and the range tombstones that reach into the slices are kept, and every deletion shadows
        what it covers whichever source it comes from. Unlike ``get``, what a deletion left empty is
        dropped: rows with no marker, cell or deletion of their own, and row deletions that the partition
        deletion supersedes (the rows keep no copy of it).

        Sources are the memtables, then the SSTables newest first (by max timestamp). Once a partition
        deletion newer than an SSTable's newest data is known, that SSTable and all older ones are skipped:
        everything in them is shadowed (Cassandra's "collect newest first"). An SSTable whose clustering
        bounds miss every slice is skipped when it holds no partition-level data (range tombstone, static
        row, partition deletion) and otherwise read for the partition's header only (Cassandra's
        ``shouldInclude`` and its tombstone check).
        """
        started = time.perf_counter_ns()
        view = self._view
        clustering_key = self.clustering_key
        if slices is not None:
            slices = slices.normalized(clustering_key)
            if slices.is_all:
                slices = None
        versions: list[PartitionUpdate] = []
        newest_deletion = NO_TIMESTAMP
        for memtable in view.all_memtables:
            version = memtable.get(key, token, slices)
            if version is not None:
                versions.append(version)
                newest_deletion = max(newest_deletion, version.deletion.marked_for_delete_at)
        fkey = FilterKey(key)
        for sstable in view.newest_first:
            stats = sstable.statistics
            if stats.max_timestamp < newest_deletion:
                break  # this one and every later one hold only data the deletion shadows
            rows = True
            if slices is not None and (
                stats.min_clustering is None
                or stats.max_clustering is None
                or not slices.intersects(stats.min_clustering, stats.max_clustering, clustering_key)
            ):
                if not (
                    stats.range_tombstone_count or stats.static_row_count or stats.partition_deletion_count
                ):
                    continue
                rows = False
            version = sstable.get(key, token, fkey, rows=rows)
            if version is not None:
                versions.append(version)
                newest_deletion = max(newest_deletion, version.deletion.marked_for_delete_at)
        result = None
        if versions:
            if slices is not None:
                versions = [sliced(v, slices, clustering_key) for v in versions]
            result = trimmed(merge_partitions(versions, clustering_key), slices, clustering_key, reversed)
        self._record_read(started, len(versions))
        self._record_slice(result)
        return result

    def _record_slice(self, result: PartitionUpdate | None) -> None:
        """Count the tombstones and live cells a slice read returned (nodetool tablestats' "per slice")."""
        tombstones, live = slice_counts(result)
        metrics = self.metrics
        metrics.slice_reads += 1
        metrics.tombstones_read += tombstones
        metrics.live_cells_read += live
        if tombstones > metrics.max_tombstones_per_slice:
            metrics.max_tombstones_per_slice = tombstones
        if live > metrics.max_live_cells_per_slice:
            metrics.max_live_cells_per_slice = live

    def _record_read(self, started: int, touched: int) -> None:
        """Count a partition read; ``touched``: the memtables and SSTables that held the partition."""
        elapsed_us = (time.perf_counter_ns() - started) // 1000
        metrics = self.metrics
        metrics.read_count += 1
        metrics.read_latency_total_us += elapsed_us
        metrics.read_latency.record(elapsed_us)
        metrics.sstables_per_read_total += touched
        metrics.sstables_per_read.record(touched)

    def scan(
        self,
        start: TokenKey | None = None,
        end: TokenKey | None = None,
        *,
        start_inclusive: bool = True,
        end_inclusive: bool = False,
        slices: Slices | None = None,
    ) -> Iterator[PartitionUpdate]:
        """Partitions from ``start`` to ``end`` (``(token, key)`` positions; None: unbounded), merged across
        all sources, in order. By default ``start <= (token, key) < end``; a page that resumes after the
        last partition it returned passes that partition as ``start`` with ``start_inclusive=False``.

        With ``slices``, each partition keeps only the rows they select (as ``read_partition`` filters them,
        but without dropping partitions or emptied rows: a range read decides what to show).
        """
        view = self._view
        self.metrics.range_read_count += 1
        sources: list[Iterator[PartitionUpdate]] = [
            m.partition_range(start, end, start_inclusive=start_inclusive, end_inclusive=end_inclusive)
            for m in view.memtables
        ]
        for sstable in view.sstables:
            sources.append(
                sstable.scan(start, end, start_inclusive=start_inclusive, end_inclusive=end_inclusive)
            )
        clustering_key = self.clustering_key
        if slices is not None:
            slices = slices.normalized(clustering_key)
            if slices.is_all:
                slices = None
        merged = heapq.merge(*sources, key=lambda p: (p.token, p.key))
        group: list[PartitionUpdate] = []
        for partition in merged:
            if group and (group[0].token, group[0].key) != (partition.token, partition.key):
                yield self._scanned(group, slices)
                group = []
            group.append(partition)
        if group:
            yield self._scanned(group, slices)

    def _scanned(self, group: list[PartitionUpdate], slices: Slices | None) -> PartitionUpdate:
        merged = merge_partitions(group, self.clustering_key)
        return merged if slices is None else sliced(merged, slices, self.clustering_key)

    def _discard_commitlog(self, memtable: Memtable) -> None:
        """Tell the commitlog what of this table no longer needs it, after ``memtable`` left the view.

        Every write is logged after the lower bound of the memtable it lands in (its commitlog position when
        it became current), so whatever is logged before the oldest lower bound among the memtables still
        in the view (the current one and those waiting to flush) belongs to flushed memtables — whatever
        order the flushes finished in.
        """
        if self._commitlog is None:
            return
        bounds = [
            m.lower_bound for m in self._view.memtables if m is not memtable and m.lower_bound is not None
        ]
        if bounds:
            self._commitlog.discard_completed_segments(self.table_id, min(bounds))

    def _truncated_during(self, memtable: Memtable) -> bool:
        with self._lock:
            if memtable in self._truncations:
                self._truncations.remove(memtable)
                return True
            return False

    def truncate(self, schema_cql: str, *, now: datetime, auto_snapshot: bool = True) -> Path | None:
        """Discard every row of the table (TRUNCATE). With ``auto_snapshot`` (Cassandra's default), the
        data is first flushed and snapshotted as ``truncated-<epoch ms>-<table>``; returns that directory."""
        snapshot = None
        if auto_snapshot:
            tag = f"truncated-{int(now.timestamp() * 1000)}-{self.name}"
            snapshot = self.snapshot(tag, schema_cql, now=now)
        old = self.switch_memtable()
        with self._lock:
            view = self._view
            self._truncations.extend(m for m in view.flushing if m is not old)
            dropped = view.sstables
            self._view = replace(view, sstables=(), compacting=frozenset())
        for reader in dropped:
            self.sstable_directory.delete(reader.descriptor, sync=self.params.sync_sstables)
        old.wait_for_writes()
        with self._lock:
            self._view = replace(self._view, flushing=tuple(m for m in self._view.flushing if m is not old))
        self._discard_commitlog(old)
        with self._flushes_done:
            self._flushes_done.notify_all()
        return snapshot

    # --------------------------------------------------------------------------------- snapshots

    def snapshot(
        self,
        tag: str,
        schema_cql: str,
        *,
        now: datetime,
        skip_flush: bool = False,
        ttl: timedelta | None = None,
        ephemeral: bool = False,
    ) -> Path:
        """Flush (unless ``skip_flush``) and hard-link the live SSTables into ``snapshots/<tag>/``."""
        snapshots.validate_tag(tag)
        if not skip_flush:
            self.flush_now()
        for attempt in range(SNAPSHOT_ATTEMPTS):
            files = [path for reader in self._view.sstables for path in reader.component_paths()]
            try:
                return snapshots.take(
                    self.directory, tag, files, schema_cql, now=now, ttl=ttl, ephemeral=ephemeral
                )
            except FileNotFoundError:
                # A compaction swapped SSTables and unlinked the inputs between reading the view and
                # linking their files (compactions unlink at once, decision 12). Its outputs hold the same
                # data: drop the partial snapshot and take it again from the new view.
                shutil.rmtree(self.directory / snapshots.SNAPSHOTS / tag, ignore_errors=True)
                if attempt == SNAPSHOT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def list_snapshots(self) -> list[snapshots.SnapshotDetails]:
        return snapshots.list_snapshots(self.directory, self.keyspace, self.name)

    def clear_snapshot(self, tag: str | None = None, *, older_than: datetime | None = None) -> list[str]:
        return snapshots.clear(self.directory, tag, older_than=older_than)

    # ------------------------------------------------------------------------------- import, refresh

    def import_sstables(
        self, directories: list[Path] | None = None, options: ImportOptions = DEFAULT_IMPORT
    ) -> ImportResult:
        """``nodetool import``: load the SSTables of ``directories`` (the table directory when None:
        ``nodetool refresh``) under new generations; see ``engine.db.sstable_import``."""
        return sstable_import.import_sstables(self, directories, options)

    def refresh(self) -> ImportResult:
        """``nodetool refresh``: load the SSTables copied into the table directory."""
        return sstable_import.import_sstables(self, None, DEFAULT_IMPORT)

    # ----------------------------------------------------------------------------------- metrics

    @property
    def live_sstable_count(self) -> int:
        return len(self._view.sstables)

    @property
    def live_disk_space_used(self) -> int:
        return sum(r.on_disk_size for r in self._view.sstables)

    @property
    def memtable_data_size(self) -> int:
        return sum(m.live_data_size for m in self._view.memtables)

    def close(self) -> None:
        for reader in self._view.sstables:
            reader.close()
