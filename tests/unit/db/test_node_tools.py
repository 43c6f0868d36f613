"""What nodetool's storage commands act on: incremental backups, import/refresh, persisted compaction
history, removing a dropped table, garbagecollect, scrub, upgradesstables, verify, autocompaction, stats."""

from __future__ import annotations

import math
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType as Frozen

from engine.db.background import ManualStage
from engine.db.column_family_store import ColumnFamilyStore, StorageParams
from engine.db.commitlog import CommitLogConfig, CommitLogSync
from engine.db.compaction import CompactionKind
from engine.db.compaction.executor import CompactionManager, Throttle
from engine.db.compaction.history import FILENAME, HistoryFile, read
from engine.db.compaction.maintenance import garbage_collect, scrub, upgrade_sstables, verify
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, DeletionTime, LivenessInfo, PartitionUpdate, Row
from engine.db.sstable import Component, SSTableReader
from engine.db.sstable_import import ImportOptions
from engine.db.table_stats import table_stats

NOW = 1_800_000_000
TABLE = uuid.UUID(int=7)
NOW_DT = datetime.fromtimestamp(NOW, UTC)


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def open_storage(root: Path, clock: Clock | None = None) -> LocalStorage:
    clock = clock or Clock()
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    history = HistoryFile(data / FILENAME, now_ms=int(clock() * 1000), sync=False)
    storage = LocalStorage(
        data_directory=data,
        commitlog_directory=root / "commitlog",
        flush_stage=ManualStage("flush"),
        compactions=CompactionManager(throttle=Throttle(0), wall_clock=clock, history_file=history),
        commitlog_config=CommitLogConfig(sync=CommitLogSync.BATCH, segment_size=64 * 1024),
    )
    storage.add_table("ks", "t", TABLE, lambda c: c, StorageParams(sync_sstables=False, chunk_length_in_kb=4))
    storage.replay_commitlog()
    return storage


def put(storage: LocalStorage, key: int, value: bytes, ts: int = 1) -> None:
    raw = key.to_bytes(4, "big")
    row = Row((b"c",), LivenessInfo(ts), LIVE, Frozen({"v": Cell(value, ts)}))
    storage.apply(Mutation("ks", raw, ((TABLE, PartitionUpdate(raw, key, rows=(row,))),)))


def delete(storage: LocalStorage, key: int, ts: int) -> None:
    raw = key.to_bytes(4, "big")
    update = PartitionUpdate(raw, key, DeletionTime(ts, NOW))
    storage.apply(Mutation("ks", raw, ((TABLE, update),)))


def values(store: ColumnFamilyStore) -> dict[int, bytes]:
    found = {}
    for partition in store.scan():
        merged = store.read_partition(partition.key, partition.token)
        if merged is not None and merged.rows and merged.rows[0].columns:
            found[int.from_bytes(partition.key, "big")] = merged.rows[0].columns["v"].value  # type: ignore[union-attr]
    return found


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


# ------------------------------------------------------------------------------------------ backups


