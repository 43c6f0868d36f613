"""COPY FROM: CSV files (or standard input) into a table, fast, with cqlsh's messages and error handling.

The flow is cqlsh's ``ImportTask``, in one process: lines are read CHUNKSIZE at a time from the files
matching each comma-separated glob (HEADER skips each file's first line; SKIPROWS and MAXROWS count
lines across files; empty lines are dropped), parsed as CSV, stripped of SKIPCOLS, converted and
serialized (``shell.copy.conversion``), grouped into batches (``shell.copy.grouping``: by partition,
across chunks, where cqlsh's workers group within each chunk), and written through the connection:
over the driver one prepared INSERT (``UPDATE ... SET c = c + ?`` for counter tables), unlogged
batches, up to NUMPROCESSES x MAXINFLIGHTMESSAGES (cqlsh's per-connection limit, 512) in flight —
where cqlsh forks worker processes. With that window a chunk's batches are all sent at once, and the
server works through them while the next chunk is parsed. INGESTRATE caps the rows sent per second.

Errors, as cqlsh reports them on stderr: rows that do not parse (grouped by message per chunk) are
written to ERRFILE and never retried (``Failed to import 2 rows: ParseError - Invalid row length 1
should be 2,  given up without retries``); a failed batch is retried up to MAXATTEMPTS times (``...
will retry later, attempt 1 of 5``, then ``... given up after 5 attempts``) and then written to
ERRFILE; past MAXPARSEERRORS / MAXINSERTERRORS the import stops (``Exceeded maximum number of parse
errors 0``). An ERRFILE left by an earlier run is renamed with a timestamp suffix first. Finally::

    Failed to process 1 rows; failed rows written to import_ks_t.err      (stderr, if any)

    3 rows imported from 1 files in 0.122 seconds (0 skipped).
"""

from __future__ import annotations

import csv
import datetime
import glob
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from cassandra.metadata import protect_name

from shell.commands.registry import CommandContext
from shell.connection.base import PendingWrite, TableLayout, WriteDone
from shell.copy.conversion import ParseError, RowConverter
from shell.copy.grouping import HELD_CHUNKS, PartitionGrouper, Row, Serialized
from shell.copy.options import CopyOptions
from shell.copy.progress import Clock, RateMeter, describe_interval

#: chunks whose writes may still be under way while the next chunk is parsed (the writes themselves are
#: bounded by the connection's window, NUMPROCESSES x MAXINFLIGHTMESSAGES batches)
SETTLE_LAG = 2 * HELD_CHUNKS


class _Abort(Exception):
    """A limit of errors was exceeded: stop reading."""


class _Lines:
    """The input's lines, cqlsh's ``FilesReader``/``PipeReader``: counting, skipping, limiting."""

    def __init__(self, sources: Iterator[Iterator[str]], options: CopyOptions) -> None:
        self.sources = sources
        self.options = options
        self.read = 0
        self.files = 0

    def __iter__(self) -> Iterator[str]:
        for source in self.sources:
            self.files += 1
            header_pending = self.options.header
            for line in source:
                if header_pending:
                    header_pending = False
                    continue
                self.read += 1
                if 0 <= self.options.maxrows < self.read:
                    break
                if self.read > self.options.skiprows and line:
                    yield line


def _files(pattern_list: str, encoding: str) -> Iterator[Iterator[str]]:
    for path in pattern_list.split(","):
        path = path.strip()
        names = [path] if os.path.isfile(path) else sorted(glob.glob(path))
        if not names:
            raise OSError(f"Can't open {path!r} for reading: no matching file found")
        for name in names:
            try:
                handle = open(name, encoding=encoding)  # noqa: SIM115 (closed below, after reading)
            except OSError as error:
                raise OSError(f"Can't open {name!r} for reading: {error}") from None
            with handle:
                yield iter(handle)


