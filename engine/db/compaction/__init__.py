"""Compaction planning: which SSTables to merge next, decided from a snapshot, without touching a file.

An LSM table accumulates SSTables with every flush; reads must merge them all, and deleted or expired data
only goes away when the SSTables holding it are rewritten. Compaction merges SSTables; a *strategy*
decides which, trading write amplification (bytes rewritten) against read amplification (SSTables per
read) and space:

* :mod:`~engine.db.compaction.size_tiered` (STCS, the default) merges similar-sized SSTables — cheap
  writes, more SSTables per read;
* :mod:`~engine.db.compaction.leveled` (LCS) keeps non-overlapping levels — few SSTables per read, more
  rewriting;
* :mod:`~engine.db.compaction.time_window` (TWCS) keeps one SSTable per time window and drops whole
  SSTables once their TTLs run out — for time series.

This package only plans. :func:`plan_background` and :func:`plan_major` take a
:class:`~engine.db.compaction.model.TableState` (SSTable metadata, the generations already compacting,
the table's :class:`~engine.db.compaction.params.CompactionParams`, the clock, and the strategies'
bookkeeping) and return :class:`~engine.db.compaction.model.CompactionTask` values; running a task —
merging, purging, writing, swapping the SSTable set — belongs to the storage engine. Invariants every plan
keeps: a task never names a generation that is compacting or not in the state; it never mixes repaired
and unrepaired SSTables; the same state always yields the same plan. The algorithms are Cassandra 5.0's,
module by module; where we differ, the module docstring says how and why.

:func:`parse_compaction_options` turns a CQL ``compaction = {...}`` map into ``CompactionParams`` with
Cassandra's defaults and exact error messages.
"""

from engine.db.compaction.leveled import effective_levels, max_bytes_for_level
from engine.db.compaction.model import (
    MAX_LEVEL_COUNT,
    BackgroundPlan,
    CompactionKind,
    CompactionTask,
    OutputSplit,
    SSTableInfo,
    StrategyProgress,
    TableState,
)
from engine.db.compaction.params import (
    CompactionOption,
    CompactionParams,
    CompactionStrategyKind,
    LeveledOptions,
    SizeTieredOptions,
    TimestampResolution,
    TimeWindowOptions,
    TombstoneOption,
    WindowUnit,
    parse_compaction_options,
)
from engine.db.compaction.planner import plan_background, plan_major
from engine.db.compaction.size_tiered import split_output_ratios
from engine.db.compaction.time_window import window_start_ms

__all__ = [
    "MAX_LEVEL_COUNT",
    "BackgroundPlan",
    "CompactionKind",
    "CompactionOption",
    "CompactionParams",
    "CompactionStrategyKind",
    "CompactionTask",
    "LeveledOptions",
    "OutputSplit",
    "SSTableInfo",
    "SizeTieredOptions",
    "StrategyProgress",
    "TableState",
    "TimeWindowOptions",
    "TimestampResolution",
    "TombstoneOption",
    "WindowUnit",
    "effective_levels",
    "max_bytes_for_level",
    "parse_compaction_options",
    "plan_background",
    "plan_major",
    "split_output_ratios",
    "window_start_ms",
]
