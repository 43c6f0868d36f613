"""Consistency levels: how many replicas must answer a read or acknowledge a write.

The protocol codes are the native protocol's ``[consistency]`` values (v4 spec §3). ``block_for`` is
Cassandra's ``ConsistencyLevel.blockFor`` for a keyspace whose replication factor (per datacenter for
NetworkTopologyStrategy) is known; it is pure so it can be tested exhaustively.

:func:`assure_sufficient_live_replicas` is Cassandra's ``ConsistencyLevel.assureSufficientLiveReplicas``
(5.0, without transient replicas): given how many replicas of the key are alive in each datacenter, it
raises :class:`~engine.errors.Unavailable` with Cassandra's message and fields when the level cannot be
met, before anything is sent. ``ANY`` is always achievable (a hint on the coordinator counts); the
``LOCAL_*`` levels count the coordinator's datacenter only; ``EACH_QUORUM`` checks a quorum in every
datacenter of a NetworkTopologyStrategy keyspace and names the first one short
(``Cannot achieve consistency level EACH_QUORUM in DC dc2``), and behaves as ``QUORUM`` otherwise.

Replication factors are keyed by datacenter; a strategy that ignores datacenters has one entry under
``""`` (``engine.locator.ANY_DATACENTER``), for which the local datacenter is the whole ring.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from engine.errors import InvalidRequest, Unavailable

#: the key of replication factors for strategies that ignore datacenters (``engine.locator.ANY_DATACENTER``)
ANY_DATACENTER = ""


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


def _datacenter_aware(replication_factors: Mapping[str, int]) -> bool:
    return ANY_DATACENTER not in replication_factors


def _local_count(
    counts: Mapping[str, int], replication_factors: Mapping[str, int], local_dc: str | None
) -> int:
    if not _datacenter_aware(replication_factors):
        return sum(counts.values())
    return counts.get(local_dc or "", 0)


def block_for_write(
    level: ConsistencyLevel,
    replication_factors: Mapping[str, int],
    local_datacenter: str | None = None,
    pending: int = 0,
) -> int:
    """``blockForWrite``: the acknowledgements a write waits for, pending (bootstrapping) replicas added."""
    if level is ConsistencyLevel.ANY:
        return 1  # any replica or a hint; pending replicas do not raise it
    return block_for(level, replication_factors, local_datacenter) + pending


def assure_sufficient_live_replicas(
    level: ConsistencyLevel,
    replication_factors: Mapping[str, int],
    live_per_datacenter: Mapping[str, int],
    local_datacenter: str | None = None,
    *,
    required: int | None = None,
) -> None:
    """Raise :class:`Unavailable` unless enough replicas are alive for ``level``.

    ``live_per_datacenter`` counts the key's live replicas by datacenter (any keys for a strategy that
    ignores datacenters: only the total matters). ``required`` overrides ``block_for`` (a write's
    ``block_for_write`` with pending replicas).
    """
    needed = block_for(level, replication_factors, local_datacenter) if required is None else required
    name = level.name
    match level:
        case ConsistencyLevel.ANY:
            return  # a hint on the coordinator is enough, and the coordinator is alive
        case ConsistencyLevel.LOCAL_ONE | ConsistencyLevel.LOCAL_QUORUM | ConsistencyLevel.LOCAL_SERIAL:
            alive = _local_count(live_per_datacenter, replication_factors, local_datacenter)
            if alive < needed:
                raise Unavailable(
                    f"Cannot achieve consistency level {name}", consistency=name, required=needed, alive=alive
                )
            return
        case ConsistencyLevel.EACH_QUORUM if _datacenter_aware(replication_factors):
            for dc in sorted(replication_factors):
                dc_needed = quorum_for(replication_factors[dc])
                dc_alive = live_per_datacenter.get(dc, 0)
                if dc_alive < dc_needed:
                    raise Unavailable(
                        f"Cannot achieve consistency level {name} in DC {dc}",
                        consistency=name,
                        required=dc_needed,
                        alive=dc_alive,
                    )
            return
    alive = sum(live_per_datacenter.values())
    if alive < needed:
        raise Unavailable(
            f"Cannot achieve consistency level {name}", consistency=name, required=needed, alive=alive
        )


def validate_for_read(level: ConsistencyLevel) -> None:
    """``validateForRead``: ANY is for writes only (EACH_QUORUM reads are allowed since CASSANDRA-9602)."""
    if level is ConsistencyLevel.ANY:
        raise InvalidRequest("ANY ConsistencyLevel is only supported for writes")


def validate_for_write(level: ConsistencyLevel) -> None:
    """``validateForWrite``: the serial levels only exist for conditional updates."""
    if level.is_serial:
        raise InvalidRequest("You must use conditional updates for serializable writes")
