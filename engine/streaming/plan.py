"""Which ranges move where when the ring changes: the transfers of bootstrap, decommission and removenode.

A ring change is described by one token-metadata snapshot with the change *in progress* — a node
bootstrapping at its tokens, or a node leaving (decommission, or ``removenode`` for a dead one) — and its
*future ring* (:func:`engine.locator.pending.future_ring`). For each keyspace, a :class:`Transfer` moves the
data of one token range from a ``source`` that replicates it now to a ``target`` that replicates it in the
future ring only. The three planners walk the finer of the two rings, so every range they name lies
inside one range of the other ring and has one replica set on each side:

* **bootstrap** (Cassandra's ``RangeStreamer`` with consistent range movement): the joining node fetches
  each range it gains from the replica that *loses* that range, so the data it gets is what the quorum
  that will no longer include that replica acknowledged. When no replica loses the range (the datacenter
  had fewer nodes than its replication factor) any live replica serves, the closest first. A losing
  replica that is down fails the bootstrap with Cassandra's message;
* **decommission**: the leaving node sends each range it replicates to the endpoints that gain it;
* **removenode**: the removed node is dead, so each gaining endpoint is fed by a live replica that keeps
  the range (Cassandra's ``restoreReplicaCount``), the gaining endpoint's datacenter first.

The planners are pure: liveness comes in as a function, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.dht.range import TokenRange
from engine.locator import ANY_DATACENTER, ReplicationStrategy, TokenMetadata, Topology
from engine.locator.pending import future_ring

STORAGE_PORT = 7000


class StreamPlanError(Exception):
    """A ring change that cannot move its data: the message is Cassandra's."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """The data of ``token_range`` in ``keyspace``, from ``source`` to ``target``."""

    keyspace: str
    token_range: TokenRange
    source: str
    target: str


def bootstrap_transfers(
    keyspace: str,
    strategy: ReplicationStrategy,
    metadata: TokenMetadata,
    topology: Topology,
    joining: str,
    is_alive: Callable[[str], bool],
) -> tuple[Transfer, ...]:
    future = future_ring(metadata)
    transfers: list[Transfer] = []
    for token_range in future.all_ranges():  # the finer ring: each range is inside one current range
        gaining = strategy.natural_replicas(token_range.right, future, topology)
        current = strategy.natural_replicas(token_range.right, metadata, topology)
        if joining not in gaining or joining in current or not current:
            continue
        losing = [e for e in current if e not in gaining]
        if len(losing) == 1:
            if not is_alive(losing[0]):
                raise StreamPlanError(
                    f"A node required to move the data consistently is down (/{losing[0]}:{STORAGE_PORT}). "
                    "If you wish to move the data from a potentially inconsistent replica, restart the node "
                    "with -Dcassandra.consistent.rangemovement=false"
                )
            source = losing[0]
        else:
            source = _closest_live(
                current, topology, topology.datacenter(joining), is_alive, keyspace, token_range
            )
        transfers.append(Transfer(keyspace, token_range, source, joining))
    return tuple(transfers)


def leaving_transfers(
    keyspace: str,
    strategy: ReplicationStrategy,
    metadata: TokenMetadata,
    topology: Topology,
    leaving: str,
    is_alive: Callable[[str], bool],
    *,
    dead: bool = False,
) -> tuple[Transfer, ...]:
    """Decommission (``dead=False``: ``leaving`` sends its ranges) or removenode (``dead=True``: a live
    replica that keeps each range sends it). ``metadata`` has ``leaving`` marked as leaving."""
    future = future_ring(metadata)
    transfers: list[Transfer] = []
    for token_range in metadata.all_ranges():  # the finer ring: each range is inside one future range
        current = strategy.natural_replicas(token_range.right, metadata, topology)
        if leaving not in current:
            continue
        for target in strategy.natural_replicas(token_range.right, future, topology):
            if target in current:
                continue
            if not is_alive(target):
                raise StreamPlanError(f"Stream failed: /{target}:{STORAGE_PORT} is down")
            if dead:
                keepers = [e for e in current if e != leaving]
                source = _closest_live(
                    keepers, topology, topology.datacenter(target), is_alive, keyspace, token_range
                )
            else:
                source = leaving
            transfers.append(Transfer(keyspace, token_range, source, target))
    return tuple(transfers)


def check_decommission(
    keyspace: str, strategy: ReplicationStrategy, metadata: TokenMetadata, topology: Topology
) -> None:
    """Cassandra refuses a decommission that leaves a keyspace fewer nodes than its replication factor
    (``nodetool decommission --force`` overrides it)."""
    members = metadata.endpoints  # the leaving node counts, as in StorageService.decommission
    for datacenter, rf in sorted(strategy.replication_factors(topology).items()):
        if datacenter == ANY_DATACENTER:
            nodes = len(members)
        else:
            nodes = sum(1 for e in members if topology.datacenter(e) == datacenter)
        if rf > 0 and nodes <= rf:
            raise StreamPlanError(
                f"Not enough live nodes to maintain replication factor in keyspace {keyspace} "
                f"(RF = {rf}, N = {nodes}). Perform a forceful decommission to ignore."
            )


def _closest_live(
    candidates: Sequence[str],
    topology: Topology,
    datacenter: str,
    is_alive: Callable[[str], bool],
    keyspace: str,
    token_range: TokenRange,
) -> str:
    live = [e for e in candidates if is_alive(e)]
    live.sort(key=lambda e: topology.datacenter(e) != datacenter)  # stable: ring order within each group
    if not live:
        raise StreamPlanError(
            f"unable to find sufficient sources for streaming range ({token_range.left},{token_range.right}] "
            f"in keyspace {keyspace}"
        )
    return live[0]
