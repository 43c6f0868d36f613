"""Compaction commands: ``compact``, ``cleanup``, ``compactionstats``, ``compactionhistory``,
``get/setcompactionthroughput``, ``enable/disable/statusautocompaction`` (Compact.java,
CompactionStats.java, CompactionHistory.java, ...)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from admin.nodetool import machine, progress
from admin.nodetool.command import Command, Option, Parsed, UsageError, keyspace_and_tables
from admin.nodetool.context import Context
from admin.nodetool.formatting import TableBuilder, file_size, java_double
from engine.probe import ProbeError

_MIB = 1024 * 1024


def _token(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ProbeError(f'For input string: "{value}"') from None


def compact(ctx: Context, parsed: Parsed) -> None:
    split = parsed.flag("split_output")
    user_defined = parsed.flag("user_defined")
    start, end = parsed.value("start_token"), parsed.value("end_token")
    partition = parsed.value("partition_key") or None
    token_given = bool(start) or bool(end) or partition is not None
    if split and (user_defined or token_given):
        raise ProbeError("Invalid option combination: Can not use split-output here")
    if user_defined and token_given:
        raise ProbeError("Invalid option combination: Can not provide tokens when using user-defined")
    if user_defined:
        ctx.probe.compact_user_defined(",".join(parsed.arguments).split(","))
        return
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    operation: Callable[[], None]
    if partition is not None and not (bool(start) or bool(end)):
        operation = functools.partial(ctx.probe.compact_partition, keyspace, tables, partition)
    else:
        operation = functools.partial(
            ctx.probe.compact,
            keyspace,
            tables,
            split_output=split,
            start_token=_token(start),
            end_token=_token(end),
        )
    _run(ctx, parsed, "compact", operation, keyspace, tables)


def cleanup(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    _run(ctx, parsed, "cleanup", functools.partial(ctx.probe.cleanup, keyspace, tables), keyspace, tables)


def _run(
    ctx: Context,
    parsed: Parsed,
    label: str,
    operation: Callable[[], None],
    keyspace: str | None,
    tables: Sequence[str],
) -> None:
    """Run the operation, under a progress bar on stderr with ``--progress`` at a terminal."""
    if not progress.wanted(parsed, ctx.err):
        operation()
        return
    progress.run_polled(ctx.err, label, operation, progress.compaction_poll(ctx.probe, keyspace, tables))


def compactionstats(ctx: Context, parsed: Parsed) -> None:
    human = parsed.flag("human_readable")
    fmt = parsed.value("format")
    machine.check(fmt)
    s = ctx.probe.compaction_stats()
    if fmt is not None:
        ctx.write(machine.dump({**machine.document(s), "pending_tasks": s.pending_tasks}, fmt))
        return
    table = TableBuilder()
    table.add("concurrent compactors", str(s.concurrent_compactors))
    table.add("pending tasks", str(s.pending_tasks))
    for keyspace, name, count in s.pending_by_table:
        table.add(keyspace, name, str(count))
    table.add("compactions completed", str(s.completed))
    table.add("data compacted", file_size(s.bytes_compacted) if human else str(s.bytes_compacted))
    table.add("compactions aborted", str(s.aborted))
    table.add("compactions reduced", str(s.reduced))
    table.add("sstables dropped from compaction", str(s.sstables_dropped))
    table.add("15 minute rate", f"{_two(s.fifteen_minute_rate * 60)}/minute")
    table.add("mean rate", f"{_two(s.mean_rate * 3600)}/hour")
    throughput = s.throughput_mib_per_second
    table.add(
        "compaction throughput (MiB/s)",
        "throttling disabled (0)" if throughput == 0 else java_double(throughput),
    )
    if s.active:
        table.add("id", "compaction type", "keyspace", "table", "completed", "total", "unit", "progress")
        remaining = 0
        for c in s.active:
            in_bytes = human and c.unit == "bytes"
            progress = "n/a" if c.total == 0 else f"{_two(c.completed / c.total * 100)}%"
            table.add(
                str(c.id),
                c.kind,
                c.keyspace,
                c.table,
                file_size(c.completed) if in_bytes else str(c.completed),
                file_size(c.total) if in_bytes else str(c.total),
                c.unit,
                progress,
            )
            remaining += c.total - c.completed
        when = "n/a"
        if throughput:
            seconds = int(remaining / (throughput * _MIB))
            when = f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"
        table.add("active compaction remaining time", when)
    ctx.write(table.render())


def _two(value: float) -> str:
    """``DecimalFormat("0.00")``."""
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _local_date_time(millis: int) -> str:
    """Java ``LocalDateTime.toString`` of an epoch-millisecond instant in the local time zone."""
    moment = datetime.fromtimestamp(millis / 1000, UTC).astimezone()
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += f":{moment.second:02d}"
        if moment.microsecond:
            text += f".{moment.microsecond // 1000:03d}"
    return text


def compactionhistory(ctx: Context, parsed: Parsed) -> None:
    fmt = parsed.value("format")
    machine.check(fmt)
    history = sorted(ctx.probe.compaction_history(), key=lambda h: h.compacted_at_ms)
    rows = [
        (
            str(h.id),
            h.keyspace,
            h.table,
            _local_date_time(h.compacted_at_ms),
            str(h.bytes_in),
            str(h.bytes_out),
            "{" + ", ".join(f"{k}:{v}" for k, v in h.rows_merged.items()) + "}",
        )
        for h in history
    ]
    headers = (
        "id",
        "keyspace_name",
        "columnfamily_name",
        "compacted_at",
        "bytes_in",
        "bytes_out",
        "rows_merged",
    )
    if fmt is not None:
        ctx.write(
            machine.dump({"CompactionHistory": [dict(zip(headers, r, strict=True)) for r in rows]}, fmt)
        )
        return
    ctx.line("Compaction History: ")
    if not rows:
        ctx.line("There is no compaction history")
        return
    table = TableBuilder()
    table.add(*headers)
    for row in rows:
        table.add(*row)
    ctx.write(table.render())


def getcompactionthroughput(ctx: Context, parsed: Parsed) -> None:
    ctx.line(f"Current compaction throughput: {int(ctx.probe.compaction_throughput_mib())} MB/s")


def setcompactionthroughput(ctx: Context, parsed: Parsed) -> None:
    if not parsed.arguments:
        raise UsageError("Required parameters are missing: compaction_throughput")
    if len(parsed.arguments) > 1:
        raise UsageError(f"Found unexpected parameters: [{', '.join(parsed.arguments[1:])}]")
    value = parsed.arguments[0]
    try:
        mib = int(value)
    except ValueError:
        raise UsageError(f'compaction_throughput: can not convert "{value}" to a Integer') from None
    ctx.probe.set_compaction_throughput(mib)


def _autocompaction(enabled: bool):  # type: ignore[no-untyped-def]
    def run(ctx: Context, parsed: Parsed) -> None:
        keyspace, tables = keyspace_and_tables(parsed.arguments)
        ctx.probe.set_autocompaction(enabled, keyspace, tables)

    return run


def statusautocompaction(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    statuses = ctx.probe.autocompaction_status(keyspace, tables)
    if parsed.flag("all"):
        table = TableBuilder()
        table.add("Keyspace", "Table", "Status")
        for s in statuses:
            table.add(s.keyspace, s.table, "running" if s.enabled else "not running")
        ctx.write(table.render())
        return
    enabled = {s.enabled for s in statuses}
    if enabled == {True} or not enabled:
        ctx.line("running")
    elif enabled == {False}:
        ctx.line("not running")
    else:
        ctx.line("partially running")


_KS_TABLES = "[<keyspace> <tables>...]"
_KS_TABLES_TEXT = "The keyspace followed by one or many tables"

COMMANDS = (
    Command(
        "compact",
        "Force a (major) compaction on one or more tables or user-defined compaction on given SSTables",
        compact,
        (
            Option(("-s", "--split-output"), "split_output", "Use -s to not create a single big file"),
            Option(
                ("--user-defined",),
                "user_defined",
                "Use --user-defined to submit listed files for user-defined compaction",
            ),
            Option(
                ("-st", "--start-token"),
                "start_token",
                "Use -st to specify a token at which the compaction range starts (inclusive)",
                takes_value=True,
            ),
            Option(
                ("-et", "--end-token"),
                "end_token",
                "Use -et to specify a token at which compaction range ends (inclusive)",
                takes_value=True,
            ),
            Option(
                ("--partition",),
                "partition_key",
                "String representation of the partition key",
                takes_value=True,
            ),
            progress.OPTION,
        ),
        "[<keyspace> <tables>...] or <SSTable file>...",
        "The keyspace followed by one or many tables or list of SSTable data files when using --user-defined",
    ),
    Command(
        "cleanup",
        "Triggers the immediate cleanup of keys no longer belonging to a node. By default, clean all keyspaces",
        cleanup,
        (
            Option(
                ("-j", "--jobs"),
                "jobs",
                "Number of sstables to cleanup simultanously, set to 0 to use all available compaction threads",
                takes_value=True,
            ),
            progress.OPTION,
        ),
        _KS_TABLES,
        _KS_TABLES_TEXT,
    ),
    Command(
        "compactionstats",
        "Print statistics on compactions",
        compactionstats,
        (
            Option(
                ("-H", "--human-readable"),
                "human_readable",
                "Display bytes in human readable form, i.e. KiB, MiB, GiB, TiB",
            ),
            Option(
                ("-F", "--format"),
                "format",
                "Output format (json, yaml); a cqlkit extension for this command",
                takes_value=True,
            ),
        ),
    ),
    Command(
        "compactionhistory",
        "Print history of compaction",
        compactionhistory,
        (Option(("-F", "--format"), "format", "Output format (json, yaml)", takes_value=True),),
    ),
    Command(
        "getcompactionthroughput",
        "Print the MB/s throughput cap for compaction in the system",
        getcompactionthroughput,
    ),
    Command(
        "setcompactionthroughput",
        "Set the MB/s throughput cap for compaction in the system, or 0 to disable throttling",
        setcompactionthroughput,
        (),
        "<value_in_mb>",
        "Value in MB, 0 to disable throttling",
    ),
    Command(
        "enableautocompaction",
        "Enable autocompaction for the given keyspace and table",
        _autocompaction(True),
        (),
        _KS_TABLES,
        _KS_TABLES_TEXT,
    ),
    Command(
        "disableautocompaction",
        "Disable autocompaction for the given keyspace and table",
        _autocompaction(False),
        (),
        _KS_TABLES,
        _KS_TABLES_TEXT,
    ),
    Command(
        "statusautocompaction",
        "status of autocompaction of the given keyspace and table",
        statusautocompaction,
        (Option(("-a", "--all"), "all", "Show auto compaction status for each keyspace/table"),),
        _KS_TABLES,
        _KS_TABLES_TEXT,
    ),
)
