"""Incremental backups: every SSTable a flush writes is hard-linked into ``<table dir>/backups/``.

Cassandra's ``incremental_backups`` (cassandra.yaml, toggled at run time by ``nodetool enablebackup`` /
``disablebackup``, shown by ``statusbackup``): with a snapshot as the base, the backups directory then
holds every SSTable flushed since, so copying both back and running ``nodetool import``/``refresh``
restores the table. Only flushes are linked (as in Cassandra): compaction rewrites data that is already
in a snapshot or a backup. The links cost no space until compaction deletes the live files; the operator
owns the directory (cqlkit never deletes from it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from engine.db.sstable.files import fsync_directory

BACKUPS = "backups"


def link(table_directory: Path, files: Iterable[Path], *, sync: bool = True) -> Path:
    """Hard-link ``files`` (one SSTable's components) into the table's backups directory."""
    target = table_directory / BACKUPS
    target.mkdir(exist_ok=True)
    for path in files:
        destination = target / path.name
        if destination.exists() and destination.samefile(path):
            continue
        os.link(path, destination)
    if sync:
        fsync_directory(target)
    return target


def size(table_directory: Path) -> int:
    """Bytes in the table's backups directory (every file, shared with live SSTables or not)."""
    target = table_directory / BACKUPS
    if not target.is_dir():
        return 0
    return sum(path.stat().st_size for path in target.iterdir() if path.is_file())
