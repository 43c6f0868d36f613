"""``tablehistograms`` (alias ``cfhistograms``): percentiles of a table's latencies, SSTables per read,
partition sizes and cell counts, in TableHistograms.java's fixed-width layout."""

from __future__ import annotations

import math

from admin.nodetool.command import Command, Parsed, UsageError
from admin.nodetool.context import Context
from admin.nodetool.formatting import java_fixed

_ROWS = ("50%", "75%", "95%", "98%", "99%", "Min", "Max")


def _cell(value: float, places: int, width: int) -> str:
    text = "NaN" if math.isnan(value) else java_fixed(value, places)
    return text.rjust(width)


def tablehistograms(ctx: Context, parsed: Parsed) -> None:
    arguments = parsed.arguments
    keyspace = table = None
    if len(arguments) == 2:
        keyspace, table = arguments
    elif len(arguments) == 1:
        parts = arguments[0].split(".")
        if len(parts) != 2:
            raise UsageError("tablehistograms requires keyspace and table name arguments")
        keyspace, table = parts
    for h in ctx.probe.table_histograms(keyspace, table):
        nan = (math.nan,) * 7
        sizes = h.partition_size.values() if h.partition_size is not None else nan
        cells = h.cell_count.values() if h.cell_count is not None else nan
        if h.partition_size is None or h.cell_count is None:
            ctx.line("No SSTables exists, unable to calculate 'Partition Size' and 'Cell Count' percentiles")
        if h.partition_size_overflow is not None:
            ctx.line(
                f"Row sizes are larger than {h.partition_size_overflow}, unable to calculate percentiles"
            )
        if h.cell_count_overflow is not None:
            ctx.line(
                f"Column counts are larger than {h.cell_count_overflow}, unable to calculate percentiles"
            )
        ctx.line(f"{h.keyspace}/{h.table} histograms")
        row = "%-10s%10s%18s%18s%18s%18s"
        ctx.line(
            row % ("Percentile", "SSTables", "Write Latency", "Read Latency", "Partition Size", "Cell Count")
        )
        ctx.line(row % ("", "", "(micros)", "(micros)", "(bytes)", ""))
        columns = zip(
            _ROWS,
            h.sstables_per_read.values(),
            h.write_latency.values(),
            h.read_latency.values(),
            sizes,
            cells,
            strict=True,
        )
        for name, sstables, write, read, size, count in columns:
            ctx.line(
                f"{name:<10}{_cell(sstables, 2, 10)}{_cell(write, 2, 18)}{_cell(read, 2, 18)}"
                f"{_cell(size, 0, 18)}{_cell(count, 0, 18)}"
            )
        ctx.line()


_ARGS = "[<keyspace> <table> | <keyspace.table>]"

COMMANDS = (
    Command(
        "tablehistograms",
        "Print statistic histograms for a given table",
        tablehistograms,
        (),
        _ARGS,
        "The keyspace and table name",
    ),
    Command(
        "cfhistograms",
        "Print statistic histograms for a given table",
        tablehistograms,
        (),
        _ARGS,
        "The keyspace and table name",
    ),
)