def test_incremental_backups_link_flushed_sstables_only_while_enabled(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    backups = store.directory / "backups"
    put(storage, 1, b"a")
    store.flush_now()
    assert not storage.incremental_backups and not backups.exists()
    storage.incremental_backups = True  # nodetool enablebackup
    put(storage, 2, b"b")
    flushed = store.flush_now()
    assert flushed is not None
    assert names(backups) == sorted(p.name for p in flushed.component_paths())
    assert all(os.stat(backups / p.name).st_ino == p.stat().st_ino for p in flushed.component_paths())
    storage.incremental_backups = False  # nodetool disablebackup
    put(storage, 3, b"c")
    store.flush_now()
    assert names(backups) == sorted(p.name for p in flushed.component_paths())
    # A later table opened by the node follows the node's setting; a table can opt out (its option).
    storage.incremental_backups = True
    other = storage.add_table(
        "ks", "u", uuid.UUID(int=8), lambda c: c, StorageParams(incremental_backups=False)
    )
    assert other.incremental_backups
    other.apply(PartitionUpdate(b"k", 1, DeletionTime(5, NOW)))
    other.flush_now()
    assert not (other.directory / "backups").exists()


def test_generations_never_reuse_a_name_in_backups(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    storage.incremental_backups = True
    store = storage.table(TABLE)
    put(storage, 1, b"a")
    first = store.flush_now()
    assert first is not None
    store.truncate("", now=NOW_DT, auto_snapshot=False)  # the live files go, the backup stays
    put(storage, 2, b"b")
    second = store.flush_now()
    assert second is not None and second.descriptor.generation > first.descriptor.generation


# ------------------------------------------------------------------------------------ import/refresh


def test_snapshot_copied_back_then_refresh_restores_data(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for key in range(20):
        put(storage, key, b"v%d" % key)
    snapshot = store.snapshot("s1", "CREATE TABLE ks.t (k int PRIMARY KEY)", now=NOW_DT)
    store.truncate("", now=NOW_DT, auto_snapshot=False)
    assert values(store) == {}
    for path in snapshot.iterdir():
        if path.name.startswith("nb-"):
            shutil.copy(path, store.directory / path.name)
    result = store.refresh()
    assert result.failures == () and len(result.imported) == 1
    assert values(store) == {key: b"v%d" % key for key in range(20)}
    # The copied files were renamed to a new generation: nothing is left to load a second time.
    assert store.refresh().imported == ()
    assert [r.descriptor for r in store.view.sstables] == list(result.imported)


def test_import_from_a_directory_resets_level_and_keeps_the_source_with_copy(tmp_path: Path) -> None:
    source_storage = open_storage(tmp_path / "a")
    source = source_storage.table(TABLE)
    for key in range(10):
        put(source_storage, key, b"x")
    written = source.flush_now()
    assert written is not None
    from engine.db.sstable import rewrite_statistics, with_level

    rewrite_statistics(written.descriptor, with_level(written.statistics, 2), sync=False)
    source_storage.drain()
    target_storage = open_storage(tmp_path / "b")
    target = target_storage.table(TABLE)
    result = target.import_sstables([source.directory], ImportOptions(copy_data=True))
    assert result.failures == () and len(result.imported) == 1
    assert target.view.sstables[0].statistics.level == 0
    assert (source.directory / written.descriptor.filename(Component.TOC).name).exists()
    assert sorted(values(target)) == list(range(10))
    kept = target.import_sstables([source.directory], ImportOptions(keep_level=True))  # moves this time
    assert {r.statistics.level for r in target.view.sstables} == {0, 2}
    assert (
        len(kept.imported) == 1
        and not (source.directory / written.descriptor.filename(Component.TOC).name).exists()
    )


def test_import_refuses_a_directory_with_a_corrupt_sstable(tmp_path: Path) -> None:
    source_storage = open_storage(tmp_path / "a")
    source = source_storage.table(TABLE)
    for key in range(50):
        put(source_storage, key, b"value %d" % key)
    first = source.flush_now()
    put(source_storage, 99, b"ok")
    source.flush_now()
    source_storage.drain()
    assert first is not None
    data = first.descriptor.filename(Component.DATA)
    raw = bytearray(data.read_bytes())
    raw[10] ^= 0xFF
    data.write_bytes(bytes(raw))
    target_storage = open_storage(tmp_path / "b")
    target = target_storage.table(TABLE)
    result = target.import_sstables([source.directory, tmp_path / "missing"])
    assert result.imported == ()
    assert result.failed_directories == (source.directory, tmp_path / "missing")
    failure = result.failures[0]
    assert failure.sstable == first.descriptor.prefix
    assert failure.reason.startswith(f"Corrupted: {data} at offset ")
    assert target.view.sstables == () and data.exists()  # nothing moved out of a refused directory
    assert target.import_sstables([source.directory], ImportOptions(verify=False)).failures == ()


# ----------------------------------------------------------------------------------- compaction history


def test_compaction_history_survives_a_restart_and_a_torn_tail(tmp_path: Path) -> None:
    clock = Clock()
    storage = open_storage(tmp_path, clock)
    store = storage.table(TABLE)
    for flush in range(2):
        for key in range(10):
            put(storage, key, b"v%d" % flush, ts=flush + 1)
        store.flush_now()
    (record,) = storage.compactions.run_major(store)
    storage.drain()
    path = tmp_path / "data" / FILENAME
    with open(path, "ab") as file:
        file.write(b"\x00\x00\x00\x30torn")  # a crash in the middle of the next append
    reopened = open_storage(tmp_path, clock)
    assert reopened.compactions.history() == [record]
    assert record.partitions_merged == {2: 10} and (record.keyspace, record.table) == ("ks", "t")
    assert read(path) == ([record], path.stat().st_size)  # the torn tail was cut off
    # Cassandra keeps compaction_history for 7 days.
    clock.now += 8 * 24 * 3600
    assert open_storage(tmp_path, clock).compactions.history() == []


# ------------------------------------------------------------------------------------------ drop table


def test_remove_table_closes_the_store_and_frees_the_commitlog(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for key in range(300):
        put(storage, key, b"x" * 200)
    assert len(storage.commitlog.active_segments()) > 1
    store.truncate("", now=NOW_DT, auto_snapshot=True)
    storage.remove_table(TABLE)
    assert storage.tables == ()
    assert len(storage.commitlog.active_segments()) == 1  # only the segment being written
    storage.remove_table(TABLE)  # twice: nothing to do
    assert not store.autocompaction_enabled
    assert [s.tag for s in store.list_snapshots()] == [f"truncated-{NOW * 1000}-t"]


# --------------------------------------------------------------------------- garbagecollect, scrub, ...


def test_garbagecollect_drops_rows_another_sstable_deletes(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for key in range(10):
        put(storage, key, b"old", ts=1)
    old = store.flush_now()
    for key in range(5):
        delete(storage, key, ts=2)
    store.flush_now()
    assert old is not None and old.statistics.row_count == 10
    records = garbage_collect(storage.compactions, store)
    assert len(records) == 2
    rows = sorted(r.statistics.row_count for r in store.view.sstables)
    assert rows == [0, 5]  # the old data the deletions shadow is gone; the deletions stay (gc_grace)
    assert sorted(values(store)) == [5, 6, 7, 8, 9]
    assert storage.compactions.history()[-1].partitions_merged == {1: 5}


def test_scrub_keeps_what_can_be_read_and_skips_damaged_chunks(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for key in range(400):
        put(storage, key, os.urandom(40))  # incompressible: many 4 KiB chunks
    reader = store.flush_now()
    assert reader is not None and reader.compression.chunk_count > 3
    offset, _length = reader.compression.chunk_extent(1)
    with open(reader.descriptor.filename(Component.DATA), "r+b") as file:
        file.seek(offset + 5)
        file.write(b"\xff\xff")
    storage.caches.chunks.discard([(reader._id, i) for i in range(reader.compression.chunk_count)])
    (result,) = scrub(storage.compactions, store)
    assert result.skipped > 0 and result.partitions + result.skipped == 400
    assert all("chunk 1: checksum mismatch" in e for e in result.errors)
    (scrubbed,) = store.view.sstables
    assert scrubbed.verify() == result.partitions
    assert storage.compactions.history()[-1].partitions_merged == {1: result.partitions}


def test_verify_reports_each_sstable(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for flush in range(2):
        put(storage, flush, b"x")
        store.flush_now()
    good, bad = store.view.sstables
    digest = bad.descriptor.filename(Component.DIGEST)
    digest.write_text("12345")
    results = verify(store)
    assert [(r.descriptor, r.ok, r.partitions) for r in results] == [
        (good.descriptor, True, 1),
        (bad.descriptor, False, 0),
    ]
    data = bad.descriptor.filename(Component.DATA)
    assert results[1].error is not None
    assert results[1].error.startswith(f"Corrupted: {data} at offset 0: digest ")
    assert results[1].error.endswith(f" does not match {digest.name}")
    assert store.view.compacting == frozenset()


def test_upgradesstables_rewrites_old_versions_or_all(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    put(storage, 1, b"x", ts=1)
    delete(storage, 2, ts=1)
    store.flush_now()
    assert upgrade_sstables(storage.compactions, store) == []  # every SSTable is current
    (record,) = upgrade_sstables(storage.compactions, store, include_all=True)
    assert record.partitions_merged == {1: 2}
    (upgraded,) = store.view.sstables
    assert upgraded.statistics.partition_deletion_count == 1  # nothing purged


def test_disabled_autocompaction_stops_background_compactions_only(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    store.autocompaction_enabled = False
    for flush in range(4):
        put(storage, flush, b"x")
        store.flush_now()
    assert storage.compactions.run_background(store) is None
    store.autocompaction_enabled = True
    assert storage.compactions.run_background(store) is not None
    assert store.live_sstable_count == 1


# ------------------------------------------------------------------------------------------ tablestats


def test_table_stats(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    empty = table_stats(store, now=NOW)
    assert empty.sstable_count == 0 and empty.compression_ratio == -1.0
    assert math.isnan(empty.local_read_latency_ms) and math.isnan(empty.average_tombstones_per_slice)
    for key in range(20):
        put(storage, key, b"v" * 50)
    store.flush_now()
    delete(storage, 3, ts=5)
    put(storage, 100, b"m")
    store.read_partition((1).to_bytes(4, "big"), 1)
    store.get((2).to_bytes(4, "big"), 2)
    store.get((555).to_bytes(4, "big"), 555)
    store.snapshot("s", "CREATE TABLE ks.t (k int PRIMARY KEY)", now=NOW_DT)  # flushes the memtable
    storage.compactions.run_major(store)
    stats = table_stats(store, now=NOW)
    assert (stats.keyspace, stats.table, stats.sstable_count) == ("ks", "t", 1)
    assert stats.sstables_in_each_level == (1,) and stats.old_sstable_count == 0
    assert stats.sstable_bytes_in_each_level == (store.view.sstables[0].data_size,)
    assert stats.bytes_unrepaired == store.view.sstables[0].data_size and stats.bytes_repaired == 0
    assert stats.percent_repaired == 0.0 and empty.percent_repaired == 100.0
    assert stats.compression_metadata_memory_used == 8 * store.view.sstables[0].compression.chunk_count
    assert stats.index_summary_memory_used == 16 + 4  # one summary entry: token and a 4-byte key
    assert stats.space_used_live == stats.space_used_total == store.live_disk_space_used > 0
    assert stats.space_used_by_snapshots > 0 and stats.space_used_by_backups == 0
    assert 0 < stats.compression_ratio < 1.5
    assert stats.estimated_partitions == 21
    assert stats.memtable_cell_count == 0 and stats.memtable_switch_count == 3  # replay, flush, snapshot
    assert stats.local_write_count == 22 and stats.local_read_count == 3
    assert stats.partition_size_min <= stats.partition_size_mean <= stats.partition_size_max
    assert stats.maximum_live_cells_per_slice == 1 and stats.maximum_tombstones_per_slice == 0
    assert stats.autocompaction_enabled and stats.droppable_tombstone_ratio == 0.0
    later = table_stats(store, now=NOW + 864000 + 1)
    assert later.droppable_tombstone_ratio > 0
    assert stats.bloom_filter_space_used == store.view.sstables[0].bloom_filter_size
    assert SSTableReader is not None and CompactionKind.SCRUB.value == "Scrub"


def test_a_node_keeps_its_history_in_the_data_directory_by_default(tmp_path: Path) -> None:
    def node() -> LocalStorage:
        storage = LocalStorage(
            data_directory=tmp_path / "data",
            commitlog_directory=tmp_path / "commitlog",
            flush_stage=ManualStage("flush"),
        )
        storage.add_table("ks", "tåble", TABLE, lambda c: c, StorageParams(sync_sstables=False))
        storage.replay_commitlog()
        return storage

    storage = node()
    store = storage.table(TABLE)
    for flush in range(2):
        put(storage, flush, b"x")
        store.flush_now()
    (record,) = storage.compactions.run_major(store)
    assert record.table == "tåble" and record.partitions_merged == {1: 2}
    storage.drain()
    assert node().compactions.history() == [record]
    assert (tmp_path / "data" / FILENAME).is_file()


def test_without_shadowed_keeps_own_deletions_and_unshadowed_rows() -> None:
    from engine.db.compaction.maintenance import without_shadowed
    from engine.db.rows import Bound, RangeTombstone

    def row(c: bytes, ts: int) -> Row:
        return Row((c,), LivenessInfo(ts), LIVE, Frozen({"v": Cell(b"x", ts)}))

    mine = PartitionUpdate(
        b"k", 1, rows=(row(b"a", 1), row(b"b", 1), row(b"c", 5), Row((b"d",), None, DeletionTime(3, NOW)))
    )
    other = PartitionUpdate(
        b"k",
        1,
        rows=(Row((b"a",), None, DeletionTime(2, NOW)),),
        range_tombstones=(RangeTombstone(Bound((b"b",), True), Bound((b"c",), True), DeletionTime(4, NOW)),),
    )
    kept = without_shadowed(mine, [other], lambda c: c)
    assert kept is not None
    assert [r.clustering for r in kept.rows] == [(b"c",), (b"d",)]  # c is newer than the range deletion
    assert kept.rows[1].deletion == DeletionTime(3, NOW)
    wiped = without_shadowed(mine, [PartitionUpdate(b"k", 1, DeletionTime(9, NOW))], lambda c: c)
    assert wiped is not None and [r.clustering for r in wiped.rows] == [(b"d",)]  # only its own deletion
    only_data = PartitionUpdate(b"k", 1, rows=(row(b"a", 1),))
    assert without_shadowed(only_data, [PartitionUpdate(b"k", 1, DeletionTime(9, NOW))], lambda c: c) is None
    assert without_shadowed(mine, [], lambda c: c) is mine


def test_slice_reads_count_tombstones_and_live_cells(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    raw = (1).to_bytes(4, "big")
    rows = (
        Row((b"a",), LivenessInfo(1), LIVE, Frozen({"v": Cell(b"x", 1), "w": Cell(None, 1, 0, NOW)})),
        Row((b"b",), None, DeletionTime(1, NOW)),
    )
    storage.apply(Mutation("ks", raw, ((TABLE, PartitionUpdate(raw, 1, rows=rows)),)))
    delete(storage, 5, ts=1)
    assert table_stats(store, now=NOW).memtable_cell_count == 3  # two rows, one partition deletion
    store.read_partition(raw, 1)
    store.read_partition((2).to_bytes(4, "big"), 2)  # nothing there: a slice with nothing in it
    stats = table_stats(store, now=NOW)
    assert (stats.maximum_tombstones_per_slice, stats.maximum_live_cells_per_slice) == (2, 1)
    assert (stats.average_tombstones_per_slice, stats.average_live_cells_per_slice) == (1.0, 0.5)


def test_garbagecollect_cell_granularity_drops_overwritten_cells(tmp_path: Path) -> None:
    from engine.db.compaction.maintenance import Granularity

    storage = open_storage(tmp_path)
    store = storage.table(TABLE)
    for key in range(6):
        put(storage, key, b"old", ts=1)
    store.flush_now()
    for key in range(3):
        put(storage, key, b"new", ts=2)  # the same row and column, newer
    store.flush_now()
    before = sorted(r.statistics.cell_count for r in store.view.sstables)
    assert before == [3, 6]
    garbage_collect(storage.compactions, store)  # ROW: nothing is deleted, nothing goes
    assert sorted(r.statistics.cell_count for r in store.view.sstables) == [3, 6]
    garbage_collect(storage.compactions, store, Granularity.CELL)
    assert sorted(r.statistics.cell_count for r in store.view.sstables) == [3, 3]
    assert values(store) == {0: b"new", 1: b"new", 2: b"new", 3: b"old", 4: b"old", 5: b"old"}
