"""Large flushes written by the flush worker process: the same SSTable as an in-thread flush, a worker
that dies or fails leaves no file behind and the flush is written in-thread, the worker ends with its
stdin and with ``LocalStorage.drain``."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
import threading
import uuid
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType as Frozen

import pytest

import engine
from engine.db.background import ManualStage
from engine.db.clustering_sort_key import ClusteringSortKey
from engine.db.column_family_store import ColumnFamilyStore, StorageParams
from engine.db.local_storage import LocalStorage
from engine.db.mutation import Mutation
from engine.db.rows import LIVE, Cell, ClusteringKey, LivenessInfo, PartitionUpdate, Row
from engine.db.serialization import serialize_partition
from engine.db.sstable import ALL_COMPONENTS, SSTableReader
from engine.db.sstable.descriptor import Descriptor
from engine.db.sstable.flush_worker import (
    MAX_FAILURES_IN_A_ROW,
    MODULE,
    FlushRequest,
    FlushWorker,
    OrphanWatch,
    ParentGone,
    Partitions,
    read_request,
    write_sstable,
)
from engine.dht.murmur3_partitioner import get_token
from engine.schema.types import IntType, ReversedType, TextType
from tests.unit.db.test_sstable import shaped

TABLE_ID = uuid.UUID(int=11)
PARTITIONS = 1200


def store(
    directory: Path,
    worker: FlushWorker | None,
    threshold: int | None = 1,
    clustering_key: ClusteringKey = tuple,  # bytes order, like the tests' ``lambda c: c``, but it pickles
) -> ColumnFamilyStore:
    return ColumnFamilyStore(
        keyspace="ks",
        name="t",
        table_id=TABLE_ID,
        directory=directory,
        clustering_key=clustering_key,
        flush_stage=ManualStage("flush"),
        params=StorageParams(sync_sstables=False, flush_worker_threshold=threshold, chunk_length_in_kb=4),
        flush_worker=worker,
    )


def wide_row(c: int, ts: int) -> Row:
    return Row((c.to_bytes(4, "big"),), LivenessInfo(ts), LIVE, Frozen({"v": Cell(b"w%d" % c, ts)}))


def fill(cfs: ColumnFamilyStore) -> None:
    """Every shape of partition, some written twice (held as fragments), one written row by row until
    the memtable keeps it as a wide partition."""
    for i in range(PARTITIONS):
        cfs.apply(shaped(i))
    for i in range(0, PARTITIONS, 7):
        cfs.apply(shaped(i + 3 * PARTITIONS))  # new keys
        again = shaped(i)
        rows = tuple(Row(r.clustering, r.liveness, r.deletion, r.columns) for r in again.rows[:1])
        cfs.apply(PartitionUpdate(again.key, again.token, rows=rows))  # an overwrite: two fragments
    key = b"wide"
    for c in range(40):
        cfs.apply(PartitionUpdate(key, get_token(key), rows=(wide_row(c, 5_000 + c),)))


def components(reader: SSTableReader) -> dict[str, bytes]:
    d = reader.descriptor
    return {c.value: d.filename(c).read_bytes() for c in ALL_COMPONENTS}


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_file())


@pytest.fixture
def worker() -> Iterator[FlushWorker]:
    worker = FlushWorker()
    yield worker
    worker.close()


def test_worker_writes_the_same_sstable_as_an_in_thread_flush(tmp_path: Path, worker: FlushWorker) -> None:
    here = store(tmp_path / "here", worker, threshold=None)
    there = store(tmp_path / "there", worker)
    fill(here)
    fill(there)
    assert here.view.memtable.live_data_size == there.view.memtable.live_data_size
    ours, theirs = here.flush_now(), there.flush_now()
    assert ours is not None and theirs is not None
    assert worker.flushes == 1 and worker.failures == 0 and worker.peak_rss_kb > 10_000
    assert components(theirs) == components(ours)  # every byte, statistics and digest included
    assert [p for p in theirs.scan()] == [p for p in ours.scan()]
    assert there.metrics.flush_count == 1 and there.metrics.bytes_flushed == ours.on_disk_size
    # The worker's SSTable is the table's: readable through the store, and opened with the node's caches.
    assert there.get(b"wide", get_token(b"wide")) == here.get(b"wide", get_token(b"wide"))
    assert theirs.caches is there.caches


def test_a_tables_clustering_order_goes_to_the_worker(tmp_path: Path, worker: FlushWorker) -> None:
    """The min/max clustering statistics follow the table's order (int DESC, text), not the bytes'."""
    order = ClusteringSortKey.of([ReversedType(IntType()), TextType()])
    here = store(tmp_path / "here", worker, threshold=None, clustering_key=order)
    there = store(tmp_path / "there", worker, clustering_key=order)
    for cfs in (here, there):
        for i in range(300):
            key = b"p%d" % i
            c = ((i % 11 - 5) * 1000).to_bytes(4, "big", signed=True), b"t%d" % (i % 3)
            row = Row(c, LivenessInfo(10 + i), LIVE, Frozen({"v": Cell(b"x", 10 + i)}))
            cfs.apply(PartitionUpdate(key, get_token(key), rows=(row,)))
    ours, theirs = here.flush_now(), there.flush_now()
    assert ours is not None and theirs is not None and worker.flushes == 1
    assert components(theirs) == components(ours)
    stats = theirs.statistics
    assert (stats.min_clustering, stats.max_clustering) == (
        ((5000).to_bytes(4, "big", signed=True), b"t0"),
        ((-5000).to_bytes(4, "big", signed=True), b"t2"),
    )


def test_small_memtables_and_unpicklable_sort_keys_flush_in_thread(
    tmp_path: Path, worker: FlushWorker
) -> None:
    small = store(tmp_path / "small", worker, threshold=1 << 30)
    small.apply(shaped(1))
    assert small.flush_now() is not None
    lambdas = ColumnFamilyStore(
        keyspace="ks",
        name="l",
        table_id=TABLE_ID,
        directory=tmp_path / "lambda",
        clustering_key=lambda c: c,
        flush_stage=ManualStage("flush"),
        params=StorageParams(sync_sstables=False, flush_worker_threshold=1),
        flush_worker=worker,
    )
    lambdas.apply(shaped(2))
    assert lambdas.flush_now() is not None
    assert worker.flushes == 0 and worker.pid is None  # never started


def expected_partitions(directory: Path) -> list[PartitionUpdate]:
    reference = store(directory, None, threshold=None)
    fill(reference)
    reader = reference.flush_now()
    assert reader is not None
    return list(reader.scan())


def test_worker_killed_before_the_request_falls_back_in_thread(
    tmp_path: Path, worker: FlushWorker, caplog: pytest.LogCaptureFixture
) -> None:
    cfs = store(tmp_path / "t", worker)
    fill(cfs)
    pid = worker.start()
    os.kill(pid, signal.SIGKILL)
    reader = cfs.flush_now()
    assert reader is not None and worker.failures == 1 and worker.pid is None
    assert "killed by SIGKILL" in caplog.text and "writing it here" in caplog.text
    # Generation 1 went to the dead worker and was cleaned up; the in-thread flush wrote generation 2.
    assert reader.descriptor.generation == 2
    assert files(tmp_path / "t") == sorted(f"nb-2-big-{c.value}" for c in ALL_COMPONENTS)
    assert list(reader.scan()) == expected_partitions(tmp_path / "reference")
    assert cfs.live_sstable_count == 1 and not cfs.view.flushing
    # The next large flush starts a new worker.
    fill(cfs)
    assert cfs.flush_now() is not None and worker.flushes == 1 and worker.pid not in (None, pid)


# A worker that reads the request, writes some or all of the SSTable as the real one does, then SIGKILLs
# itself (``complete``: TOC in place, answer never sent) or answers an error.
FAULTY = """
import os, signal, sys
from engine.db.sstable import flush_worker as fw
request, partitions = fw.read_request(sys.stdin.buffer)
mode = sys.argv[1]
if mode == "complete":
    fw.write_sstable(request, partitions, lambda: True)
    os.kill(os.getpid(), signal.SIGKILL)
