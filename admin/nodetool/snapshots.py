"""``snapshot``, ``listsnapshots``, ``clearsnapshot`` (Snapshot.java, ListSnapshots.java,
ClearSnapshot.java): requests echoed as nodetool echoes them, then one NodeProbe call."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from admin.nodetool.command import Command, Option, Parsed
from admin.nodetool.context import Context
from admin.nodetool.formatting import TableBuilder, file_size
from engine.probe import ProbeArgumentError, ProbeError

_DURATION = re.compile(r"^(\d+)(d|h|m|s)$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def duration(text: str) -> timedelta:
    """A duration as nodetool takes it (``30s``, ``5m``, ``2h``, ``1d``)."""
    match = _DURATION.match(text)
    if match is None:
        raise ProbeArgumentError(f"Invalid duration: {text} Accepted units:[DAYS, HOURS, MINUTES, SECONDS]")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _instant(moment: datetime | None) -> str:
    """Java ``Instant.toString``: ``2024-05-01T10:00:00.123Z`` (no fraction when it is zero)."""
    if moment is None:
        return ""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return text + (f".{millis:03d}Z" if millis else "Z")


def snapshot(ctx: Context, parsed: Parsed) -> None:
    probe = ctx.probe
    tag = parsed.value("tag") or str(int(probe.now().timestamp() * 1000))
    table = parsed.value("table")
    kt_list = parsed.value("kt_list")
    skip_flush = parsed.flag("skip_flush")
    options = f"skipFlush={'true' if skip_flush else 'false'}"
    ttl_text = parsed.value("ttl")
    ttl = None
    if ttl_text is not None:
        ttl = duration(ttl_text)
        options += f", ttl={ttl_text}"
    keyspaces = parsed.arguments
    if "/" in tag:
        raise ProbeError("Snapshot name cannot contain /")
    if kt_list:
        kt_list = kt_list.replace(" ", "")
        if keyspaces or table is not None:
            raise ProbeError(
                "When specifying the Keyspace columfamily list for a snapshot, you should not specify columnfamily"
            )
        ctx.line(
            f"Requested creating snapshot(s) for [{kt_list}] with snapshot name [{tag}] and options {{{options}}}"
        )
        pairs = []
        for item in kt_list.split(","):
            keyspace, dot, name = item.partition(".")
            if not dot:
                raise ProbeError(
                    f"Cannot take a snapshot on secondary index or invalid column family name: {item}"
                )
            pairs.append((keyspace, name))
        probe.take_snapshot(tag, table_list=pairs, skip_flush=skip_flush, ttl=ttl)
    else:
        if table is not None and len(keyspaces) != 1:
            raise ProbeError(
                "When specifying the table for a snapshot, you must specify one and only one keyspace"
            )
        target = f"[{', '.join(keyspaces)}]" if keyspaces else "[all keyspaces]"
        ctx.line(
            f"Requested creating snapshot(s) for {target} with snapshot name [{tag}] and options {{{options}}}"
        )
        if table is not None:
            probe.take_snapshot(tag, table_list=[(keyspaces[0], table)], skip_flush=skip_flush, ttl=ttl)
        else:
            probe.take_snapshot(tag, keyspaces, skip_flush=skip_flush, ttl=ttl)
    ctx.line(f"Snapshot directory: {tag}")


def listsnapshots(ctx: Context, parsed: Parsed) -> None:
    probe = ctx.probe
    ephemeral = parsed.flag("ephemeral")
    entries = [
        e
        for e in probe.snapshots()
        if (ephemeral or not e.ephemeral) and not (parsed.flag("no_ttl") and e.expires_at is not None)
    ]
    fmt = parsed.value("format")
    if fmt is not None:
        from admin.nodetool import machine

        document = {"snapshots": machine.document(entries), "total_true_size": probe.true_snapshots_size()}
        ctx.write(machine.dump(document, fmt))
        return
    ctx.line("Snapshot Details: ")
    if not entries:
        ctx.line("There are no snapshots")
        return
    table = TableBuilder()
    header = [
        "Snapshot name",
        "Keyspace name",
        "Column family name",
        "True size",
        "Size on disk",
        "Creation time",
        "Expiration time",
    ]
    if ephemeral:
        header.append("Ephemeral")
    table.add(*header)
    for e in entries:
        row = [
            e.tag,
            e.keyspace,
            e.table,
            file_size(e.true_size),
            file_size(e.size_on_disk),
            _instant(e.created_at),
            _instant(e.expires_at),
        ]
        if ephemeral:
            row.append("true" if e.ephemeral else "false")
        table.add(*row)
    ctx.write(table.render())
    ctx.line()
    ctx.line(f"Total TrueDiskSpaceUsed: {file_size(probe.true_snapshots_size())}")
    ctx.line()


def clearsnapshot(ctx: Context, parsed: Parsed) -> None:
    tag = parsed.value("snapshot_name") or ""
    clear_all = parsed.flag("clear_all_snapshots")
    older_than = parsed.value("older_than")
    if not tag and not clear_all:
        raise ProbeError("Specify snapshot name or --all")
    if tag and clear_all:
        raise ProbeError("Specify only one of snapshot name or --all")
    keyspaces = parsed.arguments
    text = "Requested clearing snapshot(s) for " + (
        f"[{', '.join(keyspaces)}]" if keyspaces else "[all keyspaces]"
    )
    if tag:
        text += f" with snapshot name [{tag}]"
    if clear_all:
        text += " with [all snapshots]"
    probe = ctx.probe
    cutoff = None
    if older_than is not None:
        cutoff = probe.now() - duration(older_than)
        text += f" older than {older_than}"
    ctx.line(text)
    probe.clear_snapshot(tag or None, keyspaces, older_than=cutoff)


_KEYSPACES = "[<keyspaces>...]"

COMMANDS = (
    Command(
        "snapshot",
        "Take a snapshot of specified keyspaces or a snapshot of the specified table",
        snapshot,
        (
            Option(("-t", "--tag"), "tag", "The name of the snapshot", takes_value=True),
            Option(
                ("-cf", "--column-family", "--table"),
                "table",
                "The table name (you must specify one and only one keyspace for using this option)",
                takes_value=True,
            ),
            Option(
                ("-kt", "--kt-list", "-kc", "--kc.list"),
                "kt_list",
                "The list of Keyspace.table to take snapshot.(you must not specify only keyspace)",
                takes_value=True,
            ),
            Option(
                ("-sf", "--skip-flush"),
                "skip_flush",
                "Do not flush memtables before snapshotting (snapshot will not contain unflushed data)",
            ),
            Option(("--ttl",), "ttl", "Specify a TTL of created snapshot", takes_value=True),
        ),
        _KEYSPACES,
        "List of keyspaces. By default, all keyspaces",
    ),
    Command(
        "listsnapshots",
        "Lists all the snapshots along with the size on disk and true size. True size is the total size of all SSTables which are not backed up to disk. Size on disk is total size of the snapshot on disk. Total TrueDiskSpaceUsed does not make any SSTable deduplication.",
        listsnapshots,
        (
            Option(("-e", "--ephemeral"), "ephemeral", "Include ephememeral snapshots"),
            Option(("-nt", "--no-ttl"), "no_ttl", "Skip snapshots with TTL"),
            Option(
                ("-F", "--format"),
                "format",
                "Output format (json, yaml); a cqlkit extension for this command",
                takes_value=True,
            ),
        ),
    ),
    Command(
        "clearsnapshot",
        "Remove the snapshot with the given name from the given keyspaces",
        clearsnapshot,
        (
            Option(("-t",), "snapshot_name", "Remove the snapshot with a given name", takes_value=True),
            Option(("--all",), "clear_all_snapshots", "Removes all snapshots"),
            Option(
                ("--older-than",),
                "older_than",
                "Clear snapshots older than specified time period.",
                takes_value=True,
            ),
        ),
        _KEYSPACES,
        "Remove snapshots from the given keyspaces",
    ),
)
