"""Storage engine: single-row writes/s, point reads/s over many SSTables, and peak RSS, against sqlite3.

Run from the repository root: ``python bench/storage.py [--rows N] [--read-rows N] [--reads N]
[--rss-bytes SIZE]``. A quick pass: ``--rows 20000 --read-rows 80000 --reads 5000 --rss-bytes 50M``.

Both libraries get the same rows through their own Python API, in the same run: a bigint partition key
``k``, one 4-byte blob clustering value ``c`` and three blob columns ``a``, ``b``, ``d`` (32 + 32 + 36 =
100 bytes, drawn from a seeded pool of 1,024 random triples). Keys are written in increasing order, sqlite's
best case (appends to its B-trees); cqlkit's memtable sees them in token order, i.e. at random.

- **cqlkit**: ``LocalStorage`` with the default commitlog (memory-mapped segments, PERIODIC sync every
  10 s, its syncer thread started) and memtable flushes on a ``ThreadStage``, default ``StorageParams`` (32 MiB memtable threshold,
  fsynced SSTables; memtables of 8 MiB and more are written by the flush worker process, on the other
  core). A write is what the CQL layer will do per INSERT: serialize the key, compute its
  Murmur3 token (``engine.dht.get_token``), build the ``Row``/``PartitionUpdate``/``Mutation``, then
  ``LocalStorage.apply``. A read serializes the key, computes the token and calls
  ``ColumnFamilyStore.get``, with the node's default key cache (16 MiB) and chunk cache (256 MiB).
- **sqlite3** (the baseline): WAL journal, ``synchronous=NORMAL``, autocommit (``isolation_level=None``),
  one ``INSERT`` per row into ``(k INTEGER, c BLOB, a BLOB, b BLOB, d BLOB, PRIMARY KEY (k, c))``; a read is
  ``SELECT c, a, b, d FROM t WHERE k = ?`` with ``fetchall()``.

Workloads:

1. Writes/s over ``--rows`` rows. "apply returns" stops the clock when the last write returns; "incl.
   flushes" also waits for the background flushes those writes started (sqlite checkpoints inline, so its
   figure is the same). "apply() only" times ``LocalStorage.apply`` over mutations built beforehand.
2. Point reads/s: ``--read-rows`` rows are loaded (cqlkit through ``apply``, with a flush forced at every
   ``1/--sstables`` of the load and no flush on memtable size, so the table has exactly ``--sstables``
   SSTables; sqlite in one transaction), then ``--reads`` random keys (seeded) are read; best of ``--repeats`` alternating passes
   (the first pass is reported too: cqlkit's key cache is empty then), with cqlkit's cache hit rates.
3. Peak RSS writing ``--rss-bytes`` of row data (112 bytes a row: key + clustering + values), each library
   in a fresh child process that reports its own ``VmHWM`` (/proc/self/status) after the last write (and,
   for cqlkit, the last background flush). cqlkit's large flushes run in its flush worker process, whose
   own peak (the ``VmHWM`` it reports with each flush) is printed on its own line and added to the child's
   in "both processes together" (the two peaks may not coincide: the sum is an upper bound).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.db.background import ThreadStage  # noqa: E402
from engine.db.column_family_store import DEFAULT_PARAMS, ColumnFamilyStore, StorageParams  # noqa: E402
from engine.db.local_storage import LocalStorage  # noqa: E402
from engine.db.mutation import Mutation  # noqa: E402
from engine.db.rows import LIVE, Cell, LivenessInfo, PartitionUpdate, Row  # noqa: E402
from engine.dht import get_token  # noqa: E402

TABLE_ID = uuid.UUID("5a1e5a1e-0000-4000-8000-00000000be4c")
KEYSPACE = "bench"
SEED = 20240611
ROW_BYTES = 8 + 4 + 100  # key + clustering + values
BASE_TIMESTAMP = 1_700_000_000_000_000  # µs
READ_LOAD_MEMTABLE_BYTES = 1 << 40  # the read benchmark's memtables flush only when the load says

Values = tuple[int, bytes, bytes, bytes, bytes]

SQLITE_CREATE = "CREATE TABLE t (k INTEGER, c BLOB, a BLOB, b BLOB, d BLOB, PRIMARY KEY (k, c))"
SQLITE_INSERT = "INSERT INTO t (k, c, a, b, d) VALUES (?, ?, ?, ?, ?)"
SQLITE_SELECT = "SELECT c, a, b, d FROM t WHERE k = ?"


# ------------------------------------------------------------------------------------------- rows


def value_pool(seed: int, size: int = 1024) -> list[tuple[bytes, bytes, bytes]]:
    rng = random.Random(seed)
    return [(rng.randbytes(32), rng.randbytes(32), rng.randbytes(36)) for _ in range(size)]


def rows(n: int, pool: list[tuple[bytes, bytes, bytes]]) -> Iterator[Values]:
    """``n`` rows (k, c, a, b, d), keys 0..n-1 in order."""
    mask = len(pool) - 1
    for i in range(n):
        a, b, d = pool[(i * 7919) & mask]
        yield i, (i & 0xFFFF).to_bytes(4, "big"), a, b, d


def mutation(k: int, c: bytes, a: bytes, b: bytes, d: bytes) -> Mutation:
    """What the CQL layer builds for ``INSERT INTO t (k, c, a, b, d) VALUES (...)``."""
    key = k.to_bytes(8, "big", signed=True)
    ts = BASE_TIMESTAMP + k
    row = Row(
        (c,),
        LivenessInfo(ts),
        LIVE,
        MappingProxyType({"a": Cell(a, ts), "b": Cell(b, ts), "d": Cell(d, ts)}),
    )
    return Mutation(KEYSPACE, key, ((TABLE_ID, PartitionUpdate(key, get_token(key), rows=(row,))),))


# ----------------------------------------------------------------------------------------- cqlkit


class Cqlkit:
    """A node's local storage with one table, as a real node runs it (syncer thread, flush thread)."""

    def __init__(self, directory: Path, params: StorageParams = DEFAULT_PARAMS) -> None:
        self.stage = ThreadStage("MemtableFlushWriter")
        self.storage = LocalStorage(
            data_directory=directory / "data",
            commitlog_directory=directory / "commitlog",
            flush_stage=self.stage,
        )
        # ``tuple``: the clustering's bytes order (the blob column's), as a sort key that pickles, so the
        # flush worker process can write the large flushes.
        self.store: ColumnFamilyStore = self.storage.add_table(KEYSPACE, "t", TABLE_ID, tuple, params)
        self.storage.replay_commitlog()
        self.storage.commitlog.start()

    def wait_for_flushes(self) -> None:
        """Return once every flush submitted so far has finished (the stage runs tasks in order)."""
        self.stage.submit(lambda: None).result()

    def close(self) -> None:
        self.storage.commitlog.stop()
        self.storage.drain()
        self.stage.shutdown()


