"""LocalStrategy: the data stays on the node that writes it (``system``, ``system_schema``).

Every token's only replica is the local endpoint, whatever the ring says; the replication factor is 1
and no option is accepted. Users cannot create LocalStrategy keyspaces (``CREATE KEYSPACE`` answers
"Unable to use given strategy class: LocalStrategy is reserved for internal use."), and ownership
figures are meaningless for them.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ReplicationStrategy
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology
from engine.schema.metadata import LOCAL_STRATEGY


class LocalStrategy(ReplicationStrategy):
    class_name = LOCAL_STRATEGY
    is_partitioned = False

    def __init__(self, keyspace: str, options: Mapping[str, str], *, local_endpoint: str = "") -> None:
        super().__init__(keyspace, options)
        self.local_endpoint = local_endpoint

    def calculate_natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        return (self.local_endpoint,)

    def replication_factor(self, topology: Topology | None = None) -> ReplicationFactor:
        return ReplicationFactor(1, 1)

    def recognized_options(self, topology: Topology) -> frozenset[str]:
        return frozenset()

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and other.local_endpoint == self.local_endpoint  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.local_endpoint))
