"""Serving every node of a cluster, and stopping and starting one of them while the others run.

:class:`ServedCluster` composes an opened :class:`~engine.cluster.session.Cluster` with one
:class:`~engine.cluster.server.NodeServer` per node, each on its own :class:`Endpoint` (node N on
``127.0.0.N:P``, or ``127.0.0.1:P+N-1`` with a single interface). Every endpoint's ``system.peers``
names the other nodes at their real endpoints, so a driver connected to any node discovers them all.

Stopping a node (``stop_node``) closes its native endpoint first — its clients drain — then takes it
off the cluster's network as ``nodetool stopdaemon`` would: peers see it DOWN at once, coordinators keep
hints for it. Starting it again rejoins gossip (peers see it UP, hints replay) and reopens its endpoint
on the same address. :func:`lifecycle_routes` puts both on the admin API::

    GET  /v1/cluster               {"name", "pid", "nodes": [{"name", "address", "host", "port", "status"}]}
    POST /v1/nodes/{name}/stop     {"name", "status": "DOWN"}   409 "<name> is not running"
    POST /v1/nodes/{name}/start    {"name", "status": "UP"}     409 "<name> is already running"
    POST /v1/nodes                 {"name", "address", "host", "port", "status": "UP"}  (body: {"datacenter"})
                                   409 with Cassandra's message when the bootstrap is refused

Adding a node (``cqlkit cluster add``) bootstraps it into the running cluster
(:mod:`engine.cluster.topology_change`) and serves it; a node that leaves (``nodetool decommission`` or
``removenode``) stops being served. Drivers hear both as ``TOPOLOGY_CHANGE`` (``NEW_NODE`` /
``REMOVED_NODE``) and every endpoint's ``system.peers`` follows the ring.

Every node's lifecycle is logged through :mod:`logging` with the node's name in the record (attribute
``node``), in Cassandra's words (``Starting listening for CQL clients on /127.0.0.2:9042
(unencrypted)...``, ``InetAddress /127.0.0.3:7000 is now DOWN``), so a handler can route a node's records
to its own ``system.log``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from engine.admin_api.server import AdminError, AdminRequest, AdminResponse, Router
from engine.cluster.local_tables import STORAGE_PORT
from engine.cluster.node import Node
from engine.cluster.server import NodeServer
from engine.cluster.session import Cluster
from engine.errors import InvalidRequest
from engine.gms.endpoint_state import EndpointState
from engine.gms.gossiper import GossipListener
from engine.transport.cluster_events import NodeEventNotifier
from engine.transport.events import Event, TopologyChange

log = logging.getLogger(__name__)

NATIVE_PORT = 9042


@dataclass(frozen=True)
class Endpoint:
    """Where a node's native protocol listens."""

    host: str
    port: int


def endpoints(cluster: Cluster, port: int, *, single_interface: bool) -> dict[str, Endpoint]:
    """Node N at its own address on ``port``, or all on 127.0.0.1 at ``port + N - 1`` (0: ephemeral)."""
    out: dict[str, Endpoint] = {}
    for index, node in enumerate(cluster.nodes):
        if single_interface:
            out[node.name] = Endpoint("127.0.0.1", port + index if port else 0)
        else:
            out[node.name] = Endpoint(node.address, port)
    return out


def _node_extra(node: Node) -> dict[str, str]:
    return {"node": node.name}


