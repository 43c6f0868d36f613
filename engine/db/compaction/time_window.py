"""Time-window compaction (TWCS): one SSTable per time window, whole SSTables dropped when they expire.

``TimeWindowCompactionStrategy``, for time series written roughly in time order with TTLs:

* **Windows.** Each SSTable belongs to the window holding its *max* write timestamp, converted to
  milliseconds from ``timestamp_resolution``; windows are ``compaction_window_size`` times
  ``compaction_window_unit`` (MINUTES, HOURS or DAYS) aligned on the epoch, named by their start.
* **Current window.** The newest window seen so far — never by the clock: Cassandra's "now" is
  ``highestWindowSeen``, the highest window start any planning round has met (kept in
  :class:`~engine.db.compaction.model.StrategyProgress`). Windows at or after it are size-tiered: they need
  ``min_threshold`` SSTables and STCS picks which (bucket options apply).
* **Older windows** need only 2 SSTables: all of the window is merged, the ``max_threshold`` smallest
  first. Windows are visited newest first and the first eligible one is compacted.
* **Expired SSTables.** At most every ``expired_sstable_check_frequency_seconds``, SSTables that are fully
  expired and shadow nothing (see :func:`~engine.db.compaction.common.fully_expired`; with
  ``unsafe_aggressive_sstable_expiration``, without the overlap check) are added to whatever is compacted;
  alone they make an EXPIRED task the executor deletes without reading.
* **Tombstones.** Single-SSTable tombstone compactions are off unless ``tombstone_threshold``,
  ``tombstone_compaction_interval`` or ``unchecked_tombstone_compaction`` is set (to anything but
  ``false``); then, with nothing else to do, the *smallest* SSTable worth one is chosen (STCS takes the
  largest).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from engine.db.compaction import size_tiered
from engine.db.compaction.common import GroupView, fully_expired, overlapping_live, worth_dropping_tombstones
from engine.db.compaction.java_lang import java_div, java_rem
from engine.db.compaction.model import CompactionKind, CompactionTask, SSTableInfo, StrategyProgress
from engine.db.compaction.params import CompactionParams, TimeWindowOptions


def window_start_ms(options: TimeWindowOptions, timestamp: int) -> int:
    """The start (ms) of the window holding a write timestamp (``getWindowBoundsInMillis``, lower bound).

    Java arithmetic throughout: conversions truncate toward zero, so a window before the epoch starts
    where Java's ``%`` puts it.
    """
    seconds = java_div(options.timestamp_resolution.to_millis(timestamp), 1000)
    window_seconds = options.window_unit.seconds * options.window_size
    return (seconds - java_rem(seconds, window_seconds)) * 1000


def get_buckets(
    sstables: Iterable[SSTableInfo], options: TimeWindowOptions
) -> tuple[dict[int, list[SSTableInfo]], int]:
    """SSTables by window start, and the highest window start (never below 0, as Cassandra's is)."""
    buckets: dict[int, list[SSTableInfo]] = {}
    highest = 0
    for sstable in sstables:
        start = window_start_ms(options, sstable.max_timestamp)
        buckets.setdefault(start, []).append(sstable)
        highest = max(highest, start)
    return buckets, highest


def newest_bucket(
    buckets: Mapping[int, Sequence[SSTableInfo]], params: CompactionParams, now: int
) -> tuple[list[SSTableInfo], int, str]:
    """The SSTables to compact, the estimated task count, and why (``TimeWindowCompactionStrategy.newestBucket``)."""
    min_threshold, max_threshold = params.min_threshold, params.max_threshold
    chosen: list[SSTableInfo] = []
    reason = ""
    estimated = 0
    for start in sorted(buckets, reverse=True):
        bucket = buckets[start]
        if len(bucket) >= min_threshold and start >= now:
            stcs_buckets = size_tiered.get_buckets(bucket, lambda s: s.size_bytes, params.size_tiered)
            picked = size_tiered.most_interesting_bucket(stcs_buckets, min_threshold, max_threshold)
            if not picked:
                continue
            estimated += _tasks_for(len(bucket), min_threshold, max_threshold)
            if not chosen:
                chosen = picked
                reason = (
                    f"TWCS: current window {_describe(start)}, size-tiering {len(picked)} of {len(bucket)}"
                )
        elif len(bucket) >= 2 and start < now:
            estimated += _tasks_for(len(bucket), min_threshold, max_threshold)
            if not chosen:
                # trimToThreshold: the max_threshold smallest.
                chosen = sorted(bucket, key=lambda s: s.size_bytes)[:max_threshold]
                reason = f"TWCS: window {_describe(start)} has {len(bucket)} SSTables, merging {len(chosen)}"
    return chosen, estimated, reason


def plan(view: GroupView) -> tuple[CompactionTask | None, StrategyProgress]:
    """The next background task for one repaired set (``getNextBackgroundSSTables``)."""
    state, params = view.state, view.params
    options = params.time_window
    progress = view.progress
    if not state.sstables:
        return None, progress

    expired: tuple[SSTableInfo, ...] = ()
    frequency = options.expired_sstable_check_frequency_seconds
    # Cassandra starts lastExpiredCheck at 0, so the first round always checks.
    if progress.last_expired_check is None or state.now - progress.last_expired_check > frequency:
        ignore_overlaps = options.unsafe_aggressive_sstable_expiration
        overlapping = [] if ignore_overlaps else overlapping_live(state, view.uncompacting)
        expired = fully_expired(view.uncompacting, overlapping, state, ignore_overlaps=ignore_overlaps)
        progress = replace(progress, last_expired_check=state.now)

    expired_generations = {s.generation for s in expired}
    candidates = [s for s in view.uncompacting if s.generation not in expired_generations]
    buckets, highest = get_buckets(candidates, options)
    progress = replace(progress, highest_window_seen=max(progress.highest_window_seen, highest))
    chosen, _, reason = newest_bucket(buckets, params, progress.highest_window_seen)
    kind = CompactionKind.MINOR
    if not chosen:
        worth = [s for s in candidates if worth_dropping_tombstones(view, s)]
        if worth:
            # Collections.min by size: the first smallest.
            chosen = [min(worth, key=lambda s: s.size_bytes)]
            kind = CompactionKind.TOMBSTONE
            reason = (
                f"TWCS: tombstone compaction, droppable ratio {chosen[0].estimated_droppable_tombstones:.3f} > "
                f"tombstone_threshold {params.tombstone_threshold:.3g}"
            )
    if not chosen and not expired:
        return None, progress
    if not chosen:
        kind = CompactionKind.EXPIRED
        reason = f"TWCS: {len(expired)} fully expired SSTables"
    elif expired:
        reason += f", with {len(expired)} fully expired SSTables"
    task = CompactionTask(
        inputs=tuple(s.generation for s in [*chosen, *expired]),
        kind=kind,
        output_level=None,
        max_output_size_bytes=None,
        reason=reason,
        fully_expired=tuple(expired_generations),
    )
    return task, progress


def estimate(view: GroupView) -> int:
    """The task estimate ``newestBucket`` makes, over the SSTables not being compacted."""
    buckets, highest = get_buckets(view.uncompacting, view.params.time_window)
    return newest_bucket(buckets, view.params, max(view.progress.highest_window_seen, highest))[1]


def maximal(view: GroupView, split_output: bool) -> CompactionTask | None:
    """``getMaximalTask``: every SSTable of the set in one task, across windows (``split_output`` ignored)."""
    del split_output
    if not view.sstables or view.any_compacting(view.sstables):
        return None
    return CompactionTask(
        inputs=tuple(s.generation for s in view.sstables),
        kind=CompactionKind.MAJOR,
        output_level=None,
        max_output_size_bytes=None,
        reason=f"major compaction of {len(view.sstables)} SSTables",
    )


def _tasks_for(count: int, min_threshold: int, max_threshold: int) -> int:
    # Cassandra's estimate, remaining compared with min_threshold as it is.
    remaining = count - max_threshold
    return 1 + (math.ceil(remaining / max_threshold) if remaining > min_threshold else 0)


def _describe(start_ms: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(start_ms / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{start_ms} ms"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
