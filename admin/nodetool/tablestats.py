"""``tablestats`` (alias ``cfstats``) and ``getsstables`` (TableStatsPrinter, GetSSTables.java)."""

from __future__ import annotations

from typing import Any

from admin.nodetool import machine
from admin.nodetool.command import Command, Option, Parsed, UsageError
from admin.nodetool.context import Context
from admin.nodetool.formatting import file_size, java_double, java_fixed, pretty_memory


def _size(value: int, human: bool) -> str:
    return file_size(value) if human else str(value)


def _table_lines(t: Any, name: str, indent: str, human: bool) -> list[str]:
    lines = [
        f"Table{' (index)' if t.is_index else ''}: {name}",
        f"SSTable count: {t.sstable_count}",
        f"Old SSTable count: {t.old_sstable_count}",
    ]
    if t.sstables_in_each_level is not None:
        lines.append(f"SSTables in each level: [{', '.join(map(str, t.sstables_in_each_level))}]")
        lines.append(f"SSTable bytes in each level: [{', '.join(map(str, t.sstable_bytes_in_each_level))}]")
    lines += [
        f"Space used (live): {_size(t.space_used_live, human)}",
        f"Space used (total): {_size(t.space_used_total, human)}",
        f"Space used by snapshots (total): {_size(t.space_used_by_snapshots, human)}",
        f"Off heap memory used (total): {_size(t.off_heap_memory_used, human)}",
        f"SSTable Compression Ratio: {java_double(t.compression_ratio)}",
        f"Number of partitions (estimate): {t.partitions_estimate}",
        f"Memtable cell count: {t.memtable_cell_count}",
        f"Memtable data size: {_size(t.memtable_data_size, human)}",
        f"Memtable off heap memory used: {_size(t.memtable_off_heap_memory_used, human)}",
        f"Memtable switch count: {t.memtable_switch_count}",
        f"Local read count: {t.local_read_count}",
        f"Local read latency: {java_fixed(t.local_read_latency_ms, 3)} ms",
        f"Local write count: {t.local_write_count}",
        f"Local write latency: {java_fixed(t.local_write_latency_ms, 3)} ms",
        f"Pending flushes: {t.pending_flushes}",
        f"Percent repaired: {java_double(round(t.percent_repaired * 100) / 100)}",
        f"Bytes repaired: {pretty_memory(t.bytes_repaired)}",
        f"Bytes unrepaired: {pretty_memory(t.bytes_unrepaired)}",
        f"Bytes pending repair: {pretty_memory(t.bytes_pending_repair)}",
        f"Bloom filter false positives: {t.bloom_filter_false_positives}",
        f"Bloom filter false ratio: {java_fixed(t.bloom_filter_false_ratio, 5)}",
        f"Bloom filter space used: {_size(t.bloom_filter_space_used, human)}",
        f"Bloom filter off heap memory used: {_size(t.bloom_filter_off_heap_memory_used, human)}",
        f"Index summary off heap memory used: {_size(t.index_summary_off_heap_memory_used, human)}",
        f"Compression metadata off heap memory used: {_size(t.compression_metadata_off_heap_memory_used, human)}",
        f"Compacted partition minimum bytes: {t.compacted_partition_minimum_bytes}",
        f"Compacted partition maximum bytes: {t.compacted_partition_maximum_bytes}",
        f"Compacted partition mean bytes: {t.compacted_partition_mean_bytes}",
        f"Average live cells per slice (last five minutes): {java_double(t.average_live_cells_per_slice)}",
        f"Maximum live cells per slice (last five minutes): {t.maximum_live_cells_per_slice}",
        f"Average tombstones per slice (last five minutes): {java_double(t.average_tombstones_per_slice)}",
        f"Maximum tombstones per slice (last five minutes): {t.maximum_tombstones_per_slice}",
        f"Dropped Mutations: {t.dropped_mutations}",
    ]
    return [indent + line for line in lines]


