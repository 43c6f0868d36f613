"""What gossip knows about one endpoint: heartbeat and versioned application states.

Cassandra's gossip state per endpoint (``gms.EndpointState``) is a *heartbeat* — ``(generation,
version)``, the generation being the node's start time so a restart is recognised, the version bumped on
every gossip round — plus *application states*: ``STATUS``, ``LOAD``, ``SCHEMA``, ``DC``, ``RACK``,
``HOST_ID``, ``TOKENS``, ``RELEASE_VERSION``, … each a :class:`VersionedValue` whose version comes from
the same per-node counter as the heartbeat. A peer's state is newer than ours when its generation is
higher, or equal with a higher version; gossip exchanges only the states newer than what the other side
has (the digests say how new).

Values are text, as in Cassandra's ``VersionedValue``; ``STATUS`` is ``NAME,<token>[,<extra>]`` with
the names of :class:`NodeStatus` (``NORMAL``, ``BOOT``, ``LEAVING``, ``LEFT``, …). Tokens are written as
comma-separated decimals (Cassandra serializes them in binary; nothing outside cqlkit reads ours).
Everything here is an immutable value.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


class ApplicationState(enum.Enum):
    """The application states cqlkit gossips (a subset of Cassandra 5.0's, same names)."""

    STATUS = "STATUS"
    LOAD = "LOAD"
    SCHEMA = "SCHEMA"
    DC = "DC"
    RACK = "RACK"
    RELEASE_VERSION = "RELEASE_VERSION"
    HOST_ID = "HOST_ID"
    TOKENS = "TOKENS"
    RPC_READY = "RPC_READY"
    NATIVE_ADDRESS_AND_PORT = "NATIVE_ADDRESS_AND_PORT"
    NET_VERSION = "NET_VERSION"
    SEVERITY = "SEVERITY"
    REMOVAL_COORDINATOR = "REMOVAL_COORDINATOR"


class NodeStatus(enum.Enum):
    """The first field of ``STATUS`` (Cassandra's ``VersionedValue.STATUS_*`` strings)."""

    BOOTSTRAPPING = "BOOT"
    NORMAL = "NORMAL"
    LEAVING = "LEAVING"
    LEFT = "LEFT"
    MOVING = "MOVING"
    REMOVING = "removing"
    REMOVED = "removed"
    SHUTDOWN = "shutdown"
    HIBERNATE = "hibernate"

    @property
    def is_dead_state(self) -> bool:
        """States in which gossip never marks the endpoint alive (``Gossiper.DEAD_STATES``)."""
        return self in (NodeStatus.REMOVING, NodeStatus.REMOVED, NodeStatus.LEFT, NodeStatus.HIBERNATE)


@dataclass(frozen=True, slots=True)
class VersionedValue:
    value: str
    version: int


@dataclass(frozen=True, slots=True, order=True)
class HeartBeatState:
    generation: int
    version: int


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class EndpointState:
    """Heartbeat + application states of one endpoint, and whether we consider it alive."""

    heartbeat: HeartBeatState
    states: Mapping[ApplicationState, VersionedValue] = field(default_factory=lambda: _frozen({}))
    alive: bool = True
    updated_at_ms: float = 0.0

    @property
    def max_version(self) -> int:
        """The highest version in the heartbeat or any application state (what a digest carries)."""
        return max([self.heartbeat.version, *(v.version for v in self.states.values())])

    def get(self, state: ApplicationState) -> str | None:
        found = self.states.get(state)
        return None if found is None else found.value

    def newer_than(self, version: int) -> EndpointState:
        """This state with only the application states newer than ``version`` (the heartbeat always)."""
        return replace(self, states=_frozen({k: v for k, v in self.states.items() if v.version > version}))

    def with_states(self, states: Mapping[ApplicationState, VersionedValue]) -> EndpointState:
        merged = dict(self.states)
        merged.update(states)
        return replace(self, states=_frozen(merged))

    @property
    def status(self) -> NodeStatus | None:
        return parse_status(self.get(ApplicationState.STATUS))

    @property
    def is_dead_state(self) -> bool:
        status = self.status
        return status is not None and status.is_dead_state

    @property
    def is_shutdown(self) -> bool:
        return self.status is NodeStatus.SHUTDOWN


def parse_status(value: str | None) -> NodeStatus | None:
    if not value:
        return None
    name = value.split(",", 1)[0]
    try:
        return NodeStatus(name)
    except ValueError:
        return None


# ----------------------------------------------------------------------------------- value builders


def tokens_value(tokens: Iterable[int]) -> str:
    return ",".join(str(t) for t in sorted(tokens))


def parse_tokens(value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    return tuple(int(t) for t in value.split(","))


def status_value(status: NodeStatus, tokens: Iterable[int] = (), *extra: str) -> str:
    """``STATUS`` text: ``NORMAL,<first token>``, ``LEFT,<first token>,<expiry ms>``, ``shutdown,true``."""
    if status is NodeStatus.SHUTDOWN:
        return "shutdown,true"
    ordered = sorted(tokens)
    parts = [status.value, *([str(ordered[0])] if ordered else []), *extra]
    return ",".join(parts)


def schema_value(version: uuid.UUID) -> str:
    return str(version)


def load_value(bytes_on_disk: float) -> str:
    return repr(float(bytes_on_disk))
