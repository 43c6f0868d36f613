"""What every replication strategy provides (Cassandra's ``AbstractReplicationStrategy``).

A strategy is a keyspace's rule for placing replicas: given a token, the ring (:class:`TokenMetadata`) and
where the endpoints live (:class:`Topology`), :meth:`ReplicationStrategy.calculate_natural_replicas`
returns the endpoints that store that token's data, the *primary* replica first and the others in ring
order. It is a pure function of its arguments; :meth:`natural_replicas` adds a cache that is dropped
whenever a different ring snapshot or topology is passed (Cassandra caches per ring version the same way).

Everything else derives from placement: the ranges each endpoint replicates
(:meth:`address_ranges`, what ``nodetool status <ks>``'s effective ownership sums), the replicas of each
range (:meth:`range_addresses`, what repair and streaming iterate).

Strategies are built from a keyspace's replication options (text values, as stored in
``system_schema.keyspaces.replication``) by :mod:`engine.locator.strategies`, which also validates options
the way ``CREATE/ALTER KEYSPACE`` does.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from engine.dht.range import TokenRange
from engine.locator.replication_factor import ReplicationFactor
from engine.locator.token_metadata import TokenMetadata
from engine.locator.topology import Topology

#: The key of :meth:`ReplicationStrategy.replication_factors` for strategies that ignore datacenters.
ANY_DATACENTER = ""


class ReplicationStrategy(abc.ABC):
    """Base of the strategies. Instances are immutable apart from a private replica cache."""

    #: Cassandra's fully qualified class name, as stored in ``system_schema.keyspaces``.
    class_name: ClassVar[str]
    #: Whether replication factors are per datacenter (LOCAL_*/EACH_QUORUM count per datacenter).
    is_datacenter_aware: ClassVar[bool] = False
    #: Whether data is split across the ring (Local and Everywhere strategies copy everything).
    is_partitioned: ClassVar[bool] = True

    def __init__(self, keyspace: str, options: Mapping[str, str]) -> None:
        self.keyspace = keyspace
        self.options: Mapping[str, str] = MappingProxyType(dict(options))
        self._cache_lock = threading.Lock()
        self._cache_key: tuple[TokenMetadata, Topology] | None = None
        self._cache: dict[int, tuple[str, ...]] = {}

    @property
    def simple_name(self) -> str:
        return self.class_name.rsplit(".", 1)[1]

    # ----------------------------------------------------------------------------------- placement

    @abc.abstractmethod
    def calculate_natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        """The endpoints replicating ``token``, primary first (pure)."""

    def natural_replicas(
        self, token: int, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[str, ...]:
        """:meth:`calculate_natural_replicas`, cached per ring token for one (ring, topology) pair."""
        if token_metadata.is_empty:
            return self.calculate_natural_replicas(token, token_metadata, topology)
        key_token = token_metadata.first_token(token)
        with self._cache_lock:
            if (
                self._cache_key is None
                or self._cache_key[0] is not token_metadata
                or self._cache_key[1] is not topology
            ):
                self._cache_key = (token_metadata, topology)
                self._cache = {}
            found = self._cache.get(key_token)
        if found is None:
            found = self.calculate_natural_replicas(key_token, token_metadata, topology)
            with self._cache_lock:
                if self._cache_key is not None and self._cache_key[0] is token_metadata:
                    self._cache[key_token] = found
        return found

    def address_ranges(
        self, token_metadata: TokenMetadata, topology: Topology
    ) -> Mapping[str, tuple[TokenRange, ...]]:
        """Endpoint → the ranges it replicates (``getAddressReplicas``), in ring order."""
        out: dict[str, list[TokenRange]] = {}
        for token in token_metadata.sorted_tokens:
            primary = token_metadata.primary_range_for(token)
            for endpoint in self.calculate_natural_replicas(token, token_metadata, topology):
                out.setdefault(endpoint, []).append(primary)
        return MappingProxyType({e: tuple(r) for e, r in out.items()})

    def ranges_of(
        self, endpoint: str, token_metadata: TokenMetadata, topology: Topology
    ) -> tuple[TokenRange, ...]:
        """The ranges ``endpoint`` replicates, in ring order."""
        return self.address_ranges(token_metadata, topology).get(endpoint, ())

    def range_addresses(
        self, token_metadata: TokenMetadata, topology: Topology
    ) -> Mapping[TokenRange, tuple[str, ...]]:
        """Range → its replicas (``getRangeAddresses``), one entry per ring token, in ring order."""
        return MappingProxyType(
            {
                token_metadata.primary_range_for(token): self.calculate_natural_replicas(
                    token, token_metadata, topology
                )
                for token in token_metadata.sorted_tokens
            }
        )

    # ------------------------------------------------------------------------------ replication factor

    @abc.abstractmethod
    def replication_factor(self, topology: Topology | None = None) -> ReplicationFactor:
        """The total replication factor (over all datacenters)."""

    def replication_factors(self, topology: Topology | None = None) -> Mapping[str, int]:
        """Datacenter → number of replicas. Strategies that ignore datacenters answer one entry,
        :data:`ANY_DATACENTER` → the total (``engine.db.consistency_level.block_for`` takes either)."""
        return MappingProxyType({ANY_DATACENTER: self.replication_factor(topology).all_replicas})

    # ------------------------------------------------------------------------------ option validation

    def recognized_options(self, topology: Topology) -> frozenset[str] | None:
        """The option names this strategy accepts; ``None`` accepts anything."""
        return None

    def validate_options(
        self, topology: Topology, *, num_tokens: int, transient_replication_enabled: bool
    ) -> None:
        """Cassandra's ``validateOptions``: raise ``ConfigurationException`` for an invalid option value."""
        return None

    def warnings(self, topology: Topology) -> tuple[str, ...]:
        """Client warnings for valid but questionable options (``maybeWarnOnOptions``)."""
        return ()

    def __repr__(self) -> str:
        return f"{self.simple_name}({self.keyspace!r}, {dict(self.options)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.keyspace == self.keyspace  # type: ignore[attr-defined]
            and dict(other.options) == dict(self.options)  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self), self.keyspace, frozenset(self.options.items())))


#: ``SchemaConstants.isSystemKeyspace``: keyspaces that never get replication-factor warnings.
SYSTEM_KEYSPACES = frozenset(
    {
        "system",
        "system_schema",
        "system_auth",
        "system_distributed",
        "system_traces",
        "system_views",
        "system_virtual_schema",
    }
)


def is_system_keyspace(keyspace: str) -> bool:
    return keyspace.lower() in SYSTEM_KEYSPACES