def _json_table(t: Any, human: bool) -> dict[str, Any]:
    return {
        "sstables_in_each_level": list(t.sstables_in_each_level or []),
        "sstable_bytes_in_each_level": list(t.sstable_bytes_in_each_level or []),
        "space_used_by_snapshots_total": _size(t.space_used_by_snapshots, human),
        "space_used_live": _size(t.space_used_live, human),
        "space_used_total": _size(t.space_used_total, human),
        "off_heap_memory_used_total": _size(t.off_heap_memory_used, human),
        "sstable_compression_ratio": t.compression_ratio,
        "number_of_partitions_estimate": t.partitions_estimate,
        "memtable_cell_count": t.memtable_cell_count,
        "memtable_data_size": _size(t.memtable_data_size, human),
        "memtable_off_heap_memory_used": _size(t.memtable_off_heap_memory_used, human),
        "memtable_switch_count": t.memtable_switch_count,
        "local_read_count": t.local_read_count,
        "local_read_latency_ms": java_fixed(t.local_read_latency_ms, 3),
        "local_write_count": t.local_write_count,
        "local_write_latency_ms": java_fixed(t.local_write_latency_ms, 3),
        "pending_flushes": t.pending_flushes,
        "percent_repaired": round(t.percent_repaired * 100) / 100,
        "bytes_repaired": t.bytes_repaired,
        "bytes_unrepaired": t.bytes_unrepaired,
        "bytes_pending_repair": t.bytes_pending_repair,
        "bloom_filter_false_positives": t.bloom_filter_false_positives,
        "bloom_filter_false_ratio": java_fixed(t.bloom_filter_false_ratio, 5),
        "bloom_filter_space_used": _size(t.bloom_filter_space_used, human),
        "bloom_filter_off_heap_memory_used": _size(t.bloom_filter_off_heap_memory_used, human),
        "index_summary_off_heap_memory_used": _size(t.index_summary_off_heap_memory_used, human),
        "compression_metadata_off_heap_memory_used": _size(
            t.compression_metadata_off_heap_memory_used, human
        ),
        "compacted_partition_minimum_bytes": t.compacted_partition_minimum_bytes,
        "compacted_partition_maximum_bytes": t.compacted_partition_maximum_bytes,
        "compacted_partition_mean_bytes": t.compacted_partition_mean_bytes,
        "average_live_cells_per_slice_last_five_minutes": t.average_live_cells_per_slice,
        "maximum_live_cells_per_slice_last_five_minutes": t.maximum_live_cells_per_slice,
        "average_tombstones_per_slice_last_five_minutes": t.average_tombstones_per_slice,
        "maximum_tombstones_per_slice_last_five_minutes": t.maximum_tombstones_per_slice,
        "dropped_mutations": t.dropped_mutations,
        "sstable_count": t.sstable_count,
        "old_sstable_count": t.old_sstable_count,
    }


def tablestats(ctx: Context, parsed: Parsed) -> None:
    fmt = parsed.value("format")
    machine.check(fmt)
    if parsed.value("top") is not None and parsed.value("sort") is None:
        raise UsageError("cannot filter top K tables without specifying a sort key.")
    sort_key = parsed.value("sort")
    if sort_key is not None and sort_key not in SORT_KEYS:
        raise UsageError(f"argument for sort must be one of: {', '.join(SORT_KEYS)}")
    top = _top(parsed.value("top"))
    human = parsed.flag("human_readable")
    probe = ctx.probe
    everything = probe.table_stats()
    if parsed.flag("ignore"):
        excluded = {t for t in probe.table_stats(parsed.arguments)} if parsed.arguments else set()
        selected = [t for t in everything if t not in excluded]
    else:
        selected = list(probe.table_stats(parsed.arguments)) if parsed.arguments else list(everything)
    if sort_key is not None and fmt is None:
        _print_sorted(ctx, selected, len(everything), sort_key, top, human)
        return
    keyspaces: dict[str, list[Any]] = {}
    for t in selected:
        keyspaces.setdefault(t.keyspace, []).append(t)
    if fmt is not None:
        document = {
            "total_number_of_tables": len(everything),
            **{
                ks: {
                    "read_latency_ms": _keyspace_latency(tables, "read"),
                    "tables": {t.table: _json_table(t, human) for t in tables},
                    "read_count": sum(t.local_read_count for t in tables),
                    "write_latency_ms": _keyspace_latency(tables, "write"),
                    "write_count": sum(t.local_write_count for t in tables),
                    "pending_flushes": sum(t.pending_flushes for t in tables),
                }
                for ks, tables in keyspaces.items()
            },
        }
        ctx.write(machine.dump(document, fmt))
        return
    ctx.line(f"Total number of tables: {len(everything)}")
    ctx.line("----------------")
    for keyspace, tables in keyspaces.items():
        ctx.line(f"Keyspace : {keyspace}")
        ctx.line(f"\tRead Count: {sum(t.local_read_count for t in tables)}")
        ctx.line(f"\tRead Latency: {java_double(_keyspace_latency(tables, 'read'))} ms")
        ctx.line(f"\tWrite Count: {sum(t.local_write_count for t in tables)}")
        ctx.line(f"\tWrite Latency: {java_double(_keyspace_latency(tables, 'write'))} ms")
        ctx.line(f"\tPending Flushes: {sum(t.pending_flushes for t in tables)}")
        for t in tables:
            for line in _table_lines(t, t.table, "\t\t", human):
                ctx.line(line)
            ctx.line("")
        ctx.line("----------------")


def _top(value: str | None) -> int:
    if value is None:
        return 0
    try:
        top = int(value)
    except ValueError:
        raise UsageError(f'top: can not convert "{value}" to a int') from None
    if top <= 0:
        raise UsageError("argument for top must be a positive integer.")
    return top


def _sort_value(t: Any, key: str) -> Any:
    attribute = SORT_ATTRIBUTES.get(key, key)
    return getattr(t, attribute)


def _descending(value: float) -> float:
    """Sort key for largest first; NaN (no samples) last, below every number."""
    return float("inf") if value != value else -value


