"""EverywhereStrategy: every endpoint of the ring replicates everything.

Not part of Apache Cassandra 5.0 (it comes from DataStax Enterprise, which uses it for keyspaces such as
``dse_system``); cqlkit offers it because it is handy for small reference tables. The replicas of a token
are all ring endpoints, the owner of the token's range first and the rest in ring order, so "primary
range" operations still have a primary. The replication factor is the number of endpoints of the
topology (Cassandra's DSE counts ring members, the same once every node has joined), counted per
datacenter for the datacenter-local consistency levels. No option is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology
from engine.schema.metadata import EVERYWHERE_STRATEGY


class EverywhereStrategy(ReplicationStrategy):
    class_name = EVERYWHERE_STRATEGY
    is_datacenter_aware = True
    is_partitioned = False

    def calculate_natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        replicas: dict[str, None] = {}
        for ring_token in token_metadata.ring_iterator(token):
            replicas.setdefault(token_metadata.endpoint_of(ring_token))
        return tuple(replicas)

    def replication_factor(self, topology: Topology | None = None) -> ReplicationFactor:
        count = len(topology) if topology is not None else 0
        return ReplicationFactor(count, count)

    def replication_factors(self, topology: Topology | None = None) -> Mapping[str, int]:
        return MappingProxyType(dict(topology.datacenter_sizes()) if topology is not None else {})

    def recognized_options(self, topology: Topology) -> frozenset[str]:
        return frozenset()
