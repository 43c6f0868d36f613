"""Printing traces: after each statement while ``TRACING ON``, and for ``SHOW SESSION <id>``.

As cqlsh: a statement's trace sessions are fetched once the statement has run (waiting up to cqlshrc's
``[tracing] max_trace_wait``, 10 s, for each to complete) and printed after its result and warnings
(``shell.output.tracing``). A session still incomplete after the wait draws, in red where query output
goes, ``Statement trace did not complete within 10 seconds; trace data may be incomplete.`` and then
what there is of it. ``SHOW SESSION`` waits the driver's default two seconds; a session the server does
not have is ``Session <id> wasn't found.``. Statements on ``system_traces`` are never traced, and a
failed statement prints no trace.
"""

from __future__ import annotations

import uuid

from shell.commands.registry import CommandContext
from shell.connection.base import QueryError, TraceIncomplete
from shell.output.colors import Ansi, paint_line
from shell.output.tracing import Trace, render_trace

#: QueryTrace.populate's default wait, which cqlsh's SHOW SESSION keeps
SESSION_WAIT = 2.0


def show_trace_session(context: CommandContext, session_id: uuid.UUID, *, partial: bool = False) -> None:
    try:
        trace = context.connection.trace(
            session_id, SESSION_WAIT, context.state.consistency, complete=not partial
        )
    except TraceIncomplete:
        context.error(f"Session {session_id} wasn't found.")
        return
    except QueryError as error:
        context.error(error.text)
        return
    print_trace(context, trace)


def print_trace(context: CommandContext, trace: Trace) -> None:
    text = render_trace(trace, color=context.state.painting, tty=context.tty)
    if text is None:
        context.error(f"No rows for session {trace.trace_id} found.")
        return
    context.result(text)


def print_statement_traces(context: CommandContext) -> None:
    """The traces of the statement that just ran (cqlsh's ``perform_statement``)."""
    ids = list(context.connection.last_trace_ids)
    wait = context.state.max_trace_wait
    try:
        for session_id in ids:
            print_trace(context, context.connection.trace(session_id, wait, context.state.consistency))
    except TraceIncomplete:
        message = "Statement trace did not complete within %d seconds; trace data may be incomplete." % wait  # noqa: UP031
        context.result(paint_line(message, Ansi.RED, context.state.painting) + "\n")
        for session_id in ids:
            show_trace_session(context, session_id, partial=True)
    except QueryError as error:
        context.error(f"Unable to fetch query trace: {error.text}")
