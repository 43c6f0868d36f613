"""Batch mode: run the statements of ``-e``, ``-f FILE`` or piped stdin and print what cqlsh prints.

Each statement's result is written to stdout as cqlsh renders it (SELECT: the table and ``(N rows)``,
all pages without pauses; other statements with rows, such as an LWT's ``[applied]``: the table without a
count; schema changes and writes: nothing). An error is written to stderr as ``<source>:<line>:`` plus the
message (``InvalidRequest: Error from server: code=2200 [Invalid query] message="..."``), the run goes on
with the next statement, and the exit status is 2 if any statement failed (cqlsh's batch-mode rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import engine
from engine.cql.splitter import split_statements
from shell.connection.embedded import EmbeddedConnection
from shell.output.describe import describe_target, render_describe
from shell.output.errors import ServerError, SourcePosition, error_line, error_message
from shell.output.formatting import FormatOptions
from shell.output.printer import DisplayOptions, render_result, render_static_result, render_warnings

#: statements whose rows cqlsh prints with a row count (``print_result``); others print rows without one
_COUNTED = ("select", "list")


@dataclass
class BatchOutcome:
    failures: int = 0

    @property
    def exit_code(self) -> int:
        return 2 if self.failures else 0


def server_error(error: engine.CqlError) -> ServerError:
    """An engine error as the server error a driver would report."""
    info: dict[str, object] = {}
    for name, attribute in (
        ("consistency", "consistency"),
        ("required_replicas", "required"),
        ("alive_replicas", "alive"),
        ("required_responses", "block_for"),
        ("received_responses", "received"),
        ("keyspace", "keyspace"),
        ("table", "table"),
    ):
        if hasattr(error, attribute):
            info[name] = getattr(error, attribute)
    return ServerError(type(error).__name__, int(error.code), error.message, info)


def run_statements(
    text: str,
    connection: EmbeddedConnection,
    out: TextIO,
    err: TextIO,
    *,
    source: str,
    color: bool = False,
    formats: FormatOptions | None = None,
    on_error: Callable[[], None] | None = None,
) -> BatchOutcome:
    outcome = BatchOutcome()
    formats = formats or FormatOptions(color=color)
    display = DisplayOptions(formats=formats, tty=False)
    for statement in split_statements(text):
        position = SourcePosition(source, statement.line)
        if not statement.terminated and source != "<stdin>" and not text.rstrip().endswith(statement.text):
            continue
        first_word = statement.text.split(None, 1)[0].lower()
        is_describe = first_word in ("describe", "desc")
        try:
            pages = list(connection.execute(statement.text))
        except engine.CqlError as error:
            outcome.failures += 1
            # cqlsh prints only the message of a failed DESCRIBE (do_describe).
            text = error.message if is_describe else error_message(server_error(error))
            err.write(error_line(text, position=position, color=color) + "\n")
            if on_error is not None:
                on_error()
            continue
        if is_describe:
            rows = [
                dict(zip([c.name for c in page.columns], row, strict=True))
                for page in pages
                for row in page.rows
            ]
            out.write(render_describe(describe_target(statement.text), rows, connection.keyspace))
            continue
        if not pages:
            continue
        if first_word in _COUNTED:
            out.write(render_result(pages, display))
        else:
            out.write(render_static_result(pages[0], display))
        warnings = [w for page in pages for w in page.warnings]
        if warnings:
            out.write(render_warnings(warnings))
    return outcome
