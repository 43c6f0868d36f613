"""What the admin seam reads from a node, in one place: its address, host id, tokens, location and state.

Every other part of :mod:`engine.probe` asks :func:`describe_endpoint` and never looks at a ``Node``'s
attributes itself, so that when the cluster grows from one in-process node to a ring of nodes with their
own addresses, allocated tokens and gossip liveness, only this module follows.

What a node does not (yet) expose is derived the way the node-state system tables derive it
(:mod:`engine.cluster.local_tables`): the host id kept in ``node.json``, ``tokens_for(host_id)``, the
default data center and rack, and the address ``127.0.0.N`` for the N-th node of the cluster
(docs/architecture.md: node N listens on 127.0.0.N).

**Generation and start time.** Cassandra's gossip generation is the epoch second the node started. A node
writes its process id into ``node.lock`` when it opens its directory (``engine.cluster.node``), so that
file's modification time is when the node was opened: the generation and the start of the uptime.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from engine.cluster.local_tables import (
    DATA_CENTER,
    RACK,
    RELEASE_VERSION,
    STORAGE_PORT,
    load_or_create_host_id,
    tokens_for,
)


class NodeStatus(enum.Enum):
    """Gossip liveness (``nodetool status``'s first letter)."""

    UP = "U"
    DOWN = "D"
    UNKNOWN = "?"


class NodeState(enum.Enum):
    """Ring membership state (``nodetool status``'s second letter, ``ring``'s State column)."""

    NORMAL = "N"
    LEAVING = "L"
    JOINING = "J"
    MOVING = "M"

    @property
    def title(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True, slots=True)
class EndpointDescription:
    """One node of the cluster as the admin commands see it."""

    name: str
    address: str
    storage_port: int
    host_id: uuid.UUID
    tokens: tuple[int, ...]
    data_center: str
    rack: str
    release_version: str
    status: NodeStatus
    state: NodeState
    started_at: float | None  # epoch seconds the node was opened (None: not known)
    generation: int | None = None  # the node's gossip generation, when it gossips

    @property
    def address_and_port(self) -> str:
        return f"{self.address}:{self.storage_port}"


def _attribute(node: Any, *names: str) -> Any:
    """The first of ``names`` the node (or its ``info``) exposes, else None."""
    for owner in (node, getattr(node, "info", None)):
        if owner is None:
            continue
        for name in names:
            value = getattr(owner, name, None)
            if value is not None and not callable(value):
                return value
    return None


def _status(node: Any, observer: Any) -> NodeStatus:
    if observer is not None and observer is not node and callable(getattr(observer, "sees_alive", None)):
        # Liveness as the node nodetool talks to sees it (its failure detector), as in Cassandra.
        return NodeStatus.UP if observer.sees_alive(node.address) else NodeStatus.DOWN
    alive = _attribute(node, "is_alive", "alive", "up")
    if alive is None:
        return NodeStatus.UP  # an opened in-process node is up
    return NodeStatus.UP if alive else NodeStatus.DOWN


def _state(node: Any) -> NodeState:
    state = _attribute(node, "state")
    if isinstance(state, NodeState):
        return state
    if isinstance(state, enum.Enum):
        state = state.name
    if isinstance(state, str) and state.upper() in NodeState.__members__:
        return NodeState[state.upper()]
    return NodeState.NORMAL


def _started_at(node: Any) -> float | None:
    started = _attribute(node, "started_at")
    if isinstance(started, (int, float)):
        return float(started)
    try:
        return (node.directory / "node.lock").stat().st_mtime
    except OSError:
        return None


def _generation(node: Any) -> int | None:
    membership = getattr(node, "membership", None)
    generation = getattr(membership, "generation", None)
    return generation if isinstance(generation, int) else None


def describe_endpoint(node: Any, index: int, observer: Any = None) -> EndpointDescription:
    """``node``, the ``index``-th (from 0) node of its cluster, as the admin seam describes it; its
    liveness as ``observer`` (the node asked) sees it, when given."""
    host_id = _attribute(node, "host_id")
    if not isinstance(host_id, uuid.UUID):
        host_id = load_or_create_host_id(node.directory)
    tokens = _attribute(node, "tokens")
    if tokens is None:
        tokens = tokens_for(host_id)
    address = _attribute(node, "address", "broadcast_address", "listen_address")
    return EndpointDescription(
        name=node.name,
        address=str(address) if address is not None else f"127.0.0.{index + 1}",
        storage_port=int(_attribute(node, "storage_port") or STORAGE_PORT),
        host_id=host_id,
        tokens=tuple(sorted(int(t) for t in tokens)),
        data_center=str(_attribute(node, "data_center", "datacenter") or DATA_CENTER),
        rack=str(_attribute(node, "rack") or RACK),
        release_version=str(_attribute(node, "release_version") or RELEASE_VERSION),
        status=_status(node, observer),
        state=_state(node),
        started_at=_started_at(node),
        generation=_generation(node),
    )
