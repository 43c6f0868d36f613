"""What accompanies a statement when it runs: bound values, consistency, paging, timestamp.

Bound values are serialized (``[bytes]`` of the native protocol): ``None`` is null and :data:`UNSET`
is the protocol's "not set" value (v4 spec §3, ``[value]`` with length -2), which leaves a column as it
is instead of writing a tombstone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.db.consistency_level import ConsistencyLevel


class Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET

BoundValue = bytes | None | Unset


@dataclass(frozen=True, slots=True)
class QueryOptions:
    consistency: ConsistencyLevel = ConsistencyLevel.ONE
    values: tuple[BoundValue, ...] = ()
    names: tuple[str, ...] | None = None  # named values (protocol flag 0x40)
    page_size: int | None = None  # None or <= 0: no paging
    paging_state: bytes | None = None
    serial_consistency: ConsistencyLevel = ConsistencyLevel.SERIAL
    timestamp: int | None = None  # client-provided default timestamp (µs)
    keyspace: str | None = None  # protocol v5 per-query keyspace
    now_in_seconds: int | None = None
    tracing: bool = False  # the protocol's tracing flag: record a trace of this request

    def with_values(self, values: tuple[BoundValue, ...], timestamp: int | None) -> QueryOptions:
        """These options with other values and timestamp: what a batch gives each of its statements
        (``dataclasses.replace`` costs twice as much, once per statement of every batch)."""
        return QueryOptions(
            self.consistency,
            values,
            self.names,
            self.page_size,
            self.paging_state,
            self.serial_consistency,
            timestamp,
            self.keyspace,
            self.now_in_seconds,
            self.tracing,
        )


DEFAULT_OPTIONS = QueryOptions()
