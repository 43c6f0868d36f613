"""A served node survives SIGKILL with nothing acknowledged lost: the node runs as a real child process
(``served_child.py``) serving the native protocol; the test writes through cassandra-driver — concurrent
prepared INSERTs and DELETEs, recording which the server acknowledged — and kills the child with SIGKILL
after a seeded random number of acknowledgements, with requests in flight. The child's memtables flush
every few hundred writes and compact every few flushes, so kills land during commitlog syncs, flushes and
compactions; a thread of the child takes a snapshot every half second, so kills land in snapshots too.
A snapshot that fails while the node runs is counted and printed, not asserted: one racing a compaction
can fail today (``FileNotFoundError`` linking an SSTable the compaction just deleted; Cassandra holds
references to the SSTables it snapshots) — a storage-engine bug these runs found, recorded in
docs/reliability.md. After each kill:

- every SSTable the kill left listed opens and verifies (none is half-visible); every snapshot with a
  manifest holds exactly the files it lists, and its SSTables verify;
- the restarted node (commitlog replayed) returns, through the driver, every acknowledged insert with
  exactly its value, no acknowledged delete, and nothing that was never written; a write whose outcome the
  client never learned may be there or not, but once a restart showed which, every later restart agrees.

With ``commitlog_sync: batch`` an acknowledgement waits for the fsync. With ``periodic`` it does not, but a
killed process loses nothing that reached the page cache (only a power loss may lose the last
``commitlog_sync_period``), so the periodic runs assert no loss either and record how many acknowledged
writes were inside the unsynced window at the kill: the exposure a power loss would have had.

Default run: 5 batch cycles and 2 periodic ones (seconds). ``-m slow``: 60 batch and 10 periodic cycles.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from cassandra.cluster import Cluster, Session
from cassandra.query import PreparedStatement

from engine.db.compaction.history import read as read_history
from engine.db.sstable import SSTableDirectory, SSTableReader, parse_filename

CHILD = Path(__file__).with_name("served_child.py")
SEED = 20261206
PARTITIONS = 64
IN_FLIGHT = 32
FLUSH_THRESHOLD = 48 * 1024  # bytes of memtable: a flush every ~200 writes, a compaction every ~4 flushes
DELETE_RATIO = 0.2
READY_TIMEOUT = 60.0  # a child that never says READY (an import error, a crash at start-up)
PERIODIC_SYNC = 1.0  # seconds: commitlog_sync_period of the periodic runs
SNAPSHOT_PERIOD = 0.5  # seconds between the child's snapshots


def payload(key: int) -> str:
    """The one value key ``key`` is ever written with (200 characters, so memtables fill quickly)."""
    return f"{key:010d}" * 20


@dataclass
class History:
    """What the client knows about every key across cycles."""

    attempted: set[int] = field(default_factory=set)  # inserts sent
    present: set[int] = field(default_factory=set)  # acknowledged (or seen after a restart), not deleted
    absent: set[int] = field(default_factory=set)  # acknowledged deletes, or never seen after a restart
    unsure: set[int] = field(default_factory=set)  # the client never learned the outcome
    next_key: int = 0


@dataclass
class CycleFigures:
    acked_inserts: int = 0
    acked_deletes: int = 0
    failed: int = 0
    acked_in_last_window: int = 0  # acknowledged within PERIODIC_SYNC seconds before the kill
    snapshot_failures: list[str] = field(default_factory=list)


@dataclass
class Totals:
    cycles: int = 0
    acked_inserts: int = 0
    acked_deletes: int = 0
    lost: int = 0
    resurrected: int = 0
    # kills that left an SSTable half written (flush, compaction) or half deleted (compacted away)
    interrupted_sstable_writes: int = 0
    sstables_verified: int = 0
    snapshots_verified: int = 0  # complete snapshots (with a manifest) whose SSTables all verify
    interrupted_snapshots: int = 0  # snapshots a kill left without a manifest
    snapshot_failures: list[str] = field(default_factory=list)  # snapshots that failed while running
    compactions: int = 0
    max_window_exposure: int = 0


class ServedNode:
    """The child process serving one node directory."""

    def __init__(self, directory: Path, mode: str, stderr: IO[str]) -> None:
        self.stderr = stderr
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                str(directory),
                mode,
                str(PERIODIC_SYNC),
                str(FLUSH_THRESHOLD),
                str(SNAPSHOT_PERIOD),
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        self.port = self._await_ready(directory)

    def _await_ready(self, directory: Path) -> int:
        assert self.process.stdout is not None
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(READY_TIMEOUT)
        line = found[0] if found else ""
        if not line.startswith("READY "):
            self.kill()
            self.stderr.flush()
            said = Path(self.stderr.name).read_text(encoding="utf-8", errors="replace")[-3000:]
            raise AssertionError(f"the node in {directory} did not start: {line!r}; its stderr ends:\n{said}")
        return int(line.split()[1])

    def kill(self) -> list[str]:
        """SIGKILL; returns the snapshot failures the child reported (``SNAPSHOT-FAILED ...`` lines)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        said = ""
        if self.process.stdout is not None and not self.process.stdout.closed:
            said = self.process.stdout.read()
            self.process.stdout.close()
        return [line for line in said.splitlines() if line.startswith("SNAPSHOT-FAILED ")]