writer = fw.SSTableWriter(request.descriptor, len(partitions), sync=False)
writer.append_all(partitions.in_order())  # temporary files only, never completed
if mode == "partial":
    os.kill(os.getpid(), signal.SIGKILL)
fw.write_answer(sys.stdout.buffer, fw.Answer("OSError: [Errno 28] No space left on device", 1234))
sys.stdin.buffer.read()
"""


def faulty(mode: str) -> Callable[[], list[str]]:
    return lambda: [sys.executable, "-c", FAULTY, mode]


@pytest.mark.parametrize("mode", ["complete", "partial", "error"])
def test_worker_dying_or_failing_mid_flush_leaves_no_file_and_loses_nothing(
    tmp_path: Path, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    worker = FlushWorker(faulty(mode))
    try:
        cfs = store(tmp_path / "t", worker)
        fill(cfs)
        reader = cfs.flush_now()
    finally:
        worker.close()
    assert reader is not None and worker.failures == 1 and worker.flushes == 0
    expected = "No space left on device" if mode == "error" else "killed by SIGKILL"
    assert expected in caplog.text
    assert files(tmp_path / "t") == sorted(f"nb-2-big-{c.value}" for c in ALL_COMPONENTS)
    assert list(reader.scan()) == expected_partitions(tmp_path / "reference")
    assert [r.descriptor.generation for r in cfs.view.sstables] == [2]
    if mode == "error":
        assert worker.peak_rss_kb == 1234


def wait_for_exit(pid: int, timeout: float = 20.0) -> bool:
    """Whether process ``pid`` (not necessarily our child) exits within ``timeout`` seconds."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def test_worker_exits_at_the_end_of_its_stdin(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    assert process.wait(timeout=20) == 0
    assert process.stdout.read() == b""


