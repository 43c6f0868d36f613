"""cqlkit cqlsh against the real cqlsh (PyPI ``cqlsh``), side by side on the same ``cqlkit serve``.

Two measurements, each shell run as a user runs it (a fresh process):

* ``-e "SELECT ..."``: wall time of the whole process (start-up, connection, query, output), the median
  of ``--runs`` runs, alternating the shells (``cqlkit cqlsh``, and ``python -m shell``, the same shell
  without the ``cqlkit`` console script); both remote shells run it over the native connection
  (``shell.connection.native``), cqlsh over cassandra-driver;
* ``COPY ... FROM 'file.csv'`` of ``--rows`` generated rows (a partition key, a clustering key, text,
  a double, a timestamp and a list): rows per second from the wall time of the process, and the rate
  the shell itself reports. Each shell loads its own, freshly created table, ``--copy-rounds`` times in
  ABBA order (the server's background work after one load, its flushes and compactions, falls on the next
  load, so each shell gets both places), and its fastest round is kept. The CPU each side spent per
  row is printed too: the shell's (its process and every process it waited for, so cqlsh's COPY worker
  processes count) from ``getrusage``, the server's from ``/proc/<pid>/stat`` around the COPY. The
  server's share bounds the rate any client gets from it.

Run: ``python bench/shell.py [--rows 20000] [--runs 5] [--keep DIR]`` (``--rows 200000 --runs 9`` for the
issue's figure; allow a few minutes). Goals (issue 8): ``-e`` at most 0.5x cqlsh's time, COPY FROM at
least 2x its rate. The server is started with ``cqlkit serve`` on a free port, on a cluster
in a temporary directory, and stopped at the end. Prints one table; see docs/benchmarks.md for a run.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CQLSH = BIN / "cqlsh"
CQLKIT = BIN / "cqlkit"
SELECT = "SELECT * FROM bench.items WHERE shard = 7"
_RATE = re.compile(r"(\d+) rows imported from 1 files in (?:0 day, 0 hour, 0 minute, and )?(.+?) seconds \(")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(directory: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(CQLKIT), "serve", "--cluster", str(directory), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.kill()
    raise SystemExit("cqlkit serve did not start")


def shell(command: list[str], port: int, args: list[str], env: dict[str, str]) -> tuple[float, str]:
    return shell_cpu(command, port, args, env)[:2]  # type: ignore[return-value]


def shell_cpu(
    command: list[str], port: int, args: list[str], env: dict[str, str]
) -> tuple[float, str, float]:
    """Run one shell: (wall seconds, stdout, CPU seconds of the shell and every process it waited for:
    cqlsh's COPY worker processes included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "127.0.0.1", str(port), *args], capture_output=True, text=True, env=env, timeout=3600
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, done.stdout, cpu


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for i in range(rows):
            writer.writerow(
                [
                    i % 1000,
                    i,
                    f"item {i} {rng.random():.6f}",
                    f"{rng.uniform(0, 1000):.3f}",
                    f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00.000+0000",
                    f"[{i % 7}, {i % 11}]",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20000, help="rows in the COPY FROM file (default 20000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of the -e SELECT per shell (default 5)")
    parser.add_argument(
        "--copy-rounds",
        type=int,
        default=2,
        help="rounds of COPY FROM per shell, in ABBA order; the fastest of each shell is kept (default 2)",
    )
    parser.add_argument(
        "--keep", help="keep the cluster and CSV in this directory instead of a temporary one"
    )
    options = parser.parse_args()
    if not CQLSH.exists():
        raise SystemExit(f"the real cqlsh is not installed next to this Python ({CQLSH})")
    work = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="cqlkit-bench-shell-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "CQL_HISTORY": "/dev/null", "TZ": "UTC"}
    env.pop("CQLSH_HOST", None)
    env.pop("CQLSH_PORT", None)
    port = free_port()
    server = start_server(work / "cluster", port, env)
    real, ours = [str(CQLSH)], [str(CQLKIT), "cqlsh"]
    module = [sys.executable, "-m", "shell"]
    try:
        schema = (
            "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}; "
            "CREATE TABLE IF NOT EXISTS bench.items (shard int, id int, name text, price double, "
            "added timestamp, tags list<int>, PRIMARY KEY (shard, id)); "
            "INSERT INTO bench.items (shard, id, name, price) VALUES (7, 1, 'seven', 7.5); "
            "INSERT INTO bench.items (shard, id, name, price) VALUES (7, 2, 'eight', 8.5);"
        )
        shell(ours, port, ["-e", schema], env)
        select: dict[str, list[float]] = {"cqlsh": [], "cqlkit": [], "module": []}
        for _ in range(options.runs):
            for name, command in (("cqlsh", real), ("cqlkit", ours), ("module", module)):
                select[name].append(shell(command, port, ["-e", SELECT], env)[0])
        data = work / "items.csv"
        write_csv(data, options.rows)
        copy: dict[str, tuple[float, str, float, float]] = {}
        shells = [("cqlsh", real), ("cqlkit", ours)]
        rounds = [shells if r % 2 == 0 else shells[::-1] for r in range(max(1, options.copy_rounds))]
        for attempt, (name, command) in enumerate(pair for round_ in rounds for pair in round_):
            table = f"bench.copy_{name}_{attempt}"
            shell(
                ours,
                port,
                [
                    "-e",
                    f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (shard int, id int, name text, "
                    "price double, added timestamp, tags list<int>, PRIMARY KEY (shard, id))",
                ],
                env,
            )
            server_before = process_cpu(server.pid)
            elapsed, out, client_cpu = shell_cpu(
                command,
                port,
                ["-e", f"COPY {table} (shard, id, name, price, added, tags) FROM '{data}'"],
                env,
            )
            server_cpu = process_cpu(server.pid) - server_before
            reported = _RATE.search(out)
            if name not in copy or elapsed < copy[name][0]:
                copy[name] = (elapsed, reported.group(2) if reported else "?", client_cpu, server_cpu)
            count = shell(
                ours, port, ["--request-timeout", "600", "-e", f"SELECT count(*) FROM {table}"], env
            )[1]
            if str(options.rows) not in count:
                raise SystemExit(f"{name}: COPY FROM loaded the wrong number of rows: {count}")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    real_select, our_select = statistics.median(select["cqlsh"]), statistics.median(select["cqlkit"])
    module_select = statistics.median(select["module"])
    print(f"cqlsh vs cqlkit cqlsh on cqlkit serve (127.0.0.1:{port}), {os.cpu_count()} CPUs")
    print(f"{'measure':<34} {'cqlsh':>12} {'cqlkit':>12} {'ratio':>8}")
    print(
        f"{'-e SELECT, median wall (s)':<34} {real_select:>12.3f} {our_select:>12.3f} "
        f"{our_select / real_select:>7.2f}x"
    )
    print(f"{'  python -m shell':<34} {'':>12} {module_select:>12.3f} {module_select / real_select:>7.2f}x")
    real_rate, our_rate = options.rows / copy["cqlsh"][0], options.rows / copy["cqlkit"][0]
    print(
        f"{f'COPY FROM {options.rows} rows (rows/s)':<34} {real_rate:>12.0f} {our_rate:>12.0f} "
        f"{our_rate / real_rate:>7.2f}x"
    )
    print(f"{'  (shell reports: seconds)':<34} {copy['cqlsh'][1]:>12} {copy['cqlkit'][1]:>12}")
    for label, index in (("  shell CPU per row (us)", 2), ("  server CPU per row (us)", 3)):
        real_us, our_us = (copy[name][index] / options.rows * 1e6 for name in ("cqlsh", "cqlkit"))
        print(f"{label:<34} {real_us:>12.1f} {our_us:>12.1f} {our_us / real_us:>7.2f}x")


if __name__ == "__main__":
    main()
