"""Compaction planning: hand-built scenarios with exact expected tasks, option validation, and properties."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.db.compaction import (
    BackgroundPlan,
    CompactionKind,
    CompactionParams,
    CompactionStrategyKind,
    CompactionTask,
    OutputSplit,
    SSTableInfo,
    StrategyProgress,
    TableState,
    TimestampResolution,
    WindowUnit,
    effective_levels,
    max_bytes_for_level,
    parse_compaction_options,
    plan_background,
    plan_major,
    split_output_ratios,
    window_start_ms,
)
from engine.db.compaction.java_lang import (
    JavaNumberFormatError,
    double_to_string,
    format_f,
    java_div,
    java_rem,
    parse_double,
    parse_float,
    parse_int,
    parse_long,
)
from engine.db.compaction.params import TimeWindowOptions
from engine.db.compaction.size_tiered import get_buckets
from engine.errors import ConfigurationException

MIB = 1024 * 1024
DAY = 86_400
HOUR_US = 3_600 * 1_000_000


def sst(generation: int, size_mib: float = 1, **fields: Any) -> SSTableInfo:
    return SSTableInfo(generation=generation, size_bytes=int(size_mib * MIB), **fields)


def params(class_name: str = "SizeTieredCompactionStrategy", **options: str) -> CompactionParams:
    return parse_compaction_options({"class": class_name, **options})


def plan(
    sstables: list[SSTableInfo], compaction: CompactionParams | None = None, **state: Any
) -> BackgroundPlan:
    return plan_background(
        TableState(tuple(sstables), params=compaction or CompactionParams.default(), **state)
    )


def task_of(
    sstables: list[SSTableInfo], compaction: CompactionParams | None = None, **state: Any
) -> CompactionTask:
    task = plan(sstables, compaction, **state).task
    assert task is not None
    return task


def rejects(options: Mapping[str, str], message: str, **kwargs: bool) -> None:
    with pytest.raises(ConfigurationException) as info:
        parse_compaction_options(options, **kwargs)
    assert info.value.message == message


# --- size-tiered ---------------------------------------------------------------------------------------


def test_stcs_four_similar_sstables_make_one_task() -> None:
    sstables = [sst(1, 100), sst(2, 110), sst(3, 120), sst(4, 130)]
    task = task_of(sstables)
    assert task == CompactionTask(
        inputs=(1, 2, 3, 4),
        kind=CompactionKind.MINOR,
        output_level=None,
        max_output_size_bytes=None,
        reason=task.reason,
    )
    assert task.reason.startswith("STCS: 4 similar-sized SSTables")
    assert plan(sstables).pending_tasks == 1


def test_stcs_three_similar_sstables_are_not_enough() -> None:
    result = plan([sst(1, 100), sst(2, 110), sst(3, 120)])
    assert result.task is None
    assert result.pending_tasks == 0


def test_stcs_dissimilar_sizes_do_not_bucket_together() -> None:
    # 100 MiB: 160 is not < 1.5 x 100; 260 not < 1.5 x 160 ...
    assert plan([sst(1, 100), sst(2, 160), sst(3, 260), sst(4, 420)]).task is None


def test_stcs_small_sstables_are_one_tier() -> None:
    # Everything under min_sstable_size (50 MiB) shares a bucket, whatever the ratio.
    assert task_of([sst(1, 0.01), sst(2, 1), sst(3, 20), sst(4, 49)]).inputs == (1, 2, 3, 4)


def test_stcs_bucket_below_min_threshold_loses_to_a_qualifying_one() -> None:
    small = [sst(g, 1) for g in (1, 2, 3)]
    large = [sst(g, 500) for g in (4, 5, 6, 7)]
    assert task_of(small + large).inputs == (4, 5, 6, 7)


def test_stcs_tie_on_hotness_picks_the_largest_average_bucket() -> None:
    # No read meters: every bucket is equally (un)hot, and Cassandra's Collections.max over an ascending
    # average-size comparison picks the largest average.
    small = [sst(g, 1) for g in (1, 2, 3, 4, 5)]
    large = [sst(g, 500) for g in (6, 7, 8, 9)]
    assert task_of(small + large).inputs == (6, 7, 8, 9)


def test_stcs_cuts_a_bucket_at_max_threshold_keeping_the_smallest() -> None:
    sstables = [sst(g, 1 + (40 - g) / 100) for g in range(1, 41)]  # higher generation = smaller
    task = task_of(sstables)
    assert task.inputs == tuple(range(9, 41))
    assert plan(sstables).pending_tasks == 2  # ceil(40 / 32)


def test_stcs_thresholds_come_from_the_options() -> None:
    compaction = params(min_threshold="2", max_threshold="3")
    assert task_of([sst(1, 100), sst(2, 110)], compaction).inputs == (1, 2)
    assert task_of([sst(g, 100) for g in range(1, 6)], compaction).inputs == (1, 2, 3)


def test_stcs_never_plans_compacting_sstables() -> None:
    sstables = [sst(g, 100) for g in range(1, 6)]
    assert task_of(sstables, compacting=frozenset({3})).inputs == (1, 2, 4, 5)
    assert plan(sstables, compacting=frozenset({3, 4})).task is None


def test_stcs_bucket_options() -> None:
    sizes = {1: 100, 2: 180, 3: 190, 4: 195}
    sstables = [sst(g, s) for g, s in sizes.items()]
    assert plan(sstables).task is None
    assert task_of(sstables, params(bucket_high="2")).inputs == (1, 2, 3, 4)


def test_get_buckets_averages_with_integer_division() -> None:
    sizes = [100, 149, 60, 200, 400]
    # All under min_sstable_size: one bucket.
    assert get_buckets(sizes, lambda size: size, params().size_tiered) == [[60, 100, 149, 200, 400]]
    no_small = params(min_sstable_size="0").size_tiered
    # 149 < 1.5 x 100 joins 100 (average 124); 200 is not < 1.5 x 124.
    assert get_buckets(sizes, lambda size: size, no_small) == [[60], [100, 149], [200], [400]]
    # (10 + 11) // 2 = 10, and 15 is not < 1.5 x 10 (it would be < 1.5 x 10.5).
    assert get_buckets([10, 11, 15], lambda size: size, no_small) == [[10, 11], [15]]


def test_get_buckets_merges_where_cassandra_would_lose_a_bucket() -> None:
    # Java's HashMap keyed by average would replace the first bucket with the second; we merge them.
    assert get_buckets([0, 0], lambda size: size, params(min_sstable_size="0").size_tiered) == [[0, 0]]
    strict = params(min_sstable_size="0", bucket_low="1.0", bucket_high="1.2").size_tiered
    assert get_buckets([100, 100, 110], lambda size: size, strict) == [[100, 100, 110]]


def tombstoned(generation: int, ratio: float, size_mib: float = 1, **fields: Any) -> SSTableInfo:
    fields.setdefault("first_token", generation * 1000)
    fields.setdefault("last_token", generation * 1000 + 999)
    return sst(generation, size_mib, estimated_droppable_tombstones=ratio, creation_time=0.0, **fields)


def test_stcs_tombstone_compaction_of_a_single_sstable() -> None:
    task = task_of([tombstoned(1, 0.5)], now=DAY)
    assert (task.inputs, task.kind) == ((1,), CompactionKind.TOMBSTONE)


def test_stcs_tombstone_compaction_waits_for_the_interval() -> None:
    assert plan([tombstoned(1, 0.5)], now=DAY - 1).task is None
    assert task_of([tombstoned(1, 0.5)], params(tombstone_compaction_interval="10"), now=10).inputs == (1,)


def test_stcs_tombstone_threshold_is_a_java_float() -> None:
    # 0.2 parsed as a Java float is 0.20000000298..., so a ratio just over 0.2 is not over the threshold.
    assert plan([tombstoned(1, 0.2)], now=DAY).task is None
    assert plan([tombstoned(1, 0.2000000001)], now=DAY).task is None
    assert plan([tombstoned(1, 0.2000001)], now=DAY).task is not None


def test_stcs_tombstone_compaction_takes_the_largest_candidate() -> None:
    sstables = [tombstoned(1, 0.5, 1), tombstoned(2, 0.9, 3), tombstoned(3, 0.3, 2)]
    assert task_of(sstables, now=DAY).inputs == (2,)


def test_tombstone_compaction_checks_overlaps() -> None:
    target = tombstoned(1, 0.5, first_token=0, last_token=999, max_timestamp=50)
    older_live = sst(2, first_token=500, last_token=1500, min_timestamp=10, max_timestamp=20)
    # The overlapping SSTable holds older live data the tombstones may shadow, and the index summary of a
    # one-partition SSTable cannot say how much is outside the overlap.
    assert plan([target, older_live], now=DAY).task is None
    assert task_of([target, older_live], params(unchecked_tombstone_compaction="true"), now=DAY).inputs == (
        1,
    )
    # Enough partitions to estimate: half the keys are outside the overlap, 0.5 x 0.5 > 0.2.
    informative = tombstoned(1, 0.5, first_token=0, last_token=999, max_timestamp=50, partition_count=1000)
    assert task_of([informative, older_live], now=DAY).inputs == (1,)
    mostly_covered = sst(2, first_token=100, last_token=1500, min_timestamp=10, max_timestamp=20)
    assert plan([informative, mostly_covered], now=DAY).task is None
    # A fully expired target shadows nothing newer than it: still worth it.
    expired = tombstoned(
        1, 0.5, first_token=0, last_token=999, min_timestamp=1, max_timestamp=5, max_local_deletion_time=100
    )
    assert task_of([expired, older_live], now=DAY, gc_before=200).inputs == (1,)


def test_compaction_disabled_plans_nothing_but_major() -> None:
    sstables = [sst(g, 100) for g in range(1, 5)]
    disabled = params(enabled="false")
    result = plan(sstables, disabled)
    assert result.task is None
    assert result.pending_tasks == 1
    (major,) = plan_major(TableState(tuple(sstables), params=disabled))
    assert major.inputs == (1, 2, 3, 4)


def test_repaired_and_unrepaired_sstables_are_never_mixed() -> None:
    repaired = [sst(g, 100, repaired=True) for g in (1, 2, 3, 4)]
    unrepaired = [sst(g, 100) for g in (5, 6, 7, 8)]
    result = plan(repaired + unrepaired)
    assert result.task is not None
    assert result.task.inputs == (1, 2, 3, 4)  # equal estimates: the repaired set is asked first
    assert result.pending_tasks == 2
    more_unrepaired = [*unrepaired, *(sst(g, 100) for g in range(9, 45))]
    assert task_of(repaired + more_unrepaired).inputs == tuple(range(5, 37))


def test_stcs_major_compaction() -> None:
    sstables = [sst(1, 1), sst(2, 500), sst(3, 30, repaired=True)]
    state = TableState(tuple(sstables))
    assert [(t.inputs, t.kind, t.split) for t in plan_major(state)] == [
        ((3,), CompactionKind.MAJOR, OutputSplit.NONE),
        ((1, 2), CompactionKind.MAJOR, OutputSplit.NONE),
    ]
    assert [t.split for t in plan_major(state, split_output=True)] == [OutputSplit.HALVING] * 2
    busy = TableState(tuple(sstables), compacting=frozenset({2}))
    assert [t.inputs for t in plan_major(busy)] == [(3,)]
    assert plan_major(TableState(())) == ()


def test_split_output_ratios_halve_down_to_50_mb() -> None:
    assert split_output_ratios(200_000_000) == (0.5, 0.25, 0.125)
    assert split_output_ratios(10_000_000) == (0.5,)
    assert len(split_output_ratios(10**18)) == 20


# --- leveled -------------------------------------------------------------------------------------------

LCS = {"class": "LeveledCompactionStrategy", "sstable_size_in_mb": "10"}  # L0 40 MiB, L1 100 MiB, L2 1000


def lcs(**options: str) -> CompactionParams:
    return parse_compaction_options({**LCS, **options})


def ranged(
    generation: int, level: int, first: int, last: int, size_mib: float = 10, **fields: Any
) -> SSTableInfo:
    return sst(generation, size_mib, level=level, first_token=first, last_token=last, **fields)


def test_lcs_level_capacities() -> None:
    assert max_bytes_for_level(0, 10, 160 * MIB) == 640 * MIB
    assert max_bytes_for_level(1, 10, 160 * MIB) == 1600 * MIB
    assert max_bytes_for_level(3, 10, 160 * MIB) == 160_000 * MIB
    assert max_bytes_for_level(2, 4, MIB) == 16 * MIB


def test_lcs_l0_goes_to_l1_once_it_holds_more_than_an_sstable() -> None:
    sstables = [sst(g, 5, max_timestamp=g) for g in range(1, 5)]
    task = task_of(sstables, lcs())
    assert task == CompactionTask(
        inputs=(1, 2, 3, 4),
        kind=CompactionKind.MINOR,
        output_level=1,
        max_output_size_bytes=10 * MIB,
        reason=task.reason,
        split=OutputSplit.MAX_SIZE,
    )


def test_lcs_small_l0_is_merged_within_l0() -> None:
    task = task_of([sst(1, 1), sst(2, 2)], lcs())
    assert (task.inputs, task.output_level) == ((1, 2), 0)
    assert plan([sst(1, 1)], lcs()).task is None


def test_lcs_l0_takes_the_overlapping_l1_sstables() -> None:
    l0 = [ranged(1, 0, 0, 1000, 6, max_timestamp=1), ranged(2, 0, 200, 800, 6, max_timestamp=2)]
    l1 = [ranged(3, 1, 0, 500), ranged(4, 1, 501, 1000), ranged(5, 1, 2000, 3000)]
    task = task_of(l0 + l1, lcs())
    assert (task.inputs, task.output_level) == ((1, 2, 3, 4), 1)


def test_lcs_l0_waits_for_busy_l1() -> None:
    l0 = [ranged(1, 0, 0, 1000, 6), ranged(2, 0, 200, 800, 6)]
    l1 = [ranged(3, 1, 0, 500)]
    assert plan(l0 + l1, lcs(), compacting=frozenset({3})).task is None


def test_lcs_l0_skips_sstables_overlapping_a_running_l0_compaction() -> None:
    busy = ranged(1, 0, 0, 100, 1)
    near = ranged(2, 0, 50, 150, 1)  # overlaps the busy one: its whole group is skipped
    far = [ranged(3, 0, 1000, 1100, 1), ranged(4, 0, 1050, 1200, 1)]
    task = task_of([busy, near, *far], lcs(), compacting=frozenset({1}))
    assert (task.inputs, task.output_level) == ((3, 4), 0)


def test_lcs_l0_compacts_the_32_oldest_at_most() -> None:
    sstables = [ranged(g, 0, 0, 100, 1, max_timestamp=100 - g) for g in range(1, 41)]
    task = task_of(sstables, lcs())
    assert task.inputs == tuple(range(9, 41))  # higher generation = older max timestamp
    assert task.output_level == 1


def l1_sstables(count: int, size_mib: float = 10, start: int = 1) -> list[SSTableInfo]:
    return [ranged(start + i, 1, i * 100, i * 100 + 99, size_mib) for i in range(count)]


def test_lcs_overfull_level_compacts_into_the_next_with_overlaps() -> None:
    l1 = l1_sstables(11)  # 110 MiB > 100 MiB x 1.001
    l2 = [ranged(20, 2, 0, 49), ranged(21, 2, 50, 149), ranged(22, 2, 500, 600)]
    task = task_of(l1 + l2, lcs())
    assert (task.inputs, task.output_level, task.kind) == ((1, 20, 21), 2, CompactionKind.MINOR)
    assert task.max_output_size_bytes == 10 * MIB


def test_lcs_level_at_capacity_is_not_compacted() -> None:
    assert plan(l1_sstables(10), lcs()).task is None


def test_lcs_round_robin_starts_after_the_last_compacted_key() -> None:
    l1 = l1_sstables(12)
    progress = {False: StrategyProgress(last_compacted_keys={1: 250})}
    assert task_of(l1, lcs(), progress=progress).inputs == (
        4,
    )  # first SSTable starting after 250: [300, 399]
    # Past the last SSTable: wrap to the start.
    wrapped = {False: StrategyProgress(last_compacted_keys={1: 10**6})}
    assert task_of(l1, lcs(), progress=wrapped).inputs == (1,)
    # A busy candidate is skipped.
    assert task_of(l1, lcs(), progress=progress, compacting=frozenset({4})).inputs == (5,)


def test_lcs_progress_after_compaction_moves_the_round_robin() -> None:
    progress = StrategyProgress()
    removed = [ranged(4, 1, 300, 399), ranged(20, 2, 250, 420)]
    added = [ranged(30, 2, 250, 349), ranged(31, 2, 350, 420)]
    assert progress.after_compaction(removed, added).last_compacted_keys == {1: 420}


def test_lcs_highest_overfull_level_goes_first() -> None:
    # L1 scores 1.5 and L2 1.1: Cassandra walks levels from the top, so L2 goes first.
    l1 = l1_sstables(15)
    l2 = [ranged(100 + i, 2, 10_000 + i * 10, 10_000 + i * 10 + 9) for i in range(110)]
    task = task_of(l1 + l2, lcs())
    assert task.output_level == 3
    assert task.inputs == (100,)


def test_lcs_last_level_is_never_compacted_up() -> None:
    l8 = [ranged(1, 8, 0, 10, 10**9 / 1)]  # far beyond the L8 capacity of 10**8 x 10 MiB
    assert plan(l8, lcs()).task is None


def test_lcs_stcs_in_l0_when_l0_is_far_behind() -> None:
    l0 = [ranged(g, 0, g * 1000, g * 1000 + 10, 1) for g in range(1, 34)]  # 33 > 32, non-overlapping
    l1 = l1_sstables(11, start=100)
    task = task_of(l0 + l1, lcs())
    assert task == CompactionTask(
        inputs=tuple(range(1, 33)),
        kind=CompactionKind.MINOR,
        output_level=0,
        max_output_size_bytes=None,
        reason=task.reason,
    )


def test_lcs_single_sstable_promotion() -> None:
    l1 = l1_sstables(11)
    plain = task_of(l1, lcs())
    assert (plain.inputs, plain.kind, plain.output_level) == ((1,), CompactionKind.MINOR, 2)
    uplevel = task_of(l1, lcs(single_sstable_uplevel="true"))
    assert (uplevel.inputs, uplevel.kind, uplevel.output_level) == ((1,), CompactionKind.UPLEVEL, 2)
    assert uplevel.split is OutputSplit.NONE


def test_lcs_overlapping_sstables_in_a_level_count_as_l0() -> None:
    sstables = [ranged(1, 1, 0, 100), ranged(2, 1, 50, 150), ranged(3, 1, 100, 200), ranged(4, 2, 500, 600)]
    assert effective_levels(sstables) == {1: 1, 2: 0, 3: 0, 4: 2}


def test_lcs_tombstone_compaction_from_the_highest_level() -> None:
    sstables = [
        ranged(1, 1, 0, 99, 1, estimated_droppable_tombstones=0.9),
        ranged(2, 2, 1000, 1099, 1, estimated_droppable_tombstones=0.5),
        ranged(3, 2, 2000, 2099, 1, estimated_droppable_tombstones=0.1),
    ]
    task = task_of(sstables, lcs(), now=DAY)
    assert (task.inputs, task.kind, task.output_level) == ((2,), CompactionKind.TOMBSTONE, 2)
    assert task.max_output_size_bytes == 10 * MIB


def test_lcs_estimated_tasks() -> None:
    assert plan(l1_sstables(13), lcs()).pending_tasks == 3  # 130 MiB - 100.1 MiB over 10 MiB SSTables
    assert plan([sst(g, 5) for g in range(1, 11)], lcs()).pending_tasks == 1  # L0: 50 MiB - 40.04 MiB


def test_lcs_major_fills_levels_from_l1() -> None:
    sstables = [sst(1, 5), ranged(2, 1, 0, 10), ranged(3, 2, 0, 10, repaired=True)]
    tasks = plan_major(TableState(tuple(sstables), params=lcs(fanout_size="4")))
    assert [(t.inputs, t.output_level, t.split, t.level_fanout) for t in tasks] == [
        ((3,), 1, OutputSplit.FILL_LEVELS, 4),
        ((1, 2), 1, OutputSplit.FILL_LEVELS, 4),
    ]
    assert all(t.max_output_size_bytes == 10 * MIB for t in tasks)


# --- time window ---------------------------------------------------------------------------------------

TWCS = {
    "class": "TimeWindowCompactionStrategy",
    "compaction_window_unit": "HOURS",
    "compaction_window_size": "1",
}


def twcs(**options: str) -> CompactionParams:
    return parse_compaction_options({**TWCS, **options}, allow_unsafe_aggressive_sstable_expiration=True)


def in_hour(generation: int, hour: int, size_mib: float = 1, **fields: Any) -> SSTableInfo:
    fields.setdefault("min_timestamp", hour * HOUR_US)
    return sst(generation, size_mib, max_timestamp=hour * HOUR_US + 1000, **fields)


def test_window_start_follows_java_arithmetic() -> None:
    hours = TimeWindowOptions(window_unit=WindowUnit.HOURS)
    assert window_start_ms(hours, 5 * HOUR_US + 17) == 5 * 3_600_000
    days = TimeWindowOptions()
    assert window_start_ms(days, 3 * DAY * 10**6 - 1) == 2 * DAY * 1000
    # Before the epoch, Java's truncating division and remainder put the first second in window 0.
    assert window_start_ms(hours, -1_500_000) == 0
    assert window_start_ms(hours, -3_600_000_001) == -3_600_000
    millis = TimeWindowOptions(
        window_unit=WindowUnit.MINUTES, window_size=5, timestamp_resolution=TimestampResolution.MILLISECONDS
    )
    assert window_start_ms(millis, 301_000) == 300_000


def test_twcs_current_window_needs_min_threshold() -> None:
    three = [in_hour(g, 10) for g in (1, 2, 3)]
    assert plan(three, twcs()).task is None
    task = task_of([*three, in_hour(4, 10)], twcs())
    assert (task.inputs, task.kind, task.output_level) == ((1, 2, 3, 4), CompactionKind.MINOR, None)


def test_twcs_old_window_is_merged_from_two_sstables() -> None:
    old = [in_hour(1, 3), in_hour(2, 3)]
    current = [in_hour(3, 10)]
    task = task_of(old + current, twcs())
    assert task.inputs == (1, 2)
    assert plan([in_hour(1, 3), in_hour(3, 10)], twcs()).task is None


def test_twcs_newest_eligible_window_goes_first() -> None:
    sstables = [in_hour(1, 1), in_hour(2, 1), in_hour(3, 2), in_hour(4, 2), in_hour(5, 2), in_hour(6, 9)]
    result = plan(sstables, twcs())
    assert result.task is not None and result.task.inputs == (3, 4, 5)
    assert result.pending_tasks == 2


def test_twcs_old_window_cut_at_max_threshold_keeping_the_smallest() -> None:
    old = [in_hour(g, 1, size_mib=100 - g) for g in range(1, 41)]
    task = task_of([*old, in_hour(50, 9)], twcs())
    assert task.inputs == tuple(range(9, 41))


def test_twcs_current_window_is_the_highest_seen() -> None:
    # Newer data has been seen (and compacted away): hour 10 is now an old window, 2 SSTables suffice.
    sstables = [in_hour(1, 10), in_hour(2, 10)]
    progress = {False: StrategyProgress(highest_window_seen=20 * 3_600_000)}
    assert task_of(sstables, twcs(), progress=progress).inputs == (1, 2)
    result = plan(sstables, twcs())
    assert result.task is None
    assert result.progress[False].highest_window_seen == 10 * 3_600_000


def test_twcs_fully_expired_sstable_is_dropped() -> None:
    expired = in_hour(1, 1, max_local_deletion_time=1_000, first_token=0, last_token=10)
    live = in_hour(2, 9, first_token=0, last_token=10)  # overlaps, but all its data is newer
    result = plan([expired, live], twcs(), now=5_000, gc_before=2_000)
    assert result.task == CompactionTask(
        inputs=(1,),
        kind=CompactionKind.EXPIRED,
        output_level=None,
        max_output_size_bytes=None,
        reason=result.task.reason if result.task else "",
        fully_expired=(1,),
    )
    assert result.progress[False].last_expired_check == 5_000


def test_twcs_expired_sstable_kept_while_it_may_shadow_older_data() -> None:
    expired = in_hour(1, 5, max_local_deletion_time=1_000, first_token=0, last_token=10)
    older = in_hour(2, 1, first_token=5, last_token=20)
    assert plan([expired, older], twcs(), now=5_000, gc_before=2_000).task is None
    # Every SSTable TWCS checks counts, overlapping or not: older live data anywhere blocks the drop (the
    # reason unsafe_aggressive_sstable_expiration exists).
    older_apart = in_hour(2, 1, first_token=50, last_token=60)
    assert plan([expired, older_apart], twcs(), now=5_000, gc_before=2_000).task is None
    newer = in_hour(2, 9, first_token=5, last_token=20)
    assert task_of([expired, newer], twcs(), now=5_000, gc_before=2_000).kind is CompactionKind.EXPIRED
    # Unless the memtable holds older writes.
    assert plan([expired, newer], twcs(), now=5_000, gc_before=2_000, memtable_min_timestamp=0).task is None
    # A compacting SSTable is not checked itself, but its older data still counts as overlapping.
    assert plan([expired, older], twcs(), now=5_000, gc_before=2_000, compacting=frozenset({2})).task is None
    # unsafe_aggressive_sstable_expiration ignores all of that.
    aggressive = twcs(unsafe_aggressive_sstable_expiration="true")
    assert task_of([expired, older], aggressive, now=5_000, gc_before=2_000).inputs == (1,)


def test_twcs_expired_check_frequency() -> None:
    expired = in_hour(1, 1, max_local_deletion_time=1_000)
    recent = {False: StrategyProgress(last_expired_check=4_500)}
    result = plan([expired], twcs(), now=5_000, gc_before=2_000, progress=recent)
    assert result.task is None
    assert result.progress[False].last_expired_check == 4_500
    due = {False: StrategyProgress(last_expired_check=4_399)}
    assert task_of([expired], twcs(), now=5_000, gc_before=2_000, progress=due).inputs == (1,)
    assert task_of(
        [expired],
        twcs(expired_sstable_check_frequency_seconds="0"),
        now=5_000,
        gc_before=2_000,
        progress=recent,
    ).inputs == (1,)


def test_twcs_expired_sstables_join_the_chosen_window() -> None:
    expired = in_hour(1, 1, max_local_deletion_time=1_000, first_token=0, last_token=10)
    old = [in_hour(2, 5, first_token=100, last_token=200), in_hour(3, 5, first_token=100, last_token=200)]
    task = task_of(
        [expired, *old, in_hour(4, 9, first_token=100, last_token=200)], twcs(), now=5_000, gc_before=2_000
    )
    assert (task.inputs, task.kind, task.fully_expired) == ((1, 2, 3), CompactionKind.MINOR, (1,))


def test_twcs_tombstone_compactions_are_off_by_default() -> None:
    sstables = [tombstoned(1, 0.9, 5), tombstoned(2, 0.9, 1)]
    assert plan(sstables, twcs(), now=DAY).task is None
    task = task_of(sstables, twcs(tombstone_threshold="0.2"), now=DAY)
    assert (task.inputs, task.kind) == ((2,), CompactionKind.TOMBSTONE)  # TWCS takes the smallest
    assert plan(sstables, twcs(unchecked_tombstone_compaction="false"), now=DAY).task is None
    assert plan(sstables, twcs(unchecked_tombstone_compaction="true"), now=DAY).task is not None


def test_twcs_major_is_one_task_across_windows() -> None:
    sstables = [in_hour(1, 1), in_hour(2, 5), in_hour(3, 9)]
    (task,) = plan_major(TableState(tuple(sstables), params=twcs()))
    assert (task.inputs, task.kind) == ((1, 2, 3), CompactionKind.MAJOR)


# --- options -------------------------------------------------------------------------------------------


def test_default_params_describe_like_cassandra() -> None:
    default = CompactionParams.default()
    assert default.to_cql_map() == {
        "class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
        "max_threshold": "32",
        "min_threshold": "4",
    }
    assert default.to_cql() == (
        "{'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', "
        "'max_threshold': '32', 'min_threshold': '4'}"
    )
    assert default == CompactionParams()


def test_describe_keeps_given_values_sorted_with_threshold_defaults() -> None:
    assert params("LeveledCompactionStrategy").to_cql_map() == {
        "class": "org.apache.cassandra.db.compaction.LeveledCompactionStrategy",
        "max_threshold": "32",
        "min_threshold": "4",
    }
    given_options = {
        "class": "TimeWindowCompactionStrategy",
        "compaction_window_unit": "HOURS",
        "compaction_window_size": "1",
        "bucket_high": "2",
    }
    assert list(parse_compaction_options(given_options).to_cql_map().items()) == [
        ("bucket_high", "2"),
        ("class", "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy"),
        ("compaction_window_size", "1"),
        ("compaction_window_unit", "HOURS"),
        ("max_threshold", "32"),
        ("min_threshold", "4"),
    ]
    quoted = params(min_threshold="6", bucket_low="0.4")
    assert quoted.to_cql() == (
        "{'bucket_low': '0.4', 'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', "
        "'max_threshold': '32', 'min_threshold': '6'}"
    )


def test_class_names() -> None:
    full = "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"
    assert params(full).strategy is CompactionStrategyKind.LEVELED
    assert params("TimeWindowCompactionStrategy").strategy is CompactionStrategyKind.TIME_WINDOW
    assert CompactionStrategyKind.SIZE_TIERED.short_name == "SizeTieredCompactionStrategy"
    assert CompactionStrategyKind.SIZE_TIERED.class_name == (
        "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"
    )


def test_class_errors() -> None:
    rejects({"min_threshold": "4"}, "Missing sub-option 'class' for the 'compaction' option")
    rejects(
        {"class": "Foo"}, "Unable to find compaction strategy class 'org.apache.cassandra.db.compaction.Foo'"
    )
    rejects(
        {"class": "sizetieredcompactionstrategy"},
        "Unable to find compaction strategy class 'org.apache.cassandra.db.compaction.sizetieredcompactionstrategy'",
    )
    rejects({"class": "com.example.Mine"}, "Unable to find compaction strategy class 'com.example.Mine'")
    rejects(
        {"class": "DateTieredCompactionStrategy"},
        "Unable to find compaction strategy class 'org.apache.cassandra.db.compaction.DateTieredCompactionStrategy'",
    )
    with pytest.raises(ConfigurationException, match="UnifiedCompactionStrategy is not supported"):
        params("UnifiedCompactionStrategy")


def test_unknown_sub_options() -> None:
    rejects(
        {"class": "SizeTieredCompactionStrategy", "foo": "1"},
        "Properties specified [foo] are not understood by SizeTieredCompactionStrategy",
    )
    rejects(
        {"class": "SizeTieredCompactionStrategy", "sstable_size_in_mb": "1", "bar": "x"},
        "Properties specified [bar, sstable_size_in_mb] are not understood by SizeTieredCompactionStrategy",
    )
    rejects(
        {"class": "LeveledCompactionStrategy", "compaction_window_unit": "DAYS"},
        "Properties specified [compaction_window_unit] are not understood by LeveledCompactionStrategy",
    )
    rejects(
        {"class": "TimeWindowCompactionStrategy", "fanout_size": "10"},
        "Properties specified [fanout_size] are not understood by TimeWindowCompactionStrategy",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"min_threshold": "abc"},
            "Invalid value abc for 'min_threshold' compaction sub-option - must be an integer",
        ),
        (
            {"max_threshold": "-1"},
            "Invalid value -1 for 'max_threshold' compaction sub-option - must be an integer",
        ),
        (
            {"min_threshold": ""},
            "Invalid value  for 'min_threshold' compaction sub-option - must be an integer",
        ),
        (
            {"min_threshold": "0"},
            "Disabling compaction by setting compaction thresholds to 0 has been removed, "
            "set the compaction option 'enabled' to false instead.",
        ),
        ({"min_threshold": "1"}, "Min compaction threshold cannot be less than 2 (got 1)"),
        (
            {"min_threshold": "10", "max_threshold": "5"},
            "Min compaction threshold (got 10) cannot be greater than max compaction threshold (got 5)",
        ),
        (
            {"min_threshold": "33"},
            "Min compaction threshold (got 33) cannot be greater than max compaction threshold (got 32)",
        ),
        ({"tombstone_threshold": "x"}, "x is not a parsable int (base10) for tombstone_threshold"),
        ({"tombstone_threshold": "-0.5"}, "tombstone_threshold must be greater than 0, but was -0.500000"),
        (
            {"tombstone_compaction_interval": "-1"},
            "tombstone_compaction_interval must be greater than 0, but was -1",
        ),
        (
            {"tombstone_compaction_interval": "1.5"},
            "1.5 is not a parsable int (base10) for tombstone_compaction_interval",
        ),
        (
            {"unchecked_tombstone_compaction": "yes"},
            "'unchecked_tombstone_compaction' should be either 'true' or 'false', not 'yes'",
        ),
        ({"log_all": "maybe"}, "'log_all' should either be 'true' or 'false', not maybe"),
        ({"enabled": "nope"}, "enabled should either be 'true' or 'false', not nope"),
        (
            {"provide_overlapping_tombstones": "bad"},
            "Invalid value BAD for 'provide_overlapping_tombstones' compaction sub-option - must be one of the "
            "following [NONE, ROW, CELL].",
        ),
        ({"min_sstable_size": "-1"}, "min_sstable_size must be non negative: -1"),
        ({"min_sstable_size": " 5"}, " 5 is not a parsable int (base10) for min_sstable_size"),
        ({"min_sstable_size": "1_000"}, "1_000 is not a parsable int (base10) for min_sstable_size"),
        ({"bucket_low": "x"}, "x is not a parsable float for bucket_low"),
        (
            {"bucket_high": "0.4"},
            "bucket_high value (0.4) is less than or equal to the bucket_low value (0.5)",
        ),
        (
            {"bucket_high": "1e-5"},
            "bucket_high value (1.0E-5) is less than or equal to the bucket_low value (0.5)",
        ),
        (
            {"bucket_low": "2", "bucket_high": "2"},
            "bucket_high value (2.0) is less than or equal to the bucket_low value (2.0)",
        ),
        # The options every strategy shares are checked before the strategy's own and unknown ones.
        (
            {"foo": "1", "tombstone_threshold": "x"},
            "x is not a parsable int (base10) for tombstone_threshold",
        ),
        (
            {"foo": "1", "min_threshold": "x"},
            "Properties specified [foo] are not understood by SizeTieredCompactionStrategy",
        ),
    ],
)
def test_size_tiered_option_errors(options: dict[str, str], message: str) -> None:
    rejects({"class": "SizeTieredCompactionStrategy", **options}, message)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sstable_size_in_mb": "0"}, "sstable_size_in_mb must be larger than 0, but was 0"),
        ({"sstable_size_in_mb": "x"}, "x is not a parsable int (base10) for sstable_size_in_mb"),
        (
            {"sstable_size_in_mb": "3000000000"},
            "3000000000 is not a parsable int (base10) for sstable_size_in_mb",
        ),
        # Cassandra's message quotes the sstable_size_in_mb text (default "1") for a bad fanout_size.
        ({"fanout_size": "x"}, "1 is not a parsable int (base10) for fanout_size"),
        (
            {"sstable_size_in_mb": "160", "fanout_size": "x"},
            "160 is not a parsable int (base10) for fanout_size",
        ),
        ({"fanout_size": "0"}, "fanout_size must be larger than 0, but was 0"),
        (
            {"bucket_high": "0.1"},
            "bucket_high value (0.1) is less than or equal to the bucket_low value (0.5)",
        ),
    ],
)
def test_leveled_option_errors(options: dict[str, str], message: str) -> None:
    rejects({"class": "LeveledCompactionStrategy", **options}, message)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"compaction_window_unit": "WEEKS"}, "WEEKS is not valid for compaction_window_unit"),
        ({"compaction_window_unit": "days"}, "days is not valid for compaction_window_unit"),
        ({"compaction_window_unit": "SECONDS"}, "SECONDS is not valid for compaction_window_unit"),
        ({"timestamp_resolution": "HOURS"}, "HOURS is not valid for timestamp_resolution"),
        ({"compaction_window_size": "0"}, "0 must be greater than 1 for compaction_window_size"),
        ({"compaction_window_size": "one"}, "one is not a parsable int (base10) for compaction_window_size"),
        (
            {"expired_sstable_check_frequency_seconds": "-5"},
            "expired_sstable_check_frequency_seconds must not be negative, but was -5",
        ),
        (
            {"expired_sstable_check_frequency_seconds": "soon"},
            "soon is not a parsable int (base10) for expired_sstable_check_frequency_seconds",
        ),
        (
            {"unsafe_aggressive_sstable_expiration": "x"},
            "unsafe_aggressive_sstable_expiration is not 'true' or 'false' (x)",
        ),
        (
            {"unsafe_aggressive_sstable_expiration": "TRUE"},
            "unsafe_aggressive_sstable_expiration is requested but not allowed, restart cassandra with "
            "-Dcassandra.allow_unsafe_aggressive_sstable_expiration=true to allow it",
        ),
        ({"min_sstable_size": "-2"}, "min_sstable_size must be non negative: -2"),
    ],
)
def test_time_window_option_errors(options: dict[str, str], message: str) -> None:
    rejects({"class": "TimeWindowCompactionStrategy", **options}, message)


def test_typed_option_values() -> None:
    stcs = params(
        tombstone_threshold=" 0.3f ",
        tombstone_compaction_interval="+60",
        enabled="FALSE",
        provide_overlapping_tombstones="row",
        only_purge_repaired_tombstones="yes please",
        min_sstable_size="0",
        bucket_low="0.25",
        bucket_high="NaN",
    )
    assert stcs.tombstone_threshold == parse_float("0.3") != 0.3
    assert stcs.tombstone_compaction_interval == 60
    assert not stcs.enabled and not stcs.only_purge_repaired_tombstones
    assert stcs.provide_overlapping_tombstones.name == "ROW"
    assert stcs.size_tiered.min_sstable_size == 0 and stcs.size_tiered.bucket_low == 0.25
    assert math.isnan(stcs.size_tiered.bucket_high)
    assert stcs.options["tombstone_threshold"] == " 0.3f "  # kept as given

    leveled = params(
        "LeveledCompactionStrategy", sstable_size_in_mb="64", fanout_size="8", single_sstable_uplevel="True"
    )
    assert (leveled.leveled.max_sstable_bytes, leveled.leveled.fanout_size) == (64 * MIB, 8)
    assert leveled.leveled.single_sstable_uplevel

    window = params(
        "TimeWindowCompactionStrategy",
        compaction_window_unit="MINUTES",
        compaction_window_size="30",
        timestamp_resolution="MILLISECONDS",
        expired_sstable_check_frequency_seconds="0",
    )
    assert window.time_window == TimeWindowOptions(
        window_unit=WindowUnit.MINUTES,
        window_size=30,
        timestamp_resolution=TimestampResolution.MILLISECONDS,
        expired_sstable_check_frequency_seconds=0,
    )
    assert not window.tombstone_compactions_enabled
    assert params(
        "TimeWindowCompactionStrategy", tombstone_compaction_interval="3600"
    ).tombstone_compactions_enabled
    assert params("TimeWindowCompactionStrategy").time_window == TimeWindowOptions()
    unsafe = parse_compaction_options(
        {"class": "TimeWindowCompactionStrategy", "unsafe_aggressive_sstable_expiration": "true"},
        allow_unsafe_aggressive_sstable_expiration=True,
    )
    assert unsafe.time_window.unsafe_aggressive_sstable_expiration


def test_java_number_rules() -> None:
    assert parse_int("+7") == 7 and parse_long("-9223372036854775808") == -(2**63)
    for bad in ("", "+", "1.0", " 1", "2147483648", "0x10", "1_0"):
        with pytest.raises(JavaNumberFormatError):
            parse_int(bad)
    assert parse_double("\t1e3d ") == 1000.0 and parse_double(".5") == 0.5 and parse_double("0x1p3") == 8.0
    assert math.isinf(parse_double("-Infinity"))
    for bad in ("inf", "nan", "1e", "", "1.2.3", "1__0"):
        with pytest.raises(JavaNumberFormatError):
            parse_double(bad)
    assert [double_to_string(x) for x in (0.5, 2.0, 1e7, 1.0e-5, 0.001, 123456.789, -0.0)] == [
        "0.5",
        "2.0",
        "1.0E7",
        "1.0E-5",
        "0.001",
        "123456.789",
        "-0.0",
    ]
    assert [format_f(x) for x in (-1.0, 0.0078125, parse_float("0.2"))] == [
        "-1.000000",
        "0.007813",
        "0.200000",
    ]
    assert (java_div(-7, 2), java_rem(-7, 2), java_div(7, -2), java_rem(7, -2)) == (-3, -1, -3, 1)


# --- properties ----------------------------------------------------------------------------------------

PARAMS = [
    CompactionParams.default(),
    params(min_threshold="2", max_threshold="4", min_sstable_size="0"),
    params(
        tombstone_threshold="0.1", unchecked_tombstone_compaction="true", tombstone_compaction_interval="0"
    ),
    lcs(),
    parse_compaction_options(
        {
            "class": "LeveledCompactionStrategy",
            "sstable_size_in_mb": "1",
            "fanout_size": "2",
            "tombstone_compaction_interval": "0",
        }
    ),
    lcs(single_sstable_uplevel="true"),
    twcs(),
    twcs(tombstone_threshold="0.1", tombstone_compaction_interval="0", min_threshold="2"),
    twcs(unsafe_aggressive_sstable_expiration="true", expired_sstable_check_frequency_seconds="0"),
]


@st.composite
def table_states(draw: st.DrawFn) -> TableState:
    compaction = draw(st.sampled_from(PARAMS))
    generations = draw(st.lists(st.integers(1, 200), unique=True, max_size=40))
    sstables = []
    for generation in generations:
        first = draw(st.integers(-1000, 1000))
        hour = draw(st.integers(0, 6))
        sstables.append(
            SSTableInfo(
                generation=generation,
                size_bytes=draw(st.sampled_from([0, 1, 100, MIB // 2, MIB, 3 * MIB, 60 * MIB, 200 * MIB])),
                min_timestamp=hour * HOUR_US - draw(st.integers(0, 2 * HOUR_US)),
                max_timestamp=hour * HOUR_US,
                max_local_deletion_time=draw(st.sampled_from([10, 1_000, 2**31 - 1])),
                estimated_droppable_tombstones=draw(st.sampled_from([0.0, 0.15, 0.5, 0.9])),
                level=draw(st.integers(0, 3)),
                first_token=first,
                last_token=first + draw(st.integers(0, 500)),
                partition_count=draw(st.sampled_from([1, 500])),
                creation_time=draw(st.sampled_from([0.0, 100.0])),
                repaired=draw(st.booleans()),
            )
        )
    compacting = draw(st.sets(st.sampled_from(generations))) if generations else set()
    progress = {
        repaired: StrategyProgress(
            last_compacted_keys=draw(
                st.dictionaries(st.integers(1, 3), st.integers(-1000, 1500), max_size=3)
            ),
            highest_window_seen=draw(st.sampled_from([0, 3 * 3_600_000, 10 * 3_600_000])),
            last_expired_check=draw(st.sampled_from([None, 0.0, 150.0])),
        )
        for repaired in draw(st.sets(st.booleans()))
    }
    return TableState(
        tuple(sstables),
        compacting=frozenset(compacting),
        params=compaction,
        now=200.0,
        gc_before=draw(st.sampled_from([0, 500, 5_000])),
        memtable_min_timestamp=draw(st.sampled_from([None, 0, 10 * HOUR_US])),
        progress=progress,
    )


SINGLE_INPUT_KINDS = {CompactionKind.TOMBSTONE, CompactionKind.EXPIRED, CompactionKind.UPLEVEL}


def check_task(state: TableState, task: CompactionTask) -> None:
    by_generation = {s.generation: s for s in state.sstables}
    inputs = [by_generation[g] for g in task.inputs]  # KeyError: not in the state
    assert len(set(task.inputs)) == len(task.inputs)
    assert not set(task.inputs) & state.compacting
    assert len({s.repaired for s in inputs}) == 1
    assert set(task.fully_expired) <= set(task.inputs)
    if task.kind is CompactionKind.EXPIRED:
        assert task.fully_expired == task.inputs
    if state.params.strategy is CompactionStrategyKind.LEVELED:
        levels = effective_levels(s for s in state.sstables if s.repaired == inputs[0].repaired)
        highest = max(levels[g] for g in task.inputs)
        if task.kind is CompactionKind.TOMBSTONE:
            assert task.output_level == highest
        elif task.kind is CompactionKind.UPLEVEL:
            assert task.output_level == highest + 1
        else:
            assert task.output_level in (highest, highest + 1)
        single_ok = task.kind in SINGLE_INPUT_KINDS or task.output_level == highest + 1
    else:
        assert task.output_level is None
        single_ok = task.kind in SINGLE_INPUT_KINDS
    assert len(task.inputs) >= 2 or single_ok
    if task.kind is CompactionKind.MINOR and state.params.strategy is CompactionStrategyKind.SIZE_TIERED:
        assert state.params.min_threshold <= len(task.inputs) <= state.params.max_threshold


@settings(max_examples=300, deadline=None)
@given(table_states())
def test_background_plans_keep_the_invariants(state: TableState) -> None:
    result = plan_background(state)
    assert result.pending_tasks >= 0
    if result.task is not None:
        check_task(state, result.task)
        assert state.params.enabled
    # Deterministic, whatever order the SSTables come in.
    assert plan_background(state) == result
    shuffled = TableState(
        tuple(reversed(state.sstables)),
        compacting=state.compacting,
        params=state.params,
        now=state.now,
        gc_before=state.gc_before,
        memtable_min_timestamp=state.memtable_min_timestamp,
        progress=state.progress,
    )
    assert plan_background(shuffled) == result


@settings(max_examples=200, deadline=None)
@given(table_states(), st.booleans())
def test_major_plans_take_every_idle_set_whole(state: TableState, split_output: bool) -> None:
    tasks = plan_major(state, split_output=split_output)
    for task in tasks:
        assert task.kind is CompactionKind.MAJOR
        assert not set(task.inputs) & state.compacting
        assert len({s.repaired for s in state.sstables if s.generation in task.inputs}) == 1
    planned = {g for task in tasks for g in task.inputs}
    for repaired in (True, False):
        members = {s.generation for s in state.sstables if s.repaired == repaired}
        if members and not members & state.compacting:
            assert members <= planned
        else:
            assert not members & planned
    assert plan_major(state, split_output=split_output) == tasks


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 300 * MIB), max_size=60), st.sampled_from(PARAMS[:3]))
def test_size_tier_buckets_partition_their_input(sizes: list[int], compaction: CompactionParams) -> None:
    buckets = get_buckets(sizes, lambda size: size, compaction.size_tiered)
    assert sorted(size for bucket in buckets for size in bucket) == sorted(sizes)
    assert all(bucket == sorted(bucket) for bucket in buckets)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-(2**62), 2**62),
    st.sampled_from(list(WindowUnit)),
    st.integers(1, 30),
    st.sampled_from(list(TimestampResolution)),
)
def test_window_start_is_a_window_boundary(
    timestamp: int, unit: WindowUnit, size: int, resolution: TimestampResolution
) -> None:
    options = TimeWindowOptions(window_unit=unit, window_size=size, timestamp_resolution=resolution)
    start = window_start_ms(options, timestamp)
    assert start % (unit.seconds * size * 1000) == 0
    assert window_start_ms(options, timestamp) == start