class _GossipLog(GossipListener):
    """``InetAddress /127.0.0.2:7000 is now UP`` in the observing node's log, as Cassandra's Gossiper."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def on_alive(self, endpoint: str, state: EndpointState) -> None:
        log.info("InetAddress /%s:%d is now UP", endpoint, STORAGE_PORT, extra=_node_extra(self.node))

    def on_dead(self, endpoint: str, state: EndpointState) -> None:
        log.info("InetAddress /%s:%d is now DOWN", endpoint, STORAGE_PORT, extra=_node_extra(self.node))


class ServedCluster:
    """A cluster's nodes, each served on its endpoint; ``start()``, ``stop_node``/``start_node``, ``stop()``."""

    def __init__(
        self,
        cluster: Cluster,
        endpoints: Mapping[str, Endpoint],
        server_factory: Callable[[Node, Endpoint], NodeServer] | None = None,
        *,
        endpoint_for: Callable[[Node], Endpoint] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.cluster = cluster
        self.endpoints = dict(endpoints)
        self._factory = server_factory or (lambda node, at: NodeServer(node, at.host, at.port))
        first_port = next(iter(self.endpoints.values())).port if self.endpoints else NATIVE_PORT
        # where a node added later listens: its own address on the cluster's port, unless told otherwise
        self._endpoint_for = endpoint_for or (lambda node: Endpoint(node.address, first_port))
        self._on_change = on_change or (lambda: None)
        self.servers: dict[str, NodeServer] = {}
        self._binary_off: set[str] = set()  # running nodes whose endpoint `nodetool disablebinary` closed
        self._lock = threading.RLock()  # one lifecycle change at a time (a ring change reenters it)
        for node in cluster.nodes:
            self._watch(node)
        cluster.node_listeners.append(self._on_node_event)

    def _watch(self, node: Node) -> None:
        node.native_transport_control = lambda enabled, name=node.name: self.set_native_transport(
            name, enabled
        )
        if node.membership is not None:
            node.membership.gossiper.register(_GossipLog(node))
            # drivers connected to this node hear when another node goes DOWN or comes back UP
            node.membership.gossiper.register(
                NodeEventNotifier(node.address, self._publisher(node.name), self._native_endpoint)
            )

    def _on_node_event(self, event: str, node: Node) -> None:
        """A node joined (``added``), left (``removed``) or was reopened on a network (``reopened``, when
        a one-node cluster grows): serve it or stop serving it, and tell every driver (TOPOLOGY_CHANGE)."""
        with self._lock:
            if event in ("added", "reopened"):
                self._watch(node)
                previous = self.servers.pop(node.name, None)
                if previous is not None:
                    previous.stop()  # it served the node object that was closed
                if node.name not in self.endpoints:
                    self.endpoints[node.name] = self._endpoint_for(node)
                self._open(node)
                self._update_peers()
                if event == "added":
                    log.info("Startup complete", extra=_node_extra(node))
                    self._publish_topology("NEW_NODE", node.name)
            elif event == "removed":
                server = self.servers.pop(node.name, None)
                if server is not None:
                    log.info("Stop listening for CQL clients", extra=_node_extra(node))
                    server.stop()
                self._publish_topology("REMOVED_NODE", node.name)
                self.endpoints.pop(node.name, None)
                self._update_peers()
            self._on_change()

    def _publish_topology(self, change: str, name: str) -> None:
        at = self.endpoints[name]
        for other, server in self.servers.items():
            if other != name:
                server.transport.publish(TopologyChange(change, at.host, at.port))

    def add_node(self, datacenter: str | None = None) -> Node:
        """Bootstrap a new node into the served cluster and serve it (``POST /v1/nodes``)."""
        with self._lock:
            return self.cluster.add_node(datacenter)

    def _publisher(self, name: str) -> Callable[[Event], None]:
        def publish(event: Event) -> None:
            server = self.servers.get(name)
            if server is not None:  # a stopped node's connections are closed: nothing to tell
                server.transport.publish(event)

        return publish

    def _native_endpoint(self, address: str) -> tuple[str, int] | None:
        """Where drivers reach the node with cluster address ``address`` (events name it so)."""
        for node in self.cluster.nodes:
            if node.address == address and node.name in self.endpoints:
                at = self.endpoints[node.name]
                return at.host, at.port
        return None

    @property
    def name(self) -> str:
        return self.cluster.directory.name

    def start(self) -> None:
        """Open every node's endpoint (``OSError`` names the one that could not bind; none is left open)."""
        try:
            for node in self.cluster.running_nodes():  # a node opened stopped waits for start_node
                self._open(node)
        except BaseException:
            for server in self.servers.values():
                server.stop()
            self.servers.clear()
            raise
        self._update_peers()
        for node in self.cluster.running_nodes():
            # gossip converged while the cluster opened: what each node saw come UP before it was served
            for peer in self.cluster.nodes:
                if peer is not node and node.sees_alive(peer.address):
                    log.info(
                        "InetAddress /%s:%d is now UP", peer.address, STORAGE_PORT, extra=_node_extra(node)
                    )
            log.info("Startup complete", extra=_node_extra(node))

    def _open(self, node: Node) -> None:
        at = self.endpoints[node.name]
        server = self._factory(node, at)
        try:
            server.start()
        except OSError as e:
            reason = os.strerror(e.errno) if e.errno else str(e)
            raise OSError(e.errno, f"{node.name} cannot listen on {at.host}:{at.port}: {reason}") from e
        self.endpoints[node.name] = Endpoint(server.host, server.port)  # an ephemeral port is now known
        self.servers[node.name] = server
        node.context.node_state_rows = self._state_rows(node.context.node_state_rows)
        log.info(
            "Starting listening for CQL clients on /%s:%d (%s)...",
            server.host,
            server.port,
            "unencrypted" if server.transport.ssl_context is None else "encrypted",
            extra=_node_extra(node),
        )

    def _state_rows(
        self, rows_of: Callable[[str, str], Iterator[dict[str, object]]] | None
    ) -> Callable[[str, str], Iterator[dict[str, object]]]:
        """The server's node-state rows, with each peer's own schema version.

        A driver decides that a schema change has reached every node by comparing ``schema_version``
        in ``system.local`` and the peers tables; the node-level rows give every peer this node's
        version. The serving process holds every node, so a running peer's row carries that peer's
        current version (what gossip's ``SCHEMA`` state converges to, without waiting for a round).
        ``rows_of`` is the hook the node's :class:`NodeServer` installed when it was made.
        """
        assert rows_of is not None

        def rows(keyspace: str, table: str) -> Iterator[dict[str, object]]:
            produced = rows_of(keyspace, table)
            if keyspace != "system" or table not in ("peers", "peers_v2"):
                return produced
            return iter([self._with_peer_schema(row) for row in produced])

        return rows

    def _with_peer_schema(self, row: dict[str, object]) -> dict[str, object]:
        peer = self.cluster.node(str(row["peer"]))
        if not peer.is_running:
            return row
        return {**row, "schema_version": peer.catalog.schema.version}

    def _update_peers(self) -> None:
        """Each endpoint names the ring's other nodes where they really listen (ports differ with one
        interface), recomputed after every ring change."""
        for server in self.servers.values():
            _, peers = server.node.node_infos(server.port)
            server.peers = [
                dataclasses.replace(
                    peer,
                    native_address=self.endpoints[self.cluster.node(peer.address).name].host,
                    native_port=self.endpoints[self.cluster.node(peer.address).name].port,
                )
                for peer in peers
                if any(n.address == peer.address and n.name in self.endpoints for n in self.cluster.nodes)
            ]

    def is_up(self, name: str) -> bool:
        served = name in self.servers or name in self._binary_off
        return served and self.cluster.node(name).is_running

    def set_native_transport(self, name: str, enabled: bool) -> None:
        """``nodetool enablebinary`` / ``disablebinary``: open or close the node's native endpoint while
        it stays in the ring (its clients are disconnected; gossip does not change)."""
        node = self.cluster.node(name)
        with self._lock:
            if enabled and name in self._binary_off:
                self._binary_off.discard(name)
                self._open(node)
                self._update_peers()
            elif not enabled and name in self.servers:
                log.info("Stop listening for CQL clients", extra=_node_extra(node))
                self.servers.pop(name).stop()
                self._binary_off.add(name)

    def stop_node(self, name: str) -> None:
        """Drain the node's endpoint, then take it off the network (peers see it DOWN)."""
        node = self.cluster.node(name)
        with self._lock:
            if not self.is_up(name):
                raise NodeStateError(f"{name} is not running")
            if len(self.cluster.nodes) == 1:
                raise NodeStateError(f"{name} is the only node of cluster {self.name}; stop the cluster")
            if name in self.servers:
                log.info("Stop listening for CQL clients", extra=_node_extra(node))
                self.servers.pop(name).stop()
            self._binary_off.discard(name)
            log.info("Announcing shutdown", extra=_node_extra(node))
            self.cluster.stop_node(name)
            log.info(
                "Node /%s:%d state jump to shutdown", node.address, STORAGE_PORT, extra=_node_extra(node)
            )

    def start_node(self, name: str) -> None:
        """Rejoin gossip (peers see it UP, hints replay), then reopen the endpoint on its address."""
        node = self.cluster.node(name)
        with self._lock:
            if self.is_up(name):
                raise NodeStateError(f"{name} is already running")
            self.cluster.start_node(name)
            log.info("Node /%s:%d state jump to NORMAL", node.address, STORAGE_PORT, extra=_node_extra(node))
            self._open(node)
            self._update_peers()
            log.info("Startup complete", extra=_node_extra(node))

    def stop(self) -> None:
        """Drain every endpoint and shut the cluster down (every node flushes)."""
        with self._lock:
            for name, server in list(self.servers.items()):
                log.info("Stop listening for CQL clients", extra=_node_extra(self.cluster.node(name)))
                server.stop()
            self.servers.clear()
            for node in self.cluster.nodes:
                if node.is_running:  # a node stopped earlier announced its shutdown then
                    log.info("Announcing shutdown", extra=_node_extra(node))
            self.cluster.shutdown()

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "pid": os.getpid(),
            "nodes": [
                {
                    "name": node.name,
                    "address": node.address,
                    "host": self.endpoints[node.name].host,
                    "port": self.endpoints[node.name].port,
                    "status": "UP" if self.is_up(node.name) else "DOWN",
                }
                for node in self.cluster.nodes
                if node.name in self.endpoints  # a node leaving the ring is no longer served
            ],
        }


