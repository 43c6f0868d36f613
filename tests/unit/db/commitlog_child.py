"""Child process of the commitlog crash test (``test_commitlog.py``); killed with SIGKILL by the test.

Usage: ``python commitlog_child.py COMMITLOG_DIR DATA_DIR FIRST_KEY``

It runs a node's start-up sequence and then writes as fast as it can:

1. opens a BATCH-mode ``CommitLog`` on COMMITLOG_DIR and replays the segments a previous child left;
2. "flushes" the replayed keys to ``DATA_DIR/flushed-<FIRST_KEY>.txt`` (a stand-in for an SSTable:
   written to a temporary file, fsynced, renamed, directory fsynced) and calls ``recycle_after_replay``;
3. appends mutations with increasing integer keys from FIRST_KEY on, from 4 threads, and prints each key
   on its own line (flushing stdout) once ``append`` has returned — the key is then acknowledged.

The mutation's partition key is the decimal key; its single cell has a key-dependent size, so entries
straddle segment boundaries at varied offsets.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import uuid
from pathlib import Path
from types import MappingProxyType

from engine.db.commitlog import CommitLog, CommitLogConfig, CommitLogSync
from engine.db.mutation import Mutation
from engine.db.rows import Cell, LivenessInfo, PartitionUpdate, Row

TABLE_ID = uuid.UUID("00000000-0000-0000-0000-00000000c0de")
SEGMENT_SIZE = 16 * 1024
WRITERS = 4


def make_mutation(key: int) -> Mutation:
    encoded = str(key).encode()
    value = encoded * (1 + (key * 7919) % 97)
    row = Row((), LivenessInfo(key), columns=MappingProxyType({"v": Cell(value, key)}))
    return Mutation("crash", encoded, ((TABLE_ID, PartitionUpdate(encoded, 0, rows=(row,))),))


def flush(data_dir: Path, first_key: int, keys: list[int]) -> None:
    target = data_dir / f"flushed-{first_key}.txt"
    temp = target.with_name(target.name + ".tmp")
    with temp.open("w") as out:
        out.write("".join(f"{key}\n" for key in keys))
        out.flush()
        os.fsync(out.fileno())
    temp.rename(target)
    fd = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: list[str]) -> None:
    commitlog_dir, data_dir, first_key = Path(argv[1]), Path(argv[2]), int(argv[3])
    log = CommitLog(commitlog_dir, CommitLogConfig(segment_size=SEGMENT_SIZE, sync=CommitLogSync.BATCH))
    replayed = [int(mutation.key) for _, mutation in log.replay()]
    flush(data_dir, first_key, replayed)
    log.recycle_after_replay()

    keys = itertools.count(first_key)
    key_lock = threading.Lock()
    out_lock = threading.Lock()

    def write_forever() -> None:
        while True:
            with key_lock:
                key = next(keys)
            log.append(make_mutation(key))
            with out_lock:
                sys.stdout.write(f"{key}\n")
                sys.stdout.flush()

    writers = [threading.Thread(target=write_forever, daemon=True) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()


if __name__ == "__main__":
    main(sys.argv)
