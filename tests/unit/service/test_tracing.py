"""TraceState timing and TraceStore bounds, expiry and rows."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from engine.service.tracing import TraceState, TraceStore


def _state(clock) -> TraceState:  # type: ignore[no-untyped-def]
    return TraceState(
        uuid.uuid1(), "127.0.0.1", 7000, "127.0.0.9", "Execute CQL3 query", {"query": "q"}, clock=clock
    )


def test_events_carry_the_microseconds_since_the_session_began() -> None:
    ticks = itertools.count()
    state = _state(lambda: next(ticks) * 0.001)  # each clock read: 1 ms later
    state.trace("Parsing q")
    state.trace("Preparing statement")
    session = state.finish()
    assert [(e.activity, e.source_elapsed) for e in session.events] == [
        ("Parsing q", 1000),
        ("Preparing statement", 2000),
    ]
    assert session.duration == 3000 and session.started_at.microsecond % 1000 == 0  # a timestamp: ms


def test_store_keeps_the_newest_sessions_and_expires_old_ones() -> None:
    store = TraceStore(max_sessions=2, ttl_seconds=60)
    sessions = [_state(lambda: 0.0).finish() for _ in range(3)]
    for s in sessions:
        store.add(s)
    assert [r["session_id"] for r in store.rows("sessions")] == [s.session_id for s in sessions[1:]]
    old = _state(lambda: 0.0)
    old.started_at = datetime.now(UTC) - timedelta(seconds=61)
    store.add(old.finish())
    assert old.session_id not in {r["session_id"] for r in store.rows("sessions")}


def test_event_rows_name_their_session() -> None:
    store = TraceStore()
    state = _state(lambda: 0.0)
    state.trace("Appending to commitlog")
    store.add(state.finish())
    (row,) = store.rows("events")
    assert (row["session_id"], row["activity"], row["source"]) == (
        state.session_id,
        "Appending to commitlog",
        "127.0.0.1",
    )