class NodeStateError(Exception):
    """Stopping a stopped node, or starting a running one."""


def lifecycle_routes(router: Router, served: ServedCluster) -> None:
    """``GET /v1/cluster``, ``POST /v1/nodes/{name}/stop`` and ``.../start`` on ``router``."""

    def node_name(request: AdminRequest) -> str:
        name = request.params["name"]
        if not any(n.name == name for n in served.cluster.nodes):
            raise AdminError(HTTPStatus.NOT_FOUND, f"no node {name} in cluster {served.name}")
        return name

    def change(action: Callable[[str], None], status: str) -> Callable[[AdminRequest], AdminResponse]:
        def handle(request: AdminRequest) -> AdminResponse:
            name = node_name(request)
            try:
                action(name)
            except NodeStateError as e:
                raise AdminError(HTTPStatus.CONFLICT, str(e)) from None
            return AdminResponse(HTTPStatus.OK, {"name": name, "status": status})

        return handle

    router.add("GET", "/v1/cluster", lambda request: AdminResponse(HTTPStatus.OK, served.describe()))
    router.add("POST", "/v1/nodes/{name}/stop", change(served.stop_node, "DOWN"))
    router.add("POST", "/v1/nodes/{name}/start", change(served.start_node, "UP"))

    def add(request: AdminRequest) -> AdminResponse:
        datacenter = request.body.get("datacenter")
        try:
            node = served.add_node(None if datacenter is None else str(datacenter))
        except InvalidRequest as e:
            raise AdminError(HTTPStatus.CONFLICT, str(e)) from None
        at = served.endpoints[node.name]
        body = {"name": node.name, "address": node.address, "host": at.host, "port": at.port, "status": "UP"}
        return AdminResponse(HTTPStatus.OK, body)

    router.add("POST", "/v1/nodes", add)
