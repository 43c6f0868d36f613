"""Which replicas a request goes to: the ring's replicas for a token, who is alive, and in what order.

A :class:`Ring` is what the coordinator knows of the cluster at one moment: the token ring
(``TokenMetadata``), the topology (datacenters, racks, host ids), this node's address and datacenter, and
a liveness function (gossip's view). :func:`replicas_for` gives a keyspace's replicas of a token (from its
replication strategy) and :func:`for_read` picks the replicas a read contacts.

**Proximity.** Reads contact the closest live replicas first: this node, then its datacenter, then the
others, each group in ring order (the order the strategy returns). Cassandra's default snitch
(``SimpleSnitch`` behind the dynamic snitch) orders by measured latency; in one process every replica is
equally fast, so cqlkit uses this fixed order, which keeps scenarios deterministic: a coordinator that is
a replica answers from its own data at ``ONE``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.db.consistency_level import ConsistencyLevel, block_for, quorum_for
from engine.locator import ANY_DATACENTER, ReplicationStrategy, TokenMetadata, Topology


@dataclass(frozen=True)
class Ring:
    token_metadata: TokenMetadata
    topology: Topology
    local_endpoint: str
    is_alive: Callable[[str], bool]

    @property
    def local_datacenter(self) -> str:
        return self.topology.datacenter(self.local_endpoint)


def live_per_datacenter(ring: Ring, endpoints: Iterable[str]) -> Mapping[str, int]:
    return Counter(ring.topology.datacenter(e) for e in endpoints)


def replicas_for(strategy: ReplicationStrategy, token: int, ring: Ring) -> tuple[str, ...]:
    return strategy.natural_replicas(token, ring.token_metadata, ring.topology)


def by_proximity(ring: Ring, endpoints: Sequence[str]) -> list[str]:
    """This node first, then this datacenter, then the rest (stable: ring order within each group)."""
    local_dc = ring.local_datacenter

    def rank(endpoint: str) -> int:
        if endpoint == ring.local_endpoint:
            return 0
        return 1 if ring.topology.datacenter(endpoint) == local_dc else 2

    return sorted(endpoints, key=rank)


def for_read(
    level: ConsistencyLevel, factors: Mapping[str, int], ring: Ring, live: Sequence[str]
) -> list[str]:
    """The live replicas a read at ``level`` contacts (the first one is asked for data), closest first.

    ``LOCAL_*`` levels stay in this node's datacenter; ``EACH_QUORUM`` takes a quorum in every datacenter.
    """
    ordered = by_proximity(ring, live)
    local_dc = ring.local_datacenter
    aware = ANY_DATACENTER not in factors
    if level is ConsistencyLevel.EACH_QUORUM and aware:
        chosen: list[str] = []
        for dc, rf in sorted(factors.items()):
            chosen.extend([e for e in ordered if ring.topology.datacenter(e) == dc][: quorum_for(rf)])
        return by_proximity(ring, chosen)
    if level.is_datacenter_local and aware:
        ordered = [e for e in ordered if ring.topology.datacenter(e) == local_dc]
    return ordered[: block_for(read_level(level), factors, local_dc)]


def read_level(level: ConsistencyLevel) -> ConsistencyLevel:
    """The level a read waits for: the serial levels read at (LOCAL_)QUORUM, ANY (writes only) at ONE."""
    if level is ConsistencyLevel.SERIAL:
        return ConsistencyLevel.QUORUM
    if level is ConsistencyLevel.LOCAL_SERIAL:
        return ConsistencyLevel.LOCAL_QUORUM
    if level is ConsistencyLevel.ANY:
        return ConsistencyLevel.ONE
    return level


def counts_toward(level: ConsistencyLevel, factors: Mapping[str, int], ring: Ring, endpoint: str) -> bool:
    """Whether an acknowledgement from ``endpoint`` counts for ``level`` (``LOCAL_*``: this datacenter)."""
    if level.is_datacenter_local and ANY_DATACENTER not in factors:
        return ring.topology.datacenter(endpoint) == ring.local_datacenter
    return True
