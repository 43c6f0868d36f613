"""``info``, ``version``, ``tpstats``: the node itself (Info.java, Version.java, TpStats)."""

from __future__ import annotations

from admin.nodetool.command import Command, Option, Parsed
from admin.nodetool.context import Context
from admin.nodetool.formatting import TableBuilder, file_size, java_double, java_fixed


def _cache(label: str, c, tail: str) -> str:  # type: ignore[no-untyped-def]
    return (
        f"{label:<23}: entries {c.entries}, size {file_size(c.size)}, capacity {file_size(c.capacity)}, "
        f"{tail}"
    )


def info(ctx: Context, parsed: Parsed) -> None:
    from admin.nodetool import machine

    fmt = parsed.value("format")
    machine.check(fmt)
    r = ctx.probe.info()
    if fmt is not None:
        ctx.write(machine.dump(machine.document(r), fmt))
        return
    e = r.endpoint
    line = ctx.line
    line(f"{'ID':<23}: {e.host_id}")
    line(f"{'Gossip active':<23}: {str(r.gossip_active).lower()}")
    line(f"{'Native Transport active':<23}: {str(r.native_transport_active).lower()}")
    line(f"{'Load':<23}: {file_size(r.load)}")
    line(f"{'Generation No':<23}: {r.generation if r.gossip_active else 0}")
    line(f"{'Uptime (seconds)':<23}: {r.uptime_seconds if r.uptime_seconds is not None else 'N/A'}")
    mib = 1024 * 1024
    line(f"{'Heap Memory (MB)':<23}: {java_fixed(r.heap_used / mib, 2)} / {java_fixed(r.heap_max / mib, 2)}")
    line(f"{'Off Heap Memory (MB)':<23}: {java_fixed(r.off_heap_used / mib, 2)}")
    line(f"{'Data Center':<23}: {e.data_center}")
    line(f"{'Rack':<23}: {e.rack}")
    line(f"{'Exceptions':<23}: {r.exceptions}")
    for label, c in (
        ("Key Cache", r.key_cache),
        ("Row Cache", r.row_cache),
        ("Counter Cache", r.counter_cache),
    ):
        line(
            _cache(
                label,
                c,
                f"{c.hits} hits, {c.requests} requests, {java_fixed(c.recent_hit_rate, 3)} recent hit rate, "
                f"{c.save_period_seconds} save period in seconds",
            )
        )
    c = r.chunk_cache
    line(
        _cache(
            "Chunk Cache",
            c,
            f"{c.misses} misses, {c.requests} requests, {java_fixed(c.recent_hit_rate, 3)} recent hit rate, "
            f"{java_fixed(r.chunk_cache_miss_latency_us, 3)} microseconds miss latency",
        )
    )
    line(f"{'Percent Repaired':<23}: {java_double(r.percent_repaired)}%")
    if not r.joined:
        line(f"{'Token':<23}: (node is not joined to the cluster)")
    elif len(e.tokens) == 1 or parsed.flag("tokens"):
        for token in e.tokens:
            line(f"{'Token':<23}: {token}")
    else:
        line(f"{'Token':<23}: (invoke with -T/--tokens to see all {len(e.tokens)} tokens)")


def version(ctx: Context, parsed: Parsed) -> None:
    ctx.line(f"ReleaseVersion: {ctx.probe.release_version}")


def tpstats(ctx: Context, parsed: Parsed) -> None:
    fmt = parsed.value("format")
    pools = ctx.probe.thread_pools()
    if fmt is not None:
        from admin.nodetool.machine import dump

        document = {
            "ThreadPools": {
                p.name: {
                    "TotalBlockedTasks": p.all_time_blocked,
                    "ActiveTasks": p.active,
                    "PendingTasks": p.pending,
                    "CurrentlyBlockedTasks": p.blocked,
                    "CompletedTasks": p.completed,
                }
                for p in pools
            },
            "DroppedMessage": {},
            "WaitLatencies": {},
        }
        ctx.write(dump(document, fmt))
        return
    table = TableBuilder()
    table.add("Pool Name", "Active", "Pending", "Completed", "Blocked", "All time blocked")
    for p in pools:
        table.add(
            p.name, str(p.active), str(p.pending), str(p.completed), str(p.blocked), str(p.all_time_blocked)
        )
    ctx.write(table.render())
    ctx.line()
    dropped = TableBuilder()
    dropped.add("Message type", "Dropped", "50%", "95%", "99%", "Max")
    ctx.write(dropped.render())


FORMAT = Option(("-F", "--format"), "format", "Output format (json, yaml)", takes_value=True)
INFO_FORMAT = Option(
    ("-F", "--format"),
    "format",
    "Output format (json, yaml); a cqlkit extension for this command",
    takes_value=True,
)

COMMANDS = (
    Command(
        "info",
        "Print node information (uptime, load, ...)",
        info,
        (Option(("-T", "--tokens"), "tokens", "Display all tokens"), INFO_FORMAT),
    ),
    Command("version", "Print cassandra version", version),
    Command("tpstats", "Print usage statistics of thread pools", tpstats, (FORMAT,)),
)
