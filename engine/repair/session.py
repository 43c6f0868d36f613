"""Repair's values: the options of a repair command, what each session did, and progress events.

:class:`RepairOptions` renders as Cassandra 5.0's ``RepairOption.toString`` (the text of the
``Starting repair command`` line). A command runs one :class:`SessionResult` per group of ranges that share
the same replicas (Cassandra's ``CommonRange``), and records per table and range which replica pairs
disagreed (:class:`Mismatch`) and how many partitions were written to bring replicas level.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from engine.dht.range import TokenRange


class RepairParallelism(enum.Enum):
    """``-seq``, ``-dcpar`` or the default; the text is what ``RepairOption`` prints."""

    SEQUENTIAL = "sequential"
    PARALLEL = "parallel"
    DATACENTER_AWARE = "dc_parallel"


class ProgressEventType(enum.Enum):
    START = "START"
    PROGRESS = "PROGRESS"
    ERROR = "ERROR"
    SUCCESS = "SUCCESS"
    NOTIFICATION = "NOTIFICATION"
    COMPLETE = "COMPLETE"


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One line of nodetool's repair output: when (epoch seconds), what kind, the message."""

    at: float
    type: ProgressEventType
    message: str
    progress: int = 0
    total: int = 0


def format_range(token_range: TokenRange) -> str:
    """Cassandra's ``Range.toString``: ``(left,right]``."""
    return f"({token_range.left},{token_range.right}]"


def format_ranges(ranges: tuple[TokenRange, ...]) -> str:
    return "[" + ", ".join(format_range(r) for r in ranges) + "]"


@dataclass(frozen=True, slots=True)
class RepairOptions:
    keyspace: str
    tables: tuple[str, ...] = ()
    primary_range: bool = False
    ranges: tuple[TokenRange, ...] = ()  # -st/-et: the requested sub-range; empty: the node's ranges
    datacenters: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    parallelism: RepairParallelism = RepairParallelism.PARALLEL
    job_threads: int = 1
    incremental: bool = False
    force: bool = False
    pull: bool = False
    optimise_streams: bool = False
    ignore_unreplicated_keyspaces: bool = False
    repair_paxos: bool = True
    paxos_only: bool = False

    def describe(self, range_count: int) -> str:
        """``RepairOption.toString`` with ``# of ranges`` = ``range_count``."""
        return (
            f"repair options (parallelism: {self.parallelism.value}, primary range: {_bool(self.primary_range)}, "
            f"incremental: {_bool(self.incremental)}, job threads: {self.job_threads}, "
            f"ColumnFamilies: [{', '.join(self.tables)}], dataCenters: [{', '.join(self.datacenters)}], "
            f"hosts: [{', '.join(self.hosts)}], previewKind: NONE, # of ranges: {range_count}, "
            f"pull repair: {_bool(self.pull)}, force repair: {_bool(self.force)}, "
            f"optimise streams: {_bool(self.optimise_streams)}, "
            f"ignore unreplicated keyspaces: {_bool(self.ignore_unreplicated_keyspaces)}, "
            f"repairPaxos: {_bool(self.repair_paxos)}, paxosOnly: {_bool(self.paxos_only)})"
        )


def _bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Two replicas whose trees of ``table`` over ``token_range`` differ in ``leaves`` leaves."""

    table: str
    token_range: TokenRange
    endpoints: tuple[str, str]
    leaves: int


@dataclass(frozen=True, slots=True)
class SessionResult:
    id: uuid.UUID
    ranges: tuple[TokenRange, ...]
    endpoints: tuple[str, ...]
    tables: tuple[str, ...]
    mismatches: tuple[Mismatch, ...]
    partitions_streamed: int  # reconciled partitions written, summed over the replicas they went to


@dataclass(frozen=True, slots=True)
class RepairResult:
    """What one repair command did (``command`` 0: nothing to repair, as Cassandra's RF 1 answer)."""

    command: int
    id: uuid.UUID | None
    keyspace: str
    ranges: tuple[TokenRange, ...]
    sessions: tuple[SessionResult, ...]
    events: tuple[ProgressEvent, ...]
    succeeded: bool

    @property
    def partitions_streamed(self) -> int:
        return sum(s.partitions_streamed for s in self.sessions)

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        return tuple(m for s in self.sessions for m in s.mismatches)
