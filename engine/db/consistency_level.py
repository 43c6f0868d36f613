"""Consistency levels: how many replicas must answer a read or acknowledge a write.

The protocol codes are the native protocol's ``[consistency]`` values (v4 spec §3). ``block_for`` is
Cassandra's ``ConsistencyLevel.blockFor`` for a keyspace whose replication factor (per datacenter for
NetworkTopologyStrategy) is known; it is pure so it can be tested exhaustively.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class ConsistencyLevel(enum.Enum):
    ANY = 0x0000
    ONE = 0x0001
    TWO = 0x0002
    THREE = 0x0003
    QUORUM = 0x0004
    ALL = 0x0005
    LOCAL_QUORUM = 0x0006
    EACH_QUORUM = 0x0007
    SERIAL = 0x0008
    LOCAL_SERIAL = 0x0009
    LOCAL_ONE = 0x000A
    NODE_LOCAL = 0x000B

    @property
    def code(self) -> int:
        return self.value

    @classmethod
    def from_code(cls, code: int) -> ConsistencyLevel:
        return cls(code)

    @classmethod
    def from_name(cls, name: str) -> ConsistencyLevel:
        return cls[name.upper()]

    @property
    def is_serial(self) -> bool:
        return self in (ConsistencyLevel.SERIAL, ConsistencyLevel.LOCAL_SERIAL)

    @property
    def is_datacenter_local(self) -> bool:
        return self in (
            ConsistencyLevel.LOCAL_ONE,
            ConsistencyLevel.LOCAL_QUORUM,
            ConsistencyLevel.LOCAL_SERIAL,
        )


def quorum_for(replication_factor: int) -> int:
    return replication_factor // 2 + 1


def block_for(
    level: ConsistencyLevel,
    replication_factors: Mapping[str, int],
    local_datacenter: str | None = None,
) -> int:
    """How many replicas must respond (Cassandra's ``ConsistencyLevel.blockFor``).

    ``replication_factors`` maps datacenter → replication factor (SimpleStrategy: one entry).
    """
    total = sum(replication_factors.values())
    local = replication_factors.get(local_datacenter or "", total) if local_datacenter else total
    match level:
        case (
            ConsistencyLevel.ONE
            | ConsistencyLevel.LOCAL_ONE
            | ConsistencyLevel.ANY
            | ConsistencyLevel.NODE_LOCAL
        ):
            return 1
        case ConsistencyLevel.TWO:
            return 2
        case ConsistencyLevel.THREE:
            return 3
        case ConsistencyLevel.QUORUM | ConsistencyLevel.SERIAL:
            return quorum_for(total)
        case ConsistencyLevel.ALL:
            return total
        case ConsistencyLevel.LOCAL_QUORUM | ConsistencyLevel.LOCAL_SERIAL:
            return quorum_for(local)
        case ConsistencyLevel.EACH_QUORUM:
            return sum(quorum_for(rf) for rf in replication_factors.values())
    raise ValueError(level)
