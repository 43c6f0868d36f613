"""Child process of the storage crash test (``test_crash.py``); killed with SIGKILL by the test.

Usage: ``python storage_child.py ROOT SEED``

It runs a node's storage the way a node does, then writes as fast as it can:

1. opens ``LocalStorage`` on ``ROOT/data`` and ``ROOT/commitlog`` (BATCH commitlog, 256 KiB segments,
   flushes on a ``ThreadStage`` once a memtable passes 64 KiB; memtables of 32 KiB or more are written by
   the flush worker process, smaller ones in-thread), registers the two tables, and replays what
   a killed predecessor left (``replay_commitlog`` flushes it and deletes the replayed segments);
2. prints ``REPLAYED <mutations> <segments>``, then ``READY <n>`` where n is the number of partitions a
   scan of both tables reads back;
3. writes mutations with increasing integer keys, from just past the largest key present, from 4 threads.
   Each mutation touches both tables (``write_mutation``: a few rows, sometimes a map-like complex column).
   Once ``apply`` has returned, the writer prints ``ACK <key>``. Now and then a writer deletes the first
   row of an older key in both tables (``delete_mutation``) and prints ``DEL <key>`` once that returned.
   Every ``FLUSH_EVERY`` writes, the writer that made it flushes one table on its own thread
   (``flush_now``), so kills land in the middle of flushes as well as of threshold-triggered ones.

Everything a key's mutations contain is a pure function of the key (the test rebuilds the expected
partitions with ``expected_partition``); the seed only picks deletions and which writer flushes. If
anything fails, the child prints ``FAIL <error>`` (details on stderr) and exits with status 3.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import threading
import traceback
import uuid
from pathlib import Path
from types import MappingProxyType

from engine.db.background import Stage, ThreadStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig, CommitLogSync
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import Cell, ComplexColumn, DeletionTime, LivenessInfo, PartitionUpdate, Row
from engine.dht.murmur3_partitioner import get_token

KEYSPACE = "crash"
USERS = uuid.UUID("00000000-0000-0000-0000-0000000c4a51")
EVENTS = uuid.UUID("00000000-0000-0000-0000-0000000c4a52")
TABLES = {USERS: "users", EVENTS: "events"}

SEGMENT_SIZE = 256 * 1024
FLUSH_THRESHOLD = 64 * 1024
# Threshold flushes go to the flush worker; flush_now of a smaller memtable stays in-thread: kills land in
# both kinds of flush.
FLUSH_WORKER_THRESHOLD = 32 * 1024
WRITERS = 4
FLUSH_EVERY = 200
DELETE_CHANCE = 1 / 20
#: local_deletion_time (seconds) of every deletion written: fixed, so expected values are exact.
DELETED_AT = 1_700_000_000
DELETED_ROW = (b"\x00\x00",)  # the clustering of the row ``delete_mutation`` deletes: every key has it


# ------------------------------------------------------------------------------- the data of a key


def partition_key(key: int) -> bytes:
    return key.to_bytes(8, "big")


def write_timestamp(key: int) -> int:
    return key * 16 + 1


def delete_timestamp(key: int) -> int:
    return key * 16 + 8  # after the key's write, so the deletion shadows it


def written_partition(key: int, table_id: uuid.UUID) -> PartitionUpdate:
    """What ``write_mutation(key)`` writes to one table: 1-3 rows, sometimes with a map-like column."""
    rng = random.Random(key * 2 + (table_id == EVENTS))
    ts = write_timestamp(key)
    rows = []
    for index in range(rng.choice((1, 1, 2, 3))):
        columns: dict[str, Cell | ComplexColumn] = {"name": Cell(rng.randbytes(rng.randint(8, 400)), ts)}
        if rng.random() < 0.3:  # a collection overwrite: its deletion shadows what the map held before
            paths = sorted({rng.randbytes(4) for _ in range(rng.randint(1, 5))})
            cells = {path: Cell(rng.randbytes(rng.randint(0, 30)), ts) for path in paths}
            columns["tags"] = ComplexColumn(MappingProxyType(cells), DeletionTime(ts - 1, DELETED_AT))
        rows.append(Row((index.to_bytes(2, "big"),), LivenessInfo(ts), columns=MappingProxyType(columns)))
    raw = partition_key(key)
    return PartitionUpdate(raw, get_token(raw), rows=tuple(rows))


def write_mutation(key: int) -> Mutation:
    raw = partition_key(key)
    return Mutation(KEYSPACE, raw, tuple((t, written_partition(key, t)) for t in TABLES))


def row_deletion(key: int) -> Row:
    return Row(DELETED_ROW, deletion=DeletionTime(delete_timestamp(key), DELETED_AT))


def delete_mutation(key: int) -> Mutation:
    """Deletes the first row of ``key`` in both tables."""
    raw = partition_key(key)
    update = PartitionUpdate(raw, get_token(raw), rows=(row_deletion(key),))
    return Mutation(KEYSPACE, raw, tuple((t, update) for t in TABLES))


def expected_partition(key: int, table_id: uuid.UUID, *, deleted: bool) -> PartitionUpdate:
    """What a read of ``key`` must return once its write (and, if ``deleted``, its deletion) applied."""
    written = written_partition(key, table_id)
    if not deleted:
        return written
    first, *rest = written.rows
    assert first.clustering == DELETED_ROW
    return PartitionUpdate(written.key, written.token, rows=(row_deletion(key), *rest))


# ------------------------------------------------------------------------------------------ the node


def open_storage(root: Path, flush_stage: Stage) -> LocalStorage:
    """The node's storage on ``root`` with both tables registered (the test opens it the same way)."""
    storage = LocalStorage(
        data_directory=root / "data",
        commitlog_directory=root / "commitlog",
        flush_stage=flush_stage,
        commitlog_config=CommitLogConfig(sync=CommitLogSync.BATCH, segment_size=SEGMENT_SIZE),
    )
    params = StorageParams(
        memtable_flush_threshold=FLUSH_THRESHOLD, flush_worker_threshold=FLUSH_WORKER_THRESHOLD
    )
    for table_id, name in TABLES.items():
        # ``tuple``: the clustering's bytes order, as a sort key that pickles (the flush worker needs it).
        storage.add_table(KEYSPACE, name, table_id, tuple, params)
    return storage


