"""A node's storage survives SIGKILL: a real child process (``storage_child.py``) writes through
``LocalStorage`` — BATCH commitlog, background flushes, flushes from writer threads — and is killed at a
seeded random moment; the test then opens the same directories, replays, and checks what a node promises:

- every acknowledged write is readable in both tables with exactly the values written, and every
  acknowledged deletion is in effect (unacknowledged ones may or may not be there, but whatever is there is
  exactly what some write produced, and once seen after a restart it stays);
- no SSTable is half-visible: every listed SSTable opens and verifies before anything cleans up;
- every partition reads back by scan, and a sample of each run's keys by key;
- after the test's ``drain`` the next child replays nothing and reads back exactly what the test read.
"""

from __future__ import annotations

import functools
import math
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from engine.db.background import ManualStage
from engine.db.local_storage import LocalStorage
from engine.db.rows import LIVE, PartitionUpdate
from engine.db.sstable import Descriptor, SSTableDirectory, SSTableReader
from engine.dht.murmur3_partitioner import get_token
from tests.unit.db.storage_child import TABLES, expected_partition, open_storage, partition_key

CHILD = Path(__file__).with_name("storage_child.py")
SEED = 20250611
CYCLES = 20
MIN_ACKS, MAX_ACKS = 20, 600
POINT_READS = 64  # per table and cycle
# Bounds a child that stopped talking (a hang or a crash before its first line); never reached normally.
LINE_TIMEOUT = 60.0


@dataclass
class ChildRun:
    """What one child said before it was killed."""

    replayed: tuple[int, int] = (-1, -1)  # (mutations, segments)
    ready: int = -1
    acked: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)

    def take(self, line: str) -> str | None:
        """Record one line; returns what is wrong with it, if anything."""
        word, _, rest = line.partition(" ")
        if word == "ACK":
            self.acked.append(int(rest))
        elif word == "DEL":
            self.deleted.append(int(rest))
        elif word == "REPLAYED":
            mutations, segments = rest.split()
            self.replayed = (int(mutations), int(segments))
        elif word == "READY":
            self.ready = int(rest)
        else:
            return f"said {line!r}"
        return None


@dataclass
class History:
    """What the test knows across cycles."""

    acked: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)  # acknowledged deletions
    # Per table: keys (and deletions) seen after a restart; a later restart must still show them.
    seen: dict[uuid.UUID, set[int]] = field(default_factory=lambda: {t: set() for t in TABLES})
    seen_deleted: dict[uuid.UUID, set[int]] = field(default_factory=lambda: {t: set() for t in TABLES})


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        if line.endswith("\n"):  # a line cut short by the kill was never acknowledged
            lines.put(line.rstrip("\n"))
    lines.put(None)


def run_child(root: Path, cycle: int, seed: int, kill_after: int) -> ChildRun:
    """Start a child, read its output until ``kill_after`` ACKs, SIGKILL it; everything it printed counts."""
    errors_path = root / f"child-{cycle}.err"
    with errors_path.open("w") as errors:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(root), str(seed)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert child.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True)
    pump.start()
    run = ChildRun()
    problem = None
    try:
        while problem is None and len(run.acked) < kill_after:
            try:
                line = lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                problem = "went silent"
                break
            if line is None:
                problem = "exited before it was killed"
            else:
                problem = run.take(line)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=LINE_TIMEOUT)
        pump.join(timeout=LINE_TIMEOUT)
        child.stdout.close()
    assert problem is None, f"cycle {cycle}: the child {problem}; its stderr:\n{errors_path.read_text()}"
    assert child.returncode == -signal.SIGKILL, f"cycle {cycle}: the child exited with {child.returncode}"
    # Lines already in the pipe were printed after their apply returned: they are acknowledged too.
    while (line := lines.get_nowait()) is not None:
        problem = run.take(line)
        assert problem is None, f"cycle {cycle}: the child {problem}; its stderr:\n{errors_path.read_text()}"
    return run


def describe(partition: PartitionUpdate | None) -> str:
    """A partition in a few words: per row, its clustering, deletion timestamp or columns and timestamp."""
    if partition is None:
        return "nothing"
    rows = []
    for row in partition.rows:
        state = f"deleted@{row.deletion.marked_for_delete_at}" if row.deletion != LIVE else ""
        stamp = f"@{row.liveness.timestamp}" if row.liveness is not None else ""
        rows.append(f"{b''.join(row.clustering).hex()}{stamp} {state}{'+'.join(sorted(row.columns))}".strip())
    deletion = (
        "" if partition.deletion == LIVE else f"partition deleted@{partition.deletion.marked_for_delete_at} "
    )
    return f"{deletion}[{', '.join(rows)}]"


