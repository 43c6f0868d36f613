"""Node status and topology events for drivers: gossip's view of the ring, pushed as EVENT messages.

Cassandra's ``Server.EventNotifier`` listens to gossip and tells every connection registered for
``STATUS_CHANGE`` when another node goes DOWN or comes back UP, and those registered for
``TOPOLOGY_CHANGE`` when a node leaves the ring (``REMOVED_NODE``). Drivers react by marking the host
down (or reconnecting to it) without waiting for their own connections to fail. :class:`NodeEventNotifier`
is that listener for one node's gossiper (``engine.gms``) feeding one :class:`NativeServer`'s
:meth:`~engine.transport.server.NativeServer.publish`.

Events name a node by its *native* address and port (what a driver connects to), which gossip here does
not carry, so the composer passes ``native_endpoint``: gossip endpoint -> (address, port), or None for
an endpoint with no native endpoint (not served): no event. As in Cassandra, a status is sent only when
it differs from the last one sent for that node (gossip may report a node UP twice, e.g. once per
restart generation), and nothing is sent about the node itself (its own clients see its connections close).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.gms.endpoint_state import EndpointState
from engine.gms.gossiper import GossipListener
from engine.transport.events import Event, StatusChange, TopologyChange

NativeEndpoint = Callable[[str], tuple[str, int] | None]


class NodeEventNotifier(GossipListener):
    """A gossip listener publishing STATUS_CHANGE (UP/DOWN) and TOPOLOGY_CHANGE (REMOVED_NODE) events."""

    def __init__(
        self, local_endpoint: str, publish: Callable[[Event], None], native_endpoint: NativeEndpoint
    ):
        self.local_endpoint = local_endpoint
        self._publish = publish
        self._native_endpoint = native_endpoint
        self._last_status: dict[str, str] = {}
        self._lock = threading.Lock()

    def on_alive(self, endpoint: str, state: EndpointState) -> None:
        self._status(endpoint, "UP")

    def on_dead(self, endpoint: str, state: EndpointState) -> None:
        self._status(endpoint, "DOWN")

    def on_remove(self, endpoint: str) -> None:
        native = self._native(endpoint)
        with self._lock:
            self._last_status.pop(endpoint, None)
        if native is not None:
            self._publish(TopologyChange("REMOVED_NODE", *native))

    def _native(self, endpoint: str) -> tuple[str, int] | None:
        if endpoint == self.local_endpoint:
            return None
        return self._native_endpoint(endpoint)

    def _status(self, endpoint: str, change: str) -> None:
        native = self._native(endpoint)
        if native is None:
            return
        with self._lock:
            if self._last_status.get(endpoint) == change:
                return
            self._last_status[endpoint] = change
        self._publish(StatusChange(change, *native))