def present_keys(storage: LocalStorage) -> tuple[int, list[int]]:
    """(partitions readable in both tables, sorted keys present in either)."""
    partitions, keys = 0, set()
    for table_id in TABLES:
        for partition in storage.table(table_id).scan():
            partitions += 1
            keys.add(int.from_bytes(partition.key, "big"))
    return partitions, sorted(keys)


class Writers:
    def __init__(self, storage: LocalStorage, seed: int, first_key: int, older: list[int]) -> None:
        self.storage = storage
        self.seed = seed
        self._keys = itertools.count(first_key)
        self._writes = itertools.count(1)
        self._lock = threading.Lock()
        self._out_lock = threading.Lock()
        self._deletable = list(older)  # keys that are present: read back at start-up, or acknowledged

    def emit(self, line: str) -> None:
        with self._out_lock:
            print(line, flush=True)

    def run(self, index: int) -> None:
        try:
            self._write_forever(random.Random(self.seed * WRITERS + index))
        except BaseException as error:
            traceback.print_exc()
            self.emit(f"FAIL {type(error).__name__}: {error}")
            sys.stderr.flush()
            os._exit(3)

    def _write_forever(self, rng: random.Random) -> None:
        tables = list(TABLES)
        while True:
            with self._lock:
                key, count = next(self._keys), next(self._writes)
            self.storage.apply(write_mutation(key))
            self.emit(f"ACK {key}")
            with self._lock:
                self._deletable.append(key)
                target = rng.choice(self._deletable) if rng.random() < DELETE_CHANCE else None
            if target is not None:
                self.storage.apply(delete_mutation(target))
                self.emit(f"DEL {target}")
            if count % FLUSH_EVERY == 0:
                self.storage.table(tables[rng.randrange(len(tables))]).flush_now()


def main(argv: list[str]) -> None:
    root, seed = Path(argv[1]), int(argv[2])
    storage = open_storage(root, ThreadStage("flush"))
    replayed = storage.replay_commitlog()
    print(f"REPLAYED {replayed.mutations} {replayed.segments}", flush=True)
    partitions, keys = present_keys(storage)
    print(f"READY {partitions}", flush=True)
    writers = Writers(storage, seed, (keys[-1] + 1) if keys else 1, keys)
    threads = [threading.Thread(target=writers.run, args=(i,), daemon=True) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main(sys.argv)