class _Errors:
    """cqlsh's ``ImportErrorHandler``: counters, limits and the error file."""

    def __init__(self, context: CommandContext, options: CopyOptions) -> None:
        self.context = context
        self.options = options
        self.parse_errors = 0
        self.insert_errors = 0
        self.failed_rows = 0
        if os.path.isfile(options.errfile):
            suffix = datetime.datetime.now().strftime(".%Y%m%d_%H%M%S")
            os.rename(options.errfile, options.errfile + suffix)

    def check(self) -> None:
        """Stop when a limit is exceeded (cqlsh reports it here, and again after its summary of failures)."""
        if self.exceeded():
            raise _Abort

    def exceeded(self) -> bool:
        if self.insert_errors > self.options.maxinserterrors >= 0:
            self.context.error(f"Exceeded maximum number of insert errors {self.options.maxinserterrors}")
            return True
        if self.parse_errors > self.options.maxparseerrors >= 0:
            self.context.error(f"Exceeded maximum number of parse errors {self.options.maxparseerrors}")
            return True
        return False

    def write(self, rows: Sequence[Row]) -> None:
        self.failed_rows += len(rows)
        with open(self.options.errfile, "a", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, **self.options.dialect.kwargs())  # type: ignore[arg-type]
            for row in rows:
                writer.writerow(row)

    def parse_failed(self, message: str, rows: Sequence[Row]) -> None:
        self.parse_errors += len(rows)
        self.write(rows)
        self.context.error(
            f"Failed to import {len(rows)} rows: ParseError - {message},  given up without retries"
        )

    def insert_failed(self, name: str, message: str, rows: Sequence[Row], attempt: int) -> bool:
        """Report a failed batch; True when it should be tried again."""
        if attempt < self.options.maxattempts:
            self.context.error(
                f"Failed to import {len(rows)} rows: {name} - {message},  will retry later, "
                f"attempt {attempt} of {self.options.maxattempts}"
            )
            return True
        self.insert_errors += len(rows)
        self.write(rows)
        self.context.error(
            f"Failed to import {len(rows)} rows: {name} - {message},  given up after {attempt} attempts"
        )
        return False


def _statement(layout: TableLayout, columns: Sequence[str], ttl: int) -> tuple[str, list[int]]:
    """The prepared statement and, for each of its markers, the index of the column that feeds it."""
    table = f"{protect_name(layout.keyspace)}.{protect_name(layout.name)}"
    if layout.is_counter:
        values = [i for i, c in enumerate(columns) if c not in layout.primary_key]
        keys = [i for i, c in enumerate(columns) if c in layout.primary_key]
        sets = ", ".join(f"{protect_name(columns[i])} = {protect_name(columns[i])} + ?" for i in values)
        wheres = " AND ".join(f"{protect_name(columns[i])} = ?" for i in keys)
        return f"UPDATE {table} SET {sets} WHERE {wheres}", values + keys
    names = ", ".join(protect_name(c) for c in columns)
    query = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    if ttl >= 0:
        query += f"USING TTL {ttl}"  # sic: cqlsh adds no space, and CQL needs none after ')'
    return query, list(range(len(columns)))


