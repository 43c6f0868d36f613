"""Where each endpoint lives: datacenter, rack and host id (what Cassandra's snitch + ``Topology`` know).

An *endpoint* is a node's address string (``'127.0.0.1'``); every node of a cqlkit cluster has its own
loopback address (``--single-interface`` clusters use ``'127.0.0.1:9043'``-style strings, which work the
same here: an endpoint is only compared and sorted). Each endpoint has a :class:`Location`, defaulting to
``datacenter1`` / ``rack1`` like Cassandra's ``SimpleSnitch``, and a host id (a UUID that survives address
changes; ``nodetool status`` shows it).

A :class:`Topology` is an immutable value: adding or removing an endpoint returns a new one, so a ring
snapshot and the topology it was computed with can be handed to readers without locks.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_DATACENTER = "datacenter1"
DEFAULT_RACK = "rack1"
_HOST_ID_NAMESPACE = uuid.UUID("5b0c4a4e-8f5e-4f57-9a55-6a3c1b2f0e7d")


def endpoint_sort_key(endpoint: str) -> tuple[int, int, str]:
    """Order endpoints as addresses (``127.0.0.2`` before ``127.0.0.10``), then by port, then as text."""
    host, _, port = endpoint.rpartition(":") if endpoint.count(":") == 1 else (endpoint, "", "")
    try:
        address = int(ipaddress.ip_address(host))
    except ValueError:
        return (1 << 128, 0, endpoint)
    return (address, int(port) if port.isdigit() else 0, endpoint)


def default_host_id(endpoint: str) -> uuid.UUID:
    """A stable host id derived from the address, for callers that do not assign their own."""
    return uuid.uuid5(_HOST_ID_NAMESPACE, endpoint)


@dataclass(frozen=True, slots=True, order=True)
class Location:
    datacenter: str = DEFAULT_DATACENTER
    rack: str = DEFAULT_RACK


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Topology:
    """Endpoints with their locations and host ids; immutable."""

    locations: Mapping[str, Location] = field(default_factory=lambda: _frozen({}))
    host_ids: Mapping[str, uuid.UUID] = field(default_factory=lambda: _frozen({}))

    @classmethod
    def of(
        cls,
        endpoints: Iterable[str] | Mapping[str, Location | tuple[str, str]],
        host_ids: Mapping[str, uuid.UUID] | None = None,
    ) -> Topology:
        """A topology from endpoints (all in the default location) or endpoint → location / (dc, rack)."""
        topology = cls()
        items = endpoints.items() if isinstance(endpoints, Mapping) else ((e, Location()) for e in endpoints)
        for endpoint, where in items:
            location = where if isinstance(where, Location) else Location(*where)
            host_id = (host_ids or {}).get(endpoint)
            topology = topology.with_endpoint(endpoint, location.datacenter, location.rack, host_id=host_id)
        return topology

    # ------------------------------------------------------------------------------------------- changes

    def with_endpoint(
        self,
        endpoint: str,
        datacenter: str = DEFAULT_DATACENTER,
        rack: str = DEFAULT_RACK,
        *,
        host_id: uuid.UUID | None = None,
    ) -> Topology:
        """This topology with ``endpoint`` added, or moved to a new location / host id."""
        host_id = host_id or self.host_ids.get(endpoint) or default_host_id(endpoint)
        for other, other_id in self.host_ids.items():
            if other_id == host_id and other != endpoint:
                raise ValueError(f"host id {host_id} already belongs to {other}")
        locations = dict(self.locations)
        locations[endpoint] = Location(datacenter, rack)
        host_ids = dict(self.host_ids)
        host_ids[endpoint] = host_id
        return Topology(_frozen(locations), _frozen(host_ids))

    def without_endpoint(self, endpoint: str) -> Topology:
        locations = {e: loc for e, loc in self.locations.items() if e != endpoint}
        host_ids = {e: h for e, h in self.host_ids.items() if e != endpoint}
        return Topology(_frozen(locations), _frozen(host_ids))

    # ------------------------------------------------------------------------------------------- queries

    def __contains__(self, endpoint: object) -> bool:
        return endpoint in self.locations

    def __len__(self) -> int:
        return len(self.locations)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(sorted(self.locations, key=endpoint_sort_key))

    def location(self, endpoint: str) -> Location:
        try:
            return self.locations[endpoint]
        except KeyError:
            raise KeyError(f"unknown endpoint {endpoint}") from None

    def datacenter(self, endpoint: str) -> str:
        return self.location(endpoint).datacenter

    def rack(self, endpoint: str) -> str:
        return self.location(endpoint).rack

    def host_id(self, endpoint: str) -> uuid.UUID:
        try:
            return self.host_ids[endpoint]
        except KeyError:
            raise KeyError(f"unknown endpoint {endpoint}") from None

    def endpoint_for_host_id(self, host_id: uuid.UUID) -> str | None:
        for endpoint, known in self.host_ids.items():
            if known == host_id:
                return endpoint
        return None

    @property
    def datacenters(self) -> tuple[str, ...]:
        return tuple(sorted({loc.datacenter for loc in self.locations.values()}))

    def endpoints_in(self, datacenter: str) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if self.locations[e].datacenter == datacenter)

    def racks_in(self, datacenter: str) -> Mapping[str, tuple[str, ...]]:
        """Rack → endpoints, for one datacenter (racks sorted by name)."""
        racks: dict[str, list[str]] = {}
        for endpoint in self.endpoints_in(datacenter):
            racks.setdefault(self.locations[endpoint].rack, []).append(endpoint)
        return MappingProxyType({rack: tuple(racks[rack]) for rack in sorted(racks)})

    def datacenter_sizes(self) -> Mapping[str, int]:
        """Datacenter → number of endpoints."""
        sizes: dict[str, int] = {}
        for loc in self.locations.values():
            sizes[loc.datacenter] = sizes.get(loc.datacenter, 0) + 1
        return MappingProxyType(dict(sorted(sizes.items())))
