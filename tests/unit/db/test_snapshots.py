"""Snapshots: hard links of a table's SSTables, manifest and schema, sizes, clearing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType as Frozen

import pytest

from engine.db.background import ManualStage
from engine.db.column_family_store import ColumnFamilyStore, StorageParams
from engine.db.rows import LIVE, Cell, LivenessInfo, PartitionUpdate, Row
from engine.db.snapshots import SnapshotError

NOW = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
SCHEMA = "CREATE TABLE ks.t (k blob PRIMARY KEY, v blob);"


def make_store(tmp_path: Path) -> ColumnFamilyStore:
    return ColumnFamilyStore(
        keyspace="ks",
        name="t",
        table_id=uuid.UUID(int=3),
        directory=tmp_path / "t-3",
        clustering_key=lambda c: c,
        flush_stage=ManualStage("flush"),
        params=StorageParams(sync_sstables=False),
    )


def write(cfs: ColumnFamilyStore, key: int) -> None:
    row = Row((), LivenessInfo(1), LIVE, Frozen({"v": Cell(b"x" * 100, 1)}))
    cfs.apply(PartitionUpdate(key.to_bytes(4, "big"), key, rows=(row,)))


def test_snapshot_flushes_links_and_describes(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    for key in range(10):
        write(cfs, key)
    directory = cfs.snapshot("backup1", SCHEMA, now=NOW)
    assert cfs.live_sstable_count == 1  # the memtable was flushed first
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["created_at"] == "2026-11-22T03:00:00.000Z" and manifest["expires_at"] is None
    assert "nb-1-big-Data.db" in manifest["files"] and "nb-1-big-TOC.txt" in manifest["files"]
    assert (directory / "schema.cql").read_text() == SCHEMA + "\n"
    live = cfs.view.sstables[0].descriptor.filename
    data = directory / "nb-1-big-Data.db"
    assert data.stat().st_ino == cfs.directory.joinpath(data.name).stat().st_ino  # a hard link, not a copy
    (details,) = cfs.list_snapshots()
    own = (directory / "manifest.json").stat().st_size + (directory / "schema.cql").stat().st_size
    assert details.tag == "backup1" and details.size_on_disk > own
    assert details.true_size == own  # the SSTable files are still shared with the live table
    assert live is not None


def test_true_size_grows_when_live_files_go_and_clear_removes(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    write(cfs, 1)
    cfs.snapshot("a", SCHEMA, now=NOW)
    cfs.snapshot("b", SCHEMA, now=NOW + timedelta(days=2), skip_flush=True, ttl=timedelta(hours=1))
    for path in cfs.view.sstables[0].component_paths():
        path.unlink()  # as if compaction had replaced the SSTable: only the two snapshots link the files
    a, b = cfs.list_snapshots()
    own_a = (a.directory / "manifest.json").stat().st_size + (a.directory / "schema.cql").stat().st_size
    assert a.true_size == own_a  # the SSTable files are still shared between the two snapshots
    assert cfs.clear_snapshot(older_than=NOW + timedelta(days=1)) == ["a"]
    (b,) = cfs.list_snapshots()
    assert b.true_size == b.size_on_disk  # now b alone holds the files
    assert b.expires_at == NOW + timedelta(days=2, hours=1)
    assert cfs.clear_snapshot() == ["b"] and cfs.list_snapshots() == []


def test_bad_or_duplicate_tags(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    write(cfs, 1)
    cfs.snapshot("t", SCHEMA, now=NOW)
    with pytest.raises(SnapshotError, match="already exists"):
        cfs.snapshot("t", SCHEMA, now=NOW)
    with pytest.raises(SnapshotError, match="cannot contain"):
        cfs.snapshot("a/b", SCHEMA, now=NOW)
    with pytest.raises(SnapshotError, match=r"You must supply a snapshot name\."):
        cfs.snapshot("", SCHEMA, now=NOW)
