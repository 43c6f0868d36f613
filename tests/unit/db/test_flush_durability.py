"""Flushes never lose acknowledged writes: the write barrier, ordered commitlog discards, replay and drain.

Each test is a deterministic version of a race the SIGKILL crash test can only hit by chance: a write
logged to the commitlog but applied after its memtable was flushed; flushes finishing out of order;
start-up replay or drain leaving flushes queued while the commitlog segments go away.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import MappingProxyType as Frozen

from engine.db.background import ManualStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig, CommitLogSync
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, LivenessInfo, PartitionUpdate, Row

TABLE = uuid.UUID(int=11)


def open_storage(root: Path, stage: ManualStage, threshold: int = 4_000) -> LocalStorage:
    storage = LocalStorage(
        data_directory=root / "data",
        commitlog_directory=root / "commitlog",
        flush_stage=stage,
        commitlog_config=CommitLogConfig(sync=CommitLogSync.PERIODIC, segment_size=8 * 1024),
    )
    # Unbounded flush queue: these tests leave flushes queued on a stage that only they run.
    params = StorageParams(sync_sstables=False, memtable_flush_threshold=threshold, max_pending_flushes=None)
    storage.add_table("ks", "t", TABLE, lambda c: c, params)
    return storage


def mutation(key: int) -> Mutation:
    raw = key.to_bytes(4, "big")
    row = Row((), LivenessInfo(key + 1), LIVE, Frozen({"v": Cell(b"value-%d" % key, key + 1)}))
    return Mutation("ks", raw, ((TABLE, PartitionUpdate(raw, key, rows=(row,))),))


def keys(storage: LocalStorage) -> set[int]:
    return {int.from_bytes(p.key, "big") for p in storage.table(TABLE).scan()}


def crash_and_reopen(root: Path, storage: LocalStorage) -> LocalStorage:
    storage.commitlog.sync()  # what PERIODIC would have synced; the process then dies without a drain
    reopened = open_storage(root, ManualStage("flush"))
    reopened.replay_commitlog()
    return reopened


def test_a_write_reserved_before_a_flush_is_in_that_flush(tmp_path: Path) -> None:
    storage = open_storage(tmp_path, ManualStage("flush"), threshold=10**9)
    storage.replay_commitlog()
    table = storage.table(TABLE)
    memtable = table.begin_write()  # a writer is between its reservation and its memtable apply
    old = table.switch_memtable()  # a flush starts meanwhile
    assert old is memtable and table.begin_write() is not memtable  # new writes go to the new memtable
    table.view.memtable.release()
    table.apply_reserved(memtable, mutation(1).updates[0][1])  # the slow writer lands in the old one
    table.flush_all_now()
    assert keys(storage) == {1} and table.live_sstable_count == 1


def test_out_of_order_flushes_keep_what_queued_memtables_need(tmp_path: Path) -> None:
    stage = ManualStage("flush")
    storage = open_storage(tmp_path, stage)
    storage.replay_commitlog()
    for key in range(400):  # passes the threshold many times: flushes queue up on the stage
        storage.apply(mutation(key))
    assert stage.stats().pending > 1
    storage.table(TABLE).flush_now()  # the newest memtable is flushed before the queued ones
    reopened = crash_and_reopen(tmp_path, storage)
    assert keys(reopened) == set(range(400))


def test_replay_flushes_everything_before_dropping_segments(tmp_path: Path) -> None:
    storage = open_storage(tmp_path, ManualStage("flush"), threshold=10**9)
    storage.replay_commitlog()
    for key in range(300):
        storage.apply(mutation(key))
    stage = ManualStage("flush")
    replaying = open_storage(tmp_path, stage)  # small threshold: replay queues flushes on `stage`
    replaying.replay_commitlog()
    # The queued flushes never run: the process dies right after start-up.
    again = crash_and_reopen(tmp_path, replaying)
    assert keys(again) == set(range(300))


def test_drain_waits_for_queued_flushes(tmp_path: Path) -> None:
    stage = ManualStage("flush")
    storage = open_storage(tmp_path, stage)
    storage.replay_commitlog()
    for key in range(300):
        storage.apply(mutation(key))
    assert stage.stats().pending > 0
    storage.drain()  # the stage never runs its queue: drain itself must have written everything
    reopened = open_storage(tmp_path, ManualStage("flush"))
    assert reopened.replay_commitlog().mutations == 0
    assert keys(reopened) == set(range(300))
    stage.run_pending()  # the stale queued flushes find their memtables already written
