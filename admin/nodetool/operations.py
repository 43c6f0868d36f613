"""``flush`` and ``drain``: silent on success, as nodetool is (Flush.java, Drain.java)."""

from __future__ import annotations

from admin.nodetool.command import Command, Parsed, keyspace_and_tables
from admin.nodetool.context import Context


def flush(ctx: Context, parsed: Parsed) -> None:
    keyspace, tables = keyspace_and_tables(parsed.arguments)
    ctx.probe.flush(keyspace, tables)


def drain(ctx: Context, parsed: Parsed) -> None:
    ctx.probe.drain()


COMMANDS = (
    Command(
        "flush",
        "Flush one or more tables",
        flush,
        (),
        "[<keyspace> <tables>...]",
        "The keyspace followed by one or many tables",
    ),
    Command("drain", "Drain the node (stop accepting writes and flush all tables)", drain),
)