def connect(port: int) -> tuple[Cluster, Session]:
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=5, connect_timeout=10)
    return cluster, cluster.connect()


def write_until_kill(
    session: Session, node: ServedNode, history: History, rng: random.Random, target: int
) -> CycleFigures:
    """Concurrent prepared INSERTs and DELETEs until ``target`` acknowledgements, then SIGKILL with up to
    ``IN_FLIGHT`` requests outstanding; returns once every request has an outcome."""
    insert: PreparedStatement = session.prepare("INSERT INTO soak.events (p, c, v) VALUES (?, ?, ?)")
    delete: PreparedStatement = session.prepare("DELETE FROM soak.events WHERE p = ? AND c = ?")
    figures = CycleFigures()
    lock = threading.Lock()
    slots = threading.Semaphore(IN_FLIGHT)
    acked_at: list[float] = []
    outstanding: set[int] = set()  # keys with a request in flight
    done = threading.Condition(lock)

    def finish(key: int, deleting: bool, ok: bool) -> None:
        with lock:
            outstanding.discard(key)
            if ok:
                acked_at.append(time.monotonic())
                history.unsure.discard(key)
                if deleting:
                    figures.acked_deletes += 1
                    history.present.discard(key)
                    history.absent.add(key)
                else:
                    figures.acked_inserts += 1
                    history.present.add(key)
            else:
                figures.failed += 1
            done.notify_all()
        slots.release()

    while True:
        slots.acquire()
        with lock:
            if len(acked_at) >= target:
                slots.release()
                break
            deletable = sorted(history.present - outstanding)
            deleting = bool(deletable) and rng.random() < DELETE_RATIO
            if deleting:
                key = rng.choice(deletable)
            else:
                key = history.next_key
                history.next_key += 1
                history.attempted.add(key)
            outstanding.add(key)
            history.unsure.add(key)
        if deleting:
            future = session.execute_async(delete, (key % PARTITIONS, key))
        else:
            future = session.execute_async(insert, (key % PARTITIONS, key, payload(key)))
        future.add_callbacks(
            lambda _rows, k=key, d=deleting: finish(k, d, True),
            lambda _error, k=key, d=deleting: finish(k, d, False),
        )
    failures = node.kill()
    killed_at = time.monotonic()
    with done:
        done.wait_for(lambda: not outstanding, timeout=60)
        assert not outstanding, f"{len(outstanding)} requests never completed after the kill"
        figures.acked_in_last_window = sum(1 for t in acked_at if killed_at - t <= PERIODIC_SYNC)
    figures.snapshot_failures = failures
    return figures


def check_sstables(data: Path, verified: set[object], totals: Totals) -> None:
    """Every listed SSTable opens and verifies; counts the kills that left an SSTable half written or half
    deleted (components without a TOC, or temporary files: what the next start cleans up)."""
    interrupted = False
    for table_dir in sorted(data.glob("soak/*")):
        listed = SSTableDirectory(table_dir).list()
        for path in table_dir.iterdir():
            parsed = parse_filename(path)
            if parsed is not None and (parsed.temporary or parsed.descriptor not in listed):
                interrupted = True
        for descriptor in listed:
            if descriptor in verified:
                continue
            with SSTableReader.open(descriptor) as reader:
                reader.verify()
            verified.add(descriptor)
            totals.sstables_verified += 1
    totals.interrupted_sstable_writes += interrupted
    for table_dir in sorted(data.glob("soak/*")):
        for snapshot in sorted((table_dir / "snapshots").glob("*")):
            if snapshot in verified:
                continue
            check_snapshot(snapshot, totals)
            verified.add(snapshot)


def check_snapshot(snapshot: Path, totals: Totals) -> None:
    """A snapshot with a manifest is complete: exactly the files it lists, every SSTable verifying. The
    manifest is written after the links, so a kill before it leaves a snapshot without one (counted;
    Cassandra's snapshots are not atomic either and ``nodetool clearsnapshot`` removes them)."""
    try:
        manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        totals.interrupted_snapshots += 1
        return
    present = {p.name for p in snapshot.iterdir()} - {"manifest.json", "schema.cql"}
    assert present == set(manifest["files"]), f"snapshot {snapshot.name} differs from its manifest"
    for descriptor in SSTableDirectory(snapshot).list():
        with SSTableReader.open(descriptor) as reader:
            reader.verify()
    totals.snapshots_verified += 1