def import_rows(
    context: CommandContext,
    layout: TableLayout,
    columns: Sequence[str],
    file: str | None,
    options: CopyOptions,
    say: TextIO,
    stdin_lines: Callable[[], Iterator[str]],
    clock: Clock = time.time,
    sleep: Callable[[float], None] = time.sleep,
    started: float | None = None,
) -> None:
    started = clock() if started is None else started
    if options.unrecognized:
        context.error("Unrecognized COPY FROM options: " + ", ".join(options.unrecognized))
        return
    skipped = [c.strip() for c in options.skipcols.split(",")]
    valid = [c for c in columns if c not in skipped]
    skip_indexes = {i for i, c in enumerate(columns) if c in skipped}
    if not columns:
        context.error("No column specified")
        return
    for column in columns:
        if column not in layout.types:
            context.error(f"Invalid column name {column}")
            return
    if not valid:
        context.error("No valid column specified")
        return
    for key in layout.primary_key:
        if key not in valid:
            context.error(f"Primary key column '{key}' missing or skipped")
            return
    say.write(f"\nStarting copy of {layout.keyspace}.{layout.name} with columns [{', '.join(valid)}].\n")
    query, order = _statement(layout, valid, options.ttl)
    converter = RowConverter(
        valid,
        [layout.types[c] for c in valid],
        layout.primary_key,
        nullval=options.nullval,
        decimal_sep=options.decimalsep,
        thousands_sep=options.thousandssep,
        boolstyle=options.boolstyle,
        datetimeformat=options.datetimeformat,
        protocol_version=getattr(context.connection, "protocol_version", 5),
    )
    grouper = PartitionGrouper(
        [valid.index(c) for c in layout.partition_key], [valid.index(c) for c in layout.primary_key], options
    )
    errors = _Errors(context, options)
    meter = RateMeter(say, options.reportfrequency, options.ratefile, clock)
    if file is None:
        say.write("[Use . on a line by itself to end input]\n")
        say.flush()
        lines = _Lines(iter([stdin_lines()]), options)
    else:
        lines = _Lines(_files(file, options.encoding), options)
    sent = 0
    aborted = False
    # the writes of the last chunks, settled SETTLE_LAG chunks later: batches leave the grouper in bursts
    # (a round of partitions fills at once), and the server works through one while the next chunks parse
    in_flight: list[_Submitted] = []
    try:
        for chunk in _chunks(lines, max(1, options.chunksize)):
            try:
                parsed = _parse(chunk, options, skip_indexes, converter, errors)
            except _Abort:
                # the rows of the chunk that did parse are written all the same (cqlsh's worker has them);
                # uncounted, as in cqlsh, which stops listening before the chunk's report arrives
                parsed = list(_parse_quietly(chunk, options, skip_indexes, converter))
                batches = grouper.add(parsed) + grouper.finish()
                in_flight.append(_submit(context, query, order, batches, options, layout, 0))
                while in_flight:
                    _settle(context, query, order, in_flight.pop(0), options, errors, layout)
                raise
            # the chunk's lines count once this submission settles, whether or not all its rows are in it
            in_flight.append(_submit(context, query, order, grouper.add(parsed), options, layout, len(chunk)))
            while len(in_flight) > SETTLE_LAG:
                meter.increment(_settle(context, query, order, in_flight.pop(0), options, errors, layout))
                errors.check()
            sent += len(parsed)
            _pace(sent, clock() - started, options.ingestrate, sleep)
        in_flight.append(_submit(context, query, order, grouper.finish(), options, layout, 0))
        while in_flight:
            meter.increment(_settle(context, query, order, in_flight.pop(0), options, errors, layout))
            errors.check()
    except _Abort:
        aborted = True
        while in_flight:
            _settle(context, query, order, in_flight.pop(0), options, errors, layout)
    except OSError as error:
        # the rows read before the failure are written, as cqlsh's workers write the chunks they got
        in_flight.append(_submit(context, query, order, grouper.finish(), options, layout, 0))
        while in_flight:
            meter.increment(_settle(context, query, order, in_flight.pop(0), options, errors, layout))
        # cqlsh's feeder process reports a file it cannot read as a failed insert of no rows
        context.error(f"Failed to import 0 rows: OSError - {error},  given up after 1 attempts")
        errors.write([])  # which creates the error file, empty, as cqlsh's does
    if errors.failed_rows:
        context.error(
            f"Failed to process {errors.failed_rows} rows; failed rows written to {options.errfile}"
        )
    if aborted:
        errors.exceeded()
    total = meter.finish() - errors.failed_rows
    elapsed = describe_interval(clock() - started)
    files = lines.files if file is not None else 1
    say.write(f"\n{total} rows imported from {files} files in {elapsed} ({options.skiprows} skipped).\n")
    say.flush()


