"""``diskusage`` — a cqlkit extension, not a nodetool 5.0 command: where each table's disk space goes.

One row per table (``engine.probe.disk_usage``): live SSTables, every file of the table's directory,
snapshots and incremental backups, in nodetool's size format (``-H`` is implied; ``-F json|yaml`` gives
the bytes), then a ``Total`` row. Filters as ``flush``: ``[<keyspace> <tables>...]``.
"""

from __future__ import annotations

from admin.nodetool import machine
from admin.nodetool.command import Command, Option, Parsed, keyspace_and_tables
from admin.nodetool.context import Context
from admin.nodetool.formatting import TableBuilder, file_size


def diskusage(ctx: Context, parsed: Parsed) -> None:
    fmt = parsed.value("format")
    machine.check(fmt)
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    usage = ctx.probe.disk_usage(keyspace, tables)
    if fmt is not None:
        ctx.write(machine.dump({"tables": list(usage)}, fmt))
        return
    table = TableBuilder()
    table.add("Keyspace", "Table", "Live", "Total", "Snapshots", "Backups")
    for u in usage:
        table.add(
            u.keyspace,
            u.table,
            file_size(u.live),
            file_size(u.total),
            file_size(u.snapshots),
            file_size(u.backups),
        )
    table.add(
        "Total",
        "",
        file_size(sum(u.live for u in usage)),
        file_size(sum(u.total for u in usage)),
        file_size(sum(u.snapshots for u in usage)),
        file_size(sum(u.backups for u in usage)),
    )
    ctx.write(table.render())


COMMANDS = (
    Command(
        "diskusage",
        "Print the disk space each table uses: live, total, snapshots, backups (cqlkit extension)",
        diskusage,
        (Option(("-F", "--format"), "format", "Output format (json, yaml)", takes_value=True),),
        "[<keyspace> <tables>...]",
        "The keyspace followed by one or many tables",
    ),
)
