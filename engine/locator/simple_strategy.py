"""SimpleStrategy: the first ``replication_factor`` distinct endpoints clockwise from the token.

Racks and datacenters are ignored (Cassandra's ``SimpleStrategy``): walk the ring from the first ring
token ``>= token``, and take each endpoint the first time it is met until there are enough. With vnodes an
endpoint owns several tokens, so the walk may pass more than ``replication_factor`` tokens. If the ring has
fewer endpoints than the replication factor, every endpoint is a replica.

Options: exactly ``replication_factor``. When ``CREATE KEYSPACE`` leaves it out, Cassandra 5.0 fills in
``default_keyspace_rf`` (or, on ALTER, the previous value) before validating
(:func:`engine.locator.strategies.prepare_options`), so "SimpleStrategy requires a replication_factor
strategy option." is only seen when options bypass that step.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import ConfigurationException
from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ReplicationStrategy, is_system_keyspace
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology
from engine.schema.metadata import SIMPLE_STRATEGY

REPLICATION_FACTOR = "replication_factor"


class SimpleStrategy(ReplicationStrategy):
    class_name = SIMPLE_STRATEGY

    def __init__(
        self,
        keyspace: str,
        options: Mapping[str, str],
        *,
        transient_replication_enabled: bool = False,
        num_tokens: int = 16,
    ) -> None:
        super().__init__(keyspace, options)
        rf = self.options.get(REPLICATION_FACTOR)
        if rf is None:
            raise ConfigurationException("SimpleStrategy requires a replication_factor strategy option.")
        try:
            self._rf = ReplicationFactor.parse(
                rf, transient_replication_enabled=transient_replication_enabled, num_tokens=num_tokens
            )
        except ValueError as e:
            raise ConfigurationException(str(e)) from None

    def calculate_natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        wanted = self._rf.all_replicas
        replicas: list[str] = []
        for ring_token in token_metadata.ring_iterator(token):
            if len(replicas) >= wanted:
                break
            endpoint = token_metadata.endpoint_of(ring_token)
            if endpoint not in replicas:
                replicas.append(endpoint)
        return tuple(replicas)

    def replication_factor(self, topology: Topology | None = None) -> ReplicationFactor:
        return self._rf

    def recognized_options(self, topology: Topology) -> frozenset[str]:
        return frozenset({REPLICATION_FACTOR})

    def validate_options(
        self, topology: Topology, *, num_tokens: int, transient_replication_enabled: bool
    ) -> None:
        try:
            rf = ReplicationFactor.parse(
                self.options[REPLICATION_FACTOR],
                transient_replication_enabled=transient_replication_enabled,
                num_tokens=num_tokens,
            )
        except ValueError as e:
            raise ConfigurationException(str(e)) from None
        if rf.has_transient_replicas and num_tokens > 1:
            raise ConfigurationException("Transient replication is not supported with vnodes yet")

    def warnings(self, topology: Topology) -> tuple[str, ...]:
        nodes = len(topology)
        if is_system_keyspace(self.keyspace) or nodes == 0 or self._rf.full_replicas <= nodes:
            return ()
        return (
            f"Your replication factor {self._rf.full_replicas} for keyspace {self.keyspace} "
            f"is higher than the number of nodes {nodes}",
        )
