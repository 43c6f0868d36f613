"""One node: its directories, storage, schema catalog and query processor, wired together.

Layout under the node directory (Cassandra's)::

    data/schema.json                 the schema catalog (engine.schema.catalog)
    data/<keyspace>/<table>-<id>/    SSTables and snapshots
    commitlog/                       commitlog segments

Opening a node loads the schema, opens a store for every table, then replays the commitlog, so data
acknowledged before a crash is back before the first query. Schema changes open stores for new tables;
dropping a table or keyspace truncates its store first, which takes Cassandra's automatic snapshot
(``auto_snapshot``/``allow_auto_snapshot``) of the data being dropped.
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import os
import uuid
from pathlib import Path
from typing import IO

from engine.cql3.keys import clustering_comparator
from engine.cql3.query_processor import QueryProcessor
from engine.cql3.statements.base import ExecutionContext
from engine.db.background import ThreadStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig
from engine.db.local_storage import LocalStorage
from engine.schema.catalog import Catalog
from engine.schema.metadata import Schema, TableMetadata
from engine.schema.system_tables import system_keyspaces
from engine.service.storage_proxy import LocalStorageProxy

log = logging.getLogger(__name__)


def _storage_params(table: TableMetadata) -> StorageParams:
    params = table.params
    chunk = int(params.compression.get("chunk_length_in_kb", "16"))
    return StorageParams(
        gc_grace_seconds=params.gc_grace_seconds,
        bloom_filter_fp_chance=params.bloom_filter_fp_chance,
        chunk_length_in_kb=chunk,
        index_interval=params.min_index_interval,
    )


LOCK_FILE = "node.lock"


class DirectoryInUse(Exception):
    """Another process (or another Node in this one) has this node's directory open."""


def _lock_directory(directory: Path) -> IO[str]:
    """Hold an exclusive lock on ``directory`` while the node is open: two processes writing one data
    directory would corrupt it (DESIGN.md §1: "Two processes never open the same data directory")."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = open(directory / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 (held while open)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise DirectoryInUse(
            f"{directory} is in use by another process (a running `cqlkit serve`, or another shell); "
            "stop it or connect to its server"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


class Node:
    def __init__(
        self,
        directory: Path,
        *,
        commitlog_config: CommitLogConfig | None = None,
        name: str = "node1",
        cluster_name: str = "Test Cluster",
    ) -> None:
        self.name = name
        self.directory = directory
        self._lock_handle = _lock_directory(directory)
        data = directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        self._flush_stage = ThreadStage(f"{name}-MemtableFlushWriter")
        self._compaction_stage = ThreadStage(f"{name}-CompactionExecutor")
        kwargs = {} if commitlog_config is None else {"commitlog_config": commitlog_config}
        self.storage = LocalStorage(
            data_directory=data,
            commitlog_directory=directory / "commitlog",
            flush_stage=self._flush_stage,
            compaction_stage=self._compaction_stage,
            **kwargs,
        )
        self.catalog = Catalog(data, system_keyspaces())
        self._dropped: set[uuid.UUID] = set()
        for table in self.catalog.schema.all_tables():
            self._open_table(table)
        self.catalog.listeners.append(self._on_schema_change)
        self.storage.replay_commitlog()
        self.proxy = LocalStorageProxy(self.storage, self._truncate)
        self.context = ExecutionContext(self.catalog, self.proxy)
        self.query_processor = QueryProcessor(self.context, cluster_name)

    def _open_table(self, table: TableMetadata) -> None:
        if table.virtual or self.catalog.is_system_keyspace(table.keyspace):
            return  # system tables are served from memory (engine.schema.system_schema)
        self.storage.add_table(
            table.keyspace, table.name, table.id, clustering_comparator(table), _storage_params(table)
        )

    def _on_schema_change(self, old: Schema, new: Schema) -> None:
        old_ids = {t.id: t for t in old.all_tables()}
        new_ids = {t.id: t for t in new.all_tables()}
        for table_id, table in new_ids.items():
            if table_id not in old_ids:
                self._open_table(table)
        for table_id, table in old_ids.items():
            if table_id not in new_ids and not table.virtual:
                self._drop_data(table)

    def _drop_data(self, table: TableMetadata) -> None:
        store = self.storage.table(table.id)
        now = datetime.datetime.now(datetime.UTC)
        store.truncate("", now=now, auto_snapshot=table.params.allow_auto_snapshot)
        self._dropped.add(table.id)

    def _truncate(self, table_id: uuid.UUID) -> None:
        table = self.catalog.schema.table_by_id(table_id)
        if table is None:
            return
        now = datetime.datetime.now(datetime.UTC)
        self.storage.table(table_id).truncate("", now=now, auto_snapshot=table.params.allow_auto_snapshot)

    def close(self) -> None:
        """Clean shutdown: flush everything (nothing left to replay) and stop the background stages."""
        self.storage.drain()
        self._flush_stage.shutdown()
        self._compaction_stage.shutdown()
        self._lock_handle.close()  # releases the directory lock