def _chunks(lines: _Lines, size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse(
    chunk: Sequence[str],
    options: CopyOptions,
    skip_indexes: set[int],
    converter: RowConverter,
    errors: _Errors,
) -> list[tuple[Row, Serialized]]:
    failed: dict[str, list[Row]] = defaultdict(list)
    parsed: list[tuple[Row, Serialized]] = []
    for fields in csv.reader(chunk, **options.dialect.kwargs()):  # type: ignore[arg-type]
        if skip_indexes:
            fields = [v for i, v in enumerate(fields) if i not in skip_indexes]
        try:
            parsed.append((tuple(fields), tuple(converter.convert(fields))))  # tuples: see grouping.Row
        except ParseError as error:
            failed[str(error)].append(tuple(fields))
    for message, rows in failed.items():
        errors.parse_failed(message, rows)
        errors.check()
    return parsed


def _parse_quietly(
    chunk: Sequence[str], options: CopyOptions, skip_indexes: set[int], converter: RowConverter
) -> Iterator[tuple[Row, Serialized]]:
    for fields in csv.reader(chunk, **options.dialect.kwargs()):  # type: ignore[arg-type]
        if skip_indexes:
            fields = [v for i, v in enumerate(fields) if i not in skip_indexes]
        try:
            yield tuple(fields), tuple(converter.convert(fields))
        except ParseError:
            continue


@dataclass
class _Submitted:
    batches: list[list[tuple[Row, Serialized]]]
    pending: PendingWrite
    rows: int  # the lines of the chunk, which cqlsh's meter counts once the chunk is done


def _values(order: Sequence[int], batches: list[list[tuple[Row, Serialized]]]) -> list[list[Serialized]]:
    if all(i == at for at, i in enumerate(order)):  # an INSERT: its markers are the columns, in order
        return [[row[1] for row in batch] for batch in batches]
    return [[[row[1][i] for i in order] for row in batch] for batch in batches]


def _submit(
    context: CommandContext,
    query: str,
    order: Sequence[int],
    batches: list[list[tuple[Row, Serialized]]],
    options: CopyOptions,
    layout: TableLayout,
    rows: int,
) -> _Submitted:
    if not batches:
        # a chunk whose rows all wait for their partitions' batches to fill: the answers that came in the
        # meantime still free room for batches waiting to go out, or the server runs dry while this parses
        context.connection.collect_writes()
        return _Submitted(batches, WriteDone(), rows)
    concurrency = max(1, options.numprocesses) * max(1, options.maxinflightmessages)
    pending = context.connection.write(
        query, _values(order, batches), context.state.consistency, concurrency, counter=layout.is_counter
    )
    return _Submitted(batches, pending, rows)


def _settle(
    context: CommandContext,
    query: str,
    order: Sequence[int],
    submitted: _Submitted,
    options: CopyOptions,
    errors: _Errors,
    layout: TableLayout,
) -> int:
    """Wait for a chunk's writes, retrying failed batches as cqlsh does; returns the chunk's row count."""
    batches, pending, attempt = submitted.batches, submitted.pending, 1
    concurrency = max(1, options.numprocesses) * max(1, options.maxinflightmessages)
    while batches:
        failed = {f.batch: f for f in pending.failures()}
        retry = []
        for index, batch in enumerate(batches):
            failure = failed.get(index)
            if failure is None:
                continue
            message = failure.error.text.removeprefix(failure.name + ": ")
            if errors.insert_failed(failure.name, message, [row[0] for row in batch], attempt):
                retry.append(batch)
        batches = retry
        attempt += 1
        if batches:
            pending = context.connection.write(
                query,
                _values(order, batches),
                context.state.consistency,
                concurrency,
                counter=layout.is_counter,
            )
    return submitted.rows


def _pace(sent: int, elapsed: float, rate: int, sleep: Callable[[float], None]) -> None:
    """INGESTRATE: wait until ``sent`` rows are no more than ``rate`` rows per second since the start."""
    if rate > 0:
        ahead = sent / rate - elapsed
        if ahead > 0:
            sleep(ahead)
