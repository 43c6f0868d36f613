"""Leveled compaction (LCS): levels of non-overlapping SSTables, each ``fanout_size`` times the one below.

``LeveledCompactionStrategy`` and its ``LeveledManifest``, as pure functions:

* **Levels.** L0 takes flushed SSTables and may overlap itself. In L1..L8 no two SSTables share a token;
  level ``n`` holds up to ``fanout_size ** n * sstable_size_in_mb`` (L1 = 10 x 160 MiB = 1.6 GiB by
  default; L0's nominal size is 4 SSTables). An SSTable whose recorded level would overlap an older one
  there counts as L0, as Cassandra's manifest demotes it (:func:`effective_levels`).
* **Which level.** From L7 down to L1, the first level whose score (bytes not being compacted ÷ its
  capacity) exceeds 1.001 is compacted — the *highest* over-full level, not the highest score, so upper
  levels drain first (L8, the last, is never compacted up). Before that, if L0 holds more than 32
  SSTables it is size-tiered first (STCS in L0, using ``min_threshold``/``max_threshold``) to keep reads
  sane. With no level over-full, L0 is compacted into L1 (or within L0, below one SSTable's worth).
* **What, in L1+.** Round-robin by token: the first SSTable starting after the last key compacted from
  that level (:class:`~engine.db.compaction.model.StrategyProgress`), wrapping around, skipping any whose
  group is busy; it goes with every SSTable of the next level it overlaps, into that next level.
* **What, in L0.** Oldest first (by max timestamp), each with the L0 SSTables it overlaps, at most 32; if
  they add up to more than one SSTable's worth they go to L1 with the L1 SSTables they overlap, otherwise
  they are merged within L0. Fewer than 2 → nothing.
* **Tombstones.** Nothing else to do: from the highest level down, the SSTable with the highest droppable
  ratio worth a tombstone compaction is rewritten in place.

Output is cut into SSTables of ``sstable_size_in_mb``. Not modelled: bootstrap-time STCS, the
``disable_stcs_in_l0`` flag, and pulling in starved top-level SSTables after 25 rounds without compacting
there (``getOverlappingStarvedSSTables``, which needs a per-level counter of rounds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.db.compaction import size_tiered
from engine.db.compaction.common import GroupView, total_bytes, worth_dropping_tombstones
from engine.db.compaction.model import (
    MAX_LEVEL_COUNT,
    CompactionKind,
    CompactionTask,
    OutputSplit,
    SSTableInfo,
    StrategyProgress,
)

#: ``LeveledManifest.MAX_COMPACTING_L0``: L0 SSTables merged at once, and the L0 count that triggers STCS.
MAX_COMPACTING_L0 = 32
#: A level is over-full above this score (the slack keeps rounding from compacting a just-full level).
SCORE_LIMIT = 1.001


@dataclass(frozen=True)
class _Candidate:
    sstables: tuple[SSTableInfo, ...]
    level: int
    max_bytes: int | None
    reason: str


def max_bytes_for_level(level: int, fanout: int, max_sstable_bytes: int) -> int:
    """``LeveledManifest.maxBytesForLevel``: L0 holds 4 SSTables, L``n`` ``fanout ** n`` of them."""
    if level == 0:
        return 4 * max_sstable_bytes
    return int(math.pow(fanout, level) * max_sstable_bytes)  # Java: double, cast to long


def effective_levels(sstables: Iterable[SSTableInfo]) -> Mapping[int, int]:
    """Generation → the level the manifest puts it in: its own, or 0 if it would overlap an older one there.

    ``LeveledManifest.add``/``canAddSSTable`` send an SSTable that overlaps its level back to L0; adding
    by generation means the older SSTable keeps its place. The executor should record the new level.
    """
    placed: dict[int, list[SSTableInfo]] = {}
    levels: dict[int, int] = {}
    for sstable in sorted(sstables, key=lambda s: s.generation):
        level = sstable.level
        if level > 0 and any(sstable.overlaps(other) for other in placed.get(level, ())):
            level = 0
        placed.setdefault(level, []).append(sstable)
        levels[sstable.generation] = level
    return levels


def plan(view: GroupView) -> tuple[CompactionTask | None, StrategyProgress]:
    """The next background task for one repaired set (``LeveledCompactionStrategy.getNextBackgroundTask``)."""
    params = view.params
    levels = _levels(view)
    candidate = _compaction_candidate(view, levels)
    if candidate is not None:
        if params.leveled.single_sstable_uplevel and len(candidate.sstables) == 1:
            # SingleSSTableLCSTask: nothing to merge, so only the level in the metadata changes.
            return _task(candidate, CompactionKind.UPLEVEL), view.progress
        return _task(candidate, CompactionKind.MINOR), view.progress
    droppable = _droppable_sstable(view, levels)
    if droppable is None:
        return None, view.progress
    sstable, level = droppable
    reason = (
        f"LCS: tombstone compaction in L{level}, droppable ratio {sstable.estimated_droppable_tombstones:.3f} > "
        f"tombstone_threshold {params.tombstone_threshold:.3g}"
    )
    candidate = _Candidate((sstable,), level, params.leveled.max_sstable_bytes, reason)
    return _task(candidate, CompactionKind.TOMBSTONE), view.progress


def estimate(view: GroupView) -> int:
    """``LeveledManifest.getEstimatedTasks``: SSTables' worth of bytes beyond each level's capacity."""
    options = view.params.leveled
    tasks = 0
    for level, sstables in enumerate(_levels(view)):
        capacity = int(
            max_bytes_for_level(level, options.fanout_size, options.max_sstable_bytes) * SCORE_LIMIT
        )
        tasks += math.ceil(max(0, total_bytes(sstables) - capacity) / options.max_sstable_bytes)
    return tasks


def maximal(view: GroupView, split_output: bool) -> CompactionTask | None:
    """``getMaximalTask``: every SSTable of the set, written from L1 upwards (``split_output`` is ignored)."""
    del split_output  # LCS output is always split by size, as in Cassandra.
    if not view.sstables or view.any_compacting(view.sstables):
        return None
    options = view.params.leveled
    return CompactionTask(
        inputs=tuple(s.generation for s in view.sstables),
        kind=CompactionKind.MAJOR,
        output_level=1,
        max_output_size_bytes=options.max_sstable_bytes,
        reason=f"major compaction of {len(view.sstables)} SSTables, filling levels from L1",
        split=OutputSplit.FILL_LEVELS,
        level_fanout=options.fanout_size,
    )


def _levels(view: GroupView) -> list[list[SSTableInfo]]:
    """The manifest: SSTables per level, L1+ sorted by first token (then generation)."""
    placement = effective_levels(view.sstables)
    levels: list[list[SSTableInfo]] = [[] for _ in range(MAX_LEVEL_COUNT)]
    for sstable in view.sstables:
        levels[placement[sstable.generation]].append(sstable)
    for level in levels:
        level.sort(key=lambda s: (s.first_token, s.generation))
    return levels


def _compaction_candidate(view: GroupView, levels: list[list[SSTableInfo]]) -> _Candidate | None:
    """``LeveledManifest.getCompactionCandidates``."""
    options = view.params.leveled
    max_sstable_bytes = options.max_sstable_bytes
    for level in range(MAX_LEVEL_COUNT - 1, 0, -1):
        if not levels[level]:
            continue
        remaining = [s for s in levels[level] if not view.is_compacting(s)]
        score = total_bytes(remaining) / max_bytes_for_level(level, options.fanout_size, max_sstable_bytes)
        if score <= SCORE_LIMIT or level == MAX_LEVEL_COUNT - 1:
            # The last level cannot be compacted up; Cassandra only warns that it is over-full.
            continue
        l0_stcs = _stcs_in_l0(view, levels)
        if l0_stcs is not None:
            return l0_stcs
        candidates = _candidates_above_l0(view, levels, level)
        if candidates:
            next_level = _next_level(candidates, levels, max_sstable_bytes)
            reason = f"LCS: L{level} score {score:.3f} > {SCORE_LIMIT}, compacting into L{next_level}"
            return _Candidate(candidates, next_level, max_sstable_bytes, reason)
    if not levels[0]:
        return None
    candidates = _candidates_in_l0(view, levels)
    if not candidates:
        return _stcs_in_l0(view, levels)
    next_level = _next_level(candidates, levels, max_sstable_bytes)
    reason = f"LCS: {sum(1 for s in candidates if s in levels[0])} L0 SSTables into L{next_level}"
    return _Candidate(candidates, next_level, max_sstable_bytes, reason)


def _stcs_in_l0(view: GroupView, levels: list[list[SSTableInfo]]) -> _Candidate | None:
    """``getSTCSInL0CompactionCandidate``: size-tier L0 when it holds more than 32 SSTables."""
    if len(levels[0]) <= MAX_COMPACTING_L0:
        return None
    params = view.params
    uncompacting = sorted((s for s in levels[0] if not view.is_compacting(s)), key=lambda s: s.generation)
    buckets = size_tiered.get_buckets(uncompacting, lambda s: s.size_bytes, params.size_tiered)
    chosen = size_tiered.most_interesting_bucket(buckets, params.min_threshold, params.max_threshold)
    if not chosen:
        return None
    reason = (
        f"LCS: L0 has {len(levels[0])} SSTables > {MAX_COMPACTING_L0}, size-tiering {len(chosen)} of them"
    )
    # Written as one SSTable (no size limit) that stays in L0.
    return _Candidate(tuple(chosen), 0, None, reason)


def _candidates_above_l0(
    view: GroupView, levels: list[list[SSTableInfo]], level: int
) -> tuple[SSTableInfo, ...]:
    """``getCandidatesFor(level > 0)``: round-robin from the last compacted key, with next-level overlaps."""
    sstables = levels[level]
    last_key = view.progress.last_compacted_keys.get(level)
    # LeveledGenerations.wrappingIterator: start at the first SSTable beginning after the last compacted
    # key, or at the start of the level if there is none.
    start = 0
    if last_key is not None:
        start = next((i for i, s in enumerate(sstables) if s.first_token > last_key), 0)
    next_level = levels[level + 1]
    for sstable in sstables[start:] + sstables[:start]:
        group = (sstable, *(s for s in next_level if s.overlaps(sstable)))
        if not view.any_compacting(group):
            return group
    return ()


def _candidates_in_l0(view: GroupView, levels: list[list[SSTableInfo]]) -> tuple[SSTableInfo, ...]:
    """``getCandidatesFor(0)``."""
    max_sstable_bytes = view.params.leveled.max_sstable_bytes
    l0 = levels[0]
    compacting_l0 = [s for s in l0 if view.is_compacting(s)]
    compacting_range = _token_range(compacting_l0)

    candidates: list[SSTableInfo] = []
    remaining = list(l0)
    for sstable in _age_sorted(l0):
        if sstable in candidates:
            continue
        overlapped = [sstable, *(s for s in remaining if s is not sstable and s.overlaps(sstable))]
        if any(s in compacting_l0 for s in overlapped):
            continue
        for candidate in overlapped:
            # An L0 SSTable inside the range of a running L0 compaction would make their outputs overlap.
            outside_compacting = compacting_range is None or not _in_range(candidate, compacting_range)
            if outside_compacting and candidate not in candidates:
                candidates.append(candidate)
            if candidate in remaining:
                remaining.remove(candidate)
        if len(candidates) > MAX_COMPACTING_L0:
            candidates = _age_sorted(candidates)[:MAX_COMPACTING_L0]
            break

    # Less than one SSTable's worth stays in L0 (see _next_level); more goes to L1 with what it overlaps.
    if total_bytes(candidates) > max_sstable_bytes:
        candidate_range = _token_range(candidates)
        assert candidate_range is not None
        l1_overlapping = [s for s in levels[1] if _in_range(s, candidate_range)]
        if view.any_compacting(l1_overlapping) or any(_in_range(s, candidate_range) for s in compacting_l0):
            return ()
        candidates += l1_overlapping
    return tuple(candidates) if len(candidates) >= 2 else ()


def _next_level(
    sstables: Sequence[SSTableInfo], levels: list[list[SSTableInfo]], max_sstable_bytes: int
) -> int:
    """``LeveledManifest.getNextLevel``: one level up, or the highest input level if they are mixed."""
    level_of = {s.generation: level for level, members in enumerate(levels) for s in members}
    input_levels = [level_of[s.generation] for s in sstables]
    lowest, highest = min(input_levels), max(input_levels)
    if lowest == highest == 0 and total_bytes(sstables) < max_sstable_bytes:
        return 0
    return highest + 1 if lowest == highest else highest


def _droppable_sstable(view: GroupView, levels: list[list[SSTableInfo]]) -> tuple[SSTableInfo, int] | None:
    """``findDroppableSSTable``: from the highest level down, the most droppable SSTable worth compacting."""
    threshold = view.params.tombstone_threshold
    for level in range(MAX_LEVEL_COUNT - 1, -1, -1):
        # getLevelSorted builds an ImmutableSortedSet by ratio, which keeps one SSTable per distinct ratio.
        by_ratio: dict[float, SSTableInfo] = {}
        for sstable in levels[level]:
            by_ratio.setdefault(sstable.estimated_droppable_tombstones, sstable)
        for ratio in sorted(by_ratio, reverse=True):
            if ratio <= threshold:
                break
            sstable = by_ratio[ratio]
            if not view.is_compacting(sstable) and worth_dropping_tombstones(view, sstable):
                return sstable, level
    return None


def _task(candidate: _Candidate, kind: CompactionKind) -> CompactionTask:
    if kind is CompactionKind.UPLEVEL or candidate.max_bytes is None:
        max_bytes, split = None, OutputSplit.NONE
    else:
        max_bytes, split = candidate.max_bytes, OutputSplit.MAX_SIZE
    return CompactionTask(
        inputs=tuple(s.generation for s in candidate.sstables),
        kind=kind,
        output_level=candidate.level,
        max_output_size_bytes=max_bytes,
        reason=candidate.reason,
        split=split,
    )


def _age_sorted(sstables: Iterable[SSTableInfo]) -> list[SSTableInfo]:
    """``ageSortedSSTables``: oldest newest-write first (``maxTimestampAscending``), then by generation."""
    return sorted(sstables, key=lambda s: (s.max_timestamp, s.generation))


def _token_range(sstables: Sequence[SSTableInfo]) -> tuple[int, int] | None:
    if not sstables:
        return None
    return min(s.first_token for s in sstables), max(s.last_token for s in sstables)


def _in_range(sstable: SSTableInfo, token_range: tuple[int, int]) -> bool:
    first, last = token_range
    return sstable.first_token <= last and first <= sstable.last_token