PARENT = """
import sys
from engine.db.sstable.flush_worker import FlushWorker
print(FlushWorker().start(), flush=True)
sys.stdin.read()
"""


def test_worker_dies_with_a_sigkilled_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    assert not wait_for_exit(worker_pid, timeout=0)
    parent.kill()
    parent.wait()
    assert wait_for_exit(worker_pid)


def test_worker_abandons_an_sstable_when_its_parent_is_gone(tmp_path: Path) -> None:
    descriptor = Descriptor(tmp_path, 1)
    request = FlushRequest(descriptor, 4, 4, 0.01, tuple, sync=False)
    partition = shaped(0)
    data = serialize_partition(partition)
    received = Partitions(
        array("q", [partition.token]),
        array("I", [len(partition.key)]),
        array("I", [len(data)]),
        partition.key,
        data,
    )
    with pytest.raises(ParentGone):
        write_sstable(request, received, lambda: False)
    assert files(tmp_path) == []


def mutation(key: int) -> Mutation:
    raw = key.to_bytes(8, "big")
    row = Row((b"c",), LivenessInfo(key + 1), LIVE, Frozen({"v": Cell(b"v" * 50, key + 1)}))
    return Mutation("ks", raw, ((TABLE_ID, PartitionUpdate(raw, get_token(raw), rows=(row,))),))


def test_local_storage_flushes_through_its_worker_and_drain_stops_it(tmp_path: Path) -> None:
    storage = LocalStorage(
        data_directory=tmp_path / "data",
        commitlog_directory=tmp_path / "commitlog",
        flush_stage=ManualStage("f"),
    )
    params = StorageParams(sync_sstables=False, flush_worker_threshold=1 << 10)
    cfs = storage.add_table("ks", "t", TABLE_ID, tuple, params)
    storage.replay_commitlog()
    for key in range(500):
        storage.apply(mutation(key))
    cfs.flush_now()
    worker = storage.flush_worker
    pid = worker.pid
    assert pid is not None and worker.flushes == 1
    storage.drain()
    assert worker.closed and worker.pid is None and wait_for_exit(pid, timeout=0)
    reopened = LocalStorage(
        data_directory=tmp_path / "data",
        commitlog_directory=tmp_path / "commitlog",
        flush_stage=ManualStage("f"),
    )
    reopened_cfs = reopened.add_table("ks", "t", TABLE_ID, tuple, params)
    assert reopened.replay_commitlog().mutations == 0
    assert sum(1 for _ in reopened_cfs.scan()) == 500
    reopened.drain()


