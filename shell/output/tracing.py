"""A query trace as cqlsh prints it after a statement when ``TRACING ON`` (``cqlshlib.tracing``)::

    <blank>
    Tracing session: cf224520-6146-11f0-8c27-9f5b4c3f63d7
    <blank>
     activity                                  | timestamp                  | source    | source_elapsed | client
    -------------------------------------------+----------------------------+-----------+----------------+-----------
                                Execute CQL3 query | 2025-07-15 06:41:59.922000 | 127.0.0.1 |              0 | 127.0.0.1
     Parsing SELECT ... [Native-Transport-Requests-1] | ...                   | 127.0.0.1 |            498 | 127.0.0.1
                                  Request complete | 2025-07-15 06:41:59.926129 | 127.0.0.1 |           4129 | 127.0.0.1
    <blank>

The first row is the session (its request type, start, coordinator, elapsed 0), then one row per event
(``description [thread]``, its time, source, microseconds since the session began), then ``Request
complete`` at start + duration when the session has finished. Times are the trace's UTC times shifted by
the machine's current UTC offset and printed with ``str()`` (cqlsh's ``datetime_from_utc_to_local``);
the table is always tabular (EXPAND does not apply). ``Tracing session: `` is magenta when color is on.
A trace with no events prints nothing but the error ``No rows for session <id> found.``
"""

from __future__ import annotations

import datetime
import time
import uuid
from dataclasses import dataclass

from shell.output.colors import Ansi, header_palette
from shell.output.formatting import FormatOptions, format_value
from shell.output.result import ColumnKind
from shell.output.tabular import table_lines
from shell.output.text import format_text

COLUMNS = ("activity", "timestamp", "source", "source_elapsed", "client")


@dataclass(frozen=True)
class TraceEvent:
    description: str
    thread_name: str | None
    at: datetime.datetime  # UTC, naive
    source: str
    source_elapsed: datetime.timedelta | None


@dataclass(frozen=True)
class Trace:
    """One tracing session (``system_traces.sessions`` and its ``events``)."""

    trace_id: uuid.UUID
    request_type: str
    started_at: datetime.datetime  # UTC, naive
    coordinator: str
    client: str
    duration: datetime.timedelta | None
    events: tuple[TraceEvent, ...]


def local_offset() -> datetime.timedelta:
    """The machine's current UTC offset, as cqlsh computes it."""
    now = time.time()
    return datetime.datetime.fromtimestamp(now) - datetime.datetime.fromtimestamp(now, datetime.UTC).replace(
        tzinfo=None
    )


def _micros(delta: datetime.timedelta | None) -> int | str:
    if not delta:
        return "--"
    return int(delta.microseconds + (delta.seconds + delta.days * 24 * 3600) * 10**6)


def trace_rows(trace: Trace, offset: datetime.timedelta) -> list[list[object]]:
    if not trace.events:
        return []
    started = trace.started_at + offset
    rows: list[list[object]] = [[trace.request_type, str(started), trace.coordinator, 0, trace.client]]
    for event in trace.events:
        rows.append(
            [
                f"{event.description} [{event.thread_name}]",
                str(event.at + offset),
                event.source,
                _micros(event.source_elapsed),
                trace.client,
            ]
        )
    if trace.duration:
        rows.append(
            [
                "Request complete",
                str(started + trace.duration),
                trace.coordinator,
                _micros(trace.duration),
                trace.client,
            ]
        )
    return rows


def render_trace(
    trace: Trace, *, color: bool, tty: bool, offset: datetime.timedelta | None = None
) -> str | None:
    """The trace's text, or None when it has no rows (the caller reports cqlsh's error)."""
    rows = trace_rows(trace, local_offset() if offset is None else offset)
    if not rows:
        return None
    options = FormatOptions(color=color)
    header = tuple(format_text(name, header_palette(ColumnKind.NONE, color)) for name in COLUMNS)
    cells = [tuple(format_value(value, None, options) for value in row) for row in rows]
    label = f"{Ansi.MAGENTA}Tracing session: {Ansi.RESET}" if color else "Tracing session: "
    lines = ["", f"{label}{trace.trace_id}", ""]
    lines.extend(table_lines(header, cells, with_header=True, tty=tty))
    lines.append("")
    return "".join(line + "\n" for line in lines)
