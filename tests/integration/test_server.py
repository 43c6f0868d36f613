"""The server itself: out-of-order answers, handler failures, many connections, draining, ``cqlkit serve``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.protocol import QueryMessage, ResultMessage, ServerError

from engine.cluster.server import NodeServer
from engine.errors import InvalidRequest
from engine.schema.types import TEXT
from engine.service.query_options import QueryOptions
from engine.service.results import ColumnSpec, Rows, Void
from engine.service.results import ResultMessage as EngineResult
from engine.transport import BatchRequest, NativeServer, PreparedInfo
from tests.integration.conftest import driver_cluster
from tests.integration.rawclient import RawConnection


class _StubSession:
    """Answers ``SELECT <word>`` with one row; ``wait`` blocks until ``go`` is set; ``boom`` raises."""

    def __init__(self, go: threading.Event, waiting: threading.Event) -> None:
        self.go = go
        self.waiting = waiting

    def query(self, query: str, options: QueryOptions) -> EngineResult:
        word = query.split()[-1]
        if word == "wait":
            self.waiting.set()
            assert self.go.wait(5)
        if word == "boom":
            raise RuntimeError("the handler broke")
        if word == "invalid":
            raise InvalidRequest("no such thing")
        column = ColumnSpec("ks", "t", "word", TEXT)
        return EngineResult(Rows((column,), ((TEXT.serialize(word),),)))

    def prepare(self, query: str, keyspace: str | None) -> PreparedInfo:
        raise InvalidRequest("not here")

    def execute(self, statement_id: bytes, options: QueryOptions) -> EngineResult:
        raise InvalidRequest("not here")

    def batch(self, batch: BatchRequest) -> EngineResult:
        return EngineResult(Void())

    def close(self) -> None:
        pass


class _StubHandler:
    def __init__(self) -> None:
        self.go = threading.Event()
        self.waiting = threading.Event()  # a `wait` request is running

    def open_session(self, client_address: str) -> _StubSession:
        return _StubSession(self.go, self.waiting)


@pytest.fixture
def stub_server() -> Iterator[NativeServer]:
    handler = _StubHandler()
    server = NativeServer(handler, "127.0.0.1", 0)
    server.start()
    yield server
    handler.go.set()
    server.stop()


def test_requests_are_answered_in_the_order_they_finish(stub_server: NativeServer) -> None:
    raw = RawConnection(stub_server.port)
    raw.startup()
    raw.send(QueryMessage("SELECT wait", 1), stream=1)
    raw.send(QueryMessage("SELECT quick", 1), stream=2)
    first = raw.read()
    assert (first.stream_id, first.parsed_rows) == (2, [("quick",)])
    stub_server.handler.go.set()
    second = raw.read()
    assert (second.stream_id, second.parsed_rows) == (1, [("wait",)])
    raw.close()


def test_handler_failures_are_errors_and_the_connection_goes_on(stub_server: NativeServer) -> None:
    raw = RawConnection(stub_server.port)
    raw.startup()
    error = raw.query("SELECT boom")
    assert isinstance(error, ServerError)
    assert error.message == "RuntimeError: the handler broke"
    assert raw.query("SELECT invalid").message == "no such thing"
    assert raw.query("SELECT fine").parsed_rows == [("fine",)]
    raw.close()


def test_many_connections(stub_server: NativeServer) -> None:
    connections = [RawConnection(stub_server.port, version=4 + i % 2) for i in range(40)]
    for i, raw in enumerate(connections):
        raw.startup("lz4" if i % 3 else None)
    for i, raw in enumerate(connections):
        raw.send(QueryMessage(f"SELECT w{i}", 1), stream=i)
    for i, raw in enumerate(connections):
        answer = raw.read()
        assert isinstance(answer, ResultMessage) and answer.parsed_rows == [(f"w{i}",)]
        raw.close()


def test_stop_drains_running_requests(stub_server: NativeServer) -> None:
    raw = RawConnection(stub_server.port)
    raw.startup()
    raw.send(QueryMessage("SELECT wait", 1), stream=1)
    assert stub_server.handler.waiting.wait(5)  # stop only once the request is running
    stopping = threading.Thread(target=stub_server.stop)
    stopping.start()
    stub_server.handler.go.set()
    answer = raw.read()  # the running request still gets its answer
    assert answer.parsed_rows == [("wait",)]
    stopping.join(10)
    assert raw.is_closed()


def test_execute_concurrent_through_the_driver(served: NodeServer) -> None:
    cluster = driver_cluster(served, 5)
    try:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE concurrent WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE concurrent.t (k int PRIMARY KEY, v int)")
        insert = session.prepare("INSERT INTO concurrent.t (k, v) VALUES (?, ?)")
        results = execute_concurrent_with_args(
            session, insert, [(i, i * i) for i in range(300)], concurrency=100
        )
        assert all(ok for ok, _ in results)
        assert session.execute("SELECT count(*) FROM concurrent.t").one()[0] == 300
    finally:
        cluster.shutdown()


def test_cqlkit_serve(tmp_path: Path) -> None:
    env = {**os.environ, "CQLKIT_HOME": str(tmp_path / "home")}
    command = [str(Path(sys.executable).with_name("cqlkit"))]
    server = subprocess.Popen(
        [*command, "serve", "--cluster", "served", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = server.stdout.readline()
        assert banner.startswith("cqlkit: serving cluster 'served' on 127.0.0.1:")
        port = int(banner.split("127.0.0.1:")[1].split()[0])
        cluster_dir = tmp_path / "home" / "clusters" / "served"
        assert (cluster_dir / "server.json").exists()
        second = subprocess.run(
            [*command, "serve", "--cluster", "served", "--port", "0"], capture_output=True, text=True, env=env
        )
        assert second.returncode == 2
        assert "is already being served" in second.stderr
        raw = RawConnection(port)
        raw.startup()
        assert raw.query("SELECT cluster_name FROM system.local").parsed_rows == [("served",)]
        raw.close()
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, err
    assert out == "cqlkit: draining\ncqlkit: stopped\n"
    assert not (cluster_dir / "server.json").exists()