def cqlkit_writes(directory: Path, data: list[Values]) -> tuple[float, float, int]:
    """(seconds until the last apply returned, seconds until its flushes finished, flushes)."""
    db = Cqlkit(directory)
    apply = db.storage.apply
    start = time.perf_counter()
    for k, c, a, b, d in data:
        apply(mutation(k, c, a, b, d))
    returned = time.perf_counter() - start
    db.wait_for_flushes()
    flushed = time.perf_counter() - start
    flushes = db.store.metrics.flush_count
    db.close()
    return returned, flushed, flushes


def cqlkit_apply_only(directory: Path, data: list[Values]) -> float:
    db = Cqlkit(directory)
    mutations = [mutation(*row) for row in data]
    apply = db.storage.apply
    start = time.perf_counter()
    for m in mutations:
        apply(m)
    elapsed = time.perf_counter() - start
    db.wait_for_flushes()
    db.close()
    return elapsed


def cqlkit_load(db: Cqlkit, data: Iterator[Values], n: int, sstables: int) -> None:
    """Write ``n`` rows, forcing a flush at each 1/``sstables`` of them unless one already happened."""
    apply = db.storage.apply
    store = db.store
    boundaries = {n * i // sstables: i for i in range(1, sstables + 1)}
    switched = store.metrics.memtable_switch_count  # start-up's replay switched an empty memtable
    for done, (k, c, a, b, d) in enumerate(data, 1):
        apply(mutation(k, c, a, b, d))
        wanted = boundaries.get(done)
        # Memtable switches, not flushes finished + waiting: those two are not read atomically (a flush
        # finishing between the reads counts twice, and the forced flush would be skipped).
        if wanted is not None and store.metrics.memtable_switch_count - switched < wanted:
            store.flush()
    if not store.view.memtable.is_empty:
        store.flush()
    db.wait_for_flushes()


def cqlkit_reads(db: Cqlkit, keys: list[int]) -> float:
    get = db.store.get
    start = time.perf_counter()
    for k in keys:
        key = k.to_bytes(8, "big", signed=True)
        if get(key, get_token(key)) is None:
            raise AssertionError(f"cqlkit lost key {k}")
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------- sqlite3


def sqlite_open(directory: Path) -> sqlite3.Connection:
    directory.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(directory / "bench.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(SQLITE_CREATE)
    return conn


def sqlite_writes(directory: Path, data: list[Values]) -> float:
    conn = sqlite_open(directory)
    execute = conn.execute
    start = time.perf_counter()
    for row in data:
        execute(SQLITE_INSERT, row)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def sqlite_load(conn: sqlite3.Connection, data: Iterator[Values]) -> None:
    conn.execute("BEGIN")
    conn.executemany(SQLITE_INSERT, data)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def sqlite_reads(conn: sqlite3.Connection, keys: list[int]) -> float:
    execute = conn.execute
    start = time.perf_counter()
    for k in keys:
        if not execute(SQLITE_SELECT, (k,)).fetchall():
            raise AssertionError(f"sqlite lost key {k}")
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------- peak RSS


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_child(engine: str, directory: Path, n: int) -> None:
    """Runs in a fresh interpreter: write ``n`` rows, print peak RSS and what bounded it, as JSON.

    At each eighth of the rows it records (rows, VmRSS, VmHWM, memtables waiting to flush, SSTables) and
    logs it to stderr, so a plateau (memory bounded) or a climb shows, and a run cut short says where."""
    pool = value_pool(SEED)
    baseline = _status_kb("VmRSS")
    checkpoints = {n * i // 8 for i in range(1, 9)}
    trail: list[tuple[int, int, int, int, int]] = []
    max_flushing = 0
    start = time.perf_counter()
    db = Cqlkit(directory) if engine == "cqlkit" else None
    conn = sqlite_open(directory) if db is None else None

    def checkpoint(done: int) -> None:
        flushing = len(db.store.view.flushing) if db else 0
        sstables = db.store.live_sstable_count if db else 0
        trail.append((done, _status_kb("VmRSS"), _status_kb("VmHWM"), flushing, sstables))
        print(
            f"{engine}: {done:,} rows in {time.perf_counter() - start:,.0f} s, RSS/HWM/flushing/SSTables "
            f"{trail[-1][1:]}",
            file=sys.stderr,
            flush=True,
        )

    if db is not None:
        apply, store = db.storage.apply, db.store
        for k, c, a, b, d in rows(n, pool):
            apply(mutation(k, c, a, b, d))
            if not k & 0x3FFF:
                max_flushing = max(max_flushing, len(store.view.flushing))
            if k + 1 in checkpoints:
                checkpoint(k + 1)
        db.wait_for_flushes()
    else:
        execute = conn.execute
        for row in rows(n, pool):
            execute(SQLITE_INSERT, row)
            if row[0] + 1 in checkpoints:
                checkpoint(row[0] + 1)
    elapsed = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    sstables = db.store.live_sstable_count if db else 0
    worker_flushes = db.storage.flush_worker.flushes if db else 0
    if db is not None:
        db.close()
    else:
        conn.close()
    result = {
        "peak_kb": peak,
        # The flush worker process's own peak (VmHWM it reports with each answer): part of the cost.
        "worker_peak_kb": db.storage.flush_worker.peak_rss_kb if db else 0,
        "worker_flushes": worker_flushes,
        "baseline_kb": baseline,
        "seconds": elapsed,
        "max_flushing": max_flushing,
        "sstables": sstables,
        "trail": trail,
    }
    print(json.dumps(result))


def measure_rss(engine: str, directory: Path, n: int) -> dict:
    log = directory.with_name(directory.name + ".log")
    with log.open("w") as err:
        out = subprocess.run(
            [sys.executable, __file__, "--rss-child", engine, "--rss-dir", str(directory), "--rows", str(n)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=ROOT,
        )
    shutil.rmtree(directory, ignore_errors=True)
    if out.returncode != 0:
        tail = log.read_text().splitlines()[-12:]
        raise RuntimeError(
            f"{engine} RSS child exited with {out.returncode}; its log ends:\n" + "\n".join(tail)
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ main


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def row(name: str, ours: str, theirs: str, ratio: str) -> None:
    print(f"{name:<44}{ours:>14}{theirs:>14}{ratio:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows for the write benchmark")
    parser.add_argument("--read-rows", type=int, default=1_000_000, help="rows loaded before the reads")
    parser.add_argument("--sstables", type=int, default=8, help="SSTables to spread the loaded rows over")
    parser.add_argument("--reads", type=int, default=50_000, help="random point reads per pass")
    parser.add_argument("--repeats", type=int, default=3, help="read passes (best is kept)")
    parser.add_argument("--rss-bytes", default="2G", help="row data written for the peak-RSS measurement")
    parser.add_argument("--dir", type=Path, default=None, help="scratch directory (default: a temp dir)")
    parser.add_argument("--rss-child", choices=("cqlkit", "sqlite3"), help=argparse.SUPPRESS)
    parser.add_argument("--rss-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.rss_dir, args.rows)
        return

    scratch = Path(tempfile.mkdtemp(prefix="cqlkit-bench-", dir=args.dir))
    try:
        run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, scratch: Path) -> None:
    pool = value_pool(SEED)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"sqlite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.2f} at start"
    )
    row("workload", "cqlkit", "sqlite3", "ratio")

    # 1. single-row writes
    data = list(rows(args.rows, pool))
    theirs = sqlite_writes(scratch / "w-sqlite", data)
    returned, flushed, flushes = cqlkit_writes(scratch / "w-cqlkit", data)
    apply_only = cqlkit_apply_only(scratch / "w-cqlkit-apply", data)
    del data
    n = args.rows
    row(
        f"writes/s, {n:,} rows, apply returns",
        f"{n / returned:,.0f}",
        f"{n / theirs:,.0f}",
        f"{theirs / returned:.2f}",
    )
    row(
        f"writes/s, incl. {flushes} flush(es)",
        f"{n / flushed:,.0f}",
        f"{n / theirs:,.0f}",
        f"{theirs / flushed:.2f}",
    )
    row("writes/s, apply() only (mutations prebuilt)", f"{n / apply_only:,.0f}", "", "")
    sys.stdout.flush()

    # 2. point reads over SSTables
    m = args.read_rows
    # Only the forced flushes cut the load: the table then has exactly --sstables SSTables (with the
    # default 32 MiB memtable threshold, 1M rows would also flush on size and make more).
    db = Cqlkit(scratch / "r-cqlkit", StorageParams(memtable_flush_threshold=READ_LOAD_MEMTABLE_BYTES))
    start = time.perf_counter()
    cqlkit_load(db, rows(m, pool), m, args.sstables)
    load_ours = time.perf_counter() - start
    conn = sqlite_open(scratch / "r-sqlite")
    start = time.perf_counter()
    sqlite_load(conn, rows(m, pool))
    load_theirs = time.perf_counter() - start
    rng = random.Random(SEED)
    keys = [rng.randrange(m) for _ in range(args.reads)]
    caches = db.storage.caches
    caches.keys.stats(), caches.chunks.stats()  # start the "recent" hit rates here
    ours_passes, theirs_passes = [], []
    for _ in range(args.repeats):
        ours_passes.append(cqlkit_reads(db, keys))
        theirs_passes.append(sqlite_reads(conn, keys))
    best_ours, best_theirs = min(ours_passes), min(theirs_passes)
    key_stats, chunk_stats = caches.keys.stats(), caches.chunks.stats()
    count = db.store.live_sstable_count
    row(
        f"point reads/s, {m:,} rows, {count} SSTables",
        f"{len(keys) / best_ours:,.0f}",
        f"{len(keys) / best_theirs:,.0f}",
        f"{best_theirs / best_ours:.2f}",
    )
    row(
        "  first pass (cqlkit caches cold) reads/s",
        f"{len(keys) / ours_passes[0]:,.0f}",
        f"{len(keys) / theirs_passes[0]:,.0f}",
        f"{theirs_passes[0] / ours_passes[0]:.2f}",
    )
    mib = 1 << 20
    print(
        f"cqlkit caches over the {args.repeats} passes: key cache {key_stats.recent_hit_rate:.0%} hits "
        f"({key_stats.entries:,} entries, {key_stats.size / mib:.1f} of {key_stats.capacity / mib:.0f} MiB), "
        f"chunk cache {chunk_stats.recent_hit_rate:.0%} hits ({chunk_stats.size / mib:.1f} of "
        f"{chunk_stats.capacity / mib:.0f} MiB)"
    )
    row("  (load: cqlkit apply, sqlite 1 txn) rows/s", f"{m / load_ours:,.0f}", f"{m / load_theirs:,.0f}", "")
    conn.close()
    db.close()
    shutil.rmtree(scratch / "r-cqlkit", ignore_errors=True)
    shutil.rmtree(scratch / "r-sqlite", ignore_errors=True)
    sys.stdout.flush()

    # 3. peak RSS
    size = parse_size(args.rss_bytes)
    r = size // ROW_BYTES
    ours_rss = measure_rss("cqlkit", scratch / "m-cqlkit", r)
    theirs_rss = measure_rss("sqlite3", scratch / "m-sqlite", r)
    mib = 1024
    row(
        f"peak RSS MiB, {size / (1 << 30):.2f} GiB ({r:,} rows)",
        f"{ours_rss['peak_kb'] / mib:,.0f}",
        f"{theirs_rss['peak_kb'] / mib:,.0f}",
        f"{ours_rss['peak_kb'] / theirs_rss['peak_kb']:.2f}",
    )
    row(
        f"  flush worker process peak RSS MiB ({ours_rss['worker_flushes']} flushes)",
        f"{ours_rss['worker_peak_kb'] / mib:,.0f}",
        "",
        "",
    )
    row(
        "  both processes together, MiB",
        f"{(ours_rss['peak_kb'] + ours_rss['worker_peak_kb']) / mib:,.0f}",
        f"{theirs_rss['peak_kb'] / mib:,.0f}",
        f"{(ours_rss['peak_kb'] + ours_rss['worker_peak_kb']) / theirs_rss['peak_kb']:.2f}",
    )
    row(
        "  RSS after imports, MiB",
        f"{ours_rss['baseline_kb'] / mib:,.0f}",
        f"{theirs_rss['baseline_kb'] / mib:,.0f}",
        "",
    )
    row(
        "  sustained writes/s during it",
        f"{r / ours_rss['seconds']:,.0f}",
        f"{r / theirs_rss['seconds']:,.0f}",
        f"{theirs_rss['seconds'] / ours_rss['seconds']:.2f}",
    )
    print(
        f"cqlkit during the RSS run: {ours_rss['sstables']} SSTables written, at most "
        f"{ours_rss['max_flushing']} memtable(s) waiting to flush at once; RSS MiB at each eighth:"
    )
    print("  " + " ".join(f"{rss // mib:,}" for _, rss, _, _, _ in ours_rss["trail"]))


if __name__ == "__main__":
    main()