@functools.cache
def expected(key: int, table_id: uuid.UUID, deleted: bool) -> PartitionUpdate:
    return expected_partition(key, table_id, deleted=deleted)


def check_sstables(root: Path, cycle: int, verified: set[Descriptor]) -> None:
    """Every new SSTable the kill left visible opens and verifies (SSTables are immutable, and opening the
    storage opens every listed one again)."""
    for table_dir in sorted((root / "data").glob("*/*")):
        for descriptor in SSTableDirectory(table_dir).list():
            if descriptor in verified:
                continue
            try:
                with SSTableReader.open(descriptor) as reader:
                    reader.verify()
                verified.add(descriptor)
            except Exception as error:
                raise AssertionError(
                    f"cycle {cycle}: SSTable {descriptor} is half-visible: {error}"
                ) from error


def check_table(
    storage: LocalStorage, table_id: uuid.UUID, cycle: int, history: History, run: ChildRun
) -> int:
    """Scan one table and check every partition against the history; returns the partition count."""
    name = TABLES[table_id]
    store = storage.table(table_id)
    found: dict[int, PartitionUpdate] = {}
    for partition in store.scan():
        key = int.from_bytes(partition.key, "big")
        where = f"cycle {cycle}, table {name}, key {key}"
        assert key not in found, f"{where}: scanned twice"
        assert partition.token == get_token(partition.key), f"{where}: wrong token {partition.token}"
        written, deleted = expected(key, table_id, False), expected(key, table_id, True)
        if key in history.deleted or key in history.seen_deleted[table_id]:
            why = "acknowledged" if key in history.deleted else "seen after an earlier restart"
            if partition == written:
                raise AssertionError(f"{where}: the deletion ({why}) is not in effect")
            if partition != deleted:
                raise AssertionError(
                    f"{where}: read {describe(partition)}, wrote (then deleted, {why}) {describe(deleted)}"
                )
        elif partition not in (written, deleted):
            raise AssertionError(f"{where}: read {describe(partition)}, wrote {describe(written)}")
        found[key] = partition
    for key in sorted(history.acked | history.seen[table_id]):
        state = "acknowledged" if key in history.acked else "seen after an earlier restart"
        assert key in found, f"cycle {cycle}, table {name}, key {key}: {state} but lost"
    # The point-read path agrees with the scan: this run's deletions and a sample of its writes.
    sample = random.Random(cycle).sample(run.acked, min(POINT_READS, len(run.acked)))
    for key in sorted({*sample, *run.deleted}):
        raw = partition_key(key)
        got = store.get(raw, get_token(raw))
        if got != found[key]:
            where = f"cycle {cycle}, table {name}, key {key}"
            raise AssertionError(f"{where}: get read {describe(got)}, scan read {describe(found[key])}")
    history.seen[table_id].update(found)
    history.seen_deleted[table_id].update(k for k, p in found.items() if p == expected(k, table_id, True))
    return len(found)


def test_acknowledged_writes_survive_sigkill_of_a_node(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    history = History()
    verified: set[Descriptor] = set()
    expected_ready = 0
    for cycle in range(CYCLES):
        # Log-uniform: short runs (kills soon after start-up and replay) are as likely as long ones.
        kill_after = round(math.exp(rng.uniform(math.log(MIN_ACKS), math.log(MAX_ACKS))))
        run = run_child(tmp_path, cycle, rng.randrange(2**32), kill_after)
        assert run.replayed[0] == 0, f"cycle {cycle}: the child replayed {run.replayed} after a drain"
        assert run.ready == expected_ready, f"cycle {cycle}: the child read {run.ready}, not {expected_ready}"
        history.acked.update(run.acked)
        history.deleted.update(run.deleted)

        check_sstables(tmp_path, cycle, verified)
        stage = ManualStage("flush")
        storage = open_storage(tmp_path, stage)
        try:
            storage.replay_commitlog()
            # Replay queues a flush for each memtable that passes the threshold: a ManualStage runs them
            # only when told, and they must be done before drain (which does not wait for queued flushes).
            stage.run_pending()
            expected_ready = sum(check_table(storage, t, cycle, history, run) for t in TABLES)
        finally:
            storage.drain()
    assert len(history.acked) >= CYCLES * MIN_ACKS and history.deleted
    storage = open_storage(tmp_path, ManualStage("flush"))  # the last drain, too, left nothing to replay
    try:
        assert storage.replay_commitlog().mutations == 0
    finally:
        storage.drain()
