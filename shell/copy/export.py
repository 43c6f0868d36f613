"""COPY TO: a table's rows as CSV, in a file (split by MAXOUTPUTSIZE) or on standard output.

What it prints, as cqlsh's ``ExportTask`` (messages only when writing a file or with ``--debug``)::

    Using 1 child processes

    Starting copy of ks.t with columns [k, v].
    Processed: 3 rows; Rate:      25 rows/s; Avg. rate:      25 rows/s\\r\\r
    3 rows exported to 1 files in 0.122 seconds.

Rows are read with one paged ``SELECT`` (PAGESIZE rows a page), restricted to ``token(pk) > BEGINTOKEN
AND token(pk) <= ENDTOKEN`` when those are given, so they come in token order; cqlsh reads token ranges
in parallel worker processes, whose order is arbitrary. Values are formatted by ``shell.output`` with
COPY's settings, which differ from the screen's: null is NULL's text (also in a UDT field), floats
keep FLOATPRECISION and doubles DOUBLEPRECISION digits, DECIMALSEP/THOUSANDSSEP/BOOLSTYLE apply,
timestamps use DATETIMEFORMAT in UTC with milliseconds, and no colour. Lines end with ``\\r\\n`` (the
``csv`` module's default, which cqlsh keeps).
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Sequence
from typing import TextIO

from cassandra.metadata import protect_name

from shell.commands.registry import CommandContext
from shell.connection.base import QueryError, Settings, TableLayout
from shell.copy.options import CopyOptions
from shell.copy.progress import Clock, RateMeter, describe_interval
from shell.output.copy_values import copy_fields, copy_formats

MIN_TOKEN = -(2**63)


class _Destination:
    """Where CSV text goes: the file, its numbered continuations past MAXOUTPUTSIZE lines, or stdout."""

    def __init__(self, context: CommandContext, file: str | None, options: CopyOptions) -> None:
        self.context = context
        self.file = file
        self.options = options
        self.limit = options.maxoutputsize if file is not None else -1
        self.output: TextIO | None = None
        self.files = 0
        self.written = 0

    def open(self, columns: Sequence[str]) -> bool:
        if not self._next(self.file):
            return False
        if self.options.header:
            self.write(_csv_line([str(c) for c in columns], self.options), 0)
        return True

    def _next(self, name: str | None) -> bool:
        self.close()
        if name is None:
            return True
        try:
            self.output = open(name, "w", encoding=self.options.encoding)  # noqa: SIM115 (closed in close())
        except (OSError, LookupError) as error:
            self.context.error(f"Can't open {name!r} for writing: {error}")
            return False
        self.files += 1
        return True

    def write(self, text: str, rows: int) -> None:
        if self.limit > 0 and self.written + rows > self.limit:
            remaining = self.limit - self.written
            last_switch = 0
            for i, line in enumerate(line for line in text.split(os.linesep) if line):
                if i == remaining:
                    self._next(f"{self.file}.{self.files}")
                    last_switch = i
                    remaining += self.limit
                self._put(line + "\n")
            self.written = rows - last_switch
            return
        self.written += rows
        self._put(text)

    def _put(self, text: str) -> None:
        if self.output is None:
            self.context.write(text)
        else:
            self.output.write(text)

    def close(self) -> None:
        if self.output is not None:
            self.output.close()
            self.output = None


def _csv_line(fields: Sequence[str], options: CopyOptions) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, **options.dialect.kwargs()).writerow(fields)  # type: ignore[arg-type]
    return buffer.getvalue()


def export_rows(
    context: CommandContext,
    layout: TableLayout,
    columns: Sequence[str],
    file: str | None,
    options: CopyOptions,
    say: TextIO | None,
    clock: Clock = time.time,
    started: float | None = None,
) -> None:
    started = clock() if started is None else started
    if options.unrecognized:
        context.error("Unrecognized COPY TO options: " + ", ".join(options.unrecognized))
        return
    if not columns:
        context.error("No column specified")
        return
    for column in columns:
        if column not in layout.types:
            context.error(f"Invalid column name {column}")
            return
    where = _token_restriction(context, layout, options)
    if where is None:
        return
    if file is None and options.maxoutputsize > 0:
        context.error(f"WARNING: maxoutputsize {options.maxoutputsize} ignored when writing to STDOUT")
    destination = _Destination(context, file, options)
    if not destination.open(columns):
        return
    if say is not None:
        say.write(
            f"\nStarting copy of {layout.keyspace}.{layout.name} with columns [{', '.join(columns)}].\n"
        )
    meter = RateMeter(say, options.reportfrequency, options.ratefile, clock)
    formats = copy_formats(
        float_precision=options.floatprecision,
        double_precision=options.doubleprecision,
        timestamp_format=options.datetimeformat,
        decimal_sep=options.decimalsep,
        thousands_sep=options.thousandssep,
        boolean_styles=options.boolstyle,
        null_text=options.nullval,
    )
    query = "SELECT %s FROM %s.%s%s" % (  # noqa: UP031
        ", ".join(protect_name(c) for c in columns),
        protect_name(layout.keyspace),
        protect_name(layout.name),
        where,
    )
    settings = Settings(consistency=context.state.consistency, fetch_size=options.pagesize)
    try:
        for page in context.connection.execute(query, settings):
            types = [c.cql_type for c in page.columns]
            text = io.StringIO()
            writer = csv.writer(text, **options.dialect.kwargs())  # type: ignore[arg-type]
            for row in page.rows:
                writer.writerow(copy_fields(row, types, formats, page.user_types))
            if page.rows:
                destination.write(text.getvalue(), len(page.rows))
                meter.increment(len(page.rows))
    except QueryError as error:
        context.error(
            f"Error for ({options.begintoken or MIN_TOKEN}, {options.endtoken or 'None'}): {error.text} "
            f"(permanently given up after {meter.total_records + meter.current_records} rows and 1 attempts)"
        )
    finally:
        destination.close()
    total = meter.finish()
    if say is not None:
        say.write(
            f"\n{total} rows exported to {destination.files} files in {describe_interval(clock() - started)}.\n"
        )
        say.flush()


def _token_restriction(context: CommandContext, layout: TableLayout, options: CopyOptions) -> str | None:
    """`` WHERE token(pk) > begin AND token(pk) <= end`` as far as given; None after an error."""
    begin = int(options.begintoken) if options.begintoken else None
    end = int(options.endtoken) if options.endtoken else None
    if begin is not None and begin < MIN_TOKEN:
        context.error(f"Begin token {begin} must be bigger or equal to min token {MIN_TOKEN}")
        return None
    if begin is not None and end is not None and begin > end:
        context.error(f"Begin token {begin} must be smaller than end token {end}")
        return None
    token = "token(%s)" % ", ".join(protect_name(c) for c in layout.partition_key)  # noqa: UP031
    parts = []
    if begin is not None:
        parts.append(f"{token} > {begin}")
    if end is not None:
        parts.append(f"{token} <= {end}")
    return " WHERE " + " AND ".join(parts) if parts else ""
