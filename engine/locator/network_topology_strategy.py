"""NetworkTopologyStrategy: a replication factor per datacenter, replicas spread over racks.

Cassandra's algorithm (``NetworkTopologyStrategy.calculateNaturalReplicas``), in one clockwise walk of the
ring from the token, tracking each datacenter that still needs replicas:

* a datacenter needs ``min(rf, nodes in that datacenter)`` replicas;
* an endpoint is taken at once if its rack has not been used yet in its datacenter;
* an endpoint in an already used rack is taken only while the datacenter may still repeat racks:
  it may repeat ``rf - racks in the datacenter`` times (so with fewer racks than the replication factor
  every rack gets a replica and the rest goes to the first endpoints met; with enough racks every replica
  lands on a distinct rack);
* the walk stops when every datacenter is satisfied or the ring is exhausted.

Replicas come out in the order they were met, so the first is the primary (the owner of the token's
range when that datacenter has it). One deliberate difference: node and rack counts come from the
endpoints that own tokens in the ring, not from every endpoint the topology knows (Cassandra counts
bootstrapping endpoints too, which can leave a datacenter a replica short while one joins a new rack).

Options: datacenter name → replication factor. A ``replication_factor`` option is expanded into every
known datacenter before validation (``prepareOptions``, CASSANDRA-14303; see
:func:`engine.locator.strategies.prepare_options`); datacenters with RF ``"0"`` are dropped there.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.errors import ConfigurationException
from engine.locator.replication_factor import ReplicationFactor
from engine.locator.replication_strategy import ReplicationStrategy, is_system_keyspace
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology
from engine.schema.metadata import NETWORK_TOPOLOGY_STRATEGY

REPLICATION_FACTOR = "replication_factor"
AUTH_KEYSPACE = "system_auth"


class NetworkTopologyStrategy(ReplicationStrategy):
    class_name = NETWORK_TOPOLOGY_STRATEGY
    is_datacenter_aware = True

    def __init__(
        self,
        keyspace: str,
        options: Mapping[str, str],
        *,
        transient_replication_enabled: bool = False,
        num_tokens: int = 16,
    ) -> None:
        super().__init__(keyspace, options)
        datacenters: dict[str, ReplicationFactor] = {}
        for dc, value in self.options.items():
            if dc.lower() == REPLICATION_FACTOR:
                raise ConfigurationException(
                    f"{REPLICATION_FACTOR} should not appear as an option at construction time "
                    "for NetworkTopologyStrategy"
                )
            try:
                datacenters[dc] = ReplicationFactor.parse(
                    value, transient_replication_enabled=transient_replication_enabled, num_tokens=num_tokens
                )
            except ValueError as e:
                raise ConfigurationException(str(e)) from None
        self._datacenters = MappingProxyType(datacenters)

    @property
    def datacenters(self) -> Mapping[str, ReplicationFactor]:
        return self._datacenters

    def calculate_natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        # Nodes and racks per datacenter, among the endpoints of the ring.
        nodes: dict[str, int] = {}
        racks: dict[str, set[str]] = {}
        for endpoint in set(token_metadata.owners.values()):
            location = topology.location(endpoint)
            nodes[location.datacenter] = nodes.get(location.datacenter, 0) + 1
            racks.setdefault(location.datacenter, set()).add(location.rack)

        # Per datacenter still to fill: [replicas left, rack repeats allowed].
        left: dict[str, list[int]] = {}
        for dc, rf in self._datacenters.items():
            count = nodes.get(dc, 0)
            if rf.all_replicas <= 0 or count <= 0:
                continue
            left[dc] = [min(rf.all_replicas, count), rf.all_replicas - len(racks[dc])]

        replicas: list[str] = []
        seen_racks: set[tuple[str, str]] = set()
        to_fill = len(left)
        for ring_token in token_metadata.ring_iterator(token):
            if to_fill == 0:
                break
            endpoint = token_metadata.endpoint_of(ring_token)
            location = topology.location(endpoint)
            state = left.get(location.datacenter)
            if state is None or state[0] == 0 or endpoint in replicas:
                continue
            where = (location.datacenter, location.rack)
            if where not in seen_racks:
                seen_racks.add(where)
            elif state[1] > 0:
                state[1] -= 1
            else:
                continue  # the remaining replicas must go to racks not used yet
            replicas.append(endpoint)
            state[0] -= 1
            if state[0] == 0:
                to_fill -= 1
        return tuple(replicas)

    def replication_factor(self, topology: Topology | None = None) -> ReplicationFactor:
        total = sum(rf.all_replicas for rf in self._datacenters.values())
        full = sum(rf.full_replicas for rf in self._datacenters.values())
        return ReplicationFactor(total, full)

    def replication_factors(self, topology: Topology | None = None) -> Mapping[str, int]:
        return MappingProxyType({dc: rf.all_replicas for dc, rf in self._datacenters.items()})

    def recognized_options(self, topology: Topology) -> frozenset[str]:
        # Only datacenter names (Datacenters.getValidDatacenters: the local one and every peer's).
        return frozenset(topology.datacenters)

    def validate_expected_options(self, topology: Topology) -> None:
        """NTS's ``validateExpectedOptions`` checks that come before the unrecognized-option check."""
        if not self.options:
            raise ConfigurationException("Configuration for at least one datacenter must be present")

    def validate_auth_keyspace(self, topology: Topology) -> None:
        """NTS's ``validateExpectedOptions`` check that comes after it: system_auth must cover every DC."""
        if self.keyspace.lower() != AUTH_KEYSPACE:
            return
        missing = [dc for dc in topology.datacenters if dc not in self.options]
        if missing:
            raise ConfigurationException(
                "Following datacenters have active nodes and must be present in replication options "
                f"for keyspace {AUTH_KEYSPACE}: [{', '.join(missing)}]"
            )

    def validate_options(
        self, topology: Topology, *, num_tokens: int, transient_replication_enabled: bool
    ) -> None:
        for dc, value in self.options.items():
            if dc.lower() == REPLICATION_FACTOR:
                raise ConfigurationException(
                    f"{REPLICATION_FACTOR} should not appear as an option to NetworkTopologyStrategy"
                )
            try:
                rf = ReplicationFactor.parse(
                    value, transient_replication_enabled=transient_replication_enabled, num_tokens=num_tokens
                )
            except ValueError as e:
                raise ConfigurationException(str(e)) from None
            if rf.has_transient_replicas and num_tokens > 1:
                raise ConfigurationException("Transient replication is not supported with vnodes yet")

    def warnings(self, topology: Topology) -> tuple[str, ...]:
        if is_system_keyspace(self.keyspace):
            return ()
        sizes = topology.datacenter_sizes()
        out = []
        for dc, rf in self._datacenters.items():
            nodes = sizes.get(dc, 0)
            if rf.full_replicas > nodes and nodes != 0:
                out.append(
                    f"Your replication factor {rf.full_replicas} for keyspace {self.keyspace} "
                    f"is higher than the number of nodes {nodes} for datacenter {dc}"
                )
        return tuple(out)
