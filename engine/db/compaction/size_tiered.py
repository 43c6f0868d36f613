"""Size-tiered compaction (STCS, the default): merge SSTables of similar size, a few at a time.

``SizeTieredCompactionStrategy``, step by step:

1. **Buckets.** The non-compacting SSTables, smallest first, each join the first bucket whose average
   size ``avg`` satisfies ``avg * bucket_low < size < avg * bucket_high`` (0.5 and 1.5), or where both the
   SSTable and the bucket average are below ``min_sstable_size`` (50 MiB: all small SSTables are one
   tier); the bucket's average is then recomputed (integer division). No match starts a new bucket.
2. **Pick.** Buckets with at least ``min_threshold`` (4) SSTables qualify, each cut to ``max_threshold``
   (32) after sorting by read hotness, hottest first; the hottest bucket wins, ties going to the *larger*
   average size. cqlkit has no read meters, so every hotness is 0.0 — exactly what Cassandra sees for a
   table nobody has read yet — and so: the cut keeps the smallest SSTables (the bucket's order), and the
   bucket with the largest average size wins. (``bucketsByHotnessComparator``'s comment says ties compact
   "the smallest sstables first", but ``mostInterestingBucket`` takes ``Collections.max`` of an ascending
   comparison, so the largest average wins; we copy the code, not the comment.)
3. **Tombstones.** With no bucket qualifying, the largest SSTable worth a single-SSTable tombstone
   compaction (see :func:`~engine.db.compaction.common.worth_dropping_tombstones`) is rewritten alone.

Ties Cassandra leaves to hash order (equal sizes) fall to the lower generation here, so a plan is a
function of its input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from engine.db.compaction.common import GroupView, total_bytes, worth_dropping_tombstones
from engine.db.compaction.model import (
    CompactionKind,
    CompactionTask,
    OutputSplit,
    SSTableInfo,
    StrategyProgress,
)
from engine.db.compaction.params import SizeTieredOptions

_T = TypeVar("_T")

#: ``SplittingSizeTieredCompactionWriter.DEFAULT_SMALLEST_SSTABLE_BYTES``: no split output below 50 MB.
SMALLEST_SPLIT_SSTABLE_BYTES = 50_000_000


def get_buckets(items: Sequence[_T], size: Callable[[_T], int], options: SizeTieredOptions) -> list[list[_T]]:
    """Group ``items`` of similar size (``SizeTieredCompactionStrategy.getBuckets``).

    Items of equal size keep their given order. Buckets are keyed by their average size, as in Cassandra,
    with one deliberate difference: where Java's ``HashMap.put`` would silently replace a bucket whose
    average equals the new key (reachable only with zero-byte SSTables or ``bucket_low >= 1``, and the
    replaced SSTables would then never be compacted), the two buckets, of equal average, are merged. We
    scan buckets in creation order where Java scans a hash order; that only matters if an item fits two
    buckets, and with ``bucket_low <= 1 <= bucket_high`` only the newest bucket can fit.
    """
    buckets: dict[int, list[_T]] = {}

    def put(average: int, bucket: list[_T]) -> None:
        if average in buckets:
            buckets[average].extend(bucket)
        else:
            buckets[average] = bucket

    for item in sorted(items, key=size):
        item_size = size(item)
        for average, bucket in buckets.items():
            similar = average * options.bucket_low < item_size < average * options.bucket_high
            both_small = item_size < options.min_sstable_size and average < options.min_sstable_size
            if similar or both_small:
                del buckets[average]
                new_average = (len(bucket) * average + item_size) // (len(bucket) + 1)
                bucket.append(item)
                put(new_average, bucket)
                break
        else:
            put(item_size, [item])
    return list(buckets.values())


def most_interesting_bucket(
    buckets: Sequence[Sequence[SSTableInfo]], min_threshold: int, max_threshold: int
) -> list[SSTableInfo]:
    """The bucket to compact, cut to ``max_threshold``, or ``[]`` (``mostInterestingBucket``)."""
    best: list[SSTableInfo] = []
    for bucket in buckets:
        # trimToThresholdWithHotness sorts by hotness, all 0.0 here, so the stable sort keeps the order.
        trimmed = list(bucket[:max_threshold])
        if len(trimmed) < min_threshold:
            continue
        # Collections.max keeps the first of equals: replace only when strictly greater.
        if not best or _average_size(trimmed) > _average_size(best):
            best = trimmed
    return best


def estimated_tasks(buckets: Sequence[Sequence[SSTableInfo]], min_threshold: int, max_threshold: int) -> int:
    """``getEstimatedCompactionsByTasks``: every qualifying bucket takes ceil(n / max_threshold) tasks."""
    return sum(math.ceil(len(b) / max_threshold) for b in buckets if len(b) >= min_threshold)


def plan(view: GroupView) -> tuple[CompactionTask | None, StrategyProgress]:
    """The next background task for one repaired set (``getNextBackgroundSSTables``)."""
    params = view.params
    buckets = _buckets(view)
    chosen = most_interesting_bucket(buckets, params.min_threshold, params.max_threshold)
    if chosen:
        reason = (
            f"STCS: {len(chosen)} similar-sized SSTables (average {_average_size(chosen)} bytes, "
            f"min_threshold {params.min_threshold})"
        )
        return _task(chosen, CompactionKind.MINOR, reason), view.progress
    worth = [s for s in view.uncompacting if worth_dropping_tombstones(view, s)]
    if not worth:
        return None, view.progress
    # Collections.max by size: the first largest.
    largest = max(worth, key=lambda s: s.size_bytes)
    reason = (
        f"STCS: tombstone compaction, droppable ratio {largest.estimated_droppable_tombstones:.3f} > "
        f"tombstone_threshold {params.tombstone_threshold:.3g}"
    )
    return _task([largest], CompactionKind.TOMBSTONE, reason), view.progress


def estimate(view: GroupView) -> int:
    return estimated_tasks(_buckets(view), view.params.min_threshold, view.params.max_threshold)


def maximal(view: GroupView, split_output: bool) -> CompactionTask | None:
    """``getMaximalTask``: every SSTable of the set in one task; ``split_output`` is ``nodetool compact -s``.

    Cassandra stops background compactions before a major one; if some are still running here, the set
    cannot be taken whole (``tryModify`` fails) and no task is planned for it.
    """
    if not view.sstables or view.any_compacting(view.sstables):
        return None
    split = OutputSplit.HALVING if split_output else OutputSplit.NONE
    reason = f"major compaction of {len(view.sstables)} SSTables" + (
        " (split output)" if split_output else ""
    )
    return CompactionTask(
        inputs=tuple(s.generation for s in view.sstables),
        kind=CompactionKind.MAJOR,
        output_level=None,
        max_output_size_bytes=None,
        reason=reason,
        split=split,
    )


def split_output_ratios(total_bytes: int) -> tuple[float, ...]:
    """Shares of the output per SSTable for ``nodetool compact -s`` (``SplittingSizeTieredCompactionWriter``).

    Halves 1/2, 1/4, ... up to 20 of them, stopping after the first whose share is under 50 MB; the writer
    puts whatever is left after the last share into the last SSTable.
    """
    ratios: list[float] = []
    ratio = 1.0
    for _ in range(20):
        ratio /= 2
        ratios.append(ratio)
        if ratio * total_bytes < SMALLEST_SPLIT_SSTABLE_BYTES:
            break
    return tuple(ratios)


def _buckets(view: GroupView) -> list[list[SSTableInfo]]:
    return get_buckets(view.uncompacting, lambda s: s.size_bytes, view.params.size_tiered)


def _average_size(sstables: Sequence[SSTableInfo]) -> int:
    return total_bytes(sstables) // len(sstables)


def _task(sstables: Sequence[SSTableInfo], kind: CompactionKind, reason: str) -> CompactionTask:
    return CompactionTask(
        inputs=tuple(s.generation for s in sstables),
        kind=kind,
        output_level=None,
        max_output_size_bytes=None,
        reason=reason,
    )
