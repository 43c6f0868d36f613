"""Hostile input over real sockets: a served node keeps serving while connections send fuzzed frames.

Several client threads each open connections to a node served on an ephemeral port, send one fuzzed
case (tests/reliability/fuzz_frames.py), close their sending side and read until the server closes the
connection. For every connection the server must answer or close within a few seconds of the client's
EOF (no connection is left hanging), the process must not grow (RSS measured before and after), and a
cassandra-driver session opened before the storm must keep working through it and after it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra.cluster import Cluster

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from tests.reliability.fuzz_frames import cases

EOF_TIMEOUT = 5.0


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[NodeServer]:
    node = Node(tmp_path / "node1")
    server = NodeServer(node, "127.0.0.1", 0, max_frame_size=256 * 1024)
    server.start()
    yield server
    server.stop()
    node.close()


def _storm(port: int, inputs: list[list[bytes]], failures: list[str]) -> None:
    for chunks in inputs:
        sock = socket.create_connection(("127.0.0.1", port), timeout=EOF_TIMEOUT)
        try:
            for chunk in chunks:
                try:
                    sock.sendall(chunk)
                except OSError:
                    break  # the server closed first (lost framing): fine
            try:
                sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + EOF_TIMEOUT
                while sock.recv(65536):
                    if time.monotonic() > deadline:
                        failures.append(f"no EOF within {EOF_TIMEOUT}s after {chunks!r}")
                        break
            except TimeoutError:
                failures.append(f"connection hung after {chunks!r}")
            except OSError:
                pass  # reset by the server after a fatal error: fine
        finally:
            sock.close()


def run_storm(server: NodeServer, count: int, seed: int, threads: int = 4) -> list[str]:
    inputs = [chunks for _, chunks in cases(count, seed)]
    failures: list[str] = []
    workers = [
        threading.Thread(target=_storm, args=(server.port, inputs[i::threads], failures))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures


def _check_driver(cluster: Cluster) -> None:
    session = cluster.connect()
    assert session.execute("SELECT release_version FROM system.local").one().release_version


def test_fuzzed_connections_are_answered_and_closed(served: NodeServer) -> None:
    cluster = Cluster(["127.0.0.1"], port=served.port, connect_timeout=5)
    try:
        session = cluster.connect()
        run_storm(served, 200, seed=1)  # warm-up: first-use allocations are not leaks
        before = _rss_bytes()
        failures = run_storm(served, 1500, seed=2)
        assert failures == []
        # the session opened before the storm still works
        assert session.execute("SELECT release_version FROM system.local").one() is not None
        _check_driver(cluster)
        grown = _rss_bytes() - before
        assert grown < 32 * 1024 * 1024, f"RSS grew by {grown / 2**20:.1f} MiB over 1,500 fuzzed connections"
    finally:
        cluster.shutdown()
    deadline = time.monotonic() + EOF_TIMEOUT
    while served.transport.connection_count and time.monotonic() < deadline:
        time.sleep(0.05)  # the server notices the last closes asynchronously
    assert served.transport.connection_count == 0


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_fuzzed_connections_long(served: NodeServer) -> None:
    run_storm(served, 1000, seed=100)
    before = _rss_bytes()
    for seed in range(10):
        assert run_storm(served, 2000, seed=seed) == []
    grown = _rss_bytes() - before
    assert grown < 64 * 1024 * 1024, f"RSS grew by {grown / 2**20:.1f} MiB over 20,000 fuzzed connections"
    cluster = Cluster(["127.0.0.1"], port=served.port, connect_timeout=5)
    try:
        _check_driver(cluster)
    finally:
        cluster.shutdown()
