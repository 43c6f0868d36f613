"""Running compactions: merging, purging after gc_grace, splitting, throttling, progress and history."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import MappingProxyType as Frozen

from engine.db.background import ManualStage
from engine.db.column_family_store import ColumnFamilyStore, StorageParams
from engine.db.compaction import CompactionKind, CompactionTask
from engine.db.compaction.executor import CompactionManager, Throttle, purge
from engine.db.rows import LIVE, Cell, DeletionTime, LivenessInfo, PartitionUpdate, Row

NOW = 1_800_000_000  # seconds


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_store(tmp_path: Path, gc_grace: int = 864000) -> ColumnFamilyStore:
    return ColumnFamilyStore(
        keyspace="ks",
        name="t",
        table_id=uuid.UUID(int=5),
        directory=tmp_path / "t-5",
        clustering_key=lambda c: c,
        flush_stage=ManualStage("flush"),
        params=StorageParams(sync_sstables=False, gc_grace_seconds=gc_grace, chunk_length_in_kb=4),
    )


def put(cfs: ColumnFamilyStore, key: int, value: bytes, ts: int, ttl: int = 0) -> None:
    cell = Cell(value, ts, ttl, NOW + ttl) if ttl else Cell(value, ts)
    row = Row((b"c",), LivenessInfo(ts), LIVE, Frozen({"v": cell}))
    cfs.apply(PartitionUpdate(key.to_bytes(4, "big"), key, rows=(row,)))


def delete(cfs: ColumnFamilyStore, key: int, ts: int, at: int = NOW) -> None:
    cfs.apply(PartitionUpdate(key.to_bytes(4, "big"), key, DeletionTime(ts, at)))


def manager(clock: Clock) -> CompactionManager:
    return CompactionManager(throttle=Throttle(0), wall_clock=clock)


def keys(cfs: ColumnFamilyStore) -> list[int]:
    return [int.from_bytes(p.key, "big") for p in cfs.scan()]


def test_size_tiered_merges_four_flushes_and_deletes_inputs(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    for flush in range(4):
        for key in range(50):
            put(cfs, key, b"v%d" % flush, ts=flush + 1)
        cfs.flush_now()
    old_files = [p for r in cfs.view.sstables for p in r.component_paths()]
    record = manager(Clock()).run_background(cfs)
    assert record is not None and record.partitions_merged == {4: 50}
    assert cfs.live_sstable_count == 1 and not cfs.view.compacting
    assert not any(p.exists() for p in old_files)
    got = cfs.get((7).to_bytes(4, "big"), 7)
    assert got is not None and got.rows[0].columns["v"] == Cell(b"v3", 4)
    assert manager(Clock()).run_background(cfs) is None  # one SSTable left: nothing to do


def test_tombstones_purged_only_after_gc_grace_and_when_nothing_older_remains(tmp_path: Path) -> None:
    cfs = make_store(tmp_path, gc_grace=100)
    put(cfs, 1, b"old", ts=1)
    put(cfs, 2, b"old", ts=1)
    cfs.flush_now()  # generation 1: the data
    delete(cfs, 1, ts=5, at=NOW)
    delete(cfs, 2, ts=5, at=NOW)
    cfs.flush_now()  # generation 2: the deletions
    clock = Clock(NOW + 50)
    manager(clock).run_major(cfs)
    assert keys(cfs) == [1, 2]  # within gc_grace: the partition tombstones are kept (shadowing nothing now)
    clock.now = NOW + 101
    manager(clock).run_major(cfs)
    assert keys(cfs) == []  # past gc_grace, nothing older anywhere: gone
    assert cfs.live_sstable_count == 0


def test_tombstone_kept_when_an_older_sstable_outside_the_compaction_has_the_key() -> None:
    partition = PartitionUpdate(b"k", 0, DeletionTime(5, NOW - 1000))
    assert purge(partition, gc_before=NOW, now=NOW) is None
    assert purge(partition, gc_before=NOW, now=NOW, max_purgeable_timestamp=3) == partition


def test_expired_cells_become_tombstones_then_disappear() -> None:
    expiring = Row((b"c",), None, LIVE, Frozen({"v": Cell(b"x", 10, 60, NOW + 60)}))
    partition = PartitionUpdate(b"k", 0, rows=(expiring,))
    assert purge(partition, gc_before=NOW - 864000, now=NOW) == partition  # not expired yet
    converted = purge(partition, gc_before=NOW - 864000, now=NOW + 61)
    assert converted is not None and converted.rows[0].columns["v"] == Cell(None, 10, 0, NOW)
    assert purge(partition, gc_before=NOW + 1, now=NOW + 61) is None


def test_major_with_split_output_and_history(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    for flush in range(3):
        for key in range(flush * 100, flush * 100 + 300):
            put(cfs, key, b"x" * 200, ts=flush + 1)
        cfs.flush_now()
    mgr = manager(Clock())
    (record,) = mgr.run_major(cfs, split_output=True)
    assert keys(cfs) == list(range(500))
    assert record.bytes_out > 0 and record.partitions_merged[1] + record.partitions_merged[2] <= 500
    assert mgr.history() == [record] and mgr.active() == []
    assert record.keyspace == "ks" and record.table == "t"


def test_reads_started_before_a_compaction_still_work_after_it(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    for flush in range(4):
        put(cfs, flush, b"v", ts=1)
        cfs.flush_now()
    scan = cfs.scan()
    first = next(scan)
    manager(Clock()).run_background(cfs)
    assert [first.token, *(p.token for p in scan)] == [0, 1, 2, 3]


def test_throttle_sleeps_to_keep_the_rate() -> None:
    clock = Clock(0.0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    throttle = Throttle(1000, clock=clock, sleep=sleep)
    throttle.consume(1000)  # the bucket starts full
    assert slept == []
    throttle.consume(500)
    assert slept == [0.5]
    clock.now += 10
    throttle.consume(1000)
    assert slept == [0.5]
    assert Throttle(0).rate == 0


def test_task_with_reserved_inputs_is_dropped(tmp_path: Path) -> None:
    cfs = make_store(tmp_path)
    for flush in range(4):
        put(cfs, flush, b"v", ts=1)
        cfs.flush_now()
    generations = tuple(r.descriptor.generation for r in cfs.view.sstables)
    assert cfs.mark_compacting(generations[:2]) is not None
    assert cfs.mark_compacting(generations[1:3]) is None
    assert CompactionKind.MAJOR in CompactionKind


def test_partial_compaction_keeps_a_tombstone_that_still_shadows_older_data_elsewhere(tmp_path: Path) -> None:
    cfs = make_store(tmp_path, gc_grace=3)
    cfs.apply(PartitionUpdate(b"k", 1, rows=(Row((b"a",), None, LIVE, Frozen({"x": Cell(b"old", 10)})),)))
    cfs.flush_now()  # generation 1: old data
    cfs.apply(PartitionUpdate(b"k", 1, DeletionTime(20, NOW)))
    cfs.flush_now()  # generation 2: its deletion
    cfs.apply(PartitionUpdate(b"z", 2, DeletionTime(20, NOW)))
    cfs.flush_now()  # generation 3: a deletion of a key nothing else holds
    first, second, third = (r.descriptor.generation for r in cfs.view.sstables)
    task = CompactionTask((second, third), CompactionKind.MINOR, None, None, "test")
    manager(Clock(NOW + 100)).run(cfs, task)
    # z's tombstone is gone (nothing older anywhere); k's must stay, or generation 1 would resurrect "old".
    assert [p.key for p in cfs.view.sstables[-1].scan()] == [b"k"]
    merged = cfs.get(b"k", 1)
    assert merged is not None and all("x" not in r.columns for r in merged.rows)
    assert first not in {r.descriptor.generation for r in cfs.view.sstables[-1:]}
