"""Pending ranges: where writes must also go while endpoints bootstrap or leave.

While an endpoint bootstraps it streams in the data of the ranges it is about to replicate; writes to
those ranges must reach it too, or it would miss them. While an endpoint leaves, the ranges it hands over
must already be written to their future replicas. Cassandra calls these *pending ranges*
(``TokenMetadata.calculatePendingRanges``); the coordinator writes to natural + pending replicas and
waits for ``block_for + pending`` acknowledgements.

cqlkit computes them from one *future ring*: the current ring with every bootstrapping endpoint joined at
its tokens and every leaving endpoint removed. An endpoint's pending ranges are the ranges it replicates
in the future ring but not now; a token's pending endpoints are its future replicas that are not current
replicas. Cassandra computes each bootstrapping endpoint against the ring without the leaving ones but
without the other bootstrapping ones; the two agree whenever one endpoint changes at a time, which is
what cqlkit's lifecycle commands do (Cassandra itself refuses concurrent range movements by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.dht.range import TokenRange, merge
from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology, endpoint_sort_key


def future_ring(token_metadata: TokenMetadata) -> TokenMetadata:
    """The ring once every bootstrap and departure in progress has completed."""
    future = token_metadata
    for endpoint in token_metadata.leaving:
        future = future.without_endpoint(endpoint)
    for endpoint in token_metadata.bootstrapping_endpoints:
        future = future.with_normal_tokens(endpoint, token_metadata.bootstrap_tokens_of(endpoint))
    return future


def has_pending_changes(token_metadata: TokenMetadata) -> bool:
    return bool(token_metadata.bootstrap_tokens or token_metadata.leaving)


def pending_ranges(
    strategy: ReplicationStrategy, token_metadata: TokenMetadata, topology: Topology
) -> Mapping[str, tuple[TokenRange, ...]]:
    """Endpoint → ranges it will replicate but does not yet (merged, wrap-around kept whole)."""
    if not has_pending_changes(token_metadata):
        return MappingProxyType({})
    now = strategy.address_ranges(token_metadata, topology)
    later = strategy.address_ranges(future_ring(token_metadata), topology)
    out: dict[str, tuple[TokenRange, ...]] = {}
    for endpoint in sorted(later, key=endpoint_sort_key):
        current = now.get(endpoint, ())
        gained = [piece for r in later[endpoint] for piece in r.subtract_all(current)]
        if gained:
            out[endpoint] = merge(gained)
    return MappingProxyType(out)


def pending_endpoints_for(
    token: int, strategy: ReplicationStrategy, token_metadata: TokenMetadata, topology: Topology
) -> tuple[str, ...]:
    """The endpoints that must receive writes for ``token`` on top of its natural replicas."""
    if not has_pending_changes(token_metadata):
        return ()
    current = strategy.calculate_natural_replicas(token, token_metadata, topology)
    future = future_ring(token_metadata)
    if future.is_empty:
        return ()
    return tuple(e for e in strategy.calculate_natural_replicas(token, future, topology) if e not in current)
