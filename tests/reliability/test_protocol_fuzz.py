"""Hostile native-protocol input: the decoders and the request path answer it with protocol errors.

Each case (tests/reliability/fuzz_frames.py) is fed to a fresh :class:`ProtocolConnection` — the
server's whole protocol state machine, without sockets — in the chunks a socket might deliver; every
request it dispatches runs through ``run_request`` on a real node's session, exactly as the server's
thread pool runs it. What must hold for every case:

* ``receive`` never raises: bad bytes become ERROR replies (and ``closing`` when the framing is lost);
* every request that reaches execution gets a response, and none is a server error from an unexpected
  exception (``run_request`` logs those: the log must stay empty);
* the node still answers a query afterwards.

The default run fuzzes 20,000 cases (about 35,000 frames); ``-m slow`` runs the long version (over 100,000 frames),
whose figures are in docs/reliability.md.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator

import pytest

from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.errors import CqlError
from engine.transport.connection import Dispatch, ProtocolConnection, Reply
from engine.transport.dispatch import run_request
from engine.transport.frame import Opcode
from tests.reliability.fuzz_frames import cases

MAX_FRAME_SIZE = 256 * 1024


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("fuzz")
    node = Node(directory / "node1")
    server = NodeServer(node, "127.0.0.1", 0, max_frame_size=MAX_FRAME_SIZE)  # not started: no socket needed
    node.query_processor.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        server.handler.open_session("fuzz").client,
        _options(),
    )
    yield server
    node.close()


def _options():  # type: ignore[no-untyped-def]
    from engine.service.query_options import DEFAULT_OPTIONS

    return DEFAULT_OPTIONS


class Outcome:
    def __init__(self) -> None:
        self.frames = 0
        self.replies = 0
        self.dispatched = 0
        self.closed = 0


def fuzz(server: NodeServer, count: int, seed: int, caplog: pytest.LogCaptureFixture) -> Outcome:
    outcome = Outcome()
    for version, chunks in cases(count, seed):
        connection = ProtocolConnection(MAX_FRAME_SIZE)
        session = server.handler.open_session("127.0.0.1:fuzz")
        try:
            for chunk in chunks:
                try:
                    items = connection.receive(chunk)
                except Exception as e:
                    pytest.fail(f"receive raised {type(e).__name__}: {e} on v{version} input {chunks!r}")
                for item in items:
                    if isinstance(item, Reply):
                        outcome.replies += 1
                        continue
                    assert isinstance(item, Dispatch)
                    outcome.dispatched += 1
                    response, _ = run_request(session, item.stream, item.version, item.request)
                    assert response.opcode in (Opcode.RESULT, Opcode.ERROR)
                    unexpected = [r for r in caplog.records if r.levelno >= logging.ERROR]
                    assert not unexpected, f"{unexpected[0].getMessage()} on v{version} input {chunks!r}"
                if connection.closing:
                    outcome.closed += 1
                    break
        finally:
            session.close()
        outcome.frames += 1
    return outcome


def _node_still_answers(server: NodeServer) -> None:
    session = server.handler.open_session("127.0.0.1:check")
    result = session.query("SELECT release_version FROM system.local", _options())
    assert len(result.result.rows) == 1


def test_fuzzed_frames_get_protocol_answers(served: NodeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    outcome = fuzz(served, 20_000, seed=20261206, caplog=caplog)
    # The mix reaches every layer: framing errors, decoded-and-refused requests, executed requests.
    assert outcome.replies > 20_000 and outcome.dispatched > 2_000 and outcome.closed > 4_000
    _node_still_answers(served)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_fuzzed_frames_long(served: NodeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    for seed in range(10):
        fuzz(served, 20_000, seed=seed, caplog=caplog)
    _node_still_answers(served)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        connection = ProtocolConnection(MAX_FRAME_SIZE)
        for _ in range(3):
            try:
                connection.receive(rng.randbytes(rng.randint(1, 40)))
            except CqlError:
                raise
            except Exception as e:
                pytest.fail(f"receive raised {type(e).__name__}: {e}")
