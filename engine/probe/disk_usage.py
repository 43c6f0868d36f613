"""Where a node's disk space goes, per table: cqlkit's ``nodetool diskusage`` (not a Cassandra command).

For each table with a store, four figures in bytes, all measured on disk:

* ``live``: the components of the table's live SSTables (what ``tablestats`` calls Space used (live));
* ``total``: every file directly in the table's directory — the live SSTables, and any component a
  compaction or an aborted write has not deleted yet (Space used (total)'s meaning);
* ``snapshots``: every file under ``snapshots/`` (hard links counted in full: the space the snapshots
  would keep if the live files went away, ``listsnapshots``' Size on disk summed);
* ``backups``: every file under ``backups/`` (incremental backups, counted in full likewise).

System keyspaces, which cqlkit keeps in memory, have no store and no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.db import backups


@dataclass(frozen=True, slots=True)
class TableDiskUsage:
    keyspace: str
    table: str
    live: int
    total: int
    snapshots: int
    backups: int


def _files_size(directory: Path) -> int:
    if not directory.is_dir():
        return 0
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


class DiskUsageProbe:
    """NodeProbe's ``disk_usage`` (mixed into :class:`~engine.probe.node_probe.NodeProbe`)."""

    def disk_usage(
        self, keyspace: str | None = None, table_names: Sequence[str] = ()
    ) -> tuple[TableDiskUsage, ...]:
        """Per table of ``keyspace`` (every keyspace when None; ``table_names`` limit it), by keyspace, table."""
        found = []
        stores: Any = self.stores(keyspace, table_names)  # type: ignore[attr-defined]
        for store in stores:
            directory = Path(store.directory)
            found.append(
                TableDiskUsage(
                    keyspace=store.keyspace,
                    table=store.name,
                    live=store.live_disk_space_used,
                    total=_files_size(directory),
                    snapshots=sum(s.size_on_disk for s in store.list_snapshots()),
                    backups=backups.size(directory),
                )
            )
        return tuple(found)
