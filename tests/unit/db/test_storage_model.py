"""Model-based test: random writes, deletes, TTLs, flushes, compactions and restarts against a dict model.

The state machine drives one node's LocalStorage (two clustering rows per partition at most a handful of
partitions, so operations collide often) and a model that records, per cell, the newest write or
deletion by timestamp and, per row and partition, the newest deletion. Writes may carry timestamps from
the past (as with ``USING TIMESTAMP``), but timestamps never repeat, so the model needs no tie-breaking
(ties are covered by the reconciliation unit tests). Compactions run on random subsets of SSTables. gc_grace is 3 seconds and time moves
on, so compactions do purge tombstones and expired cells: a purge that let older data come back would
show here. After every step, every partition read through the store must show exactly the live values
the model predicts at the current time.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from types import MappingProxyType as Frozen

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine.db.background import ManualStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig, CommitLogSync
from engine.db.compaction import CompactionKind, CompactionTask
from engine.db.compaction.executor import CompactionManager, Throttle
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, DeletionTime, PartitionUpdate, Row

TABLE = uuid.UUID(int=42)
KEYS = st.integers(0, 2)
CLUSTERINGS = st.sampled_from([b"a", b"b", b"c"])
COLUMNS = st.sampled_from(["x", "y"])


def raw_key(key: int) -> bytes:
    return key.to_bytes(2, "big")


def visible(partition: PartitionUpdate | None, now: int) -> dict[tuple[bytes, str], bytes]:
    """The live cell values of a partition as a read at ``now`` sees them."""
    if partition is None:
        return {}
    seen = {}
    for row in partition.rows:
        for name, data in row.columns.items():
            assert isinstance(data, Cell)
            if data.is_live(now) and not partition.deletion.deletes(data.timestamp):
                assert isinstance(data.value, bytes)
                seen[(row.clustering[0], name)] = data.value
    return seen


class StorageMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="cqlkit-model-"))
        self.timestamp = 0
        self.now = 1_000_000
        # model: (key, clustering, column) -> (timestamp, value, expiry or None); deletions by scope
        self.cells: dict[tuple[int, bytes, str], tuple[int, bytes | None, int | None]] = {}
        self.row_deletions: dict[tuple[int, bytes], int] = {}
        self.partition_deletions: dict[int, int] = {}
        self.storage = self._open()

    def _open(self) -> LocalStorage:
        storage = LocalStorage(
            data_directory=self.root / "data",
            commitlog_directory=self.root / "commitlog",
            flush_stage=ManualStage("flush"),
            commitlog_config=CommitLogConfig(sync=CommitLogSync.BATCH, segment_size=16 * 1024),
        )
        storage.add_table(
            "ks", "t", TABLE, lambda c: c, StorageParams(sync_sstables=False, chunk_length_in_kb=4)
        )
        storage.replay_commitlog()
        return storage

    def _timestamp(self, back: int) -> int:
        """A unique timestamp, up to ``back`` steps in the past (clients may write with old timestamps)."""
        self.timestamp += 1
        return max(1, self.timestamp - back) * 1000 + self.timestamp % 1000

    def _apply(self, key: int, update: PartitionUpdate) -> None:
        self.storage.apply(Mutation("ks", raw_key(key), ((TABLE, update),)))

    def _record(self, cell: tuple[int, bytes, str], ts: int, value: bytes | None, expiry: int | None) -> None:
        current = self.cells.get(cell)
        if current is None or ts > current[0]:
            self.cells[cell] = (ts, value, expiry)

    # ---------------------------------------------------------------------------------- operations

    @rule(
        key=KEYS,
        clustering=CLUSTERINGS,
        column=COLUMNS,
        value=st.binary(max_size=6),
        ttl=st.sampled_from([0, 0, 5]),
        back=st.sampled_from([0, 0, 0, 3, 20]),
    )
    def write(self, key: int, clustering: bytes, column: str, value: bytes, ttl: int, back: int) -> None:
        ts = self._timestamp(back)
        expiry = self.now + ttl if ttl else None
        cell = Cell(value, ts, ttl, expiry) if ttl else Cell(value, ts)
        row = Row((clustering,), None, LIVE, Frozen({column: cell}))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self._record((key, clustering, column), ts, value, expiry)

    @rule(key=KEYS, clustering=CLUSTERINGS, column=COLUMNS, back=st.sampled_from([0, 3]))
    def delete_cell(self, key: int, clustering: bytes, column: str, back: int) -> None:
        ts = self._timestamp(back)
        row = Row((clustering,), None, LIVE, Frozen({column: Cell(None, ts, 0, self.now)}))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self._record((key, clustering, column), ts, None, None)

    @rule(key=KEYS, clustering=CLUSTERINGS, back=st.sampled_from([0, 3]))
    def delete_row(self, key: int, clustering: bytes, back: int) -> None:
        ts = self._timestamp(back)
        row = Row((clustering,), None, DeletionTime(ts, self.now))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self.row_deletions[(key, clustering)] = max(ts, self.row_deletions.get((key, clustering), 0))

    @rule(key=KEYS, back=st.sampled_from([0, 3]))
    def delete_partition(self, key: int, back: int) -> None:
        ts = self._timestamp(back)
        self._apply(key, PartitionUpdate(raw_key(key), key, DeletionTime(ts, self.now)))
        self.partition_deletions[key] = max(ts, self.partition_deletions.get(key, 0))

    @rule(data=st.data())
    def compact_some(self, data: st.DataObject) -> None:
        table = self.storage.table(TABLE)
        generations = sorted(r.descriptor.generation for r in table.view.sstables)
        if len(generations) < 2:
            return
        chosen = data.draw(st.lists(st.sampled_from(generations), min_size=2, unique=True))
        task = CompactionTask(tuple(sorted(chosen)), CompactionKind.MINOR, None, None, "model")
        CompactionManager(throttle=Throttle(0), wall_clock=lambda: float(self.now)).run(table, task)

    @rule()
    def flush(self) -> None:
        self.storage.flush_all()

    @rule(major=st.booleans())
    def compact(self, major: bool) -> None:
        manager = CompactionManager(throttle=Throttle(0), wall_clock=lambda: float(self.now))
        table = self.storage.table(TABLE)
        if major:
            manager.run_major(table)
        else:
            manager.run_background(table)

    @rule(seconds=st.integers(2, 5))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    @rule(clean=st.booleans())
    def restart(self, clean: bool) -> None:
        if clean:
            self.storage.drain()
        self.storage = self._open()

    # ---------------------------------------------------------------------------------- checks

    def expected(self, key: int) -> dict[tuple[bytes, str], bytes]:
        result = {}
        for (k, clustering, column), (ts, value, expiry) in self.cells.items():
            if k != key:
                continue
            if value is None:
                continue
            if ts <= self.partition_deletions.get(k, -1) or ts <= self.row_deletions.get((k, clustering), -1):
                continue
            if expiry is not None and self.now >= expiry:
                continue
            result[(clustering, column)] = value
        return result

    @invariant()
    def reads_match_the_model(self) -> None:
        table = self.storage.table(TABLE)
        for key in range(3):
            assert visible(table.get(raw_key(key), key), self.now) == self.expected(key), f"key {key}"
        scanned = {p.token: visible(p, self.now) for p in table.scan()}
        for key in range(3):
            assert scanned.get(key, {}) == self.expected(key)

    def teardown(self) -> None:
        self.storage.drain()
        shutil.rmtree(self.root, ignore_errors=True)


StorageMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=50, deadline=None, derandomize=True
)
TestStorageModel = StorageMachine.TestCase
