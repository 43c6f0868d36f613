"""What the strategies share: one strategy instance's view of a table, overlap, and the tombstone rules.

* :class:`GroupView` is what one Cassandra strategy instance sees: the SSTables of one repaired set, plus
  the whole table (overlap checks look at every live SSTable, whatever its set or compaction state).
* :func:`fully_expired` is ``CompactionController.getFullyExpiredSSTables``: an SSTable can be dropped
  whole when everything in it is purgeable (``max_local_deletion_time < gc_before``) and its newest write
  is older than the oldest live data anywhere it could shadow (overlapping SSTables with unpurgeable data,
  the other candidates, the memtables) — otherwise its tombstones may still be hiding something.
* :func:`worth_dropping_tombstones` is ``AbstractCompactionStrategy.worthDroppingTombstones``: whether a
  single-SSTable tombstone compaction is likely to purge anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from engine.db.compaction.model import SSTableInfo, StrategyProgress, TableState
from engine.db.compaction.params import CompactionParams

#: Below this many partitions a BIG-format index summary (one entry per ``min_index_interval`` = 128 keys)
#: has fewer than two entries, and Cassandra will not estimate key overlap from it
#: (``SSTableReader.isEstimationInformative``).
MIN_INFORMATIVE_PARTITIONS = 129


@dataclass(frozen=True)
class GroupView:
    """One strategy instance's view: the repaired (or unrepaired) SSTables of ``state``."""

    state: TableState
    repaired: bool

    @property
    def params(self) -> CompactionParams:
        return self.state.params

    @property
    def progress(self) -> StrategyProgress:
        return self.state.progress_for(self.repaired)

    @cached_property
    def sstables(self) -> tuple[SSTableInfo, ...]:
        """This set's SSTables, by generation (the order every tie below falls back to)."""
        return tuple(s for s in self.state.sstables if s.repaired == self.repaired)

    @cached_property
    def uncompacting(self) -> tuple[SSTableInfo, ...]:
        return tuple(s for s in self.sstables if not self.is_compacting(s))

    def is_compacting(self, sstable: SSTableInfo) -> bool:
        return sstable.generation in self.state.compacting

    def any_compacting(self, sstables: Iterable[SSTableInfo]) -> bool:
        return any(self.is_compacting(s) for s in sstables)


def total_bytes(sstables: Iterable[SSTableInfo]) -> int:
    return sum(s.size_bytes for s in sstables)


def overlapping_live(state: TableState, sstables: Sequence[SSTableInfo]) -> list[SSTableInfo]:
    """Live SSTables, other than ``sstables``, sharing a token with any of them.

    ``ColumnFamilyStore.getOverlappingLiveSSTables``: every live SSTable counts, compacting or not, repaired
    or not.
    """
    own = {s.generation for s in sstables}
    return [
        other
        for other in state.sstables
        if other.generation not in own and any(other.overlaps(s) for s in sstables)
    ]


def fully_expired(
    candidates: Iterable[SSTableInfo],
    overlapping: Iterable[SSTableInfo],
    state: TableState,
    *,
    ignore_overlaps: bool = False,
) -> tuple[SSTableInfo, ...]:
    """The candidates that can be dropped whole (``CompactionController.getFullyExpiredSSTables``).

    ``ignore_overlaps`` is TWCS's ``unsafe_aggressive_sstable_expiration``: drop by deletion time alone.
    """
    candidates = list(candidates)
    if state.params.only_purge_repaired_tombstones and not all(s.repaired for s in candidates):
        return ()
    gc_before = state.gc_before
    min_timestamp: float = float("inf")
    if not ignore_overlaps:
        # The oldest write that may still be live: overlapping SSTables and candidates with unpurgeable
        # data, and the memtables.
        for sstable in [*overlapping, *candidates]:
            if sstable.max_local_deletion_time >= gc_before:
                min_timestamp = min(min_timestamp, sstable.min_timestamp)
        if state.memtable_min_timestamp is not None:
            min_timestamp = min(min_timestamp, state.memtable_min_timestamp)
    return tuple(
        s for s in candidates if s.max_local_deletion_time < gc_before and s.max_timestamp < min_timestamp
    )


def worth_dropping_tombstones(view: GroupView, sstable: SSTableInfo) -> bool:
    """Whether a single-SSTable tombstone compaction of ``sstable`` would likely purge enough to be worth it."""
    params, state = view.params, view.state
    if not params.tombstone_compactions_enabled:
        return False
    # The droppable ratio is an estimate; waiting tombstone_compaction_interval since the SSTable was
    # written keeps a wrong estimate from compacting the same SSTable over and over.
    if state.now < sstable.creation_time + params.tombstone_compaction_interval:
        return False
    ratio = sstable.estimated_droppable_tombstones
    # Cassandra compares the double ratio with the option parsed as a Java float.
    if ratio <= params.tombstone_threshold:
        return False
    if params.unchecked_tombstone_compaction:
        return True
    overlaps = overlapping_live(state, [sstable])
    if not overlaps or fully_expired([sstable], overlaps, state):
        return True
    if sstable.partition_count < MIN_INFORMATIVE_PARTITIONS:
        return False
    # Tombstones over keys that other SSTables also hold may shadow data there and cannot go; Cassandra
    # estimates the share of keys outside the overlaps from the index summary. We have no key sample, so
    # we take keys as spread evenly over the SSTable's token range.
    return _uncovered_fraction(sstable, overlaps) * ratio > params.tombstone_threshold


def _uncovered_fraction(sstable: SSTableInfo, overlaps: Iterable[SSTableInfo]) -> float:
    span = sstable.last_token - sstable.first_token + 1
    clipped = sorted(
        (max(o.first_token, sstable.first_token), min(o.last_token, sstable.last_token))
        for o in overlaps
        if o.overlaps(sstable)
    )
    covered = 0
    current_start, current_end = None, None
    for start, end in clipped:
        if current_end is not None and start <= current_end + 1:
            current_end = max(current_end, end)
            continue
        if current_start is not None and current_end is not None:
            covered += current_end - current_start + 1
        current_start, current_end = start, end
    if current_start is not None and current_end is not None:
        covered += current_end - current_start + 1
    return (span - covered) / span
