"""Trace output as cqlsh's ``print_trace`` lays it out, and the statement path that prints it."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Iterator, Sequence

from shell.batch import run_statements
from shell.connection.base import DEFAULT_SETTINGS, Settings, TraceIncomplete
from shell.output.result import ColumnSpec, ResultPage
from shell.output.tracing import Trace, TraceEvent, render_trace
from shell.session_state import ShellState

SESSION = uuid.UUID("cf224520-6146-11f0-8c27-9f5b4c3f63d7")
START = datetime.datetime(2025, 7, 15, 6, 41, 59, 922000)
TRACE = Trace(
    SESSION,
    "Execute CQL3 query",
    START,
    "127.0.0.1",
    "127.0.0.1",
    datetime.timedelta(microseconds=4129),
    (
        TraceEvent(
            "Parsing SELECT * FROM t",
            "Native-Transport-Requests-1",
            START,
            "127.0.0.1",
            datetime.timedelta(microseconds=498),
        ),
    ),
)
EXPECTED = (
    "\n"
    "Tracing session: cf224520-6146-11f0-8c27-9f5b4c3f63d7\n"
    "\n"
    " activity                                              | timestamp                  | source    | source_elapsed | client\n"
    "-------------------------------------------------------+----------------------------+-----------+----------------+-----------\n"
    "                                    Execute CQL3 query | 2025-07-15 06:41:59.922000 | 127.0.0.1 |              0 | 127.0.0.1\n"
    " Parsing SELECT * FROM t [Native-Transport-Requests-1] | 2025-07-15 06:41:59.922000 | 127.0.0.1 |            498 | 127.0.0.1\n"
    "                                      Request complete | 2025-07-15 06:41:59.926129 | 127.0.0.1 |           4129 | 127.0.0.1\n"
    "\n"
)


def test_render_trace() -> None:
    assert render_trace(TRACE, color=False, tty=False, offset=datetime.timedelta(0)) == EXPECTED
    empty = Trace(SESSION, "Execute CQL3 query", START, "127.0.0.1", "127.0.0.1", None, ())
    assert render_trace(empty, color=False, tty=False) is None


class TracedConnection:
    """A connection whose server traces every statement (as Cassandra does), for the shell's side."""

    keyspace = None

    def __init__(self, complete: bool) -> None:
        self.complete = complete
        self.last_trace_ids: Sequence[uuid.UUID] = []

    def execute(self, statement: str, settings: Settings = DEFAULT_SETTINGS) -> Iterator[ResultPage]:
        self.last_trace_ids = [SESSION] if settings.tracing else []
        yield ResultPage((ColumnSpec("k", "int"),), [(1,)])

    def trace(self, session_id: uuid.UUID, max_wait: float, consistency: str, complete: bool = True) -> Trace:
        if complete and not self.complete:
            raise TraceIncomplete("not yet")
        return TRACE


def _run(connection: TracedConnection, text: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    run_statements(text, connection, out, err, source="<stdin>", state=ShellState(tracing=True))  # type: ignore[arg-type]
    return out.getvalue(), err.getvalue()


def test_statements_print_their_trace_after_the_result(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("shell.output.tracing.local_offset", lambda: datetime.timedelta(0))
    out, err = _run(TracedConnection(complete=True), "SELECT k FROM t;")
    assert (out, err) == ("\n k\n---\n 1\n\n(1 rows)\n" + EXPECTED, "")
    out, _ = _run(TracedConnection(complete=True), "SELECT * FROM system_traces.sessions;")
    assert "Tracing session" not in out
    out, _ = _run(TracedConnection(complete=False), "SELECT k FROM t;")
    assert out == (
        "\n k\n---\n 1\n\n(1 rows)\n"
        "Statement trace did not complete within 10 seconds; trace data may be incomplete.\n" + EXPECTED
    )