def _print_sorted(ctx: Context, tables: list[Any], total: int, key: str, top: int, human: bool) -> None:
    """``SortedDefaultPrinter``: tables by the sort key (largest first; names alphabetically), one flat
    list of ``keyspace.table`` entries, the first ``top`` only when given."""
    if key in ("full_name", "table_name"):
        ordered = sorted(
            tables, key=lambda t: (t.keyspace, t.table) if key == "full_name" else (t.table, t.keyspace)
        )
    else:
        ordered = sorted(tables, key=lambda t: (_descending(_sort_value(t, key)), t.keyspace, t.table))
    summary = f"Total number of tables: {total}"
    if top:
        ordered = ordered[:top]
        summary += f" (showing top {min(top, total)} by {key})"
    ctx.line(summary)
    ctx.line("----------------")
    for t in ordered:
        for line in _table_lines(t, f"{t.keyspace}.{t.table}", "\t", human):
            ctx.line(line)
        ctx.line("")
    ctx.line("----------------")


def _keyspace_latency(tables: list[Any], kind: str) -> float:
    count = sum(getattr(t, f"local_{kind}_count") for t in tables)
    total = sum(getattr(t, f"local_{kind}_total_us") for t in tables)
    return total / count / 1000 if count else float("nan")


def getsstables(ctx: Context, parsed: Parsed) -> None:
    if len(parsed.arguments) != 3:
        raise UsageError("getsstables requires ks, cf and key args")
    keyspace, table, key = parsed.arguments
    for path in ctx.probe.sstables_for_key(keyspace, table, key, hex_format=parsed.flag("hex_format")):
        ctx.line(path)


#: Sort keys whose TableStats field has another name.
SORT_ATTRIBUTES = {
    "average_live_cells_per_slice_last_five_minutes": "average_live_cells_per_slice",
    "average_tombstones_per_slice_last_five_minutes": "average_tombstones_per_slice",
    "maximum_live_cells_per_slice_last_five_minutes": "maximum_live_cells_per_slice",
    "maximum_tombstones_per_slice_last_five_minutes": "maximum_tombstones_per_slice",
    "number_of_partitions_estimate": "partitions_estimate",
    "off_heap_memory_used_total": "off_heap_memory_used",
    "read_latency": "local_read_latency_ms",
    "reads": "local_read_count",
    "space_used_by_snapshots_total": "space_used_by_snapshots",
    "sstable_compression_ratio": "compression_ratio",
    "write_latency": "local_write_latency_ms",
    "writes": "local_write_count",
}

SORT_KEYS = (
    "average_live_cells_per_slice_last_five_minutes",
    "average_tombstones_per_slice_last_five_minutes",
    "bloom_filter_false_positives",
    "bloom_filter_false_ratio",
    "bloom_filter_off_heap_memory_used",
    "bloom_filter_space_used",
    "compacted_partition_maximum_bytes",
    "compacted_partition_mean_bytes",
    "compacted_partition_minimum_bytes",
    "compression_metadata_off_heap_memory_used",
    "dropped_mutations",
    "full_name",
    "index_summary_off_heap_memory_used",
    "local_read_count",
    "local_read_latency_ms",
    "local_write_count",
    "local_write_latency_ms",
    "maximum_live_cells_per_slice_last_five_minutes",
    "maximum_tombstones_per_slice_last_five_minutes",
    "memtable_cell_count",
    "memtable_data_size",
    "memtable_off_heap_memory_used",
    "memtable_switch_count",
    "number_of_partitions_estimate",
    "off_heap_memory_used_total",
    "pending_flushes",
    "percent_repaired",
    "read_latency",
    "reads",
    "space_used_by_snapshots_total",
    "space_used_live",
    "space_used_total",
    "sstable_compression_ratio",
    "sstable_count",
    "table_name",
    "write_latency",
    "writes",
)

_OPTIONS = (
    Option(("-F", "--format"), "format", "Output format (json, yaml)", takes_value=True),
    Option(
        ("-H", "--human-readable"),
        "human_readable",
        "Display bytes in human readable form, i.e. KiB, MiB, GiB, TiB",
    ),
    Option(("-i",), "ignore", "Ignore the list of tables and display the remaining tables"),
    Option(("-s", "--sort"), "sort", "Sort tables by specified sort key", takes_value=True),
    Option(("-t", "--top"), "top", "Show only the top K tables for the sort key", takes_value=True),
)
_DESCRIPTION = "Print statistics on tables"
_ARGS = "[<keyspace.table>...]"

COMMANDS = (
    Command("tablestats", _DESCRIPTION, tablestats, _OPTIONS, _ARGS, "List of tables (or keyspace) names"),
    Command("cfstats", _DESCRIPTION, tablestats, _OPTIONS, _ARGS, "List of tables (or keyspace) names"),
    Command(
        "getsstables",
        "Print the sstable filenames that own the key",
        getsstables,
        (Option(("-hf", "--hex-format"), "hex_format", "Specify the key in hexadecimal string format"),),
        "<keyspace> <cfname> <key>",
        "The keyspace, the column family, and the key",
    ),
)
