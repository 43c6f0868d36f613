"""Load: 100 concurrent cassandra-driver clients doing mixed reads and writes against a served 3-node cluster.

Run from the repository root: ``python bench/load.py [--seconds 60] [--clients 100] [--processes 4]
[--read-ratio 0.5] [--json FILE]`` (issue 11 asks for ``--seconds 300`` once; docs/benchmarks.md has it).

The server is ``cqlkit serve --nodes 3`` in a child process (a fresh cluster in a temporary directory; node N
on 127.0.0.N at one free port), the keyspace has replication factor 3 and every request is QUORUM. The
clients are spread over ``--processes`` worker processes; each client is its own driver ``Cluster`` pinned
to one coordinator (clients round-robin over the three nodes), so the load travels on ``--clients`` request
connections (plus one control connection per client). A client is a closed loop on a thread of its own —
one request in flight, the next sent when it is answered — so ``--clients`` requests are always
outstanding.

Each operation is a prepared INSERT of one of the client's own ``--keys`` keys with a new value, or (with
probability ``--read-ratio``) a prepared SELECT of one of its keys whose last write was acknowledged. A
client has one request in flight, so the value a QUORUM read must return is known exactly: any other value
is counted as a *stale read* (QUORUM reads after QUORUM writes must never be stale). A write that failed
makes its key unknown until it is written again. The key space is bounded, so the memtables stop growing
once every key is written: the server's RSS (sampled every ``--sample-every`` seconds from
``/proc/<pid>/status``) should then be flat.

Printed: ops/s (all, reads, writes), latency p50/p95/p99/max per kind (milliseconds, nearest rank),
errors by type, stale reads, the server's RSS over time and its socket count during the run.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import multiprocessing
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NODES = 3
KEYSPACE = "CREATE KEYSPACE load WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
TABLE = "CREATE TABLE load.kv (k bigint PRIMARY KEY, v text)"
CONNECT_TIMEOUT = 60.0
REQUEST_TIMEOUT = 10.0  # the driver's default


# ------------------------------------------------------------------------------------------ clients


@dataclass
class WorkerResult:
    reads: list[float] = field(default_factory=list)  # latencies, ms
    writes: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: dict[str, str] = field(default_factory=dict)
    stale_reads: int = 0
    missing_reads: int = 0


class Client:
    """One closed-loop client: one driver Cluster, one coordinator, one request in flight."""

    def __init__(self, number: int, host: str, port: int, keys: int, read_ratio: float, seed: int) -> None:
        from cassandra import ConsistencyLevel
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import WhiteListRoundRobinPolicy

        profile = ExecutionProfile(
            load_balancing_policy=WhiteListRoundRobinPolicy([host]),
            consistency_level=ConsistencyLevel.QUORUM,
            request_timeout=REQUEST_TIMEOUT,
        )
        self.cluster = Cluster(
            [host],
            port=port,
            protocol_version=5,
            connect_timeout=CONNECT_TIMEOUT,
            control_connection_timeout=CONNECT_TIMEOUT,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        )
        self.session = self.cluster.connect()
        self.insert = self.session.prepare("INSERT INTO load.kv (k, v) VALUES (?, ?)")
        self.select = self.session.prepare("SELECT v FROM load.kv WHERE k = ?")
        self.number = number
        self.keys = keys
        self.read_ratio = read_ratio
        self.rng = random.Random(seed)
        self.known: dict[int, str] = {}  # key -> the value its last acknowledged write wrote
        self.known_keys: list[int] = []
        self.sequence = 0
        self.result = WorkerResult()

    def run(self, stop_at: float) -> None:
        """The closed loop (a thread of its own: the driver releases the GIL while it waits)."""
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            if self.known_keys and self.rng.random() < self.read_ratio:
                key = self.rng.choice(self.known_keys)
                try:
                    row = self.session.execute(self.select, (key,)).one()
                except Exception as error:
                    self._failed(error)
                    continue
                self.result.reads.append((time.perf_counter() - started) * 1000)
                if row is None:
                    self.result.missing_reads += 1
                elif row.v != self.known[key]:
                    self.result.stale_reads += 1
            else:
                key = (self.number << 32) | self.rng.randrange(self.keys)
                self.sequence += 1
                value = f"client {self.number} key {key & 0xFFFFFFFF} write {self.sequence}"
                self._forget(key)  # unknown until acknowledged
                try:
                    self.session.execute(self.insert, (key, value))
                except Exception as error:
                    self._failed(error)
                    continue
                self.result.writes.append((time.perf_counter() - started) * 1000)
                self.known[key] = value
                self.known_keys.append(key)

    def _forget(self, key: int) -> None:
        if self.known.pop(key, None) is not None:
            self.known_keys.remove(key)

    def _failed(self, error: BaseException) -> None:
        name = type(error).__name__
        self.result.errors[name] = self.result.errors.get(name, 0) + 1
        self.result.error_examples.setdefault(name, str(error)[:300])


def worker(
    port: int,
    numbers: list[int],
    keys: int,
    read_ratio: float,
    seed: int,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """A client process: connect its clients, wait for ``go`` (the run's end time), run, report."""
    import logging

    logging.getLogger("cassandra").setLevel(logging.ERROR)
    clients = [
        Client(n, f"127.0.0.{n % NODES + 1}", port, keys, read_ratio, seed * 1000 + n) for n in numbers
    ]
    ready.put(len(clients))
    seconds = go.get()
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client.run, args=(stop_at,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = WorkerResult()
    for client in clients:
        total.reads += client.result.reads
        total.writes += client.result.writes
        total.stale_reads += client.result.stale_reads
        total.missing_reads += client.result.missing_reads
        for name, count in client.result.errors.items():
            total.errors[name] = total.errors.get(name, 0) + count
            total.error_examples.setdefault(name, client.result.error_examples[name])
    results.put(asdict(total))
    for client in clients:
        client.cluster.shutdown()


# ------------------------------------------------------------------------------------------- server


def free_port() -> int:
    """A port free on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (every node listens on it)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            for n in range(2, NODES + 1):
                with socket.socket() as other:
                    other.bind((f"127.0.0.{n}", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on every node address")


def start_server(directory: Path, port: int, log: Any) -> subprocess.Popen[bytes]:
    cqlkit = Path(sys.executable).with_name("cqlkit")
    command = [str(cqlkit)] if cqlkit.exists() else [sys.executable, "-m", "admin.cli.app"]
    server = subprocess.Popen(
        [*command, "serve", "--cluster", str(directory), "--nodes", str(NODES), "--native-port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    info = directory / "server.json"
    deadline = time.monotonic() + 120
    while not info.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"cqlkit serve did not start (exit status {server.poll()})")
        time.sleep(0.2)
    return server


def server_pid(directory: Path) -> int:
    return int(json.loads((directory / "server.json").read_text())["pid"])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def socket_count(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed since the listing
            count += os.readlink(fd).startswith("socket:")
    return count


def create_schema(port: int) -> None:
    from cassandra.cluster import Cluster

    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=5, connect_timeout=CONNECT_TIMEOUT)
    try:
        session = cluster.connect()
        session.execute(KEYSPACE, timeout=60)
        session.execute(TABLE, timeout=60)
    finally:
        cluster.shutdown()


# -------------------------------------------------------------------------------------------- report


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank."""
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[index]


def latency_summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else float("nan"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="cqlkit-load-") as temporary:
        directory = Path(temporary) / "load"
        port = free_port()
        with open(Path(temporary) / "serve.log", "w+b") as log:
            server = start_server(directory, port, log)
            try:
                return drive(args, context, directory, port)
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(120)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                if server.returncode not in (0, None) and not args.quiet:
                    log.seek(0)
                    sys.stderr.write(log.read().decode(errors="replace"))


def drive(args: argparse.Namespace, context: Any, directory: Path, port: int) -> dict[str, Any]:
    pid = server_pid(directory)
    create_schema(port)
    ready, go, results = context.Queue(), context.Queue(), context.Queue()
    groups = [list(range(p, args.clients, args.processes)) for p in range(args.processes)]
    processes = [
        context.Process(
            target=worker,
            args=(port, group, args.keys, args.read_ratio, args.seed, ready, go, results),
            daemon=True,
        )
        for group in groups
        if group
    ]
    for process in processes:
        process.start()
    connected = sum(ready.get(timeout=600) for _ in processes)
    samples: list[tuple[float, float, int]] = []  # (seconds since start, RSS MiB, sockets)
    started = time.monotonic()
    samples.append((0.0, rss_mib(pid), socket_count(pid)))
    for _ in processes:
        go.put(args.seconds)
    while time.monotonic() - started < args.seconds:
        time.sleep(min(args.sample_every, max(0.0, args.seconds - (time.monotonic() - started))))
        samples.append((round(time.monotonic() - started, 1), rss_mib(pid), socket_count(pid)))
    outcomes = [results.get(timeout=args.seconds + 600) for _ in processes]
    elapsed = time.monotonic() - started
    for process in processes:
        process.join(120)
    samples.append((round(time.monotonic() - started, 1), rss_mib(pid), socket_count(pid)))
    reads = [v for o in outcomes for v in o["reads"]]
    writes = [v for o in outcomes for v in o["writes"]]
    errors: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    for outcome in outcomes:
        errors.update(outcome["errors"])
        for name, text in outcome["error_examples"].items():
            examples.setdefault(name, text)
    return {
        "clients": connected,
        "processes": len(processes),
        "seconds": round(elapsed, 1),
        "read_ratio": args.read_ratio,
        "keys_per_client": args.keys,
        "ops": len(reads) + len(writes),
        "ops_per_second": round((len(reads) + len(writes)) / elapsed, 1),
        "reads_per_second": round(len(reads) / elapsed, 1),
        "writes_per_second": round(len(writes) / elapsed, 1),
        "read_latency_ms": {k: round(v, 2) for k, v in latency_summary(reads).items()},
        "write_latency_ms": {k: round(v, 2) for k, v in latency_summary(writes).items()},
        "all_latency_ms": {k: round(v, 2) for k, v in latency_summary(reads + writes).items()},
        "errors": dict(errors),
        "error_examples": examples,
        "stale_reads": sum(o["stale_reads"] for o in outcomes),
        "missing_reads": sum(o["missing_reads"] for o in outcomes),
        "server_rss_mib": [(t, round(r, 1)) for t, r, _ in samples],
        "server_sockets": [(t, s) for t, _, s in samples],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end",
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"{report['clients']} clients in {report['processes']} processes, {report['seconds']} s, "
        f"read ratio {report['read_ratio']}, RF 3, QUORUM"
    )
    print(
        f"ops/s: {report['ops_per_second']} (reads {report['reads_per_second']}, "
        f"writes {report['writes_per_second']}); {report['ops']} operations"
    )
    for kind in ("read", "write", "all"):
        lat = report[f"{kind}_latency_ms"]
        print(f"{kind:>5} latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}")
    print(f"errors: {report['errors'] or 'none'}")
    for name, text in report["error_examples"].items():
        print(f"  {name}: {text}")
    print(f"stale reads: {report['stale_reads']}, reads of a key not found: {report['missing_reads']}")
    rss = report["server_rss_mib"]
    print("server RSS MiB over time: " + ", ".join(f"{t:g}s {r}" for t, r in rss))
    sockets = [s for _, s in report["server_sockets"]]
    print(f"server sockets during the run: {min(sockets[:-1])}..{max(sockets[:-1])}, after it: {sockets[-1]}")
    print(report["machine"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--read-ratio", type=float, default=0.5)
    parser.add_argument("--keys", type=int, default=100, help="keys per client")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--quiet", action="store_true", help="do not print the server's log if it fails")
    args = parser.parse_args()
    report = run(args)
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
