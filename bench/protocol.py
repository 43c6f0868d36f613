"""Native protocol throughput: prepared INSERTs through cassandra-driver against cqlkit and against the ceiling.

Run from the repository root: ``python bench/protocol.py [--rows N] [--concurrency C] [--repeats R]``.

One client process (this one) runs cassandra-driver's ``execute_concurrent_with_args`` with ``C`` requests in
flight (100 by default), executing a prepared ``INSERT INTO bench.t (k, c, v) VALUES (?, ?, ?)`` for ``N``
rows, against two servers, each a child process started by this script on a free port of 127.0.0.1:

- **cqlkit**: a node served exactly as ``cqlkit serve`` serves it (``engine.cluster.server.NodeServer``):
  frame decoding, the request thread pool, binding, the mutation, commitlog (periodic) and memtable.
- **ceiling** (the baseline): the same server, codec and thread pool, but EXECUTE answers a Void result
  without executing anything (every other request, e.g. the driver's system-table reads on connect and the
  PREPARE, is served by the real node so the driver connects as usual). It is the most any statement
  execution behind this transport could reach with this client: the goal is cqlkit >= 0.5x of it.

Each pass uses a fresh table; passes alternate between the servers and the best of ``R`` is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEYSPACE = "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"


def serve(mode: str, directory: str) -> None:
    """Child process: serve a one-node cluster at ``directory``; print the port; run until stdin closes."""
    from engine import Cluster
    from engine.cluster.server import NodeServer
    from engine.service.results import ResultMessage, Void

    class VoidExecuteSession:
        """A connection whose EXECUTEs do nothing: the transport's cost alone."""

        def __init__(self, session: object) -> None:
            self._session = session
            self._void = ResultMessage(Void())

        def query(self, query, options):  # type: ignore[no-untyped-def]
            return self._session.query(query, options)

        def prepare(self, query, keyspace):  # type: ignore[no-untyped-def]
            return self._session.prepare(query, keyspace)

        def execute(self, statement_id, options):  # type: ignore[no-untyped-def]
            return self._void

        def batch(self, batch):  # type: ignore[no-untyped-def]
            return self._session.batch(batch)

        def close(self) -> None:
            self._session.close()

    class VoidExecuteHandler:
        def __init__(self, handler: object) -> None:
            self._handler = handler

        def open_session(self, client_address: str) -> VoidExecuteSession:
            return VoidExecuteSession(self._handler.open_session(client_address))

    with Cluster.open(directory) as cluster:
        server = NodeServer(cluster.nodes[0], "127.0.0.1", 0)
        if mode == "ceiling":
            server.transport.handler = VoidExecuteHandler(server.handler)
        server.start()
        print(json.dumps({"port": server.port}), flush=True)
        sys.stdin.read()  # the parent closes our stdin to stop us
        server.stop()


def _start(mode: str, directory: Path) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, "--dir", str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        raise SystemExit(f"the {mode} server did not start")
    return child, json.loads(line)["port"]


def _pass(port: int, table: str, rows: list[tuple[int, int, str]], concurrency: int) -> tuple[float, int]:
    from cassandra.cluster import Cluster as DriverCluster
    from cassandra.concurrent import execute_concurrent_with_args

    cluster = DriverCluster(["127.0.0.1"], port=port)
    try:
        session = cluster.connect()
        session.execute(KEYSPACE)
        session.execute(f"CREATE TABLE bench.{table} (k int, c int, v text, PRIMARY KEY (k, c))")
        prepared = session.prepare(f"INSERT INTO bench.{table} (k, c, v) VALUES (?, ?, ?)")
        start = time.perf_counter()
        results = execute_concurrent_with_args(
            session, prepared, rows, concurrency=concurrency, raise_on_first_error=True
        )
        elapsed = time.perf_counter() - start
        failures = sum(1 for ok, _ in results if not ok)
        return elapsed, failures
    finally:
        cluster.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="prepared INSERTs per pass")
    parser.add_argument("--concurrency", type=int, default=100, help="requests in flight")
    parser.add_argument("--repeats", type=int, default=3, help="passes per server (best is kept)")
    parser.add_argument("--serve", choices=("cqlkit", "ceiling"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.dir)
        return

    import cassandra

    rows = [(i // 10, i % 10, f"value-{i:08d}") for i in range(args.rows)]
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"cassandra-driver {cassandra.__version__}; {args.rows:,} prepared INSERTs per pass, "
        f"{args.concurrency} in flight, best of {args.repeats}"
    )
    with tempfile.TemporaryDirectory(prefix="cqlkit-bench-protocol-") as scratch:
        servers = {mode: _start(mode, Path(scratch) / mode) for mode in ("cqlkit", "ceiling")}
        best = {mode: float("inf") for mode in servers}
        try:
            for repeat in range(args.repeats):
                for mode, (_, port) in servers.items():
                    elapsed, failures = _pass(port, f"t{repeat}", rows, args.concurrency)
                    if failures:
                        raise SystemExit(f"{mode}: {failures} INSERTs failed")
                    best[mode] = min(best[mode], elapsed)
        finally:
            for child, _ in servers.values():
                assert child.stdin is not None
                child.stdin.close()
                child.wait(30)
    ours, ceiling = args.rows / best["cqlkit"], args.rows / best["ceiling"]
    print(f"{'workload':<44}{'cqlkit':>12}{'ceiling':>12}{'ratio':>8}")
    print(
        f"{'prepared INSERTs/s, execute_concurrent':<44}{ours:>12,.0f}{ceiling:>12,.0f}{ours / ceiling:>8.2f}"
    )


if __name__ == "__main__":
    main()
