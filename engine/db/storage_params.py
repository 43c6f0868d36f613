"""The options of one table that its storage acts on (``StorageParams``).

The schema maps a table's CQL options (``gc_grace_seconds``, ``bloom_filter_fp_chance``,
``compression = {'chunk_length_in_kb': ...}``, ...) to these; the node's settings supply the rest
(memtable flush threshold, how many flushes may queue before writes wait, whether SSTables are fsynced,
from what size a flush goes to the flush worker process).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StorageParams:
    """The table options the storage engine acts on (the schema maps CQL table options to these)."""

    gc_grace_seconds: int = 864000
    bloom_filter_fp_chance: float = 0.01
    chunk_length_in_kb: int = 16
    index_interval: int = 128
    memtable_flush_threshold: int = 32 * 1024 * 1024
    # Writes wait while this many memtables are queued for flushing (None: never), so memory stays
    # bounded when flushes fall behind (Cassandra blocks writes on memtable space the same way).
    max_pending_flushes: int | None = 2
    sync_sstables: bool = True
    # Memtables of at least this many bytes are written by the node's flush worker process, on another
    # core than the writes (None: always in the flushing thread); smaller flushes are not worth the
    # pipe (``engine.db.sstable.flush_worker``, decision 35).
    flush_worker_threshold: int | None = 8 * 1024 * 1024
    # The table option: whether this table takes part in the node's incremental backups.
    incremental_backups: bool = True


DEFAULT_PARAMS = StorageParams()
