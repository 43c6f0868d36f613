"""CQL through the embedded API: prepared INSERTs/s, point SELECTs/s and startup, against sqlite3.

Run from the repository root: ``python bench/query.py [--rows N] [--reads N] [--partition-rows N]``.

Both sides do what an application does through its library's Python API, in the same run:

- **cqlkit**: ``engine.Cluster.open`` on a fresh directory, a table ``(k int, c int, v text, PRIMARY KEY
  (k, c))``, a prepared ``INSERT`` executed per row (``session.execute(prepared, (k, c, v))``: bind,
  serialize, token, mutation, commitlog (PERIODIC) and memtable), then prepared point ``SELECT ... WHERE k = ?
  AND c = ?`` returning named-tuple rows. Rows are spread over partitions of ``--partition-rows`` rows.
- **sqlite3** (the baseline): WAL, ``synchronous=NORMAL``, autocommit, the same table with ``PRIMARY KEY
  (k, c)``, one ``INSERT`` per row and ``SELECT k, c, v FROM t WHERE k = ? AND c = ?`` with ``fetchall()``.

Startup is the time from nothing to the first answered query on a fresh directory, in a fresh process
(imports included), median of 3.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import Cluster  # noqa: E402

KEYSPACE = "CREATE KEYSPACE bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
TABLE = "CREATE TABLE bench.t (k int, c int, v text, PRIMARY KEY (k, c))"

STARTUP = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from engine import Cluster
with Cluster.open({path!r}) as cluster:
    cluster.connect().execute("SELECT keyspace_name FROM system_schema.keyspaces")
    print(time.perf_counter() - t0)
"""


def _rows(count: int, per_partition: int) -> list[tuple[int, int, str]]:
    return [(i // per_partition, i % per_partition, f"value-{i:08d}") for i in range(count)]


def bench_cqlkit(
    rows: list[tuple[int, int, str]], reads: list[tuple[int, int]], directory: Path
) -> tuple[float, float]:
    with Cluster.open(directory / "cqlkit") as cluster:
        session = cluster.connect()
        session.execute(KEYSPACE)
        session.execute(TABLE)
        insert = session.prepare("INSERT INTO bench.t (k, c, v) VALUES (?, ?, ?)")
        started = time.perf_counter()
        for row in rows:
            session.execute(insert, row)
        writes = len(rows) / (time.perf_counter() - started)
        select = session.prepare("SELECT k, c, v FROM bench.t WHERE k = ? AND c = ?")
        started = time.perf_counter()
        for key in reads:
            assert session.execute(select, key).one() is not None
        return writes, len(reads) / (time.perf_counter() - started)


def bench_sqlite(
    rows: list[tuple[int, int, str]], reads: list[tuple[int, int]], directory: Path
) -> tuple[float, float]:
    db = sqlite3.connect(directory / "sqlite.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE t (k INTEGER, c INTEGER, v TEXT, PRIMARY KEY (k, c))")
    started = time.perf_counter()
    for row in rows:
        db.execute("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", row)
    writes = len(rows) / (time.perf_counter() - started)
    started = time.perf_counter()
    for key in reads:
        assert db.execute("SELECT k, c, v FROM t WHERE k = ? AND c = ?", key).fetchall()
    reads_per_second = len(reads) / (time.perf_counter() - started)
    db.close()
    return writes, reads_per_second


def startup(directory: Path) -> float:
    times = []
    for i in range(3):
        code = STARTUP.format(root=str(ROOT), path=str(directory / f"startup-{i}"))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        times.append(float(out.strip()))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--partition-rows", type=int, default=100)
    args = parser.parse_args()
    rows = _rows(args.rows, args.partition_rows)
    rng = random.Random(7)
    reads = [(k, c) for k, c, _ in rng.sample(rows, min(args.reads, len(rows)))]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        cqlkit_writes, cqlkit_reads = bench_cqlkit(rows, reads, directory)
        sqlite_writes, sqlite_reads = bench_sqlite(rows, reads, directory)
        boot = startup(directory)
    print(f"python {platform.python_version()} on {platform.machine()}, sqlite {sqlite3.sqlite_version}")
    print(f"{'workload':<52}{'cqlkit':>10}{'sqlite3':>12}{'ratio':>8}")
    print(
        f"{f'prepared INSERTs/s, {args.rows:,} rows':<52}{cqlkit_writes:>10,.0f}{sqlite_writes:>12,.0f}{cqlkit_writes / sqlite_writes:>8.2f}"
    )
    print(
        f"{f'prepared point SELECTs/s, {len(reads):,} reads':<52}{cqlkit_reads:>10,.0f}{sqlite_reads:>12,.0f}{cqlkit_reads / sqlite_reads:>8.2f}"
    )
    print(f"{'startup to first query, fresh process (median of 3)':<52}{boot:>9.2f}s")


if __name__ == "__main__":
    main()
