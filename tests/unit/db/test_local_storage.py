"""A node's local storage: commitlog first, then memtables; replay after a crash; nothing after a drain."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import MappingProxyType as Frozen

import pytest

from engine.db.background import ManualStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig, CommitLogSync
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, LivenessInfo, PartitionUpdate, Row

USERS = uuid.UUID(int=1)
POSTS = uuid.UUID(int=2)


def open_storage(root: Path) -> LocalStorage:
    storage = LocalStorage(
        data_directory=root / "data",
        commitlog_directory=root / "commitlog",
        flush_stage=ManualStage("flush"),
        commitlog_config=CommitLogConfig(sync=CommitLogSync.BATCH, segment_size=64 * 1024),
    )
    params = StorageParams(sync_sstables=False)
    storage.add_table("ks", "users", USERS, lambda c: c, params)
    storage.add_table("ks", "posts", POSTS, lambda c: c, params)
    return storage


def mutation(key: int, value: bytes) -> Mutation:
    raw = key.to_bytes(8, "big")
    row = Row((), LivenessInfo(key + 1), LIVE, Frozen({"v": Cell(value, key + 1)}))
    post = Row((b"p",), LivenessInfo(key + 1), LIVE, Frozen({"title": Cell(value, key + 1)}))
    return Mutation(
        "ks",
        raw,
        ((USERS, PartitionUpdate(raw, key, rows=(row,))), (POSTS, PartitionUpdate(raw, key, rows=(post,)))),
    )


def count(storage: LocalStorage, table: uuid.UUID) -> int:
    return sum(1 for _ in storage.table(table).scan())


def test_crash_then_replay_restores_memtables(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    assert storage.replay_commitlog().mutations == 0
    for key in range(200):
        storage.apply(mutation(key, b"v%d" % key))
    storage.table(USERS).flush_now()  # part of the data reaches an SSTable, the rest only the commitlog
    for key in range(200, 300):
        storage.apply(mutation(key, b"v%d" % key))
    # Crash: the process state is gone without a drain; open the same directories again.
    reopened = open_storage(tmp_path)
    result = reopened.replay_commitlog()
    assert result.mutations > 0 and result.skipped == 0
    assert count(reopened, USERS) == 300 and count(reopened, POSTS) == 300
    got = reopened.table(POSTS).get((250).to_bytes(8, "big"), 250)
    assert got is not None and got.rows[0].columns["title"] == Cell(b"v250", 251)
    assert reopened.commitlog.segments_to_replay == ()


def test_drain_leaves_nothing_to_replay(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    storage.replay_commitlog()
    for key in range(50):
        storage.apply(mutation(key, b"x"))
    storage.drain()
    reopened = open_storage(tmp_path)
    assert reopened.replay_commitlog().mutations == 0
    assert count(reopened, USERS) == 50


def test_unknown_table_is_refused_before_logging(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    storage.replay_commitlog()
    stray = Mutation("ks", b"k", ((uuid.UUID(int=99), PartitionUpdate(b"k", 0)),))
    with pytest.raises(KeyError):
        storage.apply(stray)
    assert storage.commitlog.current_position().offset <= 64  # nothing but the header was written


def test_flushes_trigger_background_compaction(tmp_path: Path) -> None:
    compaction = ManualStage("compaction")
    storage = LocalStorage(
        data_directory=tmp_path / "data",
        commitlog_directory=tmp_path / "commitlog",
        flush_stage=ManualStage("flush"),
        compaction_stage=compaction,
        commitlog_config=CommitLogConfig(sync=CommitLogSync.PERIODIC),
    )
    users = storage.add_table("ks", "users", USERS, lambda c: c, StorageParams(sync_sstables=False))
    storage.add_table("ks", "posts", POSTS, lambda c: c, StorageParams(sync_sstables=False))
    storage.replay_commitlog()
    for round_ in range(4):
        for key in range(round_ * 10, round_ * 10 + 30):
            storage.apply(mutation(key, b"r%d" % round_))
        users.flush_now()
    assert users.live_sstable_count == 4
    compaction.run_pending()
    assert users.live_sstable_count == 1 and count(storage, USERS) == 60
    assert storage.compactions.history()[0].partitions_merged
