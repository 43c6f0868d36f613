"""One node's local storage: its commitlog and the stores of its tables, under the node's directories.

Layout (Cassandra's)::

    <data>/<keyspace>/<table>-<table id hex>/nb-<generation>-big-*.db   SSTables
    <commitlog>/CommitLog-1-<segment id>.log                             commitlog segments

Writing a mutation: append it to the commitlog (durable first), then apply each table's update to that
table's memtable with the commitlog position.

Start-up (``open``): tables are registered by the schema (``add_table``), then ``replay_commitlog`` applies
every mutation left in the commitlog to the memtables, flushes them, and deletes the replayed segments.
Only then are new writes accepted (the commitlog refuses them before). Mutations for tables that no
longer exist are skipped, as Cassandra skips them.

Compaction: after each flush, a background compaction check is submitted to the compaction stage
(when one is given); it runs the strategy's tasks until there are none.

Reads share the node's key cache and chunk cache (``caches``, sized by ``CacheConfig``).

Compaction history is kept in ``<data>/compaction_history.log`` (``engine.db.compaction.history``), so
``nodetool compactionhistory`` survives a restart.

Incremental backups (``incremental_backups``, off by default as in cassandra.yaml, toggled at run time by
``nodetool enablebackup``/``disablebackup``): every SSTable flushed while it is on is hard-linked into its
table's ``backups/`` directory (``engine.db.backups``).

Dropping a table: after the schema drops it (and its data was snapshotted by ``truncate``),
``remove_table`` closes its store and forgets it; the commitlog no longer keeps segments for it.

Large flushes are written by the node's flush worker process (``engine.db.sstable.flush_worker``): one
per ``LocalStorage``, started by the first memtable of at least ``flush_worker_threshold`` bytes, stopped
by ``drain``.

Shutdown (``drain``): flush every table, stop the flush worker, then close the commitlog (which deletes
the segments that hold nothing unflushed), so a clean restart has nothing to replay.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.db.background import Stage
from engine.db.caches import DEFAULT_CACHE_CONFIG, CacheConfig, Caches
from engine.db.column_family_store import DEFAULT_PARAMS, ColumnFamilyStore, StorageParams
from engine.db.commitlog import DEFAULT_CONFIG, CommitLog, CommitLogConfig
from engine.db.compaction.executor import CompactionManager
from engine.db.compaction.history import FILENAME as HISTORY_FILENAME
from engine.db.compaction.history import HistoryFile
from engine.db.mutation import Mutation
from engine.db.rows import ClusteringKey
from engine.db.sstable.flush_worker import FlushWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplayResult:
    mutations: int
    skipped: int  # mutations (or table updates) for tables that are not registered
    segments: int


class LocalStorage:
    def __init__(
        self,
        *,
        data_directory: Path,
        commitlog_directory: Path,
        flush_stage: Stage,
        compaction_stage: Stage | None = None,
        compactions: CompactionManager | None = None,
        commitlog_config: CommitLogConfig = DEFAULT_CONFIG,
        monotonic: Callable[[], float] | None = None,
        cache_config: CacheConfig = DEFAULT_CACHE_CONFIG,
        incremental_backups: bool = False,
        flush_worker: FlushWorker | None = None,
    ) -> None:
        self.data_directory = data_directory
        self.flush_stage = flush_stage
        # Compactions run on their own stage after flushes; without one, they run only when asked.
        self.compaction_stage = compaction_stage
        self._monotonic = monotonic
        data_directory.mkdir(parents=True, exist_ok=True)
        if compactions is None:
            now_ms = int(time.time() * 1000)
            history = HistoryFile(data_directory / HISTORY_FILENAME, now_ms=now_ms)
            compactions = CompactionManager(history_file=history)
        self.compactions = compactions
        self._incremental_backups = incremental_backups
        if monotonic is None:
            self.commitlog = CommitLog(commitlog_directory, commitlog_config)
        else:
            self.commitlog = CommitLog(commitlog_directory, commitlog_config, clock=monotonic)
        self._tables: dict[uuid.UUID, ColumnFamilyStore] = {}
        # One key cache and one chunk cache for every table of the node, as in Cassandra.
        self.caches = Caches(cache_config)
        # One flush worker process for every table of the node, started by its first large flush.
        self.flush_worker = flush_worker if flush_worker is not None else FlushWorker()
        self._lock = threading.Lock()

    # ---------------------------------------------------------------------------------- tables

    def table_directory(self, keyspace: str, table: str, table_id: uuid.UUID) -> Path:
        return self.data_directory / keyspace / f"{table}-{table_id.hex}"

    def add_table(
        self,
        keyspace: str,
        table: str,
        table_id: uuid.UUID,
        clustering_key: ClusteringKey,
        params: StorageParams = DEFAULT_PARAMS,
    ) -> ColumnFamilyStore:
        """Open (or create) the store of one table."""
        with self._lock:
            existing = self._tables.get(table_id)
            if existing is not None:
                return existing
            store = ColumnFamilyStore(
                keyspace=keyspace,
                name=table,
                table_id=table_id,
                directory=self.table_directory(keyspace, table, table_id),
                clustering_key=clustering_key,
                flush_stage=self.flush_stage,
                params=params,
                commitlog=self.commitlog,
                monotonic=self._monotonic or (lambda: 0.0),
                caches=self.caches,
                flush_worker=self.flush_worker,
            )
            store.incremental_backups = self._incremental_backups
            if self.compaction_stage is not None:
                store.flush_listeners.append(self._schedule_compaction)
            self._tables[table_id] = store
            return store

    def remove_table(self, table_id: uuid.UUID) -> None:
        """Close and forget the store of a dropped table (its data is already truncated or snapshotted by
        the caller): nothing is written to it any more, and the commitlog stops keeping segments for it.
        Unknown ids are ignored (a table dropped twice, or never opened)."""
        with self._lock:
            store = self._tables.pop(table_id, None)
        if store is None:
            return
        store.autocompaction_enabled = False  # a compaction check already queued finds nothing to do
        # Everything logged for the table so far is obsolete: its segments may be recycled.
        self.commitlog.discard_completed_segments(table_id, self.commitlog.current_position())
        store.close()

    @property
    def incremental_backups(self) -> bool:
        """``nodetool statusbackup``: whether flushed SSTables are linked into ``backups/``."""
        return self._incremental_backups

    @incremental_backups.setter
    def incremental_backups(self, enabled: bool) -> None:
        """``nodetool enablebackup``/``disablebackup``: applies to every flush from now on."""
        with self._lock:
            self._incremental_backups = enabled
            for store in self._tables.values():
                store.incremental_backups = enabled

    def _schedule_compaction(self, store: ColumnFamilyStore) -> None:
        stage = self.compaction_stage
        if stage is None:
            return

        def compact_until_done() -> None:
            while self.compactions.run_background(store) is not None:
                pass

        stage.submit(compact_until_done)

    def table(self, table_id: uuid.UUID) -> ColumnFamilyStore:
        return self._tables[table_id]

    @property
    def tables(self) -> tuple[ColumnFamilyStore, ...]:
        return tuple(self._tables.values())

    # ---------------------------------------------------------------------------------- writes

    def apply(self, mutation: Mutation) -> None:
        """Log ``mutation`` to the commitlog, then apply it to the memtables of its tables."""
        if len(mutation.updates) == 1:  # the common case, without the lists of the general one
            table_id, update = mutation.updates[0]
            store = self._tables.get(table_id)
            if store is None:
                raise KeyError(f"no table with id {table_id} in keyspace {mutation.keyspace}")
            body, partitions = mutation.encode()
            store.wait_for_flush_capacity()
            memtable = store.begin_write()
            try:
                position = self.commitlog.append(mutation, body)
            except BaseException:
                memtable.release()
                raise
            store.apply_reserved(memtable, update, position, None, *partitions[0])
            return
        stores = []
        for table_id, update in mutation.updates:
            store = self._tables.get(table_id)
            if store is None:
                raise KeyError(f"no table with id {table_id} in keyspace {mutation.keyspace}")
            stores.append((store, update))
        # Serialized once: the commitlog logs the body, the memtables keep each table's partition bytes.
        body, partitions = mutation.encode()
        for store, _update in stores:
            store.wait_for_flush_capacity()  # before any reservation: see ColumnFamilyStore
        # Reserve the memtables first, so that no flush can write them out between the commitlog append
        # and the memtable apply (the write would then be in the log but in no flushed memtable).
        reserved = [(store, store.begin_write(), update) for store, update in stores]
        applied = 0
        try:
            position = self.commitlog.append(mutation, body)
            for (store, memtable, update), partition in zip(reserved, partitions, strict=True):
                applied += 1
                store.apply_reserved(memtable, update, position, None, *partition)
        finally:
            for _store, memtable, _update in reserved[applied:]:
                memtable.release()

    # ---------------------------------------------------------------------------- lifecycle

    def replay_commitlog(self) -> ReplayResult:
        """Apply the commitlog left by the previous run, flush it, and delete the replayed segments."""
        segments = len(self.commitlog.segments_to_replay)
        mutations = skipped = 0
        for position, mutation in self.commitlog.replay():
            mutations += 1
            for table_id, update in mutation.updates:
                store = self._tables.get(table_id)
                if store is None:
                    skipped += 1
                    continue
                # No flush backpressure during replay: the flushes it queues may only run after it.
                store.apply_reserved(store.begin_write(), update, position)
        if skipped:
            log.warning("commitlog replay skipped %d updates for tables that no longer exist", skipped)
        self.flush_all()
        self.commitlog.recycle_after_replay()
        return ReplayResult(mutations, skipped, segments)

    def flush_all(self) -> None:
        """Flush every table now, including memtables queued for a background flush (start-up replay,
        drain): afterwards nothing written lives only in the commitlog."""
        for store in self.tables:
            store.flush_all_now()

    def drain(self) -> None:
        """Flush everything, close the commitlog and stop the flush worker: a clean shutdown leaves
        nothing to replay."""
        self.flush_all()
        self.flush_worker.close()
        self.commitlog.close()
        for store in self.tables:
            store.close()
