"""How much of the ring each endpoint holds: ``nodetool status``'s "Owns" column.

* **Raw ownership** (``StorageService.getOwnership``, ``nodetool status`` with no keyspace when it cannot
  compute effective ownership): the sizes of the ranges an endpoint is the *primary* owner of, summed.
  Over all endpoints it sums to 1 (100%).
* **Effective ownership** (``StorageService.effectiveOwnership(keyspace)``, "Owns (effective)"): the sizes
  of every range an endpoint *replicates* under the keyspace's strategy. It sums to the number of
  replicas placed: ``RF * 100%`` for SimpleStrategy with at least RF nodes, the sum over datacenters of
  ``min(RF, nodes)`` for NetworkTopologyStrategy.

A range's size is :meth:`engine.dht.range.TokenRange.size` (Cassandra's ``Murmur3Partitioner.
describeOwnership``: the distance between consecutive tokens over ``2**64``; a one-token ring owns 1.0).
Values are fractions (multiply by 100 for percent).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology, endpoint_sort_key

LOCAL_STRATEGY_OWNERSHIP = "Ownership values for keyspaces with LocalStrategy are meaningless"


def token_ownership(token_metadata: TokenMetadata) -> Mapping[int, float]:
    """Ring token → size of the range ending at it (``describeOwnership``)."""
    return MappingProxyType(
        {t: token_metadata.primary_range_for(t).size() for t in token_metadata.sorted_tokens}
    )


def raw_ownership(token_metadata: TokenMetadata) -> Mapping[str, float]:
    """Endpoint → fraction of the ring it is the primary owner of; sums to 1 (empty ring: empty)."""
    sizes = token_ownership(token_metadata)
    out: dict[str, float] = {}
    for token, size in sizes.items():
        owner = token_metadata.endpoint_of(token)
        out[owner] = out.get(owner, 0.0) + size
    return _sorted(out)


def effective_ownership(
    strategy: ReplicationStrategy, token_metadata: TokenMetadata, topology: Topology
) -> Mapping[str, float]:
    """Endpoint → fraction of the ring it replicates for a keyspace with ``strategy``.

    Every endpoint of the ring appears (0.0 when it replicates nothing, e.g. a datacenter the keyspace
    does not replicate to). LocalStrategy raises ``ValueError`` with Cassandra's message.
    """
    if strategy.class_name.endswith(".LocalStrategy"):
        raise ValueError(LOCAL_STRATEGY_OWNERSHIP)
    sizes = token_ownership(token_metadata)
    out = dict.fromkeys(token_metadata.endpoints, 0.0)
    for endpoint, ranges in strategy.address_ranges(token_metadata, topology).items():
        out[endpoint] = out.get(endpoint, 0.0) + sum(sizes[r.right] for r in ranges)
    return _sorted(out)


def _sorted(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType({e: values[e] for e in sorted(values, key=endpoint_sort_key)})
