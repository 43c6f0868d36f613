"""The values compaction planning works on: what it may know of SSTables, and the tasks it returns.

A planner reads a :class:`TableState` — a snapshot of a table's live SSTables (as :class:`SSTableInfo`
metadata only), the generations already being compacted, the table's compaction parameters, the clock, and
the bookkeeping its strategy carries between rounds (:class:`StrategyProgress`) — and returns
:class:`CompactionTask` values. It never reads a file and never keeps state of its own: whatever Cassandra's
strategies remember between calls (LCS's last compacted key per level, TWCS's newest window seen and the
time of its last expired-SSTable check) comes in with the state and goes back out in a
:class:`BackgroundPlan`, for the caller to carry into the next snapshot.

Cassandra runs one strategy instance per repaired/unrepaired set of SSTables
(``CompactionStrategyManager``), so a task never mixes the two and the bookkeeping is kept per set, keyed
by ``repaired``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from engine.db.compaction.params import CompactionParams
from engine.db.rows import NO_DELETION_TIME

MIN_TOKEN = -(2**63)
MAX_TOKEN = 2**63 - 1

#: LCS keeps levels 0..8 (``LeveledManifest.MAX_LEVEL_COUNT``: enough for a petabyte of 1 MiB SSTables).
MAX_LEVEL_COUNT = 9


@dataclass(frozen=True)
class SSTableInfo:
    """What a planner may know about one SSTable: its Statistics.db summary plus size and creation time.

    Timestamps are write timestamps (microseconds by convention); ``max_local_deletion_time`` is in
    seconds, ``NO_DELETION_TIME`` when some data never expires. ``estimated_droppable_tombstones`` is the
    ratio of tombstones purgeable at the state's ``gc_before``, computed by the caller. ``creation_time``
    is in seconds (the Data file's creation, which ``tombstone_compaction_interval`` counts from).
    """

    generation: int
    size_bytes: int
    min_timestamp: int = 0
    max_timestamp: int = 0
    max_local_deletion_time: int = NO_DELETION_TIME
    estimated_droppable_tombstones: float = 0.0
    level: int = 0
    first_token: int = MIN_TOKEN
    last_token: int = MAX_TOKEN
    partition_count: int = 1
    creation_time: float = 0.0
    repaired: bool = False

    def __post_init__(self) -> None:
        if self.size_bytes < 0:
            raise ValueError(f"SSTable {self.generation}: negative size {self.size_bytes}")
        if self.first_token > self.last_token:
            raise ValueError(
                f"SSTable {self.generation}: first token {self.first_token} > last {self.last_token}"
            )
        if not 0 <= self.level < MAX_LEVEL_COUNT:
            raise ValueError(
                f"SSTable {self.generation}: level {self.level} outside 0..{MAX_LEVEL_COUNT - 1}"
            )

    def overlaps(self, other: SSTableInfo) -> bool:
        """Whether the token ranges share a token (``Bounds.intersects``: both ends inclusive)."""
        return self.first_token <= other.last_token and other.first_token <= self.last_token


@dataclass(frozen=True)
class StrategyProgress:
    """What one strategy instance remembers between planning rounds (Cassandra keeps it in fields).

    ``last_compacted_keys``: LCS, level → last token of the newest SSTable compacted out of that level, so
    the next compaction from that level starts after it (``LeveledManifest.lastCompactedSSTables``).
    ``highest_window_seen``: TWCS, lower bound in ms of the newest window seen; windows at or after it are
    "current" (``TimeWindowCompactionStrategy.highestWindowSeen``). ``last_expired_check``: TWCS, when
    (seconds) fully expired SSTables were last looked for; ``None`` means never.
    """

    last_compacted_keys: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))
    highest_window_seen: int = 0
    last_expired_check: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "last_compacted_keys", MappingProxyType(dict(self.last_compacted_keys)))

    def after_compaction(
        self, removed: Iterable[SSTableInfo], added: Iterable[SSTableInfo]
    ) -> StrategyProgress:
        """The progress once a compaction replaced ``removed`` with ``added`` (``LeveledManifest.replace``).

        The level compacted from is the lowest input level; its round-robin position moves to the last
        token of the output that sorts last by first token.
        """
        removed, added = list(removed), list(added)
        if not removed or not added:
            return self
        level = min(s.level for s in removed)
        newest = max(added, key=lambda s: (s.first_token, s.generation))
        return replace(self, last_compacted_keys={**self.last_compacted_keys, level: newest.last_token})


@dataclass(frozen=True)
class TableState:
    """A snapshot of one table, as compaction planning sees it.

    ``now`` is the wall clock in seconds; ``gc_before`` is ``now - gc_grace_seconds`` (local deletion times
    below it are purgeable). ``memtable_min_timestamp`` is the lowest write timestamp still in memtables
    (``None`` if they are empty): data there can be shadowed by an SSTable's tombstones, so it keeps them.
    """

    sstables: tuple[SSTableInfo, ...]
    compacting: frozenset[int] = frozenset()
    params: CompactionParams = field(default_factory=CompactionParams)
    now: float = 0.0
    gc_before: int = 0
    memtable_min_timestamp: int | None = None
    progress: Mapping[bool, StrategyProgress] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        sstables = tuple(sorted(self.sstables, key=lambda s: s.generation))
        generations = [s.generation for s in sstables]
        if len(set(generations)) != len(generations):
            raise ValueError(f"duplicate SSTable generations in {generations}")
        object.__setattr__(self, "sstables", sstables)
        object.__setattr__(self, "compacting", frozenset(self.compacting))
        object.__setattr__(self, "progress", MappingProxyType(dict(self.progress)))

    def progress_for(self, repaired: bool) -> StrategyProgress:
        return self.progress.get(repaired, StrategyProgress())


class CompactionKind(enum.Enum):
    """Why a task exists; also what ``nodetool compactionstats`` calls it."""

    #: A background merge chosen by the strategy (Cassandra's OperationType.COMPACTION).
    MINOR = "Compaction"
    #: ``nodetool compact``: everything at once (per repaired set).
    MAJOR = "Major compaction"
    #: One SSTable rewritten to purge droppable tombstones (OperationType.TOMBSTONE_COMPACTION).
    TOMBSTONE = "Tombstone compaction"
    #: Only fully expired SSTables: the executor deletes them without reading them.
    EXPIRED = "Expired SSTables"
    #: LCS ``single_sstable_uplevel``: one SSTable moved up a level by rewriting its metadata only.
    UPLEVEL = "Uplevel"
    #: ``nodetool cleanup``: one SSTable rewritten without the partitions the node no longer owns.
    CLEANUP = "Cleanup"
    #: ``nodetool garbagecollect``: one SSTable rewritten without what other SSTables' deletions shadow.
    GARBAGE_COLLECT = "Remove deleted data"
    #: ``nodetool scrub``: one SSTable rewritten with the partitions that can still be read.
    SCRUB = "Scrub"
    #: ``nodetool upgradesstables``: one SSTable rewritten in the current format.
    UPGRADE = "Upgrade sstables"


class OutputSplit(enum.Enum):
    """How the executor cuts the merged output into SSTables."""

    #: One output SSTable.
    NONE = "none"
    #: A new SSTable each ``max_output_size_bytes`` (LCS: ``sstable_size_in_mb``).
    MAX_SIZE = "max_size"
    #: STCS major with split output (``nodetool compact -s``): 50%, 25%, 12.5%... of the total, none below
    #: 50 MB (``SplittingSizeTieredCompactionWriter``); see :func:`engine.db.compaction.split_output_ratios`.
    HALVING = "halving"
    #: LCS major: SSTables of ``max_output_size_bytes`` filling ``output_level`` then each next level up to
    #: its capacity, ``level_fanout ** level`` SSTables' worth (``MajorLeveledCompactionWriter``).
    FILL_LEVELS = "fill_levels"


@dataclass(frozen=True)
class CompactionTask:
    """One compaction to run: which SSTables (by generation), where the output goes, and why.

    ``output_level`` is ``None`` for the non-leveled strategies (their output stays at level 0).
    ``fully_expired`` names inputs the planner found fully expired (TWCS): they can be dropped unread.
    """

    inputs: tuple[int, ...]
    kind: CompactionKind
    output_level: int | None
    max_output_size_bytes: int | None
    reason: str
    split: OutputSplit = OutputSplit.NONE
    fully_expired: tuple[int, ...] = ()
    level_fanout: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(sorted(self.inputs)))
        object.__setattr__(self, "fully_expired", tuple(sorted(self.fully_expired)))


@dataclass(frozen=True)
class BackgroundPlan:
    """The answer to "what should compact next?".

    ``task`` is ``None`` when nothing needs compacting. ``pending_tasks`` estimates how many tasks remain
    (``nodetool compactionstats``' "pending tasks"). ``progress`` is the strategies' bookkeeping after this
    round: pass it as ``TableState.progress`` next time.
    """

    task: CompactionTask | None
    pending_tasks: int
    progress: Mapping[bool, StrategyProgress]

    def __post_init__(self) -> None:
        object.__setattr__(self, "progress", MappingProxyType(dict(self.progress)))


def generations(sstables: Sequence[SSTableInfo]) -> tuple[int, ...]:
    return tuple(sorted(s.generation for s in sstables))