def test_read_request_is_none_at_the_end_of_the_stream() -> None:
    assert read_request(io.BytesIO(b"")) is None
    with pytest.raises(EOFError, match="header length"):
        read_request(io.BytesIO(b"\x01\x00"))


def test_a_nodes_large_flush_goes_to_its_worker_with_the_tables_order(tmp_path: Path) -> None:
    with engine.Cluster.open(tmp_path / "c", nodes=1) as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute(
            "CREATE TABLE ks.t (k int, c int, d text, v blob, PRIMARY KEY (k, c, d)) "
            "WITH CLUSTERING ORDER BY (c DESC, d ASC)"
        )
        insert = session.prepare("INSERT INTO ks.t (k, c, d, v) VALUES (?, ?, ?, ?)")
        for i in range(30):  # 9 MB: above the default flush_worker_threshold
            session.execute(insert, (i % 3, i - 15, f"x{i}", bytes([i]) * 300_000))
        storage = cluster.node("node1").storage
        (table,) = [s for s in storage.tables if s.name == "t"]
        reader = table.flush_now()
        assert reader is not None and storage.flush_worker.flushes == 1
        stats = reader.statistics
        assert stats.min_clustering == ((14).to_bytes(4, "big"), b"x29")  # c DESC: the largest c first
        assert stats.max_clustering == ((-15).to_bytes(4, "big", signed=True), b"x0")
        rows = session.execute("SELECT c, d FROM ks.t WHERE k = 2")
        assert [(r.c, r.d) for r in rows] == [(c, f"x{c + 15}") for c in range(14, -16, -3)]
    assert storage.flush_worker.closed


def test_a_worker_that_cannot_start_falls_back_in_thread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    worker = FlushWorker(lambda: [str(tmp_path / "no-such-interpreter")])
    cfs = store(tmp_path / "t", worker)
    fill(cfs)
    reader = cfs.flush_now()
    worker.close()
    assert reader is not None and worker.failures == 1 and "cannot start the flush worker" in caplog.text
    assert files(tmp_path / "t") == sorted(f"nb-2-big-{c.value}" for c in ALL_COMPONENTS)


def test_a_worker_that_keeps_failing_is_given_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    worker = FlushWorker(lambda: [str(tmp_path / "no-such-interpreter")])
    cfs = store(tmp_path / "t", worker)
    for attempt in range(MAX_FAILURES_IN_A_ROW + 1):
        fill(cfs)
        assert cfs.flush_now() is not None
        assert worker.failures == min(attempt + 1, MAX_FAILURES_IN_A_ROW)
    assert worker.closed and caplog.text.count("writing it here") == MAX_FAILURES_IN_A_ROW
    assert "3 failures in a row: flushes are written in-thread from now on" in caplog.text
    assert cfs.live_sstable_count == MAX_FAILURES_IN_A_ROW + 1


def test_orphan_watch_fires_only_when_the_pipe_ends_during_a_write() -> None:
    read_end, write_end = os.pipe()
    fired: list[int] = []
    done = threading.Event()

    def orphaned() -> None:
        fired.append(1)
        done.set()

    watch = OrphanWatch(read_end, orphaned)
    watch.writing()
    watch.written()
    os.write(write_end, b"the next request")  # readable between writes: not an end
    assert os.read(read_end, 100) == b"the next request"
    watch.writing()
    os.close(write_end)  # the parent is gone in the middle of this write
    assert done.wait(20)
    assert fired == [1]
    os.close(read_end)
