"""Query tracing: what a traced request did, step by step, as ``system_traces.sessions`` and ``events``.

A client asks for a trace with the protocol's tracing flag (cqlsh's ``TRACING ON``; the driver's
``trace=True``). The coordinator then opens a :class:`TraceState` (Cassandra's ``Tracing.newSession``):
a session id (a time-based UUID the response carries), the request's parameters, and a clock started.
Each step of the request records an event — ``Parsing …``, ``Preparing statement``, ``Executing
single-partition query on t``, ``Appending to commitlog``… (Cassandra's ``Tracing.trace`` texts) — with the
microseconds elapsed since the session began. When the request completes, the session is stored with its
duration, and drivers read it back from ``system_traces``.

**Where traces live.** Cassandra writes traces into the replicated ``system_traces`` keyspace with a
one-day TTL. cqlkit keeps them in a :class:`TraceStore` in memory, shared by the nodes of an in-process
cluster (so a driver finds a session whichever node it asks), bounded to the most recent
:data:`MAX_SESSIONS` sessions and expired after :data:`TRACE_TTL_SECONDS`, as Cassandra's TTL expires them.
They do not survive a restart (Cassandra's do, for a day).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Cassandra's ``TraceKeyspace`` TTL (``trace_ttl``, one day).
TRACE_TTL_SECONDS = 86_400
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class TraceEvent:
    event_id: uuid.UUID
    activity: str
    source: str
    source_port: int
    source_elapsed: int  # µs since the session started
    thread: str


@dataclass(frozen=True, slots=True)
class TraceSession:
    session_id: uuid.UUID
    command: str  # QUERY, REPAIR, ...
    client: str
    coordinator: str
    coordinator_port: int
    parameters: Mapping[str, str]
    request: str
    started_at: datetime
    duration: int | None = None  # µs; None while the request runs
    events: tuple[TraceEvent, ...] = ()


@dataclass
class TraceState:
    """One traced request (mutable while it runs; :meth:`finish` freezes it)."""

    session_id: uuid.UUID
    coordinator: str
    coordinator_port: int
    client: str
    request: str
    parameters: dict[str, str]
    new_timeuuid: Callable[[], uuid.UUID] = uuid.uuid1
    clock: Callable[[], float] = time.perf_counter
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    events: list[TraceEvent] = field(default_factory=list)
    _start: float = field(init=False)

    def __post_init__(self) -> None:
        self._start = self.clock()

    def elapsed_micros(self) -> int:
        return int((self.clock() - self._start) * 1_000_000)

    def trace(self, activity: str, thread: str = "Native-Transport-Requests-1") -> None:
        self.events.append(
            TraceEvent(
                self.new_timeuuid(),
                activity,
                self.coordinator,
                self.coordinator_port,
                self.elapsed_micros(),
                thread,
            )
        )

    def finish(self) -> TraceSession:
        return TraceSession(
            self.session_id,
            "QUERY",
            self.client,
            self.coordinator,
            self.coordinator_port,
            dict(self.parameters),
            self.request,
            self.started_at.replace(microsecond=self.started_at.microsecond // 1000 * 1000),
            self.elapsed_micros(),
            tuple(self.events),
        )


class TraceStore:
    """The finished trace sessions of a cluster, most recent last; thread-safe."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, ttl_seconds: int = TRACE_TTL_SECONDS) -> None:
        self._sessions: OrderedDict[uuid.UUID, TraceSession] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_sessions
        self._ttl = ttl_seconds

    def add(self, session: TraceSession) -> None:
        with self._lock:
            self._sessions[session.session_id] = session
            while len(self._sessions) > self._max:
                self._sessions.popitem(last=False)

    def _live(self) -> list[TraceSession]:
        cutoff = datetime.now(UTC).timestamp() - self._ttl
        with self._lock:
            for session_id in [k for k, s in self._sessions.items() if s.started_at.timestamp() < cutoff]:
                del self._sessions[session_id]
            return list(self._sessions.values())

    def rows(self, table: str) -> Iterator[dict[str, object]]:
        """The rows of ``system_traces.<table>`` (``sessions`` or ``events``)."""
        for session in self._live():
            if table == "sessions":
                yield {
                    "session_id": session.session_id,
                    "command": session.command,
                    "client": session.client,
                    "coordinator": session.coordinator,
                    "coordinator_port": session.coordinator_port,
                    "duration": session.duration,
                    "parameters": dict(session.parameters),
                    "request": session.request,
                    "started_at": session.started_at,
                }
            elif table == "events":
                for event in session.events:
                    yield {
                        "session_id": session.session_id,
                        "event_id": event.event_id,
                        "activity": event.activity,
                        "source": event.source,
                        "source_port": event.source_port,
                        "source_elapsed": event.source_elapsed,
                        "thread": event.thread,
                    }
