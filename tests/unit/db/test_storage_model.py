"""Model-based test: random writes, deletes, TTLs, flushes and restarts against a plain dict model.

The state machine drives one node's LocalStorage (two clustering rows per partition at most a handful of
partitions, so operations collide often) and a model that records, per cell, the newest write and, per
row and partition, the newest deletion. Timestamps increase with every operation, so the model needs no
tie-breaking (ties are covered by the reconciliation unit tests). After every step, every partition
read through the store must show exactly the live values the model predicts at the current time.
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
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, DeletionTime, LivenessInfo, PartitionUpdate, Row

TABLE = uuid.UUID(int=42)
KEYS = st.integers(0, 4)
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
        self.cells: dict[tuple[int, bytes, str], tuple[int, bytes, int | None]] = {}
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

    def _next_timestamp(self) -> int:
        self.timestamp += 1
        return self.timestamp

    def _apply(self, key: int, update: PartitionUpdate) -> None:
        self.storage.apply(Mutation("ks", raw_key(key), ((TABLE, update),)))

    # ---------------------------------------------------------------------------------- operations

    @rule(
        key=KEYS,
        clustering=CLUSTERINGS,
        column=COLUMNS,
        value=st.binary(max_size=6),
        ttl=st.sampled_from([0, 0, 5]),
    )
    def write(self, key: int, clustering: bytes, column: str, value: bytes, ttl: int) -> None:
        ts = self._next_timestamp()
        expiry = self.now + ttl if ttl else None
        cell = Cell(value, ts, ttl, expiry) if ttl else Cell(value, ts)
        row = Row((clustering,), LivenessInfo(ts), LIVE, Frozen({column: cell}))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self.cells[(key, clustering, column)] = (ts, value, expiry)

    @rule(key=KEYS, clustering=CLUSTERINGS, column=COLUMNS)
    def delete_cell(self, key: int, clustering: bytes, column: str) -> None:
        ts = self._next_timestamp()
        row = Row((clustering,), None, LIVE, Frozen({column: Cell(None, ts, 0, self.now)}))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self.cells.pop((key, clustering, column), None)

    @rule(key=KEYS, clustering=CLUSTERINGS)
    def delete_row(self, key: int, clustering: bytes) -> None:
        ts = self._next_timestamp()
        row = Row((clustering,), None, DeletionTime(ts, self.now))
        self._apply(key, PartitionUpdate(raw_key(key), key, rows=(row,)))
        self.row_deletions[(key, clustering)] = ts

    @rule(key=KEYS)
    def delete_partition(self, key: int) -> None:
        ts = self._next_timestamp()
        self._apply(key, PartitionUpdate(raw_key(key), key, DeletionTime(ts, self.now)))
        self.partition_deletions[key] = ts

    @rule()
    def flush(self) -> None:
        self.storage.flush_all()

    @rule(seconds=st.integers(1, 4))
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
            if ts <= self.partition_deletions.get(k, -1) or ts <= self.row_deletions.get((k, clustering), -1):
                continue
            if expiry is not None and self.now >= expiry:
                continue
            result[(clustering, column)] = value
        return result

    @invariant()
    def reads_match_the_model(self) -> None:
        table = self.storage.table(TABLE)
        for key in range(5):
            assert visible(table.get(raw_key(key), key), self.now) == self.expected(key), f"key {key}"
        scanned = {p.token: visible(p, self.now) for p in table.scan()}
        for key in range(5):
            assert scanned.get(key, {}) == self.expected(key)

    def teardown(self) -> None:
        self.storage.drain()
        shutil.rmtree(self.root, ignore_errors=True)


StorageMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=30, deadline=None, derandomize=True
)
TestStorageModel = StorageMachine.TestCase