def check_contents(session: Session, history: History, cycle: int, totals: Totals) -> None:
    rows = session.execute("SELECT p, c, v FROM soak.events", timeout=60)
    seen: dict[int, str] = {}
    for row in rows:
        assert row.p == row.c % PARTITIONS, f"cycle {cycle}: row {row} is in the wrong partition"
        assert row.c not in seen, f"cycle {cycle}: row {row.c} returned twice"
        seen[row.c] = row.v
    never_written = set(seen) - history.attempted
    assert not never_written, f"cycle {cycle}: rows that were never written: {sorted(never_written)[:10]}"
    wrong = [k for k, v in seen.items() if v != payload(k)]
    assert not wrong, f"cycle {cycle}: rows with a value never written: {wrong[:10]}"
    # a delete in flight at the kill leaves its key unsure (it was present before)
    lost = history.present - history.unsure - set(seen)
    resurrected = (history.absent - history.unsure) & set(seen)
    totals.lost += len(lost)
    totals.resurrected += len(resurrected)
    assert not lost, f"cycle {cycle}: {len(lost)} acknowledged writes lost, e.g. {sorted(lost)[:10]}"
    assert not resurrected, (
        f"cycle {cycle}: {len(resurrected)} deleted rows are back, e.g. {sorted(resurrected)[:10]}"
    )
    # what a restart showed is now known, and every later restart must agree
    for key in history.unsure:
        (history.present if key in seen else history.absent).add(key)
        (history.absent if key in seen else history.present).discard(key)
    history.unsure.clear()


def crash_cycles(root: Path, mode: str, cycles: int, seed: int, min_acks: int, max_acks: int) -> Totals:
    logging.getLogger("cassandra").setLevel(logging.CRITICAL)  # the kill's connection errors are expected
    rng = random.Random(seed)
    history, totals, verified = History(), Totals(), set[object]()
    directory = root / "node1"
    with open(root / "child.stderr", "w", encoding="utf-8") as stderr:
        for cycle in range(cycles + 1):
            node = ServedNode(directory, mode, stderr)
            try:
                cluster, session = connect(node.port)
                try:
                    check_contents(session, history, cycle, totals)
                    if cycle == cycles:
                        break
                    figures = write_until_kill(session, node, history, rng, rng.randint(min_acks, max_acks))
                finally:
                    cluster.shutdown()
            finally:
                node.kill()
            totals.cycles += 1
            totals.acked_inserts += figures.acked_inserts
            totals.acked_deletes += figures.acked_deletes
            totals.max_window_exposure = max(totals.max_window_exposure, figures.acked_in_last_window)
            totals.snapshot_failures += figures.snapshot_failures
            check_sstables(directory / "data", verified, totals)
    # the node's background work (flushes, compactions, snapshots) never failed in any cycle
    said = (root / "child.stderr").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in said and "Exception" not in said, said[-3000:]
    history_file = directory / "data" / "compaction_history.log"
    totals.compactions = len(read_history(history_file)[0]) if history_file.exists() else 0
    return totals


def report(mode: str, totals: Totals) -> None:
    print(
        f"\n{mode}: {totals.cycles} kills, {totals.acked_inserts} inserts and {totals.acked_deletes} deletes "
        f"acknowledged, {totals.lost} lost, {totals.resurrected} resurrected; {totals.interrupted_sstable_writes} "
        f"kills interrupted an SSTable write or deletion, {totals.sstables_verified} SSTables verified, "
        f"{totals.compactions} compactions, {totals.snapshots_verified} snapshots verified, "
        f"{totals.interrupted_snapshots} interrupted, {len(totals.snapshot_failures)} failed; at most {totals.max_window_exposure} acknowledged writes "
        f"within the last {PERIODIC_SYNC:g} s before a kill"
    )
    for failure in totals.snapshot_failures[:3]:
        print(f"  {failure}")


@pytest.fixture
def quiet_driver() -> Iterator[None]:
    logger = logging.getLogger("cassandra")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("quiet_driver")
def test_batch_commitlog_loses_no_acknowledged_write(tmp_path: Path) -> None:
    totals = crash_cycles(tmp_path, "batch", cycles=5, seed=SEED, min_acks=100, max_acks=900)
    report("batch", totals)
    assert totals.cycles == 5 and totals.lost == 0 and totals.resurrected == 0
    assert totals.acked_inserts > 500 and totals.sstables_verified > 0


@pytest.mark.usefixtures("quiet_driver")
def test_periodic_commitlog_loses_nothing_to_a_process_kill(tmp_path: Path) -> None:
    totals = crash_cycles(tmp_path, "periodic", cycles=2, seed=SEED + 1, min_acks=200, max_acks=900)
    report("periodic", totals)
    assert totals.cycles == 2 and totals.lost == 0 and totals.resurrected == 0


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.usefixtures("quiet_driver")
def test_batch_commitlog_long(tmp_path: Path) -> None:
    totals = crash_cycles(tmp_path, "batch", cycles=60, seed=SEED + 2, min_acks=50, max_acks=3000)
    report("batch", totals)
    assert totals.cycles == 60 and totals.lost == 0 and totals.resurrected == 0
    assert totals.interrupted_sstable_writes > 0 and totals.compactions > 0


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.usefixtures("quiet_driver")
def test_periodic_commitlog_long(tmp_path: Path) -> None:
    totals = crash_cycles(tmp_path, "periodic", cycles=10, seed=SEED + 3, min_acks=50, max_acks=3000)
    report("periodic", totals)
    assert totals.cycles == 10 and totals.lost == 0 and totals.resurrected == 0
