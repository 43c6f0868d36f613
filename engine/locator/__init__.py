"""Replica placement: the token ring, where endpoints live, and the replication strategies.

* :mod:`~engine.locator.topology`: endpoint → datacenter, rack, host id (immutable :class:`Topology`).
* :mod:`~engine.locator.token_metadata`: the ring snapshot (:class:`TokenMetadata`): sorted tokens →
  endpoint, ranges with wrap-around, bootstrapping/leaving endpoints.
* strategies: :class:`SimpleStrategy`, :class:`NetworkTopologyStrategy` (rack-aware), :class:`LocalStrategy`,
  :class:`EverywhereStrategy`; ``calculate_natural_replicas(token, token_metadata, topology)`` is pure.
* :mod:`~engine.locator.strategies`: build a strategy from a keyspace's replication options, and validate
  options with Cassandra 5.0's messages (``CREATE/ALTER KEYSPACE``).
* :mod:`~engine.locator.ownership`: raw and effective ownership (``nodetool status``).
* :mod:`~engine.locator.pending`: pending ranges during bootstrap and decommission.

Everything here is a pure function of immutable values; liveness (gossip) and delivery (messaging) live
in the sibling packages ``engine.gms`` and ``engine.net`` and meet placement only in ``engine.service``.
"""

from engine.locator.everywhere_strategy import EverywhereStrategy
from engine.locator.local_strategy import LocalStrategy
from engine.locator.network_topology_strategy import NetworkTopologyStrategy
from engine.locator.ownership import effective_ownership, raw_ownership, token_ownership
from engine.locator.pending import future_ring, pending_endpoints_for, pending_ranges
from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ANY_DATACENTER, ReplicationStrategy
from engine.locator.simple_strategy import SimpleStrategy
from engine.locator.strategies import (
    ValidatedReplication,
    create_strategy,
    prepare_options,
    resolve_class,
    validate_options,
)
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import DEFAULT_DATACENTER, DEFAULT_RACK, Location, Topology, endpoint_sort_key

__all__ = [
    "ANY_DATACENTER",
    "DEFAULT_DATACENTER",
    "DEFAULT_RACK",
    "EverywhereStrategy",
    "LocalStrategy",
    "Location",
    "NetworkTopologyStrategy",
    "ReplicationFactor",
    "ReplicationStrategy",
    "SimpleStrategy",
    "TokenMetadata",
    "Topology",
    "ValidatedReplication",
    "create_strategy",
    "effective_ownership",
    "endpoint_sort_key",
    "future_ring",
    "pending_endpoints_for",
    "pending_ranges",
    "prepare_options",
    "raw_ownership",
    "resolve_class",
    "token_ownership",
    "validate_options",
]
