"""COPY TO / COPY FROM: CSV export and import, cqlsh's client-side commands (``shell.copy.export``,
``shell.copy.importer``), over either connection.

``COPY [ks.]table [(columns)] TO 'file' | STDOUT`` and ``... FROM 'files' | STDIN``, ``WITH`` options as
in ``shell.copy.options``. Before any work cqlsh resolves the table (``Not in any keyspace.``,
``Keyspace 'x' not found.``, ``Column family x not found``), reads the options (announcing config-file
sections) and prints ``Using N child processes`` (NUMPROCESSES; cqlkit runs one process and uses N to
size its concurrency). Messages go to stdout except when exporting to STDOUT (then only with
``--debug``); errors to stderr with the batch-mode ``file:line:`` prefix.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

from shell.commands.registry import CommandContext, Invocation, command
from shell.connection.base import QueryError
from shell.copy.statement import parse_copy
from shell.cqlshrc import default_path
from shell.output.temporal import DEFAULT_TIMESTAMP_FORMAT


@command("copy")
def copy(context: CommandContext, invocation: Invocation) -> None:
    # the export, import and option modules (csv, the driver's type classes) load when COPY runs: every
    # shell registers the command, few use it, and start-up matters for ``cqlkit cqlsh -e``
    from shell.copy.export import export_rows
    from shell.copy.importer import import_rows
    from shell.copy.options import parse_options, read_config

    started = time.time()
    statement = parse_copy(invocation.args)
    keyspace = statement.keyspace or context.connection.keyspace
    if keyspace is None:
        context.error("Not in any keyspace.")
        return
    try:
        layout = context.connection.table_layout(keyspace, statement.table)
    except QueryError as error:
        context.error(error.text)
        return
    if layout is None:
        context.error(f"Column family {statement.table} not found")
        return
    direction = statement.direction
    quiet = direction == "to" and statement.file is None and not context.state.debug
    out = context.out if not quiet else io.StringIO()  # cqlsh swallows messages when exporting to STDOUT

    def say(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    cqlshrc = Path(context.state.cqlshrc) if context.state.cqlshrc else default_path()
    formats = getattr(context, "formats", None)
    display_format = getattr(formats, "timestamp_format", DEFAULT_TIMESTAMP_FORMAT)
    try:
        given = read_config(statement.options, direction, keyspace, statement.table, cqlshrc, say)
        if context.state.debug:
            say(f"Using options: '{given}'")
        options = parse_options(
            given, keyspace=keyspace, table=statement.table, display_format=display_format
        )
    except ValueError as error:
        context.error(str(error))
        return
    say(f"Using {options.numprocesses} child processes")
    columns = list(statement.columns) if statement.columns else list(layout.columns)
    file = _path(statement.file)
    if direction == "to":
        export_rows(context, layout, columns, file, options, out, started=started)
    else:
        import_rows(context, layout, columns, file, options, out, lambda: _stdin(context), started=started)


def _path(file: str | None) -> str | None:
    """cqlsh's ``safe_normpath``: ``~`` expanded, the path normalised."""
    return os.path.normpath(os.path.expanduser(file)) if file else file


def _stdin(context: CommandContext) -> Iterator[str]:
    """Lines typed (or piped) after the command, up to a line holding only ``.``."""
    for line in context.input_lines("[copy] "):
        if line == ".\n" or line == ".":
            return
        yield line
